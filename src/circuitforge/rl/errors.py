"""Errors of the sizing layer: one base, a bad spec string, a problem that cannot be built or sized."""

from __future__ import annotations

from ..netlists.errors import CircuitforgeError

__all__ = ["PolicyMismatch", "ProblemError", "SizingError", "SpecError"]


class SizingError(CircuitforgeError):
    """Base class of the errors raised on purpose by :mod:`circuitforge.rl`."""


class SpecError(SizingError):
    """A target spec string that cannot be read; the message names the clause and what was expected."""


class ProblemError(SizingError):
    """A sizing problem that cannot be built (no sizable devices, unknown parameter, bad range...)."""


class PolicyMismatch(SizingError):
    """A trained policy whose parameter or spec layout is not that of the problem it is asked to size."""
