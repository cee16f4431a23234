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
from circuitforge.spice.testbench import OpampPorts, open_loop_ac

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
