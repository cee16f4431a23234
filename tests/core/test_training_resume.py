"""The one resume policy, seen through a training loop that uses it (the EM surrogate: small, fast)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from circuitforge.core.errors import CheckpointError
from circuitforge.rf.geometry import family
from circuitforge.rf.solver import frequency_grid
from circuitforge.surrogates.train import TrainConfig, train_surrogate


def _data(n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    fam = family("lowpass")
    x = fam.low + rng.random((n, fam.dim)) * (np.asarray(fam.high) - np.asarray(fam.low))
    f = len(frequency_grid().f)
    s = 0.5 * (rng.random((n, f, 2, 2)) + 1j * rng.random((n, f, 2, 2)))
    return x, s


def test_mismatched_state_is_refused_unless_restart(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    x, s = _data()
    state = tmp_path / "run.state"
    cfg = TrainConfig(hidden=16, layers=1, epochs=2, batch=8, save_every=1)
    train_surrogate("lowpass", x, s, cfg, state_path=state)
    assert state.is_file()

    other = TrainConfig(hidden=16, layers=1, epochs=3, batch=8, save_every=1)
    with pytest.raises(CheckpointError) as exc:
        train_surrogate("lowpass", x, s, other, state_path=state)
    assert "config.epochs saved 2, requested 3" in str(exc.value) and str(state) in str(exc.value)

    msgs: list[str] = []
    _, rec = train_surrogate("lowpass", x, s, other, state_path=state, restart=True, progress=msgs.append)
    assert rec["epochs"] == 3 and not any("resuming" in m for m in msgs)
    msgs.clear()
    train_surrogate("lowpass", x, s, other, state_path=state, progress=msgs.append)  # now it matches
    assert "resuming after epoch 3/3" in msgs[0]


def test_corrupt_state_is_a_checkpoint_error(tmp_path: Path) -> None:
    x, s = _data(8)
    state = tmp_path / "run.state"
    state.write_bytes(b"\x80\x02garbage")
    with pytest.raises(CheckpointError, match="run.state: not a checkpoint"):
        train_surrogate("lowpass", x, s, TrainConfig(hidden=8, layers=1, epochs=1, batch=8), state_path=state)
