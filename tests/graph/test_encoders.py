"""The two heterogeneous encoders: shapes, invariances, batching, and a tiny training run."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch
from graph_helpers import scramble
from torch_geometric.loader import DataLoader

from circuitforge.graph import (
    CircuitGraphDataset,
    FeatureSpec,
    GATv2Encoder,
    GINEEncoder,
    GraphError,
    HeteroEncoder,
    to_heterodata,
    to_pin_heterodata,
)

ENCODERS = [GINEEncoder, GATv2Encoder]
VIEWS = [to_heterodata, to_pin_heterodata]


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("view", VIEWS)
def test_shapes_depth_and_width(ota, encoder: type[HeteroEncoder], view) -> None:
    data = view(ota, FeatureSpec.fit([ota]))
    enc = encoder.from_data(data, hidden=32, layers=3, out=8)
    assert len(enc.convs) == 3
    out = enc(data)
    assert out.graph.shape == (1, 8)
    for t in data.node_types:
        assert out.node[t].shape == (data[t].num_nodes, 32)
    out.graph.sum().backward()
    assert all(p.grad is not None for n, p in enc.named_parameters() if "proj" in n)


@pytest.mark.parametrize("encoder", ENCODERS)
def test_graph_embedding_is_invariant_to_renaming_and_order(ota, encoder: type[HeteroEncoder]) -> None:
    torch.manual_seed(0)
    spec = FeatureSpec.fit([ota])
    enc = encoder.from_data(to_heterodata(ota, spec), hidden=16, layers=2).eval()
    a = enc(to_heterodata(ota, spec)).graph
    b = enc(to_heterodata(scramble(ota, random.Random(3)), spec)).graph
    assert torch.allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("encoder", ENCODERS)
def test_batched_equals_one_by_one(ota, encoder: type[HeteroEncoder]) -> None:
    torch.manual_seed(0)
    spec = FeatureSpec.fit([ota])
    graphs = [to_heterodata(ota, spec), to_heterodata(ota.__class__("r", ota.devices[5:8]), spec)]
    enc = encoder.from_data(graphs[0], hidden=16, layers=2).eval()
    batch = next(iter(DataLoader(graphs, batch_size=2)))
    together = enc(batch).graph
    alone = torch.cat([enc(g).graph for g in graphs])
    assert torch.allclose(together, alone, atol=1e-5)


def test_bad_configuration_is_refused(ota) -> None:
    data = to_heterodata(ota)
    with pytest.raises(GraphError, match="multiple of heads"):
        GATv2Encoder.from_data(data, hidden=10, heads=4)
    with pytest.raises(GraphError, match="layers >= 1"):
        GINEEncoder.from_data(data, layers=0)
    with pytest.raises(GraphError, match="in_dims lacks node types \\['net'\\]"):
        GINEEncoder(data.metadata(), {"device": 4})


@pytest.mark.corpus
@pytest.mark.parametrize("encoder", ENCODERS)
def test_family_classification_smoke(tmp_path: Path, corpus_root: Path, corpus, encoder: type[HeteroEncoder]) -> None:
    """A few steps of family classification on 48 corpus circuits: the training loss goes down."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: extra threads only contend with the rest of the machine
    try:
        _train(tmp_path, corpus_root, corpus, encoder)
    finally:
        torch.set_num_threads(threads)


def _train(tmp_path: Path, corpus_root: Path, corpus, encoder: type[HeteroEncoder]) -> None:
    ids = [i for fam in ("amplifier", "opamp", "bandgap") for i in [c.id for c in corpus if c.family == fam][:16]]
    ds = CircuitGraphDataset(tmp_path, corpus_root, ids=ids)
    assert len(ds) == 48 and len({int(d.y) for d in ds}) == 3
    torch.manual_seed(0)
    enc = encoder.from_data(ds[0], hidden=32, layers=2)
    head = torch.nn.Linear(enc.out_dim, len(ds.classes))
    opt = torch.optim.Adam([*enc.parameters(), *head.parameters()], lr=1e-2)
    loader = DataLoader(ds, batch_size=len(ds))
    batch = next(iter(loader))
    losses = []
    for _ in range(25):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(enc(batch).graph), batch.y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses
