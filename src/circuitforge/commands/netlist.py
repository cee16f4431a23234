"""``convert``, ``validate`` and ``info``: read netlists of any dialect, check them, write them."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..core.files import write_atomic
from ..netlists import CircuitforgeError, ParseOptions, parse, read, write
from ..netlists.compare import same_topology
from ..netlists.parsers import resolve_dialect
from ..netlists.validate import has_errors, validate
from ..netlists.writers import OUTPUT_DIALECTS
from .console import FromOpt, RootOpt, UnsafeOpt, err, fail, out, parse_options

__all__ = ["register"]


def convert_cmd(
    input: Annotated[Path, typer.Argument(help="Netlist to convert.")],
    to: Annotated[str, typer.Option("--to", help=f"Output dialect: {', '.join(OUTPUT_DIALECTS)}.")] = "ngspice",
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Output file (default: stdout).")] = None,
    from_: FromOpt = None,
    root: RootOpt = None,
    allow_unsafe: UnsafeOpt = False,
    check: Annotated[bool, typer.Option("--check/--no-check", help="Read the output back and verify its "
                                        "topology equals the input's.")] = True,
) -> None:
    """Convert a netlist between dialects (ngspice/SPICE3, Spectre, AnalogGenie → ngspice, Spectre).

    Example: circuitforge convert amp.scs --to ngspice -o amp.cir
    """
    try:
        dialect = resolve_dialect(from_) if from_ else None
        n = read(input, dialect=dialect, options=parse_options(root, allow_unsafe))
        warnings: list = []
        text = write(n, to, warnings=warnings)
        for w in [*n.warnings, *warnings]:
            err.print("[yellow]" + escape(str(w)) + "[/]", highlight=False, soft_wrap=True)
        if check:
            back = parse(text, filename=str(output) if output else None, options=ParseOptions(
                resolve_includes=False, allow_unsafe=True))
            if not same_topology(n, back):
                raise fail("internal check failed: the converted netlist has a different topology "
                            "(please report this input)", 3)
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        err.print(f"wrote {output} ({len(n.devices)} devices, {to})", highlight=False)


def validate_cmd(
    files: Annotated[list[Path], typer.Argument(help="Netlists to check.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    from_: FromOpt = None,
    root: RootOpt = None,
    allow_unsafe: UnsafeOpt = False,
    warnings_as_errors: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
) -> None:
    """Electrical rule check (ERC) of netlists: floating nets, missing DC paths, source loops,
    undefined models/subcircuits/parameters, duplicate names, ...

    Exit code 0 when clean, 1 when there are errors, 2 when a file could not be read or parsed.
    A batch keeps going past a bad file.
    """
    results = []
    worst = 0
    dialect = None
    try:
        dialect = resolve_dialect(from_) if from_ else None
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    for f in files:
        try:
            n = read(f, dialect=dialect, options=parse_options(root, allow_unsafe))
            findings = validate(n)
        except CircuitforgeError as exc:
            results.append({"file": str(f), "status": "unreadable", "error": str(exc), "findings": []})
            worst = max(worst, 2)
            continue
        bad = has_errors(findings) or (warnings_as_errors and any(x.severity == "warning" for x in findings))
        results.append({"file": str(f), "status": "errors" if bad else "clean", "dialect": n.dialect,
                        "findings": [x.to_dict() for x in findings]})
        if bad:
            worst = max(worst, 1)
    if as_json:
        sys.stdout.write(json.dumps({"files": results, "exit_code": worst}, indent=2) + "\n")
    else:
        for r in results:
            if r["status"] == "unreadable":
                out.print("[bold red]✗[/] " + escape(f"{r['file']}: {r['error']}"), highlight=False, soft_wrap=True)
                continue
            counts = Counter(x["severity"] for x in r["findings"])
            mark = "[red]✗[/]" if r["status"] == "errors" else "[green]✓[/]"
            out.print(f"{mark} " + escape(f"{r['file']} ({r['dialect']}): {counts.get('error', 0)} error(s), "
                      f"{counts.get('warning', 0)} warning(s)"), highlight=False, soft_wrap=True)
            for x in r["findings"]:
                colour = {"error": "red", "warning": "yellow"}.get(x["severity"], "blue")
                where = f"{x['file'] or r['file']}:{x['line']}" if x["line"] else r["file"]
                text = f" — {x['text']}" if x["text"] else ""
                out.print(f"  [{colour}]{x['severity']}[/] " + escape(f"[{x['code']}] {where}: {x['message']}{text}"),
                          highlight=False, soft_wrap=True)
    raise typer.Exit(worst)


def info_cmd(
    input: Annotated[Path, typer.Argument(help="Netlist to summarise.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    from_: FromOpt = None,
    root: RootOpt = None,
    allow_unsafe: UnsafeOpt = False,
) -> None:
    """Summarise a netlist: dialect, devices by kind, nets, subcircuits, models, statements."""
    try:
        n = read(input, dialect=resolve_dialect(from_) if from_ else None, options=parse_options(root, allow_unsafe))
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    summary = {
        "file": str(input), "title": n.title, "dialect": n.dialect,
        "devices": len(n.devices), "nets": len(n.nets()),
        "by_kind": dict(Counter(d.kind for d in n.devices)),
        "subckts": {s.name: {"ports": list(s.ports), "devices": len(s.devices)} for s in n.subckts.values()},
        "models": {m.name: m.type for m in n.models.values()},
        "params": {k: v.text for k, v in n.params.items()},
        "includes": [{"path": i.path, "section": i.section, "error": i.error} for i in n.includes],
        "statements": [s.text.splitlines()[0] for s in n.statements],
        "warnings": [str(w) for w in n.warnings],
    }
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        return
    t = Table(title=f"{input} ({n.dialect})", show_header=False)
    for k in ("title", "devices", "nets", "by_kind", "subckts", "models", "params", "statements", "warnings"):
        v = summary[k]
        t.add_row(k, json.dumps(v) if not isinstance(v, str) else v)
    out.print(t)


def register(app: typer.Typer) -> None:
    """Add ``convert``, ``validate`` and ``info`` to ``app``."""
    app.command(name="convert")(convert_cmd)
    app.command(name="validate")(validate_cmd)
    app.command(name="info")(info_cmd)
