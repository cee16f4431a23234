"""The trained predictor as a cheap stand-in for the simulator, with its held-out error attached.

>>> import inspect
>>> "measure" in dict(inspect.getmembers(PredictorBackend))
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ...netlists.netlist import Netlist
from ..features import FeatureSpec
from .dataset import TARGETS, from_targets
from .evaluate import gnn_predict
from .model import PerformancePredictor
from .train import load_checkpoint, set_extra

__all__ = ["PredictorBackend"]


class PredictorBackend:
    """Predicts ``gain`` (dB), ``ugbw`` (Hz), ``pm`` (deg), ``power`` (W) of sized op-amp netlists.

    The keys are those of ``circuitforge.spice.measure.measure_opamp``; values
    are plain floats (this layer cannot build simulator ``Measurement``s).
    ``rmse`` and ``r2`` give the held-out error per target in the learned
    units (dB, log10 Hz, deg, log10 W) on unseen sizings of seen topologies;
    ``rmse_unseen_topology`` the same on unseen topologies, when known.

    It implements ``circuitforge.spice.MeasurementPredictor`` structurally (its
    :meth:`predict`; ``graph`` may not import ``spice``, and a Protocol needs no
    import), so the sizing code takes it wherever it takes a simulator:
    ``SizingProblem.evaluate(xs, backend)``, ``size(..., simulator=backend)``.
    It is not a ``spice.Simulator``: it predicts measurements, it has no
    waveforms to give for an analysis.
    """

    def __init__(self, model: PerformancePredictor, spec: FeatureSpec, *, rmse: Mapping[str, float] | None = None,
                 r2: Mapping[str, float] | None = None,
                 rmse_unseen_topology: Mapping[str, float] | None = None) -> None:
        self.model = model.eval()
        self.spec = spec
        self.rmse = dict(rmse or {})
        self.r2 = dict(r2 or {})
        self.rmse_unseen_topology = dict(rmse_unseen_topology or {})

    @classmethod
    def load(cls, checkpoint: str | Path) -> PredictorBackend:
        """From a checkpoint of :func:`~.train.train` (errors from its ``extra`` entry, see :meth:`save_errors`)."""
        model, spec, state = load_checkpoint(checkpoint)
        extra = state.get("extra", {})
        return cls(model, spec, rmse=extra.get("rmse"), r2=extra.get("r2"),
                   rmse_unseen_topology=extra.get("rmse_unseen_topology"))

    @staticmethod
    def save_errors(checkpoint: str | Path, *, rmse: Mapping[str, float], r2: Mapping[str, float],
                    rmse_unseen_topology: Mapping[str, float] | None = None) -> None:
        """Record held-out errors in a checkpoint so that :meth:`load` carries them."""
        set_extra(checkpoint, {"rmse": dict(rmse), "r2": dict(r2),
                               "rmse_unseen_topology": dict(rmse_unseen_topology or {})})

    def predict(self, netlists: Sequence[Netlist]) -> list[dict[str, float]]:
        """One ``{"gain", "ugbw", "pm", "power"}`` dict per netlist."""
        if not netlists:
            return []
        y = gnn_predict(self.model, self.spec, list(netlists))
        return [from_targets(row) for row in np.asarray(y)]

    def measure(self, netlist: Netlist) -> dict[str, float]:
        """Like the simulator's measurements of one netlist, predicted."""
        return self.predict([netlist])[0]

    def __repr__(self) -> str:
        err = ", ".join(f"{t}={self.rmse[t]:.3g}" for t in TARGETS if t in self.rmse)
        return f"PredictorBackend(hidden={self.model.config['hidden']}, rmse=[{err}])"
