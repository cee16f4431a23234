"""``circuitforge`` command line: builds the Typer app from :mod:`circuitforge.commands` and runs it.

The commands live in :mod:`circuitforge.commands` (one module per area, each with ``register(app)``);
this module only builds the app, registers them and maps errors to exit codes in :func:`main`.

Exit codes: 0 success (validate: clean), 1 validate found errors (or a spec was not met), 2 an input
could not be read, parsed or written (or bad usage), 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from . import __version__
from .commands import register_all
from .core.errors import CheckpointError, CircuitforgeError

__all__ = ["app", "main"]

app = typer.Typer(
    name="circuitforge",
    help="Learned analog/RF circuit design: netlists, ngspice, graphs, generators, RL sizing and RF filters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_out = Console()
_err = Console(stderr=True)


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False) -> None:
    if version:
        _out.print(f"circuitforge {__version__}")
        raise typer.Exit(0)


register_all(app)


def _undecodable(argv: list[str]) -> list[str]:
    """The files named on the command line that are not UTF-8 text (to name them in the error)."""
    found = []
    for arg in argv:
        path = Path(arg.split("=", 1)[-1])
        try:
            if path.is_file():
                path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            found.append(str(path))
        except OSError:
            continue
    return found


def _os_message(exc: OSError) -> str:
    """``cannot use PATH: reason`` for an OSError (unwritable output, missing file, ...)."""
    files = [str(f) for f in (exc.filename, exc.filename2) if f is not None]
    reason = exc.strerror or str(exc)
    return f"cannot use {' → '.join(files)}: {reason}" if files else f"file error: {reason}"


def _error(message: str) -> SystemExit:
    _err.print("[bold red]error:[/] " + escape(message), highlight=False, soft_wrap=True)
    return SystemExit(2)


def main() -> None:
    """Console entry point: run the app; a user's mistake ends as one line naming the file and exit 2.

    CheckpointError and every other CircuitforgeError, an OSError (unwritable output path, missing
    file) and a UnicodeDecodeError (input that is not UTF-8) are the user's to fix; anything else is
    a bug and ends as "internal error ... please report it" with exit 3 (a traceback with
    ``CIRCUITFORGE_DEBUG=1``).
    """
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _err.print("interrupted")
        raise SystemExit(130) from None
    except CheckpointError as exc:
        raise _error(f"bad checkpoint: {exc}") from None
    except CircuitforgeError as exc:
        raise _error(str(exc)) from None
    except UnicodeDecodeError as exc:
        files = _undecodable(sys.argv[1:])
        where = ", ".join(files) if files else "an input file"
        raise _error(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise _error(_os_message(exc)) from None
    except Exception as exc:  # noqa: BLE001 - last line of defence for the CLI user
        if os.environ.get("CIRCUITFORGE_DEBUG"):
            raise
        _err.print("[bold red]internal error:[/] " + escape(f"{type(exc).__name__}: {exc} ") +
                   "(set CIRCUITFORGE_DEBUG=1 for a traceback; please report it)", highlight=False)
        raise SystemExit(3) from None


if __name__ == "__main__":
    main()
