#!/usr/bin/env python3
"""GNN performance predictor for op-amps: build (or resume) the dataset, train, evaluate, print the table.

Topologies: the two example op-amps (``opamp_miller45``, ``opamp_foldedcascode45``) plus the first
corpus op-amps (family ``opamp``, ids in order) whose ``bias_default`` deck, simulated open loop at
nominal sizes, has a measurable gain, UGBW and phase margin, one per canonical hash. Each topology gets
``--samples`` random sizings (log-uniform factors: by default W ×[1/2, 2],
L ×[1/1.5, 1.5], R and C ×[1/2, 2]; sample 0 nominal); each is simulated (OP + AC, 1 Hz to 100 GHz, 20 points/decade) through ``SharedSimulator(2)``
and measured with ``circuitforge.spice.measure``: gain (dB), UGBW (log10 Hz), phase margin (deg),
power (log10 W).

- examples: the amplifier's own devices are the graph; the deck is ``open_loop_ac`` (1 pF load,
  DC loop through 1 GH).
- corpus: the graph is the ``bias_default`` deck itself (bias sources, 1 pF loads and leak resistors
  included); AC ±0.5 V on VIN1/VIN2 (or 1 V on VIN1), gain read at VOUT1, power from the VDD source;
  the phase is referred to 0° when the nominal gain is inverting.

Splits: (a) unseen sizings: 20 % of each topology's measured sizings held out; (b) unseen topologies:
3 folds over the canonical-hash groups, each fold's topologies held out whole (scores pooled over the
folds, so every topology is held out once). Baselines: the training mean; an MLP per topology on the
flat log-size vector (split (a) only: on an unseen topology there is no vector to train on).

    .venv/bin/python benchmarks/predictor.py                      # ~8 min on 2 cores; cache in .cache/predictor
    .venv/bin/python benchmarks/predictor.py --corpus-topologies 6 --samples 60 --epochs 20   # quick look
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from circuitforge.examples import example_path
from circuitforge.graph import canonical_hash
from circuitforge.graph.predictor import (
    TARGET_UNITS,
    TARGETS,
    PredictorBackend,
    Topology,
    TrainConfig,
    build_dataset,
    evaluate_split,
    split_by_sizing,
    split_by_topology,
    train,
)
from circuitforge.graph.predictor.evaluate import (
    Scores,
    flat_mlp_baseline,
    gnn_predict,
    mean_baseline,
    score,
)
from circuitforge.netlists import CircuitforgeError, Netlist, parse
from circuitforge.netlists.analoggenie import CorpusCircuit, corpus_path, iter_corpus
from circuitforge.spice import AC, Op, SharedSimulator
from circuitforge.spice.bias import bias_default
from circuitforge.spice.measure import (
    dc_gain,
    phase_margin,
    power,
    unity_gain_bandwidth,
)
from circuitforge.spice.testbench import open_loop_ac

PROCESS = "generic45"
SWEEP = AC(1.0, 100e9, 20)


@dataclasses.dataclass(frozen=True)
class Bench:
    """How to simulate one topology: an open-loop testbench (examples) or the biased deck as is (corpus)."""

    kind: str  # "example" | "corpus"
    out: str = "out"
    supply_branch: str = ""
    vdd: float = 1.0
    inverting: bool = False


def example_topology(name: str) -> Topology:
    n = parse(example_path(f"{name}.cir").read_text())
    sub = n.subckts[name]
    return Topology(name, Netlist(name, list(sub.devices), ports=list(sub.ports)))


def measure_arrays(freq: np.ndarray, h: np.ndarray, i_supply: float, vdd: float, inverting: bool) -> dict:
    ms = [dc_gain(freq, h), unity_gain_bandwidth(freq, h), phase_margin(freq, h, inverting=inverting),
          power(i_supply, vdd)]
    out: dict[str, object] = {t: m.value for t, m in zip(TARGETS, ms)}
    bad = [f"{m.name}: {m.reason}" for m in ms if m.value is None]
    if bad:
        out["reason"] = bad[0].split("(")[0].strip()[:80]
    return out


def make_measure(sim: SharedSimulator, benches: Mapping[str, Bench], names: Mapping[int, str]):
    """A ``measure`` function for ``build_dataset``: netlists → dicts of gain/ugbw/pm/power."""

    def measure(nets: Sequence[Netlist]) -> list[dict]:
        jobs, meta = [], []
        for n in nets:
            b = benches[n.title]
            if b.kind == "example":
                tb = open_loop_ac(n, PROCESS)
                jobs.append((tb.netlist, list(tb.analyses)))
                meta.append((b, tb.nodes["out"], tb.branch("vdd"), tb.info["vdd"]))
            else:
                jobs.append((n, [Op(), SWEEP]))
                meta.append((b, b.out, b.supply_branch, b.vdd))
        results = sim.run_many(jobs, timeout=20.0)
        out = []
        for res, (b, node, branch, vdd) in zip(results, meta):
            if not res.ok:
                out.append({"reason": f"simulation failed: {type(res.error).__name__}"})
                continue
            try:
                ac = res["ac"]
                out.append(measure_arrays(ac.sweep, ac[node], res["op"].value(branch), vdd, b.inverting))
            except (KeyError, ValueError) as exc:
                out.append({"reason": f"measurement failed: {type(exc).__name__}"})
        return out

    return measure


def corpus_topologies(sim: SharedSimulator, want: int, seen: set[str], limit: int) -> list[tuple[Topology, Bench]]:
    """The first ``want`` corpus op-amps (distinct hashes) whose nominal biased deck measures all four targets."""
    cands = []
    for c in iter_corpus(corpus_path(None)):
        if not isinstance(c, CorpusCircuit) or c.family != "opamp" or not c.netlist.ports:
            continue
        ports = [p.upper() for p in c.netlist.ports]
        if "VOUT1" not in ports or "VDD" not in ports:
            continue
        try:
            b = bias_default(c.netlist, PROCESS)
            vdd_dev = b.choice("VDD").device
        except CircuitforgeError:  # a corpus circuit these rules cannot bias is not a candidate
            continue
        if not vdd_dev:
            continue
        name = f"corpus{c.id}"
        net = dataclasses.replace(b.netlist, title=name)
        cands.append((Topology(name, net), Bench("corpus", "VOUT1", vdd_dev.lower() + "#branch", b.vdd)))
        if len(cands) >= limit:
            break
    results = sim.run_many([(t.netlist, [Op(), SWEEP]) for t, _ in cands], timeout=20.0)
    chosen = []
    for (t, b), res in zip(cands, results):
        if len(chosen) >= want or not res.ok:
            continue
        try:
            h = res["ac"][b.out]
            i = res["op"].value(b.supply_branch)
        except (KeyError, ValueError):
            continue
        inverting = bool(np.real(h[0]) < 0)
        m = measure_arrays(res["ac"].sweep, h, i, b.vdd, inverting)
        if "reason" in m or m["gain"] < 10.0 or not 0 < m["pm"] < 180:
            continue
        hsh = canonical_hash(t.netlist)
        if hsh in seen:
            continue
        seen.add(hsh)
        chosen.append((t, dataclasses.replace(b, inverting=inverting)))
    return chosen


def fmt(s: Scores | None, what: str) -> str:
    if s is None:
        return "n/a"
    v = s.r2 if what == "r2" else s.rmse
    return f"{v:.3f}" if math.isfinite(v) else "nan"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=Path(".cache/predictor"), help="dataset and checkpoints")
    ap.add_argument("--corpus-topologies", type=int, default=10, help="corpus op-amps beside the 2 examples")
    ap.add_argument("--scan", type=int, default=200, help="corpus op-amps tried when choosing them")
    ap.add_argument("--samples", type=int, default=150, help="sizings per topology (0 is the nominal one)")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--folds", type=int, default=3, help="folds of the unseen-topology split")
    ap.add_argument("--spread", type=float, nargs=3, default=(2.0, 1.5, 2.0), metavar=("W", "L", "RC"),
                    help="log-uniform factor ranges [1/x, x] of W, L and R/C values")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="also print the scores as JSON")
    args = ap.parse_args()
    torch.set_num_threads(2)
    times: dict[str, float] = {}
    t0 = time.perf_counter()

    with SharedSimulator(args.workers) as sim:
        topos = [example_topology("opamp_miller45"), example_topology("opamp_foldedcascode45")]
        benches = {t.name: Bench("example") for t in topos}
        seen = {canonical_hash(t.netlist) for t in topos}
        for t, b in corpus_topologies(sim, args.corpus_topologies, seen, args.scan):
            topos.append(t)
            benches[t.name] = b
        times["choose topologies"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        spread = dict(zip(("w", "l", "value"), args.spread))
        cache = args.cache / (f"data_{len(topos)}x{args.samples}_s{args.seed}_"
                              + "_".join(f"{x:g}" for x in args.spread))
        data = build_dataset(topos, make_measure(sim, benches, {}), cache, samples=args.samples, seed=args.seed,
                             spread=spread)
        times["dataset (simulate or load)"] = time.perf_counter() - t1

    print(f"\n{data}")
    fails = data.failures_by_topology()
    for t, s in zip(data.topologies, data.spaces):
        n_ok = sum(1 for x in data.ok if data.topologies[x.topology].name == t.name)
        print(f"  {t.name:24s} devices={len(t.netlist.devices):3d} size params={len(s):3d} "
              f"measured={n_ok:4d} failed={fails.get(t.name, 0)}")
    for reason, n in data.failures.most_common(6):
        print(f"  failed: {n:4d} × {reason}")

    ok, y = data.ok, data.y
    cfg = TrainConfig(hidden=args.hidden, epochs=args.epochs, seed=args.seed)
    tag = f"h{cfg.hidden}_l{cfg.layers}_e{cfg.epochs}"
    rows: dict[str, dict] = {}

    # (a) unseen sizings of seen topologies
    t2 = time.perf_counter()
    sa = split_by_sizing(data, 0.2, args.seed)
    ckpt_a = cache / f"gnn_sizing_{tag}.pt"
    res_a = train([data.netlist(ok[i]) for i in sa.train], y[list(sa.train)], ckpt_a, cfg)
    rows["unseen sizings"] = evaluate_split(data, sa, res_a.model, res_a.spec, seed=args.seed)
    rows["unseen sizings"]["n"] = len(sa.test)
    times["train+eval (a) unseen sizings"] = time.perf_counter() - t2

    # (b) unseen topologies: folds pooled
    t3 = time.perf_counter()
    gnn_all, mean_all, y_all, held = [], [], [], []
    for k, sb in enumerate(split_by_topology(data, args.folds, args.seed)):
        res_b = train([data.netlist(ok[i]) for i in sb.train], y[list(sb.train)],
                      cache / f"gnn_topology_fold{k}_{tag}.pt", cfg)
        gnn_all.append(gnn_predict(res_b.model, res_b.spec, [data.netlist(ok[i]) for i in sb.test]))
        mean_all.append(mean_baseline(y[list(sb.train)], len(sb.test)))
        y_all.append(y[list(sb.test)])
        held.append(sb.held_out_topologies)
        if flat_mlp_baseline(data, sb) is not None:
            raise RuntimeError("the flat MLP should not apply to unseen topologies")
    yb = np.concatenate(y_all)
    rows["unseen topologies"] = {"GNN": score(yb, np.concatenate(gnn_all)),
                                 "mean": score(yb, np.concatenate(mean_all)), "MLP": None, "n": len(yb)}
    times[f"train+eval (b) unseen topologies ({args.folds} folds)"] = time.perf_counter() - t3

    PredictorBackend.save_errors(ckpt_a, rmse={t: s.rmse for t, s in rows["unseen sizings"]["GNN"].items()},
                                 r2={t: s.r2 for t, s in rows["unseen sizings"]["GNN"].items()},
                                 rmse_unseen_topology={t: s.rmse for t, s in rows["unseen topologies"]["GNN"].items()})
    backend = PredictorBackend.load(ckpt_a)
    t4 = time.perf_counter()
    backend.predict([data.netlist(s) for s in ok[:200]])
    per = (time.perf_counter() - t4) / min(200, len(ok))
    times["total"] = time.perf_counter() - t0

    print(f"\nTopologies {len(data.topologies)} (hash groups {len(set(data.hashes))}), sizings "
          f"{len(data.samples)}, measured {len(ok)}, failed {len(data.samples) - len(ok)}")
    print(f"Unseen-topology folds held out: {held}")
    print("\n| split | target (unit) | n | GNN R² | GNN RMSE | mean R² | mean RMSE | MLP R² | MLP RMSE |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for split, r in rows.items():
        for t in TARGETS:
            g, m, p = r["GNN"][t], r["mean"][t], None if r["MLP"] is None else r["MLP"][t]
            print(f"| {split} | {t} ({TARGET_UNITS[t]}) | {r['n']} | {fmt(g, 'r2')} | {fmt(g, 'rmse')} | "
                  f"{fmt(m, 'r2')} | {fmt(m, 'rmse')} | {fmt(p, 'r2')} | {fmt(p, 'rmse')} |")
    print("\n| stage | seconds |\n| --- | --- |")
    for k, v in times.items():
        print(f"| {k} | {v:.1f} |")
    print(f"| backend predict, per netlist (batch of 200) | {per * 1e3:.2f} ms |")
    print(f"\n{backend!r}")
    if args.json:
        print(json.dumps({s: {m: None if v is None else {t: dataclasses.asdict(x) for t, x in v.items()}
                              for m, v in r.items() if m != "n"} for s, r in rows.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
