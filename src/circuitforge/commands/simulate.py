"""``simulate``: run a netlist in ngspice (operating point, AC, transient) or measure it as an op-amp."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from ..core.errors import UnitError
from ..core.units import parse_quantity
from ..netlists import CircuitforgeError, read
from ..netlists.parsers import resolve_dialect
from ..spice import AC, Op, Tran, make_simulator
from ..spice.bias import bias_default
from ..spice.classify import error_lines
from ..spice.comparator import measure_comparator
from ..spice.ldo import measure_ldo
from ..spice.measure import format_measurement, measure_opamp
from ..spice.models import apply_process
from ..spice.report import simulation_report
from .console import UNITS_HELP, FromOpt, RootOpt, UnsafeOpt, err, fail, out, parse_options

__all__ = ["register"]

_MEASURES = {"opamp": measure_opamp, "ldo": measure_ldo, "comparator": measure_comparator}


def _span(text: str, units: tuple[str, ...], what: str, example: str) -> list[float]:
    """``A:B[:C]`` read with :func:`parse_quantity`, one unit per part (the rule is in ``UNITS_HELP``)."""
    parts = text.split(":")
    if len(parts) != len(units):
        raise fail(f"--{what} expects {example}, got {text!r}")
    try:
        return [parse_quantity(p.strip(), u or None, what=f"--{what}") for p, u in zip(parts, units)]
    except UnitError as exc:
        raise fail(f"{exc} (--{what} expects {example})") from None


def simulate_cmd(
    input: Annotated[Path, typer.Argument(help="Netlist to simulate (any dialect).")],
    op: Annotated[bool, typer.Option("--op", help="DC operating point (the default when nothing else is asked).")] = False,
    ac: Annotated[Optional[str], typer.Option("--ac", help="AC sweep START:STOP:POINTS_PER_DECADE, e.g. 1:10GHz:20. "
                                                + UNITS_HELP)] = None,
    tran: Annotated[Optional[str], typer.Option("--tran", help="Transient STEP:STOP, e.g. 1ns:10us. "
                                                  + UNITS_HELP)] = None,
    probe: Annotated[Optional[str], typer.Option("--probe", help="Node to report AC/transient results for "
                                                 "(default: out, vout or vout1 when present).")] = None,
    process_name: Annotated[Optional[str], typer.Option("--process", help="Model cards for devices whose models "
                                                        "are missing: generic45, generic180, level1.")] = None,
    bias: Annotated[bool, typer.Option("--bias", help="Bias an unsized topology first (AnalogGenie-style ports "
                                       "VDD VSS VINn VOUTn VBn IBn ...): sizes, supplies, bias sources, loads; "
                                       "prints the choices made.")] = False,
    backend: Annotated[str, typer.Option("--backend", help="local (ngspice's library in a worker process "
                                         "here), batch (an ngspice -b subprocess), toy (linear circuits only, "
                                         "for tests) or ray (a Ray actor on the cluster named by "
                                         "$CIRCUITFORGE_RAY_ADDRESS, else a local Ray instance; needs "
                                         "pip install 'circuitforge[ray]').")] = "local",
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before the simulation is killed.")] = 60.0,
    save: Annotated[Optional[Path], typer.Option("--save", help="Write every vector to this .npz file.")] = None,
    measure: Annotated[Optional[str], typer.Option("--measure", help="Measure the circuit as an op-amp "
                                                   "('opamp': ports inp inn out vdd vss, as a subckt or at "
                                                   "the top level): gain, UGBW, phase margin, power, ...; "
                                                   "'ldo': ports vin vout vref vss: dropout, regulation, PSRR...; "
                                                   "'comparator': ports inp inn out vdd vss: delay, offset...")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    from_: FromOpt = None,
    root: RootOpt = None,
    allow_unsafe: UnsafeOpt = False,
) -> None:
    """Simulate a netlist with ngspice: operating point, AC sweep, transient.

    Example: circuitforge simulate amp.cir --op --ac 1:10GHz:20 --probe out --json

    Numbers on the command line take SI prefixes as people write them: M and meg are mega,
    m is milli (10MHz is 10 megahertz; inside a netlist, SPICE's own rule holds).
    """
    if measure is not None:
        if measure not in _MEASURES:
            raise fail(f"--measure: unknown kind {measure!r} (choices: {', '.join(_MEASURES)})")
        _measure_opamp_cli(input, process_name or "generic45", as_json, from_, root, allow_unsafe, measure)
        return
    analyses: list = []
    if ac:
        a = _span(ac, ("Hz", "Hz", ""), "ac", "START:STOP:POINTS_PER_DECADE such as 1:10GHz:20")
        if a[2] < 1 or a[2] != int(a[2]):
            raise fail(f"--ac: POINTS_PER_DECADE must be a whole number >= 1, got {ac.split(':')[2]!r}")
        analyses.append(AC(a[0], a[1], int(a[2])))
    if tran:
        t = _span(tran, ("s", "s"), "tran", "STEP:STOP such as 1ns:10us")
        analyses.append(Tran(t[0], t[1]))
    if op or not analyses:
        analyses.insert(0, Op())
    try:
        n = read(input, dialect=resolve_dialect(from_) if from_ else None, options=parse_options(root, allow_unsafe))
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
        raise fail(str(exc)) from None
    with sim:
        res = sim.run(n, analyses, timeout=timeout)
    if not res.ok:
        assert res.error is not None
        detail = "\n".join(error_lines(res.error.log)[-8:])
        raise fail(f"{res.error.kind}: {res.error.message}" + (f"\nngspice said:\n{detail}" if detail else ""), 1)
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
                      allow_unsafe: bool, kind: str = "opamp") -> None:
    try:
        n = read(input, dialect=resolve_dialect(from_) if from_ else None, options=parse_options(root, allow_unsafe))
        found = _MEASURES[kind](n, proc)
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps({k: {"value": m.value, "unit": m.unit, "reason": m.reason}
                                     for k, m in found.items()}, indent=2) + "\n")
        return
    what = {"opamp": "an op-amp", "ldo": "an LDO", "comparator": "a comparator"}[kind]
    t = Table(title=f"{input.name} as {what} ({proc})")
    t.add_column("measurement")
    t.add_column("value", justify="right")
    for k, m in found.items():
        t.add_row(k, format_measurement(m))
    out.print(t)


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to ``app``."""
    app.command(name="simulate")(simulate_cmd)
