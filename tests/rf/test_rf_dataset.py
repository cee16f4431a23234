"""Filter datasets: failed geometries are retried, typed, counted in the manifest and left out."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from circuitforge.cli import app
from circuitforge.rf import dataset as ds
from circuitforge.rf.errors import SolverError, SolverResultError, SolverTimeout, SolverUnavailable
from circuitforge.rf.skrf_solver import SkrfSolver
from circuitforge.rf.solver import check_response


class _Flaky:
    """scikit-rf, but failing on chosen calls: ``plan`` maps a call number to what it does instead."""

    name = "flaky"

    def __init__(self, plan):
        self.plan, self.calls, self.inner = plan, 0, SkrfSolver()

    def solve(self, geometry, frequency=None):
        i, self.calls = self.calls, self.calls + 1
        what = self.plan.get(i)
        net = self.inner.solve(geometry, frequency)
        if what == "timeout":
            raise SolverTimeout("ran past 1 s")
        if what == "dead":  # a low-pass that transmits nothing: the meshing failure seen in openEMS
            net.s[:, 1, 0] = net.s[:, 0, 1] = 1e-4
        if what == "gain":
            net.s[:, 0, 0] = 1.2
        return net


def _with(monkeypatch, plan):
    solver = _Flaky(plan)
    monkeypatch.setattr(ds, "make_solver", lambda name, **kw: solver)
    return solver


def test_failures_are_retried_typed_counted_and_left_out(monkeypatch, tmp_path):
    # 6 geometries in chunks of 3: call 1 times out once (the retry solves it); geometry 3 is dead on
    # both attempts (calls 4 and 5); geometry 5 times out twice (calls 7, 8)
    solver = _with(monkeypatch, {1: "timeout", 4: "dead", 5: "dead", 7: "timeout", 8: "timeout"})
    out = ds.build_dataset("lowpass", 6, tmp_path, chunk=3, progress=False, retries=1)
    assert solver.calls == 9
    man = ds.read_manifest(out)
    assert man["done"] == 6 and man["solved"] == 4
    assert man["failed"] == {"SolverResultError": 1, "SolverTimeout": 1}
    fails = man["chunks"]["chunk_00001.npz"]["failures"]
    assert [(f["row"], f["type"], f["attempts"]) for f in fails] == [(0, "SolverResultError", 2),
                                                                     (2, "SolverTimeout", 2)]
    assert "lowest frequency" in fails[0]["message"]
    x, s, f, chunks = ds.load_dataset(out, with_chunks=True)
    assert len(x) == 4 and np.isfinite(s).all() and chunks.tolist() == [0, 0, 0, 1]
    # the rows kept are the geometries that were solved, in order
    assert np.allclose(x[3], ds.family("lowpass").sample(np.random.default_rng([0, 1]), 3)[1])
    # the manifest is rebuilt from the chunks when it is lost, and the build resumes without work
    (out / "manifest.json").unlink()
    assert ds.read_manifest(out)["failed"] == man["failed"]
    ds.build_dataset("lowpass", 6, tmp_path, chunk=3, progress=False)
    assert solver.calls == 9


def test_missing_tool_stops_the_build(monkeypatch, tmp_path):
    class _Missing(_Flaky):
        def solve(self, geometry, frequency=None):
            raise SolverUnavailable("openEMS not installed")

    monkeypatch.setattr(ds, "make_solver", lambda name, **kw: _Missing({}))
    with pytest.raises(SolverUnavailable):
        ds.build_dataset("lowpass", 2, tmp_path, chunk=2, progress=False)
    assert not list(tmp_path.glob("chunk_*.npz"))


def test_check_response_rules():
    good = SkrfSolver().solve(ds.family("lowpass").center()).s
    check_response("lowpass", good)
    check_response("bandpass", SkrfSolver().solve(ds.family("bandpass").center()).s)
    gain = good.copy()
    gain[:, 0, 0] = 1.2
    with pytest.raises(SolverResultError, match="not passive at port 1"):
        check_response("lowpass", gain)
    nan = good.copy()
    nan[3, 1, 0] = np.nan
    with pytest.raises(SolverResultError, match="non-finite"):
        check_response("lowpass", nan)
    assert issubclass(SolverResultError, SolverError)


def test_cli_dataset_reports_failures(monkeypatch, tmp_path):
    _with(monkeypatch, {0: "gain", 1: "gain"})
    res = CliRunner().invoke(app, ["filter", "dataset", "--type", "lowpass", "-n", "3", "--chunk", "3",
                                   "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == {"dataset": str(tmp_path), "done": 3, "solved": 2,
                                      "failed": {"SolverResultError": 1}}


@pytest.mark.openems
def test_openems_timeouts_are_retried_and_recorded(tmp_path):
    from circuitforge.rf.openems_solver import openems_available

    ok, why = openems_available()
    if not ok:
        pytest.skip(f"openEMS not usable: {why} (make openems installs Debian openems python3-openems)")
    out = ds.build_dataset("lowpass", 1, tmp_path, solver="openems", chunk=1, progress=False,
                           solver_options={"cells_per_wavelength": 12, "timeout_s": 1})
    man = ds.read_manifest(out)
    assert man["solved"] == 0 and man["failed"] == {"SolverTimeout": 1}
    assert man["chunks"]["chunk_00000.npz"]["failures"][0]["attempts"] == 2
    x, s, _ = ds.load_dataset(out)
    assert len(x) == len(s) == 0
