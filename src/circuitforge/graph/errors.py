"""The error raised by the graph layer."""

from __future__ import annotations

from ..netlists.errors import CircuitforgeError

__all__ = ["GraphError"]


class GraphError(CircuitforgeError):
    """A graph that cannot be built or read back (bad features, a spec that does not match, ...).

    >>> str(GraphError("device 3 has no kind"))
    'device 3 has no kind'
    """
