#!/usr/bin/env python3
"""End-to-end ``design`` over seeded specs drawn from the shipped examples' performance range.

Specs: ``--specs`` feasibility-certified targets (``circuitforge.rl.sizing.targets.feasible_targets``: specs of
random designs of the two example op-amps, made 5 % softer, PM >= 60°), half from the Miller
op-amp's design space and half from the folded cascode's, seeded. So every spec is met by at least
one design of one reference topology, and none is met by that example as shipped (its nominal sizes);
whether the flow finds it within the budget, and whether a *generated* topology meets it too, is what
this measures.

For each spec the whole flow runs as ``circuitforge design`` would (generator → bias → derived sizing
problem → sizing → full verification in ngspice), and the script prints per spec: whether any
returned circuit meets every clause in ngspice, whether a generated one does (and a generated novel
one), how many candidates were tried, the wall time; then the shares over all specs.

    .venv/bin/python benchmarks/design.py                       # 20 specs, -n 4, budget 100 (~1 h on 2 cores)
    .venv/bin/python benchmarks/design.py --specs 4 --n 2 --budget 60   # quick look
    .venv/bin/python benchmarks/design.py --specs 20 --n 3 --budget 100 --process generic180

``--process generic180`` runs the same on the process the shipped generator was fine-tuned on: the
references' problems are then derived from the example netlists (``reference_problem``), and the
specs are drawn from those problems' design spaces.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from circuitforge.design import design
from circuitforge.design.pipeline import reference_problem
from circuitforge.rl.sizing.targets import feasible_targets
from circuitforge.spice.models import PROCESSES


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--specs", type=int, default=20)
    ap.add_argument("--n", type=int, default=4, help="generated candidates per spec")
    ap.add_argument("--budget", type=int, default=100, help="simulations per candidate")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--method", default="auto")
    ap.add_argument("--process", default="generic45", choices=PROCESSES,
                    help="model cards: the specs come from the references' problems on it (generic45: the "
                         "hand-made ones; another: derived from the examples like a generated topology's)")
    ap.add_argument("--json", dest="json_out", default=None, help="write the per-spec rows here")
    args = ap.parse_args()

    half = args.specs // 2
    specs: list[str] = []
    for problem, count, seed in ((reference_problem("miller", args.process), half, args.seed),
                                 (reference_problem("folded_cascode", args.process), args.specs - half, args.seed + 1)):
        start = {k: m.value for k, m in problem.evaluate([problem.default_x])[0].items()}
        targets, _ = feasible_targets(problem, count, seed=seed, exclude_met_by=start)
        specs += [str(t) for t in targets]
    rows = []
    print(f"process {args.process}")
    print(f"{'#':>2}  {'spec':<52} {'any':>4} {'gen':>4} {'best':>4} {'novel':>5} {'cands':>5} {'wall s':>7}")
    for i, spec in enumerate(specs):
        t0 = time.perf_counter()
        run = design(spec, "opamp", n=args.n, budget=args.budget, seed=args.seed + i, method=args.method,
                     workers=args.workers, process=args.process)
        wall = time.perf_counter() - t0
        met, best = run.met, run.best()
        row = {"spec": spec, "any": bool(met), "generated": any(c.origin == "generated" for c in met),
               "best_generated": best is not None and best.met and best.origin == "generated",
               "generated_novel": any(c.origin == "generated" and c.novel for c in met),
               "candidates": len(run.candidates), "failed": sum(1 for c in run.candidates if not c.ok),
               "generated_sized": sum(1 for c in run.candidates if c.origin == "generated" and c.ok),
               "wall_s": round(wall, 1), "met_by": [c.name for c in met]}
        rows.append(row)
        print(f"{i:>2}  {spec:<52} {'yes' if row['any'] else 'no':>4} {'yes' if row['generated'] else 'no':>4} "
              f"{'gen' if row['best_generated'] else 'ref':>4} "
              f"{'yes' if row['generated_novel'] else 'no':>5} {row['candidates']:>5} {wall:>7.0f}", flush=True)
    n = len(rows)
    share = lambda key: sum(r[key] for r in rows) / n  # noqa: E731
    print()
    print(f"specs: {n} (n={args.n} generated + 2 references per spec, budget {args.budget} sims/candidate, "
          f"method {args.method}, seed {args.seed}, process {args.process})")
    print(f"met by at least one returned circuit:  {share('any'):.0%}")
    print(f"met by a generated topology:           {share('generated'):.0%}")
    print(f"best circuit (ranked first) generated: {share('best_generated'):.0%}")
    print(f"met by a generated novel topology:     {share('generated_novel'):.0%}")
    gen_total = sum(args.n for _ in rows)
    print(f"generated candidates sized+verified:   {sum(r['generated_sized'] for r in rows)}/{gen_total}")
    walls = [r["wall_s"] for r in rows]
    print(f"wall time per spec: median {statistics.median(walls):.0f} s, max {max(walls):.0f} s")
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(rows, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
