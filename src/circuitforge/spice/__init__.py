"""The ngspice bridge: isolated simulation workers, analyses, results and measurements.

Imports :mod:`circuitforge.netlists` only.

>>> from circuitforge.spice import simulate, Op
>>> simulate("* d\\nV1 a 0 2\\nR1 a b 1k\\nR2 b 0 1k\\n.end\\n", [Op()])["op"].value("b")
1.0
"""

from .analyses import AC, DC, Noise, Op, Tran
from .comparator import ComparatorPorts, measure_comparator
from .errors import (
    ConvergenceError,
    DeckError,
    MeasurementError,
    SimulationError,
    SimulationTimeout,
    SimulatorCrash,
    SimulatorUnavailable,
)
from .ldo import LdoPorts, measure_ldo
from .results import AnalysisResult, SimResult
from .ray_backend import RaySimulator
from .simulator import (
    BatchSimulator,
    MeasurementPredictor,
    SharedSimulator,
    Simulator,
    make_simulator,
    simulate,
    simulate_many,
)
from .toy import ToySimulator

__all__ = ["AC", "DC", "Noise", "Op", "Tran", "ConvergenceError", "DeckError", "MeasurementError",
           "SimulationError", "SimulationTimeout", "SimulatorCrash", "SimulatorUnavailable", "AnalysisResult",
           "SimResult", "BatchSimulator", "MeasurementPredictor", "SharedSimulator", "Simulator", "make_simulator", "simulate",
           "simulate_many", "ToySimulator", "RaySimulator", "ComparatorPorts", "measure_comparator", "LdoPorts", "measure_ldo"]
