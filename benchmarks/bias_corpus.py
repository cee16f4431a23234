#!/usr/bin/env python3
"""Default biasing of the AnalogGenie corpus: how many operating points converge in range.

Every corpus circuit (``N.cir`` with ``PortN.txt``) goes through
``circuitforge.spice.bias.bias_default`` (sizes, passive values, supplies,
inputs, bias voltages/currents, loads) and one DC operating point in
ngspice (``SharedSimulator(2)``). A circuit passes when the operating point
converges and every node voltage lies in ``[VSS - 0.5, VDD + 0.5]``.

Reproduce (after `make install`, with ../shared/datasets/analoggenie present):

    .venv/bin/python benchmarks/bias_corpus.py                    # whole corpus, generic45
    .venv/bin/python benchmarks/bias_corpus.py --process generic180 --json
    .venv/bin/python benchmarks/bias_corpus.py --limit 200

Outcomes: ``pass``, ``out-of-range`` (converged, a node outside the window),
``no-convergence``, ``deck-error`` (ngspice refused the deck), ``timeout``,
``crash``, ``bias-error`` (bias_default raised, e.g. an undefined subcircuit),
``load-error`` (the corpus file could not be read). Failures are grouped by a
short reason with example ids.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from circuitforge.netlists import CircuitforgeError
from circuitforge.netlists.analoggenie import CorpusError, corpus_path, iter_corpus
from circuitforge.spice import (
    ConvergenceError,
    DeckError,
    Op,
    SharedSimulator,
    SimulationTimeout,
    SimulatorCrash,
)
from circuitforge.spice.bias import BiasedCircuit, bias_default
from circuitforge.spice.models import PROCESSES

OUTCOMES = ("pass", "out-of-range", "no-convergence", "deck-error", "timeout", "crash", "bias-error",
            "load-error")


def _reason(text: str) -> str:
    """A short, id-free reason from an error message or log line."""
    text = text.strip().splitlines()[0] if text.strip() else "no message"
    text = re.sub(r"\b\d+(\.\d+)?(e[-+]?\d+)?\b", "N", text)
    text = re.sub(r"'[^']*'", "'…'", text)
    return text[:110]


def _sim_reason(err: Exception) -> str:
    log = getattr(err, "log", "") or ""
    for pat in (r"singular matrix[^\n]*", r"gmin stepping failed", r"source stepping failed",
                r"[Tt]imestep too small", r"[Uu]nknown (subckt|model|device)[^\n]*",
                r"[Nn]o such[^\n]*", r"[Ee]rror[^\n]*"):
        m = re.search(pat, log)
        if m:
            return _reason(m.group(0))
    return _reason(getattr(err, "message", "") or str(err))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: ../shared/...)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N circuits (0: all)")
    ap.add_argument("--process", default="generic45", choices=PROCESSES, help="process cards and VDD")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per operating point")
    ap.add_argument("--workers", type=int, default=2, help="simulator worker processes")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--examples", type=int, default=6, help="example ids per failure reason")
    args = ap.parse_args()
    try:
        root = corpus_path(args.corpus)
    except CircuitforgeError as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return 0

    outcome: dict[int, str] = {}
    reason: dict[int, str] = {}
    biased: list[tuple[int, BiasedCircuit]] = []
    t0 = time.perf_counter()
    for item in iter_corpus(root):
        if args.limit and len(outcome) + len(biased) >= args.limit:
            break
        if isinstance(item, CorpusError):
            cid = item.id if item.id is not None else -1
            outcome[cid], reason[cid] = "load-error", _reason(item.message)
            continue
        try:
            biased.append((item.id, bias_default(item.netlist, args.process)))
        except CircuitforgeError as exc:
            outcome[item.id], reason[item.id] = "bias-error", _reason(str(exc))
    t_bias = time.perf_counter() - t0

    t1 = time.perf_counter()
    with SharedSimulator(args.workers) as sim:
        results = sim.run_many([(b.netlist, [Op()]) for _, b in biased], timeout=args.timeout,
                               progress=not args.json)
    t_sim = time.perf_counter() - t1

    worst: dict[int, tuple[str, float]] = {}
    stepped: dict[str, list[int]] = defaultdict(list)
    for (cid, b), res in zip(biased, results):
        if res.ok:
            log = res.log.lower()
            how = ("pseudo-transient" if "transient op" in log else
                   "source stepping" if "source stepping" in log else
                   "gmin stepping" if "gmin stepping" in log else "")
            if how:
                stepped[how].append(cid)
            bad = b.out_of_range(res["op"].vectors)
            if not bad:
                outcome[cid] = "pass"
                continue
            node, v = max(bad.items(), key=lambda kv: abs(kv[1]))
            worst[cid] = (node, v)
            outcome[cid] = "out-of-range"
            hi = v > b.vdd
            reason[cid] = f"a node more than 0.5 V {'above VDD' if hi else 'below VSS'}"
            continue
        err = res.error
        if isinstance(err, SimulationTimeout):
            outcome[cid] = "timeout"
        elif isinstance(err, SimulatorCrash):
            outcome[cid] = "crash"
        elif isinstance(err, ConvergenceError):
            outcome[cid] = "no-convergence"
        elif isinstance(err, DeckError):
            outcome[cid] = "deck-error"
        else:
            outcome[cid] = "no-convergence"
        reason[cid] = _sim_reason(err) if err is not None else "unknown"

    total = len(outcome)
    counts = Counter(outcome.values())
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for cid in sorted(outcome):
        if outcome[cid] != "pass":
            groups[(outcome[cid], reason.get(cid, ""))].append(cid)
    fig = {
        "process": args.process,
        "circuits": total,
        "counts": {k: counts.get(k, 0) for k in OUTCOMES},
        "pass_rate": counts.get("pass", 0) / total if total else 0.0,
        "bias_seconds": round(t_bias, 2),
        "simulate_seconds": round(t_sim, 2),
        "failures": [
            {"outcome": o, "reason": r, "count": len(ids), "examples": ids[: args.examples]}
            for (o, r), ids in sorted(groups.items(), key=lambda kv: -len(kv[1]))
        ],
        "converged_via": {k: {"count": len(v), "examples": v[: args.examples]} for k, v in stepped.items()},
        "out_of_range_worst": {str(c): {"node": n, "v": round(v, 3)} for c, (n, v) in sorted(worst.items())},
        "reproduce": f".venv/bin/python benchmarks/bias_corpus.py --process {args.process}"
                     + (f" --limit {args.limit}" if args.limit else ""),
    }
    if args.json:
        print(json.dumps(fig, indent=2))
        return 0
    print(f"\nAnalogGenie corpus, default biasing with process {args.process}: {total} circuits")
    print(f"  bias_default: {t_bias:.1f} s, operating points: {t_sim:.1f} s ({args.workers} workers)")
    for k in OUTCOMES:
        n = counts.get(k, 0)
        print(f"  {k:15s} {n:5d}  {100 * n / total if total else 0:5.1f}%")
    print(f"  pass rate (converged, all nodes in [VSS-0.5, VDD+0.5]): {100 * fig['pass_rate']:.1f}%")
    for k, v in stepped.items():
        print(f"  converged only through {k}: {len(v)}  [{', '.join(map(str, v[: args.examples]))}]")
    if groups:
        print("\nfailures by reason (count, examples):")
        for f in fig["failures"]:  # type: ignore[union-attr]
            ex = ", ".join(str(i) for i in f["examples"])
            print(f"  {f['count']:4d}  {f['outcome']}: {f['reason']}  [{ex}]")
    print(f"\nreproduce: {fig['reproduce']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
