"""Does a topology work? One seeded CMA-ES sizing run under a fixed budget, with where and why it stopped.

The protocol of ``benchmarks/generator_function.py`` and the reward of the generator's
reinforcement fine-tuning (:mod:`circuitforge.rl.topology`), in one place:

1. interface: the op-amp ports are found (else ``stage="interface"``);
2. problem: :meth:`SizingProblem.from_netlist` derives parameters, ranges and the start point;
3. simulates: the start design's deck runs and gives a gain;
4. met: CMA-ES (``budget`` simulations, ``seed``) sizes it for ``spec``, stopping at the first
   design that meets it.

``objective`` is the best :func:`~.search.objective` the run reached (0 when the spec is met,
``MISSING_MARGIN`` per clause for a circuit that never got that far), so a score between "dead"
and "meets it" is there for a learner to climb.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...netlists.errors import CircuitforgeError
from ...netlists.netlist import Netlist
from .problem import SizingProblem
from .search import MISSING_MARGIN, objective, run_method
from .spec import Spec

__all__ = ["QuickSizing", "quick_size", "short_reason", "missed_clauses"]


def short_reason(text: str) -> str:
    """A short, id-free reason from an error message (numbers, quoted names and lists blanked),
    so that failures group by kind.

    >>> short_reason("cannot find the op-amp ports: no input among ports ['A', 'B'] at 3.5 V")
    'cannot find the op-amp ports: no input among ports […] at N V'
    """
    text = text.strip().splitlines()[0] if text.strip() else "no message"
    text = re.sub(r"\[[^\]]*\]", "[…]", text)
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\b\d+(\.\d+)?(e[-+]?\d+)?\b", "N", text)
    return text[:120]


def missed_clauses(spec: Spec, values: dict[str, float | None]) -> str:
    """Which clauses of ``spec`` the design ``values`` misses (``gain+ugbw (none)``; ``met``).

    >>> from .spec import parse_spec
    >>> missed_clauses(parse_spec("gain>=40dB,ugbw>=10MHz"), {"gain": 30.0, "ugbw": None})
    'gain+ugbw (none)'
    """
    out = []
    for c in spec.clauses:
        v = values.get(c.name)
        if v is None:
            out.append(f"{c.name} (none)")
        elif not c.met(v):
            out.append(c.name)
    return "+".join(out) or "met"


@dataclass(slots=True)
class QuickSizing:
    """The outcome of :func:`quick_size`: how far the circuit got and the best design's figures."""

    stage: str
    """``interface``, ``problem``, ``simulate``, ``missed`` or ``met``: where it stopped."""
    reason: str = ""
    """Why (short and id-free; empty when met)."""
    params: int = 0
    sims: int = 0
    best: dict[str, float | None] = field(default_factory=dict)
    objective: float = 0.0
    problem: SizingProblem | None = field(default=None, repr=False)

    @property
    def met(self) -> bool:
        return self.stage == "met"

    @property
    def has_interface(self) -> bool:
        return self.stage != "interface"

    @property
    def has_problem(self) -> bool:
        return self.stage not in ("interface", "problem")

    @property
    def simulates(self) -> bool:
        return self.stage in ("missed", "met")


def quick_size(netlist: Netlist, spec: Spec, *, process: str, budget: int = 60, seed: int = 0,
               simulator: Any = None, problem: SizingProblem | None = None) -> QuickSizing:
    """Size ``netlist`` for ``spec`` with one seeded CMA-ES run (module docstring); ``problem``: one
    derived before (the medium run of the benchmark reuses the modest run's)."""
    floor = MISSING_MARGIN * len(spec.clauses)
    if problem is None:
        try:
            problem = SizingProblem.from_netlist(netlist, process=process, simulator=simulator)
        except CircuitforgeError as exc:
            msg = str(exc)
            stage = "interface" if "ports" in msg and ("cannot find" in msg or "interface" in msg) else "problem"
            return QuickSizing(stage, f"{stage}: {short_reason(msg)}", objective=floor)
    run = run_method("cmaes", problem, spec, budget=budget, seed=seed, simulator=simulator)
    first = run.values[0] if run.values else {}
    best = dict(run.values[run.best()]) if run.values else {}
    out = QuickSizing("met", params=problem.dim, sims=len(run.values), best=best,
                      objective=objective(spec, best) if best else floor, problem=problem)
    if run.success is not None:
        out.objective = 0.0
        return out
    if first.get("gain") is None:
        m = problem.evaluate([problem.default_x], simulator)[0]
        out.stage, out.reason = "simulate", f"simulate: {short_reason(m['gain'].reason or 'no gain')}"
        return out
    out.stage, out.reason = "missed", f"missed: {missed_clauses(spec, best)}"
    return out
