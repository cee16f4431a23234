"""Typed simulation failures. A bad deck never takes the caller down: it becomes one of these."""

from __future__ import annotations

from typing import Literal, get_args

from ..netlists.errors import CircuitforgeError

__all__ = ["SimulationError", "SimulatorCrash", "SimulationTimeout", "ConvergenceError", "DeckError",
           "SimulatorUnavailable", "FailureKind", "FAILURE_KINDS", "MeasurementError"]

FailureKind = Literal["crash", "timeout", "convergence", "deck", "unavailable"]
FAILURE_KINDS: tuple[str, ...] = get_args(FailureKind)


class SimulationError(CircuitforgeError):
    """A simulation that did not produce results; ``log`` holds ngspice's own messages."""

    kind: FailureKind = "deck"

    def __init__(self, message: str, log: str = ""):
        self.message = message
        self.log = log
        super().__init__(message)


class SimulatorCrash(SimulationError):
    """ngspice died (the worker process was lost and restarted)."""

    kind = "crash"


class SimulationTimeout(SimulationError):
    """The simulation ran past its time limit (the worker was killed and restarted)."""

    kind = "timeout"


class ConvergenceError(SimulationError):
    """ngspice did not converge (operating point, DC sweep or time step too small)."""

    kind = "convergence"


class DeckError(SimulationError):
    """ngspice rejected the deck (unknown model, bad syntax, missing node...)."""

    kind = "deck"


class SimulatorUnavailable(SimulationError):
    """ngspice (shared library or executable) is not installed."""

    kind = "unavailable"


class MeasurementError(CircuitforgeError):
    """A measurement that cannot be made from the results, with the reason."""
