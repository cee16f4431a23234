#!/usr/bin/env python3
"""Does one sizing policy transfer? The graph policy on corpus op-amps it never saw, beside the baselines.

Reproduce (after `make install`; needs ../shared/datasets/analoggenie):

    circuitforge train-gnn-sizer --sims 300000 --out runs/gnn        # the shipped policy (train split)
    .venv/bin/python benchmarks/sizing_transfer.py                   # test split, generic45, every method
    .venv/bin/python benchmarks/sizing_transfer.py --split val --methods gnn-ppo,cmaes
    .venv/bin/python benchmarks/sizing_transfer.py --process generic180 --methods gnn-ppo,cmaes,random
    .venv/bin/python benchmarks/sizing_transfer.py --miller 100      # also miller45 against its own policy
    .venv/bin/python benchmarks/sizing_transfer.py --finetune 2000 --methods gnn-ppo,cmaes --topologies 20

Protocol. The corpus op-amps are split by canonical hash (70 % train, 10 % validation, 20 % test:
circuitforge.rl.sizing.transfer.topology_split); the policy trained on the train topologies only.
Each op-amp of the chosen split becomes a sizing problem by the library's derivation (role-based
start, DC-servo testbench); those without one, with more than 32 parameters, or whose start design
does not simulate are counted by reason. Each remaining topology gets ``--targets`` (10) held-out
targets: specs of uniform random designs (PM >= 63.2 deg, made 5 % softer, PM >= 60 deg; seed
``--seed``, the training pools used another), those its start design already meets left out, so
every target is feasible and none is solved before the first move; a topology none of whose 128
random designs gives a target is counted too. Every method gets ``--budget`` (100) simulations per
target, from the same start, stopping at the first design that meets every clause strictly;
success within 30 and within 100 simulations is counted on the same run. The rate's denominator is
every target of the split's sizable topologies. A topology one of whose simulations runs past 5 s
(the quick-sizing protocol's limit), or that takes more than ``--topology-seconds`` (300) in all, is
left out of every method's count and reported as such. ``--bo-targets N``: BO on the first N targets of
each topology only (slow: a GP fit per batch of 4); the table says how many.

``--finetune N`` (few-shot): before the methods run on a topology, the policy is fine-tuned on it
with N simulations (`finetune_transfer`: its own target pool from random designs, seed 3000, then
PPO on that topology alone; the held-out targets are never seen), and ``ft:gnn-ppo`` and
``ft:gnn-ppo+cmaes`` run with the fine-tuned policy. The N simulations are reported apart, not
charged to the per-target budget: they pay off when one topology is sized for many specs.

``--process generic180``: the same test topologies derived on the 180 nm cards (a technology the
policy was not trained on), without retraining.

``--hybrids LEAD:SIGMA,...`` runs more hand-offs of ``gnn-ppo+cmaes`` beside the methods (the policy's
first LEAD simulations, then CMA-ES with initial step SIGMA). The shipped hand-off (6 and 0.2, in
``circuitforge.rl.sizing.search``) was chosen this way on the validation split, never on the test split:

    .venv/bin/python benchmarks/sizing_transfer.py --split val --methods gnn-ppo+cmaes,cmaes \
        --hybrids 10:0.3,10:0.15,10:0.1,15:0.15,4:0.2,8:0.2,6:0.25,6:0.3
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time

import numpy as np
from sizing import first_index  # benchmarks/sizing.py: one home for the first success in a run

from circuitforge.rl import AUTOCKT_TOLERANCE
from circuitforge.rl.errors import SizingError
from circuitforge.rl.sizing.quick import QUICK_TIMEOUT, _Breaker
from circuitforge.rl.sizing.search import METHODS, run_method
from circuitforge.rl.sizing.size import graph_policy_task
from circuitforge.rl.sizing.targets import feasible_targets
from circuitforge.rl.sizing.transfer import SPLITS, corpus_problems
from circuitforge.spice import SharedSimulator
from circuitforge.spice.errors import SimulationTimeout

HELD_OUT_SEED = 11
KS = (10, 30, 100)


def rates(firsts: list[int | None], budget: int) -> dict:
    n = len(firsts)
    row: dict = {"targets": n}
    for k in KS:
        if k <= budget:
            row[f"strict@{k}"] = (sum(1 for f in firsts if f is not None and f + 1 <= k) / n) if n else None
    done = [f + 1 for f in firsts if f is not None]
    row["median_sims"] = float(np.median(done)) if done else None
    return row


class _Capped(_Breaker):
    """The quick protocol's breaker (a simulation past 5 s trips it) that also trips once the topology
    has taken ``seconds`` in all (slow decks below the per-simulation limit)."""

    def __init__(self, inner, seconds: float):
        super().__init__(inner, QUICK_TIMEOUT)
        self.deadline = time.time() + seconds

    def run_many(self, jobs, *, timeout: float = 30.0, progress: bool = False):
        if self.tripped is None and time.time() > self.deadline:
            self.tripped = SimulationTimeout("the topology ran past its time limit")
        return super().run_many(jobs, timeout=timeout, progress=progress)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=None, help="corpus folder (default: ../shared/datasets/analoggenie)")
    ap.add_argument("--split", choices=SPLITS, default="test")
    ap.add_argument("--process", default="generic45")
    ap.add_argument("--targets", type=int, default=10, help="held-out targets per topology")
    ap.add_argument("--topologies", type=int, default=0, help="the first N sizable topologies (0: all)")
    ap.add_argument("--seed", type=int, default=HELD_OUT_SEED)
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--methods", default="gnn-ppo,gnn-ppo+cmaes,cmaes,bo,random")
    ap.add_argument("--bo-targets", type=int, default=None, help="BO on the first N targets of each topology")
    ap.add_argument("--policy", default=None, help="graph policy .zip (default: the shipped one)")
    ap.add_argument("--miller", type=int, default=0,
                    help="also N held-out miller45 targets (benchmarks/sizing.py's, seed 7): gnn-ppo against "
                         "the dedicated ppo policy")
    ap.add_argument("--topology-seconds", type=float, default=300.0,
                    help="a topology taking longer than this (targets and every method) is left out, counted")
    ap.add_argument("--finetune", type=int, default=0,
                    help="few-shot: fine-tune the policy on each topology with this many simulations (its own "
                         "target pool, seed 3000) and add ft:gnn-ppo and ft:gnn-ppo+cmaes to the methods")
    ap.add_argument("--hybrids", default="",
                    help="extra gnn-ppo+cmaes hand-offs to run beside the methods, LEAD:SIGMA[:POPSIZE][,...] "
                         "(e.g. 10:0.3,8:0.2:6): the policy's first LEAD simulations, then CMA-ES with initial "
                         "step SIGMA (and population POPSIZE; default cma's); listed as gnn-ppo+cmaes[...]")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--save", default=None, help="write per-target results (JSON) here")
    args = ap.parse_args()
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    hybrids: dict[str, dict] = {}
    for h in (x.strip() for x in args.hybrids.split(",") if x.strip()):
        try:
            parts = h.split(":")
            if len(parts) not in (2, 3):
                raise ValueError(h)
            hybrids[f"gnn-ppo+cmaes[{h}]"] = {"lead": int(parts[0]), "sigma": float(parts[1]),
                                              **({"popsize": int(parts[2])} if len(parts) == 3 else {})}
        except ValueError:
            ap.error(f"--hybrids entry {h!r} is not LEAD:SIGMA or LEAD:SIGMA:POPSIZE (e.g. 6:0.2)")
    if args.finetune:
        methods += [m for m in ("ft:gnn-ppo", "ft:gnn-ppo+cmaes") if m not in methods]
    bad = [m for m in methods if m.removeprefix("ft:") not in METHODS or m.removeprefix("ft:") == "ppo"
           or (m.startswith("ft:") and not args.finetune)]
    if bad:
        ap.error(f"unknown methods {bad}; choose among {[m for m in METHODS if m != 'ppo']}")
    methods += [h for h in hybrids if h not in methods]
    try:
        from circuitforge.netlists.analoggenie import corpus_path

        root = corpus_path(args.corpus)
    except Exception as exc:  # noqa: BLE001 - the one message a user needs
        print(f"skipped: {exc}", file=sys.stderr)
        return 0

    import torch

    torch.set_num_threads(1)
    t_start = time.time()
    figures: dict = {"split": args.split, "process": args.process, "budget": args.budget,
                     "targets_per_topology": args.targets, "cpu_count": os.cpu_count(), "methods": {}}
    per_target: dict = {m: [] for m in methods}
    with SharedSimulator(args.workers) as sim:
        items = list(corpus_problems(root, process=args.process, splits=(args.split,), simulator=sim))
        reasons = collections.Counter(it.reason.split(":")[0] if "parameters" not in it.reason
                                      else "more parameters than node slots" for it in items if it.reason)
        sizable = [it for it in items if not it.reason]
        if args.topologies:
            sizable = sizable[: args.topologies]
        figures["opamps"] = len(items)
        figures["excluded"] = dict(reasons)
        figures["sizable"] = len(sizable)
        print(f"{args.split} split: {len(items)} op-amps, {len(sizable)} sizable; excluded {dict(reasons)}",
              file=sys.stderr)
        task = model = None
        loaded_meta: dict = {}
        if any(m.startswith("gnn-ppo") for m in methods):
            from circuitforge.rl.sizing.train import load_policy
            from circuitforge.rl.sizing.train import shipped_transfer_path

            loaded = load_policy(args.policy or shipped_transfer_path())
            loaded_meta = {k: loaded.layout.get(k) for k in ("train_sims", "topologies", "seconds")}
            figures["policy"] = {"path": str(loaded.path), **loaded_meta}
        no_target = 0
        finetunes: list[dict] = []
        slow = 0
        for n_done, it in enumerate(sizable):
            p = it.problem
            assert p is not None
            # one simulation past 5 s, or the topology past --topology-seconds: left out, counted
            tsim = _Capped(sim, args.topology_seconds)
            start = {k: m.value for k, m in p.evaluate([p.default_x], tsim)[0].items()}
            targets, _ = feasible_targets(p, args.targets, seed=args.seed * 10_007 + int(it.id), simulator=tsim,
                                          max_designs=128, exclude_met_by=start)
            if tsim.tripped is not None:
                slow += 1
                continue
            if not targets:
                no_target += 1
                continue
            rows: dict = {m: [] for m in methods}
            if any(m.startswith("gnn-ppo") for m in methods):
                task, model = graph_policy_task(p, targets[0], loaded)
            ft_model = None
            if args.finetune:
                try:
                    ft_model, ft_row = finetune(p, args, tsim)
                except SizingError as exc:  # no fine-tuning target: ft:* run the base policy, counted
                    ft_model, ft_row = model, {"sims": 0, "seconds": 0.0, "success_rate": 0.0, "failed": str(exc)}
                finetunes.append({"id": it.id, **ft_row})
            for method in methods:
                subset = targets[: args.bo_targets] if method == "bo" and args.bo_targets else targets
                t0 = time.time()
                name = "gnn-ppo+cmaes" if method in hybrids else method.removeprefix("ft:")
                for i, spec in enumerate(subset):
                    run = run_method(name, p, spec, budget=args.budget, seed=1_000 * i + 17,
                                     simulator=tsim, task=task, batch=args.workers,
                                     policy=ft_model if method.startswith("ft:") else model,
                                     options=hybrids.get(method))
                    rows[method].append({"id": it.id, "target": str(spec), "first": run.success,
                                               "first_tol": first_index(run.values, spec, AUTOCKT_TOLERANCE),
                                               "sims": len(run.values), "seconds": time.time() - t0})
                    t0 = time.time()
            if tsim.tripped is not None:  # not judged on a method whose runs were cut short
                slow += 1
                continue
            for m in methods:
                per_target[m] += rows[m]
            done = {m: rates([r["first"] for r in per_target[m]], args.budget).get("strict@30") for m in methods}
            print(f"[{n_done + 1}/{len(sizable)}] {it.id} ({p.dim} params, {len(targets)} targets): strict@30 so "
                  f"far " + ", ".join(f"{m} {v:.1%}" for m, v in done.items() if v is not None), file=sys.stderr)
        figures["no_target"] = no_target
        figures["slow"] = slow
        figures["topologies_with_targets"] = len(sizable) - no_target - slow
        if finetunes:
            figures["finetune"] = {"sims_per_topology": args.finetune,
                                   "sims": int(sum(f["sims"] for f in finetunes)),
                                   "seconds": round(sum(f["seconds"] for f in finetunes), 1),
                                   "train_success_rate": float(np.mean([f["success_rate"] for f in finetunes])),
                                   "not_finetuned": [f["id"] for f in finetunes if "failed" in f]}
    for m in methods:
        row = rates([r["first"] for r in per_target[m]], args.budget)
        row["tol@30"] = (sum(1 for r in per_target[m] if r["first_tol"] is not None and r["first_tol"] < 30)
                         / max(1, len(per_target[m])))
        row["seconds"] = round(sum(r["seconds"] for r in per_target[m]), 1)
        row["sims"] = int(sum(r["sims"] for r in per_target[m]))
        ids = {r["id"] for r in per_target[m]}
        by_topo = [np.mean([r["first"] is not None and r["first"] < 30 for r in per_target[m] if r["id"] == i])
                   for i in ids]
        row["topologies_half_met@30"] = int(sum(1 for v in by_topo if v >= 0.5))
        figures["methods"][m] = row
    if args.miller:
        figures["miller45"] = miller_rows(args.miller, args)
    figures["seconds"] = round(time.time() - t_start, 1)
    if args.save:
        with open(args.save, "w") as fh:
            json.dump({"figures": figures, "per_target": per_target}, fh)
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    print(f"\n{args.split} split on {args.process}: {figures['opamps']} op-amps, {figures['sizable']} sizable "
          f"(excluded: {figures['excluded']}), {figures['no_target']} without a feasible target, "
          f"{figures['slow']} left out for time (a simulation past {QUICK_TIMEOUT:g} s or the topology past "
          f"{args.topology_seconds:g} s); "
          f"{args.targets} held-out targets each, budget {args.budget}; wall {figures['seconds']:.0f} s\n")
    head = ["method", "targets"] + [f"strict ≤{k}" for k in KS if k <= args.budget] + \
        ["2 % tol ≤30", "median sims", "topologies ≥ half met ≤30", "wall s"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for m, r in figures["methods"].items():
        cells = [m, str(r["targets"])] + [f"{100 * r[f'strict@{k}']:.1f} %" if r.get(f"strict@{k}") is not None
                                          else "—" for k in KS if k <= args.budget]
        cells += [f"{100 * r['tol@30']:.1f} %", f"{r['median_sims']:.0f}" if r["median_sims"] else "—",
                  str(r["topologies_half_met@30"]), f"{r['seconds']:.0f}"]
        print("| " + " | ".join(cells) + " |")
    if "miller45" in figures:
        print("\nmiller45 (held-out targets of benchmarks/sizing.py, seed 7):")
        for m, r in figures["miller45"].items():
            print(f"  {m}: strict ≤30 {100 * r['strict@30']:.1f} %, ≤100 {100 * r['strict@100']:.1f} % "
                  f"of {r['targets']}")
    if "finetune" in figures:
        print(f"\nfine-tuning: {figures['finetune']}")
    if loaded_meta:
        print(f"\npolicy: {loaded_meta}")
    return 0


def finetune(problem, args, simulator):
    """The policy fine-tuned on ``problem`` with ``args.finetune`` simulations, and what it cost."""
    import tempfile

    from circuitforge.rl.sizing.train import load_policy
    from circuitforge.rl.sizing.transfer import finetune_transfer

    with tempfile.TemporaryDirectory() as tmp:
        r = finetune_transfer(problem, sims=args.finetune, policy=args.policy, simulator=simulator,
                              checkpoint_dir=tmp)
        model = load_policy(r.policy_path).model
    return model, {"sims": r.sims, "seconds": r.seconds, "success_rate": r.success_rate_last}


def miller_rows(n: int, args) -> dict:
    """gnn-ppo, gnn-ppo+cmaes, cmaes (and with ``--finetune``, gnn-ppo fine-tuned on miller45) beside the
    dedicated miller45 policy on ``n`` held-out targets of benchmarks/sizing.py."""
    from circuitforge.rl import miller_problem
    from circuitforge.rl.sizing.size import policy_task
    from circuitforge.rl.sizing.train import load_policy

    problem = miller_problem()
    out = {}
    policy, workers = args.policy, args.workers
    with SharedSimulator(workers) as sim:
        start = {k: m.value for k, m in problem.evaluate([problem.default_x], sim)[0].items()}
        targets, _ = feasible_targets(problem, n, seed=7, simulator=sim, exclude_met_by=start)
        dedicated = load_policy()
        runs = {"ppo (dedicated)": (policy_task(dedicated.layout, problem), dedicated.model, "ppo"),
                "gnn-ppo": (*graph_policy_task(problem, targets[0], policy), "gnn-ppo")}
        runs["gnn-ppo+cmaes"] = (*runs["gnn-ppo"][:2], "gnn-ppo+cmaes")
        runs["cmaes"] = (None, None, "cmaes")
        if args.finetune:
            ft_model, _ = finetune(problem, args, sim)
            runs[f"ft:gnn-ppo ({args.finetune} sims)"] = (runs["gnn-ppo"][0], ft_model, "gnn-ppo")
        for name, (task, model, method) in runs.items():
            firsts = [run_method(method, problem, t, budget=100, seed=1_000 * i + 17, simulator=sim, task=task,
                                 policy=model).success for i, t in enumerate(targets)]
            out[name] = rates(firsts, 100)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
