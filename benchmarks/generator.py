#!/usr/bin/env python3
"""Grammar-guided topology generator: validity, ngspice validity, novelty and uniqueness per type.

For each circuit type, ``-n`` samples from the shipped model with the grammar's mask
(``constrained``), ``-n`` from the same model without it (``unconstrained``), and the corpus
circuits of that family themselves (``corpus``), all through the same metrics, every item in
the denominator (nothing is dropped, malformed samples included):

- structural: the independent checker (``generators/topology/checks.py``) finds nothing and the
  sequence finished with ``<eos>`` within 320 tokens;
- ngspice: ``bias_default`` (generic45) + one DC operating point with ``SharedSimulator``;
  converged with every node in [VSS-0.5, VDD+0.5] (what ``benchmarks/bias_corpus.py`` counts);
  an unconstrained sample that did not finish (malformed or cut off) has no circuit and counts
  as a failure (``unfinished``) without a simulation;
- novel: the canonical hash (port names kept) is that of no corpus circuit, read from the
  hashes shipped with the weights; where the corpus is present, hash-equal samples are checked
  with ``same_circuit`` and a collision (equal hash, different circuit) is reported and counted
  novel; for the corpus rows novelty is 0 by definition;
- at limit: samples of at least 310 tokens, closed by the grammar's length budget rather than
  ended by the model (the longest corpus circuit takes 300; the limit is 320);
- unique: distinct canonical hashes / count; VNU: structurally and ngspice-valid, novel, and the
  first sample of its hash / count (the AnalogToBi "valid and novel" with uniqueness, every sample
  counted).

Reproduce (after `make install`, with ../shared/datasets/analoggenie present):

    .venv/bin/python benchmarks/generator.py                       # 1,000 per type, 3 largest families
    .venv/bin/python benchmarks/generator.py -n 100 --types opamp lna mixer
    .venv/bin/python benchmarks/generator.py --types all -n 200 --json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import torch

from circuitforge.generators.topology import generate, load_generator, structural_problems
from circuitforge.generators.topology.evaluate import metrics, ngspice_valid
from circuitforge.graph.hashing import canonical_hash, same_circuit
from circuitforge.netlists import CircuitforgeError
from circuitforge.netlists.analoggenie import CorpusError, corpus_path, iter_corpus

LARGEST = ("sc_sampler", "opamp", "ldo")


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000, help="samples per type and sampler")
    ap.add_argument("--types", nargs="+", default=list(LARGEST), help="families, or 'all'")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--weights", type=Path, default=None, help="checkpoint (default: the shipped weights)")
    ap.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: ../shared/...)")
    ap.add_argument("--process", default="generic45")
    ap.add_argument("--workers", type=int, default=2, help="ngspice worker processes")
    ap.add_argument("--no-unconstrained", action="store_true", help="skip the unconstrained sampler")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    torch.set_num_threads(1)
    t_start = time.perf_counter()
    gen = load_generator(args.weights)
    types = list(gen.vocab.families) if args.types == ["all"] else args.types

    corpus: dict[str, list] = {}
    by_hash: dict[str, list] = {}
    try:
        root = corpus_path(args.corpus)
        for c in iter_corpus(root):
            if isinstance(c, CorpusError):
                continue
            corpus.setdefault(c.family, []).append(c)
            by_hash.setdefault(canonical_hash(c.netlist), []).append(c.netlist)
    except CircuitforgeError as exc:
        print(f"corpus rows and collision checks skipped: {exc}", file=sys.stderr)

    rows = []
    for family in types:
        for sampler in ("constrained", "unconstrained", "corpus"):
            if sampler == "unconstrained" and args.no_unconstrained:
                continue
            t0 = time.perf_counter()
            collisions = 0
            if sampler == "corpus":
                items = corpus.get(family, [])
                if not items:
                    continue
                nets = [c.netlist for c in items]
                structural = [not structural_problems(n) for n in nets]
                hashes = [canonical_hash(n) for n in nets]
                novel = [False] * len(nets)
                finished = [True] * len(nets)
                at_limit = 0
                t_sample = 0.0
            else:
                samples = generate(family, args.n, seed=args.seed, temperature=args.temperature,
                                   constrained=sampler == "constrained", model=gen, progress=not args.json)
                t_sample = time.perf_counter() - t0
                nets = [s.netlist for s in samples]
                structural = [s.structurally_valid for s in samples]
                hashes = [s.hash for s in samples]
                finished = [s.finished for s in samples]
                at_limit = sum(len(s.tokens) >= 310 for s in samples)
                novel = []
                for s in samples:
                    nv = s.novel
                    if not nv and by_hash:
                        if not any(same_circuit(s.netlist, other) for other in by_hash.get(s.hash, [])):
                            nv, collisions = True, collisions + 1
                    novel.append(nv)
            t1 = time.perf_counter()
            verdicts = ngspice_valid(nets, process=args.process, workers=args.workers, progress=not args.json,
                                     finished=finished)
            t_sim = time.perf_counter() - t1
            m = metrics(nets, structural=structural, ngspice=[ok for ok, _ in verdicts], novel=novel, hashes=hashes)
            fails = Counter(o for ok, o in verdicts if not ok)
            rows.append({"type": family, "sampler": sampler, **m.as_dict(), "collisions": collisions,
                         "finished": sum(finished) / max(len(finished), 1), "at_limit": at_limit / max(len(nets), 1),
                         "op_failures": dict(fails.most_common()), "sample_seconds": round(t_sample, 1),
                         "simulate_seconds": round(t_sim, 1)})
            if not args.json:
                print(f"{family:12s} {sampler:13s} n={m.count:5d} structural {_pct(m.structural):>7s} "
                      f"ngspice {_pct(m.ngspice):>7s} novel {_pct(m.novel):>7s} unique {_pct(m.unique):>7s} "
                      f"VNU {_pct(m.valid_novel_unique):>7s}  ({t_sample:.0f} s sampling, {t_sim:.0f} s OP)",
                      flush=True)
    wall = time.perf_counter() - t_start
    fig = {"n": args.n, "seed": args.seed, "temperature": args.temperature, "process": args.process,
           "weights": str(args.weights or "shipped"), "record": {k: gen.record.get(k) for k in
                                                                  ("epochs", "seconds", "losses", "val_losses")},
           "rows": rows, "wall_seconds": round(wall, 1)}
    if args.json:
        print(json.dumps(fig, indent=2))
        return 0
    print("\n| type | sampler | n | finished | structurally valid | ngspice-valid | novel | unique "
          "| valid+novel+unique | mean devices | at length limit |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['type']} | {r['sampler']} | {r['count']:,} | {_pct(r['finished'])} | {_pct(r['structural'])} | "
              f"{_pct(r['ngspice'])} | "
              f"{_pct(r['novel'])} | {_pct(r['unique'])} | {_pct(r['valid_novel_unique'])} | "
              f"{r['mean_devices']:.1f} | {_pct(r['at_limit'])} |")
    print("\nngspice failures by outcome:")
    for r in rows:
        if r["op_failures"]:
            print(f"  {r['type']} {r['sampler']}: {r['op_failures']}")
    coll = sum(r["collisions"] for r in rows)
    print(f"hash-equal samples that same_circuit found different from every corpus circuit: {coll}")
    print(f"wall time {wall:.0f} s; reproduce: .venv/bin/python benchmarks/generator.py -n {args.n} "
          f"--types {' '.join(args.types)} --seed {args.seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
