"""The one error type of the topology generator."""

from __future__ import annotations

from ...netlists.errors import CircuitforgeError

__all__ = ["TopologyError"]


class TopologyError(CircuitforgeError):
    """A topology that cannot be encoded, a token sequence that cannot be decoded, a bad checkpoint."""
