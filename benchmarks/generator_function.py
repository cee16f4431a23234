#!/usr/bin/env python3
"""Do the circuits work? Generated and corpus op-amps sized under one fixed budget, every circuit counted.

The generator-function benchmark of issue 15, three sources side by side in one run:

- ``corpus``: the op-amps of the AnalogGenie corpus (family ``opamp``; ``--limit N`` draws N of them
  with a seeded choice): the rate real, expert-drawn topologies reach under this protocol;
- ``generated``: ``--generated N`` samples of :func:`circuitforge.generators.topology.generate`
  as a user gets them (seed ``--seed``, ``--temperature``): the interface grammar, the length
  prior and, for op-amps, the weights fine-tuned with an ngspice reward (``--weights PATH``
  for another checkpoint);
- ``pretrained``: ``--pretrained N`` samples the same way from the corpus-trained weights alone
  (what the fine-tuning started from);
- ``plain``: ``--plain N`` samples of the corpus-trained weights with the grammar of issue 6 alone
  (no family interface or electrical rules, no length prior:
  ``generate(..., interface=False, length_prior=False)``), the generator before the
  interface-aware grammar;
- ``unconstrained``: ``--unconstrained N`` samples of the same model without the grammar.

Every sample and circuit goes through the same protocol:

0. valid (samples): the sequence finished and the structural checker found nothing; a sample that
   did not finish or is not structurally valid stops here, counted with the checker's first reason;
1. interface: the op-amp ports (supplies, two inputs, an output, bias ports) are found; a circuit with
   one input is a single-input amplifier (measured by the open-loop deck's output servo, inverting or
   not), or an op-amp drawn as a follower when its input pair's second gate is on the output (that
   gate becomes the inverting input: :func:`circuitforge.rl.sizing.derive.open_follower`);
2. problem: :meth:`SizingProblem.from_netlist` derives the sizing parameters, ranges and start point;
3. simulates: the start design's OP + AC deck runs and gives a gain;
4. modest: CMA-ES (seeded, ``--budget`` simulations, 60 by default) sizes it for
   ``gain>=40dB,ugbw>=10MHz,pm>=45deg`` and stops at the first design that meets it
   (``clauses``), and that design of a single-ended op-amp is an op-amp: its CMRR is at least
   ``--cmrr`` dB (20 by default; fully differential op-amps and single-input amplifiers are not
   checked). The check is there
   because the open-loop testbench drives one input and servoes the other, so a circuit whose
   inputs push the output the same way meets the clauses: the first RL fine-tuning learned such
   circuits (``clauses`` 70.8 %, CMRR -8 to -23 dB);
5. medium: where the modest run succeeded, a second CMA-ES run (same budget and seed, same CMRR
   check) sizes it for ``gain>=50dB,ugbw>=30MHz,pm>=60deg,power<=500uW`` (a circuit that cannot meet the modest spec
   is counted as failing the medium one without a run).

``--family ldo`` runs the same protocol on LDOs (:class:`~circuitforge.rl.sizing.ldo.LdoSizingProblem`:
one LDO-testbench simulation per design, VREF = VIN/3, 1 mA load, 100 pF) with the LDO specs
``LDO_MODEST`` and ``LDO_MEDIUM`` of :mod:`circuitforge.rl.sizing.ldo` (output, dropout, line
regulation, PSRR at 1 kHz, load-step undershoot) and no CMRR check; the generated LDOs come from the
corpus-trained weights (no LDO fine-tuning ships) under the LDO interface grammar with its
pass-device rule; ``--no-corpus`` skips the corpus reference (the corpus is still read for novelty).
``--family comparator`` runs it on comparators
(:class:`~circuitforge.rl.sizing.comparator.ComparatorSizingProblem`: one ``decide`` transient per
design, ±10 mV through 1 kΩ, 20 fF per output, a 10 ns clock when there is one) with
``COMPARATOR_MODEST`` (``decision>=1,delay<=5ns``) and ``COMPARATOR_MEDIUM``
(``decision>=1,delay<=1ns,power<=100uW``); ``--verify`` then measures the input offset of every design
that met a spec on the second (ramp) deck. The specs per family are
:data:`~circuitforge.rl.sizing.quick.FAMILY_SPECS`.

Every circuit stays in the denominator: one that is invalid, has no interface, no problem or no
simulating start counts as failing both specs, and every failure is grouped by its reason (for runs
that did not meet a spec: which clauses the best design still missed). A sample is novel when no
corpus circuit (any family) has its canonical hash, or when those that do are not the same circuit
(:func:`~circuitforge.graph.hashing.same_circuit`: a hash collision, counted apart). ``distinct``
counts canonical hashes; ``distinct modest`` those among the samples that met the modest spec, and
``distinct modest, parallel copies merged`` the same after dropping devices in parallel with an
identical one (:func:`merged_hash`: otherwise 1, 2 or 3 copies of one inverter count as three
topologies); ``distinct modest cores`` the same over the devices on a signal path from an input to
the output only (:func:`core_hash`: devices padding a circuit on nets no signal crosses change the
canonical hash without changing the amplifier).

Reproduce (after `make install`, with ../shared/datasets/analoggenie present):

    .venv/bin/python benchmarks/generator_function.py --process generic180 --generated 100 --limit 60
    .venv/bin/python benchmarks/generator_function.py --limit 40 --generated 0  # corpus subset only
    .venv/bin/python benchmarks/generator_function.py --workers 2 --json       # whole op-amp family + 100
    .venv/bin/python benchmarks/generator_function.py --family ldo --process generic180 --limit 60 --generated 60
    .venv/bin/python benchmarks/generator_function.py --family ldo --process generic180 --no-corpus --generated 60
    .venv/bin/python benchmarks/generator_function.py --family comparator --process generic180 --generated 100 --verify
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from circuitforge.generators.topology import DEFAULT_WEIGHTS, generate
from circuitforge.generators.topology.interface import signal_edges
from circuitforge.graph.hashing import canonical_hash, same_circuit
from circuitforge.netlists import CircuitforgeError, Netlist
from circuitforge.netlists.analoggenie import CorpusError, corpus_path, iter_corpus
from circuitforge.rl.sizing.comparator import design_offset as comparator_offset
from circuitforge.rl.sizing.quick import CMRR_MIN, FAMILY_SPECS, PROBLEMS, missed_clauses, quick_size, short_reason
from circuitforge.rl.sizing.spec import Spec, parse_spec
from circuitforge.spice import SharedSimulator
from circuitforge.spice.models import PROCESSES

SPECS = FAMILY_SPECS
"""The modest and medium spec per family (:data:`circuitforge.rl.sizing.quick.FAMILY_SPECS`)."""
SIGNAL = {"opamp": (("VIN1", "VIN2"), ("VOUT1", "VOUT2")), "ldo": (("VREF1",), ("VOUT1",)),
          "comparator": (("VIN1", "VIN2"), ("VOUT1", "VOUT2"))}
"""Signal inputs and outputs per family, for :func:`core_hash`."""
SOURCES = ("corpus", "generated", "pretrained", "plain", "unconstrained")


@dataclass
class Row:
    """One circuit through the protocol; ``reason`` says where and why it stopped."""

    source: str
    id: str
    devices: int
    valid: bool = True
    novel: bool | None = None
    collision: bool = False
    hash: str = ""
    interface: bool = False
    problem: bool = False
    params: int = 0
    simulates: bool = False
    modest: bool = False
    medium: bool = False
    clauses: bool = False
    """The modest spec's clauses met, differential or not (the figure before the CMRR check)."""
    cmrr: float | None = None
    merged: str = ""
    """Canonical hash with parallel duplicates merged (:func:`merged_hash`)."""
    core: str = ""
    """Merged hash of the devices on an input-to-output signal path (:func:`core_hash`)."""
    sims_modest: int = 0
    sims_medium: int = 0
    verified: bool | None = None
    """With ``--verify``: the design that met the highest spec passes the closed-loop check."""
    closed_loop: dict[str, float | None] = field(default_factory=dict)
    verify_reason: str = ""
    best: dict[str, float | None] = field(default_factory=dict)
    reason: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Item:
    """A circuit to judge: where it came from, its id, and the netlist (None with a load error).

    For a generated sample: ``valid`` (finished and structurally valid; else ``error`` holds the
    first reason), ``novel`` (confirmed with ``same_circuit``; None for corpus circuits),
    ``collision`` (its hash is a corpus hash but no corpus circuit with it is the same circuit).
    """

    source: str
    id: str
    netlist: Netlist | None
    error: str = ""
    valid: bool = True
    novel: bool | None = None
    collision: bool = False
    hash: str = ""


def corpus_items(root: Path | None, family: str, limit: int, seed: int,
                 by_hash: dict[str, list[Netlist]] | None = None) -> Iterator[Item]:
    """The corpus circuits of ``family`` (a seeded choice of ``limit`` of them when ``limit`` > 0).

    ``by_hash``, when given, is filled with every corpus circuit (all families) by canonical hash.
    """
    items = []
    for c in iter_corpus(root):
        if isinstance(c, CorpusError):
            continue  # family unknown without the netlist; counted by benchmarks/parse_corpus.py
        if by_hash is not None:
            h = canonical_hash(c.netlist)
            by_hash.setdefault(h, []).append(c.netlist)
        if c.family == family:
            items.append(Item("corpus", str(c.id), c.netlist, hash=h if by_hash is not None else ""))
    if limit and limit < len(items):
        items = sorted(random.Random(seed).sample(items, limit), key=lambda i: int(i.id))
    yield from items


def generated_items(family: str, n: int, *, seed: int, temperature: float, source: str,
                    by_hash: dict[str, list[Netlist]], weights: Path | None = None) -> list[Item]:
    """``n`` samples of a topology model (with the grammar or without), all of them: ``generated``
    from ``weights`` (default: what ``generate`` samples by default, the fine-tuned checkpoint
    where one ships), the other sources from the corpus-trained weights.

    Novelty is the sample's own verdict (hash not among the corpus hashes shipped with the
    weights), confirmed against ``by_hash`` (the corpus on disk) when given: novel when no corpus
    circuit with the sample's hash is :func:`same_circuit` (hash equal but circuit not: a collision).
    """
    full = source in ("generated", "pretrained")
    model = weights if source == "generated" else DEFAULT_WEIGHTS
    items = []
    for i, s in enumerate(generate(family, n, seed=seed, temperature=temperature, model=model,
                                   constrained=source != "unconstrained", interface=full, length_prior=full)):
        novel, collision = s.novel, False
        if by_hash:  # the corpus on disk decides; without it, the hash set shipped with the weights
            same = [o for o in by_hash.get(s.hash, []) if same_circuit(s.netlist, o)]
            novel, collision = not same, s.hash in by_hash and not same
        first = re.sub(r"\b(?:[A-Za-z]+\d+|\d+)\b", "X", s.problems[0]) if s.problems else "no reason given"
        error = "" if s.structurally_valid else f"{'unfinished' if not s.finished else 'invalid'}: {short_reason(first)}"
        items.append(Item(source, str(i), s.netlist, error=error, valid=s.structurally_valid, novel=novel,
                          collision=collision, hash=s.hash))
    return items


def merged_hash(netlist: Netlist) -> str:
    """The canonical hash of ``netlist`` with devices in parallel with an identical one dropped
    (same kind and model on the same nets; a MOSFET's drain and source, a two-pin device's pins, in
    either order). Widths are sized anyway, so two copies of a device are one device twice as wide:
    counting topologies by this hash keeps "distinct" from counting copies."""
    seen, keep = set(), []
    for d in netlist.devices:
        t = dict(d.terminals)
        if d.kind == "mosfet":
            key = (d.kind, d.model, frozenset((t["d"], t["s"])), t["g"], t.get("b"))
        elif len(d.terminals) == 2:
            key = (d.kind, d.model, frozenset(d.nets))
        else:
            key = (d.kind, d.model, d.terminals)
        if key not in seen:
            seen.add(key)
            keep.append(d)
    return canonical_hash(dataclasses.replace(netlist, devices=keep))


def core_hash(netlist: Netlist, inputs: tuple[str, ...] = ("VIN1", "VIN2"),
              outputs: tuple[str, ...] = ("VOUT1", "VOUT2")) -> str:
    """:func:`merged_hash` of the devices with a terminal on a signal net: a net that an input
    reaches and that reaches an output along transistor signal edges (gate → drain, gate → source,
    source → drain: :func:`~circuitforge.generators.topology.interface.signal_edges`), never
    through a rail or another port, or an input or output itself. Bias networks feeding gates
    drop out with the padding; what is left is the amplifier's signal core."""
    ports = set(netlist.ports) | {"0"}
    ins, outs = [i for i in inputs if i in ports], [o for o in outputs if o in ports]
    fwd: dict[str, set[str]] = defaultdict(set)
    bwd: dict[str, set[str]] = defaultdict(set)
    for d in netlist.devices:
        t = dict(d.terminals)
        nets = (t.get("d"), t.get("g"), t.get("s")) if d.kind == "mosfet" else (
            (t.get("c"), t.get("b"), t.get("e")) if d.kind == "bjt" else None)
        if nets is None or None in nets:
            continue
        for a, b in signal_edges("nmos", nets):
            fwd[a].add(b)
            bwd[b].add(a)

    def reach(starts: list[str], adj: dict[str, set[str]]) -> set[str]:
        seen, todo = set(starts), list(starts)
        while todo:
            for v in adj[todo.pop()]:
                if v not in seen and v not in ports:
                    seen.add(v)
                    todo.append(v)
        return seen

    signal = (reach(ins, fwd) & reach(outs, bwd)) | set(ins) | set(outs)
    keep = [d for d in netlist.devices if any(net in signal for net in d.nets)]
    return merged_hash(dataclasses.replace(netlist, devices=keep))


VERIFY_OFFSET = 0.02
"""V: the largest |output - input| of the unity-gain follower at DC that the closed-loop check accepts."""


def closed_loop(problem: Any, x: tuple[float, ...], sim: Any) -> tuple[bool, dict[str, float | None], str]:
    """The independent check of an op-amp design (``--verify``): other testbenches than the open-loop
    one it was sized in (:func:`~circuitforge.spice.measure.measure_opamp`): as a unity-gain follower
    its output must sit within :data:`VERIFY_OFFSET` of the input at DC and settle to 1 % after a
    step; the figures (offset, settling, slew, swing, PSRR) are kept. Returns (passed, figures, why)."""
    from circuitforge.spice.measure import measure_opamp
    m = measure_opamp(problem.netlist_for(x), problem.process, which=("offset", "settling", "slew", "swing", "psrr"),
                      simulate=sim.run, ports=problem.ports_for(x), subckt=problem.subckt, cl=problem.cl,
                      tran_stop=1e-6)
    figs = {k: v.value for k, v in m.items()}
    if figs["offset"] is None:
        return False, figs, f"follower offset: {short_reason(m['offset'].reason or 'none')}"
    if abs(figs["offset"]) > VERIFY_OFFSET:
        return False, figs, f"follower offset {figs['offset'] * 1e3:.0f} mV"
    if figs["settling"] is None:
        return False, figs, f"follower step: {short_reason(m['settling'].reason or 'none')}"
    return True, figs, ""


COMPARATOR_VERIFY_OFFSET = 0.01
"""V: the largest input offset (the ramp deck) the comparator check accepts: the overdrive of the
decisions the sizing asked for."""


def comparator_check(problem: Any, x: tuple[float, ...], sim: Any) -> tuple[bool, dict[str, float | None], str]:
    """The independent check of a comparator design (``--verify``): its input offset from the second
    deck (:func:`circuitforge.rl.sizing.comparator.design_offset`: a DC sweep, or 40 clocked decisions
    on a ±20 mV ramp), which the sizing deck (four decisions at ±10 mV) never ran, must be measurable
    (one clean flip) and within :data:`COMPARATOR_VERIFY_OFFSET`. Returns (passed, figures, why)."""
    off, why = comparator_offset(problem, x, sim)
    if off is None:
        return False, {"offset": None}, f"offset: {short_reason(why or 'none')}"
    if abs(off) > COMPARATOR_VERIFY_OFFSET:
        return False, {"offset": off}, f"offset {off * 1e3:.1f} mV"
    return True, {"offset": off}, ""


def judge(item: Item, *, process: str, budget: int, seed: int, sim: Any, modest: Spec, medium: Spec,
          cmrr_min: float | None = CMRR_MIN, family: str = "opamp", verify: bool = False) -> Row:
    """Run one circuit through the protocol (module docstring; :func:`quick_size` per spec)."""
    t0 = time.perf_counter()
    row = Row(item.source, item.id, len(item.netlist.devices) if item.netlist is not None else 0,
              valid=item.valid, novel=item.novel, collision=item.collision, hash=item.hash,
              merged=merged_hash(item.netlist) if item.netlist is not None else "",
              core=core_hash(item.netlist, *SIGNAL[family]) if item.netlist is not None else "")
    try:
        if not item.valid:
            row.reason = item.error
            return row
        if item.netlist is None:
            row.reason = f"load: {short_reason(item.error)}"
            return row
        q = quick_size(item.netlist, modest, process=process, budget=budget, seed=seed, simulator=sim,
                       cmrr_min=cmrr_min, family=family)
        row.interface, row.problem, row.simulates = q.has_interface, q.has_problem, q.simulates
        row.params, row.sims_modest, row.best, row.modest = q.params, q.sims, q.best, q.met
        row.cmrr, row.clauses = q.cmrr, q.met or q.reason.startswith("missed: cmrr")
        if not q.met:
            row.reason = f"modest {q.reason}" if q.stage == "missed" else q.reason
            return row
        q2 = quick_size(item.netlist, medium, process=process, budget=budget, seed=seed, simulator=sim,
                        problem=q.problem, cmrr_min=cmrr_min, family=family)
        row.sims_medium, row.medium = q2.sims, q2.met
        if verify and family in ("opamp", "comparator"):
            top = q2 if q2.met else q
            assert top.problem is not None and top.design is not None
            check = closed_loop if family == "opamp" else comparator_check
            row.verified, row.closed_loop, why = check(top.problem, top.design, sim)
            row.verify_reason = f"{'closed loop' if family == 'opamp' else 'check'}: {why}" if why else ""
        if not q2.met:
            row.reason = (f"medium {q2.reason}" if q2.reason.startswith("missed: cmrr")
                          else f"medium missed: {missed_clauses(medium, q2.best)}")
        return row
    finally:
        row.seconds = time.perf_counter() - t0


def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.1f} %)" if n else "0/0"


def summary(rows: list[Row]) -> dict[str, Any]:
    """Totals over ``rows`` (every row in every denominator) and failures grouped by reason."""
    n = len(rows)
    keys = ("valid", "interface", "problem", "simulates", "clauses", "modest", "medium", "novel", "collision")
    totals = {k: sum(bool(getattr(r, k)) for r in rows) for k in keys}
    if any(r.verified is not None for r in rows):  # --verify: of those meeting a spec, how many hold
        totals["modest_verified"] = sum(bool(r.modest and r.verified) for r in rows)
        totals["medium_verified"] = sum(bool(r.medium and r.verified) for r in rows)
        totals["verify_failures"] = dict(Counter(r.verify_reason for r in rows if r.verified is False).most_common())
        offs = sorted(abs(v) for r in rows if (v := r.closed_loop.get("offset")) is not None)
        totals["median_check_offset"] = offs[len(offs) // 2] if offs else None
    totals["distinct"] = len({r.hash for r in rows if r.hash})
    totals["distinct_modest"] = len({r.hash for r in rows if r.hash and r.modest})
    totals["distinct_modest_merged"] = len({r.merged for r in rows if r.merged and r.modest})
    totals["distinct_modest_cores"] = len({r.core for r in rows if r.core and r.modest})
    reasons: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if not r.modest:
            reasons[r.reason or "unknown"].append(r.id)
    medium_reasons = Counter(r.reason for r in rows if r.modest and not r.medium)
    devs = sorted(r.devices for r in rows)
    return {"n": n, **totals,
            "median_devices": devs[len(devs) // 2] if devs else 0,
            "median_sims_modest": sorted(r.sims_modest for r in rows if r.modest)[totals["modest"] // 2]
            if totals["modest"] else None,
            "modest_failures": {k: {"count": len(v), "examples": v[:6]}
                                for k, v in sorted(reasons.items(), key=lambda kv: -len(kv[1]))},
            "medium_failures_after_modest": dict(medium_reasons.most_common())}


def _cell(s: dict[str, Any], key: str) -> str:
    if s[key] is None:
        return "—"
    return f"{s[key]} ({100 * s[key] / s['n']:.1f} %)" if s["n"] else "0"


def print_table(figures: dict[str, dict[str, Any]]) -> None:
    """The totals per source as a markdown table (the README's columns)."""
    cols = ("valid", "interface", "problem", "simulates", "clauses", "modest", "medium", "novel")
    print("| source | n | " + " | ".join(cols) + " | distinct | distinct modest | distinct modest, parallel "
          "copies merged | distinct modest cores | median devices | median sims to modest |")
    print("|---|" + "---|" * (len(cols) + 7))
    for src, s in figures.items():
        cells = [_cell(s, k) for k in cols]
        print(f"| {src} | {s['n']} | " + " | ".join(cells) + f" | {s['distinct']} | {s['distinct_modest']} "
              f"| {s['distinct_modest_merged']} | {s['distinct_modest_cores']} "
              f"| {s['median_devices']} | {s['median_sims_modest'] if s['median_sims_modest'] is not None else '—'} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: ../shared/...)")
    ap.add_argument("--family", default="opamp", choices=tuple(PROBLEMS),
                    help="family with a sizing testbench (specs: SPECS; the CMRR check is for op-amps)")
    ap.add_argument("--limit", type=int, default=0, help="a seeded choice of N corpus circuits (0: all)")
    ap.add_argument("--no-corpus", action="store_true", help="skip the corpus reference (samples only)")
    ap.add_argument("--generated", type=int, default=100, help="samples of the model with the grammar (0: none)")
    ap.add_argument("--weights", type=Path, default=None,
                    help="checkpoint of the generated source (default: generate()'s, fine-tuned for op-amps)")
    ap.add_argument("--pretrained", type=int, default=0,
                    help="samples of the corpus-trained weights with the interface grammar and length prior")
    ap.add_argument("--plain", type=int, default=0,
                    help="samples with the grammar alone (no family interface, no length prior)")
    ap.add_argument("--unconstrained", type=int, default=0, help="samples of the model without the grammar")
    ap.add_argument("--temperature", type=float, default=1.0, help="sampling temperature")
    ap.add_argument("--seed", type=int, default=0, help="seed of the subset, the samples and CMA-ES")
    ap.add_argument("--budget", type=int, default=60, help="simulations per sizing run")
    ap.add_argument("--cmrr", type=float, default=CMRR_MIN,
                    help="dB of CMRR a single-ended op-amp needs at the design that meets a spec (0: no check)")
    ap.add_argument("--process", default="generic45", choices=PROCESSES, help="process cards and VDD")
    ap.add_argument("--workers", type=int, default=2, help="ngspice worker processes")
    ap.add_argument("--json", action="store_true", help="print rows and figures as JSON")
    ap.add_argument("--rows", action="store_true", help="print one line per circuit")
    ap.add_argument("--json-out", type=Path, default=None, help="also write the JSON (rows and figures) here")
    ap.add_argument("--verify", action="store_true",
                    help="check every design that met a spec in other testbenches: op-amps as unity-gain "
                         "followers (DC offset and step settling; slew, swing, PSRR kept), comparators by "
                         "their input offset (ramp deck, within 10 mV)")
    args = ap.parse_args()
    for name in ("limit", "generated", "pretrained", "plain", "unconstrained"):
        if getattr(args, name) < 0:
            ap.error(f"--{name} must be >= 0 (got {getattr(args, name)})")
    try:
        root = corpus_path(args.corpus)
    except CircuitforgeError as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return 0
    modest, medium = (parse_spec(t) for t in SPECS[args.family])
    cmrr = (args.cmrr or None) if args.family == "opamp" else None
    t0 = time.perf_counter()
    by_hash: dict[str, list[Netlist]] = {}
    items = list(corpus_items(root, args.family, args.limit, args.seed, by_hash))
    if args.no_corpus:  # read for the novelty hashes all the same, but not judged
        items = []
    for count, source in ((args.generated, "generated"), (args.pretrained, "pretrained"), (args.plain, "plain"),
                          (args.unconstrained, "unconstrained")):
        if count:
            items += generated_items(args.family, count, seed=args.seed, temperature=args.temperature,
                                     source=source, by_hash=by_hash, weights=args.weights)
    rows: list[Row] = []
    with SharedSimulator(args.workers) as sim:
        for i, item in enumerate(items):
            row = judge(item, process=args.process, budget=args.budget, seed=args.seed, sim=sim,
                        modest=modest, medium=medium, cmrr_min=cmrr, family=args.family, verify=args.verify)
            rows.append(row)
            if args.rows and not args.json:
                print(f"[{i + 1}/{len(items)}] {row.source} {row.id:>5} dev={row.devices:<3} "
                      f"par={row.params:<3} sim={int(row.simulates)} modest={int(row.modest)} "
                      f"medium={int(row.medium)} n={row.sims_modest:<3} {row.seconds:5.1f}s {row.reason}",
                      flush=True)
    wall = time.perf_counter() - t0
    figures = {src: summary([r for r in rows if r.source == src]) for src in SOURCES
               if any(r.source == src for r in rows)}
    if "corpus" in figures:  # the reference, not candidates: not sampled, not judged for novelty
        figures["corpus"]["novel"] = figures["corpus"]["valid"] = None
    doc = json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "wall_s": round(wall, 1),
                      **figures, "rows": [asdict(r) for r in rows]}, indent=1)
    if args.json_out is not None:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(doc + "\n")
    if args.json:
        print(doc)
        return 0
    print(f"{args.family}: {args.process}, CMA-ES {args.budget} sims, seed {args.seed}, "
          f"temperature {args.temperature}, {wall:.0f} s; modest {modest}, medium {medium}")
    print_table(figures)
    for src, s in figures.items():
        if s.get("collision"):
            print(f"{src}: {s['collision']} hash collisions with the corpus (counted novel)")
        print(f"{src}: modest failures by reason:")
        for reason, v in s["modest_failures"].items():
            print(f"  {v['count']:>4}  {reason}  (e.g. {', '.join(v['examples'])})")
        if "modest_verified" in s:
            off = s["median_check_offset"]
            print(f"{src}: independent check (--verify): {s['modest_verified']} of {s['modest']} meeting modest "
                  f"and {s['medium_verified']} of {s['medium']} meeting medium hold; median |offset| "
                  f"{'—' if off is None else f'{off * 1e3:.2f} mV'}")
            for reason, c in s["verify_failures"].items():
                print(f"  {c:>4}  {reason}")
        if s["medium_failures_after_modest"]:
            print(f"{src}: medium failures (modest met):")
            for reason, c in s["medium_failures_after_modest"].items():
                print(f"  {c:>4}  {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
