"""``circuitforge design``: spec → generated topologies → sized → verified in ngspice → report."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..core.cluster import BACKEND_HELP
from ..netlists import CircuitforgeError
from ..spice.models import PROCESSES
from .console import err, fail, out

__all__ = ["register", "DEFAULT_SPEC"]

DEFAULT_SPEC = "gain>=55dB,ugbw>=30MHz,pm>=60deg,power<=0.3mW"
"""The spec ``design`` (and ``make demo``) uses when none is given: beyond both shipped examples as they
are (Miller 52 dB, folded cascode 48 dB), within reach of sizing."""

METHODS = ("auto", "ppo", "gnn-ppo", "gnn-ppo+cmaes", "cmaes", "bo", "random", "local")


def design_cmd(
    circuit_type: Annotated[str, typer.Option("--type", help="Circuit type to design (the generator's "
                                              "families; sizing and verification support: opamp).")] = "opamp",
    spec: Annotated[str, typer.Option("--spec", help="Target, clauses joined by commas: gain>=XdB, "
                                      "ugbw>=YMHz, bw>=ZkHz, pm>=Wdeg, power<=PmW.")] = DEFAULT_SPEC,
    n: Annotated[int, typer.Option("-n", "--candidates", min=0,
                                   help="Generated topologies to size (references come on top).")] = 8,
    budget: Annotated[int, typer.Option("--budget", min=1, help="ngspice simulations per candidate "
                                        "for sizing.")] = 200,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for netlists, summary.json and "
                                          "report.html.")] = Path("out/design"),
    seed: Annotated[int, typer.Option("--seed", help="Seed of generation and sizing.")] = 0,
    method: Annotated[str, typer.Option("--method", help="Sizing method: auto (the shipped PPO policy "
                                        "where it fits, else CMA-ES), ppo, gnn-ppo (the transferable graph "
                                        "policy), gnn-ppo+cmaes, cmaes, bo, random, local.")] = "auto",
    workers: Annotated[int, typer.Option("--workers", min=1, help="Candidates sized in parallel "
                                         "(one ngspice worker each).")] = 2,
    backend: Annotated[str, typer.Option("--backend", help="Where the screen and the sizing jobs run: "
                                         + BACKEND_HELP)] = "local",
    temperature: Annotated[float, typer.Option("--temperature", min=0.05, help="Sampling temperature "
                                               "of the generator.")] = 1.0,
    references: Annotated[bool, typer.Option("--references/--no-references", help="Also size the "
                                             "shipped example op-amps as references.")] = True,
    process: Annotated[str, typer.Option("--process", help="Model cards and supply: generic45 (1 V, the "
                                         "examples' process), generic180 (1.8 V, the process the shipped "
                                         "generator was fine-tuned on) or level1.")] = "generic45",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    fail_unmet: Annotated[bool, typer.Option("--fail-unmet", help="Exit with code 1 when no circuit "
                                             "meets the spec.")] = False,
) -> None:
    """Design circuits for a spec: generate candidate topologies, size each in ngspice, verify every
    result with the full measurement set, rank them and write a report.

    Writes DIR/NN_name/name.cir (ngspice) and .scs (Spectre), DIR/summary.json and DIR/report.html.
    A candidate that fails at any stage is reported with its reason; the run continues.
    Exit code 0 when the run completes (with --fail-unmet: 1 when no circuit meets the spec),
    2 on bad input.
    """
    from ..design import design as run_design  # noqa: PLC0415 - torch is slow to import
    from ..design.report import summary_dict, write_outputs  # noqa: PLC0415

    if method not in METHODS:
        raise fail(f"unknown --method {method!r} (choices: {', '.join(METHODS)})")
    if process not in PROCESSES:
        raise fail(f"unknown --process {process!r} (choices: {', '.join(PROCESSES)})")
    console = err if as_json else out

    def on_event(stage: str, cand: object, message: str) -> None:
        if cand is None:
            console.print(f"[dim]{stage}:[/] {escape(message)}", highlight=False)
            return
        name = escape(getattr(cand, "name", "?"))
        if stage == "generate":
            console.print(f"  [cyan]candidate[/] {name} ({getattr(cand, 'origin', '')}, {escape(message)})",
                          highlight=False)
        elif stage == "done":
            if getattr(cand, "ok", False):
                mark = "[green]meets spec[/]" if getattr(cand, "met", False) else "[yellow]misses spec[/]"
                console.print(f"  [bold]{name}[/]: {mark} after {getattr(cand, 'sims', 0)} simulations "
                              f"({escape(getattr(cand, 'method', ''))}, {getattr(cand, 'seconds', 0.0):.0f} s)",
                              highlight=False)
            else:
                console.print(f"  [bold]{name}[/]: [red]failed at {getattr(cand, 'stage', '?')}[/]: "
                              f"{escape(message[:200])}", highlight=False)

    try:
        with console.status("designing...", spinner="dots") if not as_json else nullcontext():
            run = run_design(spec, circuit_type, n=n, budget=budget, seed=seed, method=method, workers=workers,
                             temperature=temperature, references=None if references else (),
                             backend=backend, process=process, on_event=on_event)
        paths = write_outputs(run, out_dir)
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print(json.dumps(summary_dict(run), indent=2, default=float))
    else:
        out.print(f"\n{len(run.met)} of {len(run.candidates)} candidates meet [bold]{escape(str(run.spec))}[/] "
                  f"({sum(1 for c in run.met if c.origin == 'generated')} generated) in {run.seconds:.0f} s",
                  highlight=False)
        out.print(f"report: {paths['report'].resolve()}", highlight=False, soft_wrap=True)
        out.print(f"summary: {paths['summary'].resolve()}", highlight=False, soft_wrap=True)
    raise typer.Exit(1 if fail_unmet and not run.met else 0)


def register(app: typer.Typer) -> None:
    """Add ``design`` to ``app``."""
    app.command(name="design")(design_cmd)
