"""``FilterDesignEnv``: size a microstrip filter to a spec inside the neural EM surrogate.

Each episode draws a target :class:`~circuitforge.rf.measure.FilterSpec` (or takes a fixed one),
starts from the centre of the family's parameter box and lets the agent move all parameters at
once for ``horizon`` steps. Observation: the spec (scaled), the parameters (unit box), and the
current insertion-loss / return-loss / rejection margins predicted by the surrogate. Action: a move
in the unit box of at most ``step`` per parameter. Reward: the change of the design score (the
sum of the margins' shortfalls below a ``safety_db`` cushion, in dB, over 10) plus 1 on the step
the surrogate first says every margin clears the cushion, which ends the episode.

With ``spec_pool`` each episode takes a spec from that list (training draws a pool once: drawing
a spec costs about a hundred surrogate calls). Specs are drawn from realisable designs: a random geometry of the family is simulated (by the
surrogate for training, by scikit-rf for benchmarks, see :func:`sample_spec`) and the spec is
written around its response with slack, so every spec has at least one solution.

>>> env = FilterDesignEnv("lowpass", seed=0)
>>> obs, info = env.reset(seed=0)
>>> obs.shape, env.action_space.shape
((18,), (10,))
"""

from __future__ import annotations

from collections.abc import Callable

import gymnasium as gym
import numpy as np

from ...rf.geometry import FilterFamily, family
from ...rf.measure import FilterSpec, center_bandwidth, cutoff_3db, spec_margins
from ...surrogates.surrogate import EMSurrogate

__all__ = ["FilterDesignEnv", "sample_spec", "spec_features", "design_score", "ResponseFn"]

ResponseFn = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
"""Maps parameter vectors ``(n, dim)`` to ``(f, s21_db (n, F), s11_db (n, F))``."""


def surrogate_response(sur: EMSurrogate) -> ResponseFn:
    f = sur.frequency.f

    def fn(x: np.ndarray):  # noqa: ANN202
        p = sur.predict(x)
        return f, p.s21_db, p.s11_db
    return fn


def _rejection_edge(f: np.ndarray, s21: np.ndarray, start: float, stop: float, level: float, upward: bool) -> float:
    """The band edge nearest the passband beyond which |S21| stays below ``-level`` up to ``stop``
    (low-pass: up to 1.6 times the edge itself, as in :meth:`FilterSpec.stopbands`)."""
    if upward and stop >= 10e9:  # low-pass: the first edge e with rejection over [e, min(1.6 e, 10 GHz)]
        for i in np.nonzero(f >= start)[0]:
            band = (f >= f[i]) & (f <= min(1.6 * f[i], 10e9))
            if (s21[band] <= -level).all():
                return float(f[i])
        return float("nan")
    if upward:
        idx = np.nonzero((f >= start) & (f <= stop))[0]
        bad = idx[s21[idx] > -level]
        return float(f[bad[-1] + 1]) if len(bad) and bad[-1] + 1 < len(f) else (float(f[idx[0]]) if not len(bad) else float("nan"))
    idx = np.nonzero((f <= start) & (f >= stop))[0]
    bad = idx[s21[idx] > -level]
    return float(f[bad[0] - 1]) if len(bad) and bad[0] > 0 else (float(f[idx[-1]]) if not len(bad) else float("nan"))


def sample_spec(kind: str, rng: np.random.Generator, response: ResponseFn, *, tries: int = 512,
                batch: int = 64) -> tuple[FilterSpec, np.ndarray]:
    """A realisable spec of ``kind`` and the geometry it was written around (``response`` simulates).

    Candidates are drawn uniformly from the family until one gives a response that makes a spec:
    low-pass: -3 dB cutoff between 1.5 and 6.5 GHz, passband edge 3-10% under it, rejection of
    20/25/30 dB from 3-10% above where the design reaches it (stopband up to 1.6 times its start);
    band-pass: centre between 2.5 and 8.5 GHz, bandwidth 75-95% of its -3 dB width (at least 3%),
    stopbands from 3-10% beyond where it reaches 20/25/30 dB. Insertion loss 3 dB and return loss
    10 dB; the design must meet all of it.
    """
    fam = family(kind)
    for _ in range(max(1, tries // batch)):
        xs = fam.sample(rng, batch)
        f, s21s, s11s = response(xs)
        for x, s21, s11 in zip(xs, s21s, s11s):
            rej = float(rng.choice([20.0, 25.0, 30.0]))
            if kind == "lowpass":
                fc = cutoff_3db((f, s21))
                if not (1.5e9 <= fc <= 6.5e9):
                    continue
                edge = _rejection_edge(f, s21, fc, 10e9, rej, upward=True)
                if not np.isfinite(edge):
                    continue
                fs = min(edge * rng.uniform(1.03, 1.10), 9.5e9)
                spec = FilterSpec("lowpass", f_pass=fc * rng.uniform(0.90, 0.97), f_stop=fs, rl_db=10.0,
                                  rejection_db=rej)
            else:
                f0, bw = center_bandwidth((f, s21))
                if not (np.isfinite(f0) and 2.5e9 <= f0 <= 8.5e9 and bw / f0 >= 0.03):
                    continue
                hi = _rejection_edge(f, s21, f0, min(10e9, 1.7 * f0), rej, upward=True)
                lo = _rejection_edge(f, s21, f0, 0.5e9, rej, upward=False)
                if not (np.isfinite(hi) and np.isfinite(lo)):
                    continue
                off = max(hi - f0, f0 - lo) * rng.uniform(1.03, 1.10)
                if f0 + off > min(10e9, 1.7 * f0) or f0 - off < 0.5e9:
                    continue
                spec = FilterSpec("bandpass", f0=f0, bw=bw * rng.uniform(0.75, 0.95), stop_offset=off, rl_db=10.0,
                                  rejection_db=rej)
            if (spec_margins(spec, f, s21, s11) >= 0).all():
                return spec, x
    raise RuntimeError(f"no realisable {kind} spec found in {tries} tries")


def spec_features(spec: FilterSpec) -> np.ndarray:
    """Five numbers describing a spec, roughly in [0, 1]."""
    if spec.kind == "lowpass":
        a, b = spec.f_pass / 10e9, spec.f_stop / 10e9
    else:
        a, b = spec.f0 / 10e9, spec.bw / spec.f0
    c = spec.stop_offset / max(spec.f0, 1.0) if spec.kind == "bandpass" else spec.f_stop / spec.f_pass - 1
    return np.array([a, b, c, spec.rejection_db / 40, spec.rl_db / 20], np.float32)


def design_score(margins: np.ndarray, safety_db: float = 1.0) -> np.ndarray:
    """Sum of shortfalls below the cushion (<= 0; 0 means met with the cushion), over 10."""
    return np.minimum(np.asarray(margins) - safety_db, 0).sum(-1) / 10


class FilterDesignEnv(gym.Env):
    """Goal-conditioned filter sizing in the surrogate (see the module docstring)."""

    metadata = {"render_modes": []}

    def __init__(self, kind: str = "lowpass", *, surrogate: EMSurrogate | None = None, spec: FilterSpec | None = None,
                 horizon: int = 20, step: float = 0.15, safety_db: float = 1.0, seed: int | None = None,
                 spec_response: ResponseFn | None = None, spec_pool: list[FilterSpec] | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.family: FilterFamily = family(kind)
        self.surrogate = surrogate if surrogate is not None else EMSurrogate.load(kind)
        self.response = surrogate_response(self.surrogate)
        self.spec_response = spec_response or self.response
        self.fixed_spec = spec
        self.spec_pool = list(spec_pool) if spec_pool else None
        self.horizon, self.step_size, self.safety_db = horizon, step, safety_db
        d = self.family.dim
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (5 + d + 3,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (d,), np.float32)
        self._rng = np.random.default_rng(seed)
        self.spec: FilterSpec | None = spec
        self.u = np.full(d, 0.5)
        self.t = 0
        self.margins = np.zeros(3)
        self.score = 0.0

    def _evaluate(self) -> None:
        f, s21, s11 = self.response(self.family.from_unit(self.u)[None])
        self.margins = spec_margins(self.spec, f, s21[0], s11[0])
        self.score = float(design_score(self.margins, self.safety_db))

    def _obs(self) -> np.ndarray:
        m = np.clip(self.margins / 10, -3, 3)
        return np.concatenate([spec_features(self.spec), self.u, m]).astype(np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None):  # noqa: ANN201
        super().reset(seed=seed)
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        spec = (options or {}).get("spec", self.fixed_spec)
        if spec is None and self.spec_pool:
            spec = self.spec_pool[int(self._rng.integers(len(self.spec_pool)))]
        self.spec = spec if spec is not None else sample_spec(self.kind, self._rng, self.spec_response)[0]
        self.u = np.full(self.family.dim, 0.5)
        self.t = 0
        self._evaluate()
        return self._obs(), self._info()

    def _info(self) -> dict:
        return {"margins": self.margins.copy(), "met": bool((self.margins >= 0).all()), "score": self.score,
                "params": self.family.from_unit(self.u)}

    def step(self, action):  # noqa: ANN001, ANN201
        a = np.clip(np.asarray(action, float), -1, 1)
        self.u = np.clip(self.u + self.step_size * a, 0, 1)
        self.t += 1
        old = self.score
        self._evaluate()
        done = bool((self.margins >= self.safety_db).all())
        reward = (self.score - old) + (1.0 if done else 0.0)
        return self._obs(), float(reward), done, self.t >= self.horizon, self._info()
