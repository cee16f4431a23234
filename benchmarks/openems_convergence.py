"""openEMS mesh convergence (issue 17, "ground truth first"): how far the full-wave answer moves with the mesh.

Protocol: one nominal geometry per filter (the centre of its parameter box, ``family(kind).center()``),
solved by :class:`~circuitforge.rf.openems_solver.OpenEMSSolver` along ladders that each refine one
knob from coarse to fine while the others stay at today's defaults (20 cells per wavelength, no extra
edge lines, end criterion 1e-3 with a 12 ns cap; ``all`` refines them together):

- ``cells``: cells per wavelength at 11 GHz away from the strip edges;
- ``edge``: extra mesh lines ``fine_mm`` on both sides of every strip edge, across and along the strips;
- ``end``: the energy end criterion (and a longer simulated-time cap so that it can be reached);
- ``substrate``: mesh cells across the substrate (3 -> 6);
- ``box``: air above and substrate beside the strips doubled (absorbing boundaries further out);
- ``all``: every knob refined together (cells 20/28/40, edge lines 0.1/0.07/0.05 mm, smallest cell,
  substrate cells, end criterion 1e-4).

Per level: the largest change of |S21| against the next finer level of the same ladder, in dB, where
either response is above -20 dB (passband and skirts: the part a spec is written on; a -50 dB stopband
moving by 3 dB is not a mesh error worth chasing) and, for reference, over the whole grid with both
sides clipped at -60 dB; the -3 dB cutoff (low-pass) or centre (band-pass); the solver's wall time.
A level is converged when its change to the next finer level is below 0.3 dB. Every run's Touchstone
file is kept under ``--out`` and reused on a rerun (delete the folder to recompute).

Reproduce (one openEMS thread per run; timings on a 2-core machine shared with other jobs):
    .venv/bin/python benchmarks/openems_convergence.py --kinds lowpass bandpass --out out/rf/openems-convergence
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import skrf

from circuitforge.rf import measure
from circuitforge.rf.errors import SolverError
from circuitforge.rf.geometry import family
from circuitforge.rf.openems_solver import OpenEMSSolver, openems_available
from circuitforge.rf.solver import frequency_grid

__all__ = ["Level", "LADDERS", "s21_change_db", "main"]

CONVERGED_DB = 0.3
"""A level is converged when |S21| moves by less than this on the next refinement."""
BAND_DB = -20.0
"""The change is taken where either response is above this level."""


@dataclass(frozen=True)
class Level:
    """One mesh setting: a tag and the :class:`OpenEMSSolver` options that differ from the defaults.

    >>> Level("cpw12", {"cells_per_wavelength": 12}).solver(60).cells_per_wavelength
    12
    """

    tag: str
    options: dict = field(default_factory=dict)
    default: bool = False

    def solver(self, timeout_s: float) -> OpenEMSSolver:
        return OpenEMSSolver(timeout_s=timeout_s, **self.options)


_END = {"end_criteria": 1e-4, "max_time_ns": 30.0}
# ladders both filters share: the z mesh, the box (absorbing boundaries further out), and every knob
# refined together (cells, edge lines, smallest cell, substrate cells, end criterion)
_COMMON: dict[str, list[Level]] = {
    "substrate": [Level("cpw20", {}, default=True), Level("cpw20-sub6", {"substrate_cells": 6})],
    "box": [Level("cpw20", {}, default=True), Level("cpw20-box2x", {"air_mm": 8.0, "margin_y_mm": 16.0})],
    "all": [Level("all-cpw20", {"fine_mm": 0.1, "fine_axes": "xy", **_END}),
            Level("all-cpw28", {"cells_per_wavelength": 28, "fine_mm": 0.07, "fine_axes": "xy", "min_cell_mm": 0.035,
                                "substrate_cells": 4, **_END}),
            Level("all-cpw40", {"cells_per_wavelength": 40, "fine_mm": 0.05, "fine_axes": "xy", "min_cell_mm": 0.025,
                                "substrate_cells": 6, **_END})],
}
LADDER_NAMES = ("cells", "edge", "end", "substrate", "box", "all")

# coarse to fine; ``default`` marks today's setting
LADDERS: dict[str, dict[str, list[Level]]] = {
    "lowpass": {
        "cells": [Level("cpw12", {"cells_per_wavelength": 12}), Level("cpw16", {"cells_per_wavelength": 16}),
                  Level("cpw20", {}, default=True), Level("cpw28", {"cells_per_wavelength": 28}),
                  Level("cpw40", {"cells_per_wavelength": 40})],
        "edge": [Level("cpw20", {}, default=True), Level("cpw20-fine0.2", {"fine_mm": 0.2, "fine_axes": "xy"}),
                 Level("cpw20-fine0.1", {"fine_mm": 0.1, "fine_axes": "xy"})],
        "end": [Level("cpw20", {}, default=True),
                Level("cpw20-end1e-4", {"end_criteria": 1e-4, "max_time_ns": 30.0})],
        **_COMMON,
    },
    "bandpass": {
        "cells": [Level("cpw12", {"cells_per_wavelength": 12}), Level("cpw16", {"cells_per_wavelength": 16}),
                  Level("cpw20", {}, default=True), Level("cpw28", {"cells_per_wavelength": 28})],
        "edge": [Level("cpw20", {}, default=True), Level("cpw20-fine0.1", {"fine_mm": 0.1, "fine_axes": "xy"}),
                 Level("cpw20-fine0.05", {"fine_mm": 0.05, "fine_axes": "xy"})],
        "end": [Level("cpw20", {}, default=True),
                Level("cpw20-end1e-4", {"end_criteria": 1e-4, "max_time_ns": 30.0})],
        **_COMMON,
    },
}


def s21_change_db(a: skrf.Network, b: skrf.Network, band_db: float = BAND_DB) -> tuple[float, float]:
    """Largest |S21| change between two networks on one grid, in dB: where either is above ``band_db``,
    and over the whole grid with both clipped at :data:`~circuitforge.rf.measure.S21_FLOOR_DB`.

    >>> f = skrf.Frequency.from_f([1e9, 2e9, 3e9], unit="Hz")
    >>> s = np.zeros((3, 2, 2), complex)
    >>> s[:, 1, 0] = [1.0, 0.5, 1e-2]
    >>> t = s.copy()
    >>> t[:, 1, 0] = [0.99, 0.5, 1e-3]
    >>> [round(v, 3) for v in s21_change_db(skrf.Network(frequency=f, s=s), skrf.Network(frequency=f, s=t))]
    [0.087, 20.0]
    """
    da, db = a.s_db[:, 1, 0], b.s_db[:, 1, 0]
    keep = (da > band_db) | (db > band_db)
    band = float(np.max(np.abs(da - db)[keep])) if keep.any() else float("nan")
    floor = measure.S21_FLOOR_DB
    full = float(np.max(np.abs(np.maximum(da, floor) - np.maximum(db, floor))))
    return band, full


def _feature(kind: str, net: skrf.Network) -> float:
    if kind == "lowpass":
        return float(measure.cutoff_3db(net))
    return float(measure.center_bandwidth(net)[0])


def _solve(kind: str, level: Level, out: Path, timeout_s: float) -> tuple[skrf.Network | None, dict]:
    """The level's network (from ``out`` if a previous run left it) and its run info."""
    folder = out / kind / level.tag
    s2p, info_path = folder / "result.s2p", folder / "info.json"
    if s2p.is_file() and info_path.is_file():
        return skrf.Network(str(s2p)), {**json.loads(info_path.read_text()), "cached": True}
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        net = level.solver(timeout_s).solve(family(kind).center(), frequency_grid())
    except SolverError as exc:  # SolverTimeout is one: record it and go on with the other levels
        info = {"error": f"{type(exc).__name__}: {exc}", "wall_s": time.perf_counter() - t0}
        print(f"  {kind} {level.tag}: {info['error']}", flush=True)
        return None, info
    info = {**json.loads(net.comments or "{}"), "wall_s": time.perf_counter() - t0, "options": level.options}
    net.write_touchstone(str(folder / "result"))
    info_path.write_text(json.dumps(info))
    return net, info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kinds", nargs="+", default=["lowpass"], choices=sorted(LADDERS))
    ap.add_argument("--ladders", nargs="+", default=list(LADDER_NAMES), choices=LADDER_NAMES)
    ap.add_argument("--out", default="out/rf/openems-convergence")
    ap.add_argument("--timeout", type=float, default=900.0, help="wall-clock limit of one openEMS run (s)")
    ap.add_argument("--budget-min", type=float, default=20.0,
                    help="stop starting new runs after this many minutes of openEMS (cached runs are free)")
    ap.add_argument("--no-run", action="store_true", help="start no openEMS run: tabulate the cached ones only")
    args = ap.parse_args(argv)
    ok, why = openems_available()
    if not ok:
        print(f"openEMS not usable: {why}")
        return 1
    out = Path(args.out)
    t_start = time.perf_counter()
    results: dict[tuple[str, str], tuple[skrf.Network | None, dict]] = {}
    # every (kind, level) once, coarse first across all ladders, so that a spent budget drops the finest
    todo = []
    for kind in args.kinds:
        for name in args.ladders:
            for rank, level in enumerate(LADDERS[kind][name]):
                todo.append((rank, kind, level))
    todo.sort(key=lambda t: t[0])
    for _, kind, level in todo:
        if (kind, level.tag) in results:
            continue
        cached = (out / kind / level.tag / "info.json").is_file()
        if not cached and (args.no_run or (time.perf_counter() - t_start) / 60 > args.budget_min):
            results[kind, level.tag] = None, {"error": "not run (--no-run)" if args.no_run else "skipped: budget spent"}
            continue
        net, info = _solve(kind, level, out, args.timeout)
        results[kind, level.tag] = net, info
        if net is not None:
            print(f"  {kind} {level.tag}: {info.get('wall_s', float('nan')):.0f} s, {info.get('cells', '?')} cells"
                  f"{' (cached)' if info.get('cached') else ''}", flush=True)
    for kind in args.kinds:
        feat = "cutoff -3 dB" if kind == "lowpass" else "centre"
        # reference: the finest level of the 'all' ladder that ran (every knob refined together)
        ref_tag = next((lv.tag for lv in reversed(LADDERS[kind]["all"])
                        if results.get((kind, lv.tag), (None,))[0] is not None), None)
        ref = results[kind, ref_tag][0] if ref_tag else None
        for name in args.ladders:
            ladder = LADDERS[kind][name]
            print(f"\n## {kind}, ladder '{name}' (centre geometry; change vs the next finer level of this ladder)\n")
            print(f"| level | options | cells | max Δ|S21| dB (> {BAND_DB:.0f} dB) | max Δ|S21| dB (full band, "
                  f"clipped -60) | max Δ|S21| dB vs {ref_tag or 'reference'} (> {BAND_DB:.0f} dB) | {feat} GHz | wall s | "
                  f"converged (< {CONVERGED_DB} dB) |")
            print("|---|---|---|---|---|---|---|---|---|")
            for i, level in enumerate(ladder):
                net, info = results[kind, level.tag]
                nxt = results[kind, ladder[i + 1].tag][0] if i + 1 < len(ladder) else None
                opts = ", ".join(f"{k}={v}" for k, v in level.options.items()) or "defaults"
                tag = f"**{level.tag}** (today)" if level.default else level.tag
                if net is None:
                    print(f"| {tag} | {opts} | – | – | – | – | – | {info.get('wall_s', float('nan')):.0f} | "
                          f"{info['error']} |")
                    continue
                band, full = s21_change_db(net, nxt) if nxt is not None else (float("nan"), float("nan"))
                verdict = "finest" if nxt is None else ("yes" if band < CONVERGED_DB else "no")
                to_ref = s21_change_db(net, ref)[0] if ref is not None else float("nan")
                print(f"| {tag} | {opts} | {info.get('cells', '?')} | {band:.2f} | {full:.2f} | {to_ref:.2f} | "
                      f"{_feature(kind, net) / 1e9:.3f} | {info.get('wall_s', float('nan')):.0f} | {verdict} |")
    print(f"\nopenEMS wall time this invocation: {(time.perf_counter() - t_start) / 60:.1f} min "
          "(one engine thread per run, nice 5, 2-core machine shared with other jobs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
