"""Heuristic scorers for the link-prediction task, fitted (where they learn) on training circuits.

Every scorer maps a :class:`LinkTask` to one score array per cut terminal over
``task.candidates + [NEW_NET]`` (higher is better; ties count as random).

- :class:`RandomScorer`: all candidates equal (the exact expectation of a random pick).
- :class:`DegreeScorer`: the net's number of remaining connections (preferential attachment).
- :class:`RoleRuleScorer`: the most frequent (kind, polarity, terminal class) → net class rule
  (``mosfet/n`` bulk → ``vss``), net classes being port roles, ``internal`` or ``new``.
- :class:`DanglingRuleScorer`: internal nets left with a single connection first (they must
  have lost one), then the role rule.
- :class:`CommonNeighbourScorer`: paths of length two from the device's known nets to the
  candidate through another device, then degree to break ties.

>>> from circuitforge.netlists import parse
>>> from circuitforge.generators.linkpred.task import LinkTask
>>> n = parse("* inv\\nM1 out in 0 0 nmos\\nM2 out in vdd vdd pmos\\nR1 out x 1k\\n.end\\n")
>>> n.ports = ["in", "out", "vdd"]
>>> t = LinkTask(n, 0, (0,))                      # M1 drain cut
>>> t.candidates
['out', 'in', '0', 'vdd', 'x']
>>> [float(x) for x in CommonNeighbourScorer().score(t)[0]]  # M2 joins M1's gate net to out, in, vdd
[1.002, 1.002, 0.002, 1.002, 0.001, 0.0]
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Protocol

import numpy as np

from ...graph.features import net_role, netlist_nets, polarity, terminal_class
from .task import LinkTask

__all__ = ["Scorer", "RandomScorer", "DegreeScorer", "RoleRuleScorer", "CommonNeighbourScorer",
           "DanglingRuleScorer", "kind_label"]


class Scorer(Protocol):
    name: str

    def score(self, task: LinkTask) -> list[np.ndarray]: ...


def kind_label(task: LinkTask) -> str:
    """``mosfet/n``, ``bjt/p``, ``resistor``, ... for per-kind reports."""
    pol = polarity(task.netlist, task.dev)
    return task.dev.kind if pol == "none" else f"{task.dev.kind}/{pol}"


def _degrees(task: LinkTask) -> tuple[list[str], np.ndarray, dict[str, set[int]]]:
    """Candidates, their remaining degree, and the devices touching each (cut terminals excluded)."""
    cands = task.candidates
    _, canon = netlist_nets(task.netlist)
    touch: dict[str, set[int]] = defaultdict(set)
    deg = Counter()
    for i, d in enumerate(task.netlist.devices):
        for j, (_, net) in enumerate(d.terminals):
            if i == task.device and j in task.missing:
                continue
            touch[canon(net)].add(i)
            deg[canon(net)] += 1
    return cands, np.array([deg[c] for c in cands], dtype=np.float64), touch


class RandomScorer:
    """Every candidate (and a new net) equally likely."""

    name = "random"

    def score(self, task: LinkTask) -> list[np.ndarray]:
        return [np.zeros(len(task.candidates) + 1) for _ in task.missing]


class DegreeScorer:
    """The busiest net first; a new net last."""

    name = "degree"

    def score(self, task: LinkTask) -> list[np.ndarray]:
        _, deg, _ = _degrees(task)
        s = np.append(deg, -1.0)
        return [s.copy() for _ in task.missing]


class CommonNeighbourScorer:
    """Shared neighbours: how many other devices join the candidate to one of the device's known
    nets (a 2-hop count in the device–net graph), plus 0.001 x degree to break ties; new net last.
    With every terminal cut there are no known nets and this is the degree ranking."""

    name = "common-neighbour"

    def score(self, task: LinkTask) -> list[np.ndarray]:
        cands, deg, touch = _degrees(task)
        _, canon = netlist_nets(task.netlist)
        known = {canon(task.dev.terminals[p][1]) for p in task.known}
        near: Counter[str] = Counter()
        for k in known:
            for i in touch.get(k, ()):
                if i == task.device:
                    continue
                for net in {canon(x) for x in task.netlist.devices[i].nets}:
                    near[net] += 1
        s = np.array([near[c] for c in cands], dtype=np.float64) + 1e-3 * deg
        s = np.append(s, 0.0)
        return [s.copy() for _ in task.missing]


class RoleRuleScorer:
    """P(net class | kind, polarity, terminal class) counted on training tasks, backing off to
    (kind, terminal class), then to all terminals; a candidate scores its class's frequency."""

    name = "role-rule"

    def __init__(self) -> None:
        self.counts: dict[tuple, Counter[str]] = defaultdict(Counter)

    @staticmethod
    def _keys(task: LinkTask, p: int) -> list[tuple]:
        d = task.dev
        cls = terminal_class(d, p)
        return [(d.kind, polarity(task.netlist, d), cls), (d.kind, cls), ()]

    @staticmethod
    def _classes(task: LinkTask) -> list[str]:
        return [net_role(task.netlist, c) for c in task.candidates] + ["new"]

    def fit(self, tasks: Iterable[LinkTask]) -> RoleRuleScorer:
        for t in tasks:
            classes = self._classes(t)
            for p, y in zip(t.missing, t.targets()):
                for key in self._keys(t, p):
                    self.counts[key][classes[y]] += 1
        return self

    def score(self, task: LinkTask) -> list[np.ndarray]:
        classes = self._classes(task)
        out = []
        for p in task.missing:
            c: Counter[str] = Counter()
            for key in self._keys(task, p):
                if sum(self.counts.get(key, Counter()).values()) >= 5:
                    c = self.counts[key]
                    break
            total = sum(c.values()) + 1.0
            out.append(np.array([math.log((c[x] + 0.01) / total) for x in classes]))
        return out


class DanglingRuleScorer:
    """Nets that are no port and keep a single connection (a net needs two: it lost this one)
    first, then :class:`RoleRuleScorer` within each group. ``rule`` must be fitted."""

    name = "dangling+rule"

    def __init__(self, rule: RoleRuleScorer) -> None:
        self.rule = rule

    def score(self, task: LinkTask) -> list[np.ndarray]:
        cands, deg, _ = _degrees(task)
        classes = [net_role(task.netlist, c) for c in cands]
        bonus = np.array([100.0 if (d == 1 and k == "internal") else 0.0 for d, k in zip(deg, classes)] + [0.0])
        return [s + bonus for s in self.rule.score(task)]
