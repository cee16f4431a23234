"""The scikit-rf circuit model of the filters (fast, the default solver).

Low-pass: cascaded :class:`skrf.media.MLine` sections (Hammerstad-Jensen impedance, Kirschning-Jansen
dispersion, conductor and dielectric loss); step discontinuities are not modelled. Band-pass: each
coupled section is built from two :class:`skrf.media.DefinedGammaZ0` lines, one per mode (even/odd
impedances and permittivities from :func:`.microstrip.coupled_z0_eeff`), combined into the coupled
four-port's Z matrix ``Z_aa = (Z_e + Z_o)/2``, ``Z_ab = (Z_e - Z_o)/2``, and reduced to the two-port
seen with the far end of the input strip and the near end of the output strip open (Pozar 7.6,
with the lossy ``coth``/``csch`` in place of ``cot``/``csc``); each open end adds its
Kirschning-Jansen-Koster length extension.

>>> from .geometry import LOWPASS
>>> net = SkrfSolver().solve(LOWPASS.center())
>>> net.s.shape
(96, 2, 2)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import skrf
from skrf.media import DefinedGammaZ0, MLine

from .geometry import CoupledLineBandpass, FilterGeometry, SteppedImpedanceLowpass
from .microstrip import coupled_z0_eeff, eeff_dispersion, open_end_extension
from .solver import frequency_grid

__all__ = ["SkrfSolver", "coupled_section"]

C0 = 299792458.0
MU0 = 4e-7 * np.pi


@dataclass(frozen=True, slots=True)
class SkrfSolver:
    """The scikit-rf model (closed-form, milliseconds per design)."""

    name: str = "skrf"

    def solve(self, geometry: FilterGeometry, frequency: skrf.Frequency | None = None) -> skrf.Network:
        f = frequency if frequency is not None else frequency_grid()
        if isinstance(geometry, SteppedImpedanceLowpass):
            net = _lowpass(geometry, f)
        elif isinstance(geometry, CoupledLineBandpass):
            net = _bandpass(geometry, f)
        else:
            raise TypeError(f"SkrfSolver cannot solve {type(geometry).__name__}")
        net.name = geometry.kind
        return net


def _lowpass(g: SteppedImpedanceLowpass, f: skrf.Frequency) -> skrf.Network:
    sub = g.substrate
    nets = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for w, l in zip(g.widths, g.lengths):
            m = MLine(frequency=f, z0_port=50, w=w * 1e-3, h=sub.h * 1e-3, t=sub.t * 1e-3, ep_r=sub.er,
                      tand=sub.tand, rho=1 / sub.sigma, rough=0, diel="frequencyinvariant")
            nets.append(m.line(l * 1e-3, "m"))
    out = nets[0]
    for n in nets[1:]:
        out = out ** n
    return out


def coupled_section(w: float, s: float, l: float, sub, f: skrf.Frequency) -> skrf.Network:  # noqa: ANN001
    """The two-port (input strip's near end, output strip's far end; other ends open) of one section."""
    fh = f.f
    z0e, z0o, ee0, eo0 = coupled_z0_eeff(w, s, sub.h, sub.er)
    rs = np.sqrt(np.pi * fh * MU0 / sub.sigma)
    length = (l + open_end_extension(w, sub.h, sub.er)) * 1e-3
    zs = []
    for z0m, e0 in ((z0e, ee0), (z0o, eo0)):
        ef = eeff_dispersion(e0, w, sub.h, sub.er, fh)
        k0 = 2 * np.pi * fh / C0
        alpha_d = k0 * sub.er * (ef - 1) * sub.tand / (2 * np.sqrt(ef) * (sub.er - 1))
        alpha_c = rs / (z0m * w * 1e-3)
        gamma = alpha_c + alpha_d + 1j * k0 * np.sqrt(ef)
        line = DefinedGammaZ0(frequency=f, z0=z0m * np.ones(len(fh)), gamma=gamma).line(length, "m")
        zs.append(line.z)
    ze, zo = zs
    z = np.empty((len(fh), 2, 2), complex)
    z[:, 0, 0] = (ze[:, 0, 0] + zo[:, 0, 0]) / 2   # a1-a1
    z[:, 1, 1] = (ze[:, 1, 1] + zo[:, 1, 1]) / 2   # b2-b2
    z[:, 0, 1] = z[:, 1, 0] = (ze[:, 0, 1] - zo[:, 0, 1]) / 2  # a1-b2
    return skrf.Network(frequency=f, s=skrf.network.z2s(z, z0=50), z0=50)


def _bandpass(g: CoupledLineBandpass, f: skrf.Frequency) -> skrf.Network:
    nets = [coupled_section(w, s, l, g.substrate, f) for w, s, l in g.sections()]
    out = nets[0]
    for n in nets[1:]:
        out = out ** n
    return out
