#!/usr/bin/env python3
"""A second full-wave engine (issue 17): EMerge (FEM) against openEMS (FDTD) and scikit-rf on one geometry.

EMerge (``pip install emerge``, a FEM solver in Python over gmsh, numba and a direct sparse solver) pins
numpy 2.2.6, so it lives in a venv of its own and this script runs it in a subprocess, as
:class:`~circuitforge.rf.openems_solver.OpenEMSSolver` runs openEMS under the system Python: the
geometry (``family(kind).center()``, the same centre geometries as ``openems_convergence.py``) is
written as the openEMS solver's own JSON job (:meth:`OpenEMSSolver.job`: metal rectangles, the 50-ohm
feed lines outside the filter, the substrate, the box) plus the EMerge mesh settings; the worker (this
file with ``--worker``, which imports nothing of circuitforge) meshes and solves it and writes |S21|,
and the comparison runs here.

The worker: the strips and feeds are PEC sheets on the substrate (lossless, ``er`` and ``h`` of the
board), a PEC ground plane, 4 mm of air above, 8 mm of board beside the strips (openEMS's box), modal
(TEM) ports on the feed ends; mesh ``--res`` (fraction of a wavelength) and ``--edge`` (mm, the mesh
size along the strip edges). openEMS runs at the low-pass's converged setting (``all-cpw20``) and at
the band-pass's finest tried (``fine_mm=0.05``), both from ``openems_convergence.py``, on the library's
frequency grid (its mesh is sized for the grid's top frequency, 10 GHz), interpolated onto EMerge's.

Reproduce (the EMerge venv once, ~2 min; the first solve compiles numba code for ~90 s):

    python3 -m venv /tmp/venv-emerge && /tmp/venv-emerge/bin/pip install emerge==2.8.9
    .venv/bin/python benchmarks/emerge_crosscheck.py --kind lowpass --res 0.25 --edge 0.3
    .venv/bin/python benchmarks/emerge_crosscheck.py --kind bandpass --res 0.25 --edge 0.2 --f0 3e9 --f1 5.5e9 --nf 16

Memory is the limit on a 24 GiB machine: the band-pass at ``--edge 0.2`` (67k tetrahedra) peaks at
14 GB; ``--edge 0.15`` (97k) ran out of memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_PYTHON = os.environ.get("CIRCUITFORGE_EMERGE_PYTHON", "/tmp/venv-emerge/bin/python")


def worker(job_path: str, out_path: str) -> None:
    """Solve one JSON job with EMerge and write {"f": [...], "s21_db": [...], "tets": n, "seconds": s}."""
    import numpy as np
    import emerge as em

    job = json.loads(Path(job_path).read_text())
    mm = 1e-3
    t0 = time.time()
    air, margin, freqs = job["air_mm"], job["margin_y_mm"], job["freq_hz"]
    with em.Simulation(job["name"]) as model:
        pcb = em.geo.PCBNew(job["substrate"]["h_mm"], unit=mm, material=em.Material(er=job["substrate"]["er"]))
        for k, p in enumerate(job["ports"], start=1):  # each feed from its outer end towards the filter
            length = abs(p["x_inner"] - p["x_outer"])
            direction = (1 if p["x_inner"] > p["x_outer"] else -1, 0)
            pcb.new(p["x_outer"], p["y"], p["w"], direction).store(f"p{k}").straight(length, p["w"])
        for x0, x1, y0, y1 in job["rects"]:
            pcb.add_poly([x0, x1, x1, x0], [y0, y0, y1, y1])
        strips = pcb.compile_paths(True)
        pcb.determine_bounds(leftmargin=0, topmargin=margin, rightmargin=0, bottommargin=margin)
        pcb.plane(pcb.z(0))  # the ground
        p1 = pcb.modal_port(pcb.load("p1"), height=air)
        p2 = pcb.modal_port(pcb.load("p2"), height=air)
        pcb.generate_pcb(True, merge=True)
        pcb.generate_air(air)
        model.commit_geometry()
        model.mw.set_resolution(job["res"])
        model.mw.set_frequency_range(freqs[0], freqs[-1], len(freqs))
        model.mesher.set_boundary_size(strips, job["edge"] * mm)
        model.mesher.set_face_size(p1, 0.5 * mm)
        model.mesher.set_face_size(p2, 0.5 * mm)
        model.generate_mesh()
        model.mw.bc.ModalPort(p1, 1, modetype="TEM")
        model.mw.bc.ModalPort(p2, 2, modetype="TEM")
        sol = model.mw.run_sweep()
        g = sol.scalar.grid
        f = np.asarray(g.freq, float).ravel()
        s21 = 20 * np.log10(np.abs(np.asarray(g.S(2, 1)).ravel()) + 1e-30)
        tets = int(getattr(model.mesh, "n_tets", 0) or 0)
    Path(out_path).write_text(json.dumps({"f": f.tolist(), "s21_db": s21.tolist(), "tets": tets,
                                          "seconds": time.time() - t0}))


def main() -> int:
    import argparse

    import numpy as np
    import skrf
    from openems_convergence import s21_change_db  # benchmarks/: one home for the |S21| change

    from circuitforge.rf import measure
    from circuitforge.rf.geometry import family
    from circuitforge.rf.openems_solver import OpenEMSSolver, openems_available
    from circuitforge.rf.skrf_solver import SkrfSolver
    from circuitforge.rf.solver import frequency_grid

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=("lowpass", "bandpass"), default="lowpass")
    ap.add_argument("--res", type=float, default=0.25, help="EMerge mesh resolution (fraction of a wavelength)")
    ap.add_argument("--edge", type=float, default=0.3, help="EMerge mesh size along the strip edges (mm)")
    ap.add_argument("--f0", type=float, default=0.5e9)
    ap.add_argument("--f1", type=float, default=10e9)
    ap.add_argument("--nf", type=int, default=20)
    ap.add_argument("--emerge-python", default=DEFAULT_PYTHON, help="the EMerge venv's python")
    ap.add_argument("--out", default="out/rf/emerge-crosscheck", help="jobs, results and openEMS Touchstones")
    ap.add_argument("--timeout", type=float, default=1800.0)
    args = ap.parse_args()
    if not Path(args.emerge_python).is_file():
        print(f"skipped: no EMerge python at {args.emerge_python}; make its venv with: python3 -m venv "
              "/tmp/venv-emerge && /tmp/venv-emerge/bin/pip install emerge==2.8.9 (or set "
              "$CIRCUITFORGE_EMERGE_PYTHON)", file=sys.stderr)
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    g = family(args.kind).center()
    tag = f"{args.kind}_res{args.res}_edge{args.edge}_{args.f0:.3g}-{args.f1:.3g}x{args.nf}"
    grid = skrf.Frequency.from_f(np.linspace(args.f0, args.f1, args.nf), unit="Hz")
    job = {**OpenEMSSolver().job(g, grid), "name": args.kind, "res": args.res, "edge": args.edge}
    job_path, res_path = out / f"{tag}.job.json", out / f"{tag}.emerge.json"
    job_path.write_text(json.dumps(job))
    if not res_path.is_file():
        t0 = time.time()
        try:
            subprocess.run([args.emerge_python, __file__, "--worker", str(job_path), str(res_path)], check=True,
                           timeout=args.timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        except subprocess.CalledProcessError as exc:
            tail = (exc.stderr or "").strip().splitlines()[-3:]
            print(f"EMerge failed (exit {exc.returncode}; -9/137: out of memory?): {' | '.join(tail)}", file=sys.stderr)
            return 1
        except subprocess.TimeoutExpired:
            print(f"EMerge ran past {args.timeout:.0f} s", file=sys.stderr)
            return 1
        print(f"EMerge: {time.time() - t0:.0f} s", file=sys.stderr)
    em_res = json.loads(res_path.read_text())
    freq = skrf.Frequency.from_f(np.round(np.asarray(em_res["f"])), unit="Hz")  # 5e8 - 6e-8 is off the grid
    s = np.zeros((len(freq.f), 2, 2), complex)
    s[:, 1, 0] = s[:, 0, 1] = 10 ** (np.asarray(em_res["s21_db"]) / 20)
    s[:, 0, 0] = s[:, 1, 1] = 1e-9  # not solved for here (only |S21| is compared); not 0, whose dB is -inf
    nets = {"emerge": skrf.Network(frequency=freq, s=s)}
    nets["skrf"] = SkrfSolver().solve(g, freq)
    setting = ({"fine_mm": 0.1, "fine_axes": "xy", "min_cell_mm": 0.05, "substrate_cells": 3, "end_criteria": 1e-4,
                "max_time_ns": 30.0} if args.kind == "lowpass" else {"fine_mm": 0.05, "fine_axes": "xy"})
    seconds = {"emerge": em_res["seconds"]}
    if openems_available():
        # on the library's own grid: the openEMS mesh is sized for its top frequency (10 GHz), as in
        # openems_convergence.py; then interpolated onto EMerge's frequencies
        touch = out / f"{args.kind}_openems.s2p"
        if touch.is_file():
            full = skrf.Network(str(touch))
        else:
            t0 = time.time()
            full = OpenEMSSolver(**setting, timeout_s=args.timeout).solve(g, frequency_grid())
            seconds["openems"] = time.time() - t0
            full.write_touchstone(str(touch.with_suffix("")))
        nets["openems"] = full.interpolate(freq)
    print(f"{args.kind} centre geometry, EMerge res {args.res} edge {args.edge} mm "
          f"({em_res['tets'] or '?'} tetrahedra), openEMS {setting}")
    print("f GHz  " + "  ".join(f"{k:>8}" for k in nets))
    for i, fi in enumerate(freq.f):
        print(f"{fi / 1e9:5.2f}  " + "  ".join(f"{n.s_db[i, 1, 0]:8.2f}" for n in nets.values()))
    figure = measure.cutoff_3db if args.kind == "lowpass" else (lambda n: measure.center_bandwidth(n)[0])
    for k, n in nets.items():
        line = f"{k:>8}: {'cutoff' if args.kind == 'lowpass' else 'centre'} {figure(n) / 1e9:.3f} GHz"
        if k != "emerge":
            band, whole = s21_change_db(nets["emerge"], n)
            line += f"; largest |S21| difference to EMerge {band:.2f} dB where either > -20 dB ({whole:.2f} dB clipped)"
        if k in seconds:
            line += f"; {seconds[k]:.0f} s"
        print(line)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3])
        raise SystemExit(0)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
