"""Training the predictor: fixed seeds, a progress bar with the loss, atomic and resumable checkpoints.

The checkpoint (one ``torch.save`` file, written to a temporary name and
renamed) holds the model's configuration and weights, the optimiser state,
the epoch reached, the loss history, the :class:`~circuitforge.graph.FeatureSpec`
and a fingerprint of the training set. :func:`train` called again with the
same path, configuration and data continues from the saved epoch; with
other ones it refuses (pass ``resume=False`` to start over).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Batch, HeteroData

from ...core.files import write_atomic
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


def _save(path: Path, state: dict) -> None:
    buf = io.BytesIO()
    torch.save(state, buf)
    write_atomic(path, buf.getvalue())


def load_checkpoint(path: str | Path) -> tuple[PerformancePredictor, FeatureSpec, dict]:
    """The model (eval mode), its features and the whole checkpoint dict."""
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except (OSError, RuntimeError, EOFError) as exc:
        raise GraphError(f"cannot read predictor checkpoint {path}: {exc}") from None
    model = PerformancePredictor.from_config(state["model_config"])
    model.load_state_dict(state["model"])
    return model.eval(), FeatureSpec.from_dict(state["spec"], str(path)), state


def train(netlists: Sequence[Netlist], y: np.ndarray, checkpoint: str | Path, config: TrainConfig = TrainConfig(),
          *, spec: FeatureSpec | None = None, resume: bool = True, progress: bool = True,
          extra: dict | None = None, stop_after: int | None = None) -> TrainResult:
    """Fit a :class:`PerformancePredictor` on sized ``netlists`` and targets ``y`` (``[n, 4]``).

    ``spec`` defaults to one fitted on ``netlists``. ``extra`` is stored in the
    checkpoint as is (e.g. held-out errors for :class:`~.backend.PredictorBackend`).
    ``stop_after`` ends this call after that many epochs (as an interruption would); a
    later call resumes from the checkpoint and ends where an uninterrupted run would.
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
        state = None
        if resume and checkpoint.exists():
            state = torch.load(checkpoint, map_location="cpu", weights_only=False)
            if state.get("train_config") != asdict(config) or state.get("fingerprint") != fp:
                raise GraphError(f"checkpoint {checkpoint} was trained with another configuration or data; "
                                 "delete it or pass resume=False")
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
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(config.epochs, 1),
                                                           eta_min=0.05 * config.lr)
        start, history = 0, []
        if state is not None:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            sched.load_state_dict(state["scheduler"])
            start, history = int(state["epoch"]), list(state["history"])
        resumed_from = start

        bar = None
        if progress and start < config.epochs:
            from rich.progress import Progress
            bar = Progress(*Progress.get_default_columns(), "[cyan]{task.fields[loss]}")
            bar.start()
            task = bar.add_task(f"training {checkpoint.name}", total=config.epochs, completed=start, loss="")
        try:
            end = config.epochs if stop_after is None else min(config.epochs, start + stop_after)
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
                                   "train_config": asdict(config), "fingerprint": fp, "extra": extra or {}})
                if bar is not None:
                    bar.update(task, advance=1, loss=f"loss {history[-1]:.4f}")
        finally:
            if bar is not None:
                bar.stop()
        return TrainResult(model.eval(), spec, history, resumed_from)
    finally:
        torch.set_num_threads(threads)


def set_extra(checkpoint: str | Path, extra: dict) -> None:
    """Replace the ``extra`` entry of a checkpoint (atomically)."""
    path = Path(checkpoint)
    state = torch.load(path, map_location="cpu", weights_only=False)
    state["extra"] = extra
    _save(path, state)
