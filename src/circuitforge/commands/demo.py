"""``demo``: read, validate and convert the shipped examples and print what was found."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..demo import run_demo
from ..netlists import CircuitforgeError
from .console import fail, out

__all__ = ["register"]


def demo_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="Where converted netlists are written.")] = Path("out/demo"),
) -> None:
    """Parse, convert and validate the built-in example netlists and print what was found."""
    try:
        run_demo(out_dir, out)
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command(name="demo")(demo_cmd)
