"""Training the predictor: fixed seeds, a progress bar with the loss, atomic and resumable checkpoints.

The checkpoint (:func:`circuitforge.core.checkpoint.save_checkpoint`: one
``torch.save`` file, written atomically, read back with ``weights_only``)
holds the model's configuration and weights, the optimiser state, the epoch
reached, the loss history, the :class:`~circuitforge.graph.FeatureSpec` and a
fingerprint of the training set. :func:`train` called again with the same
path, configuration and data continues from the saved epoch; with other ones
it raises :class:`~circuitforge.core.errors.CheckpointError` naming the
differing fields (pass ``restart=True``, or ``resume=False``, to start over).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Batch, HeteroData

from ...core import checkpoint as ckpt
from ...core.errors import CheckpointError
from ...core.progress import progress as show_progress
from ...netlists.netlist import Netlist
from ..bipartite import to_heterodata
from ..errors import GraphError
from ..features import FeatureSpec
from .model import PerformancePredictor

__all__ = ["TrainConfig", "TrainResult", "graphs_of", "load_checkpoint", "train"]


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Hyper-parameters of :func:`train`."""

    hidden: int = 64
    """Width of the encoder and the head."""
    layers: int = 3
    """Message-passing layers."""
    epochs: int = 60
    """Passes over the training set."""
    batch_size: int = 32
    """Graphs per step."""
    lr: float = 2e-3
    """Adam learning rate (cosine-annealed to 5 % over the epochs)."""
    weight_decay: float = 1e-5
    """Adam weight decay."""
    seed: int = 0
    """Seed of the initial weights and of the order of the batches (epoch ``e`` uses ``[seed, e]``)."""
    threads: int = 2
    """``torch.set_num_threads`` while training."""


@dataclass(slots=True)
class TrainResult:
    """A trained model, its features, the loss per epoch and whether it resumed a checkpoint."""

    model: PerformancePredictor
    spec: FeatureSpec
    history: list[float] = field(default_factory=list)
    resumed_from: int = 0


def graphs_of(netlists: Sequence[Netlist], spec: FeatureSpec) -> list[HeteroData]:
    """The bipartite graphs (without names) the predictor reads."""
    return [to_heterodata(n, spec, meta=False) for n in netlists]


def _fingerprint(y: np.ndarray, n: int) -> str:
    return hashlib.sha256(np.ascontiguousarray(y, dtype=np.float64).tobytes() + str(n).encode()).hexdigest()[:16]


KIND = "performance-predictor"
"""The ``kind`` of a predictor checkpoint."""


def _save(path: Path, state: dict, config: dict) -> None:
    ckpt.save_checkpoint(path, {k: v for k, v in state.items() if k not in ("kind", "config",
                                                                             "circuitforge_checkpoint")},
                         kind=KIND, config=config)


def load_checkpoint(path: str | Path) -> tuple[PerformancePredictor, FeatureSpec, dict]:
    """The model (eval mode), its features and the whole checkpoint dict.

    Raises :class:`GraphError` (missing, truncated, not a predictor checkpoint).
    """
    path = Path(path)
    try:
        state = ckpt.load_checkpoint(path, kind=KIND)
    except CheckpointError as exc:
        raise GraphError(f"cannot read predictor checkpoint {exc}") from None
    assert state is not None  # neither restart nor missing_ok
    model = PerformancePredictor.from_config(state["model_config"])
    model.load_state_dict(state["model"])
    return model.eval(), FeatureSpec.from_dict(state["spec"], str(path)), state


def train(netlists: Sequence[Netlist], y: np.ndarray, checkpoint: str | Path, config: TrainConfig = TrainConfig(),
          *, spec: FeatureSpec | None = None, resume: bool = True, progress: bool = True,
          extra: dict | None = None, stop_after: int | None = None, restart: bool = False) -> TrainResult:
    """Fit a :class:`PerformancePredictor` on sized ``netlists`` and targets ``y`` (``[n, 4]``).

    ``spec`` defaults to one fitted on ``netlists``. ``extra`` is stored in the
    checkpoint as is (e.g. held-out errors for :class:`~.backend.PredictorBackend`).
    ``stop_after`` ends this call after that many epochs (as an interruption would); a
    later call resumes from the checkpoint and ends where an uninterrupted run would. A
    checkpoint from another configuration or data raises
    :class:`~circuitforge.core.errors.CheckpointError` naming the differing fields, unless
    ``restart`` (or ``resume=False``): then training starts fresh and overwrites it.
    """
    y = np.asarray(y, dtype=np.float64)
    if len(netlists) != len(y) or len(y) < 2:
        raise GraphError(f"need matching netlists and targets, at least 2 (got {len(netlists)} and {len(y)})")
    checkpoint = Path(checkpoint)
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        fp = _fingerprint(y, len(netlists))
        key = {"train_config": asdict(config), "fingerprint": fp}
        state = None
        if resume:
            state = ckpt.load_checkpoint(checkpoint, kind=KIND, config=key, restart=restart, missing_ok=True)
        if state is not None:
            spec = FeatureSpec.from_dict(state["spec"], str(checkpoint))
        spec = spec or FeatureSpec.fit(netlists)
        graphs = graphs_of(netlists, spec)
        mean = torch.tensor(y.mean(0), dtype=torch.float32)
        std = torch.tensor(np.maximum(y.std(0), 1e-6), dtype=torch.float32)
        target = (torch.tensor(y, dtype=torch.float32) - mean) / std

        torch.manual_seed(config.seed)
        model = PerformancePredictor.from_data(graphs[0], hidden=config.hidden, layers=config.layers)
        model.set_normalisation(mean, std)
        opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        sched = ckpt.cosine_schedule(opt, config.epochs, floor=0.05)  # stepped once per epoch
        start, history = 0, []
        if state is not None:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            sched.load_state_dict(state["scheduler"])
            start, history = int(state["epoch"]), list(state["history"])
        resumed_from = start

        end = config.epochs if stop_after is None else min(config.epochs, start + stop_after)
        with show_progress(f"training {checkpoint.name}", config.epochs, completed=start,
                           enabled=progress and start < config.epochs) as bar:
            for epoch in range(start, end):
                model.train()
                order = np.random.default_rng([config.seed, epoch]).permutation(len(graphs))
                total = 0.0
                for b in range(0, len(order), config.batch_size):
                    idx = order[b:b + config.batch_size]
                    batch = Batch.from_data_list([graphs[i] for i in idx])
                    loss = torch.nn.functional.mse_loss(model(batch), target[idx])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * len(idx)
                sched.step()
                history.append(total / len(graphs))
                _save(checkpoint, {"model_config": model.config, "model": model.state_dict(),
                                   "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                                   "epoch": epoch + 1, "history": history, "spec": spec.to_dict(),
                                   "train_config": asdict(config), "fingerprint": fp,
                                   "extra": ckpt.plain(extra or {})}, key)
                bar.advance(info=f"loss {history[-1]:.4f}")
        return TrainResult(model.eval(), spec, history, resumed_from)
    finally:
        torch.set_num_threads(threads)


def set_extra(checkpoint: str | Path, extra: dict) -> None:
    """Replace the ``extra`` entry of a checkpoint (atomically)."""
    path = Path(checkpoint)
    try:
        state = ckpt.load_checkpoint(path, kind=KIND)
    except CheckpointError as exc:
        raise GraphError(f"cannot read predictor checkpoint {exc}") from None
    assert state is not None  # neither restart nor missing_ok
    state["extra"] = ckpt.plain(extra)
    _save(path, state, state["config"])
