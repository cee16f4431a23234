"""The corpus split used for training and evaluation (circuits grouped by topology hash)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...netlists.analoggenie import CorpusCircuit, iter_corpus
from ...netlists.netlist import Netlist
from .task import Split, split_circuits

__all__ = ["CorpusSplit", "load_corpus_split"]


@dataclass(frozen=True, slots=True)
class CorpusSplit:
    circuits: tuple[CorpusCircuit, ...]
    split: Split

    def part(self, name: str) -> list[Netlist]:
        return [self.circuits[i].netlist for i in getattr(self.split, name)]

    @property
    def train(self) -> list[Netlist]:
        return self.part("train")

    @property
    def val(self) -> list[Netlist]:
        return self.part("val")

    @property
    def test(self) -> list[Netlist]:
        return self.part("test")


def load_corpus_split(root: str | Path | None = None, *, seed: int = 0) -> CorpusSplit:
    """Every readable corpus circuit with at least one device, split 75/10/15 by topology hash."""
    circuits = tuple(c for c in iter_corpus(root) if isinstance(c, CorpusCircuit) and c.netlist.devices)
    return CorpusSplit(circuits, split_circuits([c.netlist for c in circuits], seed=seed))
