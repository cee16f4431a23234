#!/usr/bin/env python3
"""Read rate on netlists that real tools wrote (issue 16): LTspice, KiCad, auCdl/HSPICE, ngspice.

This project ships none of these files (they belong to other projects). Collect a
sample yourself, one folder per source, e.g.::

    $CIRCUITFORGE_REALNETS/
        align/     .sp decks of an analog layout flow (github.com/ALIGN-analoglayout/ALIGN-public,
                   examples/ and CircuitsDatabase/: auCdl headers, HSPICE testbenches)
        ltspice/   .net files LTspice wrote (View > SPICE Netlist, or next to any .asc you simulated)
        kicad/     .cir files of `kicad-cli sch export netlist --format spice` (first line
                   `.title KiCad schematic`); KiCad's own qa/data/eeschema/spice_netlists/ has some
        ngspice/   ngspice's examples/ folder (sourceforge.net/p/ngspice/ngspice, examples/)

and run::

    .venv/bin/python benchmarks/parse_realworld.py /path/to/realnets
    CIRCUITFORGE_REALNETS=/path/to/realnets .venv/bin/python benchmarks/parse_realworld.py --json
    .venv/bin/python benchmarks/parse_realworld.py DIR --dialect kicad=kicad --dialect align=hspice

Every file is read with dialect detection (or the dialect forced for its folder),
without following ``.include``/``.lib`` (a sampled deck's includes are not in the
sample; ``--includes`` follows them inside the folder). Per source it reports: files,
read, ParseError (grouped by message pattern, one example file:line each), refused
as unsafe (``.control`` running shell commands, includes outside the folder), any other
exception (an *escape*: a bug in a reader), devices read and their kinds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from circuitforge.netlists import CircuitforgeError, ParseError, ParseOptions, UnsafeInputError, read
from circuitforge.netlists.parsers import resolve_dialect

SUFFIXES = frozenset({".sp", ".spi", ".spice", ".cir", ".ckt", ".net", ".cdl", ".scs", ".inp", ".lib"})
"""Files read in each source folder (``SOURCES.txt`` and other notes are skipped)."""

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"\d+")


@dataclass
class SourceReport:
    """What reading one source folder gave."""

    name: str
    files: int = 0
    read: int = 0
    devices: int = 0
    warnings: int = 0
    kinds: Counter = field(default_factory=Counter)
    dialects: Counter = field(default_factory=Counter)
    parse_errors: dict[str, list[str]] = field(default_factory=dict)
    unsafe: list[str] = field(default_factory=list)
    other_errors: list[str] = field(default_factory=list)
    escapes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return 100.0 * self.read / self.files if self.files else 0.0

    def as_dict(self) -> dict[str, object]:
        return {"files": self.files, "read": self.read, "read_pct": round(self.rate, 1),
                "parse_error": sum(len(v) for v in self.parse_errors.values()),
                "parse_error_patterns": {k: {"count": len(v), "example": v[0]}
                                         for k, v in sorted(self.parse_errors.items(), key=lambda kv: -len(kv[1]))},
                "unsafe": self.unsafe, "other_errors": self.other_errors, "escapes": self.escapes,
                "devices": self.devices, "warnings": self.warnings, "kinds": dict(self.kinds.most_common()),
                "dialects": dict(self.dialects)}


def pattern(message: str) -> str:
    """A ParseError message with its particulars (quoted words, numbers) blanked, to group files.

    >>> pattern("expected 4 nodes for MOSFET 'M3' (got 3)")
    'expected N nodes for MOSFET … (got N)'
    """
    return _NUMBER.sub("N", _QUOTED.sub("…", message))


def read_source(folder: Path, dialect: str | None, includes: bool) -> SourceReport:
    """Read every netlist file under ``folder`` and tally the outcome."""
    rep = SourceReport(folder.name)
    opts = ParseOptions(resolve_includes=includes, root=str(folder))
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
        rep.files += 1
        rel = str(path.relative_to(folder))
        try:
            net = read(path, dialect=dialect, options=opts)
        except ParseError as exc:
            where = f"{rel}:{exc.loc.line}" if exc.loc is not None else rel
            shown = f"{where}: {exc.message}" + (f"  [{exc.text[:100]}]" if exc.text else "")
            rep.parse_errors.setdefault(pattern(exc.message), []).append(shown)
        except UnsafeInputError as exc:
            rep.unsafe.append(f"{rel}: {exc}")
        except CircuitforgeError as exc:  # validation and the like: not a crash, but not read either
            rep.other_errors.append(f"{rel}: {type(exc).__name__}: {exc}")
        except Exception as exc:  # noqa: BLE001 - an escape is a reader bug; counting them is the point
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            rep.escapes.append(f"{rel}: {type(exc).__name__}: {exc} (at {Path(frame.filename).name}:{frame.lineno})")
        else:
            rep.read += 1
            rep.dialects[net.dialect] += 1
            rep.warnings += len(net.warnings)
            for scope in [net, *_all_subckts(net)]:
                rep.devices += len(scope.devices)
                rep.kinds.update(d.kind for d in scope.devices)
    return rep


def _all_subckts(scope):  # type: ignore[no-untyped-def]
    for sub in scope.subckts.values():
        yield sub
        yield from _all_subckts(sub)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, default=None,
                    help="folder with one sub-folder per source (default: $CIRCUITFORGE_REALNETS)")
    ap.add_argument("--dialect", action="append", default=[], metavar="SOURCE=DIALECT",
                    help="force a dialect for one source folder (repeatable); default: detect per file")
    ap.add_argument("--includes", action="store_true", help="follow .include/.lib inside each source folder")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    root = args.folder or (Path(os.environ["CIRCUITFORGE_REALNETS"]) if os.environ.get("CIRCUITFORGE_REALNETS")
                           else None)
    if root is None or not root.is_dir():
        print("skipped: give a folder of real netlists (one sub-folder per source) or set "
              "$CIRCUITFORGE_REALNETS; see the top of this file for where to get them", file=sys.stderr)
        return 0
    forced: dict[str, str] = {}
    for item in args.dialect:
        src, sep, d = item.partition("=")
        if not sep:
            ap.error(f"--dialect wants SOURCE=DIALECT, got {item!r}")
        forced[src] = resolve_dialect(d)
    sources = sorted(p for p in root.iterdir() if p.is_dir())
    if not sources:
        sources = [root]
    reports = [read_source(s, forced.get(s.name), args.includes) for s in sources]
    if args.json:
        print(json.dumps({r.name: r.as_dict() for r in reports}, indent=2))
        return 0
    print(f"{'source':<12} {'files':>5} {'read':>5} {'rate':>7} {'parse':>5} {'unsafe':>6} {'other':>5} "
          f"{'escape':>6} {'devices':>8} {'opaque':>6}")
    for r in reports:
        print(f"{r.name:<12} {r.files:>5} {r.read:>5} {r.rate:>6.1f}% "
              f"{sum(len(v) for v in r.parse_errors.values()):>5} {len(r.unsafe):>6} {len(r.other_errors):>5} "
              f"{len(r.escapes):>6} {r.devices:>8} {r.kinds.get('opaque', 0):>6}")
    print("(opaque: devices read as parts that are not SPICE devices: XSPICE 'A' code models, KiCad parts "
          "without a model, lines the KiCad reader could not fit to their letter)")
    for r in reports:
        if r.parse_errors or r.unsafe or r.other_errors or r.escapes:
            print(f"\n{r.name}:")
        for pat, examples in sorted(r.parse_errors.items(), key=lambda kv: -len(kv[1])):
            print(f"  {len(examples):>3} x {pat}\n        e.g. {examples[0]}")
        for line in r.unsafe:
            print(f"  unsafe: {line}")
        for line in r.other_errors:
            print(f"  other:  {line}")
        for line in r.escapes:
            print(f"  ESCAPE: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
