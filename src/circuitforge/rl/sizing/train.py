"""Training a sizing policy with stable-baselines3 (PPO by default), resumable, with TensorBoard logs.

The training cost is counted in simulations: those that made the pool of
training targets plus every environment step. Training stops when the
total reaches ``total_sims``.

Files in ``checkpoint_dir``: ``latest.zip`` (the SB3 model, written
atomically every ``checkpoint_every`` simulations and at the end),
``latest.json`` (the layout the policy expects and the simulations spent),
``targets.json`` (the training targets), ``tb/`` (TensorBoard logs).
``resume=True`` continues from ``latest.zip`` with the same targets.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

from ...core.checkpoint import config_diff
from ...core.files import write_atomic
from ...core.progress import sb3_progress_callback
from ...netlists.errors import ResolutionError
from ...spice import MeasurementPredictor, SharedSimulator, Simulator
from .env import SizingTask
from ..errors import PolicyMismatch, SizingError
from .problem import SizingProblem
from .spec import Spec, parse_spec
from .targets import feasible_targets
from .vec_env import SizingVecEnv

__all__ = [
    "ALGOS",
    "TRAIN_TARGET_SEED",
    "Algo",
    "LoadedPolicy",
    "TrainResult",
    "load_policy",
    "shipped_policy_path",
    "shipped_transfer_path",
    "train_sizer",
]

Algo = Literal["ppo", "sac", "td3", "a2c"]
ALGOS: tuple[str, ...] = get_args(Algo)
TRAIN_TARGET_SEED = 1000
"""Seed of the training targets; the benchmark's held-out targets use other seeds."""


@dataclass(frozen=True)
class TrainResult:
    """Where the policy is, how many simulations training took, and how often episodes succeeded."""

    policy_path: Path
    sims: int
    target_sims: int
    episodes: int
    success_rate_last: float
    seconds: float


@dataclass(frozen=True)
class LoadedPolicy:
    """An SB3 model and the layout (problem, parameters, spec names, action mode) it was trained for."""

    model: Any
    layout: dict[str, Any]
    path: Path

    def check(self, task: SizingTask) -> None:
        """Raise :class:`PolicyMismatch` unless the policy was trained for ``task``'s layout."""
        mine = task.layout()
        for key in ("params", "names", "action_mode"):
            if self.layout.get(key) != mine.get(key):
                raise PolicyMismatch(
                    f"the policy {self.path.name} was trained for {key}={self.layout.get(key)} "
                    f"(problem {self.layout.get('problem')!r}), but this problem has {key}={mine.get(key)}; "
                    "train one with `circuitforge train-sizer` or use --method cmaes|bo|random|local")


def shipped_policy_path(problem: str = "miller45") -> Path:
    """The policy shipped in the package for a built-in problem (``miller45``)."""
    return Path(str(resources.files("circuitforge.rl.sizing") / "policies" / f"{problem}_ppo.zip"))


def shipped_transfer_path() -> Path:
    """The transferable graph policy shipped in the package (``circuitforge size --method gnn-ppo``;
    trained by :func:`~circuitforge.rl.sizing.transfer.train_transfer`)."""
    return Path(str(resources.files("circuitforge.rl.sizing") / "policies" / "opamp_gnn_ppo.zip"))


def _algo_class(algo: str) -> Any:
    if algo not in ALGOS:
        raise ResolutionError(algo, ALGOS, "RL algorithm")
    import stable_baselines3 as sb3

    return {"ppo": sb3.PPO, "sac": sb3.SAC, "td3": sb3.TD3, "a2c": sb3.A2C}[algo]


def load_policy(path: str | Path | None = None, *, device: str = "cpu") -> LoadedPolicy:
    """A saved policy (default: the shipped Miller policy) and its layout from the ``.json`` beside it."""
    p = Path(path) if path is not None else shipped_policy_path()
    if not p.is_file():
        raise SizingError(f"no policy at {p}")
    meta_path = p.with_suffix(".json")
    if not meta_path.is_file():
        raise SizingError(f"policy {p} has no layout file {meta_path.name} beside it")
    meta = json.loads(meta_path.read_text())
    cls = _algo_class(meta.get("algo", "ppo"))
    model = cls.load(str(p), device=device)
    return LoadedPolicy(model, meta, p)


def _atomic_json(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, indent=1))


def _save(model: Any, directory: Path, meta: dict) -> Path:
    buf = io.BytesIO()
    model.save(buf)  # SB3 writes its zip to a file object as well as to a path
    final = write_atomic(directory / "latest.zip", buf.getvalue())
    _atomic_json(directory / "latest.json", meta)
    return final


def train_sizer(problem: SizingProblem, *, total_sims: int = 50_000, algo: Algo = "ppo", n_envs: int = 8,
                workers: int = 2, checkpoint_dir: str | Path = "sizer-run", resume: bool = False, seed: int = 0,
                n_targets: int = 1000, targets: list[Spec] | None = None, progress: bool = False,
                checkpoint_every: int = 5_000, action_mode: str = "continuous", horizon: int = 30,
                max_step: float = 0.1, hyper: dict[str, Any] | None = None,
                simulator: Simulator | MeasurementPredictor | None = None, log: Any = None) -> TrainResult:
    """Train a goal-conditioned sizing policy on ``problem`` for at most ``total_sims`` simulations.

    Targets: ``targets`` or ``n_targets`` feasibility-certified ones
    (:func:`feasible_targets`, seed :data:`TRAIN_TARGET_SEED` + ``seed``, those
    the start design already meets left out), whose simulations count
    towards ``total_sims``.
    """
    import torch
    from stable_baselines3.common.callbacks import BaseCallback

    torch.set_num_threads(1)
    directory = Path(checkpoint_dir)
    directory.mkdir(parents=True, exist_ok=True)
    say = log or (lambda msg: None)
    t0 = time.time()
    own_sim = simulator is None
    if simulator is None:
        simulator = SharedSimulator(workers)
    meta_path = directory / "latest.json"
    done_sims = 0
    target_sims = 0
    tpath = directory / "targets.json"
    if resume and tpath.is_file():
        saved = json.loads(tpath.read_text())
        targets = [parse_spec(s) for s in saved["targets"]]
        target_sims = int(saved["sims"])
    elif targets is None:
        say(f"simulating random designs for {n_targets} training targets")
        start = {k: m.value for k, m in problem.evaluate([problem.default_x], simulator)[0].items()}
        targets, target_sims = feasible_targets(problem, n_targets, seed=TRAIN_TARGET_SEED + seed,
                                                simulator=simulator, exclude_met_by=start)
        target_sims += 1
        _atomic_json(tpath, {"targets": [str(t) for t in targets], "sims": target_sims})
    else:
        _atomic_json(tpath, {"targets": [str(t) for t in targets], "sims": 0})
    env = SizingVecEnv(problem, targets, n_envs, simulator=simulator, seed=seed, action_mode=action_mode,
                       horizon=horizon, max_step=max_step)
    cls = _algo_class(algo)
    if resume and (directory / "latest.zip").is_file():
        meta = json.loads(meta_path.read_text())
        saved = {k: meta.get(k) for k in ("algo", *env.task.layout())}
        differ = config_diff(saved, {"algo": algo, **env.task.layout()})
        if differ:  # the one resume policy (core.checkpoint): a mismatch is an error naming the fields
            raise SizingError(f"cannot resume {directory / 'latest.zip'}: its configuration differs ("
                              + ", ".join(f"{k} saved {a!r}, requested {b!r}" for k, a, b in differ)
                              + "); train without resume (or in another directory) to start afresh")
        done_sims = int(meta.get("env_sims", 0))
        model = cls.load(str(directory / "latest.zip"), env=env, device="cpu")
        say(f"resuming from {directory / 'latest.zip'} after {done_sims} environment simulations")
    else:
        kw: dict[str, Any] = {}
        if algo == "ppo":
            kw = dict(n_steps=128, batch_size=128, n_epochs=10, learning_rate=3e-4, gamma=0.95, gae_lambda=0.95,
                      ent_coef=0.0, clip_range=0.2, policy_kwargs=dict(net_arch=[128, 128]))
        kw.update(hyper or {})
        model = cls("MlpPolicy", env, seed=seed, device="cpu", tensorboard_log=str(directory / "tb"), verbose=0,
                    **kw)
    budget_env = max(0, total_sims - target_sims - done_sims)
    layout = env.task.layout()

    def meta_now(env_sims: int) -> dict:
        return {"algo": algo, **layout, "env_sims": env_sims, "target_sims": target_sims,
                "train_sims": env_sims + target_sims, "episodes": env.episodes,
                "successes": env.successes, "seconds": round(time.time() - t0, 1), "seed": seed}

    class _Checkpoint(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.next = checkpoint_every
            self.window: list[int] = []

        def _on_step(self) -> bool:
            for info in self.locals.get("infos", []):
                if "episode_steps" in info:
                    self.window.append(int(info["met"]))
            self.window = self.window[-500:]
            if env.sims >= self.next:
                self.next += checkpoint_every
                rate = sum(self.window) / max(1, len(self.window))
                self.logger.record("sizing/success_rate", rate)
                self.logger.record("sizing/sims", done_sims + env.sims + target_sims)
                _save(self.model, directory, meta_now(done_sims + env.sims))
                say(f"{done_sims + env.sims + target_sims} sims: success rate (last 500 episodes) {rate:.1%}")
            # stop before a step of every episode would take the total past the budget
            return done_sims + env.sims + target_sims + env.num_envs <= total_sims

    cb = _Checkpoint()
    try:
        if budget_env > 0:
            model.learn(total_timesteps=budget_env, callback=[cb, sb3_progress_callback(f"training {algo}",
                                                                                  enabled=progress)],
                        reset_num_timesteps=not resume, tb_log_name=algo)
        path = _save(model, directory, meta_now(done_sims + env.sims))
    finally:
        if own_sim:
            simulator.close()
    rate = sum(cb.window) / max(1, len(cb.window))
    return TrainResult(path, done_sims + env.sims + target_sims, target_sims, env.episodes, rate, time.time() - t0)
