"""Parametric microstrip filter geometries, their parameter families and their planar layouts.

Two structures, every length in mm, on one :class:`~.substrate.Substrate`:

- :class:`SteppedImpedanceLowpass`: N cascaded line sections alternating wide (low impedance, shunt
  C) and narrow (high impedance, series L), Pozar section 8.6.
- :class:`CoupledLineBandpass`: a parallel-coupled-line band-pass of order 3 (four coupled
  sections, mirror-symmetric: outer pair ``w1, s1, l1``, inner pair ``w2, s2, l2``), Pozar 8.8.

S-parameters refer to the two filter edges, ports of 50 ohm.

>>> g = LOWPASS.center()
>>> g
SteppedImpedanceLowpass(sections=5, length=24.8 mm)
>>> LOWPASS.build(LOWPASS.to_vector(g)) == g
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

from .errors import GeometryError
from .microstrip import width_for_z0
from .substrate import RO4003C, Substrate

__all__ = ["FilterKind", "FILTER_KINDS", "SteppedImpedanceLowpass", "CoupledLineBandpass", "FilterGeometry",
           "FilterFamily", "LOWPASS", "BANDPASS", "family", "Layout", "geometry_from_dict"]

FilterKind = Literal["lowpass", "bandpass"]
FILTER_KINDS: tuple[str, ...] = get_args(FilterKind)


@dataclass(frozen=True, slots=True)
class Layout:
    """Metal rectangles ``(x0, x1, y0, y1)`` (mm) on the substrate, and the two port lines."""

    rects: tuple[tuple[float, float, float, float], ...]
    port_in: tuple[float, float]
    """(x of the filter's input edge, y of the input line's centre)."""
    port_out: tuple[float, float]
    """(x of the output edge, y of the output line's centre)."""


def _feed_width(sub: Substrate) -> float:
    return width_for_z0(50.0, sub.h, sub.er)


@dataclass(frozen=True, slots=True)
class SteppedImpedanceLowpass:
    """A stepped-impedance low-pass: ``widths[k]`` x ``lengths[k]`` sections in cascade (mm)."""

    widths: tuple[float, ...]
    """Strip width of each section (mm), input to output."""
    lengths: tuple[float, ...]
    """Length of each section (mm)."""
    substrate: Substrate = field(default=RO4003C)
    """The board."""
    kind: str = field(default="lowpass", init=False)

    def __post_init__(self) -> None:
        if len(self.widths) != len(self.lengths) or not self.widths:
            raise GeometryError(f"stepped-impedance low-pass needs as many widths as lengths (got "
                                f"{len(self.widths)} widths, {len(self.lengths)} lengths)")
        for name, vals in (("widths", self.widths), ("lengths", self.lengths)):
            for k, v in enumerate(vals):
                if not (np.isfinite(v) and v > 0):
                    raise GeometryError(f"stepped-impedance low-pass {name}[{k}] must be > 0 mm (got {v})")

    def __repr__(self) -> str:
        return f"SteppedImpedanceLowpass(sections={len(self.widths)}, length={sum(self.lengths):.1f} mm)"

    def layout(self) -> Layout:
        rects, x = [], 0.0
        for w, l in zip(self.widths, self.lengths):
            rects.append((x, x + l, -w / 2, w / 2))
            x += l
        return Layout(tuple(rects), (0.0, 0.0), (x, 0.0))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "widths": list(self.widths), "lengths": list(self.lengths),
                "substrate": self.substrate.to_dict()}


@dataclass(frozen=True, slots=True)
class CoupledLineBandpass:
    """An order-3 parallel-coupled-line band-pass: sections (w1,s1,l1), (w2,s2,l2), (w2,s2,l2), (w1,s1,l1)."""

    w: tuple[float, float]
    """Strip widths of the outer and inner coupled sections (mm)."""
    s: tuple[float, float]
    """Gaps of the outer and inner coupled sections (mm)."""
    l: tuple[float, float]
    """Coupled lengths of the outer and inner sections (mm)."""
    substrate: Substrate = field(default=RO4003C)
    """The board."""
    kind: str = field(default="bandpass", init=False)

    def __post_init__(self) -> None:
        for name in ("w", "s", "l"):
            vals = getattr(self, name)
            if len(vals) != 2:
                raise GeometryError(f"coupled-line band-pass {name} needs 2 values (outer, inner), got {len(vals)}")
            for k, v in enumerate(vals):
                if not (np.isfinite(v) and v > 0):
                    raise GeometryError(f"coupled-line band-pass {name}[{k}] must be > 0 mm (got {v})")

    def __repr__(self) -> str:
        return f"CoupledLineBandpass(order=3, sections=4, length={2 * sum(self.l):.1f} mm)"

    def sections(self) -> list[tuple[float, float, float]]:
        """The four coupled sections ``(w, s, l)`` from input to output."""
        a, b = (self.w[0], self.s[0], self.l[0]), (self.w[1], self.s[1], self.l[1])
        return [a, b, b, a]

    def layout(self) -> Layout:
        """Staircase layout: section k's lower strip continues as section k+1's upper strip."""
        rects, x, c = [], 0.0, 0.0
        for w, s, l in self.sections():
            rects.append((x, x + l, c - w / 2, c + w / 2))
            c2 = c - (w + s)
            rects.append((x, x + l, c2 - w / 2, c2 + w / 2))
            x, c = x + l, c2
        return Layout(tuple(rects), (0.0, 0.0), (x, c))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "w": list(self.w), "s": list(self.s), "l": list(self.l),
                "substrate": self.substrate.to_dict()}


FilterGeometry = SteppedImpedanceLowpass | CoupledLineBandpass


def geometry_from_dict(d: dict) -> FilterGeometry:
    """Inverse of ``to_dict`` (the geometry JSON written by ``filter design``)."""
    sub = Substrate.from_dict(d["substrate"]) if "substrate" in d else RO4003C
    kind = d.get("kind")
    if kind == "lowpass":
        return SteppedImpedanceLowpass(tuple(d["widths"]), tuple(d["lengths"]), sub)
    if kind == "bandpass":
        return CoupledLineBandpass(tuple(d["w"]), tuple(d["s"]), tuple(d["l"]), sub)
    raise GeometryError(f"unknown filter kind {kind!r}: expected one of {list(FILTER_KINDS)}")


@dataclass(frozen=True, slots=True)
class FilterFamily:
    """A structure with named parameters in boxes: the design space of the surrogate and the agents."""

    kind: str
    names: tuple[str, ...]
    """Parameter names (mm, except the band-pass length tilt ``t``)."""
    low: tuple[float, ...]
    high: tuple[float, ...]
    substrate: Substrate = RO4003C

    @property
    def dim(self) -> int:
        return len(self.names)

    def build(self, x) -> FilterGeometry:  # noqa: ANN001 - array-like
        """The geometry of parameter vector ``x`` (mm, in the order of ``names``)."""
        x = [float(v) for v in np.asarray(x, float).ravel()]
        if len(x) != self.dim:
            raise GeometryError(f"{self.kind} parameter vector needs {self.dim} values {list(self.names)}, got {len(x)}")
        if self.kind == "lowpass":
            n = self.dim // 2
            return SteppedImpedanceLowpass(tuple(x[:n]), tuple(x[n:]), self.substrate)
        w1, s1, w2, s2, length, t = x
        return CoupledLineBandpass((w1, w2), (s1, s2), (length * (1 + t), length * (1 - t)), self.substrate)

    def to_vector(self, g: FilterGeometry) -> np.ndarray:
        if self.kind == "lowpass":
            return np.array(list(g.widths) + list(g.lengths))
        length = (g.l[0] + g.l[1]) / 2
        return np.array([g.w[0], g.s[0], g.w[1], g.s[1], length, (g.l[0] - g.l[1]) / (2 * length)])

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` parameter vectors drawn uniformly in the boxes, shape ``(n, dim)``."""
        return rng.uniform(self.low, self.high, size=(n, self.dim))

    def to_unit(self, x) -> np.ndarray:  # noqa: ANN001
        lo, hi = np.asarray(self.low), np.asarray(self.high)
        return (np.asarray(x, float) - lo) / (hi - lo)

    def from_unit(self, u) -> np.ndarray:  # noqa: ANN001
        lo, hi = np.asarray(self.low), np.asarray(self.high)
        return lo + np.clip(np.asarray(u, float), 0, 1) * (hi - lo)

    def center(self) -> FilterGeometry:
        return self.build((np.asarray(self.low) + np.asarray(self.high)) / 2)


LOWPASS = FilterFamily(
    "lowpass",
    ("w1", "w2", "w3", "w4", "w5", "l1", "l2", "l3", "l4", "l5"),
    (2.5, 0.15, 2.5, 0.15, 2.5, 1.5, 2.0, 1.5, 2.0, 1.5),
    (6.0, 0.6, 6.0, 0.6, 6.0, 7.0, 10.0, 7.0, 10.0, 7.0),
)
"""Five-section stepped-impedance low-pass on RO4003C: wide (C) sections 1, 3, 5, narrow (L) 2, 4;
-3 dB cutoffs from about 1.5 to 8 GHz."""

BANDPASS = FilterFamily(
    "bandpass",
    ("w1", "s1", "w2", "s2", "l", "t"),
    (0.6, 0.06, 0.8, 0.15, 5.5, -0.03),
    (1.2, 0.30, 1.3, 1.10, 15.5, 0.05),
)
"""Order-3 parallel-coupled-line band-pass on RO4003C: outer and inner widths and gaps, mean coupled
length ``l`` and tilt ``t`` (outer length ``l(1+t)``, inner ``l(1-t)``); the boxes hold Pozar-8.8
designs of 5-20% bandwidth at centre frequencies from about 3 to 8.5 GHz."""


def family(kind: str) -> FilterFamily:
    """The family of ``kind`` ("lowpass" or "bandpass")."""
    if kind == "lowpass":
        return LOWPASS
    if kind == "bandpass":
        return BANDPASS
    raise GeometryError(f"Could not resolve filter kind {kind!r} among choices {list(FILTER_KINDS)}")
