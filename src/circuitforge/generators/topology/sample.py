"""Sampling topologies from the model, with the grammar's mask (valid by construction) or without.

Sequences of one call are sampled in lock step in batches, with the model's key/value cache.
Constrained: at every step the logits of tokens the grammar (:mod:`.grammar`) does not allow are
set to ``-inf`` before sampling, so every sample finishes, within :data:`~.tokens.MAX_LEN`, as a
valid topology; none is thrown away. Unconstrained: the same model sampled over the whole
vocabulary (only ``<pad>`` and ``<bos>`` left out), stopped at ``<eos>`` or at the length limit;
what it writes is decoded as far as it is well formed.

Two further constraints of the constrained sampler, both on by default:

- ``interface``: for a family with an :class:`~.interface.Interface` (op-amps) the sample has
  that interface by construction: the required ports, the inputs on the gates of one
  source-coupled pair (op-amps), a transistor signal path from each input to the output, and the
  electrical rules of :mod:`.grammar`;
- ``length_prior``: each sample gets a token budget drawn from the lengths of the family's
  training circuits (plus :data:`LENGTH_SLACK`), so the sizes follow the corpus' distribution
  instead of running to :data:`~.tokens.MAX_LEN` (unconstrained samples were 1.5-1.9x larger).

Every sample carries its own verdict from the independent checker (:mod:`.checks`) and its
novelty: its canonical hash is not the hash of any corpus circuit (the set ships with the
weights). Equal topologies always hash equal, so "novel" is never wrong; a hash collision between
different circuits could only make a novel sample count as not novel.

>>> from circuitforge.generators.topology import generate
>>> s = generate("opamp", 2, seed=1)
>>> [t.structurally_valid for t in s], s[0].netlist.ports[:2]
([True, True], ['VSS', 'VDD'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import random

import numpy as np
import torch

from ...core.progress import progress as show_progress
from ...graph.hashing import canonical_hash
from ...netlists.errors import ResolutionError
from ...netlists.netlist import Netlist
from .checkpoint import FINETUNED, Generator, load_generator
from .checks import structural_problems
from .errors import TopologyError
from .grammar import GrammarState, GrammarTables
from .interface import INTERFACES
from .slots import SLOT_INDEX, SlotTracker
from .tokens import BOS, EOS, MAX_LEN, PAD, decode_lenient, type_token

__all__ = ["GeneratedTopology", "generate", "sample_tokens", "draw_budgets", "resolve_type", "to_topology",
           "LENGTH_SLACK", "MIN_BUDGET"]

LENGTH_SLACK = 5
"""Tokens a sample's budget adds to the corpus length drawn for it (one transistor)."""
MIN_BUDGET = 40
"""The smallest per-sample token budget (an op-amp interface with its input pair, tail and fix devices needs 40)."""


@dataclass(frozen=True, slots=True)
class GeneratedTopology:
    """One generated topology.

    ``netlist``: unsized (models ``nmos4``/``pmos4``/``npn``/``pnp``/``diode``, R/C/L without
    values), ``ports`` set with the corpus' names; ``tokens``: the sampled sequence;
    ``hash``: :func:`~circuitforge.graph.hashing.canonical_hash` (``match_ports``);
    ``novel``: no corpus circuit has that hash; ``finished``: the sequence is well formed and
    ends with ``<eos>`` (else ``netlist`` holds the devices decoded before the first token out of
    place); ``structurally_valid``: finished and :func:`~.checks.structural_problems` found
    nothing (``problems`` lists what it found, or why decoding stopped).
    """

    netlist: Netlist = field(compare=False, hash=False)
    circuit_type: str
    tokens: tuple[str, ...]
    hash: str
    novel: bool
    structurally_valid: bool
    finished: bool = True
    problems: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (f"GeneratedTopology({self.circuit_type}, devices={len(self.netlist.devices)}, "
                f"valid={self.structurally_valid}, novel={self.novel})")


def resolve_type(circuit_type: str, families: Sequence[str]) -> str:
    """``circuit_type`` as a family of the model (case-insensitive; ``op-amp`` = ``opamp``),
    else a :class:`ResolutionError` listing the choices.

    >>> resolve_type("Op-Amp", ["opamp", "lna"])
    'opamp'
    >>> resolve_type("vco", ["opamp", "lna"])
    Traceback (most recent call last):
    ...
    circuitforge.netlists.errors.ResolutionError: Could not resolve circuit type 'vco' among choices ['lna', 'opamp']
    """
    key = circuit_type.strip().lower().replace("-", "").replace(" ", "_")
    for f in families:
        if f.replace("_", "") == key.replace("_", ""):
            return f
    raise ResolutionError(circuit_type, tuple(families), "circuit type")


def draw_budgets(gen: Generator, circuit_type: str, n: int, *, seed: int = 0, length_prior: bool = True) -> list[int]:
    """The per-sample token budgets :func:`sample_tokens` uses: a corpus length of the family plus
    :data:`LENGTH_SLACK` (at least :data:`MIN_BUDGET`), or the model's limit without the prior."""
    max_len = min(MAX_LEN, gen.model.config()["max_len"])
    lengths = gen.lengths.get(circuit_type, []) if length_prior else []
    draw = random.Random(seed)
    return [max(MIN_BUDGET, min(max_len, draw.choice(lengths) + LENGTH_SLACK)) if lengths else max_len
            for _ in range(n)]


def sample_tokens(gen: Generator, circuit_type: str, n: int, *, seed: int = 0, temperature: float = 1.0,
                  constrained: bool = True, interface: bool = True, length_prior: bool = True,
                  budgets: Sequence[int] | None = None, batch: int = 250, progress: bool = False) -> list[list[str]]:
    """``n`` token sequences for ``circuit_type`` (a family of ``gen.vocab``); ``interface`` and
    ``length_prior`` apply to the constrained sampler only (see the module docstring); ``budgets``
    (constrained only): the per-sample token budgets instead of :func:`draw_budgets`."""
    if temperature <= 0:
        raise TopologyError(f"temperature must be > 0 (got {temperature})")
    vocab = gen.vocab
    model = gen.model.eval()
    max_len = min(MAX_LEN, model.config()["max_len"])
    tables = GrammarTables(vocab)
    rng = torch.Generator().manual_seed(seed)
    if budgets is None:
        budgets = draw_budgets(gen, circuit_type, n, seed=seed, length_prior=constrained and length_prior)
    elif len(budgets) != n or not all(12 <= b <= max_len for b in budgets):
        raise TopologyError(f"budgets: {n} token budgets between 12 and {max_len} expected")
    interfaces = INTERFACES if interface else None
    banned = torch.zeros(len(vocab), dtype=torch.bool)
    banned[[vocab.id(PAD), vocab.id(BOS)]] = True
    eos = vocab.id(EOS)
    out: list[list[str]] = []
    prompt = [BOS, type_token(circuit_type)]
    with show_progress(f"sampling {circuit_type}", n, enabled=progress) as bar:
        for start in range(0, n, batch):
            b = min(batch, n - start)
            states = [GrammarState(tables, budgets[start + i], interfaces) for i in range(b)]
            trackers = [SlotTracker() for _ in range(b)]
            seqs = [list(prompt) for _ in range(b)]
            done = [False] * b
            cache = model.new_cache(b)
            logits = None
            for pos, tok in enumerate(prompt):
                ids = torch.full((b,), vocab.id(tok), dtype=torch.long)
                slot = SLOT_INDEX[trackers[0].push(tok)]
                for tr in trackers[1:]:
                    tr.push(tok)
                for g in states:
                    g.advance(vocab.id(tok))
                logits = model.step(ids, torch.full((b,), slot, dtype=torch.long), cache, pos)
            pos = len(prompt)
            act = list(range(b))  # rows of the cache and of logits, by sequence index
            while True:
                assert logits is not None
                logits = logits / temperature
                if constrained:
                    mask = torch.from_numpy(np.stack([states[i].allowed() for i in act]))
                    logits = logits.masked_fill(~mask, float("-inf"))
                else:
                    logits = logits.masked_fill(banned, float("-inf"))
                nxt = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=rng)[:, 0].tolist()
                slots = []
                for i, t in zip(act, nxt):
                    tok = vocab.tokens[t]
                    seqs[i].append(tok)
                    if constrained:
                        states[i].advance(t)
                    slots.append(SLOT_INDEX[trackers[i].push(tok)])
                    if t == eos or len(seqs[i]) >= max_len:
                        done[i] = True
                keep = [r for r, i in enumerate(act) if not done[i]]
                if not keep:
                    break
                if len(keep) < len(act):  # drop finished rows from the cache
                    idx = torch.tensor(keep)
                    cache = [(k.index_select(0, idx), v.index_select(0, idx)) for k, v in cache]
                    act = [act[r] for r in keep]
                    nxt = [nxt[r] for r in keep]
                    slots = [slots[r] for r in keep]
                logits = model.step(torch.tensor(nxt), torch.tensor(slots), cache, pos)
                pos += 1
            out += seqs
            bar.advance(b)
    return out


def to_topology(tokens: Sequence[str], gen: Generator, circuit_type: str, title: str) -> GeneratedTopology:
    """Decode, check, hash and judge the novelty of one sampled sequence."""
    d = decode_lenient(tokens, gen.vocab, title=title)
    problems = list(structural_problems(d.netlist))
    if not d.ok:
        problems.insert(0, d.problem)
    h = canonical_hash(d.netlist)
    return GeneratedTopology(d.netlist, circuit_type, tuple(tokens), h, h not in gen.corpus_hashes,
                             not problems, d.ok, tuple(problems))


def generate(circuit_type: str, n: int, *, seed: int = 0, temperature: float = 1.0, constrained: bool = True,
             interface: bool = True, length_prior: bool = True, model: Generator | str | Path | None = None,
             progress: bool = False) -> list[GeneratedTopology]:
    """``n`` topologies of family ``circuit_type`` from ``model`` (default: the shipped weights, for
    a family in :data:`~.checkpoint.FINETUNED` its fine-tuned checkpoint; pass
    ``model=DEFAULT_WEIGHTS`` for the corpus-trained model alone).

    ``constrained=False`` samples the same model without the grammar (for comparison);
    ``interface=False`` / ``length_prior=False`` drop the family interface and the length prior
    (the grammar of issue 6 alone).
    Raises :class:`ResolutionError` for an unknown type, :class:`TopologyError` for a bad
    temperature or checkpoint.
    """
    if model is None:  # a family with a shipped fine-tuned checkpoint samples from it (one load)
        shipped = [f for f, path in FINETUNED.items() if path.is_file()]
        try:
            model = FINETUNED[resolve_type(circuit_type, shipped)] if shipped else None
        except ResolutionError:
            pass
    gen = model if isinstance(model, Generator) else load_generator(model)
    family = resolve_type(circuit_type, gen.vocab.families)
    if n < 0:
        raise TopologyError(f"n must be >= 0 (got {n})")
    seqs = sample_tokens(gen, family, n, seed=seed, temperature=temperature, constrained=constrained,
                         interface=interface, length_prior=length_prior, progress=progress)
    return [to_topology(s, gen, family, f"generated/{family}/{seed}/{i}") for i, s in enumerate(seqs)]
