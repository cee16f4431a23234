"""A sizing task that any op-amp fits: the circuit as a graph of its sizing knobs, one padded layout.

:class:`SizingTask` observes a fixed parameter vector, so a policy trained on it
fits one topology. :class:`GraphSizingTask` describes a problem as a graph
whose nodes are its sizing parameters (each a matched group's width or length,
a bias port, a passive value) and whose edges join two parameters whose
devices share a signal net (or a device), the device–net graph projected onto
what a policy can move. Every node carries what the parameter is (kind,
polarity, the structural role of its devices, how many devices it sets,
whether they touch the input, the output or a rail, the width of its range)
and where it is (its current and start position in the unit cube). The spec,
the measurements and the margins are global features. All of it is packed in
one flat vector of :data:`MAX_PARAMS` padded node slots, so one SB3 policy
(:class:`~circuitforge.rl.sizing.gnn.GraphSizingPolicy`) sizes any problem
of up to that many parameters, moving every present node by up to
``max_step`` of its range per step.

:class:`MultiSizingVecEnv` runs episodes over many problems at once, a
random problem and target per episode, the step's designs of all problems
simulated as one batch.

>>> from circuitforge.rl.sizing.problem import miller_problem
>>> task = GraphSizingTask(miller_problem())
>>> task.observation_space.shape, task.action_space.shape
((1965,), (32,))
>>> g = task.graph
>>> int(g.mask.sum()), g.features.shape
(8, (32, 28))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from ...netlists import Device
from ...netlists.polarity import device_polarity
from ...netlists.structures import find_structures
from ..errors import PolicyMismatch
from .env import SizingTask
from .param import PORT_TARGET
from .problem import SizingProblem
from .spec import Spec
from .targets import TARGET_NAMES

__all__ = ["MAX_PARAMS", "NODE_FEATURES", "GraphSizingTask", "ParamGraph", "param_graph"]

MAX_PARAMS = 32
"""Node slots of the layout: problems with more sizing parameters do not fit the transferable policy."""

_KINDS = ("width", "length", "current", "voltage", "capacitor", "resistor", "other")
_POLARITY = ("nmos", "pmos", "none")
_ROLES = ("input", "tail", "cascode", "load", "gain", "source", "bias", "none")
_TOUCH = ("input", "output", "vdd", "vss")
NODE_FEATURES = len(_KINDS) + len(_POLARITY) + len(_ROLES) + len(_TOUCH) + 4 + 2
"""Per node: kind, polarity, role (one-hot), touches (4 flags), log device count, log range span,
range floor (decades from a unit reference), log-scale flag, then the current and start position."""
_STATIC = NODE_FEATURES - 2


@dataclass(frozen=True)
class ParamGraph:
    """One problem as padded graph arrays: ``features`` (MAX_PARAMS x NODE_FEATURES, the two position
    columns at the start design), ``adjacency`` (row-normalised, self loops), ``mask`` (1 for a real node)."""

    features: np.ndarray
    adjacency: np.ndarray
    mask: np.ndarray
    dim: int


def _kind(problem: SizingProblem, dev: Device | None, dev_name: str, key: str) -> str:
    if dev_name == PORT_TARGET:
        b = next((b for b in problem.ports.bias if b.name.lower() == key.lower()), None)
        return "voltage" if b is not None and b.kind == "voltage" else "current"
    k = key.lower()
    if dev is not None and dev.kind == "mosfet":
        return {"w": "width", "l": "length"}.get(k, "other")
    if dev is not None and dev.kind in ("capacitor", "resistor"):
        return dev.kind
    return "other"


def _unit_ref(kind: str) -> float:
    return {"width": 1e-6, "length": 1e-6, "current": 1e-5, "voltage": 1.0, "capacitor": 1e-12,
            "resistor": 1e4}.get(kind, 1.0)


def param_graph(problem: SizingProblem, max_params: int = MAX_PARAMS) -> ParamGraph:
    """The graph arrays of ``problem`` (module docstring); :class:`PolicyMismatch` when it has more
    than ``max_params`` parameters."""
    if problem.dim > max_params:
        raise PolicyMismatch(f"{problem.name!r} has {problem.dim} sizing parameters; the transferable policy "
                             f"has {max_params} node slots (use --method cmaes|bo|random|local)")
    body = problem._body()
    devices = {d.name.lower(): d for d in body.devices}
    ports = problem.ports
    outs = [ports.out] + ([ports.outn] if ports.outn else [])
    ins = (ports.inp,) if ports.inn is None else (ports.inp, ports.inn)  # a single-input amplifier: one
    try:
        found = find_structures(body.devices, inputs=ins, outputs=outs, vdd=ports.vdd,
                                vss=ports.vss, bias=[b.name for b in ports.bias], netlist=problem.netlist)
        roles = {k.lower(): v for k, v in found.roles.items()}
    except Exception:  # noqa: BLE001 - roles are a hint; a circuit they cannot be found in still sizes
        roles = {}
    inputs = {n.lower() for n in ins}
    outputs = {o.lower() for o in outs}
    vdd, vss = ports.vdd.lower(), {ports.vss.lower(), "0", "gnd"}
    rails = {vdd} | vss
    feats = np.zeros((max_params, NODE_FEATURES), dtype=np.float32)
    nets: list[set[str]] = []
    devs: list[set[str]] = []
    start = problem.start_u
    for i, p in enumerate(problem.params):
        targets = [(devices.get(d.lower()), d, k) for d, k in p.sets]
        kinds = [_kind(problem, dev, d, k) for dev, d, k in targets]
        kind = kinds[0] if kinds else "other"
        my_nets: set[str] = set()
        pols, rls = [], []
        for dev, d, k in targets:
            if d == PORT_TARGET:
                my_nets.add(k.lower())
                continue
            if dev is None:
                continue
            my_nets |= {n.lower() for n in dev.nets}
            if dev.kind == "mosfet":
                pols.append(device_polarity(problem.netlist, dev) or "none")
                rls.append(roles.get(dev.name.lower(), "none"))
        pol = max(set(pols), key=pols.count) if pols else "none"
        role = max(set(rls), key=rls.count) if rls else "none"
        row = [float(kind == k) for k in _KINDS] + [float(pol == k) for k in _POLARITY]
        row += [float(role == k) for k in _ROLES]
        row += [float(bool(my_nets & inputs)), float(bool(my_nets & outputs)), float(vdd in my_nets),
                float(bool(my_nets & vss))]
        row += [np.log2(1 + len(p.sets)) / 3.0, np.log10(p.high / p.low) / 2.0 if p.log else 1.0,
                np.log10(max(p.low, 1e-30) / _unit_ref(kind)) / 3.0 if p.low > 0 else 0.0, float(p.log)]
        row += [2.0 * float(start[i]) - 1.0, 2.0 * float(start[i]) - 1.0]
        feats[i] = np.asarray(row, dtype=np.float32)
        nets.append(my_nets - rails)
        devs.append({d.lower() for d, _ in p.sets})
    adj = np.zeros((max_params, max_params), dtype=np.float32)
    n = problem.dim
    for i in range(n):
        for j in range(n):
            if i == j or nets[i] & nets[j] or devs[i] & devs[j]:
                adj[i, j] = 1.0
    deg = adj.sum(1, keepdims=True)
    adj = np.divide(adj, deg, out=np.zeros_like(adj), where=deg > 0)
    mask = np.zeros(max_params, dtype=np.float32)
    mask[:n] = 1.0
    return ParamGraph(feats, adj, mask, n)


class GraphSizingTask(SizingTask):
    """:class:`SizingTask` with the padded graph observation and per-node actions (module docstring).

    Observation: the node features (MAX_PARAMS x ``node_features``, row-major), the adjacency
    (MAX_PARAMS x MAX_PARAMS), the mask, then the :class:`SizingTask` globals (measured, target,
    margins, failed flag). Actions: ``Box(-1, 1, MAX_PARAMS)``; padded slots are ignored.

    ``history=True`` adds what the last move did: each node's last move (in units of
    ``max_step``) as one more node feature, and the change of every margin it caused as more
    globals, so that a policy can tell a good direction from a bad one as a local search does;
    ``observe`` then takes ``prev``, the previous ``(u, values)`` of the episode (None at its start).
    """

    def __init__(self, problem: SizingProblem, *, names: Sequence[str] = TARGET_NAMES, max_step: float = 0.1,
                 horizon: int = 30, success_bonus: float = 10.0, max_params: int = MAX_PARAMS,
                 history: bool = False):
        self.max_params = int(max_params)
        self.history = bool(history)
        self.node_features = NODE_FEATURES + int(self.history)
        self.graph = param_graph(problem, self.max_params)
        super().__init__(problem, names=names, action_mode="continuous", max_step=max_step, horizon=horizon,
                         success_bonus=success_bonus)
        s, m, f = len(self.names), self.max_params, self.node_features
        size = m * f + m * m + m + 3 * s + 1 + (s if self.history else 0)
        self.observation_space = spaces.Box(-5.0, 5.0, (size,), np.float32)
        self.action_space = spaces.Box(-1.0, 1.0, (m,), np.float32)
        feats = self.graph.features
        if self.history:
            feats = np.concatenate([feats, np.zeros((m, 1), dtype=np.float32)], axis=1)
        self._head = np.concatenate([feats.ravel(), self.graph.adjacency.ravel(), self.graph.mask])
        self._pos = np.arange(self.graph.dim) * f + _STATIC
        self._last = np.arange(self.graph.dim) * f + NODE_FEATURES

    @classmethod
    def from_layout(cls, problem: SizingProblem, layout: dict[str, Any]) -> GraphSizingTask:
        """The task a saved graph policy's layout (its ``.json``) describes, on ``problem``
        (:class:`PolicyMismatch` when the problem has more parameters than the policy's slots)."""
        return cls(problem, names=layout["names"], max_step=layout.get("max_step", 0.1),
                   horizon=layout.get("horizon", 30), max_params=int(str(layout["params"]).split(":")[1]),
                   history=bool(layout.get("history", False)))

    def layout(self) -> dict[str, Any]:
        return {"problem": "any", "params": f"graph:{self.max_params}", "names": list(self.names),
                "action_mode": "graph", "max_step": self.max_step, "horizon": self.horizon,
                "success_bonus": self.success_bonus, "node_features": self.node_features,
                "history": self.history}

    def move(self, u: np.ndarray, action: np.ndarray) -> np.ndarray:
        a = np.clip(np.asarray(action, dtype=float).ravel()[: self.problem.dim], -1.0, 1.0)
        return np.clip(u + self.max_step * a, 0.0, 1.0)

    def observe(self, u: np.ndarray, values: dict[str, float | None], target: Spec,
                prev: tuple[np.ndarray, dict[str, float | None]] | None = None) -> np.ndarray:
        glob = super().observe(u, values, target)
        s = len(self.names)
        head = self._head.copy()
        head[self._pos] = 2.0 * np.asarray(u, dtype=np.float32) - 1.0
        parts = [head, glob[: 3 * s], glob[-1:]]
        if self.history:
            delta = np.zeros(s, dtype=np.float32)
            if prev is not None:
                head[self._last] = np.clip((np.asarray(u) - np.asarray(prev[0])) / self.max_step, -1.0, 1.0)
                now, before = target.margins(values), target.margins(prev[1])
                delta = np.clip([now[c.name] - before[c.name] for c in target.clauses], -2.0, 2.0)
            parts.append(np.asarray(delta, dtype=np.float32))
        return np.concatenate(parts).astype(np.float32)
