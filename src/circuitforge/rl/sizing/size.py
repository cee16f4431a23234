"""``size(problem, spec, method=...)``: one sizing run, by the shipped policy or a baseline.

>>> from circuitforge.rl import miller_problem, parse_spec
>>> r = size(miller_problem(), parse_spec("gain>=45dB,pm>=60deg"), method="random", budget=20, seed=0)
>>> r.met, r.sims_used <= 20
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...netlists import Netlist
from ...netlists.errors import ResolutionError
from ...spice import MeasurementPredictor, SharedSimulator, Simulator
from .env import SizingTask
from .graphtask import GraphSizingTask
from ..errors import PolicyMismatch
from .problem import SizingProblem
from .search import METHODS, Run, run_method
from .spec import Spec
from .train import LoadedPolicy, load_policy, shipped_transfer_path

__all__ = ["SizingResult", "graph_policy_task", "policy_task", "size"]


@dataclass(frozen=True)
class SizingResult:
    """The outcome of one sizing run.

    ``x``: the best design (physical values; the first that met the spec,
    else the one with the best objective); ``measured``: its measurements;
    ``met``: strict satisfaction (or within the spec's tolerance); ``sims_used``:
    simulations run; ``sims_to_success``: the position of the first design
    that met the spec (a batch of parallel simulations may run past it), or None;
    ``history``: ``(simulation index, measurements)`` of every simulation;
    ``start``: the start design's measurements; ``netlist``: the sized op-amp;
    ``fallbacks``: steps where the method fell back from its model (``bo``: a
    failed GP fit; see :attr:`~circuitforge.rl.sizing.search.Run.fallbacks`).
    """

    method: str
    spec: Spec
    x: np.ndarray
    measured: dict[str, float | None]
    met: bool
    sims_used: int
    history: list[tuple[int, dict[str, float | None]]] = field(repr=False)
    start: dict[str, float | None] = field(repr=False)
    netlist: Netlist = field(repr=False)
    params: dict[str, float] = field(default_factory=dict)
    sims_to_success: int | None = None
    fallbacks: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "spec": str(self.spec), "met": self.met, "sims_used": self.sims_used,
                "sims_to_success": self.sims_to_success, "fallbacks": self.fallbacks,
                "params": self.params, "measured": self.measured, "start": self.start,
                "margins": self.spec.margins(self.measured)}


def policy_task(layout: dict[str, Any], problem: SizingProblem) -> SizingTask:
    """The task a saved policy's layout describes, on ``problem``."""
    return SizingTask(problem, names=layout["names"], action_mode=layout["action_mode"],
                      max_step=layout.get("max_step", 0.1), step=layout.get("step", 0.05),
                      horizon=layout.get("horizon", 30))


def graph_policy_task(problem: SizingProblem, spec: Spec, policy: Any = None) -> tuple[SizingTask, Any]:
    """The task and SB3 model of a transferable graph policy (``policy``: a path or
    :class:`~circuitforge.rl.sizing.train.LoadedPolicy`, default the shipped one) on ``problem``;
    :class:`PolicyMismatch` when the policy is not a graph policy or the problem does not fit it."""
    loaded = policy if isinstance(policy, LoadedPolicy) else load_policy(policy or shipped_transfer_path())
    layout = loaded.layout
    if layout.get("action_mode") != "graph":
        raise PolicyMismatch(f"the policy {loaded.path.name} was trained for one problem "
                             f"({layout.get('problem')!r}), not as a transferable graph policy: use --method ppo")
    task = GraphSizingTask.from_layout(problem, layout)
    task.fit(spec)  # raises for quantities the policy does not observe
    return task, loaded.model


def size(problem: SizingProblem, spec: Spec, *, method: str = "ppo", budget: int = 100, seed: int = 0,
         simulator: Simulator | MeasurementPredictor | None = None, policy: Any = None, progress: bool = False,
         tolerance: float | None = None, workers: int = 1) -> SizingResult:
    """Size ``problem`` for ``spec`` within ``budget`` simulations.

    ``method``: ``gnn-ppo`` (the transferable graph policy, :func:`graph_policy_task`; ``policy``
    as for ``ppo``, default the shipped ``opamp_gnn_ppo.zip``), ``gnn-ppo+cmaes`` (its first
    simulations, then CMA-ES), ``ppo`` (the policy: ``policy`` as a path or
    :class:`~circuitforge.rl.sizing.train.LoadedPolicy`, default the shipped one; it
    must have been trained for this problem's parameter layout, else
    :class:`PolicyMismatch` says so), ``cmaes``, ``bo``, ``random`` or ``local``.
    ``simulator``: a :class:`~circuitforge.spice.Simulator` (default: a new
    ngspice one of ``workers`` processes, closed at the end) or a
    :class:`~circuitforge.spice.MeasurementPredictor` such as the graph
    predictor's ``PredictorBackend``.
    """
    if method not in METHODS:
        raise ResolutionError(method, METHODS, "sizing method")
    tol = spec.tolerance if tolerance is None else tolerance
    task: SizingTask | None = None
    model = None
    if method in ("gnn-ppo", "gnn-ppo+cmaes"):
        task, model = graph_policy_task(problem, spec, policy)
    if method == "ppo":
        loaded = policy if isinstance(policy, LoadedPolicy) else load_policy(policy)
        if loaded.layout.get("action_mode") == "graph":
            raise PolicyMismatch(f"the policy {loaded.path.name} is the transferable graph policy: "
                                 "use --method gnn-ppo")
        if loaded.layout.get("params") != list(problem.param_names):
            raise PolicyMismatch(
                f"the policy {loaded.path.name} was trained for problem {loaded.layout.get('problem')!r} with "
                f"parameters {loaded.layout.get('params')}, not {problem.name!r} with {list(problem.param_names)}; "
                "train one with `circuitforge train-sizer` or use --method cmaes|bo|random|local")
        task = policy_task(loaded.layout, problem)
        task.fit(spec)  # raises for quantities the policy does not observe
        model = loaded.model
    own = simulator is None
    if own:
        simulator = SharedSimulator(workers)
    try:
        run: Run = run_method(method, problem, spec, budget=budget, seed=seed, simulator=simulator,
                              tolerance=tol, task=task, policy=model, batch=max(1, workers))
        if method == "random":  # the only method that does not begin at the start design
            start = {k: v.value for k, v in problem.evaluate([problem.default_x], simulator)[0].items()}
        else:
            start = run.values[0]
    finally:
        if own and isinstance(simulator, Simulator):
            simulator.close()
    i = run.best()
    x = problem.to_x(run.us[i])
    return SizingResult(method, spec, x, run.values[i], run.success is not None, len(run.us),
                        list(enumerate(run.values)), start, problem.netlist_for(x),
                        {p.name: float(v) for p, v in zip(problem.params, x)},
                        (run.success + 1) if run.success is not None else None, len(run.fallbacks))

