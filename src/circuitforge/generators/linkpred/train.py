"""Training the link predictor on corpus circuits, and its checkpoint (written atomically).

The checkpoint holds the weights, the model config, the fitted
:class:`FeatureSpec` and the training record (split seed, epochs, loss, time),
so that :func:`load_predictor` needs nothing else.

Reproduce the shipped weights::

    circuitforge train-linkpred --threads 8   # ~5 min on a 16-core CPU (the default is 1 thread)
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ...core.checkpoint import (cosine_schedule, load_checkpoint, python_rng_state, read_weights,
                               save_checkpoint as _save_state)
from ...core.errors import CheckpointError
from ...core.files import write_atomic
from ...graph.features import FeatureSpec
from ...netlists.device import Device
from ...netlists.netlist import Netlist
from .errors import LinkPredError
from .model import Example, LinkPredictor, collate, make_example
from .task import LinkTask, tasks_for

__all__ = ["TrainConfig", "TrainResult", "train", "save_checkpoint", "load_predictor", "DEFAULT_WEIGHTS",
           "training_tasks", "Predictor"]

DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights" / "linkpred.pt"
"""The shipped checkpoint (trained by ``circuitforge train-linkpred`` on the corpus train split)."""
STATE_KIND = "linkpred-train-state"
"""The ``kind`` of the resumable training state."""


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Hyperparameters (fixed before looking at test figures)."""

    hidden: int = 64
    """Encoder width."""
    layers: int = 3
    """Message-passing layers."""
    epochs: int = 4
    """Passes over the training tasks."""
    batch: int = 128
    """Tasks per step."""
    lr: float = 3e-3
    """Adam learning rate (cosine decay to 5% over the run)."""
    seed: int = 0
    """Seed of initialisation and shuffling."""


@dataclass(slots=True)
class TrainResult:
    model: LinkPredictor
    losses: list[float] = field(default_factory=list)
    """Mean training loss per epoch."""
    val: list[float] = field(default_factory=list)
    """Validation top-1 per epoch (when validation tasks were given)."""
    seconds: float = 0.0


@dataclass(slots=True)
class Predictor:
    """A trained model with its feature spec (what :mod:`.complete` needs)."""

    model: LinkPredictor
    spec: FeatureSpec
    record: dict


def training_tasks(netlists: Sequence[Netlist], *, seed: int = 0) -> list[LinkTask]:
    """Every device cut whole, plus every device with one terminal cut (seeded choice)."""
    out: list[LinkTask] = []
    for n in netlists:
        out += tasks_for(n, "device")
        out += tasks_for(n, "terminal", seed=seed)
    return out


def _top1(model: LinkPredictor, examples: Sequence[Example], batch: int = 512) -> float:
    model.eval()
    hits = total = 0
    with torch.no_grad():
        for k in range(0, len(examples), batch):
            c = collate(examples[k:k + batch])
            hits += int((model(c).argmax(1) == c.targets).sum())
            total += len(c.targets)
    model.train()
    return hits / max(total, 1)


def train(examples: Sequence[Example], config: TrainConfig = TrainConfig(), *,
          val: Sequence[Example] = (), max_steps: int | None = None,
          progress: Callable[[str], None] | None = None, state_path: str | Path | None = None,
          restart: bool = False) -> TrainResult:
    """Train a :class:`LinkPredictor` on ``examples`` (cross-entropy per cut terminal).

    With ``state_path`` the full training state (weights, optimiser, schedule, RNG, losses) is written
    there atomically after every epoch, and a run that finds one resumes after its last finished
    epoch; a state from another configuration or number of examples raises
    :class:`~circuitforge.core.errors.CheckpointError` naming the differing fields, unless
    ``restart`` (then training starts fresh).
    """
    if not examples:
        raise LinkPredError("no training examples")
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    model = LinkPredictor(examples[0].data, hidden=config.hidden, layers=config.layers)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    steps_per_epoch = (len(examples) + config.batch - 1) // config.batch
    total = steps_per_epoch * config.epochs if max_steps is None else max_steps
    sched = cosine_schedule(opt, total, floor=0.05)
    res = TrainResult(model)
    start = time.perf_counter()
    order = list(range(len(examples)))
    step = 0
    first_epoch = 0
    key = {"config": {k: getattr(config, k) for k in config.__slots__}, "examples": len(examples)}
    state_file = Path(state_path) if state_path is not None else None
    st = None
    if state_file is not None:
        st = load_checkpoint(state_file, kind=STATE_KIND, config=key, restart=restart, missing_ok=True)
    if st is not None:
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        rng.setstate(python_rng_state(st["rng"]))
        torch.set_rng_state(st["torch_rng"])
        res.losses, res.val, step, first_epoch = st["losses"], st["val"], st["step"], st["epoch"]
        order = list(st["order"])
        if progress:
            progress(f"resuming after epoch {first_epoch}/{config.epochs} from {state_file}")
    for epoch in range(first_epoch, config.epochs):
        rng.shuffle(order)
        losses = []
        for k in range(0, len(order), config.batch):
            c = collate([examples[i] for i in order[k:k + config.batch]])
            loss = nn.functional.cross_entropy(model(c), c.targets)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
            step += 1
            if max_steps is not None and step >= max_steps:
                break
        res.losses.append(sum(losses) / len(losses))
        if val:
            res.val.append(_top1(model, val))
        if state_file is not None:
            _save_state(state_file, {"model": model.state_dict(), "opt": opt.state_dict(),
                                     "sched": sched.state_dict(), "rng": list(rng.getstate()),
                                     "torch_rng": torch.get_rng_state(), "losses": res.losses, "val": res.val,
                                     "step": step, "epoch": epoch + 1, "order": order},
                        kind=STATE_KIND, config=key)
        if progress:
            progress(f"epoch {epoch + 1}/{config.epochs}: loss {res.losses[-1]:.4f}"
                     + (f", val top-1 {res.val[-1]:.4f}" if val else "")
                     + f" ({time.perf_counter() - start:.0f} s)")
        if max_steps is not None and step >= max_steps:
            break
    res.seconds = time.perf_counter() - start
    model.eval()
    return res


def save_checkpoint(path: str | Path, model: LinkPredictor, spec: FeatureSpec, record: dict) -> None:
    """Write weights + config + spec + record to ``path`` atomically (temp file, then rename)."""
    state = {k: v.to(torch.float16) if v.is_floating_point() else v for k, v in model.state_dict().items()}
    buf = io.BytesIO()
    torch.save({"format": "circuitforge.linkpred/1", "config": model.config(), "spec": spec.to_dict(),
                "record": record, "state": state}, buf)
    write_atomic(path, buf.getvalue())


def load_predictor(path: str | Path | None = None) -> Predictor:
    """The predictor saved at ``path`` (default: the shipped weights)."""
    path = Path(path) if path is not None else DEFAULT_WEIGHTS
    try:
        ck = read_weights(path, format="circuitforge.linkpred/1")
    except CheckpointError as exc:
        raise LinkPredError(f"cannot read link-predictor checkpoint {exc}") from None
    spec = FeatureSpec.from_dict(ck["spec"], str(path))
    model = LinkPredictor(_example_graph(spec), **ck["config"])
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ck["state"].items()})
    model.eval()
    return Predictor(model, spec, ck.get("record", {}))


def _example_graph(spec: FeatureSpec):  # noqa: ANN202 - HeteroData
    n = Netlist("probe", [Device("R1", "resistor", (("p", "a"), ("n", "b")))], ports=["a", "b"])
    return make_example(LinkTask(n, 0, (0,)), spec).data

