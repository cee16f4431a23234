"""core.checkpoint: atomic weights_only checkpoints and the one resume policy."""

from __future__ import annotations

import logging
import math
import pickle
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from circuitforge.core.checkpoint import (
    config_diff,
    cosine_schedule,
    load_checkpoint,
    plain,
    read_weights,
    save_checkpoint,
)
from circuitforge.core.errors import CheckpointError, CircuitforgeError


@dataclass(frozen=True)
class Cfg:
    lr: float = 1e-3
    layers: int = 2
    sizes: tuple[int, ...] = (4, 8)


def _state() -> dict:
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters())
    return {"model": net.state_dict(), "opt": opt.state_dict(), "epoch": 4, "losses": [1.0, 0.5],
            "rng": [3, tuple(range(5)), None], "torch_rng": torch.get_rng_state()}


def test_round_trip(tmp_path: Path) -> None:
    p = save_checkpoint(tmp_path / "run" / "ck.pt", _state(), kind="demo", config=Cfg())
    st = load_checkpoint(p, kind="demo", config=Cfg())
    assert st is not None and st["epoch"] == 4 and st["losses"] == [1.0, 0.5]
    assert st["config"] == {"lr": 1e-3, "layers": 2, "sizes": [4, 8]}
    assert isinstance(st["model"]["weight"], torch.Tensor)
    assert [f.name for f in (tmp_path / "run").iterdir()] == ["ck.pt"]


def test_missing_file(tmp_path: Path) -> None:
    assert load_checkpoint(tmp_path / "none.pt", config=Cfg(), missing_ok=True) is None
    with pytest.raises(CheckpointError, match="none.pt: no such checkpoint"):
        load_checkpoint(tmp_path / "none.pt")


def test_truncated_file_is_a_checkpoint_error(tmp_path: Path) -> None:
    p = save_checkpoint(tmp_path / "ck.pt", _state(), kind="demo")
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError) as exc:
        load_checkpoint(p)
    assert str(p) in str(exc.value) and "truncated" in str(exc.value)
    assert isinstance(exc.value, CircuitforgeError)


@pytest.mark.parametrize("content", [b"", b"hello, not a checkpoint\n", b"PK\x03\x04garbage"])
def test_not_a_checkpoint(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "junk.pt"
    p.write_bytes(content)
    with pytest.raises(CheckpointError, match="junk.pt: not a checkpoint"):
        load_checkpoint(p)


def test_plain_torch_file_is_not_a_training_checkpoint(tmp_path: Path) -> None:
    p = tmp_path / "w.pt"
    torch.save({"weight": torch.zeros(2)}, p)
    assert set(read_weights(p)) == {"weight"}
    with pytest.raises(CheckpointError, match="not a circuitforge training checkpoint"):
        load_checkpoint(p)


class Evil:
    def __reduce__(self):  # noqa: ANN204
        return (print, ("this must never run",))


def test_pickled_object_is_refused(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    p = tmp_path / "evil.pt"
    torch.save({"circuitforge_checkpoint": 1, "kind": "demo", "config": None, "x": Evil()}, p)
    with pytest.raises(CheckpointError, match=r"evil.pt: holds a pickled object \(print\)"):
        load_checkpoint(p)
    assert "must never run" not in capsys.readouterr().out
    cfg = tmp_path / "cfg.pt"  # a config stored as an object rather than plain data: refused too, named
    torch.save({"circuitforge_checkpoint": 1, "kind": "demo", "config": Cfg()}, cfg)
    with pytest.raises(CheckpointError, match=r"cfg.pt: holds a pickled object \(.*Cfg\)"):
        load_checkpoint(cfg)
    q = tmp_path / "evil.pkl"
    q.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(CheckpointError, match="evil.pkl"):
        read_weights(q)


def test_wrong_kind(tmp_path: Path) -> None:
    p = save_checkpoint(tmp_path / "ck.pt", _state(), kind="linkpred-train-state")
    with pytest.raises(CheckpointError, match="a 'linkpred-train-state' checkpoint, expected 'topology"):
        load_checkpoint(p, kind="topology-train-state")


def test_mismatched_config_names_each_field(tmp_path: Path) -> None:
    p = save_checkpoint(tmp_path / "ck.pt", _state(), kind="demo", config={"cfg": Cfg(), "n": 10})
    with pytest.raises(CheckpointError) as exc:
        load_checkpoint(p, kind="demo", config={"cfg": Cfg(lr=0.01, layers=2), "n": 12})
    msg = str(exc.value)
    assert "cfg.lr saved 0.001, requested 0.01" in msg
    assert "n saved 10, requested 12" in msg
    assert "layers" not in msg
    assert "--restart" in msg and str(p) in msg


def test_restart_starts_fresh_and_says_so(tmp_path: Path, caplog) -> None:  # noqa: ANN001
    p = save_checkpoint(tmp_path / "ck.pt", _state(), kind="demo", config=Cfg())
    with caplog.at_level(logging.WARNING, logger="circuitforge.core.checkpoint"):
        assert load_checkpoint(p, kind="demo", config=Cfg(lr=0.5), restart=True) is None
    assert "restart" in caplog.text and "ck.pt" in caplog.text
    p.write_bytes(b"corrupt")  # a broken checkpoint does not stop a restart either
    assert load_checkpoint(p, kind="demo", config=Cfg(), restart=True) is None


def test_reserved_keys(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="reserved key 'config'"):
        save_checkpoint(tmp_path / "ck.pt", {"config": 1}, kind="demo")


def test_config_diff_and_plain() -> None:
    assert config_diff(Cfg(), Cfg()) == []
    assert config_diff({"a": [1, 2]}, {"a": (1, 2)}) == []
    assert config_diff({"a": 1}, {"b": 1}) == [("a", 1, "(absent)"), ("b", "(absent)", 1)]
    assert plain({"p": Path("/x"), "t": torch.tensor(2.5)}) == {"p": "/x", "t": 2.5}


def test_cosine_schedule_resumes_with_its_state() -> None:
    def run(n: int, resume_at: int | None = None) -> list[float]:
        w = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([w], lr=1.0)
        sched = cosine_schedule(opt, n, warmup=2, floor=0.1)
        lrs = []
        for k in range(n):
            if k == resume_at:
                saved = sched.state_dict(), opt.state_dict()
                opt = torch.optim.SGD([w], lr=1.0)
                sched = cosine_schedule(opt, n, warmup=2, floor=0.1)
                sched.load_state_dict(saved[0])
                opt.load_state_dict(saved[1])
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return lrs

    a = run(10)
    assert a[0] == pytest.approx(0.5)  # warm-up: step 0 of 2
    assert a[1] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.1)))
    assert a[-1] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.9)))
    assert run(10, resume_at=6) == pytest.approx(a)
