"""EM surrogate: shipped weights against fresh scikit-rf geometries, training/resume, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from circuitforge.rf.geometry import family
from circuitforge.rf.skrf_solver import SkrfSolver
from circuitforge.surrogates.errors import SurrogateError
from circuitforge.surrogates.evaluate import baseline_mean, baseline_nearest, evaluate_methods, score_db
from circuitforge.surrogates.model import EMSurrogateNet, targets_from_s
from circuitforge.surrogates.surrogate import EMSurrogate
from circuitforge.surrogates.train import (
    TrainConfig,
    _loss,
    load_surrogate,
    resolve_arch,
    save_surrogate,
    train_surrogate,
    weights_path,
)


def _fresh(kind: str, n: int, seed: int = 99):
    fam = family(kind)
    x = fam.sample(np.random.default_rng(seed), n)
    s = np.stack([SkrfSolver().solve(fam.build(v)).s for v in x])
    return x, s


@pytest.mark.parametrize("kind", ["lowpass", "bandpass"])
def test_shipped_surrogate_tracks_skrf_on_unseen_geometries(kind):
    sur = EMSurrogate.load(kind)
    assert repr(sur) == f"EMSurrogate({kind!r}, params={sur.family.dim}, freqs=96)"
    assert weights_path(kind).stat().st_size < 2.5e6
    x, s = _fresh(kind, 30)
    p = sur.predict(x)
    db, _ = targets_from_s(s)
    r = score_db(kind, sur.frequency.f, db, np.stack([p.s11_db, p.s21_db], 1))
    assert r["s21_rmse_db"] < 1.5, r
    # the complex prediction carries phase too: passband S21 phase within 20 degrees on most points
    band = db[:, 1] > -3
    dphi = np.angle(p.s21[band] / s[:, :, 1, 0][band], deg=True)
    assert np.median(np.abs(dphi)) < 20


def test_surrogate_is_a_solver_and_checks_inputs():
    sur = EMSurrogate.load("lowpass")
    net = sur.solve(sur.family.center())
    assert net.s.shape == (96, 2, 2) and np.allclose(net.s[:, 0, 1], net.s[:, 1, 0])
    with pytest.raises(SurrogateError, match="takes 10 parameters"):
        sur.predict(np.zeros((1, 3)))


def test_training_resumes_and_checkpoint_round_trips(tmp_path):
    torch.set_num_threads(1)
    x, s = _fresh("bandpass", 40, seed=5)
    cfg = TrainConfig(hidden=32, layers=2, epochs=4, batch=16, save_every=2)
    net, rec = train_surrogate("bandpass", x, s, cfg, state_path=tmp_path / "st")
    msgs = []
    net2, _ = train_surrogate("bandpass", x, s, cfg, state_path=tmp_path / "st", progress=msgs.append)
    assert msgs and "resuming after epoch 4/4" in msgs[0]
    for a, b in zip(net.state_dict().values(), net2.state_dict().values()):
        assert torch.equal(a, b)
    save_surrogate(tmp_path / "m.pt", net, "bandpass", rec)
    ls = load_surrogate(tmp_path / "m.pt")
    assert net.arch == ls.net.arch == "freq"  # the band-pass default layout survives the checkpoint
    xt = torch.tensor(x[:3], dtype=torch.float32)
    d1, _ = net.predict(xt)
    d2, _ = ls.net.predict(xt)
    assert torch.allclose(d1, d2, atol=0.2)  # float16 storage
    with pytest.raises(SurrogateError, match="bad.pt: not a checkpoint of this kind .expected format circuitforge.em_surrogate"):
        torch.save({"x": 1}, tmp_path / "bad.pt")
        load_surrogate(tmp_path / "bad.pt")


def test_baselines_count_every_sample():
    x, s = _fresh("lowpass", 24, seed=3)
    db, _ = targets_from_s(s[:16])
    res = evaluate_methods("lowpass", SkrfSolver().solve(family("lowpass").center()).f, x[16:], s[16:],
                           {"mean": baseline_mean(db), "nearest": baseline_nearest(family("lowpass"), x[:16], db)})
    assert all(r["n"] == 8 and r["with_cutoff"] + 0 <= 8 for r in res.values())
    assert res["mean"]["s21_rmse_db"] > 1.0


def test_clipped_loss_ignores_predictions_below_the_floor():
    torch.manual_seed(0)
    net = EMSurrogateNet(dim=6, n_freq=96, hidden=16, layers=1, arch="freq")
    xu = torch.rand(4, 6)
    with torch.no_grad():
        out = net(xu).view(-1, 6, 96)
    floor = out[:, :2] + 1.0  # every target "at the floor", one unit above the prediction
    cs, w = torch.zeros(4, 4, 96), torch.zeros(4, 4, 96)
    assert _loss(net, xu, floor, cs, w, 0.5, floor).item() == 0.0
    assert abs(_loss(net, xu, floor, cs, w, 0.5).item() - 1.0) < 1e-5
    assert resolve_arch("lowpass", TrainConfig()) == ("grid", False)
    assert resolve_arch("bandpass", TrainConfig()) == ("freq", True)
    with pytest.raises(ValueError, match="6 band-pass"):
        EMSurrogateNet(dim=10, n_freq=96, arch="freq")
