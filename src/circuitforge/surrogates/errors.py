"""The errors of :mod:`circuitforge.surrogates`."""

from __future__ import annotations

from ..rf.errors import RFError

__all__ = ["SurrogateError"]


class SurrogateError(RFError):
    """A surrogate checkpoint that cannot be read, or inputs that do not fit it."""
