"""Does a topology work? One seeded CMA-ES sizing run under a fixed budget, with where and why it stopped.

The protocol of ``benchmarks/generator_function.py`` and the reward of the generator's
reinforcement fine-tuning (:mod:`circuitforge.rl.topology`), in one place:

1. interface: the family's ports are found (else ``stage="interface"``);
2. problem: the family's problem (:data:`PROBLEMS`: :meth:`SizingProblem.from_netlist` for op-amps,
   :meth:`~.ldo.LdoSizingProblem.from_netlist` for LDOs,
   :meth:`~.comparator.ComparatorSizingProblem.from_netlist` for comparators) derives parameters,
   ranges and the start point;
3. simulates: the start design's deck runs and gives its primary figure (a gain, an LDO's output, a
   comparator's decisions);
4. met: CMA-ES (``budget`` simulations, ``seed``) sizes it for ``spec``, stopping at the first
   design that meets it.

With ``cmrr_min`` a design that meets ``spec`` must also be an op-amp: a single-ended one is
measured once more (:func:`~circuitforge.spice.measure.measure_opamp` ``cmrr``: differential over
common-mode gain) and counts as meeting the spec only with a CMRR of at least ``cmrr_min`` dB;
one that fails the check does not end the run: CMA-ES goes on with that design scored by the
CMRR's margin (:class:`~.search.Run` ``accept``), and each check's simulations count against the
budget (two for CMRR: the common-mode deck and the open-loop one; one for the follower offset;
``sims`` includes them). Until 2026-12-08 the run stopped at the first design that met the
clauses and the circuit failed when that design's CMRR did. Without the check, a circuit whose two
inputs push the output the same way (a sum, not a difference: the open-loop testbench drives one
input and servoes the other) passes a gain/UGBW/PM spec; the reinforcement fine-tuning found
exactly such circuits (parallel inverters on both inputs into an inverter: CMRR -8 to -23 dB).
Fully differential op-amps and single-input amplifiers are not checked (``cmrr`` stays None).

Every simulation of the protocol may take :data:`QUICK_TIMEOUT` seconds (its decks run in
milliseconds); the first one that runs past it ends the run: the rest fail at once with its
reason and the circuit counts as not simulating (``stage="simulate"``). Without it one
pathological sample (ngspice stepping its sources for 30 s per design) held a fine-tuning step
for 30 minutes.

``objective`` is the best :func:`~.search.objective` the run reached (0 when the spec is met,
``MISSING_MARGIN`` per clause for a circuit that never got that far), so a score between "dead"
and "meets it" is there for a learner to climb; with ``cmrr_min`` it adds the CMRR's normalised
margin (``(cmrr - cmrr_min) / cmrr_min``, clipped like a clause) of the best design of a run
that missed, and is that margin alone for a design that met the clauses but not the CMRR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...netlists.errors import CircuitforgeError
from ...netlists.netlist import Netlist
from ...spice import simulate
from ...spice.errors import SimulationError
from ...spice.results import SimResult
from ...spice.measure import measure_opamp
from ...netlists.errors import ResolutionError
from ..errors import SizingError
from .comparator import COMPARATOR_MEDIUM, COMPARATOR_MODEST, ComparatorSizingProblem
from .ldo import LDO_MEDIUM, LDO_MODEST, LdoSizingProblem
from .problem import SizingProblem
from .search import MISSING_MARGIN, require_measured, run_method
from .spec import Spec

__all__ = ["CMRR_MIN", "FAMILY_SPECS", "OPAMP_MODEST", "OPAMP_MEDIUM", "PROBLEMS", "QUICK_TIMEOUT", "QuickSizing",
           "UNCHECKED", "quick_size", "short_reason", "missed_clauses", "design_cmrr", "design_offset"]

PROBLEMS: dict[str, type[SizingProblem]] = {"opamp": SizingProblem, "ldo": LdoSizingProblem,
                                             "comparator": ComparatorSizingProblem}
"""The circuit families with a sizing problem (and a testbench), by family name."""

OPAMP_MODEST = "gain>=40dB,ugbw>=10MHz,pm>=45deg"
"""The modest op-amp spec (1 pF load, open loop): what real op-amps reach when biased and sized."""
OPAMP_MEDIUM = "gain>=50dB,ugbw>=30MHz,pm>=60deg,power<=500uW"
"""The medium op-amp spec."""

FAMILY_SPECS: dict[str, tuple[str, str]] = {"opamp": (OPAMP_MODEST, OPAMP_MEDIUM), "ldo": (LDO_MODEST, LDO_MEDIUM),
                                            "comparator": (COMPARATOR_MODEST, COMPARATOR_MEDIUM)}
"""(modest, medium) spec per family of :data:`PROBLEMS`: the benchmark's two levels and the default
reward of the generator's fine-tuning."""

CMRR_MIN = 20.0
"""dB of CMRR a single-ended op-amp needs to count as differential (the benchmark's and reward's check)."""


QUICK_TIMEOUT = 5.0
"""Seconds one simulation of the protocol may take before the run is stopped (module docstring)."""


class _Breaker:
    """A simulator that passes the protocol's time limit on and, after the first timeout, fails
    every further job at once with it (``tripped``)."""

    def __init__(self, inner: Any, timeout: float):
        self.inner, self.timeout = inner, timeout
        self.tripped: SimulationError | None = None

    def run(self, circuit: Any, analyses: Any, *, timeout: float = 30.0) -> SimResult:
        return self.run_many([(circuit, analyses)], timeout=timeout)[0]

    def run_many(self, jobs: Any, *, timeout: float = 30.0, progress: bool = False) -> list[SimResult]:
        jobs = list(jobs)
        if self.tripped is not None:
            return [SimResult(error=self.tripped) for _ in jobs]
        t = min(timeout, self.timeout)
        if self.inner is None:
            res = [simulate(c, a, timeout=t) for c, a in jobs]
        else:
            res = self.inner.run_many(jobs, timeout=t)
        for r in res:
            if r.error is not None and r.error.kind == "timeout" and self.tripped is None:
                self.tripped = r.error
        return res


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
    cmrr: float | None = None
    """dB, at the design that met the spec (with ``cmrr_min``; None: not checked or not measurable)."""
    offset: float | None = None
    """V, the follower offset of the design that met the spec (with ``offset_max``; None: not checked)."""
    problem: SizingProblem | None = field(default=None, repr=False)
    design: tuple[float, ...] | None = field(default=None, repr=False)
    """Physical values of the design that met the spec (else the best one; None: nothing simulated)."""

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


UNCHECKED = "not checked: "
"""How the reason of a check that does not apply to the circuit starts (:func:`design_cmrr`)."""


def _single_ended(problem: SizingProblem, x: Any, which: str, simulator: Any) -> tuple[float | None, str]:
    """(value, reason when None) of :func:`~circuitforge.spice.measure.measure_opamp`'s ``which`` at design
    ``x`` of a single-ended op-amp; (None, ":data:`UNCHECKED` fully differential") for a fully
    differential one and (None, ":data:`UNCHECKED` single-input amplifier") for one with a single input
    (no common mode, no follower)."""
    ports = problem.ports_for(x)
    if ports.outn is not None:
        return None, UNCHECKED + "fully differential"
    if ports.inn is None:
        return None, UNCHECKED + "single-input amplifier"
    run = simulator.run if simulator is not None else simulate
    m = measure_opamp(problem.netlist_for(x), problem.process, which=(which,), simulate=run, ports=ports,
                      subckt=problem.subckt, cl=problem.cl)[which]
    return m.value, m.reason or ""


def design_cmrr(problem: SizingProblem, x: Any, simulator: Any = None) -> tuple[float | None, str]:
    """(CMRR in dB at low frequency, reason when None) of design ``x`` (physical values) of a
    single-ended op-amp; (None, :data:`UNCHECKED` ...) for the others."""
    return _single_ended(problem, x, "cmrr", simulator)


def design_offset(problem: SizingProblem, x: Any, simulator: Any = None) -> tuple[float | None, str]:
    """(V, reason when None): the DC output-minus-input of design ``x`` of a single-ended op-amp as a
    unity-gain follower (:func:`~circuitforge.spice.measure.measure_opamp` ``offset``): the systematic
    offset, which the open-loop sizing testbench (its DC servo settles the output wherever the
    inputs balance) cannot see; (None, :data:`UNCHECKED` ...) for the others."""
    return _single_ended(problem, x, "offset", simulator)


def quick_size(netlist: Netlist, spec: Spec, *, process: str, budget: int = 60, seed: int = 0,
               simulator: Any = None, problem: SizingProblem | None = None,
               cmrr_min: float | None = None, family: str = "opamp",
               offset_max: float | None = None) -> QuickSizing:
    """Size ``netlist`` (a circuit of ``family``, :data:`PROBLEMS`) for ``spec`` with one seeded CMA-ES
    run (module docstring); ``problem``: one derived before (the medium run of the benchmark reuses the
    modest run's); ``cmrr_min``: the differential check of an op-amp design that meets ``spec``;
    ``offset_max`` (V): then also the follower check (:func:`design_offset`: |offset| at most that)."""
    if family not in PROBLEMS:
        raise ResolutionError(family, tuple(PROBLEMS), "circuit family with a sizing testbench")
    cls = PROBLEMS[family]
    require_measured(spec, cls.measures, f"{family} sizing")
    if (cmrr_min is not None or offset_max is not None) and family != "opamp":
        raise SizingError(f"the CMRR and offset checks are for op-amps, not {family}s")
    simulator = _Breaker(simulator, QUICK_TIMEOUT)
    floor = MISSING_MARGIN * (len(spec.clauses) + int(cmrr_min is not None) + int(offset_max is not None))
    if problem is None:
        try:
            problem = cls.from_netlist(netlist, process=process, simulator=simulator)
        except CircuitforgeError as exc:
            msg = str(exc)
            stage = "interface" if "ports" in msg and ("cannot find" in msg or "interface" in msg) else "problem"
            if simulator.tripped is not None:
                stage = "simulate"
            return QuickSizing(stage, f"{stage}: {short_reason(msg)}", objective=floor)
    checked: dict[int, tuple[float | None, float | None, str]] = {}  # id(u) -> (cmrr, offset, failed check)

    def check(u: Any) -> tuple[float | None, int]:
        """The op-amp checks of a design that met the clauses: (None or the failed check's margin, sims)."""
        x = problem.to_x(u)
        cmrr = off = None
        sims, margin, failed = 0, None, ""
        if cmrr_min is not None:
            cmrr, why = design_cmrr(problem, x, simulator)
            applies = not why.startswith(UNCHECKED)
            sims += 2 * applies  # the common-mode deck and the open-loop one it is referred to
            if applies and (cmrr is None or cmrr < cmrr_min):
                margin, failed = _cmrr_margin(cmrr, cmrr_min), "cmrr"
        if margin is None and offset_max is not None:
            off, why = design_offset(problem, x, simulator)
            applies = not why.startswith(UNCHECKED)
            sims += applies
            if applies and (off is None or abs(off) > offset_max):
                margin, failed = _offset_margin(off, offset_max), "offset"
        checked[id(u)] = (cmrr, off, failed)
        return margin, sims

    checks = check if (cmrr_min is not None or offset_max is not None) else None
    cost = 2 * (cmrr_min is not None) + (offset_max is not None)
    run = run_method("cmaes", problem, spec, budget=budget, seed=seed, simulator=simulator, accept=checks,
                     check_cost=max(1, cost))
    if simulator.tripped is not None and run.success is None:
        return QuickSizing("simulate", f"simulate: timeout: {short_reason(simulator.tripped.message)}",
                           params=problem.dim, sims=len(run.values) + run.checks, objective=floor, problem=problem)
    first = run.values[0] if run.values else {}
    pick = run.success if run.success is not None else (run.best() if run.values else None)
    best = dict(run.values[pick]) if pick is not None else {}
    out = QuickSizing("met", params=problem.dim, sims=len(run.values) + run.checks, best=best,
                      objective=run.score(pick) if pick is not None else floor, problem=problem)
    if pick is not None:
        out.design = tuple(float(v) for v in problem.to_x(run.us[pick]))
        out.cmrr, out.offset, _ = checked.get(id(run.us[pick]), (None, None, ""))
    if run.success is not None:
        out.objective = 0.0
        return out
    if first.get(problem.primary) is None:
        m = problem.evaluate([problem.default_x], simulator)[0]
        why = m[problem.primary].reason or f"no {problem.primary}"
        out.stage, out.reason = "simulate", f"simulate: {short_reason(why)}"
        out.objective = floor
        return out
    if run.rejected:  # designs met the clauses and failed a check: that is why the circuit missed
        j = max((i for i in run.rejected if id(run.us[i]) in checked), key=run.score,
                default=next(iter(run.rejected)))  # the objective stays the best score of the run
        cmrr, off, failed = checked.get(id(run.us[j]), (None, None, "budget"))
        out.best, out.design = dict(run.values[j]), tuple(float(v) for v in problem.to_x(run.us[j]))
        out.cmrr, out.offset = cmrr, off
        if failed == "budget":
            out.stage, out.reason = "missed", "missed: no simulations left to check the design that met the clauses"
        elif failed == "cmrr":
            got = "not measured" if cmrr is None else f"below {cmrr_min:g} dB"  # the value is in .cmrr
            out.stage, out.reason = "missed", f"missed: cmrr {got} (not differential)"
        else:
            got = "not measured" if off is None else f"above {offset_max * 1e3:g} mV"  # the value is in .offset
            out.stage, out.reason = "missed", f"missed: offset {got} (as a follower)"
        return out
    out.stage, out.reason = "missed", f"missed: {missed_clauses(spec, best)}"
    if cmrr_min is not None:  # how differential the best design is: part of the score to climb
        value, why = design_cmrr(problem, problem.to_x(run.us[pick]), simulator)
        out.cmrr = value
        if not why.startswith(UNCHECKED):
            out.objective += _cmrr_margin(value, cmrr_min)
    return out


def _offset_margin(value: float | None, offset_max: float) -> float:
    """The follower offset's normalised margin like a clause's: 0 within ``offset_max``, at worst
    ``MISSING_MARGIN`` (also when it cannot be measured)."""
    if value is None:
        return MISSING_MARGIN
    return max(MISSING_MARGIN, min(0.0, (offset_max - abs(value)) / offset_max))


def _cmrr_margin(value: float | None, cmrr_min: float) -> float:
    """The CMRR's normalised margin like a clause's: 0 at or above ``cmrr_min``, at worst
    ``MISSING_MARGIN`` (also when it cannot be measured)."""
    if value is None:
        return MISSING_MARGIN
    return max(MISSING_MARGIN, min(0.0, (value - cmrr_min) / cmrr_min))
