"""The base of the heterogeneous encoders: input projection, layers of ``HeteroConv``, pooling.

A subclass gives one thing, :meth:`HeteroEncoder.make_conv` (the message
passing operator for one relation), and inherits the rest: per-node-type
input projections, residual layers with layer norm, node and graph
embeddings, and :meth:`HeteroEncoder.from_data` to size itself from an
example graph.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, HeteroData
from torch_geometric.nn import HeteroConv, global_add_pool, global_mean_pool
from torch_geometric.typing import EdgeType, NodeType

from ..errors import GraphError

__all__ = ["EncoderOutput", "HeteroEncoder", "Pool"]

Pool = Literal["mean", "sum"]


@dataclass(frozen=True, slots=True)
class EncoderOutput:
    """What an encoder returns: node embeddings per node type and one embedding per graph."""

    node: dict[NodeType, Tensor]
    """``[num_nodes, hidden]`` per node type."""
    graph: Tensor
    """``[num_graphs, out]``."""


class HeteroEncoder(nn.Module, ABC):
    """Heterogeneous message passing over a circuit graph (either view).

    ``metadata``: ``(node_types, edge_types)`` as from ``HeteroData.metadata()``;
    ``in_dims``: input feature size per node type; ``edge_dims``: edge feature
    size per relation that has ``edge_attr``. ``hidden`` is the width,
    ``layers`` the depth, ``out`` the size of the graph embedding (default
    ``hidden``); ``pool`` how nodes of a type are pooled per graph (the pooled
    vectors of every node type are concatenated and projected).
    """

    def __init__(self, metadata: tuple[Sequence[NodeType], Sequence[EdgeType]], in_dims: Mapping[NodeType, int],
                 edge_dims: Mapping[EdgeType, int] | None = None, *, hidden: int = 64, layers: int = 3,
                 out: int | None = None, dropout: float = 0.0, pool: Pool = "mean") -> None:
        super().__init__()
        node_types, edge_types = list(metadata[0]), [tuple(e) for e in metadata[1]]
        missing = [t for t in node_types if t not in in_dims]
        if missing:
            raise GraphError(f"in_dims lacks node types {missing} (has {sorted(in_dims)})")
        if layers < 1 or hidden < 1:
            raise GraphError(f"need layers >= 1 and hidden >= 1 (got layers={layers}, hidden={hidden})")
        if pool not in ("mean", "sum"):
            raise GraphError(f"Could not resolve pool {pool!r} among choices ['mean', 'sum']")
        self.node_types = node_types
        self.edge_types = edge_types
        self.hidden, self.layers, self.out_dim, self.pool = hidden, layers, out or hidden, pool
        edge_dims = dict(edge_dims or {})
        self.proj = nn.ModuleDict({t: nn.Linear(in_dims[t], hidden) for t in node_types})
        self.convs = nn.ModuleList(
            HeteroConv({e: self.make_conv(e, hidden, edge_dims.get(e)) for e in edge_types}, aggr="sum")
            for _ in range(layers))
        self.norms = nn.ModuleList(nn.ModuleDict({t: nn.LayerNorm(hidden) for t in node_types})
                                   for _ in range(layers))
        self.edge_dims = edge_dims
        self.dropout = nn.Dropout(dropout)
        self.readout = nn.Sequential(nn.Linear(hidden * len(node_types), self.out_dim), nn.ReLU(),
                                     nn.Linear(self.out_dim, self.out_dim))

    @abstractmethod
    def make_conv(self, edge_type: EdgeType, hidden: int, edge_dim: int | None) -> nn.Module:
        """The operator for one relation, ``hidden`` → ``hidden``, using edge features when ``edge_dim``."""

    @classmethod
    def from_data(cls, data: HeteroData, **kwargs: object) -> HeteroEncoder:
        """An encoder sized for graphs like ``data`` (its metadata, feature and edge-feature sizes)."""
        node_types, edge_types = data.metadata()
        in_dims = {t: int(data[t].x.shape[-1]) for t in node_types}
        edge_dims = {e: int(data[e].edge_attr.shape[-1]) for e in edge_types if "edge_attr" in data[e]}
        return cls((node_types, edge_types), in_dims, edge_dims, **kwargs)  # type: ignore[arg-type]

    def forward(self, data: HeteroData | Batch) -> EncoderOutput:
        """Node and graph embeddings of a graph or a batch of graphs."""
        h = {t: torch.relu(self.proj[t](data[t].x)) for t in self.node_types}
        edge_index = {e: data[e].edge_index for e in self.edge_types}
        edge_attr = {e: data[e].edge_attr for e in self.edge_types if e in self.edge_dims}
        for conv, norms in zip(self.convs, self.norms):
            kwargs = {"edge_attr_dict": edge_attr} if edge_attr else {}
            msg = conv(h, edge_index, **kwargs)
            h = {t: norms[t](h[t] + self.dropout(torch.relu(msg[t]))) if t in msg else h[t]
                 for t in self.node_types}
        num_graphs = int(getattr(data, "num_graphs", 1) or 1)
        pool = global_mean_pool if self.pool == "mean" else global_add_pool
        pooled = []
        for t in self.node_types:
            batch = data[t].batch if "batch" in data[t] else torch.zeros(h[t].shape[0], dtype=torch.long,
                                                                         device=h[t].device)
            pooled.append(pool(h[t], batch, size=num_graphs))
        return EncoderOutput(h, self.readout(torch.cat(pooled, dim=-1)))

    def extra_repr(self) -> str:
        return f"hidden={self.hidden}, layers={self.layers}, out={self.out_dim}, relations={len(self.edge_types)}"
