"""Filter design agents: a PPO policy trained in :class:`~.env.FilterDesignEnv`, and CMA-ES
on the same surrogate with the same budget; every final design is re-simulated by a real solver.

Design with a budget of ``rollouts x horizon`` surrogate evaluations: the policy runs once
deterministically and ``rollouts - 1`` times with its own exploration noise from the box centre;
the design with the best surrogate score seen on any step is kept (ties: the larger least margin).
CMA-ES gets the same number of surrogate evaluations.

Reproduce the shipped policies::

    circuitforge filter train-policy --type lowpass    # and --type bandpass; a few minutes each, one thread
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core.files import write_atomic
from ...core.progress import sb3_progress_callback
from ...rf.geometry import FilterGeometry
from ...rf.measure import FilterSpec, spec_margins
from ...surrogates.surrogate import EMSurrogate
from .env import FilterDesignEnv, design_score, sample_spec, surrogate_response

__all__ = ["POLICY_DIR", "policy_path", "train_policy", "load_policy", "Design", "design_with_policy", "design_filter",
           "design_with_cmaes"]

POLICY_DIR = Path(__file__).resolve().parent / "policies"


def policy_path(kind: str) -> Path:
    """The shipped PPO policy of filter ``kind``."""
    return POLICY_DIR / f"filter_{kind}.zip"


@dataclass(slots=True)
class Design:
    """The chosen design and what the surrogate claimed about it."""

    params: np.ndarray
    geometry: FilterGeometry
    margins: np.ndarray
    """Surrogate margins (IL, RL, rejection) in dB."""
    claimed: bool
    evaluations: int
    history: list[float] = field(default_factory=list)


def train_policy(kind: str, timesteps: int = 150_000, *, seed: int = 0, out: str | Path | None = None,
                 n_envs: int = 8, progress: bool = False, pool_size: int = 400) -> Path:
    """Train PPO in the surrogate env and save it (atomically) to ``out`` (default the shipped path)."""
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    torch.set_num_threads(1)
    sur = EMSurrogate.load(kind)
    rng = np.random.default_rng(seed + 10_000)  # the benchmark's specs use seeds 1000..1099 and scikit-rf
    pool = [sample_spec(kind, rng, surrogate_response(sur))[0] for _ in range(pool_size)]
    venv = make_vec_env(lambda: FilterDesignEnv(kind, surrogate=sur, spec_pool=pool), n_envs=n_envs, seed=seed)
    model = PPO("MlpPolicy", venv, seed=seed, n_steps=256, batch_size=256, learning_rate=3e-4, gamma=0.95,
                ent_coef=0.0, policy_kwargs={"net_arch": [128, 128]}, verbose=0)
    t0 = time.perf_counter()
    model.learn(total_timesteps=timesteps, callback=sb3_progress_callback(f"training {kind} policy",
                                                                          enabled=progress))
    out = Path(out) if out else policy_path(kind)
    buf = io.BytesIO()
    model.save(buf)  # SB3 writes its zip to a file object as well as to a path
    write_atomic(out, buf.getvalue())
    write_atomic(out.with_suffix(".json"), json.dumps({"kind": kind, "timesteps": timesteps, "seed": seed,
                                                       "seconds": time.perf_counter() - t0}, indent=1))
    return out


def load_policy(kind_or_path: str | Path):  # noqa: ANN201 - stable_baselines3.PPO
    from stable_baselines3 import PPO
    p = policy_path(str(kind_or_path)) if str(kind_or_path) in ("lowpass", "bandpass") else Path(kind_or_path)
    return PPO.load(p, device="cpu")


def _better(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a > b


def design_with_policy(spec: FilterSpec, policy, surrogate: EMSurrogate, *, rollouts: int = 8,  # noqa: ANN001
                       horizon: int = 20, seed: int = 0) -> Design:
    """The best design over ``rollouts`` policy rollouts (first deterministic) in the surrogate."""
    env = FilterDesignEnv(spec.kind, surrogate=surrogate, spec=spec, horizon=horizon)
    best, best_key, evals, hist = None, (-np.inf, -np.inf), 0, []
    import torch
    torch.manual_seed(seed)
    for r in range(rollouts):
        obs, info = env.reset(seed=seed + r, options={"spec": spec})
        for _ in range(horizon):
            act, _ = policy.predict(obs, deterministic=(r == 0))
            obs, _, term, trunc, info = env.step(act)
            evals += 1
            key = (info["score"], float(info["margins"].min()))
            if _better(key, best_key):
                best, best_key = info, key
            if term or trunc:
                break
        hist.append(best_key[0])
    p = best["params"]
    return Design(p, surrogate.family.build(p), best["margins"], bool((best["margins"] >= 0).all()), evals, hist)


def design_with_cmaes(spec: FilterSpec, surrogate: EMSurrogate, *, budget: int = 160, seed: int = 0,
                      safety_db: float = 1.0) -> Design:
    """CMA-ES in the unit box on the same surrogate score, ``budget`` evaluations (popsize 8)."""
    import cma

    fam = surrogate.family
    f = surrogate.frequency.f

    def evaluate(us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = surrogate.predict(fam.from_unit(us))
        m = spec_margins(spec, f, p.s21_db, p.s11_db)
        return m, design_score(m, safety_db)

    es = cma.CMAEvolutionStrategy(np.full(fam.dim, 0.5), 0.25,
                                  {"bounds": [0, 1], "popsize": 8, "seed": seed + 1, "verbose": -9})
    best, best_key, evals = None, (-np.inf, -np.inf), 0
    while evals + 8 <= budget:
        us = np.array(es.ask())
        m, sc = evaluate(us)
        evals += len(us)
        for k in range(len(us)):
            key = (float(sc[k]), float(m[k].min()))
            if key > best_key:
                best, best_key = (us[k], m[k]), key
        es.tell(list(us), list(-sc - 1e-3 * np.minimum(m, 5).sum(1)))
    p = fam.from_unit(best[0])
    return Design(p, fam.build(p), best[1], bool((best[1] >= 0).all()), evals)


def design_filter(spec: FilterSpec, out_dir: str | Path, *, verify: str = "skrf", rollouts: int = 8, seed: int = 0,
                  openems_options: dict | None = None) -> dict:
    """Design ``spec`` with the shipped policy in the shipped surrogate, re-simulate it in scikit-rf
    (and openEMS with ``verify="openems"``) and write ``geometry.json``, ``filter.s2p`` (from the
    verifying solver), ``sparams.png`` and ``report.json`` to ``out_dir``. Returns the report."""
    from ...rf.plot import plot_networks
    from ...rf.solver import make_solver

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sur = EMSurrogate.load(spec.kind)
    t0 = time.perf_counter()
    d = design_with_policy(spec, load_policy(spec.kind), sur, rollouts=rollouts, seed=seed)
    t_design = time.perf_counter() - t0
    nets = {"surrogate": sur.solve(d.geometry)}
    report = {"spec": spec.to_dict(), "spec_text": spec.describe(), "geometry": d.geometry.to_dict(),
              "surrogate": {"margins_db": d.margins.tolist(), "claimed": d.claimed, "evaluations": d.evaluations,
                            "seconds": t_design}}
    verifiers = ["skrf"] + (["openems"] if verify == "openems" else [])
    for name in verifiers:
        t1 = time.perf_counter()
        net = make_solver(name, **(openems_options or {}) if name == "openems" else {}).solve(d.geometry)
        m = spec_margins(spec, net.f, net.s_db[:, 1, 0], net.s_db[:, 0, 0])
        report[name] = {"margins_db": m.tolist(), "met": bool((m >= 0).all()), "seconds": time.perf_counter() - t1}
        nets[name] = net
    final = nets[verifiers[-1]]
    final.write_touchstone(str(out / "filter"))
    write_atomic(out / "geometry.json", json.dumps(d.geometry.to_dict(), indent=1))
    plot_networks(out / "sparams.png", nets, spec=spec, title=spec.describe())
    report["files"] = ["geometry.json", "filter.s2p", "sparams.png", "report.json"]
    write_atomic(out / "report.json", json.dumps(report, indent=1))
    return report
