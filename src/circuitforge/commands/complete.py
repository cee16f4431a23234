"""``complete`` (propose connections for dangling terminals) and ``train-linkpred`` (train the link predictor).

torch and PyTorch Geometric are imported inside the command bodies only, so that ``circuitforge --help``
stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..core.files import write_atomic
from ..netlists import CircuitforgeError, read, write
from ..netlists.parsers import resolve_dialect
from ..netlists.writers import OUTPUT_DIALECTS
from .console import (
    PACKAGE_DIR,
    FromOpt,
    OverwriteShippedOpt,
    RestartOpt,
    RootOpt,
    UnsafeOpt,
    err,
    fail,
    out,
    parse_options,
    training_output,
)

__all__ = ["register"]

SHIPPED_WEIGHTS = PACKAGE_DIR / "generators" / "linkpred" / "weights" / "linkpred.pt"
"""The shipped link-predictor checkpoint (``generators.linkpred.DEFAULT_WEIGHTS``, named here without
importing torch)."""


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
    from ..generators.linkpred import NEW_NET, load_predictor  # noqa: PLC0415
    from ..generators.linkpred import apply as apply_completion  # noqa: PLC0415
    from ..generators.linkpred import complete as complete_netlist  # noqa: PLC0415

    if top < 1:
        raise fail(f"--top must be at least 1 (got {top})")
    if do_apply and output is None:
        raise fail("--apply needs -o/--output for the completed netlist")
    try:
        n = read(input, dialect=resolve_dialect(from_) if from_ else None, options=parse_options(root, allow_unsafe))
        result = complete_netlist(n, device=device, top=top, predictor=load_predictor(weights))
        text = write(apply_completion(result), to) if do_apply else None
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
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


def train_cmd(
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="AnalogGenie corpus folder (default: "
                                                   "../shared/datasets/analoggenie or $CIRCUITFORGE_ANALOGGENIE).")]
    = None,
    output: Annotated[Optional[Path], typer.Option("--out", "-o", help="Checkpoint to write (default: "
                                                   "runs/linkpred/linkpred.pt).")] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Passes over the training tasks.")] = 4,
    seed: Annotated[int, typer.Option("--seed", help="Corpus split and training seed.")] = 0,
    threads: Annotated[int, typer.Option("--threads", min=1, help="torch CPU threads.")] = 1,
    restart: RestartOpt = False,
    overwrite_shipped: OverwriteShippedOpt = False,
) -> None:
    """Train the link predictor (used by `complete`) on the AnalogGenie corpus train split.

    The training state is written beside the checkpoint after every epoch (<out>.state); a run that
    finds one with the same configuration continues from it (--restart starts fresh).

    Example: circuitforge train-linkpred --epochs 4 --out runs/linkpred/linkpred.pt
    """
    from ..generators.linkpred.pipeline import train_from_corpus  # noqa: PLC0415 - torch is slow to import

    target = training_output(output, Path("runs/linkpred/linkpred.pt"), SHIPPED_WEIGHTS, overwrite_shipped)
    try:
        train_from_corpus(corpus, target, epochs=epochs, seed=seed, threads=threads, restart=restart,
                          log=lambda s: err.print(escape(s), highlight=False))
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    out.print(f"wrote {target}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``complete`` and ``train-linkpred`` to ``app``."""
    app.command(name="complete")(complete_cmd)
    app.command(name="train-linkpred")(train_cmd)
