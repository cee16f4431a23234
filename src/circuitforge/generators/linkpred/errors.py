"""The link predictor's error (a :class:`CircuitforgeError`)."""

from __future__ import annotations

from ...netlists.errors import CircuitforgeError

__all__ = ["LinkPredError"]


class LinkPredError(CircuitforgeError):
    """A link-prediction input or checkpoint that cannot be used; the message says why."""
