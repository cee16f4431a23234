"""Graph views of a netlist, their features, a canonical hash, a PyG dataset and GNN encoders.

Imports :mod:`circuitforge.netlists` only.

- :mod:`.bipartite`: device–net graph (networkx ``MultiGraph`` / PyG ``HeteroData``) and back.
- :mod:`.pinlevel`: pin-level graph (the AnalogGenie view) and back.
- :mod:`.features`: :class:`FeatureSpec` (vocabularies + fitted size statistics, JSON).
- :mod:`.hashing`: :func:`canonical_hash` (WL to a stable partition) and :func:`same_circuit`.
- :mod:`.dataset`: :class:`CircuitGraphDataset` over the corpus or a folder of netlists.
- :mod:`.nn`: :class:`GINEEncoder`, :class:`GATv2Encoder`.
- :mod:`.predictor`: GNN performance predictor (dataset builder, training, evaluation, :class:`PredictorBackend`).

>>> from circuitforge.netlists import parse
>>> from circuitforge.graph import FeatureSpec, to_heterodata, from_heterodata, canonical_hash
>>> n = parse("* cs\\nM1 out in 0 0 nmos w=1u l=0.1u\\nR1 vdd out 1k\\n.end\\n")
>>> spec = FeatureSpec.fit([n])
>>> back = from_heterodata(to_heterodata(n, spec), spec)
>>> canonical_hash(back) == canonical_hash(n)
True
"""

from .bipartite import (
    PIN,
    REV_PIN,
    from_heterodata,
    from_networkx,
    to_heterodata,
    to_networkx,
)
from .dataset import (
    GRAPH_VIEWS,
    NETLIST_SUFFIXES,
    CircuitGraphDataset,
    GraphView,
    class_counts,
    netlist_to_graph,
)
from .errors import GraphError
from .features import (
    NET_ROLES,
    PORT_CLASSES,
    SIZE_PARAMS,
    SIZE_SLOTS,
    TERMINAL_CLASSES,
    FeatureSpec,
    Normalizer,
    net_role,
    polarity,
    port_class,
    size_values,
    terminal_class,
)
from .hashing import HashGroups, canonical_hash, group_by_hash, same_circuit, wl_colours
from .nn import EncoderOutput, GATv2Encoder, GINEEncoder, HeteroEncoder
from .pinlevel import (
    OF,
    WIRE_PIN,
    WIRE_PORT,
    from_pin_heterodata,
    from_pin_networkx,
    port_nets,
    to_pin_heterodata,
    to_pin_networkx,
)
from .predictor import PerformancePredictor, PredictorBackend, build_dataset

__all__ = [
    # views
    "to_networkx", "from_networkx", "to_heterodata", "from_heterodata", "PIN", "REV_PIN",
    "to_pin_networkx", "from_pin_networkx", "to_pin_heterodata", "from_pin_heterodata", "OF", "WIRE_PIN",
    "WIRE_PORT", "port_nets",
    # features
    "FeatureSpec", "Normalizer", "PORT_CLASSES", "NET_ROLES", "TERMINAL_CLASSES", "SIZE_SLOTS",
    "SIZE_PARAMS", "port_class", "net_role", "polarity", "size_values", "terminal_class",
    # hashing
    "canonical_hash", "same_circuit", "group_by_hash", "HashGroups", "wl_colours",
    # dataset
    "CircuitGraphDataset", "GraphView", "GRAPH_VIEWS", "NETLIST_SUFFIXES", "netlist_to_graph", "class_counts",
    # encoders
    "HeteroEncoder", "EncoderOutput", "GINEEncoder", "GATv2Encoder",
    "GraphError",
    # performance predictor
    "PerformancePredictor", "PredictorBackend", "build_dataset",
]
