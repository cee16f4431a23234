"""CircuitGraphDataset: corpus with family labels, a folder of netlists, caching, transforms, batching."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch_geometric.transforms as T
from torch_geometric.loader import DataLoader

from circuitforge.graph import (
    CircuitGraphDataset,
    FeatureSpec,
    GraphError,
    from_heterodata,
)
from circuitforge.netlists.analoggenie import FAMILIES, load_circuit
from circuitforge.netlists.compare import same_topology

IDS = [4, 6, 9, 14, 17, 20, 22, 24, 27, 29, 100, 102, 104, 106, 281, 283, 284, 287, 289, 290, 368, 369, 370, 403, 404]
"""Amplifiers, current mirrors, op-amps, bandgaps, oscillators (ids that exist in the corpus)."""


@pytest.mark.corpus
def test_corpus_subset_labels_cache_and_round_trip(tmp_path: Path, corpus_root: Path) -> None:
    ds = CircuitGraphDataset(tmp_path, corpus_root, ids=IDS)
    assert 0 < len(ds) <= len(IDS) and ds.classes == list(FAMILIES) and not ds.skipped
    g = ds[0]
    c = load_circuit(corpus_root / g.name)
    assert int(g.circuit_id) == c.id and FAMILIES[int(g.y)] == c.family
    assert same_topology(c.netlist, from_heterodata(g, ds.spec), match_ports=True)
    assert {FAMILIES[int(d.y)] for d in ds} == {"amplifier", "current_mirror", "opamp", "bandgap", "oscillator"}
    assert len(ds) == len(IDS)
    # cached: the processed file is reused (not rewritten) by a second construction
    files = sorted((tmp_path / "processed").glob("bipartite-*.pt"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    again = CircuitGraphDataset(tmp_path, corpus_root, ids=IDS)
    assert files[0].stat().st_mtime_ns == stamp and len(again) == len(ds) and again.spec == ds.spec
    # a different view is a different file beside it
    pins = CircuitGraphDataset(tmp_path, corpus_root, ids=IDS, view="pinlevel", spec=ds.spec)
    assert len(pins) == len(ds) and pins[0].node_types == ["device", "pin", "port"]


@pytest.mark.corpus
def test_transforms_and_batching(tmp_path: Path, corpus_root: Path) -> None:
    ds = CircuitGraphDataset(tmp_path, corpus_root, ids=IDS[:16], transform=T.AddSelfLoops())
    batch = next(iter(DataLoader(ds, batch_size=8, shuffle=False)))
    assert batch.num_graphs == 8 and batch.y.shape == (8,)
    assert int(batch["device"].batch.max()) == 7
    assert batch["device"].x.shape[1] == ds.spec.device_dim


def test_folder_of_netlists(tmp_path: Path) -> None:
    src = tmp_path / "nets"
    src.mkdir()
    (src / "rc.cir").write_text("* rc\nR1 in out 1k\nC1 out 0 1p\n.end\n")
    (src / "cs.sp").write_text("* cs\nM1 out in 0 0 nmos w=1u l=1u\nR1 vdd out 1k\n.end\n")
    (src / "bad.cir").write_text("* bad\nM1 (out\n.end\n")
    (src / "notes.txt").write_text("not a netlist")
    with pytest.warns(UserWarning, match="could not be read"):
        ds = CircuitGraphDataset(tmp_path / "root", src, labels={"rc": "filter", "cs": "amplifier"})
    assert len(ds) == 2 and ds.classes == ["amplifier", "filter"] and len(ds.skipped) == 1
    assert {d.name: int(d.y) for d in ds} == {"cs": 0, "rc": 1}
    assert (tmp_path / "root" / "processed").is_dir()
    with pytest.warns(UserWarning, match="bad.cir"):
        unlabeled = CircuitGraphDataset(tmp_path / "root2", src, spec=FeatureSpec())
    assert "y" not in unlabeled[0] and unlabeled.spec == FeatureSpec()


@pytest.mark.corpus
def test_missing_corpus_ids_are_reported(tmp_path: Path, corpus_root: Path) -> None:
    with pytest.warns(UserWarning, match="1 circuits .* could not be read .*1.cir: netlist file not found"):
        ds = CircuitGraphDataset(tmp_path, corpus_root, ids=[1, 4])
    assert len(ds) == 1 and ds.skipped[0].startswith("1: ")


def test_errors_name_the_input(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match="Could not resolve graph view 'pins'"):
        CircuitGraphDataset(tmp_path, tmp_path, view="pins")  # type: ignore[arg-type]
    with pytest.raises(GraphError, match="not a folder"):
        CircuitGraphDataset(tmp_path, tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(GraphError, match="no netlist files"):
        CircuitGraphDataset(tmp_path / "r", tmp_path / "empty")


def test_pre_filter_and_pre_transform(tmp_path: Path) -> None:
    src = tmp_path / "nets"
    src.mkdir()
    for i in range(4):
        (src / f"r{i}.cir").write_text(f"* r{i}\n" + "".join(f"R{j} n{j} n{j + 1} 1k\n" for j in range(i + 1)) + ".end\n")
    ds = CircuitGraphDataset(tmp_path / "root", src, pre_filter=lambda d: d["device"].num_nodes >= 2,
                             pre_transform=lambda d: (setattr(d, "marked", torch.ones(1)), d)[1])
    assert len(ds) == 3 and all(float(d.marked) == 1.0 for d in ds)
