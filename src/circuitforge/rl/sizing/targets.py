"""Target specs to size for: feasibility-certified ones from simulated random designs, and uniform ranges.

**Feasible targets** (:func:`feasible_targets`): draw random designs uniformly
in the unit cube of a :class:`SizingProblem` (log-uniform for log-scale
parameters), simulate them, keep those whose every target quantity is
measured and whose phase margin is at least ``pm / (1 - rule)``, and turn each
kept design's measurements into a target by the **5 % rule**:

- ``soften`` (default, certified feasible: the design itself meets it):
  lower bounds ``>= v - 0.05 |v|`` (gain in dB, UGBW in Hz), upper bounds
  ``<= v + 0.05 |v|`` (power in W);
- ``harden`` (not certified): ``>= v + 0.05 |v|`` and ``<= v - 0.05 |v|``;
- the phase margin bound is the fixed ``pm`` (60° by default), as in AutoCkt,
  which every kept design meets with 5 % to spare.

**Uniform targets** (:func:`uniform_targets`): each bound drawn uniformly
(log-uniformly for Hz and W) within a range, as AutoCkt draws its targets;
nothing guarantees that they can be met.

>>> t = target_from({"gain": 50.0, "ugbw": 2e7, "pm": 70.0, "power": 1e-4})
>>> str(t)
'gain>=47.5dB,ugbw>=19MHz,pm>=60deg,power<=105uW'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from ...spice import MeasurementPredictor, Simulator
from .problem import SizingProblem
from .spec import Clause, Spec

__all__ = [
    "BOUNDS",
    "TARGET_NAMES",
    "Rule",
    "feasible_target",
    "feasible_targets",
    "random_designs",
    "target_from",
    "uniform_targets",
]

TARGET_NAMES: tuple[str, ...] = ("gain", "ugbw", "pm", "power")
"""The quantities of a target, in the order environments and policies see them."""
BOUNDS: dict[str, str] = {"gain": ">=", "ugbw": ">=", "pm": ">=", "bw": ">=", "power": "<="}
Rule = Literal["soften", "harden"]


def target_from(measured: Mapping[str, float], *, rule: Rule = "soften", fraction: float = 0.05,
                pm: float | None = 60.0, names: Sequence[str] = TARGET_NAMES) -> Spec:
    """A target from one design's measurements by the 5 % rule (see the module docstring)."""
    sign = 1.0 if rule == "soften" else -1.0
    clauses = []
    for n in names:
        if n == "pm" and pm is not None:
            clauses.append(Clause("pm", ">=", float(pm)))
            continue
        v = float(measured[n])
        bound = BOUNDS[n]
        delta = fraction * abs(v) * sign
        clauses.append(Clause(n, bound, v - delta if bound == ">=" else v + delta))  # type: ignore[arg-type]
    return Spec(tuple(clauses))


def random_designs(problem: SizingProblem, n: int, *, seed: int,
                   simulator: Simulator | MeasurementPredictor | None = None,
                   batch: int = 256) -> tuple[np.ndarray, list[dict[str, float | None]]]:
    """``n`` uniform random designs in the unit cube and their measurements (values, None when missing)."""
    rng = np.random.default_rng(seed)
    u = rng.random((n, problem.dim))
    values: list[dict[str, float | None]] = []
    for i in range(0, n, batch):
        for m in problem.evaluate(problem.to_x(u[i:i + batch]), simulator):
            values.append({k: v.value for k, v in m.items()})
    return u, values


def feasible_target(values: Mapping[str, float | None], *, rule: Rule = "soften", fraction: float = 0.05,
                    pm: float | None = 60.0, names: Sequence[str] = TARGET_NAMES,
                    exclude_met_by: Mapping[str, float | None] | None = None) -> Spec | None:
    """The target one simulated design gives by the 5 % rule, or None: when a quantity is not measured,
    the phase margin is below ``pm / (1 - fraction)``, or ``exclude_met_by`` (the start design's
    measurements) already meets it."""
    floor = (pm / (1 - fraction)) if pm is not None else -math.inf
    if any(values.get(k) is None for k in names) or (values.get("pm") or -1e9) < floor:
        return None
    t = target_from(values, rule=rule, fraction=fraction, pm=pm, names=names)  # type: ignore[arg-type]
    if exclude_met_by is not None and t.met(exclude_met_by):
        return None
    return t


def feasible_targets(problem: SizingProblem, n: int, *, seed: int = 0,
                     simulator: Simulator | MeasurementPredictor | None = None, rule: Rule = "soften",
                     fraction: float = 0.05, pm: float | None = 60.0,
                     names: Sequence[str] = TARGET_NAMES, max_designs: int | None = None,
                     exclude_met_by: Mapping[str, float | None] | None = None) -> tuple[list[Spec], int]:
    """``n`` targets from simulated random designs by the 5 % rule, and the simulations it took.

    Designs are drawn in batches until ``n`` are kept (at most ``max_designs``,
    default ``40 n``); the same ``seed`` gives the same targets. With
    ``exclude_met_by`` (the measurements of the start design), targets that
    design already meets are skipped, so that none is solved before the first move.
    """
    limit = max_designs if max_designs is not None else 40 * n + 100
    out: list[Spec] = []
    sims = 0
    chunk = 0
    while len(out) < n and sims < limit:
        size = min(max(64, 2 * (n - len(out))), limit - sims)
        _, vals = random_designs(problem, size, seed=seed * 100_003 + chunk, simulator=simulator)
        chunk += 1
        sims += size
        for v in vals:
            t = feasible_target(v, rule=rule, fraction=fraction, pm=pm, names=names, exclude_met_by=exclude_met_by)
            if t is None:
                continue
            out.append(t)
            if len(out) == n:
                break
    return out, sims


def uniform_targets(n: int, *, seed: int = 0,
                    ranges: Mapping[str, tuple[float, float]] | None = None) -> list[Spec]:
    """``n`` AutoCkt-like targets drawn uniformly within ``ranges`` (Hz and W log-uniformly).

    Default ranges suit the Miller problem: gain 40-55 dB, UGBW 5-200 MHz,
    PM >= 60°, power 20 µW-1 mW.

    >>> [str(t) for t in uniform_targets(1, seed=1)]
    ['gain>=47.7dB,ugbw>=166.6MHz,pm>=60deg,power<=818uW']
    """
    rng = np.random.default_rng(seed)
    r = dict(ranges or {"gain": (40.0, 55.0), "ugbw": (5e6, 200e6), "pm": (60.0, 60.0),
                        "power": (20e-6, 1e-3)})
    out = []
    for _ in range(n):
        clauses = []
        for name, (lo, hi) in r.items():
            if name in ("ugbw", "bw", "power"):
                v = float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
            else:
                v = float(rng.uniform(lo, hi))
            clauses.append(Clause(name, BOUNDS[name], round(v, 1) if name in ("gain", "pm") else v))  # type: ignore[arg-type]
        out.append(Spec(tuple(clauses)))
    return out
