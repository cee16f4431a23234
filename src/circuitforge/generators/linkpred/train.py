"""Training the link predictor on corpus circuits, and its checkpoint (written atomically).

The checkpoint holds the weights, the model config, the fitted
:class:`FeatureSpec` and the training record (split seed, epochs, loss, time),
so that :func:`load_predictor` needs nothing else.

Reproduce the shipped weights::

    python -m circuitforge.generators.linkpred.train   # ~5 min on a 16-core CPU
"""

from __future__ import annotations

import argparse
import io
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ...graph.features import FeatureSpec
from ...netlists.device import Device
from ...core.files import write_atomic
from ...netlists.netlist import Netlist
from .data import load_corpus_split
from .errors import LinkPredError
from .model import Example, LinkPredictor, collate, make_example
from .task import LinkTask, tasks_for

__all__ = ["TrainConfig", "TrainResult", "train", "save_checkpoint", "load_predictor", "DEFAULT_WEIGHTS",
           "training_tasks", "Predictor"]

DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights" / "linkpred.pt"
"""The shipped checkpoint (trained by this module's ``main`` on the corpus train split)."""


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
          progress: Callable[[str], None] | None = None, state_path: str | Path | None = None) -> TrainResult:
    """Train a :class:`LinkPredictor` on ``examples`` (cross-entropy per cut terminal).

    With ``state_path`` the full training state (weights, optimiser, schedule, RNG, losses) is written
    there atomically after every epoch, and a run that finds one (for the same configuration and
    number of examples) resumes after its last finished epoch.
    """
    if not examples:
        raise LinkPredError("no training examples")
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    model = LinkPredictor(examples[0].data, hidden=config.hidden, layers=config.layers)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    steps_per_epoch = (len(examples) + config.batch - 1) // config.batch
    total = steps_per_epoch * config.epochs if max_steps is None else max_steps
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.05 + 0.95 * 0.5 * (1 + torch.cos(torch.tensor(min(s / max(total, 1), 1.0) * 3.14159))).item())
    res = TrainResult(model)
    start = time.perf_counter()
    order = list(range(len(examples)))
    step = 0
    first_epoch = 0
    key = {"config": {k: getattr(config, k) for k in config.__slots__}, "examples": len(examples)}
    state_file = Path(state_path) if state_path is not None else None
    if state_file is not None and state_file.is_file():
        st = torch.load(state_file, map_location="cpu", weights_only=False)
        if st.get("key") == key:
            model.load_state_dict(st["model"])
            opt.load_state_dict(st["opt"])
            sched.load_state_dict(st["sched"])
            rng.setstate(st["rng"])
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
            buf = io.BytesIO()
            torch.save({"key": key, "model": model.state_dict(), "opt": opt.state_dict(),
                        "sched": sched.state_dict(), "rng": rng.getstate(), "torch_rng": torch.get_rng_state(),
                        "losses": res.losses, "val": res.val, "step": step, "epoch": epoch + 1,
                        "order": order}, buf)
            write_atomic(state_file, buf.getvalue())
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
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError) as exc:
        raise LinkPredError(f"cannot read link-predictor checkpoint {path}: {exc}") from None
    if not isinstance(ck, dict) or ck.get("format") != "circuitforge.linkpred/1":
        raise LinkPredError(f"{path} is not a link-predictor checkpoint (expected format circuitforge.linkpred/1)")
    spec = FeatureSpec.from_dict(ck["spec"], str(path))
    model = LinkPredictor(_example_graph(spec), **ck["config"])
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ck["state"].items()})
    model.eval()
    return Predictor(model, spec, ck.get("record", {}))


def _example_graph(spec: FeatureSpec):  # noqa: ANN202 - HeteroData
    n = Netlist("probe", [Device("R1", "resistor", (("p", "a"), ("n", "b")))], ports=["a", "b"])
    return make_example(LinkTask(n, 0, (0,)), spec).data


def main(argv: Sequence[str] | None = None) -> None:
    """Train on the corpus train split and write the checkpoint (default: the shipped weights)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=None, help="AnalogGenie folder (default: the shared corpus)")
    ap.add_argument("-o", "--output", default=str(DEFAULT_WEIGHTS))
    ap.add_argument("--epochs", type=int, default=TrainConfig().epochs)
    ap.add_argument("--seed", type=int, default=0, help="split and training seed")
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(8, os.cpu_count() or 1)))
    data = load_corpus_split(args.corpus, seed=args.seed)
    spec = FeatureSpec.fit(data.train)
    t0 = time.perf_counter()
    train_ex = [make_example(t, spec) for t in training_tasks(data.train, seed=args.seed)]
    val_ex = [make_example(t, spec) for t in training_tasks(data.val, seed=args.seed)]
    print(f"{len(data.train)} train circuits → {len(train_ex)} tasks, {len(val_ex)} val tasks "
          f"({time.perf_counter() - t0:.1f} s to build)")
    cfg = TrainConfig(epochs=args.epochs, seed=args.seed)
    state = Path(args.output).with_suffix(".state")
    res = train(train_ex, cfg, val=val_ex, progress=lambda s: print(s, flush=True), state_path=state)
    record = {"split_seed": args.seed, "train_circuits": len(data.train), "train_tasks": len(train_ex),
              "epochs": cfg.epochs, "losses": res.losses, "val_top1": res.val, "seconds": round(res.seconds, 1),
              "config": {k: getattr(cfg, k) for k in cfg.__slots__}}
    save_checkpoint(args.output, res.model, spec, record)
    state.unlink(missing_ok=True)  # finished: the resumable state is no longer needed
    print(f"trained in {res.seconds:.0f} s; wrote {args.output} ({Path(args.output).stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
