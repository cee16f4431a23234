"""openEMS worker: run one planar microstrip layout and write a Touchstone file.

This file runs under the *system* Python that Debian's ``python3-openems`` bindings are built for,
never inside the circuitforge venv, so it imports nothing from circuitforge. Its input is a JSON
job written by :mod:`circuitforge.rf.openems_solver` (the layout already reduced to metal rectangles
on one substrate, two microstrip ports, the frequency grid and the mesh settings)::

    /usr/bin/python3 openems_worker.py job.json out.s2p workdir

The 2019 bindings still use ``np.float``/``np.int``/``np.complex``: the aliases are restored here,
in this process only, before openEMS is imported.

Only port 1 is excited, so S11 and S21 are computed; S12 is written equal to S21 (reciprocity)
and S22 equal to S11 (exact only for symmetric layouts), as the Touchstone header says.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

for _name, _type in (("float", float), ("int", int), ("complex", complex), ("bool", bool)):
    if _name not in np.__dict__:
        setattr(np, _name, _type)

C0 = 299792458.0
EPS0 = 8.854187817e-12


def _smooth(mesh, axis, lines, res):
    for v in lines:
        mesh.AddLine(axis, float(v))
    mesh.SmoothMeshLines(axis, res, 1.4)


def _merge_close(lines, min_cell, edges):
    """Drop smoothing lines closer than ``min_cell`` to a metal edge or to each other (the time step
    follows the smallest cell). Metal edges are always kept: dropping one can close a gap."""
    edges = np.asarray(sorted(edges))
    kept = list(edges)
    for v in sorted(lines):
        if np.min(np.abs(edges - v)) < 1e-6:
            continue
        if min(abs(v - k) for k in kept) >= min_cell:
            kept.append(v)
    return np.array(sorted(kept))


def run(job: dict, out_path: str, sim_path: str) -> dict:
    from CSXCAD import ContinuousStructure
    from openEMS import openEMS

    sub = job["substrate"]
    f = np.asarray(job["freq_hz"], float)
    fmax = float(f.max()) * 1.1
    h = sub["h_mm"]
    er = sub["er"]
    fdtd = openEMS(NrTS=int(job.get("max_timesteps", 20000)), EndCriteria=float(job.get("end_criteria", 1e-3)))
    fdtd.SetGaussExcite(fmax / 2, fmax / 2)
    if job.get("max_time_ns"):
        fdtd.SetMaxTime(float(job["max_time_ns"]) * 1e-9)
    fdtd.SetBoundaryCond(["PML_8", "PML_8", "MUR", "MUR", "PEC", "MUR"])
    csx = ContinuousStructure()
    fdtd.SetCSX(csx)
    mesh = csx.GetGrid()
    mesh.SetDeltaUnit(1e-3)
    lam = C0 / fmax / np.sqrt(er) * 1e3  # mm
    res = lam / float(job.get("cells_per_wavelength", 20))
    fine = float(job.get("fine_mm", 0.0))

    rects = job["rects"]  # [x0, x1, y0, y1] in mm, on top of the substrate
    # [{x_outer, x_inner, y, w, ref_shift}]; each port line is extended outwards through the 8-cell
    # PML at its end of the box, so that the feed and the measurement planes lie outside it
    pml = 8 * C0 / fmax / 1e-3 / float(job.get("cells_per_wavelength", 20))
    ports = []
    for p in job["ports"]:
        sign = 1.0 if p["x_outer"] > p["x_inner"] else -1.0
        ports.append({**p, "x_outer": p["x_outer"] + sign * pml, "ref_shift": p["ref_shift"] + pml,
                      "feed_shift": pml + 1.0})
    xs = [r[0] for r in rects] + [r[1] for r in rects] + [p["x_outer"] for p in ports]
    ys = [r[2] for r in rects] + [r[3] for r in rects] + [p["y"] + d * p["w"] / 2 for p in ports for d in (-1, 1)]
    margin_y = float(job.get("margin_y_mm", 8.0))
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = min(ys) - margin_y, max(ys) + margin_y
    # x: every strip edge, smoothed; y: every strip edge, finer near strips; z: substrate cells + air.
    _smooth(mesh, "x", sorted(set(np.round(xs, 4))), res)
    _smooth(mesh, "y", sorted(set(np.round(ys + [y_lo, y_hi], 4))), res)
    extra = []
    for y in sorted(set(np.round(ys, 4))):  # refine around each edge
        extra += [y - fine, y + fine]
    edges = sorted(set(np.round(ys, 4)))
    for v in extra if fine > 0 else []:
        if y_lo < v < y_hi and min(abs(v - e) for e in edges) >= fine * 0.99:
            mesh.AddLine("y", float(v))
    mesh.SmoothMeshLines("y", res, 1.4)
    if fine > 0 and "x" in str(job.get("fine_axes", "y")):  # the same refinement along the strips
        edges_x = sorted(set(np.round([r[0] for r in rects] + [r[1] for r in rects], 4)))
        for x in edges_x:
            for v in (x - fine, x + fine):
                if x_lo < v < x_hi and min(abs(v - e) for e in edges_x) >= fine * 0.99:
                    mesh.AddLine("x", float(v))
        mesh.SmoothMeshLines("x", res, 1.4)
    min_cell = float(job.get("min_cell_mm", 0.05))
    metal_x = [r[0] for r in rects] + [r[1] for r in rects]
    metal_y = [r[2] for r in rects] + [r[3] for r in rects]
    for axis, edges in (("x", metal_x), ("y", metal_y)):
        lines = _merge_close(mesh.GetLines(axis), min_cell, np.round(edges, 4))
        mesh.ClearLines(axis)
        mesh.AddLine(axis, lines)
    mesh.AddLine("z", np.linspace(0, h, int(job.get("substrate_cells", 3)) + 1))
    mesh.AddLine("z", float(job.get("air_mm", 4.0)) + h)
    mesh.SmoothMeshLines("z", res, 1.4)

    kappa = 2 * np.pi * 5e9 * EPS0 * er * sub.get("tand", 0.0)
    substrate = csx.AddMaterial("substrate", epsilon=er, kappa=kappa)
    substrate.AddBox([x_lo, y_lo, 0], [x_hi, y_hi, h])
    pec = csx.AddMetal("PEC")
    for x0, x1, y0, y1 in rects:
        pec.AddBox([x0, y0, h], [x1, y1, h], priority=10)
    port_objs = []
    for k, p in enumerate(ports):
        start = [p["x_outer"], p["y"] - p["w"] / 2, h]
        stop = [p["x_inner"], p["y"] + p["w"] / 2, 0]
        kw = {"MeasPlaneShift": p["ref_shift"], "priority": 10}
        if k == 0:
            kw["FeedShift"] = p["feed_shift"]
        port_objs.append(fdtd.AddMSLPort(k + 1, pec, start, stop, "x", "z", excite=-1 if k == 0 else 0, **kw))
    ncells = len(mesh.GetLines("x")) * len(mesh.GetLines("y")) * len(mesh.GetLines("z"))
    t0 = time.time()
    fdtd.Run(sim_path, cleanup=True, verbose=0, numThreads=int(job.get("threads", 1)))
    seconds = time.time() - t0
    for p in port_objs:
        p.CalcPort(sim_path, f, ref_impedance=50)
    s11 = port_objs[0].uf_ref / port_objs[0].uf_inc
    s21 = port_objs[1].uf_ref / port_objs[0].uf_inc
    # move both reference planes from the measurement planes to the filter edges
    unit = 1e-3
    d = [abs(p["x_inner"] - p["x_outer"]) - po.measplane_shift for p, po in zip(ports, port_objs)]
    beta = [np.real(po.beta) for po in port_objs]
    beta = [np.where(np.isfinite(b) & (b > 0), b, 2 * np.pi * f / C0 * np.sqrt(er)) for b in beta]
    s11 = s11 * np.exp(2j * beta[0] * d[0] * unit)
    s21 = s21 * np.exp(1j * (beta[0] * d[0] + beta[1] * d[1]) * unit)
    lines = ["! circuitforge openEMS worker: only port 1 excited; S12 := S21 (reciprocity), S22 := S11",
             f"! cells {ncells}, solver seconds {seconds:.1f}", "# HZ S RI R 50"]
    for fi, a, b in zip(f, s11, s21):
        vals = [a, b, b, a]
        lines.append(f"{fi:.6e} " + " ".join(f"{v.real:.9e} {v.imag:.9e}" for v in vals))
    with open(out_path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return {"cells": ncells, "seconds": seconds}


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print("usage: openems_worker.py job.json out.s2p workdir", file=sys.stderr)
        return 2
    with open(argv[1]) as fh:
        job = json.load(fh)
    info = run(job, argv[2], argv[3])
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
