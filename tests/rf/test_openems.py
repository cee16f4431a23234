"""openEMS backend against the real tool (coarse mesh, well under a minute)."""

from __future__ import annotations

import numpy as np
import pytest

from circuitforge.rf import measure
from circuitforge.rf.geometry import LOWPASS
from circuitforge.rf.openems_solver import OpenEMSSolver, openems_available
from circuitforge.rf.skrf_solver import SkrfSolver

pytestmark = pytest.mark.openems


@pytest.fixture(scope="module")
def openems() -> None:
    ok, why = openems_available()
    if not ok:
        pytest.skip(f"openEMS not usable: {why} (make openems installs Debian openems python3-openems)")


def test_openems_lowpass_coarse_agrees_with_skrf(openems, tmp_path):
    g = LOWPASS.center()
    net = OpenEMSSolver(cells_per_wavelength=12, timeout_s=120, keep_dir=str(tmp_path)).solve(g)
    assert (tmp_path / "result.s2p").is_file() and net.s.shape == (96, 2, 2)
    ref = SkrfSolver().solve(g)
    fc_em, fc_rf = measure.cutoff_3db(net), measure.cutoff_3db(ref)
    # coarse FDTD (12 cells per wavelength) puts the cutoff 5-12% below the circuit model
    assert abs(fc_em - fc_rf) / fc_rf < 0.15, (fc_em, fc_rf)
    s21 = net.s_db[:, 1, 0]
    assert s21[net.f < 2e9].min() > -3 and s21[net.f > 7e9].max() < -15
    assert np.all(np.abs(net.s) < 1.1)


def test_openems_timeout_is_reported(openems):
    from circuitforge.rf.errors import SolverTimeout
    with pytest.raises(SolverTimeout, match="past 1 s"):
        OpenEMSSolver(cells_per_wavelength=12, timeout_s=1).solve(LOWPASS.center())
