"""The predictor network: a GINE encoder over the device–net graph, then an MLP head per target vector.

The model carries its target normalisation (``y_mean``, ``y_std`` buffers):
:meth:`PerformancePredictor.forward` gives standardised outputs (what the loss
sees), :meth:`PerformancePredictor.predict` the learned targets in their units
(:data:`~.dataset.TARGET_UNITS`).

>>> import torch
>>> from circuitforge.netlists import parse
>>> from circuitforge.graph import to_heterodata
>>> g = to_heterodata(parse("* cs\\nM1 out in 0 0 nmos w=1u l=0.1u\\nR1 vdd out 1k\\n.end\\n"), meta=False)
>>> m = PerformancePredictor.from_data(g, hidden=16, layers=2)
>>> m.predict(g).shape
torch.Size([1, 4])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, HeteroData

from ..nn import GINEEncoder
from .dataset import TARGETS

__all__ = ["PerformancePredictor"]


class PerformancePredictor(nn.Module):
    """GINE encoder (graph embedding) → two-layer MLP → one output per target."""

    def __init__(self, metadata: tuple[Sequence[str], Sequence[tuple[str, str, str]]], in_dims: Mapping[str, int],
                 edge_dims: Mapping[tuple[str, str, str], int], *, hidden: int = 64, layers: int = 3,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.config = {"metadata": [list(metadata[0]), [list(e) for e in metadata[1]]], "in_dims": dict(in_dims),
                       "edge_dims": [[list(k), v] for k, v in edge_dims.items()], "hidden": hidden,
                       "layers": layers, "dropout": dropout}
        self.encoder = GINEEncoder(metadata, in_dims, edge_dims, hidden=hidden, layers=layers, out=hidden,
                                   dropout=dropout)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, len(TARGETS)))
        self.register_buffer("y_mean", torch.zeros(len(TARGETS)))
        self.register_buffer("y_std", torch.ones(len(TARGETS)))

    @classmethod
    def from_data(cls, data: HeteroData, **kwargs: object) -> PerformancePredictor:
        """A predictor sized for graphs like ``data``."""
        node_types, edge_types = data.metadata()
        in_dims = {t: int(data[t].x.shape[-1]) for t in node_types}
        edge_dims = {e: int(data[e].edge_attr.shape[-1]) for e in edge_types if "edge_attr" in data[e]}
        return cls((node_types, edge_types), in_dims, edge_dims, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> PerformancePredictor:
        """Rebuild from :attr:`config` (as stored in a checkpoint)."""
        nodes, edges = config["metadata"]  # type: ignore[misc]
        return cls((list(nodes), [tuple(e) for e in edges]), dict(config["in_dims"]),  # type: ignore[arg-type]
                   {tuple(k): int(v) for k, v in config["edge_dims"]},  # type: ignore[union-attr]
                   hidden=int(config["hidden"]), layers=int(config["layers"]),  # type: ignore[arg-type]
                   dropout=float(config["dropout"]))  # type: ignore[arg-type]

    def set_normalisation(self, mean: Tensor, std: Tensor) -> None:
        self.y_mean.copy_(mean)
        self.y_std.copy_(std)

    def forward(self, data: HeteroData | Batch) -> Tensor:
        """Standardised predictions ``[num_graphs, len(TARGETS)]``."""
        return self.head(self.encoder(data).graph)

    @torch.no_grad()
    def predict(self, data: HeteroData | Batch) -> Tensor:
        """Predictions in the units of the targets (dB, log10 Hz, deg, log10 W)."""
        was = self.training
        self.eval()
        out = self(data) * self.y_std + self.y_mean
        self.train(was)
        return out
