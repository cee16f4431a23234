"""The errors of :mod:`circuitforge.rf`."""

from __future__ import annotations

from ..netlists.errors import CircuitforgeError

__all__ = ["RFError", "GeometryError", "SolverError", "SolverTimeout", "SolverUnavailable"]


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
