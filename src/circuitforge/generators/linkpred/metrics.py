"""Rank metrics that count every cut terminal, with ties broken at random in expectation.

A scorer gives each candidate of a cut terminal a score; the true
candidate's rank is uniform over the places its tie group spans, so a
scorer that cannot tell candidates apart gets exactly the random figures
(top-1 ``1/|C|``), whatever order the candidates come in.

>>> import numpy as np
>>> rank_stats(np.array([0.0, 0.0, 0.0, 0.0]), 2)  # 4-way tie: top-1 1/4, top-3 3/4
(0.25, 0.75, 0.5208333333333333)
>>> rank_stats(np.array([3.0, 1.0, 2.0]), 2)
(0.0, 1.0, 0.5)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["rank_stats", "TerminalResult", "Summary", "summarise", "METRICS"]

METRICS: tuple[str, ...] = ("top1", "top3", "mrr", "device")
"""Per-terminal top-1, top-3 and mean reciprocal rank; whole-device accuracy (all cut terminals right)."""


def rank_stats(scores: np.ndarray, target: int) -> tuple[float, float, float]:
    """(P(top-1), P(top-3), E[1/rank]) of ``target`` under ``scores`` (higher is better), ties random."""
    s = np.asarray(scores, dtype=np.float64)
    t = s[target]
    above = int(np.sum(s > t))
    tied = int(np.sum(s == t))
    ranks = np.arange(above + 1, above + tied + 1)
    return (float(np.mean(ranks <= 1)), float(np.mean(ranks <= 3)), float(np.mean(1.0 / ranks)))


@dataclass(frozen=True, slots=True)
class TerminalResult:
    """One cut terminal: its task id, device kind label, and the three rank statistics."""

    task: int
    kind: str
    top1: float
    top3: float
    rr: float


@dataclass(slots=True)
class Summary:
    """Metrics over every terminal (``all``) and per device kind; ``terminals``/``devices`` counts."""

    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    terminals: dict[str, int] = field(default_factory=dict)
    devices: dict[str, int] = field(default_factory=dict)


def summarise(results: Iterable[TerminalResult]) -> Summary:
    """Aggregate terminals: means over terminals; whole-device = mean over tasks of the product
    of its terminals' top-1 probabilities (exact for independent random tie-breaks)."""
    by_task: dict[int, list[TerminalResult]] = defaultdict(list)
    for r in results:
        by_task[r.task].append(r)
    acc: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for rs in by_task.values():
        dev = float(np.prod([r.top1 for r in rs]))
        for key in ("all", rs[0].kind):
            for r in rs:
                acc[key]["top1"].append(r.top1)
                acc[key]["top3"].append(r.top3)
                acc[key]["mrr"].append(r.rr)
            acc[key]["device"].append(dev)
    out = Summary()
    for key, m in acc.items():
        out.metrics[key] = {k: float(np.mean(v)) for k, v in m.items()}
        out.terminals[key] = len(m["top1"])
        out.devices[key] = len(m["device"])
    return out


def kinds_in(summary: Summary) -> Sequence[str]:
    """Kind labels by number of terminals, most first (``all`` excluded)."""
    return sorted((k for k in summary.terminals if k != "all"), key=lambda k: -summary.terminals[k])
