"""The root of circuitforge's exception hierarchy.

Every error that reaches a user names its input: file, line, column and the
offending text, and says what was expected::

    expected 4 terminals for MOSFET M3 (got 3) at amp.cir:12

:class:`CircuitforgeError` is the one base class; every layer derives its own
errors from it (``netlists.errors.ParseError``, ``spice.errors.SimulationError``,
...). The few errors of this base layer live here too.

>>> issubclass(CheckpointError, CircuitforgeError) and issubclass(UnitError, ValueError)
True
"""

from __future__ import annotations

__all__ = ["CircuitforgeError", "CheckpointError", "UnitError"]


class CircuitforgeError(Exception):
    """Base class of every error raised by circuitforge on purpose."""


class CheckpointError(CircuitforgeError):
    """A checkpoint that cannot be used: missing, truncated, not a checkpoint, the wrong
    kind, or saved with a configuration that differs from the requested one.

    The message names the file and what is wrong, e.g.
    ``run/ckpt.pt: saved with a different config: lr saved 0.001, requested 0.01
    (pass restart=True / --restart to start fresh)``.
    """


class UnitError(CircuitforgeError, ValueError):
    """A quantity a person typed that does not read as a number with an optional unit.

    Also a :class:`ValueError`, so callers that parse numbers with ``float()``
    semantics keep catching it.
    """
