"""The shipped generator: weights, vocabulary, training record and corpus hashes, read and written.

``weights/topology.pt`` holds the model config, the fp16 state, the vocabulary and the training
record; ``weights/corpus_hashes.json`` the canonical hash of every corpus circuit (so that
novelty works without the corpus). Both are written atomically.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ...core.checkpoint import read_weights
from ...core.errors import CheckpointError
from ...core.files import write_atomic
from .errors import TopologyError
from .model import TopologyModel
from .tokens import Vocab

__all__ = ["DEFAULT_WEIGHTS", "DEFAULT_HASHES", "FINETUNED", "FORMAT", "Generator", "save_generator", "load_generator"]

DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights" / "topology.pt"
"""The shipped checkpoint (reproduced by ``circuitforge train-generator``)."""
DEFAULT_HASHES = DEFAULT_WEIGHTS.with_name("corpus_hashes.json")
FINETUNED: dict[str, Path] = {"opamp": DEFAULT_WEIGHTS.with_name("topology_opamp_rl.pt"),
                              "comparator": DEFAULT_WEIGHTS.with_name("topology_comparator_rl.pt")}
"""Per family, the shipped checkpoint fine-tuned with an ngspice reward (:mod:`circuitforge.rl.topology`,
``circuitforge finetune-generator``) that :func:`~.sample.generate` samples that family from by default
(the comparator one was fine-tuned from the op-amp one with the comparator reward)."""
FORMAT = "circuitforge.topology/1"


@dataclass(slots=True)
class Generator:
    """A trained model with its vocabulary, record and the corpus hashes novelty is judged by."""

    model: TopologyModel
    vocab: Vocab
    record: dict = field(default_factory=dict)
    corpus_hashes: frozenset[str] = frozenset()
    lengths: dict[str, list[int]] = field(default_factory=dict)
    """Token lengths of the training circuits by family (empty: no length prior)."""

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.model.parameters())
        return f"Generator(params={n}, vocab={len(self.vocab)}, corpus_hashes={len(self.corpus_hashes)})"


def save_generator(path: str | Path, model: TopologyModel, vocab: Vocab, record: dict,
                   hashes: dict[str, list[int]] | None = None, lengths: dict[str, list[int]] | None = None) -> None:
    """Write the checkpoint to ``path`` (and beside it the hashes as ``corpus_hashes.json``, the
    length prior as ``length_prior.json``)."""
    state = {k: v.detach().to(torch.float16) if v.is_floating_point() else v for k, v in model.state_dict().items()}
    buf = io.BytesIO()
    torch.save({"format": FORMAT, "config": model.config(), "vocab": vocab.to_dict(), "record": record,
                "state": state}, buf)
    write_atomic(path, buf.getvalue())
    if hashes is not None:
        write_atomic(Path(path).with_name("corpus_hashes.json"),
                     json.dumps({"match_ports": True, "hashes": dict(sorted(hashes.items()))}, indent=0))
    if lengths is not None:
        write_atomic(Path(path).with_name("length_prior.json"), json.dumps({"tokens": lengths}, indent=0))


def load_generator(path: str | Path | None = None) -> Generator:
    """The generator saved at ``path`` (default: the shipped one) with its corpus hashes."""
    path = Path(path) if path is not None else DEFAULT_WEIGHTS
    try:
        ck = read_weights(path, format=FORMAT)
    except CheckpointError as exc:
        raise TopologyError(f"cannot read topology-generator checkpoint {exc}") from None
    model = TopologyModel(**ck["config"])
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ck["state"].items()})
    model.eval()
    hashes: frozenset[str] = frozenset()
    hp = path.with_name("corpus_hashes.json")
    if hp.is_file():
        try:
            hashes = frozenset(json.loads(hp.read_text())["hashes"])
        except (ValueError, KeyError) as exc:
            raise TopologyError(f"cannot read corpus hashes {hp}: {exc}") from None
    lengths: dict[str, list[int]] = {}
    lp = path.with_name("length_prior.json")
    if lp.is_file():
        try:
            lengths = {str(f): [int(x) for x in v] for f, v in json.loads(lp.read_text())["tokens"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TopologyError(f"cannot read length prior {lp}: {exc}") from None
    return Generator(model, Vocab.from_dict(ck["vocab"]), ck.get("record", {}), hashes, lengths)
