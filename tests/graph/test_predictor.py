"""The performance predictor above the simulator: dataset cache and resume, training resume, checkpoints,
the backend, and that the evaluation scores every held-out sample. The measure function is analytic."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from circuitforge.core.errors import CheckpointError
from circuitforge.graph.predictor import (
    TARGETS,
    PredictorBackend,
    SizingSpace,
    Topology,
    TrainConfig,
    build_dataset,
    evaluate_split,
    size_vector,
    split_by_sizing,
    split_by_topology,
    train,
)
from circuitforge.graph.predictor.train import load_checkpoint
from circuitforge.netlists import Netlist, parse
from circuitforge.spice import MeasurementPredictor, Simulator

LADDERS = {
    "rc1": "* rc1\nR1 in out 1k\nC1 out 0 1p\n.end\n",
    "rc2": "* rc2\nR1 in a 1k\nC1 a 0 1p\nR2 a out 2k\nC2 out 0 2p\n.end\n",
    "cs": "* cs\nM1 out in 0 0 nmos w=1u l=0.1u\nR1 vdd out 10k\nC1 out 0 1p\n.end\n",
    "cs2": "* cs2\nM1 x in 0 0 nmos w=2u l=0.1u\nR1 vdd x 5k\nM2 out x 0 0 nmos w=1u l=0.2u\nR2 vdd out 5k\n.end\n",
}


def fake_measure(nets: list[Netlist], calls: list[int] | None = None) -> list[dict]:
    """Analytic figures of the sizes; samples with a large total log size 'fail'."""
    if calls is not None:
        calls.append(len(nets))
    out = []
    for n in nets:
        v = size_vector(n)
        s = float(v.sum())
        if s > 0.2 * len(v) and len(v) > 3 and v.max() > 3.6:
            out.append({"gain": None, "ugbw": None, "pm": None, "power": 1e-6, "reason": "railed"})
            continue
        out.append({"gain": 20 + 3 * v.mean(), "ugbw": 10 ** (6 - v[-1] / 4), "pm": 60 + 5 * v[0],
                    "power": 10 ** (-5 + 0.1 * len(v))})
    return out


@pytest.fixture()
def topologies() -> list[Topology]:
    return [Topology(k, parse(v)) for k, v in LADDERS.items()]


def test_sizing_space_is_deterministic(topologies: list[Topology]) -> None:
    space = SizingSpace.of(topologies[2].netlist)
    assert len(space) == 4  # W, L, R, C
    a = space.sample(np.random.default_rng([0, 1, 2]))
    b = space.sample(np.random.default_rng([0, 1, 2]))
    assert np.allclose(a, b) and np.all((a >= 1 / 3 - 1e-9) & (a <= 3 + 1e-9))
    sized = space.apply(topologies[2].netlist, a)
    assert np.allclose(size_vector(sized) - size_vector(topologies[2].netlist), np.log10(a))


def test_dataset_is_cached_and_resumes(tmp_path: Path, topologies: list[Topology]) -> None:
    calls: list[int] = []
    measure = lambda nets: fake_measure(nets, calls)
    first = build_dataset(topologies, measure, tmp_path, samples=6, batch=5, progress=False)
    assert len(first.samples) == 24 and sum(calls) == 24
    # cut the file short (an interrupted run, mid-line) and resume: only the missing samples are measured
    path = tmp_path / "samples.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:10]) + "\n" + lines[10][:7])
    calls.clear()
    again = build_dataset(topologies, measure, tmp_path, samples=6, batch=5, progress=False)
    assert sum(calls) == 14
    assert [(s.topology, s.index, s.targets) for s in again.samples] == \
        [(s.topology, s.index, s.targets) for s in first.samples]
    # more samples later: only the new ones
    calls.clear()
    more = build_dataset(topologies, measure, tmp_path, samples=8, batch=5, progress=False)
    assert sum(calls) == 8 and len(more.samples) == 32
    assert json.loads((tmp_path / "manifest.json").read_text())["topologies"][0]["name"] == "rc1"


def test_failures_are_counted_not_dropped(tmp_path: Path, topologies: list[Topology]) -> None:
    def half(nets: list[Netlist]) -> list[dict]:
        return [{"gain": 1.0, "ugbw": 1e6, "pm": 60.0, "power": 1e-6} if i % 2 else {"reason": "no convergence"}
                for i, _ in enumerate(nets)]
    data = build_dataset(topologies[:1], half, tmp_path, samples=10, batch=10, progress=False)
    assert len(data.samples) == 10 and len(data.ok) == 5
    assert data.failures == {"no convergence": 5}
    assert "failed=5" in repr(data)


def test_train_resume_checkpoint_backend_and_evaluation(tmp_path: Path, topologies: list[Topology]) -> None:
    torch.set_num_threads(1)
    data = build_dataset(topologies, fake_measure, tmp_path / "data", samples=25, progress=False)
    ok, y = data.ok, data.y
    split = split_by_sizing(data, 0.2, seed=0)
    assert sorted(split.train + split.test) == list(range(len(ok)))
    nets = [data.netlist(ok[i]) for i in split.train]
    ckpt = tmp_path / "gnn.pt"
    cfg = TrainConfig(hidden=16, layers=2, epochs=4, batch_size=16, threads=1)

    # uninterrupted, against interrupted after 2 epochs and resumed: the same weights
    full = train(nets, y[list(split.train)], ckpt, cfg, progress=False)
    assert full.resumed_from == 0 and len(full.history) == 4
    part = train(nets, y[list(split.train)], tmp_path / "part.pt", cfg, progress=False, stop_after=2)
    assert len(part.history) == 2
    resumed = train(nets, y[list(split.train)], tmp_path / "part.pt", cfg, progress=False)
    assert resumed.resumed_from == 2 and len(resumed.history) == 4
    for k, v in full.model.state_dict().items():
        assert torch.allclose(v, resumed.model.state_dict()[k], atol=1e-5), k

    # a finished checkpoint resumes to a no-op; another configuration is refused
    again = train(nets, y[list(split.train)], ckpt, cfg, progress=False)
    assert again.resumed_from == 4
    # core.checkpoint's resume policy: the message names the file and the differing fields
    with pytest.raises(CheckpointError, match="another configuration") as refused:
        train(nets, y[list(split.train)], ckpt, TrainConfig(hidden=8, epochs=1), progress=False)
    assert str(ckpt) in str(refused.value)

    # checkpoint round trip: same predictions
    model, spec, _ = load_checkpoint(ckpt)
    from circuitforge.graph.predictor.evaluate import gnn_predict
    probe = [data.netlist(ok[i]) for i in split.test[:5]]
    assert np.allclose(gnn_predict(model, spec, probe), gnn_predict(full.model, full.spec, probe), atol=1e-5)
    scores = evaluate_split(data, split, model, spec)
    assert all(s.n == len(split.test) for s in scores["GNN"].values())
    assert all(s.n == len(split.test) for s in scores["mean"].values())
    assert scores["MLP"] is not None and all(s.n == len(split.test) for s in scores["MLP"].values())

    # unseen topologies: every measured sample is held out exactly once over the folds; no flat MLP
    folds = split_by_topology(data, folds=2)
    assert sorted(i for f in folds for i in f.test) == list(range(len(ok)))
    for f in folds:
        assert not {ok[i].topology for i in f.train} & {ok[i].topology for i in f.test}
    res = evaluate_split(data, folds[0], model, spec)
    assert res["MLP"] is None and all(s.n == len(folds[0].test) for s in res["GNN"].values())

    # the backend: keys, shapes, units and the errors it carries
    PredictorBackend.save_errors(ckpt, rmse={t: s.rmse for t, s in scores["GNN"].items()},
                                 r2={t: s.r2 for t, s in scores["GNN"].items()})
    backend = PredictorBackend.load(ckpt)
    # the sizing code's learned stand-in for a simulator (structurally: graph does not import spice)
    assert isinstance(backend, MeasurementPredictor) and not isinstance(backend, Simulator)
    preds = backend.predict([data.netlist(s) for s in ok[:3]])
    assert len(preds) == 3 and all(set(p) == set(TARGETS) for p in preds)
    assert all(p["ugbw"] > 0 and p["power"] > 0 for p in preds)
    one = backend.measure(data.netlist(ok[0]))
    assert all(math.isclose(one[t], preds[0][t], rel_tol=1e-4) for t in TARGETS)
    assert set(backend.rmse) == set(TARGETS) and "rmse=[gain=" in repr(backend)
    assert backend.predict([]) == []
