"""The :class:`Solver` protocol (geometry -> ``skrf.Network``), the frequency grid and the resolver."""

from __future__ import annotations

from typing import Literal, Protocol, get_args, runtime_checkable

import numpy as np
import skrf

from .errors import RFError, SolverResultError
from .geometry import FilterGeometry

__all__ = ["Solver", "SolverName", "SOLVER_NAMES", "frequency_grid", "F_START_HZ", "F_STOP_HZ", "N_FREQ",
           "make_solver", "check_response"]

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


PASSIVITY_SLACK = 0.05
"""How far above 1 ``|S11|^2 + |S21|^2`` may go before a response counts as not passive (FDTD
ring-down truncation and port de-embedding leave a few per cent)."""
LOWPASS_MIN_S21_DB = -10.0
"""A low-pass passes the lowest grid frequency (0.5 GHz) above this; below, its run failed."""


def check_response(kind: str, s: np.ndarray) -> None:
    """Raise :class:`~.errors.SolverResultError` when the two-port ``s`` (``(F, 2, 2)``) of a ``kind``
    filter is not physical: a value not finite, a port taking out more power than it is given, or a
    low-pass that does not pass the lowest frequency (the openEMS failures of the 30-run low-pass set
    were of that kind). The one home of that rule: datasets and benchmarks call it.

    >>> import numpy as np
    >>> ok = np.zeros((3, 2, 2), complex); ok[:, 1, 0] = ok[:, 0, 1] = 0.9
    >>> check_response("lowpass", ok)
    >>> bad = ok.copy(); bad[0, 1, 0] = 1e-3
    >>> check_response("lowpass", bad)
    Traceback (most recent call last):
    ...
    circuitforge.rf.errors.SolverResultError: no transmission at the lowest frequency (|S21| -60.0 dB < -10 dB): a low-pass must pass it
    """
    s = np.asarray(s)
    if not np.isfinite(s).all():
        raise SolverResultError("the response has non-finite values")
    for port, (a, b) in enumerate(((0, 1), (1, 0))):
        power = np.abs(s[:, a, a]) ** 2 + np.abs(s[:, b, a]) ** 2
        if power.max() > 1 + PASSIVITY_SLACK:
            raise SolverResultError(f"not passive at port {port + 1}: |S{a + 1}{a + 1}|^2 + |S{b + 1}{a + 1}|^2 = "
                                    f"{power.max():.3f} > {1 + PASSIVITY_SLACK:g}")
    s21_db = 20 * np.log10(abs(s[0, 1, 0]) + 1e-30)
    if kind == "lowpass" and s21_db < LOWPASS_MIN_S21_DB:
        raise SolverResultError(f"no transmission at the lowest frequency (|S21| {s21_db:.1f} dB < "
                                f"{LOWPASS_MIN_S21_DB:g} dB): a low-pass must pass it")
