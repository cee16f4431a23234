"""Train the link predictor on the AnalogGenie corpus and write its checkpoint.

What ``circuitforge train-linkpred`` does, callable from Python::

    result = train_from_corpus(None, "runs/linkpred.pt", epochs=4)

The corpus is split by :func:`~.data.load_corpus_split` (the seed fixes the split and the
training); the feature spec is fitted on the train split, every circuit becomes its link tasks,
and the validation split is scored after every epoch. The training state is written beside the
output (``.state``) after every epoch so that an interrupted run resumes, and removed when done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import torch

from ...graph.features import FeatureSpec
from .data import load_corpus_split
from .model import make_example
from .train import TrainConfig, TrainResult, save_checkpoint, train, training_tasks

__all__ = ["train_from_corpus"]


def _quiet(_: str) -> None:
    """The default log: say nothing."""


def train_from_corpus(corpus: str | Path | None, output: str | Path, *, epochs: int = TrainConfig().epochs,
                      seed: int = 0, threads: int = 1, restart: bool = False,
                      log: Callable[[str], None] = _quiet) -> TrainResult:
    """Train on the corpus train split (``corpus`` None: the shared corpus) and write ``output``.

    Resumes from ``output`` with suffix ``.state`` when it matches the configuration;
    ``restart=True`` starts fresh. Returns the training result (model, losses, validation top-1).
    """
    output = Path(output)
    torch.set_num_threads(max(1, threads))
    data = load_corpus_split(corpus, seed=seed)
    spec = FeatureSpec.fit(data.train)
    t0 = time.perf_counter()
    train_ex = [make_example(t, spec) for t in training_tasks(data.train, seed=seed)]
    val_ex = [make_example(t, spec) for t in training_tasks(data.val, seed=seed)]
    log(f"{len(data.train)} train circuits → {len(train_ex)} tasks, {len(val_ex)} val tasks "
        f"({time.perf_counter() - t0:.1f} s to build)")
    cfg = TrainConfig(epochs=epochs, seed=seed)
    state = output.with_suffix(".state")
    res = train(train_ex, cfg, val=val_ex, progress=log, state_path=state, restart=restart)
    record = {"split_seed": seed, "train_circuits": len(data.train), "train_tasks": len(train_ex),
              "epochs": cfg.epochs, "losses": res.losses, "val_top1": res.val, "seconds": round(res.seconds, 1),
              "config": {k: getattr(cfg, k) for k in cfg.__slots__}}
    save_checkpoint(output, res.model, spec, record)
    state.unlink(missing_ok=True)  # finished: the resumable state is no longer needed
    log(f"trained in {res.seconds:.0f} s; wrote {output} ({output.stat().st_size // 1024} KiB)")
    return res
