"""One sizing policy for many op-amps: the corpus split by topology, target pools, and training.

The op-amps of the AnalogGenie corpus are split by **canonical hash**
(:func:`topology_split`: 70 % train, 10 % validation, 20 % test), so that
two drawings of one topology never sit on both sides. Each becomes a
:class:`~circuitforge.rl.sizing.problem.SizingProblem` by the derivation
every other sizing path uses (:meth:`SizingProblem.from_netlist`: role-based
start, DC-servo testbench); :func:`corpus_problems` reports those that do not
(no op-amp interface, more parameters than :data:`~.graphtask.MAX_PARAMS`,
a start design that does not simulate) with the reason.

Targets are the measured specs of **uniform random designs** of each
topology (:func:`~circuitforge.rl.sizing.targets.feasible_targets`: feasible
by construction, those the start design already meets left out). During
training, ``hindsight`` of the episodes (half by default) instead aim at the
spec of a design the agent itself simulated on that topology (by the same
rule, so just as feasible, at no extra simulation): the pools alone are
small enough (16 per topology) for PPO to learn them by heart, and a policy
that did reached half of its training targets but a fifth of held-out ones.
:func:`train_transfer` trains :class:`~circuitforge.rl.sizing.gnn.GraphSizingPolicy`
with SB3's PPO over all training topologies at once
(:class:`~circuitforge.rl.sizing.vec_env.MultiSizingVecEnv`), resumable,
the simulations of the target pools counted in its budget.

>>> topology_split("0" * 64) in SPLITS
True
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...core.checkpoint import config_diff
from ...core.progress import sb3_progress_callback
from ...graph.hashing import canonical_hash
from ...netlists import CircuitforgeError
from ...netlists.analoggenie import CorpusError, iter_corpus
from ...spice import MeasurementPredictor, SharedSimulator, Simulator
from ..errors import PolicyMismatch, SizingError
from .gnn import GraphSizingPolicy
from .graphtask import MAX_PARAMS, GraphSizingTask
from .problem import SizingProblem
from .spec import Spec, parse_spec
from .targets import feasible_targets
from .train import _atomic_json, _save, load_policy, shipped_transfer_path
from .vec_env import MultiSizingVecEnv

__all__ = ["SPLITS", "CorpusProblem", "TransferResult", "corpus_problems", "finetune_transfer",
           "target_pools", "topology_split", "train_transfer"]

SPLITS = ("train", "val", "test")
TRANSFER_TARGET_SEED = 2000
"""Seed of the training targets (the benchmark's held-out targets use another)."""
FINETUNE_TARGET_SEED = 3000
"""Seed of a fine-tuning run's target pool (neither the training pools' nor the benchmark's)."""
FINETUNE_HYPER: dict[str, Any] = dict(n_steps=16, batch_size=64, n_epochs=10, learning_rate=1e-4)
"""PPO settings of :func:`finetune_transfer`: short rollouts so that a budget of a few thousand
simulations still gives tens of updates; a smaller step than training's."""


def topology_split(canonical: str) -> str:
    """``train``/``val``/``test`` of a topology from its canonical hash (70/10/20, stable)."""
    b = int(hashlib.sha256(canonical.encode()).hexdigest()[:8], 16) % 10
    return "train" if b < 7 else ("val" if b == 7 else "test")


@dataclass
class CorpusProblem:
    """One corpus op-amp: its id, canonical hash, split, and its problem or why it has none."""

    id: str
    hash: str
    split: str
    problem: SizingProblem | None = None
    reason: str = ""


def corpus_problems(root: str | Path | None = None, *, process: str = "generic45", splits: tuple[str, ...] = SPLITS,
                    simulator: Simulator | None = None, limit: int = 0) -> Iterator[CorpusProblem]:
    """The corpus op-amps of ``splits`` with their sizing problems (module docstring), in id order;
    ``limit``: at most that many per call (0: all)."""
    n = 0
    for c in iter_corpus(root):
        if isinstance(c, CorpusError) or c.family != "opamp":
            continue
        h = canonical_hash(c.netlist)
        split = topology_split(h)
        if split not in splits:
            continue
        item = CorpusProblem(str(c.id), h, split)
        try:
            p = SizingProblem.from_netlist(c.netlist, process=process, name=f"analoggenie-{c.id}",
                                           simulator=simulator)
        except CircuitforgeError as exc:
            item.reason = f"no sizing problem: {str(exc).splitlines()[0][:160]}"
        else:
            if p.dim > MAX_PARAMS:
                item.reason = f"{p.dim} parameters (the policy has {MAX_PARAMS} node slots)"
            else:
                m = p.evaluate([p.default_x], simulator)[0]
                if m["gain"].value is None:
                    item.reason = f"start design does not simulate: {(m['gain'].reason or '')[:160]}"
                item.problem = p
        yield item
        n += 1
        if limit and n >= limit:
            return


def target_pools(problems: list[SizingProblem], n: int, *, seed: int, simulator: Simulator | MeasurementPredictor,
                 max_designs: int = 128) -> tuple[list[list[Spec]], int]:
    """Up to ``n`` feasible targets per problem from at most ``max_designs`` random designs each (the
    start design's measurements excluded), and the simulations it took."""
    pools, sims = [], 0
    for i, p in enumerate(problems):
        start = {k: m.value for k, m in p.evaluate([p.default_x], simulator)[0].items()}
        got, k = feasible_targets(p, n, seed=seed * 10_007 + i, simulator=simulator, max_designs=max_designs,
                                  exclude_met_by=start)
        pools.append(got)
        sims += k + 1
    return pools, sims


@dataclass(frozen=True)
class TransferResult:
    """Where the policy is, the simulations training took, and the training topologies."""

    policy_path: Path
    sims: int
    target_sims: int
    episodes: int
    success_rate_last: float
    seconds: float
    topologies: int


def train_transfer(problems: list[SizingProblem], *, total_sims: int = 300_000, n_envs: int = 16,
                   workers: int = 2, checkpoint_dir: str | Path = "transfer-run", resume: bool = False,
                   seed: int = 0, n_targets: int = 16, progress: bool = False, checkpoint_every: int = 10_000,
                   horizon: int = 30, max_step: float = 0.1, history: bool = True, hindsight: float = 0.5,
                   max_designs: int = 128, hyper: dict[str, Any] | None = None,
                   simulator: Simulator | MeasurementPredictor | None = None, log: Any = None) -> TransferResult:
    """Train the graph policy over ``problems`` for at most ``total_sims`` simulations (module docstring).

    Files in ``checkpoint_dir``: ``latest.zip`` and ``latest.json`` (the
    policy and its layout, as :func:`~circuitforge.rl.sizing.train.load_policy`
    reads them), ``targets.json`` (each problem's target pool), ``tb/``.
    Problems without a single target are left out (``latest.json`` names them).
    """
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback

    torch.set_num_threads(1)
    directory = Path(checkpoint_dir)
    directory.mkdir(parents=True, exist_ok=True)
    say = log or (lambda msg: None)
    t0 = time.time()
    own = simulator is None
    sim: Any = SharedSimulator(workers) if simulator is None else simulator
    try:
        tpath = directory / "targets.json"
        names = [p.name for p in problems]
        if resume and tpath.is_file():
            saved = json.loads(tpath.read_text())
            if saved["problems"] != names:
                raise SizingError(f"cannot resume {directory}: it was trained on other problems "
                                  f"({len(saved['problems'])} saved, {len(names)} given)")
            pools = [[parse_spec(s) for s in pool] for pool in saved["targets"]]
            target_sims = int(saved["sims"])
        else:
            say(f"simulating random designs for the target pools of {len(problems)} topologies")
            pools, target_sims = target_pools(problems, n_targets, seed=TRANSFER_TARGET_SEED + seed, simulator=sim,
                                              max_designs=max_designs)
            _atomic_json(tpath, {"problems": names, "targets": [[str(t) for t in pool] for pool in pools],
                                 "sims": target_sims})
        keep = [i for i, pool in enumerate(pools) if pool]
        if not keep:
            raise SizingError("no training topology has a feasible target")
        tasks = [GraphSizingTask(problems[i], horizon=horizon, max_step=max_step, history=history) for i in keep]
        env = MultiSizingVecEnv(tasks, [pools[i] for i in keep], n_envs, simulator=sim, seed=seed,
                                hindsight=hindsight)
        layout = tasks[0].layout()
        meta_path = directory / "latest.json"
        done = 0
        if resume and (directory / "latest.zip").is_file():
            meta = json.loads(meta_path.read_text())
            differ = config_diff({k: meta.get(k) for k in layout}, layout)
            if differ:
                raise SizingError(f"cannot resume {directory / 'latest.zip'}: its configuration differs ("
                                  + ", ".join(f"{k} saved {a!r}, requested {b!r}" for k, a, b in differ) + ")")
            done = int(meta.get("env_sims", 0))
            model = PPO.load(str(directory / "latest.zip"), env=env, device="cpu")
            say(f"resuming after {done} environment simulations")
        else:
            kw: dict[str, Any] = dict(n_steps=64, batch_size=256, n_epochs=5, learning_rate=3e-4, gamma=0.95,
                                      gae_lambda=0.95, ent_coef=0.0, clip_range=0.2,
                                      policy_kwargs=dict(hidden=64, layers=3, log_std_init=-0.5))
            kw.update(hyper or {})
            kw["policy_kwargs"] = {**kw["policy_kwargs"], "node_features": tasks[0].node_features}
            model = PPO(GraphSizingPolicy, env, seed=seed, device="cpu", tensorboard_log=str(directory / "tb"),
                        verbose=0, **kw)
        left_out = [problems[i].name for i in range(len(problems)) if i not in keep]

        def meta_now(env_sims: int) -> dict:
            return {"algo": "ppo", "policy": "gnn", **layout, "env_sims": env_sims, "target_sims": target_sims,
                    "train_sims": env_sims + target_sims, "episodes": env.episodes, "successes": env.successes,
                    "topologies": len(keep), "left_out": left_out, "seconds": round(time.time() - t0, 1),
                    "seed": seed, "hindsight": hindsight, "n_targets": n_targets, "max_designs": max_designs}

        class _Checkpoint(BaseCallback):
            def __init__(self) -> None:
                super().__init__()
                self.next = checkpoint_every
                self.window: list[int] = []

            def _on_step(self) -> bool:
                for info in self.locals.get("infos", []):
                    if "episode_steps" in info:
                        self.window.append(int(info["met"]))
                self.window = self.window[-1000:]
                if env.sims >= self.next:
                    self.next += checkpoint_every
                    rate = sum(self.window) / max(1, len(self.window))
                    self.logger.record("sizing/success_rate", rate)
                    _save(self.model, directory, meta_now(done + env.sims))
                    say(f"{done + env.sims + target_sims} sims, {time.time() - t0:.0f} s: success rate "
                        f"(last 1000 episodes) {rate:.1%}")
                return done + env.sims + target_sims + env.num_envs <= total_sims

        cb = _Checkpoint()
        budget = max(0, total_sims - target_sims - done)
        if budget > 0:
            model.learn(total_timesteps=budget, callback=[cb, sb3_progress_callback("training gnn-ppo",
                                                                                   enabled=progress)],
                        reset_num_timesteps=not resume, tb_log_name="gnn_ppo")
        path = _save(model, directory, meta_now(done + env.sims))
    finally:
        if own:
            sim.close()
    rate = sum(cb.window) / max(1, len(cb.window))
    return TransferResult(path, done + env.sims + target_sims, target_sims, env.episodes, rate, time.time() - t0,
                          len(keep))


def finetune_transfer(problem: SizingProblem, *, sims: int = 2_000, policy: str | Path | None = None,
                      n_envs: int = 8, n_targets: int = 16, max_designs: int = 64, hindsight: float = 0.5,
                      seed: int = 0, checkpoint_dir: str | Path = "gnn-finetune", workers: int = 2,
                      hyper: dict[str, Any] | None = None, progress: bool = False,
                      simulator: Simulator | MeasurementPredictor | None = None, log: Any = None) -> TransferResult:
    """Few-shot fine-tuning of a transferable graph policy (default: the shipped one) on one new topology.

    Spends at most ``sims`` simulations in all: a target pool of up to ``n_targets`` feasible targets
    from at most ``max_designs`` random designs of ``problem`` (seed :data:`FINETUNE_TARGET_SEED` +
    ``seed``), then PPO (:data:`FINETUNE_HYPER`, overridable by ``hyper``) on that topology alone, with
    ``hindsight`` of the episodes aimed at designs it visited. The result, ``checkpoint_dir/latest.zip``
    with the base policy's layout, is a graph policy like the shipped one: ``size(...,
    method="gnn-ppo", policy=...)`` and ``circuitforge size --method gnn-ppo --policy`` use it.
    :class:`SizingError` when the budget cannot pay for the pool and one PPO update, or when the
    topology has no feasible target; :class:`PolicyMismatch` when it does not fit the policy.
    """
    import torch
    from stable_baselines3 import PPO

    base = Path(policy) if policy is not None else shipped_transfer_path()
    loaded = load_policy(base)
    layout = dict(loaded.layout)
    if layout.get("action_mode") != "graph":
        raise PolicyMismatch(f"the policy {base.name} is not a transferable graph policy")
    kw = {**FINETUNE_HYPER, **(hyper or {})}
    if sims < max_designs + 2 + n_envs * kw["n_steps"]:
        raise SizingError(f"a fine-tuning budget of {sims} simulations cannot pay for the target pool "
                          f"({max_designs + 1}) and one PPO update ({n_envs * kw['n_steps']}); "
                          "give more --sims or fewer --envs")
    task = GraphSizingTask.from_layout(problem, layout)
    torch.set_num_threads(1)
    directory = Path(checkpoint_dir)
    directory.mkdir(parents=True, exist_ok=True)
    say = log or (lambda msg: None)
    t0 = time.time()
    own = simulator is None
    sim: Any = SharedSimulator(workers) if simulator is None else simulator
    try:
        say(f"simulating up to {max_designs} random designs of {problem.name} for its target pool")
        start = {k: m.value for k, m in problem.evaluate([problem.default_x], sim)[0].items()}
        pool, k = feasible_targets(problem, n_targets, seed=FINETUNE_TARGET_SEED + seed, simulator=sim,
                                   max_designs=max_designs, exclude_met_by=start)
        target_sims = k + 1
        if not pool:
            raise SizingError(f"{problem.name}: none of {k} random designs gives a feasible target "
                              "the start design does not already meet")
        _atomic_json(directory / "targets.json", {"problems": [problem.name], "targets": [[str(t) for t in pool]],
                                                  "sims": target_sims})
        env = MultiSizingVecEnv([task], [pool], n_envs, simulator=sim, seed=seed, hindsight=hindsight)
        custom = {"n_steps": kw["n_steps"], "batch_size": kw["batch_size"], "n_epochs": kw["n_epochs"],
                  "learning_rate": kw["learning_rate"], "lr_schedule": lambda _: kw["learning_rate"]}
        model = PPO.load(str(base), env=env, device="cpu", custom_objects=custom)
        model.set_random_seed(seed)
        budget = sims - target_sims
        model.learn(total_timesteps=budget - budget % (n_envs * kw["n_steps"]),
                    callback=sb3_progress_callback(f"fine-tuning gnn-ppo on {problem.name}", enabled=progress),
                    reset_num_timesteps=True)
        rate = env.successes / max(1, env.episodes)
        meta = {**layout, "env_sims": env.sims, "target_sims": target_sims, "train_sims": env.sims + target_sims,
                "episodes": env.episodes, "successes": env.successes, "topologies": 1, "left_out": [],
                "seconds": round(time.time() - t0, 1), "seed": seed, "hindsight": hindsight,
                "n_targets": n_targets, "max_designs": max_designs,
                "finetuned_from": str(base), "finetuned_on": problem.name,
                "base_train_sims": layout.get("train_sims")}
        path = _save(model, directory, meta)
        say(f"{env.sims + target_sims} sims, {time.time() - t0:.0f} s: {env.episodes} episodes, "
            f"success rate {rate:.1%}")
    finally:
        if own:
            sim.close()
    return TransferResult(path, env.sims + target_sims, target_sims, env.episodes, rate, time.time() - t0, 1)
