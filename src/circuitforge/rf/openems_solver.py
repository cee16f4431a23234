"""openEMS full-wave solver (slow), run out of process under the system Python.

Debian's ``python3-openems`` bindings are built for ``/usr/bin/python3``; the circuitforge venv
cannot import them. :class:`OpenEMSSolver` writes the layout (metal rectangles, two 50 ohm
microstrip ports) as a JSON job, runs :mod:`.openems_worker` under that interpreter with a time
limit, and reads back the Touchstone file it writes. The worker meshes the layout itself: every
strip edge gets a mesh line, refined around each edge, smoothed to ``cells_per_wavelength`` at
the top frequency; the ports are 10 mm lines outside the filter whose measured waves are shifted
back to the filter edges with the port's own propagation constant.

Only port 1 is excited (one run per design): S12 is written as S21, S22 as S11.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import skrf

from .errors import SolverError, SolverTimeout, SolverUnavailable
from .geometry import FilterGeometry
from .microstrip import width_for_z0
from .solver import frequency_grid

__all__ = ["OpenEMSSolver", "SYSTEM_PYTHON", "openems_available", "WORKER"]

SYSTEM_PYTHON = os.environ.get("CIRCUITFORGE_OPENEMS_PYTHON", "/usr/bin/python3")
"""The interpreter with Debian's openEMS bindings (override: ``CIRCUITFORGE_OPENEMS_PYTHON``)."""
WORKER = Path(__file__).resolve().parent / "openems_worker.py"
PORT_LEN_MM = 10.0


def openems_available(python: str = SYSTEM_PYTHON) -> tuple[bool, str]:
    """Whether ``python`` can import openEMS and CSXCAD, and if not, why."""
    if not Path(python).exists():
        return False, f"{python} not found"
    try:
        r = subprocess.run([python, "-c", "import numpy as np; np.float = float; np.int = int; "
                            "import openEMS, CSXCAD"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{python} failed to start: {exc}"
    if r.returncode != 0:
        return False, f"{python} cannot import openEMS (install Debian openems python3-openems): " \
                      f"{r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}"
    return True, "ok"


@dataclass(frozen=True, slots=True)
class OpenEMSSolver:
    """openEMS FDTD on a mesh of ``cells_per_wavelength`` cells per wavelength at 11 GHz."""

    cells_per_wavelength: float = 20.0
    """Mesh density away from strip edges (coarse: 12)."""
    max_timesteps: int = 200000
    """Cap on FDTD time steps."""
    end_criteria: float = 1e-3
    """Stop when the field energy has fallen to this fraction (-30 dB)."""
    max_time_ns: float = 12.0
    """Cap on simulated time (ns): a filter that still rings then has its S-parameters from a
    truncated response (the low-pass family settles in 3-8 ns)."""
    fine_mm: float = 0.0
    """Extra mesh lines this far (mm) on both sides of every strip edge across the strips (y);
    0 adds none (the lines then come from smoothing the edges to ``cells_per_wavelength`` alone)."""
    fine_axes: str = "y"
    """Axes that ``fine_mm`` refines: "y" (across the strips) or "xy" (also at the steps and ends along them)."""
    min_cell_mm: float = 0.05
    """Smoothing lines closer than this (mm) to a metal edge or to each other are dropped (the time
    step follows the smallest cell); metal edges are always kept."""
    substrate_cells: int = 3
    """Mesh cells across the substrate thickness."""
    air_mm: float = 4.0
    """Air above the substrate (mm) up to the absorbing top boundary."""
    margin_y_mm: float = 8.0
    """Substrate and air beside the outermost strips (mm) up to the side boundaries."""
    timeout_s: float = 600.0
    """Wall-clock limit of one run."""
    threads: int = 1
    """openEMS engine threads."""
    nice: int = 5
    """Niceness of the worker process."""
    keep_dir: str | None = None
    """Directory to keep the job, log and Touchstone in (default: a temporary one, removed)."""
    name: str = "openems"

    def job(self, geometry: FilterGeometry, frequency: skrf.Frequency) -> dict:
        """The JSON job the worker runs (layout in mm, ports, grid, mesh settings)."""
        sub = geometry.substrate
        lay = geometry.layout()
        wf = width_for_z0(50.0, sub.h, sub.er)
        (xi, yi), (xo, yo) = lay.port_in, lay.port_out
        ports = [{"x_outer": xi - PORT_LEN_MM, "x_inner": xi, "y": yi, "w": wf, "ref_shift": PORT_LEN_MM / 2},
                 {"x_outer": xo + PORT_LEN_MM, "x_inner": xo, "y": yo, "w": wf, "ref_shift": PORT_LEN_MM / 2}]
        return {"substrate": {"er": sub.er, "h_mm": sub.h, "tand": sub.tand}, "rects": [list(r) for r in lay.rects],
                "ports": ports, "freq_hz": [float(v) for v in frequency.f], "max_timesteps": self.max_timesteps,
                "end_criteria": self.end_criteria, "max_time_ns": self.max_time_ns, "cells_per_wavelength": self.cells_per_wavelength,
                "threads": self.threads, "deembed_mm": PORT_LEN_MM / 2, "fine_mm": self.fine_mm, "fine_axes": self.fine_axes,
                "min_cell_mm": self.min_cell_mm, "substrate_cells": self.substrate_cells, "air_mm": self.air_mm,
                "margin_y_mm": self.margin_y_mm}

    def solve(self, geometry: FilterGeometry, frequency: skrf.Frequency | None = None) -> skrf.Network:
        f = frequency if frequency is not None else frequency_grid()
        ok, why = openems_available()
        if not ok:
            raise SolverUnavailable(why)
        work = Path(self.keep_dir) if self.keep_dir else Path(tempfile.mkdtemp(prefix="cf-openems-"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            job_path, out_path = work / "job.json", work / "result.s2p"
            job_path.write_text(json.dumps(self.job(geometry, f)))
            cmd = [SYSTEM_PYTHON, str(WORKER), str(job_path), str(out_path), str(work / "sim")]
            if self.nice and shutil.which("nice"):
                cmd = ["nice", "-n", str(self.nice)] + cmd
            t0 = time.perf_counter()
            try:
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout_s,
                                   env={**os.environ, "OMP_NUM_THREADS": str(self.threads)})
            except subprocess.TimeoutExpired:
                raise SolverTimeout(f"openEMS ran past {self.timeout_s:.0f} s on {geometry!r}") from None
            (work / "worker.log").write_text(r.stdout + "\n" + r.stderr)
            if r.returncode != 0 or not out_path.is_file():
                tail = "\n".join((r.stderr or r.stdout).strip().splitlines()[-5:])
                raise SolverError(f"openEMS failed on {geometry!r} (exit {r.returncode}): {tail}")
            net = skrf.Network(str(out_path))
            net.name = f"{geometry.kind}-openems"
            info = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "{}"
            try:
                net.comments = json.dumps({**json.loads(info), "wall_s": time.perf_counter() - t0})
            except json.JSONDecodeError:
                pass
            return net
        finally:
            if not self.keep_dir:
                shutil.rmtree(work, ignore_errors=True)
