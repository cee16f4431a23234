"""Grammar-guided topology generator: valid by construction, conditioned on the circuit type.

- :mod:`.tokens`: the sequence language (type token, ports, devices with one net per terminal),
  :func:`encode` / :func:`decode`, the vocabulary.
- :mod:`.grammar`: :class:`GrammarState`, the mask of allowed next tokens.
- :mod:`.checks`: :func:`structural_problems`, an independent structural checker.
- :mod:`.slots`: the slot label fed to the model beside each token.
- :mod:`.model`: :class:`TopologyModel`, a small decoder-only transformer with a KV cache.
- :mod:`.data`: the corpus as training sequences, the hash-grouped validation split.
- :mod:`.train`: resumable training with atomic checkpoints (``circuitforge train-generator``).
- :mod:`.checkpoint`: :func:`load_generator`, the shipped weights and corpus hashes.
- :mod:`.sample`: :func:`generate` and :class:`GeneratedTopology`.
- :mod:`.evaluate`: structural, ngspice (``bias_default`` + OP), novelty and uniqueness metrics.

>>> from circuitforge.generators.topology import generate
>>> t = generate("opamp", 1, seed=3)[0]
>>> t.structurally_valid, t.circuit_type, {"VDD", "VSS"} <= set(t.netlist.ports)
(True, 'opamp', True)
"""

from .checkpoint import DEFAULT_HASHES, DEFAULT_WEIGHTS, FINETUNED, Generator, load_generator, save_generator
from .checks import is_structurally_valid, structural_problems
from .errors import TopologyError
from .grammar import GrammarState, GrammarTables, walk
from .model import TopologyModel
from .sample import GeneratedTopology, draw_budgets, generate, resolve_type, sample_tokens, to_topology
from .slots import SLOTS, SlotTracker, slot_ids
from .tokens import KINDS, MAX_LEN, Vocab, decode, decode_lenient, encode

__all__ = [
    "generate", "GeneratedTopology", "load_generator", "Generator", "save_generator", "DEFAULT_WEIGHTS",
    "DEFAULT_HASHES", "FINETUNED", "resolve_type", "sample_tokens", "draw_budgets", "to_topology",
    "Vocab", "encode", "decode", "decode_lenient", "KINDS", "MAX_LEN",
    "GrammarState", "GrammarTables", "walk", "structural_problems", "is_structurally_valid",
    "SLOTS", "SlotTracker", "slot_ids", "TopologyModel", "TopologyError",
]
