"""The :class:`Solver` protocol (geometry -> ``skrf.Network``), the frequency grid and the resolver."""

from __future__ import annotations

from typing import Literal, Protocol, get_args, runtime_checkable

import numpy as np
import skrf

from .errors import RFError
from .geometry import FilterGeometry

__all__ = ["Solver", "SolverName", "SOLVER_NAMES", "frequency_grid", "F_START_HZ", "F_STOP_HZ", "N_FREQ",
           "make_solver"]

F_START_HZ = 0.5e9
F_STOP_HZ = 10e9
N_FREQ = 96
SolverName = Literal["skrf", "openems"]
SOLVER_NAMES: tuple[str, ...] = get_args(SolverName)


def frequency_grid(n: int = N_FREQ) -> skrf.Frequency:
    """The shared grid: ``n`` points from 0.5 to 10 GHz (0.1 GHz apart by default).

    >>> frequency_grid().npoints, float(frequency_grid().f[1] - frequency_grid().f[0])
    (96, 100000000.0)
    """
    return skrf.Frequency.from_f(np.linspace(F_START_HZ, F_STOP_HZ, n), unit="Hz")


@runtime_checkable
class Solver(Protocol):
    """Something that turns a filter geometry into its two-port S-parameters (50 ohm ports)."""

    name: str

    def solve(self, geometry: FilterGeometry, frequency: skrf.Frequency | None = None) -> skrf.Network:
        """The network of ``geometry`` on ``frequency`` (default :func:`frequency_grid`)."""
        ...


def make_solver(name: str, **options: object) -> Solver:
    """The solver called ``name`` ("skrf" or "openems"), with its options.

    >>> make_solver("skrf").name
    'skrf'
    >>> make_solver("hfss")
    Traceback (most recent call last):
    ...
    circuitforge.rf.errors.RFError: Could not resolve solver 'hfss' among choices ['skrf', 'openems']
    """
    if name == "skrf":
        from .skrf_solver import SkrfSolver
        return SkrfSolver(**options)  # type: ignore[arg-type]
    if name == "openems":
        from .openems_solver import OpenEMSSolver
        return OpenEMSSolver(**options)  # type: ignore[arg-type]
    raise RFError(f"Could not resolve solver {name!r} among choices {list(SOLVER_NAMES)}")
