"""``circuitforge`` command line: thin commands over the library (no logic of its own).

Exit codes: 0 success (validate: clean), 1 validate found errors, 2 an input
could not be read or parsed (or bad usage), 3 an internal error.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__
from .demo import run_demo
from .netlists import CircuitforgeError, ParseOptions, parse, read, write
from .netlists.compare import same_topology
from .netlists.parsers import INPUT_DIALECTS, resolve_dialect
from .netlists.validate import has_errors, validate
from .netlists.writers import OUTPUT_DIALECTS

__all__ = ["app", "main"]

app = typer.Typer(
    name="circuitforge",
    help="Learned analog/RF circuit design: read, convert and check netlists (more to come).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

FromOpt = Annotated[Optional[str], typer.Option("--from", help=f"Input dialect: {', '.join(INPUT_DIALECTS)} "
                                                "(default: detected).")]
RootOpt = Annotated[Optional[Path], typer.Option("--root", help="Directory that .include/.lib may read "
                                                 "from (default: the netlist's own directory).")]
UnsafeOpt = Annotated[bool, typer.Option("--allow-unsafe", help="Accept includes outside the root and "
                                         ".control blocks that run commands.")]


def _options(root: Path | None, allow_unsafe: bool) -> ParseOptions:
    return ParseOptions(root=str(root) if root else None, allow_unsafe=allow_unsafe)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print("[bold red]error:[/] " + escape(message), highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False) -> None:
    if version:
        out.print(f"circuitforge {__version__}")
        raise typer.Exit(0)


@app.command()
def convert(
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
        n = read(input, dialect=dialect, options=_options(root, allow_unsafe))
        warnings: list = []
        text = write(n, to, warnings=warnings)
        for w in [*n.warnings, *warnings]:
            err.print("[yellow]" + escape(str(w)) + "[/]", highlight=False, soft_wrap=True)
        if check:
            back = parse(text, filename=str(output) if output else None, options=ParseOptions(
                resolve_includes=False, allow_unsafe=True))
            if not same_topology(n, back):
                raise _fail("internal check failed: the converted netlist has a different topology "
                            "(please report this input)", 3)
    except CircuitforgeError as exc:
        raise _fail(str(exc)) from None
    if output is None:
        sys.stdout.write(text)
    else:
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
        err.print(f"wrote {output} ({len(n.devices)} devices, {to})", highlight=False)


@app.command(name="validate")
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
        raise _fail(str(exc)) from None
    for f in files:
        try:
            n = read(f, dialect=dialect, options=_options(root, allow_unsafe))
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
                out.print(f"[bold red]✗[/] " + escape(f"{r['file']}: {r['error']}"), highlight=False, soft_wrap=True)
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


@app.command()
def info(
    input: Annotated[Path, typer.Argument(help="Netlist to summarise.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    from_: FromOpt = None,
    root: RootOpt = None,
    allow_unsafe: UnsafeOpt = False,
) -> None:
    """Summarise a netlist: dialect, devices by kind, nets, subcircuits, models, statements."""
    try:
        n = read(input, dialect=resolve_dialect(from_) if from_ else None, options=_options(root, allow_unsafe))
    except CircuitforgeError as exc:
        raise _fail(str(exc)) from None
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


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where converted netlists are written.")] = Path("out/demo"),
) -> None:
    """Parse, convert and validate the built-in example netlists and print what was found."""
    try:
        run_demo(out_dir, out)
    except CircuitforgeError as exc:
        raise _fail(str(exc)) from None


def main() -> None:
    """Console entry point: no traceback from inside a dependency reaches the user."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("interrupted")
        raise SystemExit(130) from None
    except Exception as exc:  # noqa: BLE001 - last line of defence for the CLI user
        if os.environ.get("CIRCUITFORGE_DEBUG"):
            raise
        err.print("[bold red]internal error:[/] " + escape(f"{type(exc).__name__}: {exc} ") +
                  "(set CIRCUITFORGE_DEBUG=1 for a traceback; please report it)", highlight=False)
        raise SystemExit(3) from None


if __name__ == "__main__":
    main()
