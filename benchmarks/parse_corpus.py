#!/usr/bin/env python3
"""Parse the AnalogGenie corpus: speed, faithfulness, and PySpice's parser side by side.

Reproduce (after `make install`, with ../shared/datasets/analoggenie present):

    .venv/bin/python benchmarks/parse_corpus.py            # every .cir file
    .venv/bin/python benchmarks/parse_corpus.py --limit 300 --json

What it prints, all measured in one run on the same in-memory texts:
1. circuitforge parsing every corpus file (Spectre-like syntax): files/s.
2. Round trips: corpus → ngspice text → parse, and corpus → Spectre text → parse;
   how many give a topology identical to the original (canonical comparison).
3. On the same SPICE-syntax files (our ngspice output for each circuit):
   circuitforge vs PySpice's SpiceParser — files/s and how many each reads.
4. PySpice's parser on the raw corpus files: how many "succeed" while turning
   `M6 (net20 g VDD VDD) pmos4` into nodes named `(net20` and `VDD)`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from PySpice.Spice.Parser import SpiceParser

from circuitforge.netlists import CircuitforgeError, parse, write
from circuitforge.netlists.analoggenie import corpus_path
from circuitforge.netlists.compare import same_topology


def _pyspice_parse(text: str):
    return SpiceParser(source=text).build_circuit()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: ../shared/...)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (0: all)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--no-pyspice", action="store_true", help="skip the PySpice comparison")
    args = ap.parse_args()
    logging.disable(logging.CRITICAL)  # PySpice logs every unsupported line
    try:
        root = corpus_path(args.corpus)
    except CircuitforgeError as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return 0
    files = sorted(root.glob("*/*.cir"), key=lambda p: (int(p.parent.name) if p.parent.name.isdigit() else 0, p.name))
    if args.limit:
        files = files[: args.limit]
    texts = [(p, p.read_text(encoding="utf-8", errors="replace")) for p in files]
    nbytes = sum(len(t) for _, t in texts)
    fig: dict[str, object] = {"files": len(texts), "bytes": nbytes, "cpu_count": os.cpu_count()}

    # 1. parse the corpus as it is
    t0 = time.perf_counter()
    parsed = []
    failures = []
    for p, t in texts:
        try:
            parsed.append((p, parse(t, dialect="analoggenie", filename=str(p))))
        except CircuitforgeError as exc:
            failures.append(f"{p}: {exc}")
    dt = time.perf_counter() - t0
    ndev = sum(len(n.devices) for _, n in parsed)
    fig["circuitforge_corpus"] = {"parsed": len(parsed), "failed": len(failures), "seconds": round(dt, 3),
                                  "files_per_s": round(len(texts) / dt, 1), "devices": ndev,
                                  "devices_per_s": round(ndev / dt, 1), "failures": failures[:10]}

    # 2. round trips through both writers
    spice_texts: list[str] = []
    same_sp = same_sc = 0
    bad: list[str] = []
    t0 = time.perf_counter()
    for p, n in parsed:
        sp = write(n, "ngspice")
        spice_texts.append(sp)
        if same_topology(n, parse(sp, dialect="ngspice")):
            same_sp += 1
        else:
            bad.append(f"{p} (ngspice)")
        if same_topology(n, parse(write(n, "spectre"), dialect="spectre")):
            same_sc += 1
        else:
            bad.append(f"{p} (spectre)")
    fig["roundtrip"] = {"circuits": len(parsed), "ngspice_identical": same_sp, "spectre_identical": same_sc,
                        "seconds": round(time.perf_counter() - t0, 2), "differences": bad[:10]}

    # 3. the same SPICE-syntax files through both parsers
    t0 = time.perf_counter()
    for t in spice_texts:
        parse(t, dialect="ngspice")
    ours = time.perf_counter() - t0
    fig["spice_files"] = {"files": len(spice_texts),
                          "circuitforge": {"seconds": round(ours, 3),
                                           "files_per_s": round(len(spice_texts) / ours, 1)}}
    if not args.no_pyspice:
        ok = fail = 0
        t0 = time.perf_counter()
        for t in spice_texts:
            try:
                _pyspice_parse(t)
                ok += 1
            except Exception:  # noqa: BLE001 - counting PySpice's failures is the point
                fail += 1
        theirs = time.perf_counter() - t0
        fig["spice_files"]["pyspice"] = {"seconds": round(theirs, 3), "files_per_s": round(len(spice_texts) / theirs, 1),
                                         "parsed": ok, "failed": fail}
        fig["spice_files"]["speedup"] = round(theirs / ours, 2)

        # 4. PySpice on the raw (Spectre-syntax) corpus files
        ok = mangled = fail = 0
        for p, t in texts:
            try:
                c = _pyspice_parse("* " + p.name + "\n" + t + "\n.end\n")
            except Exception:  # noqa: BLE001
                fail += 1
                continue
            ok += 1
            if any(str(node).startswith("(") or str(node).endswith(")") for e in c.elements for node in e.nodes):
                mangled += 1
        fig["pyspice_raw_corpus"] = {"files": len(texts), "no_exception": ok, "exception": fail,
                                     "with_parenthesised_node_names": mangled}

    if args.json:
        print(json.dumps(fig, indent=2))
        return 0
    c = fig["circuitforge_corpus"]
    r = fig["roundtrip"]
    print(f"corpus: {root}  ({len(texts)} .cir files, {nbytes / 1e6:.2f} MB)")
    print(f"circuitforge parse:    {c['parsed']} parsed, {c['failed']} failed in {c['seconds']} s "
          f"= {c['files_per_s']} files/s ({c['devices_per_s']} devices/s)")
    print(f"round trip → ngspice:  {r['ngspice_identical']}/{r['circuits']} topology-identical")
    print(f"round trip → spectre:  {r['spectre_identical']}/{r['circuits']} topology-identical")
    s = fig["spice_files"]
    print(f"same SPICE files:      circuitforge {s['circuitforge']['files_per_s']} files/s", end="")
    if "pyspice" in s:
        ps = s["pyspice"]
        print(f", PySpice {ps['files_per_s']} files/s ({ps['parsed']} read, {ps['failed']} raised) "
              f"→ circuitforge is {s['speedup']}x faster")
        pr = fig["pyspice_raw_corpus"]
        print(f"PySpice on raw corpus: {pr['no_exception']}/{pr['files']} without exception, of which "
              f"{pr['with_parenthesised_node_names']} silently have node names like '(net20' / 'VDD)'")
    else:
        print()
    for line in c["failures"] + r["differences"]:
        print("  !", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
