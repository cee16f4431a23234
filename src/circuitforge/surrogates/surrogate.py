"""A trained EM surrogate as a solver: parameters or geometries in, S-parameters out.

:class:`EMSurrogate` follows the :class:`circuitforge.rf.solver.Solver` protocol (``solve`` returns
a ``skrf.Network`` on the surrogate's own grid; S12 is S21 and S22 is S11, as in its training
targets) and predicts whole batches with :meth:`EMSurrogate.predict`.

>>> sur = EMSurrogate.load("lowpass")
>>> p = sur.predict(sur.family.sample(__import__("numpy").random.default_rng(0), 4))
>>> p.s21_db.shape
(4, 96)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import skrf
import torch

from ..rf.geometry import FilterFamily, FilterGeometry
from ..rf.solver import frequency_grid
from .errors import SurrogateError
from .model import EMSurrogateNet, decode
from .train import load_surrogate

__all__ = ["EMSurrogate", "Prediction"]


@dataclass(slots=True)
class Prediction:
    """A batch of predicted responses, shape ``(n, F)`` each."""

    s11_db: np.ndarray
    s21_db: np.ndarray
    s11: np.ndarray
    s21: np.ndarray


class EMSurrogate:
    """Geometry -> S-parameters in a few hundred microseconds (low-pass: tens of microseconds a design in
    batches; the band-pass ``freq`` net runs once per frequency, a few hundred microseconds a design)."""

    name = "surrogate"

    def __init__(self, net: EMSurrogateNet, family: FilterFamily, record: dict | None = None) -> None:
        self.net = net
        self.family = family
        self.record = record or {}
        self.frequency = frequency_grid(net.n_freq)

    def __repr__(self) -> str:
        return f"EMSurrogate({self.family.kind!r}, params={self.family.dim}, freqs={self.net.n_freq})"

    @classmethod
    def load(cls, kind_or_path: str | Path) -> EMSurrogate:
        ls = load_surrogate(kind_or_path)
        return cls(ls.net, ls.family, ls.record)

    def predict(self, x: np.ndarray) -> Prediction:
        """Responses of parameter vectors ``x (n, dim)`` (physical units, the family's order)."""
        x = np.atleast_2d(np.asarray(x, np.float32))
        if x.shape[1] != self.family.dim:
            raise SurrogateError(f"{self.family.kind} surrogate takes {self.family.dim} parameters "
                                 f"{list(self.family.names)}, got {x.shape[1]}")
        with torch.inference_mode():
            db, ph = self.net.predict(torch.from_numpy(x))
        s = decode(db, ph)
        dbn = db.numpy()
        return Prediction(dbn[:, 0], dbn[:, 1], s[:, 0], s[:, 1])

    def solve(self, geometry: FilterGeometry, frequency: skrf.Frequency | None = None) -> skrf.Network:
        if frequency is not None and (frequency.npoints != self.frequency.npoints
                                      or not np.allclose(frequency.f, self.frequency.f)):
            raise SurrogateError("the surrogate only predicts on its training grid (0.5-10 GHz, "
                                 f"{self.frequency.npoints} points)")
        p = self.predict(self.family.to_vector(geometry)[None])
        s = np.empty((self.frequency.npoints, 2, 2), complex)
        s[:, 0, 0] = s[:, 1, 1] = p.s11[0]
        s[:, 1, 0] = s[:, 0, 1] = p.s21[0]
        return skrf.Network(frequency=self.frequency, s=s, z0=50, name=f"{geometry.kind}-surrogate")
