"""The training corpus as token sequences: which circuits, the vocabulary, the hash-grouped split.

Kept: every AnalogGenie circuit made only of MOSFETs, BJTs, R, C, L and diodes (the ~30 with
subcircuit macros are left out), with ``VDD`` and ``VSS`` ports (the grammar requires a supply
and a ground; ~160 circuits, mostly LDOs whose supply port is named otherwise, are left out), whose
canonical sequence the grammar accepts (a dozen break a rule: a transistor with every
terminal on one net, a dangling internal net, an unused port). The family token is
:func:`~circuitforge.netlists.analoggenie.family_of` the id. Validation: circuits whose canonical
hash falls in 1/20 of hash space, so duplicates never straddle the split.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ...graph.hashing import canonical_hash
from ...netlists.analoggenie import CorpusError, iter_corpus
from ...netlists.netlist import Netlist
from .errors import TopologyError
from .grammar import GrammarTables, walk
from .tokens import Vocab, encode

__all__ = ["Circuit", "TopologyCorpus", "load_topology_corpus"]


@dataclass(frozen=True, slots=True)
class Circuit:
    id: int
    family: str
    netlist: Netlist = field(compare=False)
    ports: tuple[str, ...]
    hash: str

    def tokens(self, vocab: Vocab, rng: random.Random | None = None) -> list[str]:
        return encode(self.netlist, self.family, vocab, ports=self.ports, rng=rng)


@dataclass(slots=True)
class TopologyCorpus:
    """Training and validation circuits, the vocabulary, every corpus hash and what was left out."""

    vocab: Vocab
    train: list[Circuit]
    val: list[Circuit]
    hashes: dict[str, list[int]]
    """Canonical hash (``match_ports``) → corpus ids, for every readable corpus circuit."""
    excluded: Counter[str]

    def lengths(self) -> dict[str, list[int]]:
        """Token lengths of the training circuits by family: the device-count prior the sampler
        draws its per-sample length budget from (:func:`~.sample.sample_tokens`)."""
        out: dict[str, list[int]] = {}
        for c in self.train:
            out.setdefault(c.family, []).append(len(c.tokens(self.vocab)))
        return {f: sorted(v) for f, v in sorted(out.items())}

    def __repr__(self) -> str:
        return (f"TopologyCorpus(train={len(self.train)}, val={len(self.val)}, hashes={len(self.hashes)}, "
                f"excluded={sum(self.excluded.values())})")


def load_topology_corpus(root: str | Path | None = None, *, val_fraction: int = 20,
                         progress: Callable[[str], None] | None = None) -> TopologyCorpus:
    """Read the corpus at ``root`` (default: the shared one) into sequences' sources."""
    items = [c for c in iter_corpus(root)]
    ok = [c for c in items if not isinstance(c, CorpusError)]
    ports = sorted({p for c in ok for p in c.ports})
    vocab = Vocab(tuple(ports))
    tables = GrammarTables(vocab)
    excluded: Counter[str] = Counter()
    excluded["unreadable"] = len(items) - len(ok)
    hashes: dict[str, list[int]] = {}
    train: list[Circuit] = []
    val: list[Circuit] = []
    for c in ok:
        h = canonical_hash(c.netlist)
        hashes.setdefault(h, []).append(c.id)
        if any(d.kind not in ("mosfet", "bjt", "resistor", "capacitor", "inductor", "diode")
               for d in c.netlist.devices):
            excluded["subcircuit macro"] += 1
            continue
        if "VDD" not in c.ports or "VSS" not in c.ports:
            excluded["no VDD/VSS port"] += 1
            continue
        circ = Circuit(c.id, c.family, c.netlist, tuple(c.ports), h)
        try:
            walk(tables.vocab, circ.tokens(vocab))
        except TopologyError:
            excluded["breaks a grammar rule"] += 1
            continue
        (val if int(h, 16) % val_fraction == 0 else train).append(circ)
    if progress:
        progress(f"{len(train)} training and {len(val)} validation circuits; left out: {dict(excluded)}")
    return TopologyCorpus(vocab, train, val, hashes, excluded)
