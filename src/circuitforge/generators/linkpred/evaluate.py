"""Evaluation on held-out circuits: the model beside every baseline, every cut terminal counted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ...netlists.netlist import Netlist
from .baselines import CommonNeighbourScorer, DanglingRuleScorer, DegreeScorer, RandomScorer, RoleRuleScorer, kind_label
from .metrics import Summary, TerminalResult, rank_stats, summarise
from .model import collate, make_example, scores_for
from .task import LinkTask, Mode, tasks_for
from .train import Predictor, training_tasks

__all__ = ["ModelScorer", "evaluate", "Report"]


class ModelScorer:
    """A :class:`Predictor` as a scorer (batched over many tasks by :meth:`score_many`)."""

    name = "gnn"

    def __init__(self, predictor: Predictor, batch: int = 512) -> None:
        self.p, self.batch = predictor, batch

    def score(self, task: LinkTask) -> list[np.ndarray]:
        return self.score_many([task])

    def score_many(self, tasks: Sequence[LinkTask]) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        with torch.no_grad():
            for k in range(0, len(tasks), self.batch):
                ex = [make_example(t, self.p.spec) for t in tasks[k:k + self.batch]]
                out += scores_for(self.p.model(collate(ex)), ex)
        return out


@dataclass(frozen=True, slots=True)
class Report:
    """Per protocol (``device``/``terminal``) and scorer, a :class:`Summary`."""

    results: dict[str, dict[str, Summary]]
    circuits: int


def _score_all(scorer: object, tasks: Sequence[LinkTask]) -> list[np.ndarray]:
    if isinstance(scorer, ModelScorer):
        return scorer.score_many(tasks)
    return [s for t in tasks for s in scorer.score(t)]  # type: ignore[attr-defined]


def evaluate(predictor: Predictor | None, train: Sequence[Netlist], test: Sequence[Netlist], *,
             modes: Sequence[Mode] = ("device", "terminal"), seed: int = 0) -> Report:
    """Cut every device of every test circuit in turn (``device``: all its terminals; ``terminal``:
    one seeded terminal) and rank with the model and the baselines (the rule fitted on ``train``)."""
    rule = RoleRuleScorer().fit(training_tasks(train, seed=seed))
    scorers: list[object] = [RandomScorer(), DegreeScorer(), rule, CommonNeighbourScorer(),
                             DanglingRuleScorer(rule)]
    if predictor is not None:
        scorers.append(ModelScorer(predictor))
    results: dict[str, dict[str, Summary]] = {}
    for mode in modes:
        tasks = [t for n in test for t in tasks_for(n, mode, seed=seed)]
        meta = [(i, kind_label(t), y) for i, t in enumerate(tasks) for y in t.targets()]
        results[mode] = {}
        for s in scorers:
            scores = _score_all(s, tasks)
            assert len(scores) == len(meta)  # internal invariant: one score row per cut terminal
            results[mode][s.name] = summarise(  # type: ignore[attr-defined]
                TerminalResult(i, kind, *rank_stats(sc, y)) for (i, kind, y), sc in zip(meta, scores))
    return Report(results, len(test))
