"""A GNN that predicts op-amp performance (gain, UGBW, phase margin, power) from topology and sizes.

Imports :mod:`circuitforge.netlists` and the rest of :mod:`circuitforge.graph` only: the
simulator comes in as a function (``measure``) from the caller.

- :mod:`.sizing`: :class:`SizingSpace` (random log-uniform resizing) and :func:`size_vector`.
- :mod:`.dataset`: :func:`build_dataset` (cached, resumable) and :class:`PerformanceData`.
- :mod:`.model`: :class:`PerformancePredictor` (GINE encoder → MLP head).
- :mod:`.train`: :func:`train` (atomic, resumable checkpoints) and :class:`TrainConfig`.
- :mod:`.evaluate`: splits by sizing and by topology, R²/RMSE of the GNN and the baselines.
- :mod:`.backend`: :class:`PredictorBackend`, a cheap stand-in for the simulator.
"""

from .backend import PredictorBackend
from .dataset import (
    TARGET_UNITS,
    TARGETS,
    MeasureFn,
    PerformanceData,
    Sample,
    Topology,
    build_dataset,
    from_targets,
    to_targets,
)
from .evaluate import (
    Scores,
    Split,
    evaluate_split,
    flat_mlp_baseline,
    mean_baseline,
    split_by_sizing,
    split_by_topology,
)
from .model import PerformancePredictor
from .sizing import DEFAULT_SPREAD, SizingSpace, size_vector
from .train import TrainConfig, TrainResult, train

__all__ = [
    "DEFAULT_SPREAD",
    "TARGETS",
    "TARGET_UNITS",
    "MeasureFn",
    "PerformanceData",
    "PerformancePredictor",
    "PredictorBackend",
    "Sample",
    "Scores",
    "SizingSpace",
    "Split",
    "Topology",
    "TrainConfig",
    "TrainResult",
    "build_dataset",
    "evaluate_split",
    "flat_mlp_baseline",
    "from_targets",
    "mean_baseline",
    "size_vector",
    "split_by_sizing",
    "split_by_topology",
    "to_targets",
    "train",
]
