"""Vectorised sizing episodes for stable-baselines3: one batch of simulations per step, in parallel workers.

>>> import inspect
>>> "step_wait" in dict(inspect.getmembers(SizingVecEnv))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from stable_baselines3.common.vec_env import VecEnv

from ...spice import MeasurementPredictor, SharedSimulator, Simulator
from .env import SizingTask, StartValues, pick_target
from .problem import SizingProblem
from .spec import Clause, Spec
from .targets import feasible_target

__all__ = ["MultiSizingVecEnv", "SizingVecEnv", "make_vec_env"]


def _values(m: dict) -> dict[str, float | None]:
    return {k: v.value for k, v in m.items()}


class SizingVecEnv(VecEnv):
    """``n_envs`` sizing episodes whose steps are simulated together, in parallel over the simulator's workers.

    A stable-baselines3 ``VecEnv``: ``step`` gathers one design per episode and
    runs them as one batch (``simulator.run_many``), so a
    :class:`~circuitforge.spice.SharedSimulator` with two workers runs two
    decks at once, and a :class:`~circuitforge.spice.RaySimulator`
    (``make_simulator("ray", workers=...)``) spreads the batch over a Ray
    cluster's actors. Finished episodes reset automatically (``terminal_observation``
    in their info, as SB3 expects).
    """

    def __init__(self, problem: SizingProblem, targets: Any, n_envs: int = 8, *,
                 simulator: Simulator | MeasurementPredictor | None = None, workers: int = 2, seed: int = 0,
                 task: SizingTask | None = None, **task_kw: Any):
        self.task = task or SizingTask(problem, **task_kw)
        self.problem = problem
        self.targets = targets
        self._own = simulator is None
        self.simulator: Simulator | MeasurementPredictor = (SharedSimulator(workers) if simulator is None
                                                             else simulator)
        self.rng = np.random.default_rng(seed)
        self._start = StartValues()
        self.sims = 0
        self.successes = 0
        self.episodes = 0
        self._actions: np.ndarray | None = None
        self.render_mode = None
        super().__init__(n_envs, self.task.observation_space, self.task.action_space)
        self.u = np.zeros((n_envs, problem.dim))
        self.vals: list[dict[str, float | None]] = [{} for _ in range(n_envs)]
        self.tg: list[Spec] = [Spec((Clause("gain", ">=", 0.0),))] * n_envs
        self.steps = np.zeros(n_envs, dtype=int)

    def _reset_one(self, i: int) -> np.ndarray:
        self.tg[i] = self.task.fit(pick_target(self.targets, self.rng))
        self.u[i] = self.problem.start_u
        self.vals[i], n = self._start.get(self.problem, self.simulator)
        self.sims += n
        self.steps[i] = 0
        return self.task.observe(self.u[i], self.vals[i], self.tg[i])

    def reset(self) -> np.ndarray:
        return np.stack([self._reset_one(i) for i in range(self.num_envs)])

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
        assert self._actions is not None
        for i in range(self.num_envs):
            self.u[i] = self.task.move(self.u[i], self._actions[i])
        measured = self.problem.evaluate(self.problem.to_x(self.u), self.simulator)
        self.sims += self.num_envs
        obs, rews, dones, infos = [], [], [], []
        for i, m in enumerate(measured):
            self.vals[i] = _values(m)
            self.steps[i] += 1
            r, met = self.task.reward(self.vals[i], self.tg[i])
            trunc = (not met) and self.steps[i] >= self.task.horizon
            o = self.task.observe(self.u[i], self.vals[i], self.tg[i])
            info: dict[str, Any] = {"met": met, "TimeLimit.truncated": trunc}
            if met or trunc:
                self.episodes += 1
                self.successes += int(met)
                info["terminal_observation"] = o
                info["episode_steps"] = int(self.steps[i])
                o = self._reset_one(i)
            obs.append(o)
            rews.append(r)
            dones.append(met or trunc)
            infos.append(info)
        return np.stack(obs), np.asarray(rews, dtype=np.float32), np.asarray(dones), infos

    def close(self) -> None:
        if self._own and isinstance(self.simulator, Simulator):
            self.simulator.close()

    def get_attr(self, attr_name: str, indices: Any = None) -> list:
        return [getattr(self, attr_name) for _ in self._idx(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        setattr(self, attr_name, value)

    def env_method(self, method_name: str, *args: Any, indices: Any = None, **kw: Any) -> list:
        return [getattr(self, method_name)(*args, **kw) for _ in self._idx(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False for _ in self._idx(indices)]

    def seed(self, seed: int | None = None) -> list:
        self.rng = np.random.default_rng(seed)
        return [seed] * self.num_envs

    def _idx(self, indices: Any) -> list[int]:
        if indices is None:
            return list(range(self.num_envs))
        if isinstance(indices, int):
            return [indices]
        return list(indices)


def make_vec_env(problem: SizingProblem, targets: Any, n_envs: int = 8, *, workers: int = 2, seed: int = 0,
                 **task_kw: Any) -> SizingVecEnv:
    """A :class:`SizingVecEnv` over a new ngspice simulator of ``workers`` processes."""
    return SizingVecEnv(problem, targets, n_envs, workers=workers, seed=seed, **task_kw)





class MultiSizingVecEnv(VecEnv):
    """Sizing episodes over many problems at once: each episode draws a task (one problem) and one of
    its targets; every step's designs, of whatever problems, are simulated as one batch.

    ``tasks``: tasks sharing one observation and action space (such as
    :class:`~circuitforge.rl.sizing.graphtask.GraphSizingTask` of several
    op-amps); ``targets``: one target source per task (as in :class:`SizingVecEnv`).
    ``stats`` counts episodes and successes per task name.

    ``hindsight`` (0 to 1): the share of episodes whose target is instead drawn from the designs
    the agent itself simulated on that problem (each one's spec by the 5 % rule,
    :func:`~circuitforge.rl.sizing.targets.feasible_target`: feasible by construction, at no
    extra simulation; the last ``hindsight_size`` per problem are kept), so that a policy sees
    many more targets than the pools hold and cannot learn the pools by heart.
    """

    def __init__(self, tasks: list[SizingTask], targets: list[Any], n_envs: int = 16, *,
                 simulator: Simulator | MeasurementPredictor | None = None, workers: int = 2, seed: int = 0,
                 hindsight: float = 0.0, hindsight_size: int = 256):
        if not tasks or len(tasks) != len(targets):
            raise ValueError(f"need one target source per task, got {len(tasks)} tasks and {len(targets)} sources")
        shapes = {t.observation_space.shape for t in tasks} | {("a",) + t.action_space.shape for t in tasks}
        if len(shapes) != 2:
            raise ValueError("the tasks of a MultiSizingVecEnv must share their observation and action spaces")
        self.tasks, self.targets = tasks, targets
        self.hindsight, self.hindsight_size = float(hindsight), int(hindsight_size)
        self.visited: list[list[Spec]] = [[] for _ in tasks]
        self._own = simulator is None
        self.simulator: Simulator | MeasurementPredictor = (SharedSimulator(workers) if simulator is None
                                                             else simulator)
        self.rng = np.random.default_rng(seed)
        self._starts = [StartValues() for _ in tasks]
        self.sims = self.successes = self.episodes = 0
        self.stats: dict[str, list[int]] = {}
        self._actions: np.ndarray | None = None
        self.render_mode = None
        super().__init__(n_envs, tasks[0].observation_space, tasks[0].action_space)
        self.k = np.zeros(n_envs, dtype=int)
        self.u: list[np.ndarray] = [np.zeros(1)] * n_envs
        self.vals: list[dict[str, float | None]] = [{} for _ in range(n_envs)]
        self.tg: list[Spec] = [Spec((Clause("gain", ">=", 0.0),))] * n_envs
        self.steps = np.zeros(n_envs, dtype=int)
        self.prev: list[tuple[np.ndarray, dict[str, float | None]] | None] = [None] * n_envs

    def _reset_one(self, i: int) -> np.ndarray:
        k = int(self.rng.integers(len(self.tasks)))
        task = self.tasks[k]
        self.k[i] = k
        self.u[i] = task.problem.start_u
        self.vals[i], n = self._starts[k].get(task.problem, self.simulator)
        seen = self.visited[k]
        if seen and self.hindsight > 0 and self.rng.random() < self.hindsight:
            self.tg[i] = task.fit(seen[int(self.rng.integers(len(seen)))])
        else:
            self.tg[i] = task.fit(pick_target(self.targets[k], self.rng))
        self.prev[i] = None
        self.sims += n
        self.steps[i] = 0
        return task.observe(self.u[i], self.vals[i], self.tg[i])

    def reset(self) -> np.ndarray:
        return np.stack([self._reset_one(i) for i in range(self.num_envs)])

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
        assert self._actions is not None
        jobs = []
        for i in range(self.num_envs):
            p = self.tasks[self.k[i]].problem
            self.prev[i] = (self.u[i], self.vals[i])
            self.u[i] = self.tasks[self.k[i]].move(self.u[i], self._actions[i])
            jobs.append((p, p.to_x(self.u[i])))
        if isinstance(self.simulator, MeasurementPredictor):
            measured = [p.evaluate([x], self.simulator)[0] for p, x in jobs]
        else:
            results = self.simulator.run_many([(p.deck(x), p.analyses) for p, x in jobs])
            measured = [p.measure(r) for (p, _), r in zip(jobs, results)]
        self.sims += self.num_envs
        obs, rews, dones, infos = [], [], [], []
        for i, m in enumerate(measured):
            task = self.tasks[self.k[i]]
            self.vals[i] = _values(m)
            self.steps[i] += 1
            if self.hindsight > 0:
                self._remember(int(self.k[i]), self.vals[i])
            r, met = task.reward(self.vals[i], self.tg[i])
            trunc = (not met) and self.steps[i] >= task.horizon
            o = task.observe(self.u[i], self.vals[i], self.tg[i], self.prev[i])
            info: dict[str, Any] = {"met": met, "TimeLimit.truncated": trunc}
            if met or trunc:
                self.episodes += 1
                self.successes += int(met)
                s = self.stats.setdefault(task.problem.name, [0, 0])
                s[0] += 1
                s[1] += int(met)
                info["terminal_observation"] = o
                info["episode_steps"] = int(self.steps[i])
                o = self._reset_one(i)
            obs.append(o)
            rews.append(r)
            dones.append(met or trunc)
            infos.append(info)
        return np.stack(obs), np.asarray(rews, dtype=np.float32), np.asarray(dones), infos

    def _remember(self, k: int, values: dict[str, float | None]) -> None:
        start = self._starts[k].values
        t = feasible_target(values, names=self.tasks[k].names, exclude_met_by=start)
        if t is None:
            return
        seen = self.visited[k]
        if len(seen) < self.hindsight_size:
            seen.append(t)
        else:
            seen[int(self.rng.integers(len(seen)))] = t

    close = SizingVecEnv.close
    get_attr = SizingVecEnv.get_attr
    set_attr = SizingVecEnv.set_attr
    env_method = SizingVecEnv.env_method
    env_is_wrapped = SizingVecEnv.env_is_wrapped
    seed = SizingVecEnv.seed
    _idx = SizingVecEnv._idx
