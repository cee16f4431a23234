"""The consoles and the error exit shared by the command modules."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["out", "err", "fail"]

out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr and return the ``typer.Exit`` to raise."""
    err.print("[bold red]error:[/] " + escape(message), highlight=False, soft_wrap=True)
    return typer.Exit(code)
