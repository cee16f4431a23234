"""Held-out evaluation: splits by sizing and by topology, R² and RMSE, and the two baselines.

Splits index :attr:`PerformanceData.ok` (failed samples have no targets to
score; they are reported as counts beside the scores). Every held-out sample
enters every denominator: a predictor that cannot predict a sample is not
scored on a subset, it is reported as not applicable.

- :func:`split_by_sizing`: within each topology a fraction of its sizings is held out.
- :func:`split_by_topology`: whole topologies are held out, grouped by
  :func:`~circuitforge.graph.canonical_hash`, so that no topology is on both sides.
- :func:`mean_baseline`: the mean of the training targets.
- :func:`flat_mlp_baseline`: one MLP per topology on its vector of log sizes
  (:func:`~.sizing.size_vector`); only defined when every held-out topology has training samples.

>>> s = score(np.array([[1.0], [2.0], [3.0]]), np.array([[1.0], [2.0], [4.0]]), ("x",))
>>> round(s["x"].r2, 3), round(s["x"].rmse, 3), s["x"].n
(0.5, 0.577, 3)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch_geometric.data import Batch

from ..features import FeatureSpec
from .dataset import TARGETS, PerformanceData
from .model import PerformancePredictor
from .sizing import size_vector
from .train import graphs_of

__all__ = [
    "Scores",
    "Split",
    "evaluate_split",
    "flat_mlp_baseline",
    "gnn_predict",
    "mean_baseline",
    "score",
    "split_by_sizing",
    "split_by_topology",
]


@dataclass(frozen=True, slots=True)
class Split:
    """A named split of the measured samples: indices into ``data.ok`` for training and for testing."""

    name: str
    train: tuple[int, ...]
    test: tuple[int, ...]
    held_out_topologies: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Split({self.name!r}, train={len(self.train)}, test={len(self.test)})"


@dataclass(frozen=True, slots=True)
class Scores:
    """R² (1 - SSE/SST over the held-out samples) and RMSE of one target, on ``n`` samples."""

    r2: float
    rmse: float
    n: int


def score(y: np.ndarray, pred: np.ndarray, names: Sequence[str] = TARGETS) -> dict[str, Scores]:
    """Per column of ``y``: :class:`Scores` of ``pred`` (both ``[n, len(names)]``)."""
    out = {}
    for j, name in enumerate(names):
        err = pred[:, j] - y[:, j]
        sst = float(((y[:, j] - y[:, j].mean()) ** 2).sum())
        sse = float((err ** 2).sum())
        out[name] = Scores(1.0 - sse / sst if sst > 0 else math.nan, math.sqrt(sse / len(y)), len(y))
    return out


def split_by_sizing(data: PerformanceData, test_fraction: float = 0.2, seed: int = 0) -> Split:
    """Hold out ``test_fraction`` of the sizings of every topology (at least one when it has two or more)."""
    ok = data.ok
    rng = np.random.default_rng(seed)
    train: list[int] = []
    test: list[int] = []
    for t in range(len(data.topologies)):
        idx = np.array([i for i, s in enumerate(ok) if s.topology == t])
        if len(idx) == 0:
            continue
        rng.shuffle(idx)
        k = max(round(test_fraction * len(idx)), 1) if len(idx) > 1 else 0
        test.extend(idx[:k].tolist())
        train.extend(idx[k:].tolist())
    return Split("unseen sizings", tuple(sorted(train)), tuple(sorted(test)))


def split_by_topology(data: PerformanceData, folds: int = 3, seed: int = 0) -> list[Split]:
    """``folds`` splits; each holds out a different set of topology groups (same canonical hash)."""
    ok = data.ok
    present = sorted({s.topology for s in ok})
    groups: dict[str, list[int]] = {}
    for t in present:
        groups.setdefault(data.hashes[t], []).append(t)
    keys = sorted(groups)
    order = np.random.default_rng(seed).permutation(len(keys))
    folds = max(1, min(folds, len(keys)))
    out = []
    for f in range(folds):
        held = {t for k in order[f::folds] for t in groups[keys[k]]}
        train = tuple(i for i, s in enumerate(ok) if s.topology not in held)
        test = tuple(i for i, s in enumerate(ok) if s.topology in held)
        names = tuple(sorted(data.topologies[t].name for t in held))
        out.append(Split(f"unseen topologies (fold {f + 1}/{folds})", train, test, names))
    return out


def mean_baseline(y_train: np.ndarray, n: int) -> np.ndarray:
    """The training mean, ``n`` times."""
    return np.repeat(y_train.mean(0, keepdims=True), n, axis=0)


def _fit_mlp(x: np.ndarray, y: np.ndarray, seed: int, steps: int = 400) -> tuple:
    xm, xs = x.mean(0), np.maximum(x.std(0), 1e-6)
    ym, ys = y.mean(0), np.maximum(y.std(0), 1e-6)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                              torch.nn.ReLU(), torch.nn.Linear(64, y.shape[1]))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3, weight_decay=1e-4)
    xt = torch.tensor((x - xm) / xs, dtype=torch.float32)
    yt = torch.tensor((y - ym) / ys, dtype=torch.float32)
    for _ in range(steps):
        loss = torch.nn.functional.mse_loss(net(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net, xm, xs, ym, ys


def flat_mlp_baseline(data: PerformanceData, split: Split, seed: int = 0) -> np.ndarray | None:
    """Predictions for ``split.test`` by one MLP per topology on its flat size vector.

    None (not applicable) when a held-out sample's topology has no training
    samples: the vector's length and meaning are fixed only within a topology.
    (A topology with one training sample gets a constant: that sample's targets.)
    """
    ok = data.ok
    y = data.y
    train_by: dict[int, list[int]] = {}
    for i in split.train:
        train_by.setdefault(ok[i].topology, []).append(i)
    test_by: dict[int, list[int]] = {}
    for i in split.test:
        test_by.setdefault(ok[i].topology, []).append(i)
    if any(not train_by.get(t) for t in test_by):
        return None
    pred = np.zeros((len(split.test), len(TARGETS)))
    where = {i: k for k, i in enumerate(split.test)}
    for t, test_idx in test_by.items():
        x_tr = np.stack([size_vector(data.netlist(ok[i])) for i in train_by[t]])
        x_te = np.stack([size_vector(data.netlist(ok[i])) for i in test_idx])
        net, xm, xs, ym, ys = _fit_mlp(x_tr, y[train_by[t]], seed + t)
        with torch.no_grad():
            p = net(torch.tensor((x_te - xm) / xs, dtype=torch.float32)).numpy() * ys + ym
        for k, i in enumerate(test_idx):
            pred[where[i]] = p[k]
    return pred


def gnn_predict(model: PerformancePredictor, spec: FeatureSpec, netlists: Sequence, batch_size: int = 256) -> np.ndarray:
    """``[len(netlists), len(TARGETS)]`` predictions in target units."""
    graphs = graphs_of(netlists, spec)
    out = [model.predict(Batch.from_data_list(graphs[b:b + batch_size])).numpy()
           for b in range(0, len(graphs), batch_size)]
    return np.concatenate(out).astype(np.float64) if out else np.zeros((0, len(TARGETS)))


def evaluate_split(data: PerformanceData, split: Split, model: PerformancePredictor, spec: FeatureSpec,
                   *, seed: int = 0) -> dict[str, dict[str, Scores] | None]:
    """Scores of ``{"GNN", "mean", "MLP"}`` on ``split.test`` (``None`` for a predictor not applicable)."""
    ok, y = data.ok, data.y
    test = list(split.test)
    y_te = y[test]
    gnn = gnn_predict(model, spec, [data.netlist(ok[i]) for i in test])
    mlp = flat_mlp_baseline(data, split, seed)
    return {"GNN": score(y_te, gnn), "mean": score(y_te, mean_baseline(y[list(split.train)], len(test))),
            "MLP": None if mlp is None else score(y_te, mlp)}
