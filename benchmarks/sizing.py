#!/usr/bin/env python3
"""RL sizing benchmark: the shipped PPO policy against random search, CMA-ES, BO and local search.

Reproduce (after `make install`):

    .venv/bin/python benchmarks/sizing.py                      # 200 held-out targets, every method
    .venv/bin/python benchmarks/sizing.py --targets 50 --methods ppo,random --json
    .venv/bin/python benchmarks/sizing.py --rule harden            # 5 % harder, not certified feasible
    .venv/bin/python benchmarks/sizing.py --problem foldedcascode45 --methods random,cmaes,local

Problem: the two-stage Miller op-amp (examples/opamp_miller45.cir, generic45
BSIM4 cards, 1 pF load), 8 sizing parameters (circuitforge.rl.miller_problem).
One simulation = one OP + AC deck (gain, UGBW, PM from the AC sweep, power
from the operating point).

Targets: 200 held-out feasibility-certified targets (seed 7; the policy was
trained on targets of seed 1000): specs of simulated uniform random designs
with phase margin >= 63.2 deg, made 5 % softer (gain >= 0.95 gain dB,
UGBW >= 0.95 UGBW, power <= 1.05 power) and PM >= 60 deg. Each one is met by
the design it came from, so every target is feasible; targets that the start
design (the netlist as drawn: 52 dB, 60 MHz, 73 deg, 103 uW) already meets
are skipped, so that no target is solved before the first move.

Every method gets the same per-target budget (100 simulations) and stops at
the first design that meets every clause strictly. Reported per method:
success rate within 10, 30 and 100 simulations, strictly and under AutoCkt's
tolerance (each clause within 2 % of its bound, counted on the same runs),
the median simulations to a strict success (over the targets it met), the
training cost in simulations (the policy's, from its .json; 0 for the
baselines) and the wall time. ``--bo-targets`` runs BO (slow: a GP fit per
batch of 4) on the first N targets only; the table says how many.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from circuitforge.rl import AUTOCKT_TOLERANCE, folded_cascode_problem, miller_problem
from circuitforge.rl.sizing.search import METHODS, run_method
from circuitforge.rl.sizing.size import policy_task
from circuitforge.rl.sizing.targets import feasible_targets
from circuitforge.spice import SharedSimulator

HELD_OUT_SEED = 7
KS = (10, 30, 100)


def first_index(values: list[dict], spec, tol: float) -> int | None:
    for i, v in enumerate(values):
        if spec.met(v, tolerance=tol):
            return i
    return None


def summarise(firsts: list[int | None], firsts_tol: list[int | None], budget: int) -> dict:
    n = len(firsts)
    row: dict = {"targets": n}
    for k in KS:
        if k > budget:
            continue
        row[f"strict@{k}"] = sum(1 for f in firsts if f is not None and f + 1 <= k) / n
        row[f"tol@{k}"] = sum(1 for f in firsts_tol if f is not None and f + 1 <= k) / n
    done = [f + 1 for f in firsts if f is not None]
    row["median_sims"] = float(np.median(done)) if done else None
    return row


def plot(path: str, per_target: dict, budget: int, figures: dict) -> None:
    """Strict (solid) and 2 %-tolerance (dashed) success rate against the simulations spent, per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    ks = np.arange(1, budget + 1)
    for i, (method, res) in enumerate(per_target.items()):
        n = len(res["strict"])
        for key, style in (("strict", "-"), ("tol", "--")):
            hits = np.array([f + 1 for f in res[key] if f is not None])
            rate = [(hits <= k).sum() / n for k in ks]
            label = f"{method} (n={n})" if key == "strict" else None
            ax.plot(ks, rate, style, color=f"C{i}", label=label)
    for k in KS:
        ax.axvline(k, color="grey", lw=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("simulations per target")
    ax.set_ylabel("targets met")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{figures['problem']} sizing, {figures['rule']}ed held-out targets "
                 "(solid: strict, dashed: within 2 %)", fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", type=int, default=200)
    ap.add_argument("--seed", type=int, default=HELD_OUT_SEED, help="seed of the held-out targets")
    ap.add_argument("--rule", choices=("soften", "harden"), default="soften",
                    help="5 %% rule: soften (certified feasible, default) or harden (not certified)")
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--problem", choices=("miller45", "foldedcascode45"), default="miller45",
                    help="sizing problem (the shipped policy is for miller45)")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--bo-targets", type=int, default=None, help="run BO on the first N targets only")
    ap.add_argument("--policy", default=None, help="policy .zip (default: the shipped one)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--save", default=None, help="write per-target results (JSON) here")
    ap.add_argument("--plot", default=None, help="write a PNG of strict success rate against simulations here")
    args = ap.parse_args()
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    bad = [m for m in methods if m not in METHODS]
    if bad:
        ap.error(f"unknown methods {bad}; choose among {list(METHODS)}")

    import torch

    torch.set_num_threads(1)
    problem = miller_problem() if args.problem == "miller45" else folded_cascode_problem()
    t_start = time.time()
    figures: dict = {"problem": problem.name, "params": problem.dim, "budget": args.budget, "rule": args.rule,
                     "cpu_count": os.cpu_count(), "methods": {}}
    with SharedSimulator(args.workers) as sim:
        t0 = time.time()
        start = {k: m.value for k, m in problem.evaluate([problem.default_x], sim)[0].items()}
        targets, target_sims = feasible_targets(problem, args.targets, seed=args.seed, simulator=sim,
                                                exclude_met_by=start, rule=args.rule)
        figures["targets"] = len(targets)
        figures["target_sims"] = target_sims
        figures["target_seconds"] = round(time.time() - t0, 1)
        print(f"{len(targets)} held-out targets from {target_sims} random designs "
              f"({figures['target_seconds']} s)", file=sys.stderr)
        task = policy = None
        train_sims = 0
        if "ppo" in methods:
            from circuitforge.rl.sizing.train import load_policy

            loaded = load_policy(args.policy)
            task, policy = policy_task(loaded.layout, problem), loaded.model
            train_sims = int(loaded.layout.get("train_sims", 0))
            figures["policy"] = {"path": str(loaded.path), "train_sims": train_sims,
                                 "algo": loaded.layout.get("algo")}
        per_target: dict = {}
        for method in methods:
            subset = targets
            if method == "bo" and args.bo_targets is not None:
                subset = targets[: args.bo_targets]
            t0 = time.time()
            firsts, firsts_tol, used = [], [], []
            for i, spec in enumerate(subset):
                run = run_method(method, problem, spec, budget=args.budget, seed=1_000 * i + 17, simulator=sim,
                                 tolerance=0.0, task=task, policy=policy, batch=args.workers)
                firsts.append(run.success)
                firsts_tol.append(first_index(run.values, spec, AUTOCKT_TOLERANCE))
                used.append(len(run.values))
            secs = time.time() - t0
            row = summarise(firsts, firsts_tol, args.budget)
            row["train_sims"] = train_sims if method == "ppo" else 0
            row["seconds"] = round(secs, 1)
            row["sims"] = int(sum(used))
            figures["methods"][method] = row
            per_target[method] = {"strict": firsts, "tol": firsts_tol}
            print(f"{method}: {row}", file=sys.stderr)
    figures["seconds"] = round(time.time() - t_start, 1)
    if args.save:
        with open(args.save, "w") as fh:
            json.dump({"figures": figures, "per_target": per_target, "targets": [str(t) for t in targets]}, fh)
    if args.plot:
        plot(args.plot, per_target, args.budget, figures)
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    kind = "feasible" if args.rule == "soften" else "hardened (not certified feasible)"
    print(f"\n{problem.name} op-amp ({problem.dim} parameters), {figures['targets']} held-out {kind} targets "
          f"(seed {args.seed}), budget {args.budget} simulations per target; wall time {figures['seconds']:.0f} s "
          f"on {os.cpu_count()} CPUs, {args.workers} ngspice workers\n")
    head = ["method", "targets"] + [f"strict ≤{k}" for k in KS if k <= args.budget] + \
        [f"2 % tol ≤{k}" for k in KS if k <= args.budget] + ["median sims", "training sims", "wall s"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for m, r in figures["methods"].items():
        cells = [m, str(r["targets"])] + [f"{100 * r[f'strict@{k}']:.1f} %" for k in KS if k <= args.budget] + \
            [f"{100 * r[f'tol@{k}']:.1f} %" for k in KS if k <= args.budget] + \
            [f"{r['median_sims']:.0f}" if r["median_sims"] is not None else "—", f"{r['train_sims']:,}",
             f"{r['seconds']:.0f}"]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
