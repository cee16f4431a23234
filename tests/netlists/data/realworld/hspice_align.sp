** Generated for: hspiceD
** Generated on: Jan  5 21:02:24 2020
** Design library name: comparator_lib
** Design cell name: strongarm
** Design view name: schematic
.GLOBAL vdd! gnd!
.PARAM

.TEMP 25.0
.OPTION
+    ARTIST=2
+    INGOLD=2
+    PARHIER=LOCAL
+    PSF=2

** Library name: comparator_lib
** Cell name: latch
** View name: schematic
.subckt latch clk inn inp outn outp
parameters wn=1u ln=60n m
mn1 outn outp tail gnd! nch_lvt w=wn l=ln m=1
mn2 outp outn tail gnd! nch_lvt w=wn l=ln m=1
mp1 outn outp vdd! vdd! pch_lvt w=wn l=ln m=1
mp2 outp outn vdd! vdd! pch_lvt w=wn l=ln m=1
mn3 tail clk gnd! gnd! nch_lvt w='2 * wn' l=ln m=1
mn4 outn inp tail gnd! nch_lvt w=wn l=ln m=1
mn5 outp inn tail gnd! nch_lvt w=wn l=ln m=1
ends latch
** End of subcircuit definition.

** Library name: comparator_lib
** Cell name: strongarm
** View name: schematic
xi0 clk inn inp outn outp latch wn=2u ln=60n m=1
c0 outn gnd! 10f
c1 outp gnd! 10f
.END
