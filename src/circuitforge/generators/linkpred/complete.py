"""Completing a netlist: find its dangling terminals, rank nets for them, apply the best.

Dangling terminals come from the ERC (:func:`circuitforge.netlists.validate`):
a ``floating-net`` (a net touching a single terminal, no port) marks that
terminal as cut, a ``missing-terminals`` error marks the device's absent
trailing terminals as cut. ``device=NAME`` instead re-predicts every terminal
of that device.

>>> from circuitforge.netlists import parse
>>> n = parse("* cs\\nM1 out in 0 0 nmos\\nM2 out vb vdd vdd pmos\\nR1 in dangling 1k\\n.end\\n")
>>> n.ports = ["in", "out", "vdd", "vb", "0"]
>>> c = complete(n, top=2)
>>> [(s.device, s.role) for s in c.suggestions]
[('R1', 'n')]
>>> len(c.suggestions[0].candidates)
2
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...netlists.device import TERMINAL_ROLES
from ...netlists.netlist import Netlist
from ...netlists.validate import validate
from .errors import LinkPredError
from .evaluate import ModelScorer
from .task import NEW_NET, LinkTask
from .train import Predictor, load_predictor

__all__ = ["Candidate", "Suggestion", "Completion", "dangling", "complete", "apply"]


@dataclass(frozen=True, slots=True)
class Candidate:
    net: str
    """A net of the circuit, or :data:`NEW_NET`."""
    score: float
    """Softmax probability among this terminal's candidates."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    device: str
    role: str
    position: int
    candidates: tuple[Candidate, ...]
    """Best first."""

    def to_dict(self) -> dict:
        return {"device": self.device, "role": self.role, "position": self.position,
                "candidates": [{"net": c.net, "score": round(c.score, 4)} for c in self.candidates]}


@dataclass(frozen=True, slots=True)
class Completion:
    netlist: Netlist
    """The netlist the suggestions refer to (missing terminals added as placeholders)."""
    suggestions: tuple[Suggestion, ...]

    def __repr__(self) -> str:
        return f"Completion({self.netlist.title!r}, suggestions={len(self.suggestions)})"


def dangling(netlist: Netlist, device: str | None = None) -> tuple[Netlist, dict[int, tuple[int, ...]]]:
    """The netlist with missing trailing terminals added (placeholder nets), and per device index
    the positions to predict."""
    devices = list(netlist.devices)
    names = {d.name.lower(): i for i, d in enumerate(devices)}
    if device is not None:
        i = names.get(device.lower())
        if i is None:
            raise LinkPredError(f"no device {device!r} in {netlist.title or 'the netlist'} "
                                f"(devices: {', '.join(d.name for d in devices[:20])})")
        if not devices[i].terminals:
            raise LinkPredError(f"device {devices[i].name} has no terminals to predict")
        return netlist, {i: tuple(range(len(devices[i].terminals)))}
    cut: dict[int, set[int]] = {}
    for f in validate(netlist):
        if f.code == "missing-terminals" and f.obj and f.obj.lower() in names:
            i = names[f.obj.lower()]
            d = devices[i]
            roles = TERMINAL_ROLES.get(d.kind, ())
            if len(d.terminals) < len(roles):
                extra = tuple((r, f"__cf_missing_{d.name}_{r}") for r in roles[len(d.terminals):])
                cut.setdefault(i, set()).update(range(len(d.terminals), len(roles)))
                devices[i] = replace(d, terminals=d.terminals + extra)
        elif f.code == "floating-net" and f.obj:
            key = f.obj.lower()
            for i, d in enumerate(devices):
                for j, (_, net) in enumerate(d.terminals):
                    if net.lower() == key:
                        cut.setdefault(i, set()).add(j)
    return replace(netlist, devices=devices), {i: tuple(sorted(p)) for i, p in cut.items()}


def complete(netlist: Netlist, *, device: str | None = None, top: int = 3,
             predictor: Predictor | None = None) -> Completion:
    """Ranked candidate nets for every dangling terminal (or every terminal of ``device``)."""
    if top < 1:
        raise LinkPredError(f"top must be at least 1 (got {top})")
    p = predictor or load_predictor()
    full, cut = dangling(netlist, device)
    tasks = [LinkTask(full, i, pos, truth=False) for i, pos in sorted(cut.items())]
    scores = ModelScorer(p).score_many(tasks) if tasks else []
    out, k = [], 0
    for t in tasks:
        names = [*t.candidates, NEW_NET]
        for pos in t.missing:
            s = scores[k]
            k += 1
            prob = np.exp(s - s.max())
            prob /= prob.sum()
            best = np.argsort(-prob, kind="stable")[:top]
            out.append(Suggestion(t.dev.name, t.dev.terminals[pos][0], pos,
                                  tuple(Candidate(names[b], float(prob[b])) for b in best)))
    return Completion(full, tuple(out))


def apply(completion: Completion) -> Netlist:
    """The netlist with each suggestion's best candidate connected (a new net gets a fresh name)."""
    n = completion.netlist
    used = {x.lower() for x in n.nets()} if hasattr(n, "nets") else set()
    devices = list(n.devices)
    index = {d.name: i for i, d in enumerate(devices)}
    fresh = 0
    for s in completion.suggestions:
        net = s.candidates[0].net
        if net == NEW_NET:
            fresh += 1
            while f"cf_new{fresh}" in used:
                fresh += 1
            net = f"cf_new{fresh}"
            used.add(net)
        i = index[s.device]
        terms = list(devices[i].terminals)
        terms[s.position] = (terms[s.position][0], net)
        devices[i] = replace(devices[i], terminals=tuple(terms))
    return replace(n, devices=devices)
