"""Attention encoder: ``GATv2Conv`` per relation, attention scores that see the terminal role.

GATv2 rather than HGT: HGT's attention has no edge features, and in the
bipartite view the terminal role (gate or drain, base or emitter) lives on
the edge; GATv2 takes it through ``edge_dim``.

>>> from circuitforge.netlists import parse
>>> from circuitforge.graph.pinlevel import to_pin_heterodata
>>> data = to_pin_heterodata(parse("* cs\\nM1 out in 0 0 nmos\\nR1 vdd out 1k\\n.end\\n"))
>>> enc = GATv2Encoder.from_data(data, hidden=16, layers=2, heads=4)
>>> out = enc(data)
>>> out.node["pin"].shape, out.graph.shape
(torch.Size([6, 16]), torch.Size([1, 16]))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from torch import nn
from torch_geometric.nn import GATv2Conv
from torch_geometric.typing import EdgeType, NodeType

from ..errors import GraphError
from .base import HeteroEncoder, Pool

__all__ = ["GATv2Encoder"]


class GATv2Encoder(HeteroEncoder):
    """``GATv2Conv`` (``heads`` heads, concatenated to ``hidden``) per relation; no self loops
    (relations join different node types; the residual keeps each node's own state)."""

    def __init__(self, metadata: tuple[Sequence[NodeType], Sequence[EdgeType]], in_dims: Mapping[NodeType, int],
                 edge_dims: Mapping[EdgeType, int] | None = None, *, hidden: int = 64, layers: int = 3,
                 out: int | None = None, dropout: float = 0.0, pool: Pool = "mean", heads: int = 4) -> None:
        if heads < 1 or hidden % heads:
            raise GraphError(f"hidden ({hidden}) must be a multiple of heads ({heads})")
        self.heads = heads
        super().__init__(metadata, in_dims, edge_dims, hidden=hidden, layers=layers, out=out, dropout=dropout,
                         pool=pool)

    def make_conv(self, edge_type: EdgeType, hidden: int, edge_dim: int | None) -> nn.Module:
        return GATv2Conv(hidden, hidden // self.heads, heads=self.heads, edge_dim=edge_dim,
                         add_self_loops=False)
