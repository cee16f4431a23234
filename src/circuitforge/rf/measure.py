"""Measurements on filter responses: -3 dB cutoff, centre frequency and bandwidth, and specs.

Every function takes either a ``skrf.Network`` or the pair ``(f_hz, s21_db)`` / arrays of them
(batched over the first axis), so the same code scores solver networks and surrogate batches.

>>> import numpy as np
>>> f = np.linspace(1e9, 5e9, 5)
>>> float(cutoff_3db((f, np.array([0.0, -1.0, -5.0, -20.0, -30.0]))))
2500000000.0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from ..core.units import UnitError, parse_quantity
from .errors import RFError

__all__ = ["cutoff_3db", "center_bandwidth", "FilterSpec", "spec_margins", "spec_met", "S21_FLOOR_DB",
           "parse_frequency", "parse_level_at"]

S21_FLOOR_DB = -60.0
"""|S21| is clipped here before dB errors are taken."""


def _split(x):  # noqa: ANN001, ANN202
    if hasattr(x, "s_db"):
        return np.asarray(x.f, float), np.asarray(x.s_db[:, 1, 0], float)
    f, s = x
    return np.asarray(f, float), np.asarray(s, float)


def _crossing(f, y, i):  # linear interpolation between samples i and i + 1 of y crossing -3 dB
    y0, y1 = y[i], y[i + 1]
    t = (-3.0 - y0) / (y1 - y0) if y1 != y0 else 0.0
    return f[i] + t * (f[i + 1] - f[i])


def cutoff_3db(x) -> float | np.ndarray:  # noqa: ANN001
    """First frequency where |S21| falls below -3 dB relative to 0 dB (NaN if it never does).

    Batched: ``x = (f, s21_db)`` with ``s21_db`` of shape ``(n, F)`` gives ``n`` cutoffs.
    """
    f, s = _split(x)
    if s.ndim == 2:
        return np.array([cutoff_3db((f, row)) for row in s])
    below = np.nonzero(s < -3.0)[0]
    if len(below) == 0:
        return float("nan")
    i = below[0]
    return float(f[0]) if i == 0 else float(_crossing(f, s, i - 1))


def center_bandwidth(x) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Centre (arithmetic mean of the -3 dB edges) and -3 dB bandwidth of the passband around the
    |S21| maximum, edges relative to 0 dB; NaN when the maximum is below -3 dB or an edge is off-grid.
    """
    f, s = _split(x)
    if s.ndim == 2:
        r = [center_bandwidth((f, row)) for row in s]
        return np.array([a for a, _ in r]), np.array([b for _, b in r])
    k = int(np.argmax(s))
    if s[k] < -3.0:
        return float("nan"), float("nan")
    lo = k
    while lo > 0 and s[lo - 1] >= -3.0:
        lo -= 1
    hi = k
    while hi < len(s) - 1 and s[hi + 1] >= -3.0:
        hi += 1
    if lo == 0 or hi == len(s) - 1:
        return float("nan"), float("nan")
    f1, f2 = _crossing(f, s, lo - 1), _crossing(f, s, hi)
    return float((f1 + f2) / 2), float(f2 - f1)


@dataclass(frozen=True, slots=True)
class FilterSpec:
    """A filter target. Low-pass: passband ``[0.5 GHz, f_pass]`` and a stopband from ``f_stop``;
    band-pass: passband ``f0 +- bw/2`` and stopbands below ``f0 - stop_offset`` and above
    ``f0 + stop_offset`` (within 0.5 to 10 GHz). Frequencies in Hz, levels in dB (positive).
    """

    kind: Literal["lowpass", "bandpass"]
    f_pass: float = 0.0
    """Low-pass: passband edge (the cutoff the user asks for)."""
    f_stop: float = 0.0
    """Low-pass: stopband start."""
    f0: float = 0.0
    """Band-pass: centre frequency."""
    bw: float = 0.0
    """Band-pass: passband width that must be met."""
    stop_offset: float = 0.0
    """Band-pass: distance from f0 to each stopband edge."""
    il_db: float = 3.0
    """Largest insertion loss allowed in the passband."""
    rl_db: float = 10.0
    """Smallest return loss in the passband."""
    rejection_db: float = 20.0
    """Smallest attenuation in the stopband."""

    def to_dict(self) -> dict:
        return asdict(self)

    def passband(self) -> tuple[float, float]:
        if self.kind == "lowpass":
            return 0.5e9, self.f_pass
        return self.f0 - self.bw / 2, self.f0 + self.bw / 2

    def rl_band(self) -> tuple[float, float]:
        """Where return loss is checked: the lower 80% of a low-pass passband, the middle half of a
        band-pass one (at a -3 dB edge no filter can be matched)."""
        if self.kind == "lowpass":
            return 0.5e9, 0.5e9 + 0.8 * (self.f_pass - 0.5e9)
        return self.f0 - self.bw / 4, self.f0 + self.bw / 4

    def stopbands(self) -> list[tuple[float, float]]:
        """Low-pass: ``f_stop`` to ``min(10 GHz, 1.6 f_stop)``; band-pass: 0.5 GHz to ``f0 - stop_offset`` and
        ``f0 + stop_offset`` to ``min(10 GHz, 1.7 f0)`` (below the first spurious band at 2 f0)."""
        if self.kind == "lowpass":
            return [(self.f_stop, min(10e9, 1.6 * self.f_stop))]
        return [(0.5e9, self.f0 - self.stop_offset), (self.f0 + self.stop_offset, min(10e9, 1.7 * self.f0))]

    def describe(self) -> str:
        if self.kind == "lowpass":
            return (f"low-pass: IL <= {self.il_db:g} dB up to {self.f_pass / 1e9:.2f} GHz (RL >= {self.rl_db:g} dB "
                    f"up to {self.rl_band()[1] / 1e9:.2f} GHz), "
                    f"rejection >= {self.rejection_db:g} dB from {self.f_stop / 1e9:.2f} to "
                    f"{self.stopbands()[0][1] / 1e9:.2f} GHz")
        return (f"band-pass: IL <= {self.il_db:g} dB, RL >= {self.rl_db:g} dB over {self.f0 / 1e9:.2f} GHz "
                f"+- {self.bw / 2e9:.2f} GHz (RL over the middle half), rejection >= {self.rejection_db:g} dB beyond +-{self.stop_offset / 1e9:.2f} GHz")


def spec_margins(spec: FilterSpec, f, s21_db, s11_db) -> np.ndarray:  # noqa: ANN001
    """Margins (dB, >= 0 means met) of insertion loss, return loss and rejection; shape ``(..., 3)``.

    ``s21_db``/``s11_db`` may be batched ``(n, F)``.
    """
    f = np.asarray(f, float)
    s21 = np.asarray(s21_db, float)
    s11 = np.asarray(s11_db, float)
    lo, hi = spec.passband()
    pb = (f >= lo - 1e-3) & (f <= hi + 1e-3)
    rlo, rhi = spec.rl_band()
    rb = (f >= rlo - 1e-3) & (f <= rhi + 1e-3)
    sb = np.zeros_like(pb)
    for a, b in spec.stopbands():
        sb |= (f >= a - 1e-3) & (f <= b + 1e-3)
    il = spec.il_db + s21[..., pb].min(-1) if pb.any() else np.full(s21.shape[:-1], np.inf)
    rl = -s11[..., rb].max(-1) - spec.rl_db if rb.any() else np.full(s21.shape[:-1], np.inf)
    rej = -s21[..., sb].max(-1) - spec.rejection_db if sb.any() else np.full(s21.shape[:-1], np.inf)
    return np.stack([il, rl, rej], -1)


def spec_met(spec: FilterSpec, network_or_f, s21_db=None, s11_db=None) -> bool | np.ndarray:  # noqa: ANN001
    """Whether every margin is >= 0 (a network, or batched arrays)."""
    if s21_db is None:
        net = network_or_f
        m = spec_margins(spec, net.f, net.s_db[:, 1, 0], net.s_db[:, 0, 0])
        return bool((m >= 0).all())
    return (spec_margins(spec, network_or_f, s21_db, s11_db) >= 0).all(-1)


def parse_frequency(text: str) -> float:
    """A frequency such as ``3GHz``, ``500 MHz``, ``2.5e9`` (Hz), read by
    :func:`~circuitforge.core.units.parse_quantity` (``M`` mega, ``m`` milli).

    >>> parse_frequency("3GHz"), parse_frequency("500MHz"), parse_frequency("2.5e9")
    (3000000000.0, 500000000.0, 2500000000.0)
    """
    try:
        return parse_quantity(text, "Hz", what="frequency")
    except UnitError as exc:
        raise RFError(str(exc)) from None


def parse_level_at(text: str) -> tuple[float, float]:
    """``30dB@6GHz`` -> ``(30.0, 6e9)``.

    >>> parse_level_at("30dB@6GHz")
    (30.0, 6000000000.0)
    """
    if "@" not in text:
        raise RFError(f"cannot read {text!r}: expected LEVEL@FREQUENCY such as 30dB@6GHz")
    level, freq = text.split("@", 1)
    try:
        return abs(parse_quantity(level, "dB", what="level")), parse_frequency(freq)
    except UnitError as exc:
        raise RFError(f"{exc} in {text!r}") from None
