"""Link prediction: propose the missing connections of a netlist.

- :mod:`.task`: :class:`LinkTask` (a device with cut terminals, its candidate nets), the
  topology-grouped circuit split.
- :mod:`.baselines`: random, degree, (kind, role) → net-class rule, common-neighbour scorers.
- :mod:`.metrics`: tie-aware top-1/top-3/MRR per terminal and whole-device accuracy.
- :mod:`.model`: :class:`LinkPredictor` (GINE encoder, terminal–net pair scorer).
- :mod:`.train`: training, atomic checkpoints, the shipped weights.
- :mod:`.evaluate`: the model beside the baselines on held-out circuits.
- :mod:`.complete`: :func:`complete` / :func:`apply` for a netlist with dangling terminals.

>>> from circuitforge.netlists import parse
>>> from circuitforge.generators.linkpred import complete, apply
>>> n = parse("* cs\\nM1 out in 0 0 nmos\\nR1 vdd out 1k\\nC1 out dangling 1p\\n.end\\n")
>>> n.ports = ["in", "out", "vdd", "0"]
>>> c = complete(n, top=3)
>>> c.suggestions[0].device, c.suggestions[0].role, len(c.suggestions[0].candidates)
('C1', 'n', 3)
>>> len(apply(c).devices)
3
"""

from .baselines import (
    CommonNeighbourScorer,
    DanglingRuleScorer,
    DegreeScorer,
    RandomScorer,
    RoleRuleScorer,
    Scorer,
    kind_label,
)
from .complete import Candidate, Completion, Suggestion, apply, complete, dangling
from .data import CorpusSplit, load_corpus_split
from .errors import LinkPredError
from .evaluate import ModelScorer, Report, evaluate
from .metrics import METRICS, Summary, TerminalResult, rank_stats, summarise
from .model import Example, LinkPredictor, collate, make_example
from .task import MODES, NEW_NET, LinkTask, Mode, Split, split_circuits, tasks_for
from .train import DEFAULT_WEIGHTS, Predictor, TrainConfig, TrainResult, load_predictor, save_checkpoint, train

__all__ = [
    "LinkTask", "NEW_NET", "Mode", "MODES", "Split", "split_circuits", "tasks_for",
    "Scorer", "RandomScorer", "DegreeScorer", "RoleRuleScorer", "CommonNeighbourScorer", "DanglingRuleScorer",
    "kind_label",
    "METRICS", "Summary", "TerminalResult", "rank_stats", "summarise",
    "Example", "LinkPredictor", "collate", "make_example",
    "TrainConfig", "TrainResult", "Predictor", "train", "save_checkpoint", "load_predictor", "DEFAULT_WEIGHTS",
    "ModelScorer", "Report", "evaluate", "CorpusSplit", "load_corpus_split",
    "Candidate", "Suggestion", "Completion", "complete", "apply", "dangling", "LinkPredError",
]
