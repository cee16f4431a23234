"""The learned link predictor: a GINE encoder over the cut circuit scoring (terminal, net) pairs.

The circuit is encoded with the cut terminals' edges removed (the device
stays as a node, joined only to the nets of its known terminals) and with
the nets that only the cut terminals touched removed, so nothing of the
answer is in the graph. Each cut terminal's query is built from the device
node's embedding, its terminal class, and the mean embedding of the
device's known nets; a candidate net scores ``MLP([q, h, q*h, joined])``
(``joined``: the net is already on one of the device's known terminals),
and "a new net" scores ``MLP(q)``. Trained with cross-entropy over each
terminal's candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, HeteroData
from torch_geometric.utils import to_dense_batch

from ...graph.bipartite import PIN, REV_PIN
from ...graph.features import TERMINAL_CLASSES, FeatureSpec, netlist_nets
from ...graph.nn import GINEEncoder
from .task import LinkTask

__all__ = ["Example", "make_example", "collate", "LinkPredictor", "scores_for"]


@dataclass(slots=True)
class Example:
    """A task as tensors: the cut graph, the device's node, queries and (when known) targets."""

    data: HeteroData
    device: int
    roles: Tensor
    """``[q]`` terminal-class index per cut terminal."""
    joined: Tensor
    """``[num_nets]`` 1.0 where the net is on a known terminal of the device."""
    targets: Tensor | None
    """``[q]`` candidate index, ``num_nets`` meaning a new net."""


def make_example(task: LinkTask, spec: FeatureSpec) -> Example:
    """The tensors of ``task`` (candidates in ``task.candidates`` order)."""
    n = task.netlist
    _, canon = netlist_nets(n)
    cands = task.candidates
    index = {c: i for i, c in enumerate(cands)}
    src, dst, role = [], [], []
    for i, d in enumerate(n.devices):
        for j, (_, net) in enumerate(d.terminals):
            if i == task.device and j in task.missing:
                continue
            src.append(i)
            dst.append(index[canon(net)])
            role.append(spec.terminal_index(d, j))
    data = HeteroData()
    data["device"].x = torch.from_numpy(spec.device_features(n))
    data["net"].x = torch.from_numpy(spec.net_features(n, cands)) if cands else torch.zeros(0, spec.net_dim)
    ei = torch.tensor([src, dst], dtype=torch.long).reshape(2, -1)
    ea = nn.functional.one_hot(torch.tensor(role, dtype=torch.long), len(TERMINAL_CLASSES)).float()
    ea = ea.reshape(-1, len(TERMINAL_CLASSES))
    data[PIN].edge_index, data[PIN].edge_attr = ei, ea
    data[REV_PIN].edge_index, data[REV_PIN].edge_attr = ei.flip(0), ea
    joined = torch.zeros(len(cands))
    for p in task.known:
        joined[index[canon(task.dev.terminals[p][1])]] = 1.0
    roles = torch.tensor([spec.terminal_index(task.dev, p) for p in task.missing], dtype=torch.long)
    targets = torch.tensor(task.targets(), dtype=torch.long) if task.truth else None
    return Example(data, task.device, roles, joined, targets)


@dataclass(slots=True)
class Collated:
    batch: Batch
    query_graph: Tensor
    query_device: Tensor
    roles: Tensor
    joined: Tensor
    targets: Tensor | None


def collate(examples: Sequence[Example]) -> Collated:
    """One batch; queries point at their graph and (batch-global) device node."""
    batch = Batch.from_data_list([e.data for e in examples])
    dev_ptr = batch["device"].ptr
    qg, qd, roles, tg = [], [], [], []
    n_net = [int(e.data["net"].num_nodes) for e in examples]
    width = max(n_net) if n_net else 0
    joined = torch.zeros(len(examples), width)
    for g, e in enumerate(examples):
        q = len(e.roles)
        qg.append(torch.full((q,), g))
        qd.append(torch.full((q,), int(dev_ptr[g]) + e.device))
        roles.append(e.roles)
        joined[g, : n_net[g]] = e.joined
        if e.targets is not None:
            # a new net is index `width` in the padded layout
            tg.append(torch.where(e.targets >= n_net[g], torch.full_like(e.targets, width), e.targets))
    targets = torch.cat(tg) if len(tg) == len(examples) and tg else None
    return Collated(batch, torch.cat(qg), torch.cat(qd), torch.cat(roles), joined, targets)


class LinkPredictor(nn.Module):
    """Scores every candidate net (and a new net) of every cut terminal in a batch.

    ``forward`` returns ``[q, width + 1]`` logits (padding at ``-inf``; the last column is
    a new net).
    """

    def __init__(self, example: HeteroData, *, hidden: int = 64, layers: int = 3) -> None:
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.encoder = GINEEncoder.from_data(example, hidden=hidden, layers=layers)
        self.role = nn.Embedding(len(TERMINAL_CLASSES), hidden)
        self.query = nn.Sequential(nn.Linear(3 * hidden + 1, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
        self.pair = nn.Sequential(nn.Linear(3 * hidden + 1, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        self.new = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, c: Collated) -> Tensor:
        h = self.encoder(c.batch).node
        net_dense, mask = to_dense_batch(h["net"], c.batch["net"].batch, batch_size=c.joined.shape[0])
        width = c.joined.shape[1]
        if net_dense.shape[1] < width:  # trailing graphs without nets
            pad = width - net_dense.shape[1]
            net_dense = nn.functional.pad(net_dense, (0, 0, 0, pad))
            mask = nn.functional.pad(mask, (0, pad))
        hn = net_dense[c.query_graph]                       # [q, W, H]
        jn = c.joined[c.query_graph]                        # [q, W]
        cnt = jn.sum(1, keepdim=True)
        ctx = (jn.unsqueeze(-1) * hn).sum(1) / cnt.clamp(min=1.0)
        q = self.query(torch.cat([h["device"][c.query_device], self.role(c.roles), ctx,
                                  (cnt > 0).float()], dim=-1))
        qe = q.unsqueeze(1).expand_as(hn)
        s = self.pair(torch.cat([qe, hn, qe * hn, jn.unsqueeze(-1)], dim=-1)).squeeze(-1)
        s = s.masked_fill(~mask[c.query_graph], float("-inf"))
        return torch.cat([s, self.new(q)], dim=1)

    def config(self) -> dict[str, int]:
        return {"hidden": self.hidden, "layers": self.layers}


def scores_for(logits: Tensor, examples: Sequence[Example]) -> list[np.ndarray]:
    """Per cut terminal, scores over its own ``candidates + [new]`` (padding dropped)."""
    out, k = [], 0
    width = logits.shape[1] - 1
    for e in examples:
        n = int(e.data["net"].num_nodes)
        for _ in range(len(e.roles)):
            row = logits[k].detach().cpu().numpy()
            out.append(np.append(row[:n], row[width]))
            k += 1
    return out
