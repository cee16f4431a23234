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

With ``--backends local,ray`` (or ``--backend ray``) the same designs also go
through :class:`~circuitforge.spice.RaySimulator` (2 actors, each hosting one
ngspice worker, on a local Ray instance of 2 CPUs), side by side with the local
2-worker pool: Ray's overhead per simulation. ``--cluster N`` then simulates a
multi-node run: a ``ray.cluster_utils.Cluster`` (a head and 2 worker nodes on
loopback, 2 actors per worker node) runs a batch of N simulations (the designs
repeated) with injected crashes, hangs and non-convergent decks and with actors
killed mid-batch by ``ray.kill``, and counts failure and timeout rates and lost
results (a result is lost if it is missing, or if a good design did not come
back with the local pool's numbers, or an injected fault came back untyped).

    .venv/bin/python benchmarks/sim_throughput.py -n 200 --backends local,ray --cluster 10000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from functools import partial

import numpy as np

from circuitforge.examples import example_path
from circuitforge.netlists import Netlist, Value, read
from circuitforge.spice import AC, BatchSimulator, Op, RaySimulator, SharedSimulator, SimResult, Tran
from circuitforge.spice.deck import to_deck
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


CRASH = "* recursive function: ngspice 39 overflows its stack\n.func f(x) {f(x)+1}\nV1 a 0 {f(1)}\nR1 a 0 1k\n.end\n"
HANG = "* femtosecond steps for a second\nV1 a 0 SIN(0 1 1meg)\nR1 a b 1k\nC1 b 0 1n\n.end\n"
NO_SOLUTION = "* no DC solution exists\nB1 b 0 I = v(b) > 0.5 ? 1 : -1\nR1 b 0 1k\n.end\n"
EXPECTED = {"crash": "SimulatorCrash", "hang": "SimulationTimeout", "noconv": "ConvergenceError"}


def ray_side_by_side(jobs: list, local_rate: float) -> dict[str, object]:
    """The same designs through 2 Ray actors on a local Ray instance of 2 CPUs (start-up timed apart)."""
    import ray  # optional dependency, imported only when asked for

    ray.init(num_cpus=2, include_dashboard=False, logging_level="error", log_to_driver=False)
    try:
        t0 = time.perf_counter()
        sim = RaySimulator(partial(SharedSimulator, 1), 2).start()
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = sim.run_many(jobs, timeout=60)
        t = time.perf_counter() - t0
        sim.close()
    finally:
        ray.shutdown()
    rate = len(jobs) / t
    return {"seconds": round(t, 2), "sims_per_s": round(rate, 1), "startup_s": round(t_start, 2),
            "failed": sum(not r.ok for r in res), "ray_vs_local_2_workers": round(rate / local_rate, 2),
            "overhead_ms_per_sim": round(1e3 * (1 / rate - 1 / local_rate), 2), "results": res}


def cluster_run(decks: list[str], reference: list[SimResult], analyses: list, n: int, seed: int,
                timeout: float) -> dict[str, object]:
    """``n`` simulations on a simulated 3-node cluster with injected crashes, hangs, non-convergence and kills."""
    import ray  # optional dependency, imported only when asked for
    from ray.cluster_utils import Cluster

    rng = np.random.default_rng(seed + 1)
    kinds = rng.choice(["good", "crash", "hang", "noconv"], size=n, p=[0.988, 0.005, 0.002, 0.005])
    fault = {"crash": (CRASH, [Op()]), "hang": (HANG, [Tran(1e-15, 1.0)]), "noconv": (NO_SOLUTION, [Op()])}
    jobs = [(decks[i % len(decks)], analyses) if k == "good" else fault[str(k)] for i, k in enumerate(kinds)]
    kill_at = set(np.linspace(n // 5, 4 * n // 5, 3).astype(int).tolist())  # 3 actors killed mid-batch
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    for _ in range(2):
        cluster.add_node(num_cpus=2)
    ray.init(address=cluster.address, logging_level="error", log_to_driver=False)
    try:
        cluster.wait_for_nodes()
        nodes = sum(node["Alive"] for node in ray.nodes())
        sim = RaySimulator(partial(SharedSimulator, 1), 4, batch=8).start()
        seen = [0]

        def kill_some(index: int, res: SimResult) -> None:
            seen[0] += 1
            if seen[0] in kill_at:
                ray.kill(sim.actors[seen[0] % len(sim.actors)])

        t0 = time.perf_counter()
        res = sim.run_many(jobs, timeout=timeout, on_result=kill_some)
        t = time.perf_counter() - t0
        restarts = sim.restarts
        actor_restarts, retried = sim.actor_restarts, sim.retried
        sim.close()
    finally:
        ray.shutdown()
        cluster.shutdown()
    lost = 0
    wrong_type = 0
    for i, (k, r) in enumerate(zip(kinds, res)):
        if r is None or (r.error is not None and "not run" in r.error.message):
            lost += 1
        elif k == "good":
            ref = reference[i % len(decks)]
            if r.ok != ref.ok or (r.ok and not np.allclose(r["ac"]["out"], ref["ac"]["out"], rtol=1e-9)):
                lost += 1
        elif type(r.error).__name__ != EXPECTED[str(k)]:
            wrong_type += 1
    counts = {str(k): int(np.sum(kinds == k)) for k in ("good", "crash", "hang", "noconv")}
    failed = sum(not r.ok for r in res)
    timeouts = sum(r.error is not None and r.error.kind == "timeout" for r in res)
    return {"simulations": n, "nodes_alive": nodes, "actors": 4, "seconds": round(t, 1),
            "sims_per_s": round(n / t, 1), "injected": counts, "failure_rate": round(failed / n, 4),
            "timeout_rate": round(timeouts / n, 4), "failed": failed, "timeouts": timeouts,
            "worker_restarts_in_live_actors": restarts, "actors_killed_and_replaced": actor_restarts,
            "items_retried": retried, "wrongly_typed_failures": wrong_type, "lost_results": lost}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=500, help="number of designs (default 500)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--backends", "--backend", default="local",
                    help="comma-separated: local (subprocess and the worker pool; always run) and/or ray")
    ap.add_argument("--cluster", type=int, default=0, metavar="N",
                    help="with ray: N simulations on a simulated 3-node Ray cluster with injected faults")
    ap.add_argument("--timeout", type=float, default=2.0, help="per-simulation time limit in the cluster run")
    args = ap.parse_args()
    backends = {b.strip() for b in args.backends.split(",") if b.strip()}
    if not backends <= {"local", "ray"}:
        ap.error(f"--backends: expected local and/or ray, got {args.backends!r}")
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
    if "ray" in backends:
        ray_fig = ray_side_by_side(jobs, r2)
        ray_res = ray_fig.pop("results")
        fig["ray_2_actors"] = ray_fig
        fig["ray_same_results_as_local"] = all(
            a.ok == b.ok and (not a.ok or np.allclose(a["ac"]["out"], b["ac"]["out"], rtol=1e-12))
            for a, b in zip(ray_res, shared[2]))  # type: ignore[union-attr]
        if args.cluster:
            decks = [to_deck(n) for n in nets]
            fig["ray_cluster"] = cluster_run(decks, shared[1], analyses, args.cluster, args.seed, args.timeout)

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
    if "ray_2_actors" in fig:
        f = fig["ray_2_actors"]
        print(f"  ray, 2 actors (local, 2 CPUs):     {f['sims_per_s']:8.1f} sims/s  ({f['seconds']} s, "  # type: ignore[index]
              f"start-up {f['startup_s']} s, {f['failed']} failed); ray vs local 2 workers "  # type: ignore[index]
              f"{f['ray_vs_local_2_workers']}x, overhead {f['overhead_ms_per_sim']} ms/sim; "  # type: ignore[index]
              f"same results as local: {fig['ray_same_results_as_local']}")
    if "ray_cluster" in fig:
        c = fig["ray_cluster"]
        print(f"  ray cluster (head + 2 worker nodes on loopback, 4 actors): {c['simulations']} sims in "  # type: ignore[index]
              f"{c['seconds']} s = {c['sims_per_s']} sims/s")  # type: ignore[index]
        print(f"    injected {c['injected']}; failure rate {c['failure_rate']:.2%}, timeout rate "  # type: ignore[index]
              f"{c['timeout_rate']:.2%}; worker restarts {c['worker_restarts_in_live_actors']}, actors killed "  # type: ignore[index]
              f"and replaced {c['actors_killed_and_replaced']} ({c['items_retried']} items retried); "  # type: ignore[index]
              f"wrongly typed {c['wrongly_typed_failures']}; lost results {c['lost_results']}")  # type: ignore[index]
    return 0


if __name__ == "__main__":
    sys.exit(main())
