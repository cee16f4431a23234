"""The ngspice bridge against the real ngspice (shared library and batch mode)."""

from __future__ import annotations

import numpy as np
import pytest

from circuitforge.netlists import parse
from circuitforge.spice import (
    AC,
    DC,
    BatchSimulator,
    ConvergenceError,
    DeckError,
    Noise,
    Op,
    SharedSimulator,
    SimulationTimeout,
    SimulatorCrash,
    Tran,
    simulate,
)

RC = "* rc\nV1 in 0 DC 1 AC 1\nR1 in out 1k\nC1 out 0 1n\n.end\n"
DIODE_AMP = """* diode and bjt
VCC vcc 0 5
VIN in 0 DC 0.7 AC 1 SIN(0.7 10m 1k)
RB in b 10k
Q1 c b 0 qn
RC vcc c 2k
D1 c d dd
RD d 0 10k
.model qn npn bf=100 is=1e-15 vaf=50
.model dd d is=1e-14
.end
"""
CRASH = "* recursive function: ngspice 39 overflows its stack\n.func f(x) {f(x)+1}\nV1 a 0 {f(1)}\nR1 a 0 1k\n.end\n"
HANG = "* femtosecond steps for a second\nV1 a 0 SIN(0 1 1meg)\nR1 a b 1k\nC1 b 0 1n\n.end\n"
NO_SOLUTION = "* no DC solution exists\nB1 b 0 I = v(b) > 0.5 ? 1 : -1\nR1 b 0 1k\n.end\n"
ANALYSES = [Op(), AC(1, 1e9, 10), Tran(1e-5, 2e-3), DC("VIN", 0.5, 0.9, 0.01), Noise("c", "VIN", start=10, stop=1e6)]


def test_rc_lowpass_matches_theory():
    r = simulate(RC, [Op(), AC(1, 1e9, 20)])
    assert r.ok, r.error
    assert r["op"].value("out") == pytest.approx(1.0)
    f = r["ac"].sweep
    h = r["ac"]["out"]
    expected = 1 / (1 + 2j * np.pi * f * 1e3 * 1e-9)
    np.testing.assert_allclose(h, expected, rtol=1e-6)
    assert r["ac"].units["frequency"] == "Hz"


def test_shared_and_batch_give_the_same_numbers():
    with SharedSimulator(1) as shared, BatchSimulator() as batch:
        a = shared.run(DIODE_AMP, ANALYSES)
        b = batch.run(DIODE_AMP, ANALYSES)
    assert a.ok and b.ok, (a.error, b.error)
    for kind in ("op", "ac", "tran", "dc", "noise"):
        ra, rb = a[kind], b[kind]
        common = (set(ra.vectors) & set(rb.vectors)) - {"frequency", "time", "v-sweep"}
        assert {"c", "b"} <= common or kind == "noise", (kind, sorted(ra.vectors), sorted(rb.vectors))
        np.testing.assert_allclose(ra.sweep, rb.sweep, rtol=1e-9)
        for name in common:
            np.testing.assert_allclose(ra[name], rb[name], rtol=1e-6, atol=1e-15, err_msg=f"{kind}:{name}")


def test_netlist_objects_and_statements():
    n = parse(RC.replace(".end", ".op\n.control\nrun\n.endc\n.end"))
    r = simulate(n, [Op()])  # the deck's own analyses and control block are not run twice
    assert r.ok and set(r.analyses) == {"op"}


@pytest.mark.parametrize("backend", ["shared", "batch"])
def test_typed_failures(backend):
    r = simulate("* bad\nM1 a b 0 0 nomodel\nV1 a 0 1\n.end\n", [Op()], backend=backend)
    assert isinstance(r.error, DeckError) and "nomodel" in r.error.message
    r = simulate(NO_SOLUTION, [Op()], backend=backend)
    assert isinstance(r.error, ConvergenceError) and 'node "b"' in r.error.message
    assert "gmin" in r.error.log.lower()
    with pytest.raises(ConvergenceError):
        r["op"]


def test_a_batch_with_crash_hang_and_nonconvergence_loses_no_good_result():
    good = [(RC, [Op(), AC(1, 1e6, 5)]), (DIODE_AMP, [Op()])]
    jobs = [good[0], (CRASH, [Op()]), good[1], (HANG, [Tran(1e-15, 1.0)]), (NO_SOLUTION, [Op()]), good[0],
            good[1], (CRASH, [Op()]), good[0]]
    with SharedSimulator(2) as sim:
        results = sim.run_many(jobs, timeout=3.0)
        assert sim.restarts == 3  # two crashes and one timeout
    kinds = [type(r.error).__name__ if r.error else "ok" for r in results]
    assert kinds == ["ok", "SimulatorCrash", "ok", "SimulationTimeout", "ConvergenceError", "ok", "ok",
                     "SimulatorCrash", "ok"]
    assert isinstance(results[1].error, SimulatorCrash) and isinstance(results[3].error, SimulationTimeout)
    for i in (0, 5, 8):
        assert results[i]["op"].value("out") == pytest.approx(1.0)
    for i in (2, 6):
        assert 0 < results[i]["op"].value("c") < 5


def test_batch_backend_survives_crash_and_timeout():
    sim = BatchSimulator()
    assert isinstance(sim.run(CRASH, [Op()]).error, SimulatorCrash)
    assert isinstance(sim.run(HANG, [Tran(1e-15, 1.0)], timeout=1.0).error, SimulationTimeout)
    assert sim.run(RC, [Op()]).ok


def test_unreadable_netlist_is_a_deck_error_not_an_exception():
    r = simulate("* x\nR1 a\n", [Op()])
    assert isinstance(r.error, DeckError) and "expected 2 nodes" in r.error.message


_ORPHAN_PARENT = """
import sys
from circuitforge.spice import SharedSimulator, Tran
HANG = {hang!r}
if __name__ == "__main__":
    sim = SharedSimulator(1)
    sim._ensure(1)
    print(sim._workers[0].proc.pid, flush=True)
    sim.run(HANG, [Tran(1e-15, 1.0)], timeout=600.0)
"""


def test_busy_worker_dies_with_its_parent(tmp_path):
    """A parent killed by a signal while its worker is inside a hung simulation leaves no orphan."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    script = tmp_path / "parent.py"
    script.write_text(_ORPHAN_PARENT.format(hang=HANG))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
        time.sleep(1.0)  # the worker is now inside the femtosecond transient
        os.kill(pid, 0)  # alive
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                break
            if state in ("Z", "X"):  # exited; waiting to be reaped by whoever adopted it
                break
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"worker {pid} outlived its killed parent by 10 s")
    finally:
        if parent.poll() is None:
            parent.kill()
