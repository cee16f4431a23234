"""What ``make demo`` runs: read, validate and convert the shipped examples.

It grows with each capability into the full design flow.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .examples import example_names, example_path
from .netlists import parse, read, write
from .netlists.analoggenie import corpus_path, iter_corpus
from .netlists.compare import same_topology
from .netlists.errors import CircuitforgeError
from .netlists.validate import validate
from .spice.measure import format_measurement, measure_opamp
from .spice.models import apply_process

__all__ = ["run_demo"]


def run_demo(out_dir: Path, console: Console, *, corpus_sample: int = 200) -> dict[str, object]:
    """Run the demo, printing tables to ``console``; returns the figures it printed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = Table(title="Built-in example netlists")
    for col in ("file", "dialect", "devs", "ERC", "→ngspice", "→spectre"):
        table.add_column(col, no_wrap=True)
    details: list[str] = []
    figures: dict[str, object] = {"examples": {}}
    for name in example_names():
        path = example_path(name)
        n = read(path)
        if name.startswith("opamp_"):  # written for the built-in generic45 cards
            n = apply_process(n, "generic45")
        findings = validate(n)
        sev = Counter(f.severity for f in findings)
        cells = []
        for target in ("ngspice", "spectre"):
            text = write(n, target)
            ext = ".cir" if target == "ngspice" else ".scs"
            dest = out_dir / (path.stem + ("" if path.suffix == ext else path.suffix.replace(".", "_")) + ext)
            dest.write_text(text, encoding="utf-8")
            back = parse(text, dialect=target)
            ok = same_topology(n, back)
            cells.append("[green]✓[/]" if ok else "[red]✗ differs[/]")
        erc = f"{sev.get('error', 0)}E {sev.get('warning', 0)}W"
        ndev = len(n.devices) + sum(len(sub.devices) for sub in n.subckts.values())
        table.add_row(name, n.dialect, str(ndev),
                      erc if not sev.get("error") else f"[red]{erc}[/]", *cells)
        for f in findings:
            if f.severity != "info":
                loc = f"{name}:{f.loc.line}" if f.loc else name
                details.append(f"{loc}: {f.severity}[{f.code}] {f.message}")
        figures["examples"][name] = {"errors": sev.get("error", 0), "warnings": sev.get("warning", 0)}  # type: ignore[index]
    console.print(table)
    if details:
        console.print("[bold]ERC findings[/]")
        for line in details:
            console.print("  " + line, highlight=False, soft_wrap=True, markup=False)
    console.print("(opamp_* examples checked with the generic45 model cards applied)")
    amps = Table(title="Example op-amps on the generic45 card (VDD 1 V, CL 1 pF), measured in ngspice")
    amps.add_column("measurement")
    names = [n for n in example_names() if n.startswith("opamp_")]
    for n in names:
        amps.add_column(n.removeprefix("opamp_").removesuffix(".cir"), justify="right")
    which = ("gain", "ugbw", "pm", "power", "slew", "swing", "noise")
    measured = {n: measure_opamp(example_path(n), "generic45", which=which) for n in names}
    for w in which:
        amps.add_row(w, *(format_measurement(measured[n][w]) for n in names))
    console.print(amps)
    figures["opamps"] = {n: {w: m.value for w, m in measured[n].items()} for n in names}
    try:
        root = corpus_path()
    except CircuitforgeError as exc:
        console.print(f"[yellow]AnalogGenie corpus not found, skipped: {exc}[/]")
        return figures
    t0 = time.perf_counter()
    parsed = same = failed = 0
    for item in iter_corpus(root):
        if parsed + failed >= corpus_sample:
            break
        if not hasattr(item, "netlist"):
            failed += 1
            continue
        parsed += 1
        back = parse(write(item.netlist, "ngspice"), dialect="ngspice")
        same += same_topology(item.netlist, back)
    dt = time.perf_counter() - t0
    console.print(f"AnalogGenie corpus ({root}): first {parsed + failed} circuits: {parsed} parsed, "
                  f"{failed} failed, {same}/{parsed} identical topology after a round trip through "
                  f"ngspice ({dt:.1f} s). Full run: benchmarks/parse_corpus.py")
    console.print(f"converted netlists written to {out_dir}/", highlight=False)
    figures["corpus"] = {"parsed": parsed, "failed": failed, "same_topology": same}
    return figures
