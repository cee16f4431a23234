"""GINE-style encoder: sum aggregation with an MLP, messages conditioned on the terminal role.

>>> from circuitforge.netlists import parse
>>> from circuitforge.graph.bipartite import to_heterodata
>>> data = to_heterodata(parse("* cs\\nM1 out in 0 0 nmos\\nR1 vdd out 1k\\n.end\\n"))
>>> enc = GINEEncoder.from_data(data, hidden=16, layers=2)
>>> out = enc(data)
>>> out.node["device"].shape, out.graph.shape
(torch.Size([2, 16]), torch.Size([1, 16]))
"""

from __future__ import annotations

from torch import nn
from torch_geometric.nn import GINConv, GINEConv
from torch_geometric.typing import EdgeType

from .base import HeteroEncoder

__all__ = ["GINEEncoder"]


class GINEEncoder(HeteroEncoder):
    """``GINEConv`` per relation with edge features (the role one-hot), ``GINConv`` where there are none.

    GINE is as discriminative as 1-WL on the typed graph: with enough depth it
    tells apart every pair of circuits that :func:`~circuitforge.graph.hashing.canonical_hash` does.
    """

    def make_conv(self, edge_type: EdgeType, hidden: int, edge_dim: int | None) -> nn.Module:
        mlp = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
        if edge_dim is not None:
            return GINEConv(mlp, train_eps=True, edge_dim=edge_dim)
        return GINConv(mlp, train_eps=True)
