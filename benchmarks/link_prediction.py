"""Link prediction on held-out AnalogGenie circuits: the shipped model beside every baseline.

Protocol (issue 7): circuits split 75/10/15 by topology hash (seed 0; duplicates of one
topology share a part). On every test circuit each device is cut in turn, either whole
(``device``: all its terminals) or one seeded terminal (``terminal``); every cut terminal
ranks the circuit's remaining nets plus "a new net". Ties count as random (expected values).

Reproduce:
    .venv/bin/circuitforge train-linkpred      # trains the link predictor (see --help for --out)
    .venv/bin/python benchmarks/link_prediction.py [--weights PATH]   # per-kind tables always printed
"""

from __future__ import annotations

import argparse
import time

from circuitforge.generators.linkpred import evaluate, load_corpus_split, load_predictor
from circuitforge.generators.linkpred.metrics import kinds_in


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default=None)
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    data = load_corpus_split(args.corpus, seed=args.seed)
    pred = load_predictor(args.weights)
    hs = data.split.hashes
    overlap = {hs[i] for i in data.split.train} & {hs[i] for i in data.split.test}
    print(f"split {data.split}; train/test topology-hash overlap: {len(overlap)}")
    print(f"model trained in {pred.record.get('seconds', '?')} s, {pred.record.get('epochs', '?')} epochs")
    rep = evaluate(pred, data.train, data.test, seed=args.seed)
    for mode, res in rep.results.items():
        any_s = next(iter(res.values()))
        print(f"\n## {mode} cut — {any_s.devices['all']} devices, {any_s.terminals['all']} terminals, "
              f"{rep.circuits} test circuits")
        print("| scorer | top-1 | top-3 | MRR | whole device |\n|---|---|---|---|---|")
        for name, s in res.items():
            m = s.metrics["all"]
            print(f"| {name} | {m['top1']:.3f} | {m['top3']:.3f} | {m['mrr']:.3f} | {m['device']:.3f} |")
        print(f"\n{mode} cut, top-1 per terminal by kind (terminals)")
        kinds = kinds_in(any_s)
        print("| scorer | " + " | ".join(f"{k} ({any_s.terminals[k]})" for k in kinds) + " |")
        print("|---" * (len(kinds) + 1) + "|")
        for name, s in res.items():
            print(f"| {name} | " + " | ".join(f"{s.metrics[k]['top1']:.3f}" for k in kinds) + " |")
        print(f"\n{mode} cut, whole-device accuracy by kind (devices)")
        print("| scorer | " + " | ".join(f"{k} ({any_s.devices[k]})" for k in kinds) + " |")
        print("|---" * (len(kinds) + 1) + "|")
        for name, s in res.items():
            print(f"| {name} | " + " | ".join(f"{s.metrics[k]['device']:.3f}" for k in kinds) + " |")
        base = max(v.metrics["all"]["top1"] for k, v in res.items() if k != "gnn")
        gnn = res["gnn"].metrics["all"]["top1"]
        print(f"\ngoal (top-1 >= best baseline + 0.10): gnn {gnn:.3f} vs best baseline {base:.3f} "
              f"→ {'met' if gnn >= base + 0.10 else 'NOT met'} ({100 * (gnn - base):+.1f} points)")
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
