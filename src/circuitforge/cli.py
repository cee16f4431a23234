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

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__
from .commands import register_all
from .demo import run_demo
from .netlists import CircuitforgeError, ParseOptions, parse, read, write
from .netlists.compare import same_topology
from .core.files import write_atomic
from .netlists.parsers import INPUT_DIALECTS, resolve_dialect
from .core.units import try_parse_number
from .netlists.validate import has_errors, validate
from .netlists.writers import OUTPUT_DIALECTS
from .spice import AC, Op, Tran, make_simulator
from .spice.bias import bias_default
from .spice.classify import error_lines
from .spice.measure import format_measurement, measure_opamp
from .spice.models import apply_process
from .spice.report import simulation_report

__all__ = ["app", "main"]

app = typer.Typer(
    name="circuitforge",
    help="Learned analog/RF circuit design: netlists, ngspice, graphs, generators, RL sizing and RF filters.",
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
        write_atomic(output, text)
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


def _span(text: str, parts: int, what: str, example: str) -> list[float]:
    values = [try_parse_number(x) for x in text.split(":")]
    if len(values) != parts or any(v is None for v in values):
        raise _fail(f"--{what} expects {example}, got {text!r}")
    return [float(v) for v in values]  # type: ignore[arg-type]


@app.command()
def simulate(
    input: Annotated[Path, typer.Argument(help="Netlist to simulate (any dialect).")],
    op: Annotated[bool, typer.Option("--op", help="DC operating point (the default when nothing else is asked).")] = False,
    ac: Annotated[Optional[str], typer.Option("--ac", help="AC sweep START:STOP:POINTS_PER_DECADE, e.g. 1:10g:20.")] = None,
    tran: Annotated[Optional[str], typer.Option("--tran", help="Transient STEP:STOP, e.g. 1n:10u.")] = None,
    probe: Annotated[Optional[str], typer.Option("--probe", help="Node to report AC/transient results for "
                                                 "(default: out, vout or vout1 when present).")] = None,
    process_name: Annotated[Optional[str], typer.Option("--process", help="Model cards for devices whose models "
                                                        "are missing: generic45, generic180, level1.")] = None,
    bias: Annotated[bool, typer.Option("--bias", help="Bias an unsized topology first (AnalogGenie-style ports "
                                       "VDD VSS VINn VOUTn VBn IBn ...): sizes, supplies, bias sources, loads; "
                                       "prints the choices made.")] = False,
    backend: Annotated[str, typer.Option("--backend", help="shared (ngspice library in a worker) or batch "
                                         "(ngspice -b subprocess).")] = "shared",
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before the simulation is killed.")] = 60.0,
    save: Annotated[Optional[Path], typer.Option("--save", help="Write every vector to this .npz file.")] = None,
    measure: Annotated[Optional[str], typer.Option("--measure", help="Measure the circuit as an op-amp "
                                                   "('opamp': ports inp inn out vdd vss, as a subckt or at "
                                                   "the top level): gain, UGBW, phase margin, power, ...")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    from_: FromOpt = None,
    root: RootOpt = None,
    allow_unsafe: UnsafeOpt = False,
) -> None:
    """Simulate a netlist with ngspice: operating point, AC sweep, transient.

    Example: circuitforge simulate amp.cir --op --ac 1:10g:20 --probe out --json
    """
    if measure is not None:
        if measure != "opamp":
            raise _fail(f"--measure: unknown kind {measure!r} (choices: opamp)")
        _measure_opamp_cli(input, process_name or "generic45", as_json, from_, root, allow_unsafe)
        return
    analyses: list = []
    if ac:
        a = _span(ac, 3, "ac", "START:STOP:POINTS_PER_DECADE such as 1:10g:20")
        analyses.append(AC(a[0], a[1], int(a[2])))
    if tran:
        t = _span(tran, 2, "tran", "STEP:STOP such as 1n:10u")
        analyses.append(Tran(t[0], t[1]))
    if op or not analyses:
        analyses.insert(0, Op())
    try:
        n = read(input, dialect=resolve_dialect(from_) if from_ else None, options=_options(root, allow_unsafe))
        if bias:
            biased = bias_default(n, process_name or "generic45")
            n = biased.netlist
            if not as_json:
                for c in biased.choices:
                    err.print(escape(f"bias: {c.port}: {c.what} {c.value:g} ({c.reason})"), highlight=False,
                              soft_wrap=True)
        elif process_name:
            n = apply_process(n, process_name)
        sim = make_simulator(backend)
    except CircuitforgeError as exc:
        raise _fail(str(exc)) from None
    with sim:
        res = sim.run(n, analyses, timeout=timeout)
    if not res.ok:
        assert res.error is not None
        detail = "\n".join(error_lines(res.error.log)[-8:])
        raise _fail(f"{res.error.kind}: {res.error.message}" + (f"\nngspice said:\n{detail}" if detail else ""), 1)
    report = simulation_report(res, probe)
    if save is not None:
        np.savez(save, **{f"{k}.{name}": v for k, r in res.analyses.items() for name, v in r.vectors.items()})
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
        return
    if "op" in report:
        t = Table(title=f"Operating point of {input.name}")
        t.add_column("node / branch")
        t.add_column("value", justify="right")
        for k, v in report["op"].items():
            t.add_row(k, f"{v:.6g} {'A' if k.endswith('#branch') else 'V'}")
        out.print(t)
    for kind in ("ac", "tran"):
        if kind in report:
            rep = report[kind]
            out.print(escape(f"{kind}: probe {rep['probe']}: " + ", ".join(f"{k} = {v}" for k, v in rep.items()
                                                                         if k not in ("probe", "points"))),
                      highlight=False, soft_wrap=True)


def _measure_opamp_cli(input: Path, proc: str, as_json: bool, from_: str | None, root: Path | None,
                      allow_unsafe: bool) -> None:
    try:
        n = read(input, dialect=resolve_dialect(from_) if from_ else None, options=_options(root, allow_unsafe))
        found = measure_opamp(n, proc)
    except CircuitforgeError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps({k: {"value": m.value, "unit": m.unit, "reason": m.reason}
                                     for k, m in found.items()}, indent=2) + "\n")
        return
    t = Table(title=f"{input.name} as an op-amp ({proc})")
    t.add_column("measurement")
    t.add_column("value", justify="right")
    for k, m in found.items():
        t.add_row(k, format_measurement(m))
    out.print(t)


@app.command(name="complete")
def complete_cmd(
    input: Annotated[Path, typer.Argument(help="Netlist with dangling terminals (any dialect).")],
    device: Annotated[Optional[str], typer.Option("--device", help="Re-predict every terminal of this device "
                                                  "(default: the terminals the ERC finds dangling).")] = None,
    top: Annotated[int, typer.Option("--top", help="Candidates to list per terminal.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the suggestions as JSON.")] = False,
    do_apply: Annotated[bool, typer.Option("--apply", help="Connect each terminal to its best candidate and "
                                           "write the netlist (needs -o).")] = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Where --apply writes the completed "
                                                   "netlist.")] = None,
    to: Annotated[str, typer.Option("--to", help=f"Dialect --apply writes: {', '.join(OUTPUT_DIALECTS)}.")] = "ngspice",
    weights: Annotated[Optional[Path], typer.Option("--weights", help="Link-predictor checkpoint (default: the "
                                                    "shipped weights).")] = None,
    from_: FromOpt = None,
    root: RootOpt = None,
    allow_unsafe: UnsafeOpt = False,
) -> None:
    """Propose connections for dangling terminals (ERC floating nets, missing terminals) with the
    learned link predictor; candidates are the circuit's nets and "a new net".

    Example: circuitforge complete amp.cir --top 3 --apply -o amp_fixed.cir
    """
    # torch and PyTorch Geometric take seconds to import: only this command pays for them
    from .generators.linkpred import NEW_NET, load_predictor  # noqa: PLC0415
    from .generators.linkpred import apply as apply_completion  # noqa: PLC0415
    from .generators.linkpred import complete as complete_netlist  # noqa: PLC0415

    if top < 1:
        raise _fail(f"--top must be at least 1 (got {top})")
    if do_apply and output is None:
        raise _fail("--apply needs -o/--output for the completed netlist")
    try:
        n = read(input, dialect=resolve_dialect(from_) if from_ else None, options=_options(root, allow_unsafe))
        result = complete_netlist(n, device=device, top=top, predictor=load_predictor(weights))
        text = write(apply_completion(result), to) if do_apply else None
    except CircuitforgeError as exc:
        raise _fail(str(exc)) from None
    if text is not None and output is not None:
        write_atomic(output, text)
    if as_json:
        sys.stdout.write(json.dumps({"file": str(input), "suggestions": [s.to_dict() for s in result.suggestions],
                                     "applied": str(output) if text is not None else None}, indent=2) + "\n")
        return
    if not result.suggestions:
        out.print(escape(f"{input}: no dangling terminals found (use --device NAME to re-predict a device)"),
                  highlight=False)
        return
    t = Table(title=f"Proposed connections for {input.name}")
    t.add_column("terminal")
    t.add_column("candidates (probability)")
    for s in result.suggestions:
        t.add_row(escape(f"{s.device}.{s.role}"), escape(", ".join(
            f"{'(new net)' if c.net == NEW_NET else c.net} {c.score:.2f}" for c in s.candidates)))
    out.print(t)
    if text is not None:
        err.print(f"wrote {output} ({len(result.suggestions)} terminal(s) connected, {to})", highlight=False)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where converted netlists are written.")] = Path("out/demo"),
) -> None:
    """Parse, convert and validate the built-in example netlists and print what was found."""
    try:
        run_demo(out_dir, out)
    except CircuitforgeError as exc:
        raise _fail(str(exc)) from None


register_all(app)


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
