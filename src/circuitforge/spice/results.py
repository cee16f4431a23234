"""Simulation results: numpy arrays keyed by node/branch, with units."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .errors import MeasurementError, SimulationError

__all__ = ["AnalysisResult", "SimResult"]


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """One analysis: the sweep (frequency, time, swept value; empty for ``op``) and vectors.

    Vector names are lower case as ngspice reports them: node voltages by node
    name (``out``, ``x1.n2``), branch currents as ``v1#branch``; ``units`` maps
    each name to ``V``, ``A``, ``Hz``, ``s``, ``V^2/Hz``... AC vectors are complex.
    """

    kind: str
    sweep: np.ndarray
    sweep_name: str
    vectors: Mapping[str, np.ndarray]
    units: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        key = name.lower()
        if key in self.vectors:
            return self.vectors[key]
        if f"v({key})" in self.vectors:
            return self.vectors[f"v({key})"]
        raise MeasurementError(f"no vector {name!r} in {self.kind} results; have {sorted(self.vectors)[:20]}")

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self.vectors

    def value(self, name: str) -> float:
        """A scalar (operating point) value."""
        v = np.asarray(self[name])
        return float(np.real(v.reshape(-1)[0]))


@dataclass(slots=True)
class SimResult:
    """Everything one simulation produced: results per analysis kind, or the failure."""

    analyses: dict[str, AnalysisResult] = field(default_factory=dict)
    error: SimulationError | None = None
    log: str = ""
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def __getitem__(self, kind: str) -> AnalysisResult:
        if self.error is not None:
            raise self.error
        if kind not in self.analyses:
            raise MeasurementError(f"no {kind!r} analysis in these results (have {sorted(self.analyses)})")
        return self.analyses[kind]

    def raise_for_error(self) -> SimResult:
        if self.error is not None:
            raise self.error
        return self

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"{self.error.kind}: {self.error.message}"  # type: ignore[union-attr]
        return f"SimResult({state}, analyses={sorted(self.analyses)}, {self.elapsed * 1e3:.0f} ms)"
