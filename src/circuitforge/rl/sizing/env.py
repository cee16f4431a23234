"""Goal-conditioned sizing environments: :class:`SizingEnv` (gymnasium) and :class:`SizingVecEnv` (SB3).

An episode sizes one op-amp towards one target :class:`Spec`. It starts at
the problem's start design (whose simulation is done once and reused); each
step moves the design in the unit cube of the parameters and simulates it
(one OP + AC deck). The episode ends (``terminated``) on strict satisfaction
of every clause and is cut (``truncated``) after ``horizon`` steps.

Observation (float32, ``3 S + P + 1`` values for ``S`` target quantities and
``P`` parameters): the normalised measured specs, the normalised target, the
signed normalised margins (:meth:`Spec.margins`, clipped to [-2, 2]), the
parameters mapped to [-1, 1], and a flag for a failed simulation.

Actions: ``continuous`` (``Box(-1, 1, P)``: each parameter moves by up to
``max_step`` of its range) or ``discrete`` (``MultiDiscrete([3] * P)``: each
parameter down, stays, or up by ``step`` of its range).

:class:`~circuitforge.rl.sizing.vec_env.SizingVecEnv` runs many episodes with their
simulations batched over parallel ngspice workers.

Reward: the sum of the negative parts of the margins (0 when a clause is
met), plus ``success_bonus`` on the step that meets every clause.

>>> from circuitforge.rl.sizing.problem import miller_problem
>>> task = SizingTask(miller_problem())
>>> task.observation_space.shape, task.action_space.shape
((21,), (8,))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from ...spice import MeasurementPredictor, SharedSimulator, Simulator
from ..errors import SizingError
from .problem import SizingProblem
from .spec import Clause, Spec, spec_feature
from .targets import BOUNDS, TARGET_NAMES

__all__ = ["ACTION_MODES", "ActionMode", "SizingEnv", "SizingTask", "StartValues", "TargetSource", "pick_target"]

ActionMode = Literal["continuous", "discrete"]
ACTION_MODES: tuple[str, ...] = get_args(ActionMode)
TargetSource = Any  # a sequence of Spec, or a function of a numpy Generator returning one

# bounds that every design meets, for quantities a spec leaves free
_LOOSE = {"gain": -100.0, "ugbw": 1.0, "pm": -180.0, "bw": 1.0, "power": 10.0}


class SizingTask:
    """What environments and agents share: spaces, the move, the observation and the reward."""

    def __init__(self, problem: SizingProblem, *, names: Sequence[str] = TARGET_NAMES,
                 action_mode: ActionMode = "continuous", max_step: float = 0.1, step: float = 0.05,
                 horizon: int = 30, success_bonus: float = 10.0):
        if action_mode not in ACTION_MODES:
            raise SizingError(f"unknown action mode {action_mode!r} (expected one of {list(ACTION_MODES)})")
        self.problem = problem
        self.names = tuple(names)
        self.action_mode = action_mode
        self.max_step = float(max_step)
        self.step = float(step)
        self.horizon = int(horizon)
        self.success_bonus = float(success_bonus)
        p, s = problem.dim, len(self.names)
        self.observation_space = spaces.Box(-5.0, 5.0, (3 * s + p + 1,), np.float32)
        if action_mode == "continuous":
            self.action_space: spaces.Space = spaces.Box(-1.0, 1.0, (p,), np.float32)
        else:
            self.action_space = spaces.MultiDiscrete([3] * p)

    def layout(self) -> dict[str, Any]:
        """What a policy trained on this task expects (stored beside it)."""
        return {"problem": self.problem.name, "params": list(self.problem.param_names), "names": list(self.names),
                "action_mode": self.action_mode, "max_step": self.max_step, "step": self.step,
                "horizon": self.horizon, "success_bonus": self.success_bonus}

    def fit(self, spec: Spec) -> Spec:
        """``spec`` with this task's quantities in order; a quantity it leaves free gets a bound every design meets."""
        extra = [n for n in spec.names if n not in self.names]
        if extra:
            raise SizingError(f"spec bounds {extra}, which this task does not observe (it sees {list(self.names)})")
        clauses = []
        for n in self.names:
            if n in spec.names:
                c = spec.clause(n)
                if c.bound != BOUNDS[n]:
                    raise SizingError(f"this task bounds {n} with {BOUNDS[n]}, the spec with {c.bound}")
                clauses.append(c)
            else:
                clauses.append(Clause(n, BOUNDS[n], _LOOSE[n]))  # type: ignore[arg-type]
        return Spec(tuple(clauses), spec.tolerance)

    def move(self, u: np.ndarray, action: np.ndarray) -> np.ndarray:
        a = np.asarray(action)
        if self.action_mode == "continuous":
            delta = self.max_step * np.clip(a.astype(float), -1.0, 1.0)
        else:
            delta = self.step * (a.astype(float) - 1.0)
        return np.clip(u + delta, 0.0, 1.0)

    def observe(self, u: np.ndarray, values: dict[str, float | None], target: Spec,
                prev: tuple[np.ndarray, dict[str, float | None]] | None = None) -> np.ndarray:
        """The observation at design ``u`` with measurements ``values``; ``prev`` (the episode's previous
        design and measurements) is ignored here, a task with history uses it."""
        failed = any(values.get(n) is None for n in self.names)
        meas = [0.0 if values.get(n) is None else spec_feature(n, values[n]) for n in self.names]  # type: ignore[arg-type]
        tgt = [spec_feature(c.name, c.value) for c in target.clauses]
        marg = list(target.margins(values).values())
        obs = np.concatenate([np.clip(meas, -5, 5), np.clip(tgt, -5, 5), np.clip(marg, -2, 2),
                              2.0 * np.asarray(u) - 1.0, [1.0 if failed else 0.0]])
        return obs.astype(np.float32)

    def reward(self, values: dict[str, float | None], target: Spec) -> tuple[float, bool]:
        met = target.met(values, tolerance=0.0)
        r = sum(min(0.0, max(m, -2.0)) for m in target.margins(values).values())
        if met:
            r += self.success_bonus
        return float(r), met


def pick_target(targets: Any, rng: np.random.Generator) -> Spec:
    if callable(targets):
        return targets(rng)
    if not targets:
        raise SizingError("no targets to train or size for")
    return targets[int(rng.integers(len(targets)))]


def _values(m: dict) -> dict[str, float | None]:
    return {k: v.value for k, v in m.items()}


class StartValues:
    """The start design's measurements, simulated once."""

    def __init__(self) -> None:
        self.values: dict[str, float | None] | None = None

    def get(self, problem: SizingProblem,
            simulator: Simulator | MeasurementPredictor | None) -> tuple[dict[str, float | None], int]:
        if self.values is not None:
            return self.values, 0
        self.values = _values(problem.evaluate([problem.default_x], simulator)[0])
        return self.values, 1


class SizingEnv(gym.Env):
    """One op-amp, one target per episode; simulations through ``simulator`` (default: one ngspice worker).

    ``targets``: a sequence of :class:`Spec` (one drawn per episode) or a
    function of a numpy Generator; ``reset(options={"target": spec})`` fixes one.
    ``sims`` counts the simulations run.
    """

    metadata = {"render_modes": []}

    def __init__(self, problem: SizingProblem, targets: Any, *,
                 simulator: Simulator | MeasurementPredictor | None = None, action_mode: ActionMode = "continuous",
                 horizon: int = 30, max_step: float = 0.1, step: float = 0.05, names: Sequence[str] = TARGET_NAMES,
                 task: SizingTask | None = None):
        self.task = task or SizingTask(problem, names=names, action_mode=action_mode, max_step=max_step, step=step,
                                       horizon=horizon)
        self.problem = problem
        self.targets = targets
        self.observation_space = self.task.observation_space
        self.action_space = self.task.action_space
        self._own = simulator is None
        self._sim = simulator
        self._start = StartValues()
        self.sims = 0
        self.u = self.problem.start_u
        self.values: dict[str, float | None] = {}
        self.target: Spec | None = None
        self.steps = 0

    @property
    def simulator(self) -> Simulator | MeasurementPredictor:
        if self._sim is None:
            self._sim = SharedSimulator(1)
        return self._sim

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        opts = options or {}
        target = opts.get("target")
        self.target = self.task.fit(target if target is not None else pick_target(self.targets, self.np_random))
        self.u = np.asarray(opts.get("u", self.problem.start_u), dtype=float)
        if "u" in opts:
            self.values = _values(self.problem.evaluate([self.problem.to_x(self.u)], self.simulator)[0])
            self.sims += 1
        else:
            self.values, n = self._start.get(self.problem, self.simulator)
            self.sims += n
        self.steps = 0
        met = self.target.met(self.values)
        return self.task.observe(self.u, self.values, self.target), {"measured": dict(self.values), "met": met}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        if self.target is None:
            raise SizingError("call reset() before step()")
        self.u = self.task.move(self.u, action)
        self.values = _values(self.problem.evaluate([self.problem.to_x(self.u)], self.simulator)[0])
        self.sims += 1
        self.steps += 1
        r, met = self.task.reward(self.values, self.target)
        truncated = (not met) and self.steps >= self.task.horizon
        info = {"measured": dict(self.values), "met": met, "sims": self.sims}
        return self.task.observe(self.u, self.values, self.target), r, met, truncated, info

    def close(self) -> None:
        if self._own and isinstance(self._sim, Simulator):
            self._sim.close()
            self._sim = None
