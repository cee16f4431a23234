#!/usr/bin/env python3
"""Simulation throughput: the ngspice bridge (1 and 2 workers) against `ngspice -b` per design.

Reproduce (after `make install`):

    .venv/bin/python benchmarks/sim_throughput.py            # 500 designs, ~1-2 min
    .venv/bin/python benchmarks/sim_throughput.py -n 100 --json

Each design is a random sizing of the shipped two-stage Miller op-amp
(examples/opamp_miller45.cir, generic45 cards): every transistor W and L and
the compensation capacitor scaled by a log-uniform factor in [1/2, 2]. Each is
simulated with OP + AC 1 Hz-10 GHz at 20 points per decade, in its open-loop
testbench. All three ways run in one process, one after the other, on the same
designs; worker start-up is timed separately from the batch. A few designs
are cross-checked: both backends must give the same gain.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace

import numpy as np

from circuitforge.examples import example_path
from circuitforge.netlists import Netlist, Value, read
from circuitforge.spice import AC, BatchSimulator, Op, SharedSimulator
from circuitforge.spice.testbench import open_loop_ac


def designs(n: int, seed: int) -> list[Netlist]:
    """``n`` random sizings of the two-stage op-amp, each in its open-loop testbench."""
    rng = np.random.default_rng(seed)
    amp = read(example_path("opamp_miller45.cir"))
    name, sub = next(iter(amp.subckts.items()))
    out = []
    for _ in range(n):
        devices = []
        for d in sub.devices:
            params = dict(d.params)
            for key in list(params):
                if key.lower() in ("w", "l", "c") and params[key].number is not None:
                    params[key] = Value.of(params[key].number * float(2 ** rng.uniform(-1, 1)))
            devices.append(replace(d, params=params))
        sized = replace(amp, subckts={name: replace(sub, devices=devices)})
        tb = open_loop_ac(sized, "generic45", fstart=1.0, fstop=10e9, points=20)
        out.append(tb.netlist)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=500, help="number of designs (default 500)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    analyses = [Op(), AC(1.0, 10e9, 20)]
    nets = designs(args.n, args.seed)
    jobs = [(n, analyses) for n in nets]
    fig: dict[str, object] = {"designs": len(jobs), "cpu_count": os.cpu_count(),
                              "analyses": "OP + AC 1 Hz-10 GHz, 20 points/decade"}

    with BatchSimulator() as batch:
        t0 = time.perf_counter()
        sub = batch.run_many(jobs, timeout=60)
        t_sub = time.perf_counter() - t0
    fig["subprocess"] = {"seconds": round(t_sub, 2), "sims_per_s": round(len(jobs) / t_sub, 1),
                         "failed": sum(not r.ok for r in sub)}
    shared: dict[int, list] = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        sim = SharedSimulator(workers)
        sim.run(*jobs[0])  # start the workers (timed apart)
        if workers == 2:
            sim.run_many(jobs[:2])
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = sim.run_many(jobs, timeout=60)
        t = time.perf_counter() - t0
        sim.close()
        shared[workers] = res
        fig[f"bridge_{workers}_worker"] = {"seconds": round(t, 2), "sims_per_s": round(len(jobs) / t, 1),
                                           "startup_s": round(t_start, 2), "failed": sum(not r.ok for r in res)}
    r1 = fig["bridge_1_worker"]["sims_per_s"]  # type: ignore[index]
    r2 = fig["bridge_2_worker"]["sims_per_s"]  # type: ignore[index]
    rs = fig["subprocess"]["sims_per_s"]  # type: ignore[index]
    fig["speedup_1_worker_vs_subprocess"] = round(r1 / rs, 2)
    fig["speedup_2_vs_1_worker"] = round(r2 / r1, 2)
    # cross-check: the same open-loop gain from both backends
    worst = 0.0
    for i in range(0, len(jobs), max(1, len(jobs) // 20)):
        a, b = shared[1][i], sub[i]
        if a.ok and b.ok:
            ga = 20 * np.log10(np.abs(a["ac"]["out"]))
            gb = 20 * np.log10(np.abs(b["ac"]["out"]))
            worst = max(worst, float(np.max(np.abs(ga - gb))))
    fig["max_gain_difference_db_shared_vs_batch"] = worst
    gains = [20 * np.log10(abs(r["ac"]["out"][0])) for r in shared[1] if r.ok]
    fig["dc_gain_db_range"] = [round(float(np.min(gains)), 1), round(float(np.max(gains)), 1)] if gains else None

    if args.json:
        print(json.dumps(fig, indent=2))
        return 0
    print(f"{len(jobs)} random sizings of the two-stage Miller op-amp (generic45), {fig['analyses']}, "
          f"{os.cpu_count()} cores")
    print(f"  ngspice -b, new process per design: {rs:8.1f} sims/s  ({fig['subprocess']['seconds']} s)")  # type: ignore[index]
    for w in (1, 2):
        f = fig[f"bridge_{w}_worker"]
        print(f"  bridge, {w} worker(s):               {f['sims_per_s']:8.1f} sims/s  ({f['seconds']} s, "  # type: ignore[index]
              f"start-up {f['startup_s']} s, {f['failed']} failed)")  # type: ignore[index]
    print(f"  1 worker vs subprocess: {fig['speedup_1_worker_vs_subprocess']}x   "
          f"2 workers vs 1: {fig['speedup_2_vs_1_worker']}x")
    print(f"  cross-check: max |gain difference| shared vs batch = {worst:.2e} dB; "
          f"DC gain over the designs {fig['dc_gain_db_range']} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
