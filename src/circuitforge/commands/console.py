"""What the command modules share: the consoles, the error exit, the netlist-reading options, the
rule for numbers a person types, and the guard that keeps training off the shipped weights."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from ..netlists import ParseOptions
from ..netlists.parsers import INPUT_DIALECTS

__all__ = ["out", "err", "fail", "FromOpt", "RootOpt", "UnsafeOpt", "parse_options", "UNITS_HELP",
           "PACKAGE_DIR", "check_not_shipped", "training_output", "OverwriteShippedOpt", "RestartOpt"]

out = Console()
err = Console(stderr=True)

UNITS_HELP = "Numbers take SI prefixes as people write them: M and meg are mega, m is milli (10MHz = 1e7 Hz)."
"""The rule of :func:`circuitforge.core.units.parse_quantity`, quoted in the ``--help`` of options that use it."""

PACKAGE_DIR = Path(__file__).resolve().parent.parent
"""The installed ``circuitforge`` package: training commands write here only with ``--overwrite-shipped``."""

FromOpt = Annotated[Optional[str], typer.Option("--from", help=f"Input dialect: {', '.join(INPUT_DIALECTS)} "
                                                "(default: detected).")]
RootOpt = Annotated[Optional[Path], typer.Option("--root", help="Directory that .include/.lib may read "
                                                 "from (default: the netlist's own directory).")]
UnsafeOpt = Annotated[bool, typer.Option("--allow-unsafe", help="Accept includes outside the root and "
                                         ".control blocks that run commands.")]


def parse_options(root: Path | None, allow_unsafe: bool) -> ParseOptions:
    """The :class:`ParseOptions` of ``--root`` and ``--allow-unsafe``."""
    return ParseOptions(root=str(root) if root else None, allow_unsafe=allow_unsafe)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr and return the ``typer.Exit`` to raise."""
    err.print("[bold red]error:[/] " + escape(message), highlight=False, soft_wrap=True)
    return typer.Exit(code)


def check_not_shipped(path: Path, overwrite_shipped: bool) -> Path:
    """``path`` unless it lies inside the installed package and ``--overwrite-shipped`` was not given.

    >>> check_not_shipped(Path("runs/x.pt"), False)
    PosixPath('runs/x.pt')
    """
    inside = path.resolve().is_relative_to(PACKAGE_DIR)
    if inside and not overwrite_shipped:
        raise fail(f"--out {path} is inside the installed package (the shipped weights); "
                   "pass --overwrite-shipped to write there")
    return path


def training_output(out_path: Path | None, default: Path, shipped: Path, overwrite_shipped: bool) -> Path:
    """Where a training command writes: ``--out``, else ``shipped`` with ``--overwrite-shipped``,
    else ``default`` (under the current directory).

    >>> training_output(None, Path("runs/g.pt"), PACKAGE_DIR / "w.pt", False)
    PosixPath('runs/g.pt')
    """
    if out_path is None:
        return shipped if overwrite_shipped else default
    return check_not_shipped(out_path, overwrite_shipped)


OverwriteShippedOpt = Annotated[bool, typer.Option("--overwrite-shipped", help="Allow writing into the installed "
                                                   "package; without --out, replace the shipped weights.")]
RestartOpt = Annotated[bool, typer.Option("--restart", help="Ignore a saved training state (e.g. one saved with "
                                          "another configuration) and start fresh.")]