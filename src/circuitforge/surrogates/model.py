"""The neural EM surrogate: geometry parameters -> complex S11 and S21 over the frequency grid.

An MLP maps the parameters (scaled to the family's unit box) to, per frequency, the dB magnitudes
of S11 and S21 (standardised per frequency, clipped at -60 dB) and the unit phasors (cos, sin) of
both; :func:`decode` turns the outputs back into complex S-parameters. The scalings are buffers of
the module, so they are saved with the weights.

>>> import torch
>>> m = EMSurrogateNet(dim=10, n_freq=96, hidden=32, layers=2)
>>> m(torch.zeros(3, 10)).shape
torch.Size([3, 576])
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["EMSurrogateNet", "targets_from_s", "decode", "DB_FLOOR"]

DB_FLOOR = -60.0
"""Magnitudes are clipped here (dB) in the targets."""


class EMSurrogateNet(nn.Module):
    """MLP from unit-box parameters to ``6 * n_freq`` outputs: [S11 dB, S21 dB, S11 cos, sin, S21 cos, sin]."""

    def __init__(self, dim: int, n_freq: int, hidden: int = 384, layers: int = 4) -> None:
        super().__init__()
        self.dim, self.n_freq, self.hidden, self.layers = dim, n_freq, hidden, layers
        mods: list[nn.Module] = []
        width = dim
        for _ in range(layers):
            mods += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        mods.append(nn.Linear(width, 6 * n_freq))
        self.net = nn.Sequential(*mods)
        self.register_buffer("x_low", torch.zeros(dim))
        self.register_buffer("x_high", torch.ones(dim))
        self.register_buffer("db_mean", torch.zeros(2, n_freq))
        self.register_buffer("db_std", torch.ones(2, n_freq))

    def config(self) -> dict:
        return {"dim": self.dim, "n_freq": self.n_freq, "hidden": self.hidden, "layers": self.layers}

    def forward(self, x_unit: torch.Tensor) -> torch.Tensor:
        return self.net(x_unit * 2 - 1)

    def scale_x(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.x_low) / (self.x_high - self.x_low)

    def predict(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Parameters (physical units) -> ``(db (n, 2, F), phasor (n, 2, F) complex)`` for S11, S21."""
        out = self(self.scale_x(x)).view(-1, 6, self.n_freq)
        db = out[:, :2] * self.db_std + self.db_mean
        ph = torch.complex(out[:, 2::2], out[:, 3::2])
        ph = ph / ph.abs().clamp_min(1e-6)
        return db, ph


def targets_from_s(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(db (n, 2, F), phase (n, 2, F))`` of S11 and S21 from ``s`` of shape ``(n, F, 2, 2)``."""
    pair = np.stack([s[:, :, 0, 0], s[:, :, 1, 0]], 1)
    db = np.maximum(20 * np.log10(np.abs(pair) + 1e-30), DB_FLOOR)
    return db.astype(np.float32), np.angle(pair).astype(np.float32)


def decode(db: torch.Tensor | np.ndarray, phasor: torch.Tensor | np.ndarray) -> np.ndarray:
    """Complex ``(n, 2, F)`` S11, S21 from dB magnitudes and unit phasors."""
    db = db.detach().numpy() if isinstance(db, torch.Tensor) else db
    phasor = phasor.detach().numpy() if isinstance(phasor, torch.Tensor) else phasor
    return 10 ** (db / 20) * phasor
