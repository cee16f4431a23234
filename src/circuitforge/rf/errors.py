"""The errors of :mod:`circuitforge.rf`."""

from __future__ import annotations

from ..netlists.errors import CircuitforgeError

__all__ = ["RFError", "GeometryError", "SolverError", "SolverResultError", "SolverTimeout",
           "SolverUnavailable"]


class RFError(CircuitforgeError):
    """Base of the RF errors."""


class GeometryError(RFError):
    """A filter geometry outside what its structure allows (names the field and its range)."""


class SolverError(RFError):
    """A solver failed on a geometry."""


class SolverTimeout(SolverError):
    """A solver ran past its time limit."""


class SolverUnavailable(SolverError):
    """The solver's tool is not installed (openEMS: Debian ``openems python3-openems``)."""


class SolverResultError(SolverError):
    """A solver finished but its response is not physical for the geometry (not finite, not passive,
    or a low-pass that does not pass the lowest frequency: a meshing or ring-down failure)."""
