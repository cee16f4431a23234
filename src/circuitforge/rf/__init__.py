"""Parametric microstrip filters and their solvers: scikit-rf (fast, default) and openEMS (full wave).

Imports :mod:`circuitforge.netlists` only (its error base). Layout:

- :mod:`.substrate`, :mod:`.geometry`: the board, the two filter structures, their parameter boxes;
- :mod:`.microstrip`: closed-form single and coupled microstrip models;
- :mod:`.solver` (protocol, grid, resolver), :mod:`.skrf_solver`, :mod:`.openems_solver` (+ the
  worker it runs under the system Python, :mod:`.openems_worker`);
- :mod:`.measure`: cutoff, centre/bandwidth, specs; :mod:`.dataset`: resumable datasets;
  :mod:`.plot`: S-parameter figures.

>>> from circuitforge.rf import LOWPASS, make_solver
>>> make_solver("skrf").solve(LOWPASS.center()).s.shape
(96, 2, 2)
"""

from .errors import GeometryError, RFError, SolverError, SolverTimeout, SolverUnavailable
from .geometry import (
                       BANDPASS,
                       FILTER_KINDS,
                       LOWPASS,
                       CoupledLineBandpass,
                       FilterFamily,
                       SteppedImpedanceLowpass,
                       family,
                       geometry_from_dict,
)
from .measure import FilterSpec, center_bandwidth, cutoff_3db, spec_margins, spec_met
from .solver import Solver, frequency_grid, make_solver
from .substrate import RO4003C, Substrate

__all__ = ["RFError", "GeometryError", "SolverError", "SolverTimeout", "SolverUnavailable", "LOWPASS", "BANDPASS",
           "FILTER_KINDS", "SteppedImpedanceLowpass", "CoupledLineBandpass", "FilterFamily", "family",
           "geometry_from_dict", "FilterSpec", "cutoff_3db", "center_bandwidth", "spec_margins", "spec_met", "Solver",
           "frequency_grid", "make_solver", "Substrate", "RO4003C"]
