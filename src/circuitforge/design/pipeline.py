"""``design``: spec → candidate topologies → sizing problems → sized → verified in ngspice → ranked.

Stages, each reported per candidate (a candidate that fails a stage keeps its reason and the run goes on):

1. **generate** — the grammar-guided generator samples topologies of the circuit type; a draw is kept
   when it has a single-ended op-amp interface (two inputs, one output, VDD and VSS), is not a
   duplicate (canonical hash) of a reference or an earlier draw, and amplifies at the default bias
   (:func:`~.screen.screen_topology`: three simulations, which also find the inverting input). Drawing
   stops at ``n`` kept or ``max_draws`` (default 40·n); the rest are counted by reason. The shipped
   example op-amps join as references (:func:`reference_problem`: their hand-made problems on
   generic45, the problem derived from the example like a generated one's on another process).
2. **problem** — each kept topology becomes a :class:`~circuitforge.rl.SizingProblem` (parameters and
   ranges derived from its devices).
3. **size** — the shipped PPO policy where it fits the problem, otherwise CMA-ES on ngspice, with
   ``budget`` simulations per candidate; candidates run in parallel worker processes.
4. **verify** — the best design is re-measured with every testbench (gain, UGBW, PM, GM, -3 dB, GBW,
   power, CMRR, PSRR, swing, slew, settling, noise, offset).
5. **rank** — by the number of spec clauses met, then the worst normalised margin, then the figure
   of merit (UGBW·CL/power).

The screen (stage 1) and stages 2–4 are one function per job (:func:`screen`, :func:`size_and_verify`),
run by a dispatcher (:mod:`.dispatch`): ``backend="local"`` (default) in ``workers`` processes here,
``backend="ray"`` as Ray tasks on a cluster (``address=``, else ``$CIRCUITFORGE_RAY_ADDRESS``, else a
local Ray instance). Both give the same candidates and ranking for the same seed; a job whose worker
is lost is recorded on its candidate (``reason``) and the run goes on.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..core.cluster import ClusterBackend
from ..examples import example_path
from ..graph.hashing import canonical_hash
from ..netlists import CircuitforgeError, Netlist, Subckt
from ..netlists.errors import ResolutionError
from ..rl import SizingError, SizingProblem, folded_cascode_problem, miller_problem, parse_spec, size
from ..spice.testbench import OpampPorts
from .dispatch import Dispatcher, JobFailure, make_dispatcher
from .screen import opamp_port_names, screen_topology
from .verify import Verification, figure_of_merit, verify_opamp

__all__ = ["Candidate", "DesignRun", "design", "Origin", "Stage", "REFERENCES", "reference_problem", "size_and_verify"]

Origin = Literal["generated", "reference"]
Stage = Literal["generate", "problem", "size", "verify", "done"]
REFERENCES: tuple[str, ...] = ("miller", "folded_cascode")
"""Shipped example op-amps that join every op-amp design run as references."""


@dataclass
class Candidate:
    """One topology's way through the flow. ``stage`` is where it stopped (``done`` when verified);
    ``reason`` says why a failed candidate stopped."""

    name: str
    origin: Origin
    topology: Netlist = field(repr=False)
    hash: str = ""
    novel: bool | None = None
    provenance: dict[str, object] = field(default_factory=dict)
    stage: Stage = "generate"
    reason: str = ""
    method: str = ""
    sims: int = 0
    seconds: float = 0.0
    x: dict[str, float] = field(default_factory=dict)
    before: dict[str, float | None] = field(default_factory=dict)
    after: Verification | None = field(default=None, repr=False)
    problem: object | None = field(default=None, repr=False)
    quick: dict[str, object] = field(default_factory=dict, repr=False)
    before_bode: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    sized: Netlist | None = field(default=None, repr=False)
    ports: OpampPorts | None = None
    bias: dict[str, str] = field(default_factory=dict)
    met: bool = False
    clauses_met: int = 0
    worst_margin: float = -math.inf
    fom: float | None = None

    @property
    def ok(self) -> bool:
        return self.stage == "done"


@dataclass
class DesignRun:
    """Everything ``design`` found: the spec, candidates (ranked: best first) and what it cost."""

    spec: object
    circuit_type: str
    candidates: list[Candidate]
    settings: dict[str, object]
    seconds: float
    rejected_draws: dict[str, int] = field(default_factory=dict)
    """Generator draws not used, counted by reason."""

    @property
    def met(self) -> list[Candidate]:
        return [c for c in self.candidates if c.met]

    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


# ------------------------------------------------------------------------------------------------
# stage 1: candidates
# ------------------------------------------------------------------------------------------------
_REFERENCE_FILES = {"miller": ("opamp_miller45.cir", "opamp_miller45"),
                    "folded_cascode": ("opamp_foldedcascode45.cir", "opamp_foldedcascode45")}


def reference_problem(name: str, process: str = "generic45") -> SizingProblem:
    """The sizing problem of reference ``name`` (:data:`REFERENCES`): on generic45, the process the
    examples are drawn for, their hand-made problems (:func:`~circuitforge.rl.miller_problem`,
    :func:`~circuitforge.rl.folded_cascode_problem`); on another process the problem derived from the
    example netlist like any generated topology's (:meth:`SizingProblem.from_netlist`: its drawn sizes
    are the start, ranges and lengths from that process)."""
    if name not in _REFERENCE_FILES:
        raise ResolutionError(name, tuple(_REFERENCE_FILES), "reference op-amp")
    if process == "generic45":
        return miller_problem() if name == "miller" else folded_cascode_problem()
    file, sub = _REFERENCE_FILES[name]
    return SizingProblem.from_netlist(str(example_path(file)), process=process, subckt=sub, name=sub)


def _reference(name: str, process: str = "generic45") -> tuple[Candidate, object]:
    problem = reference_problem(name, process)
    sub = problem.netlist.find_subckt(problem.subckt) if problem.subckt else None
    body = Netlist(problem.name, list(sub.devices), ports=list(sub.ports)) if sub else problem.netlist
    cand = Candidate(f"ref_{name}", "reference", body, canonical_hash(body), None,
                     {"example": str(example_path(_REFERENCE_FILES[name][0]).name), "problem": problem.name,
                      "process": process})
    return cand, problem


def screen(cand: Candidate, process: str) -> Candidate:
    """Stage 2a for a generated topology: bias it, find its inverting input, simulate it once (three simulations).

    Sets ``cand.problem``; a topology that does not amplify either way round gets ``reason`` and
    stage ``problem``. One job of the dispatcher (runs in a worker process or a Ray task).
    """
    try:
        cand.problem, cand.quick = screen_topology(cand.topology, process, name=cand.name)
    except CircuitforgeError as exc:
        cand.stage, cand.reason = "problem", str(exc)
    except Exception as exc:  # noqa: BLE001 - one bad topology must not end the run
        cand.stage, cand.reason = "problem", f"{type(exc).__name__}: {exc}"
    return cand


def _draw(circuit_type: str, n: int, seed: int, temperature: float, max_draws: int, seen: set[str],
          rejected: Counter[str], process: str, jobs: Dispatcher,
          emit: Callable[[str, Candidate | None, str], None]) -> list[Candidate]:
    """Draw topologies until ``n`` amplify (or ``max_draws``); count the rest in ``rejected`` by reason."""
    from ..generators.topology import generate  # noqa: PLC0415 - torch is slow to import

    out: list[Candidate] = []
    draws, round_ = 0, 0
    while len(out) < n and draws < max_draws:
        k = min(max(8 * (n - len(out)), 16), max_draws - draws)  # few draws amplify: sample in batches
        round_seed = seed + 1000 * round_
        samples = generate(circuit_type, k, seed=round_seed, temperature=temperature)
        round_ += 1
        draws += len(samples)
        fresh: list[Candidate] = []
        for i, s in enumerate(samples):
            if not s.structurally_valid:  # only possible with an unconstrained sampler; counted, never used
                rejected["structurally invalid: " + "; ".join(s.problems[:1])] += 1
                continue
            try:
                opamp_port_names(list(s.netlist.ports))
            except CircuitforgeError as exc:
                rejected["no single-ended op-amp interface: " + str(exc).split("(")[0].strip()] += 1
                continue
            if s.hash in seen:
                rejected["duplicate of an earlier candidate (canonical hash)"] += 1
                continue
            seen.add(s.hash)
            net = dataclasses.replace(s.netlist, title=f"draw{draws - len(samples) + i + 1}")
            fresh.append(Candidate(net.title, "generated", net, s.hash, bool(s.novel),
                                   {"seed": round_seed, "index": i, "temperature": temperature,
                                    "tokens": len(s.tokens), "structurally_valid": bool(s.structurally_valid)}))
        screened = jobs.map(screen, [((c, process), {}) for c in fresh]) if fresh else []
        for c, res in zip(fresh, screened):
            if isinstance(res, JobFailure):  # the screen's worker was lost: the draw is not used
                c.stage, c.reason = "problem", res.reason
                rejected["screen job failed (worker or task lost)"] += 1
                continue
            c = res
            if c.problem is None:
                rejected["does not amplify at the default bias (either input as the inverting one)"] += 1
            elif len(out) < n:
                c.name = f"gen{len(out) + 1:02d}"
                c.provenance["draw"] = c.topology.title
                c.topology = dataclasses.replace(c.topology, title=c.name)
                c.stage = "problem"
                out.append(c)
                emit("generate", c, ("novel" if c.novel else "seen in training") +
                     f", gain {c.quick['gain'].value:.0f} dB at the default bias")
        emit("generate", None, f"{draws} drawn, {len(out)} of {n} amplify")
    return out


# ------------------------------------------------------------------------------------------------
# stages 2-4, one candidate, in a worker process
# ------------------------------------------------------------------------------------------------
def _as_subckt(net: Netlist, ports: OpampPorts, name: str) -> Netlist:
    """A top-level sized amplifier wrapped as ``.subckt name inp inn out vdd vss [bias ports]`` (models
    stay outside; the bias values are in :attr:`Candidate.bias`)."""
    rename = {ports.inp: "inp", ports.inn: "inn", ports.out: "out", ports.vdd: "vdd", ports.vss: "vss"}
    low = {k.lower(): v for k, v in rename.items()}
    devices = [d.with_nets({n: low[n.lower()] for n in d.nets if n.lower() in low}) for d in net.devices]
    sub = Subckt(name, ("inp", "inn", "out", "vdd", "vss", *(b.name for b in ports.bias)), devices)
    return dataclasses.replace(net, title=name, devices=[], subckts={**net.subckts, name: sub}, ports=[])


def size_and_verify(cand: Candidate, problem: object | None, spec_text: str, *, budget: int, method: str,
                    seed: int, process: str) -> Candidate:
    """Stages 2–4 for one candidate (one job of the dispatcher: runs in a worker process or a Ray task;
    every failure is caught and recorded on the candidate)."""
    t0 = time.perf_counter()
    spec = parse_spec(spec_text)
    cand.stage = "problem"
    try:
        if problem is None:
            problem = cand.problem or screen_topology(cand.topology, process, name=cand.name)[0]
        cand.ports = problem.ports
        x0 = problem.default_x
        before = verify_opamp(problem.netlist_for(x0), problem.ports_for(x0), process,
                              which=("gain", "ugbw", "pm", "bw", "power"), cl=problem.cl)
        cand.before = before.values()
        cand.before_bode = (before.freq, before.h)
        cand.stage = "size"
        chosen = method
        if method == "auto":
            chosen = "ppo"
        try:
            result = size(problem, spec, method=chosen, budget=budget, seed=seed)
        except SizingError as exc:  # the policy does not fit this problem or spec: CMA-ES on ngspice
            if method != "auto":
                raise
            cand.provenance["policy"] = f"not used: {exc}"
            chosen = "cmaes"
            result = size(problem, spec, method=chosen, budget=budget, seed=seed)
        cand.method, cand.sims = chosen, int(result.sims_used)
        x = np.asarray(result.x, dtype=float)
        cand.x = dict(zip(problem.param_names, map(float, x)))
        cand.stage = "verify"
        sized = problem.netlist_for(x)
        ports = problem.ports_for(x)
        after = verify_opamp(sized, ports, process, cl=problem.cl)
        cand.after = after
        cand.bias = {b.name: f"{b.value:.4g} {'A' if b.kind == 'current' else 'V'} ({b.kind})" for b in ports.bias}
        if problem.subckt is None:
            sized = _as_subckt(sized, ports, f"cf_{cand.name}")
        cand.sized = sized
        values = {k: v for k, v in after.values().items() if v is not None}
        margins = spec.margins(values)
        cand.clauses_met = sum(1 for c in spec.clauses if c.met(values.get(c.name)))
        cand.worst_margin = min(margins.values())
        cand.met = bool(spec.met(values))
        cand.fom = figure_of_merit(after.values(), problem.cl)
        cand.stage = "done"
    except CircuitforgeError as exc:
        cand.reason = str(exc)
    except Exception as exc:  # noqa: BLE001 - a candidate's failure must not end the run
        cand.reason = f"{type(exc).__name__}: {exc}"
    cand.seconds = time.perf_counter() - t0
    return cand


def _rank_key(c: Candidate) -> tuple:
    return (c.ok, c.met, c.clauses_met, c.worst_margin, c.fom or 0.0)


# ------------------------------------------------------------------------------------------------
# the flow
# ------------------------------------------------------------------------------------------------
def design(spec: str, circuit_type: str = "opamp", *, n: int = 8, budget: int = 200, seed: int = 0,
           method: str = "auto", workers: int = 2, process: str = "generic45", temperature: float = 1.0,
           references: Sequence[str] | None = REFERENCES, max_draws: int | None = None,
           backend: ClusterBackend = "local", address: str | None = None,
           on_event: Callable[[str, Candidate | None, str], None] | None = None) -> DesignRun:
    """Run the whole flow (see the module doc) and return the ranked candidates.

    ``backend="local"`` runs the screen and the sizing jobs in ``workers`` processes here (in this
    process when ``workers`` is 1); ``backend="ray"`` runs them as Ray tasks, at most ``workers`` at
    a time, on the cluster Ray is connected to, else ``address``, else ``$CIRCUITFORGE_RAY_ADDRESS``,
    else a local Ray instance. ``on_event(stage, candidate, message)`` is called as candidates move
    (for progress display). Raises :class:`~circuitforge.rl.SpecError` for a bad spec, a
    ResolutionError for an unknown circuit type, and a CircuitforgeError for an unknown backend or an
    unreachable Ray cluster, before any work starts.
    """
    t0 = time.perf_counter()
    parsed = parse_spec(spec)
    if circuit_type != "opamp":
        raise ResolutionError(circuit_type, ("opamp",), "circuit type that design can size and verify")
    emit = on_event or (lambda stage, cand, msg: None)
    seen: set[str] = set()
    todo: list[tuple[Candidate, object | None]] = []
    rejected: Counter[str] = Counter()
    kwargs = dict(budget=budget, method=method, seed=seed, process=process)
    with make_dispatcher(backend, workers, address=address) as jobs:
        for ref in REFERENCES if references is None else references:
            cand, problem = _reference(ref, process)
            seen.add(cand.hash)
            todo.append((cand, problem))
            emit("generate", cand, "reference")
        if n > 0:
            emit("generate", None, f"sampling {circuit_type} topologies until {n} amplify")
            gen = _draw(circuit_type, n, seed, temperature, max_draws or 40 * n, seen, rejected, process,
                        jobs, emit)
            if len(gen) < n:
                emit("generate", None, f"only {len(gen)} of {n} wanted topologies amplify "
                                       f"after {sum(rejected.values()) + len(gen)} draws")
            todo.extend((c, None) for c in gen)
        for cand, _ in todo:
            emit("size", cand, "queued")

        def finished(i: int, res: Candidate | JobFailure) -> None:
            if isinstance(res, JobFailure):  # a lost worker fails its candidate, not the run
                todo[i][0].reason = res.reason
                res = todo[i][0]
            emit("done", res, res.reason)

        sized = jobs.map(size_and_verify, [((cand, problem, spec), kwargs) for cand, problem in todo],
                         on_done=finished)
    done = [todo[i][0] if isinstance(res, JobFailure) else res for i, res in enumerate(sized)]
    done.sort(key=_rank_key, reverse=True)
    settings = {"n": n, "budget": budget, "seed": seed, "method": method, "workers": workers,
                "process": process, "temperature": temperature, "backend": backend,
                "references": list(REFERENCES if references is None else references)}
    return DesignRun(parsed, circuit_type, done, settings, time.perf_counter() - t0, dict(rejected))
