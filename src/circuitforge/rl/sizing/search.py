"""Sizing by search: the agent's rollout and the baselines, all under one per-target simulation budget.

Every method sees the same objective, the sum of the negative parts of the
spec's normalised margins (:meth:`Spec.margins`: 0 exactly when every clause
is met), and stops at the first design that meets the spec strictly (or
within ``tolerance``), or when ``budget`` simulations are spent. A
:class:`Run` records every simulation in order, so the simulations to
success are the index of the first success.

- ``random``: uniform designs in the unit cube (log-uniform in value).
- ``cmaes``: CMA-ES (the ``cma`` package) from the start design, sigma 0.3, box [0, 1].
- ``bo``: Bayesian optimisation with botorch: a GP (``SingleTaskGP``) on the
  objective, batches of 4 by ``qLogExpectedImprovement`` after 8 Sobol points
  and the start design. When the GP's hyper-parameter fit fails (botorch's
  ``ModelFittingError``, a matrix that is not positive definite, NaNs), the
  GP keeps its prior hyper-parameters for that step; each such fallback is
  recorded in :attr:`Run.fallbacks` and the first of a run is warned about
  (:class:`FitFallbackWarning`).
- ``local``: random local search with the agent's moves: from the best design,
  move every parameter by -1, 0 or +1 step (5 % of its range), keep the move if it improves.
- ``ppo`` (or any SB3 policy): the policy's rollout from the start design,
  deterministic for one training horizon, then sampled.
- ``gnn-ppo``: the rollout of the transferable graph policy
  (:mod:`~circuitforge.rl.sizing.transfer`), which fits any op-amp of up to
  :data:`~circuitforge.rl.sizing.graphtask.MAX_PARAMS` parameters; its moves are
  sampled from the policy from the first step (seeded by the run), since on
  held-out topologies the sampled rollout met about twice as many targets
  within 30 simulations as the deterministic one (benchmarks/README.md).
- ``gnn-ppo+cmaes``: the graph policy's first :data:`POLICY_LEAD` simulations (where it is
  ahead of every baseline), then CMA-ES from the best design it reached, with the smaller initial
  step :data:`HYBRID_SIGMA`.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np

from ...netlists.errors import ResolutionError
from ...spice import MeasurementPredictor, Simulator
from .env import SizingTask
from ..errors import SizingError
from .problem import SizingProblem
from .spec import Spec

__all__ = ["BASELINES", "METHODS", "FitFallbackWarning", "Method", "Run", "objective", "run_method"]

Method = Literal["ppo", "gnn-ppo", "gnn-ppo+cmaes", "cmaes", "bo", "random", "local"]
METHODS: tuple[str, ...] = get_args(Method)
BASELINES: tuple[str, ...] = ("random", "cmaes", "bo", "local")


MISSING_MARGIN = -2.5
"""What a clause whose quantity could not be measured (no unity-gain crossing, a failed simulation)
counts in :func:`objective`: worse than any measured value (those are clipped at -2), so that a
search never prefers a dead amplifier to a poor one."""


def objective(spec: Spec, values: dict[str, float | None]) -> float:
    """Sum of the negative parts of the margins (<= 0; 0 when every clause is met); each clipped at -2,
    a quantity that could not be measured counts :data:`MISSING_MARGIN`.

    >>> from circuitforge.rl.sizing.spec import parse_spec
    >>> s = parse_spec("gain>=60dB,ugbw>=10MHz")
    >>> objective(s, {"gain": 70.0, "ugbw": 2e7}), objective(s, {"gain": -80.0, "ugbw": 1e3})
    (0.0, -4.0)
    >>> objective(s, {"gain": -80.0, "ugbw": None})
    -4.5
    """
    margins = spec.margins(values)
    total = 0.0
    for c in spec.clauses:
        v = values.get(c.name)
        if v is None or not math.isfinite(float(v)):
            total += MISSING_MARGIN
        else:
            total += min(0.0, max(margins[c.name], -2.0))
    return float(total)


class _Stop(Exception):
    pass


class FitFallbackWarning(RuntimeWarning):
    """A surrogate model's fit failed and the search went on with a fallback (see :attr:`Run.fallbacks`)."""


@dataclass
class Run:
    """Every simulated design of one sizing run, in order.

    ``fallbacks``: one line per step where the method fell back from its
    model (``bo``: a failed GP hyper-parameter fit, with the error), so that a
    benchmark can count them; empty for the other methods.

    ``accept``: a second check of a design that meets the spec (``accept(u)`` returns (None when it
    passes, else a margin <= 0 that is added to that design's score; the simulations it ran)): the run
    succeeds only at a design that passes it, and the checks' simulations count against the budget
    (``checks``; a check needs at most ``check_cost`` of them); ``rejected`` maps the
    index of each design that met the spec but failed the check to its margin (:data:`MISSING_MARGIN`
    when fewer than ``check_cost`` simulations were left to check it). The op-amp protocol
    of :func:`~.quick.quick_size` checks CMRR (and the follower offset) this way, so that a run goes
    on searching after a design that meets the clauses but is not differential.
    """

    problem: SizingProblem
    spec: Spec
    budget: int
    simulator: Simulator | MeasurementPredictor | None
    tolerance: float = 0.0
    us: list[np.ndarray] = field(default_factory=list)
    values: list[dict[str, float | None]] = field(default_factory=list)
    success: int | None = None  # index of the first success (0-based)
    fallbacks: list[str] = field(default_factory=list)
    accept: Callable[[np.ndarray], tuple[float | None, int]] | None = None
    check_cost: int = 1
    checks: int = 0
    rejected: dict[int, float] = field(default_factory=dict)
    last_scores: list[float] = field(default_factory=list)

    def fallback(self, what: str) -> None:
        """Record a fallback (and warn on the first of the run)."""
        self.fallbacks.append(what)
        if len(self.fallbacks) == 1:
            warnings.warn(f"{self.problem.name}: {what}; further fallbacks of this run are counted in "
                          "Run.fallbacks", FitFallbackWarning, stacklevel=3)

    @property
    def left(self) -> int:
        return self.budget - len(self.us) - self.checks

    def score(self, i: int) -> float:
        """:func:`objective` of design ``i``, plus its check margin when it failed :attr:`accept`."""
        return objective(self.spec, self.values[i]) + self.rejected.get(i, 0.0)

    def evaluate(self, us: np.ndarray) -> list[dict[str, float | None]]:
        """Simulate designs (rows of the unit cube) within the budget; raise _Stop when done."""
        us = np.atleast_2d(np.clip(np.asarray(us, dtype=float), 0.0, 1.0))[: max(0, self.left)]
        if len(us) == 0:
            raise _Stop
        got = self.problem.evaluate(self.problem.to_x(us), self.simulator)
        out = []
        first = len(self.us)
        for u, m in zip(us, got):
            v = {k: x.value for k, x in m.items()}
            self.us.append(u)
            self.values.append(v)
            out.append(v)
        for i in range(first, len(self.us)):
            if self.success is not None or not self.spec.met(self.values[i], tolerance=self.tolerance):
                continue
            if self.accept is None:
                self.success = i
            elif self.left < self.check_cost:  # not enough simulations left to check it: it cannot count
                self.rejected[i] = MISSING_MARGIN
            else:
                margin, cost = self.accept(self.us[i])
                self.checks += int(cost)
                if margin is None:
                    self.success = i
                else:
                    self.rejected[i] = min(0.0, float(margin))
        self.last_scores = [self.score(i) for i in range(first, len(self.us))]
        if self.success is not None or self.left <= 0:
            raise _Stop
        return out

    def scores(self) -> np.ndarray:
        return np.array([self.score(i) for i in range(len(self.values))])

    def best(self) -> int:
        if self.success is not None:
            return self.success
        if not self.values:
            raise SizingError("no design was simulated")
        return int(np.argmax(self.scores()))


def _random(run: Run, rng: np.random.Generator, batch: int, **_: Any) -> None:
    while True:
        run.evaluate(rng.random((batch, run.problem.dim)))


def _cmaes(run: Run, rng: np.random.Generator, start: np.ndarray, evaluated: bool = False, sigma: float = 0.3,
           popsize: int | None = None, **_: Any) -> None:
    import cma

    # cma has no 1-D search: a one-parameter problem runs in 2-D with the second coordinate unused
    pad = run.problem.dim == 1
    x0 = [*start, 0.5] if pad else list(start)
    es = cma.CMAEvolutionStrategy(x0, sigma, {"bounds": [0.0, 1.0], "seed": int(rng.integers(1, 2**31 - 1)),
                                            "verbose": -9, "maxfevals": run.budget,
                                            **({"popsize": int(popsize)} if popsize else {})})
    if not evaluated:
        run.evaluate(start[None, :])
    while True:
        xs = np.array(es.ask())
        vals = run.evaluate(xs[:, :1] if pad else xs)
        es.tell(list(xs[: len(vals)]), [-f for f in run.last_scores[: len(vals)]])


def _local(run: Run, rng: np.random.Generator, start: np.ndarray, task: SizingTask | None = None,
           **_: Any) -> None:
    step = task.step if task is not None else 0.05
    best_u = start.copy()
    run.evaluate(start[None, :])
    best = run.last_scores[0]
    while True:
        moves = rng.integers(-1, 2, run.problem.dim)
        if not moves.any():
            continue
        u = np.clip(best_u + step * moves, 0.0, 1.0)
        run.evaluate(u[None, :])
        f = run.last_scores[0]
        if f > best:
            best, best_u = f, u


def _bo(run: Run, rng: np.random.Generator, start: np.ndarray, q: int = 4, n_init: int = 8, **_: Any) -> None:
    import torch
    from botorch.acquisition.logei import qLogExpectedImprovement
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import SingleTaskGP
    from botorch.models.transforms.outcome import Standardize
    from botorch.optim import optimize_acqf
    from botorch.exceptions.errors import ModelFittingError
    from gpytorch.mlls import ExactMarginalLogLikelihood
    from linear_operator.utils.errors import NanError, NotPSDError
    from torch.quasirandom import SobolEngine

    torch.set_num_threads(1)
    seed = int(rng.integers(0, 2**31 - 1))
    dim = run.problem.dim
    with torch.random.fork_rng():  # the same seed gives the same run, whatever ran before
        torch.manual_seed(seed)
        sobol = SobolEngine(dim, scramble=True, seed=seed).draw(n_init).double().numpy()
        run.evaluate(np.vstack([start[None, :], sobol]))
        bounds = torch.stack([torch.zeros(dim), torch.ones(dim)]).double()
        while True:
            X = torch.tensor(np.array(run.us), dtype=torch.double)
            Y = torch.tensor(run.scores(), dtype=torch.double).unsqueeze(-1)
            gp = SingleTaskGP(X, Y, outcome_transform=Standardize(m=1))
            try:
                fit_gpytorch_mll(ExactMarginalLogLikelihood(gp.likelihood, gp))
            except (ModelFittingError, NotPSDError, NanError, torch.linalg.LinAlgError) as exc:
                # botorch rolls the hyper-parameters back to the prior's: the GP still works, less well
                gp.eval()
                run.fallback(f"GP hyper-parameter fit failed after {len(run.us)} simulations "
                             f"({type(exc).__name__}: {exc}); kept the prior's hyper-parameters")
            acq = qLogExpectedImprovement(gp, best_f=Y.max())
            cand, _ = optimize_acqf(acq, bounds, q=min(q, run.left), num_restarts=4, raw_samples=128,
                                    options={"seed": seed + len(run.us), "maxiter": 50})
            run.evaluate(cand.detach().numpy())


def _policy(run: Run, rng: np.random.Generator, start: np.ndarray, task: SizingTask | None = None,
            policy: Any = None, sample: bool = False, **_: Any) -> None:
    if task is None or policy is None:
        raise SizingError("the policy method needs a task and a loaded policy")
    if sample:  # the sampled rollout, reproducible from the run's seed and leaving torch's RNG as it was
        import torch

        with torch.random.fork_rng():
            torch.manual_seed(int(rng.integers(0, 2**31 - 1)))
            _rollout(run, start, task, policy, lambda steps: False)
    else:
        _rollout(run, start, task, policy, lambda steps: steps < task.horizon)


def _rollout(run: Run, start: np.ndarray, task: SizingTask, policy: Any,
             deterministic: Callable[[int], bool]) -> None:
    target = task.fit(run.spec)
    u = start.copy()
    vals = run.evaluate(u[None, :])[0]
    steps = 0
    prev = None
    while True:
        obs = task.observe(u, vals, target, prev)
        action, _ = policy.predict(obs, deterministic=deterministic(steps))
        prev = (u, vals)
        u = task.move(u, action)
        vals = run.evaluate(u[None, :])[0]
        steps += 1


POLICY_LEAD = 6
"""Simulations the graph policy spends before CMA-ES takes over in ``gnn-ppo+cmaes``. Chosen with
:data:`HYBRID_SIGMA` on the validation topologies (benchmarks/README.md, 2026-12-08): among ten
(lead, sigma) pairs, 6 and 0.2 met 80 % of 510 validation targets within 30 simulations, the earlier
10 and 0.3 77 %; the neighbours (4-8, 0.2-0.3) 77.6-79.0 %."""
HYBRID_SIGMA = 0.2
"""CMA-ES's initial step (unit cube) when it takes over from the policy in ``gnn-ppo+cmaes`` (smaller
than the 0.3 of ``cmaes`` from the start design: the policy's best design is nearer a target)."""


def _policy_cmaes(run: Run, rng: np.random.Generator, start: np.ndarray, task: SizingTask | None = None,
                  policy: Any = None, lead: int | None = None, sigma: float | None = None,
                  popsize: int | None = None, **_: Any) -> None:
    n_lead = POLICY_LEAD if lead is None else int(lead)
    head = Run(run.problem, run.spec, min(n_lead, run.budget), run.simulator, run.tolerance,
               accept=run.accept, check_cost=run.check_cost)
    try:
        _policy(head, rng, start, task=task, policy=policy, sample=True)
    except _Stop:
        pass
    run.us += head.us
    run.values += head.values
    run.checks += head.checks
    run.rejected.update(head.rejected)
    run.success = head.success
    if run.success is not None or run.left <= 0:
        raise _Stop
    _cmaes(run, rng, np.asarray(head.us[head.best()]), evaluated=True,
           sigma=HYBRID_SIGMA if sigma is None else float(sigma), popsize=popsize)


_OPTIONS: dict[str, set[str]] = {"gnn-ppo+cmaes": {"lead", "sigma", "popsize"}}
"""The settings each method takes through :func:`run_method`'s ``options``."""

_RUNNERS: dict[str, Callable[..., None]] = {"random": _random, "cmaes": _cmaes, "bo": _bo, "local": _local,
                                            "ppo": _policy, "gnn-ppo": functools.partial(_policy, sample=True),
                                            "gnn-ppo+cmaes": _policy_cmaes}


def require_measured(spec: Spec, measures: Sequence[str], what: str) -> None:
    """Raise :class:`SizingError` when ``spec`` bounds a quantity ``what`` (a sizing problem, a family's
    sizing) does not measure: it would count as missing in every design, a silently failed run."""
    unmeasured = [n for n in spec.names if n not in measures]
    if unmeasured:
        raise SizingError(f"spec {spec} bounds {', '.join(unmeasured)}, which {what} does not measure "
                          f"(it measures {', '.join(measures)})")


def run_method(method: str, problem: SizingProblem, spec: Spec, *, budget: int, seed: int,
               simulator: Simulator | MeasurementPredictor | None, tolerance: float = 0.0,
               task: SizingTask | None = None, policy: Any = None, batch: int = 2,
               accept: Callable[[np.ndarray], tuple[float | None, int]] | None = None,
               check_cost: int = 1, options: dict[str, Any] | None = None) -> Run:
    """Size ``problem`` for ``spec`` with ``method``; the :class:`Run` holds every simulation
    (``accept``, ``check_cost``: the second check a success must pass, :class:`Run`; ``options``:
    the method's own settings, ``gnn-ppo+cmaes`` taking ``lead`` and ``sigma``, default
    :data:`POLICY_LEAD` and :data:`HYBRID_SIGMA`)."""
    if method not in METHODS:
        raise ResolutionError(method, METHODS, "sizing method")
    if budget < 1:
        raise SizingError(f"budget must be at least 1 simulation, got {budget}")
    require_measured(spec, problem.measures, f"the {problem.family} sizing problem {problem.name!r}")
    unknown = sorted(set(options or {}) - _OPTIONS.get(method, set()))
    if unknown:
        raise SizingError(f"method {method!r} has no option {unknown[0]!r} (its options: "
                          f"{sorted(_OPTIONS.get(method, set())) or 'none'})")
    run = Run(problem, spec, int(budget), simulator, tolerance, accept=accept, check_cost=check_cost)
    rng = np.random.default_rng(seed)
    start = problem.start_u
    try:
        _RUNNERS[method](run, rng, start=start, task=task, policy=policy, batch=batch, **(options or {}))
    except _Stop:
        pass
    return run


