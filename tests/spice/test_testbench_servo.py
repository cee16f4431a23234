"""The open-loop testbench's DC servo, with real ngspice runs (no mocks).

Single-ended: the operating point is a follower's (the output sits at the input common mode) while the
AC response is the open-loop gain. Fully differential: the differential output is held near 0 at DC,
the measured node is the differential output, and the output common mode is reported.
"""

from __future__ import annotations

import numpy as np
import pytest

from circuitforge.examples import example_path
from circuitforge.netlists import parse
from circuitforge.spice import simulate
from circuitforge.spice.measure import dc_gain, measure_opamp, output_common_mode
from circuitforge.netlists.errors import ValidationError
from circuitforge.spice.testbench import BiasPort, OpampPorts, open_loop_ac

# a resistively loaded NMOS pair: open-loop gain gm*R, output common mode set by the resistors
_FD = """* fully differential pair
.subckt fdpair inp inn outp outn vdd vss
R1 vdd outn 20k
R2 vdd outp 20k
M1 outn inp tail vss nmos4 W=4u L=180n
M2 outp inn tail vss nmos4 W=4u L=180n
I1 tail vss DC 40u
.ends fdpair
"""


def test_single_ended_servo_sets_the_operating_point_and_keeps_the_open_loop_gain():
    tb = open_loop_ac(example_path("opamp_miller45.cir"), "generic45")
    res = simulate(tb.netlist, list(tb.analyses))
    assert res.ok, res.error
    vcm = tb.info["vcm"]
    assert abs(res["op"].value(tb.nodes["out"]) - vcm) < 0.02  # closed loop at DC: a follower
    h = np.asarray(res["ac"][tb.nodes["ac_out"]])
    gain = dc_gain(res["ac"].sweep, h).value
    assert gain is not None and gain > 50  # open loop in AC
    assert gain == pytest.approx(measure_opamp(example_path("opamp_miller45.cir"), which=("gain",))["gain"].value)
    assert output_common_mode(tb, res).value is None  # one output: nothing to check


def test_differential_servo_holds_the_outputs_and_measures_the_differential_gain():
    ports = OpampPorts(out="outp", outn="outn")
    tb = open_loop_ac(parse(_FD), "generic45", ports=ports)
    res = simulate(tb.netlist, list(tb.analyses))
    assert res.ok, res.error
    op = res["op"]
    assert abs(op.value("outp") - op.value("outn")) < 0.01  # differential output servoed to ~0
    assert abs(op.value("inp") + op.value("inn") - 2 * tb.info["vcm"]) < 1e-6  # input CM stays at vcm
    cm = output_common_mode(tb, res)
    assert cm.value == pytest.approx(1.0 - 20e3 * 20e-6, abs=0.02) and cm.reason is None
    f = res["ac"].sweep
    gain = dc_gain(f, np.asarray(res["ac"][tb.nodes["ac_out"]])).value
    assert 5 < gain < 30  # gm*R of one pair, both outputs: a modest differential gain
    m = measure_opamp(parse(_FD), which=("gain",), ports=ports)
    assert m["gain"].value == pytest.approx(gain)


def test_differential_output_at_a_rail_is_reported():
    text = _FD.replace("R1 vdd outn 20k", "R1 vdd outn 2meg").replace("R2 vdd outp 20k", "R2 vdd outp 2meg")
    tb = open_loop_ac(parse(text), "generic45", ports=OpampPorts(out="outp", outn="outn"))
    res = simulate(tb.netlist, list(tb.analyses))
    cm = output_common_mode(tb, res)
    assert cm.value is not None and cm.value < 0.1 and "common-mode" in (cm.reason or "")


# current-source loads and a current tail: no common-mode feedback, so the output common mode is undefined
_NO_CMFB = """* fully differential pair without CMFB
.subckt nocm inp inn outp outn vdd vss vb
M3 outn vb vdd vdd pmos4 W=4u L=360n
M4 outp vb vdd vdd pmos4 W=4u L=360n
M1 outn inp tail vss nmos4 W=4u L=360n
M2 outp inn tail vss nmos4 W=4u L=360n
I1 tail vss DC 20u
.ends nocm
"""


@pytest.mark.parametrize("servo", ["differential", "output"])
def test_common_mode_servo_biases_a_differential_op_amp_without_cmfb(servo):
    ports = OpampPorts(out="outp", outn="outn", bias=(BiasPort("vb", 0.6, "voltage"),))
    plain = open_loop_ac(parse(_NO_CMFB), "generic45", ports=ports, servo=servo)
    res = simulate(plain.netlist, list(plain.analyses))
    assert res.ok and output_common_mode(plain, res).info == (("ok", 0.0),)  # no CMFB: a rail
    tb = open_loop_ac(parse(_NO_CMFB), "generic45", ports=ports, servo=servo, cm_servo=("vb", -1.0))
    res = simulate(tb.netlist, list(tb.analyses))
    assert res.ok, res.error
    op = res["op"]
    assert abs(op.value("outp") - tb.info["vcm"]) < 0.02 and abs(op.value("outn") - tb.info["vcm"]) < 0.02
    assert output_common_mode(tb, res).info == (("ok", 1.0),)
    gain = dc_gain(res["ac"].sweep, np.asarray(res["ac"][tb.nodes["ac_out"]])).value
    assert gain is not None and gain > 20


def test_common_mode_servo_needs_a_voltage_bias_port():
    with pytest.raises(ValidationError, match="common-mode servo"):
        open_loop_ac(parse(_NO_CMFB), "generic45", ports=OpampPorts(out="outp", outn="outn",
                     bias=(BiasPort("vb", 0.5, "voltage"),)), cm_servo=("vx", -1.0))
