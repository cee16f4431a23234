"""Train an EM surrogate on a filter dataset, score it on held-out chunks beside baselines, save it.

What ``circuitforge filter train-surrogate`` does, callable from Python::

    report = train_and_evaluate("out/rf/lowpass-skrf", "runs/em_lowpass.pt", epochs=150)
    report.heldout["surrogate"]["mae_s21_db"]

The last ``test_chunks`` chunks of the dataset are held out; the surrogate is scored on them beside
the mean-response and nearest-neighbour baselines, and the scores go into the checkpoint's record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..rf.dataset import load_dataset
from ..rf.geometry import family
from .errors import SurrogateError
from .evaluate import baseline_mean, baseline_nearest, evaluate_methods
from .model import targets_from_s
from .surrogate import EMSurrogate
from .train import TrainConfig, save_surrogate, split_by_chunk, train_surrogate

__all__ = ["SurrogateReport", "train_and_evaluate"]


@dataclass(frozen=True)
class SurrogateReport:
    """Where the checkpoint went, the filter kind and the held-out scores per method."""

    path: Path
    kind: str
    heldout: dict[str, dict[str, Any]] = field(default_factory=dict)


def _dataset_meta(data: Path) -> dict[str, Any]:
    meta_file = data / "meta.json"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SurrogateError(f"cannot read dataset {data}: {meta_file}: {exc}") from None
    missing = [k for k in ("kind", "chunk", "solver") if k not in meta]
    if missing:
        raise SurrogateError(f"{meta_file}: missing {', '.join(missing)} (expected a filter dataset's meta.json)")
    return meta


def train_and_evaluate(data: str | Path, out: str | Path | None = None, *, epochs: int = 150, hidden: int = 384,
                       test_chunks: int = 2, restart: bool = False,
                       log: Callable[[str], None] | None = None) -> SurrogateReport:
    """Train on ``data`` (a ``circuitforge filter dataset`` folder) and write the checkpoint ``out``
    (default ``out/rf/em_KIND.pt`` under the current directory, never the shipped weights).

    Training resumes from ``out`` with suffix ``.state`` when it matches; ``restart=True`` starts
    fresh. Raises :class:`SurrogateError` (an :class:`~circuitforge.rf.errors.RFError`) naming the
    file when the dataset cannot be read.
    """
    data = Path(data)
    meta = _dataset_meta(data)
    x, s, f, chunk_ids = load_dataset(data, with_chunks=True)
    kind = meta["kind"]
    target = Path(out) if out is not None else Path("out/rf") / f"em_{kind}.pt"
    tr, te = split_by_chunk(len(x), meta["chunk"], test_chunks, chunk_ids)
    net, rec = train_surrogate(kind, x[tr], s[tr], TrainConfig(epochs=epochs, hidden=hidden),
                               state_path=target.with_suffix(".state"), progress=log, restart=restart)
    rec.update(dataset=str(data), solver=meta["solver"], test_samples=len(te))
    sur = EMSurrogate(net, family(kind))
    db_tr, _ = targets_from_s(s[tr])

    def predict(xx: np.ndarray) -> np.ndarray:
        p = sur.predict(xx)
        return np.stack([p.s11_db, p.s21_db], 1)

    res = evaluate_methods(kind, f, x[te], s[te], {"surrogate": predict, "mean": baseline_mean(db_tr),
                                                   "nearest": baseline_nearest(family(kind), x[tr], db_tr)})
    rec["heldout"] = res
    save_surrogate(target, net, kind, rec)
    return SurrogateReport(target, kind, res)
