"""RL filter design in the EM surrogate, every final design re-simulated in scikit-rf.

Protocol: for each filter type, 100 target specs drawn with seeds 1000..1099 by
:func:`circuitforge.rl.filters.env.sample_spec` around random scikit-rf-simulated geometries (so each
spec has a solution; the designers never see that geometry). Each designer gets the same budget of
160 surrogate evaluations per spec: the shipped PPO policy (8 rollouts of 20 steps from the box
centre, first deterministic, best surrogate score kept), CMA-ES (popsize 8, 20 generations) and
uniform random search. "claimed": the surrogate says every margin >= 0; "met": scikit-rf says so
for the same geometry. A few low-pass PPO designs are also re-simulated in openEMS.

Reproduce:
    .venv/bin/circuitforge filter train-policy --type lowpass     # and --type bandpass: the shipped policies
    .venv/bin/python benchmarks/filter_design.py [--specs 100] [--openems 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from circuitforge.rf.measure import spec_margins
from circuitforge.rf.openems_solver import OpenEMSSolver, openems_available
from circuitforge.rf.skrf_solver import SkrfSolver
from circuitforge.rl.filters.agent import Design, design_with_cmaes, design_with_policy, load_policy
from circuitforge.rl.filters.env import design_score, sample_spec
from circuitforge.surrogates.surrogate import EMSurrogate


def skrf_response(fam):
    solver = SkrfSolver()

    def fn(x):
        nets = [solver.solve(fam.build(v)) for v in x]
        return nets[0].f, np.stack([n.s_db[:, 1, 0] for n in nets]), np.stack([n.s_db[:, 0, 0] for n in nets])
    return fn


def random_search(spec, sur: EMSurrogate, budget: int, seed: int) -> Design:
    fam = sur.family
    x = fam.sample(np.random.default_rng(seed), budget)
    p = sur.predict(x)
    m = spec_margins(spec, sur.frequency.f, p.s21_db, p.s11_db)
    sc = design_score(m)
    k = max(range(budget), key=lambda i: (sc[i], m[i].min()))
    return Design(x[k], fam.build(x[k]), m[k], bool((m[k] >= 0).all()), budget)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--specs", type=int, default=100)
    ap.add_argument("--kinds", default="lowpass,bandpass")
    ap.add_argument("--openems", type=int, default=5, help="low-pass PPO designs also re-simulated in openEMS")
    args = ap.parse_args()
    torch.set_num_threads(1)
    t_start = time.perf_counter()
    solver = SkrfSolver()
    for kind in args.kinds.split(","):
        sur = EMSurrogate.load(kind)
        policy = load_policy(kind)
        resp = skrf_response(sur.family)
        specs = [sample_spec(kind, np.random.default_rng(1000 + i), resp)[0] for i in range(args.specs)]
        methods = {"PPO (shipped policy)": lambda sp, i: design_with_policy(sp, policy, sur, rollouts=8, horizon=20, seed=i),
                   "CMA-ES": lambda sp, i: design_with_cmaes(sp, sur, budget=160, seed=i),
                   "random search": lambda sp, i: random_search(sp, sur, 160, seed=i)}
        print(f"\n## {kind}: {len(specs)} seeded specs, 160 surrogate evaluations per design, verified in scikit-rf")
        print("| designer | claimed by surrogate | met in scikit-rf | claimed and met | claimed but not met | "
              "median worst margin (skrf) dB | s per design |")
        print("|---|---|---|---|---|---|---|")
        ppo_designs = []
        for name, fn in methods.items():
            claimed = met = both = 0
            worst, secs = [], []
            for i, sp in enumerate(specs):
                t = time.perf_counter()
                d = fn(sp, i)
                secs.append(time.perf_counter() - t)
                net = solver.solve(d.geometry)
                m = spec_margins(sp, net.f, net.s_db[:, 1, 0], net.s_db[:, 0, 0])
                ok = bool((m >= 0).all())
                claimed += d.claimed
                met += ok
                both += d.claimed and ok
                worst.append(m.min())
                if name.startswith("PPO"):
                    ppo_designs.append((sp, d, ok))
            n = len(specs)
            print(f"| {name} | {claimed}/{n} ({100 * claimed / n:.0f}%) | {met}/{n} ({100 * met / n:.0f}%) | {both}/{n} | "
                  f"{claimed - both}/{n} | {np.median(worst):+.2f} | {np.mean(secs):.3f} |")
        ok_oe, why = openems_available()
        if kind == "lowpass" and args.openems > 0 and ok_oe:
            print(f"\nopenEMS re-simulation of the first {args.openems} low-pass PPO designs (20 cells per wavelength):")
            print("| spec | skrf met | openEMS met | openEMS worst margin dB | openEMS s |\n|---|---|---|---|---|")
            for sp, d, ok in ppo_designs[: args.openems]:
                t = time.perf_counter()
                net = OpenEMSSolver(cells_per_wavelength=20).solve(d.geometry)
                m = spec_margins(sp, net.f, net.s_db[:, 1, 0], net.s_db[:, 0, 0])
                print(f"| {sp.describe()} | {ok} | {bool((m >= 0).all())} | {m.min():+.2f} | {time.perf_counter() - t:.0f} |")
    print(f"\nwall time {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
