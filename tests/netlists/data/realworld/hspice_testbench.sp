** Generated for: hspiceD
** Generated on: Mar  3 10:00:00 2021
** Design library name: tb_lib
** Design cell name: tb_ota
** Design view name: schematic
// hand-written after the testbenches of an analog layout flow (issue 16)
.PARAM vdd=1.8 ibias=20u vcm=0.9 \
    cl=1p
.TEMP 25.0
.OPTION INGOLD=2 ARTIST=2 PSF=2 POST

.subckt ota inp inn out vdd vss bias
mn1 x inp tail vss nch w=2u l=0.2u
mn2 out inn tail vss nch w=2u l=0.2u
mn3 tail bias vss vss nch w=4u l=0.5u
mp1 x x vdd vdd pch w=4u l=0.2u
mp2 out x vdd vdd pch w=4u l=0.2u
.ends ota
// End of subcircuit definition.

xi0 inp inn out vdd_n 0 bias ota
v0 vdd_n 0 vdd
i0 vdd_n bias DC ibias
v1 inp 0 DC vcm AC 0.5
v2 inn 0 vcm AC 0.5 180
v3 clk 0 PULSE 0 1.8 1n 10p 10p 5n 10n
c0 out 0 cl
.AC DEC 100 1 1e9
.END
