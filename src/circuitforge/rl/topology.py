"""Reinforcement fine-tuning of the topology generator with an ngspice reward (issue 15).

Policy gradient (REINFORCE with a batch-normalised advantage) over the grammar-masked sampler:
each step samples ``batch`` topologies of the family with the interface and the length prior
(:func:`~circuitforge.generators.topology.sample_tokens`), sizes every one with the quick
protocol (:func:`~.sizing.quick.quick_size`: one seeded CMA-ES run of ``budget`` ngspice
simulations for ``spec``, then the CMRR check of a design that meets it) and raises the log-probability of those that did better than the
batch. The log-probabilities are those of the masked distribution the sampler drew from (the
grammar is replayed per sequence with the same budget), so the model is never pushed toward
tokens the grammar would refuse.

Reward, in ``[0, 2]``: ``1 - objective / floor`` (0 for a circuit that never simulates, 1 when
every clause is met by a differential design; ``objective`` is :class:`~.sizing.quick.QuickSizing`'s:
the best design's :func:`~.sizing.search.objective` plus its CMRR margin, ``floor`` its value when
nothing can be measured), plus, when the spec is met by a novel topology,
``1 / (1 + k)`` where ``k`` counts the earlier functional samples with its canonical hash (so
repeating one working circuit pays less and less: the guard against collapse).

With ``shaping="exp"`` the first term is ``exp(objective)`` instead (1 when every clause is met,
0.37 one clipped clause-margin short, ~0 for a dead circuit): for a spec the samples are far from,
the linear term is ~0.95-1.0 for every circuit that simulates, and the batch-normalised advantage
then only separates dead from alive (measured: 41 steps toward the medium spec from the 210-step
weights, reward flat at 0.85-0.94, 2 of 1,312 samples met it). With ``exp`` from the 300-step
weights the first sample met it at step 68 and 23-29 of 32 per step did from step 250 on.

Experience replay (REINVENT's memory, Olivecrona et al. 2017): the functional sequences found
so far are kept, one per canonical hash (``memory`` at most, the best rewards), and each step
adds ``replay`` of them (seeded choice) to the batch with their reward recomputed at the
current repeat count (so a circuit replayed while the policy keeps drawing it pays less and
less). Without it a success is seen once: in the first CMRR-rewarded run (no replay) about one
sample in 32 met the spec at step 1 and still at step 61 while the reward rose only through fewer
dead circuits.

A KL penalty (``kl`` times the per-token KL divergence from the starting model, on the masked
distributions) keeps the model near what it learned from the corpus. After every step the full
state (weights, optimiser, RNG, history, the functional-hash counts) is written atomically to
``<output>.state`` and kept after the run; ``resume=True`` continues from it, also with more
``steps`` or another ``time_limit`` (any other setting that differs is refused, naming it). The result is a checkpoint like the
shipped one (:func:`~circuitforge.generators.topology.save_generator`), loadable with
``generate(..., model=path)`` and ``circuitforge generate --weights``.

Reproduce the shipped ``weights/topology_opamp_rl.pt`` in three runs, each starting from the one
before (6,718 s on 2 cores in all with the 1,275-s corpus pre-training; figures in benchmarks/README.md):

1. ``circuitforge finetune-generator --out runs/generator/finetuned.pt`` (the defaults below: the
   modest spec, 300 steps, 2913 s);
2. ``circuitforge finetune-generator --weights runs/generator/finetuned.pt --spec
   "gain>=50dB,ugbw>=30MHz,pm>=60deg,power<=500uW" --shaping exp --seed 2 --out
   runs/generator/medium.pt`` (the medium spec, 300 steps, 1842 s: no sample met it for 67 steps,
   then 28 of 32 per step at the end);
3. ``circuitforge finetune-generator --weights runs/generator/medium.pt --spec <the same>
   --shaping exp --offset-max 20mV --seed 3 --steps 150 --out runs/generator/offset.pt`` (the
   follower-offset check, 150 steps, 688 s: after step 2 the generated circuits met the medium spec
   but as followers sat a median 29 mV off their input).

Reproduce the shipped ``weights/topology_comparator_rl.pt`` from the op-amp one in one run (the
comparator reward: one ``decide`` transient per design, :mod:`.sizing.comparator`):
``circuitforge finetune-generator --family comparator --weights
src/circuitforge/generators/topology/weights/topology_opamp_rl.pt --shaping exp --batch 16
--time-limit 35 --seed 4 --out runs/generator/comparator_rl.pt`` (the comparator modest spec
``decision>=1,delay<=5ns``; 35 minutes on 2 cores, figures in benchmarks/README.md). The op-amp
weights are the start because their circuits already work as comparators (34 of 60 samples met the
modest spec, the corpus-trained weights 4 of 60, none of which passed the offset check); a run toward the medium spec
(``power<=100uW`` too) from them met it in 1 of 224 samples over 14 steps and was stopped.
"""

from __future__ import annotations

import copy
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from ..core.checkpoint import load_checkpoint, save_checkpoint
from ..core.progress import progress as show_progress
from ..generators.topology import (
    DEFAULT_WEIGHTS, GrammarState, GrammarTables, draw_budgets, load_generator, sample_tokens, save_generator,
    to_topology,
)
from ..generators.topology.checkpoint import Generator
from ..generators.topology.interface import INTERFACES
from ..generators.topology.sample import resolve_type
from ..generators.topology.tokens import PAD
from ..generators.topology.train import batch_tensors
from ..spice import SharedSimulator
from ..spice.models import PROCESSES
from .errors import SizingError
from .sizing.quick import CMRR_MIN, OPAMP_MODEST, PROBLEMS, QuickSizing, quick_size
from .sizing.search import MISSING_MARGIN, require_measured
from .sizing.spec import parse_spec

__all__ = ["FinetuneConfig", "FinetuneResult", "SHAPINGS", "STATE_KIND", "finetune", "reward", "run"]

STATE_KIND = "topology-finetune-state"
"""The ``kind`` of the resumable fine-tuning state."""


_ALIVE = {"opamp": "ugbw", "ldo": "dropout", "comparator": "delay"}
"""Per family, the figure a sample's best design must have for it not to count as dead in the log
(a unity-gain crossing, a dropout, a timed decision)."""


@dataclass(frozen=True, slots=True)
class FinetuneConfig:
    """Settings of a fine-tuning run (fixed before looking at the benchmark)."""

    family: str = "opamp"
    """The family sampled and rewarded (it needs an interface and a sizing testbench: op-amps, LDOs,
    comparators; the CMRR check is for op-amps only)."""
    spec: str = OPAMP_MODEST
    """The spec the reward sizes for (the benchmark's modest spec)."""
    process: str = "generic180"
    """Process cards of the sizing runs."""
    cmrr_min: float | None = CMRR_MIN
    """dB of CMRR a single-ended design that meets ``spec`` needs to count as meeting it (None: no
    check; without it the first run learned circuits whose inputs add instead of subtract)."""
    offset_max: float | None = None
    """V: with it, a design that meets ``spec`` (and the CMRR check) must also hold its output within
    this of its input as a unity-gain follower (:func:`~.sizing.quick.design_offset`); the open-loop
    testbench cannot see a systematic offset (measured: the medium-spec run's circuits, median 29 mV)."""
    budget: int = 60
    """ngspice simulations per reward (the benchmark's budget: the reward is its modest verdict)."""
    batch: int = 32
    """Samples per policy-gradient step."""
    replay: int = 8
    """Functional sequences from the memory added to each step's batch (0: no replay)."""
    memory: int = 128
    """Distinct functional sequences the memory keeps (the best rewards)."""
    steps: int = 300
    """Policy-gradient steps."""
    lr: float = 1e-4
    """Adam learning rate."""
    kl: float = 0.05
    """Weight of the per-token KL divergence from the starting model."""
    temperature: float = 1.0
    """Sampling temperature (the benchmark samples at 1.0)."""
    time_limit: float = 60 * 60.0
    """Seconds after which no new step starts (0: none)."""
    shaping: str = "linear"
    """How the best design's objective enters the reward: ``"linear"`` (``1 - objective / floor``)
    or ``"exp"`` (``exp(objective)``: module docstring)."""
    seed: int = 1
    """Seed of the samples (step ``k`` samples with seed ``seed * 100003 + k``, apart from the
    benchmark's seed-0 samples) and of CMA-ES."""


@dataclass(slots=True)
class FinetuneResult:
    generator: Generator
    history: list[dict[str, Any]] = field(default_factory=list)
    """Per step: mean reward, samples meeting the spec, dead ones, distinct functional hashes, seconds."""
    seconds: float = 0.0
    stopped_by_time: bool = False


SHAPINGS = ("linear", "exp")
"""The reward shapings (:attr:`FinetuneConfig.shaping`)."""


def reward(q: QuickSizing, *, n_clauses: int, novel: bool, repeats: int, shaping: str = "linear") -> float:
    """The reward of one sample (module docstring): ``n_clauses`` terms in its objective (the
    spec's clauses, plus one for the CMRR check), ``repeats`` earlier functional samples had its hash.

    >>> from circuitforge.rl.sizing.quick import QuickSizing
    >>> reward(QuickSizing("simulate", objective=-10.0), n_clauses=4, novel=True, repeats=0)
    0.0
    >>> reward(QuickSizing("met"), n_clauses=3, novel=True, repeats=0), reward(QuickSizing("met"), n_clauses=3, novel=True, repeats=3)
    (2.0, 1.25)
    >>> round(reward(QuickSizing("missed", objective=-1.0), n_clauses=4, novel=True, repeats=0, shaping="exp"), 3)
    0.368
    """
    floor = MISSING_MARGIN * n_clauses
    obj = max(floor, min(0.0, q.objective))
    score = float(np.exp(obj)) if shaping == "exp" else 1.0 - obj / floor
    if q.met and novel:
        score += 1.0 / (1 + repeats)
    return float(score)


def _resume_key(config: FinetuneConfig) -> dict[str, Any]:
    """The settings a saved state must match to be resumed: all but ``steps`` and ``time_limit``
    (so a finished or stopped run can be extended); the default ``shaping`` is left out, so states
    written before the option existed still resume."""
    key = {k: v for k, v in asdict(config).items() if k not in ("steps", "time_limit")}
    if key["shaping"] == "linear":
        del key["shaping"]
    if key["offset_max"] is None:
        del key["offset_max"]
    return key


def _replay(memory: dict[str, tuple[list[str], int, bool]], seen: dict[str, int], config: FinetuneConfig,
            seed: int, *, n_clauses: int) -> list[tuple[list[str], int, float]]:
    """``config.replay`` functional sequences of the memory (a seeded choice among the
    ``config.memory`` best-paid ones) with their reward at today's repeat count:
    ``(tokens, budget, reward)``."""
    if not config.replay or not memory:
        return []
    paid = {h: reward(QuickSizing("met"), n_clauses=n_clauses, novel=nv, repeats=seen.get(h, 1) - 1,
                      shaping=config.shaping)
            for h, (_, _, nv) in memory.items()}
    keep = sorted(memory, key=lambda h: (-paid[h], h))[:config.memory]
    for h in set(memory) - set(keep):
        del memory[h]
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(keep), size=min(config.replay, len(keep)), replace=False)
    return [(memory[keep[k]][0], memory[keep[k]][1], paid[keep[k]]) for k in sorted(pick)]


def _masks(gen: Generator, seqs: list[list[str]], budgets: list[int], width: int) -> torch.Tensor:
    """The grammar's masks ``[B, width - 2, V]`` each sampled token was drawn under (position ``j``:
    the mask before token ``j + 2``; padding rows allow everything)."""
    tables = GrammarTables(gen.vocab)
    out = np.ones((len(seqs), width - 2, len(gen.vocab)), dtype=bool)
    for i, (s, b) in enumerate(zip(seqs, budgets)):
        g = GrammarState(tables, b, INTERFACES)
        for j, tok in enumerate(s):
            if j >= 2:
                out[i, j - 2] = g.allowed()
            g.advance(gen.vocab.id(tok))
    return torch.from_numpy(out)


def _logp_and_kl(model: torch.nn.Module, ref: torch.nn.Module, tok: torch.Tensor, slot: torch.Tensor,
                 masks: torch.Tensor, pad: int, temperature: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per sequence: the sum of the sampled tokens' masked log-probabilities and of the per-token
    KL divergence from ``ref`` (both over the predicted positions, padding left out)."""
    target = tok[:, 2:]
    valid = target != pad
    logits = model(tok[:, :-1], slot[:, :-1])[:, 1:] / temperature
    logits = logits.masked_fill(~masks, -1e9)
    logp_all = F.log_softmax(logits, dim=-1)
    logp = logp_all.gather(-1, target.clamp(min=0)[..., None])[..., 0]
    with torch.no_grad():
        ref_logits = (ref(tok[:, :-1], slot[:, :-1])[:, 1:] / temperature).masked_fill(~masks, -1e9)
        ref_logp = F.log_softmax(ref_logits, dim=-1)
    kl = (logp_all.exp() * (logp_all - ref_logp)).sum(-1)
    return (logp * valid).sum(1), (kl * valid).sum(1)


def finetune(gen: Generator, config: FinetuneConfig = FinetuneConfig(), *, simulator: Any,
             state_path: str | Path | None = None, resume: bool = False, restart: bool = False,
             progress: bool = True, log: Callable[[str], None] | None = None) -> FinetuneResult:
    """Fine-tune ``gen`` in place (module docstring); the rewards come from ``simulator`` (a
    :class:`~circuitforge.spice.SharedSimulator`: its workers run each sizing run's batches)."""
    family = resolve_type(config.family, gen.vocab.families)
    if family not in INTERFACES or family not in PROBLEMS:
        raise SizingError(f"family {family!r} has no interface and testbench to reward; choose from "
                          f"{sorted(set(INTERFACES) & set(PROBLEMS))}")
    for name in ("budget", "batch", "steps"):
        if getattr(config, name) < 1:
            raise SizingError(f"{name} must be at least 1 (got {getattr(config, name)})")
    if config.replay < 0 or config.memory < 1:
        raise SizingError(f"replay must be >= 0 and memory >= 1 (got {config.replay}, {config.memory})")
    if config.shaping not in SHAPINGS:
        raise SizingError(f"unknown reward shaping {config.shaping!r}; choose from {list(SHAPINGS)}")
    if config.process not in PROCESSES:
        raise SizingError(f"unknown process {config.process!r}; choose from {list(PROCESSES)}")
    spec = parse_spec(config.spec)
    require_measured(spec, PROBLEMS[family].measures, f"{family} sizing")
    cmrr_min = config.cmrr_min if family == "opamp" else None  # the differential check is an op-amp's
    offset_max = config.offset_max if family == "opamp" else None
    extra = int(cmrr_min is not None) + int(offset_max is not None)  # checks scored like clauses
    model = gen.model
    ref = copy.deepcopy(model).eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    pad = gen.vocab.id(PAD)
    res = FinetuneResult(gen)
    seen: dict[str, int] = {}
    memory: dict[str, tuple[list[str], int, bool]] = {}  # hash -> (tokens, budget, novel) of functional samples
    first, spent = 0, 0.0
    state = None
    if state_path is not None and resume:
        state = load_checkpoint(state_path, kind=STATE_KIND, config=_resume_key(config), restart=restart,
                                missing_ok=True)
    if state is not None:
        model.load_state_dict(state["model"])
        ref.load_state_dict(state["ref"])
        opt.load_state_dict(state["opt"])
        res.history, seen = list(state["history"]), dict(state["seen"])
        memory = {h: (list(t), int(b), bool(n)) for h, (t, b, n) in state.get("memory", {}).items()}
        first, spent = int(state["step"]), float(state["seconds"])
        torch.set_rng_state(state["torch_rng"])
        if log:
            log(f"resumed at step {first}/{config.steps} ({spent:.0f} s spent)")
    start = time.perf_counter() - spent
    with show_progress("fine-tuning", config.steps, enabled=progress) as bar:
        bar.advance(first)
        for step in range(first, config.steps):
            if config.time_limit and time.perf_counter() - start > config.time_limit:
                res.stopped_by_time = True
                break
            t0 = time.perf_counter()
            seed = config.seed * 100003 + step
            budgets = draw_budgets(gen, family, config.batch, seed=seed)
            seqs = sample_tokens(gen, family, config.batch, seed=seed, temperature=config.temperature,
                                 budgets=budgets)
            rewards, met, dead, hashes, errors = [], 0, 0, [], []
            for i, s in enumerate(seqs):
                topo = to_topology(s, gen, family, f"finetune/{step}/{i}")
                try:
                    q = quick_size(topo.netlist, spec, process=config.process, budget=config.budget,
                                   seed=config.seed, simulator=simulator, cmrr_min=cmrr_min, family=family,
                                   offset_max=offset_max)
                except Exception as exc:  # noqa: BLE001 - one bad sample must not end a run: scored as dead, reported
                    errors.append(f"sample {i}: {type(exc).__name__}: {exc}")
                    q = QuickSizing("simulate", f"error: {exc}", objective=MISSING_MARGIN * len(spec.clauses))
                rewards.append(reward(q, n_clauses=len(spec.clauses) + extra,
                                      novel=topo.novel, repeats=seen.get(topo.hash, 0),
                                      shaping=config.shaping))
                dead += int(not q.simulates or q.best.get(_ALIVE.get(family, "ugbw")) is None)
                if q.met:
                    met += 1
                    hashes.append(topo.hash)
                    seen[topo.hash] = seen.get(topo.hash, 0) + 1
                    memory.setdefault(topo.hash, (list(s), budgets[i], topo.novel))
            replayed = _replay(memory, seen, config, seed,
                               n_clauses=len(spec.clauses) + extra)
            seqs, budgets = seqs + [m[0] for m in replayed], budgets + [m[1] for m in replayed]
            rewards += [m[2] for m in replayed]
            r = torch.tensor(rewards)
            adv = (r - r.mean()) / (r.std() + 1e-6) if len(rewards) > 1 else r * 0
            tok, slot = batch_tensors(seqs, gen.vocab)
            masks = _masks(gen, seqs, budgets, tok.shape[1])
            model.eval()  # no dropout: the gradient is that of the distribution sampled from
            logp, kl = _logp_and_kl(model, ref, tok, slot, masks, pad, config.temperature)
            loss = -(adv * logp).mean() + config.kl * kl.mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            rec = {"step": step + 1, "reward": round(float(r[:config.batch].mean()), 4), "met": met,
                   "dead": dead, "n": config.batch, "replayed": len(replayed), "errors": errors,
                   "distinct_met_total": len(seen), "kl": round(float(kl.detach().mean()), 4),
                   "seconds": round(time.perf_counter() - t0, 1)}
            res.history.append(rec)
            if state_path is not None:
                save_checkpoint(state_path, {"model": model.state_dict(), "ref": ref.state_dict(),
                                             "opt": opt.state_dict(), "history": res.history, "seen": seen,
                                             "memory": memory,
                                             "step": step + 1, "seconds": time.perf_counter() - start,
                                             "torch_rng": torch.get_rng_state()},
                                kind=STATE_KIND, config=_resume_key(config))
            bar.advance(reward=f"{rec['reward']:.3f}", met=f"{met}/{config.batch}", dead=dead)
            if log:
                for e in errors:
                    log(f"step {step + 1}: {e} (scored as a dead circuit)")
                log(f"step {step + 1}/{config.steps}: reward {rec['reward']:.3f}, met {met}/{config.batch}, "
                    f"dead {dead}, KL {rec['kl']:.3f}, distinct functional so far {len(seen)} "
                    f"({rec['seconds']:.0f} s)")
    model.eval()
    res.seconds = time.perf_counter() - start
    return res


def run(output: str | Path, config: FinetuneConfig = FinetuneConfig(), *, weights: str | Path | None = None,
        workers: int = 2, threads: int = 1, resume: bool = False, restart: bool = False, progress: bool = True,
        log: Callable[[str], None] = print) -> FinetuneResult:
    """Load ``weights`` (default: the shipped generator), fine-tune, write ``output`` with the
    corpus hashes and length prior beside it; the body of ``circuitforge finetune-generator``."""
    torch.set_num_threads(max(1, threads))
    src = Path(weights) if weights is not None else DEFAULT_WEIGHTS
    gen = load_generator(src)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    state = output.with_suffix(".state")
    if not resume:
        state.unlink(missing_ok=True)
    with SharedSimulator(workers) as sim:
        res = finetune(gen, config, simulator=sim, state_path=state, resume=resume, restart=restart,
                       progress=progress, log=log)
    record = {"finetune": {"config": asdict(config), "from": str(src), "history": res.history,
                           "seconds": round(res.seconds, 1), "stopped_by_time": res.stopped_by_time},
              "pretrain": gen.record}
    save_generator(output, gen.model, gen.vocab, record, lengths=gen.lengths or None)
    hashes = src.with_name("corpus_hashes.json")  # novelty is judged against the same corpus
    if hashes.is_file() and hashes.resolve() != output.with_name(hashes.name).resolve():
        shutil.copyfile(hashes, output.with_name(hashes.name))
    total = sum(h["met"] for h in res.history)
    distinct = res.history[-1]["distinct_met_total"] if res.history else 0
    log(f"fine-tuned {len(res.history)} steps in {res.seconds:.0f} s: {total} of "
        f"{sum(h['n'] for h in res.history)} samples met {config.spec} ({distinct} distinct); wrote {output}")
    return res
