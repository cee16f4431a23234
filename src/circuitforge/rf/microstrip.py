"""Closed-form microstrip models: single line and even/odd-mode coupled lines.

Single line: Hammerstad and Jensen (1980) static impedance and effective permittivity, with the
Kirschning and Jansen (1982) dispersion of the effective permittivity. Coupled lines: Hammerstad
and Jensen's even/odd-mode formulas (as written in the Qucs technical papers, "coupled microstrip
lines"), with the single-line Kirschning-Jansen dispersion applied to each mode's permittivity
(the coupled-line dispersion terms of Kirschning-Jansen 1984 are left out: below 10 GHz on a
0.508 mm board they shift the mode permittivities by well under 1%). Zero metal thickness.

Widths, gaps and heights share one unit (their ratios are what counts); frequencies in Hz.

>>> z, e = microstrip_z0_eeff(1.1, 0.508, 3.55)
>>> round(float(z), 1), round(float(e), 2)
(51.0, 2.78)
"""

from __future__ import annotations

import numpy as np

__all__ = ["microstrip_z0_eeff", "eeff_dispersion", "coupled_z0_eeff", "width_for_z0", "open_end_extension",
           "ETA0"]

ETA0 = 376.730313668
"""Impedance of free space (ohm)."""


def _a_b(u, er):
    a = 1 + np.log((u ** 4 + (u / 52) ** 2) / (u ** 4 + 0.432)) / 49 + np.log(1 + (u / 18.1) ** 3) / 18.7
    b = 0.564 * ((er - 0.9) / (er + 3)) ** 0.053
    return a, b


def microstrip_z0_eeff(w, h, er):
    """Static characteristic impedance (ohm) and effective permittivity of a microstrip of width ``w``."""
    u = np.asarray(w, float) / h
    a, b = _a_b(u, er)
    eeff = (er + 1) / 2 + (er - 1) / 2 * (1 + 10 / u) ** (-a * b)
    fu = 6 + (2 * np.pi - 6) * np.exp(-(30.666 / u) ** 0.7528)
    z1 = ETA0 / (2 * np.pi) * np.log(fu / u + np.sqrt(1 + (2 / u) ** 2))
    return z1 / np.sqrt(eeff), eeff


def eeff_dispersion(eeff0, w, h, er, f_hz):
    """Kirschning-Jansen effective permittivity at ``f_hz`` (``h`` in mm) given its static value."""
    u = np.asarray(w, float) / h
    fn = np.asarray(f_hz, float) * 1e-9 * h  # GHz * mm
    p1 = 0.27488 + (0.6315 + 0.525 / (1 + 0.0157 * fn) ** 20) * u - 0.065683 * np.exp(-8.7513 * u)
    p2 = 0.33622 * (1 - np.exp(-0.03442 * er))
    p3 = 0.0363 * np.exp(-4.6 * u) * (1 - np.exp(-((fn / 38.7) ** 4.97)))
    p4 = 1 + 2.751 * (1 - np.exp(-((er / 15.916) ** 8)))
    p = p1 * p2 * ((0.1844 + p3 * p4) * fn) ** 1.5763
    return er - (er - eeff0) / (1 + p)


def coupled_z0_eeff(w, s, h, er):
    """Static even/odd-mode impedances and permittivities of a symmetric coupled microstrip pair.

    Returns ``(z0e, z0o, eeff_e, eeff_o)``. Far apart both modes tend to the single line:

    >>> z0e, z0o, ee, eo = coupled_z0_eeff(1.1, 50.0, 0.508, 3.55)
    >>> round(float(z0e), 1), round(float(z0o), 1)
    (51.0, 51.0)
    >>> [round(float(x), 1) for x in coupled_z0_eeff(1.1, 0.3, 0.508, 3.55)[:2]]
    [58.9, 41.5]
    """
    u = np.asarray(w, float) / h
    g = np.asarray(s, float) / h
    z0, eeff = microstrip_z0_eeff(w, h, er)
    v = u * (20 + g ** 2) / (10 + g ** 2) + g * np.exp(-g)
    ae, be = _a_b(v, er)
    eeff_e = (er + 1) / 2 + (er - 1) / 2 * (1 + 10 / v) ** (-ae * be)
    ao = 0.7287 * (eeff - (er + 1) / 2) * (1 - np.exp(-0.179 * u))
    bo = 0.747 * er / (0.15 + er)
    co = bo - (bo - 0.207) * np.exp(-0.414 * u)
    do = 0.593 + 0.694 * np.exp(-0.562 * u)
    eeff_o = ((er + 1) / 2 + ao - eeff) * np.exp(-co * g ** do) + eeff
    q1 = 0.8695 * u ** 0.194
    q2 = 1 + 0.7519 * g + 0.189 * g ** 2.31
    q3 = 0.1975 + (16.6 + (8.4 / g) ** 6) ** -0.387 + np.log(g ** 10 / (1 + (g / 3.4) ** 10)) / 241
    q4 = 2 * q1 / q2 / (np.exp(-g) * u ** q3 + (2 - np.exp(-g)) * u ** -q3)
    q5 = 1.794 + 1.14 * np.log(1 + 0.638 / (g + 0.517 * g ** 2.43))
    q6 = 0.2305 + np.log(g ** 10 / (1 + (g / 5.8) ** 10)) / 281.3 + np.log(1 + 0.598 * g ** 1.154) / 5.1
    q7 = (10 + 190 * g ** 2) / (1 + 82.3 * g ** 3)
    q8 = np.exp(-6.5 - 0.95 * np.log(g) - (g / 0.15) ** 5)
    q9 = np.log(q7) * (q8 + 1 / 16.5)
    q10 = q4 - q5 / q2 * np.exp(q6 * np.log(u) * u ** -q9)
    k = z0 / ETA0 * np.sqrt(eeff)
    z0e = z0 * np.sqrt(eeff / eeff_e) / (1 - k * q4)
    z0o = z0 * np.sqrt(eeff / eeff_o) / (1 - k * q10)
    return z0e, z0o, eeff_e, eeff_o


def width_for_z0(z0: float, h: float, er: float) -> float:
    """The width (unit of ``h``) whose static impedance is ``z0`` (bisection on the closed form).

    >>> round(width_for_z0(50.0, 0.508, 3.55), 3)
    1.137
    """
    lo, hi = 1e-4 * h, 100 * h
    for _ in range(100):
        mid = (lo * hi) ** 0.5
        if microstrip_z0_eeff(mid, h, er)[0] > z0:
            lo = mid
        else:
            hi = mid
    return float((lo * hi) ** 0.5)


def open_end_extension(w, h, er):
    """Equivalent length extension of an open microstrip end (Kirschning, Jansen and Koster 1981)."""
    u = np.asarray(w, float) / h
    _, ee = microstrip_z0_eeff(w, h, er)
    x1 = 0.434907 * (ee ** 0.81 + 0.26) / (ee ** 0.81 - 0.189) * (u ** 0.8544 + 0.236) / (u ** 0.8544 + 0.87)
    x2 = 1 + u ** 0.371 / (2.358 * er + 1)
    x3 = 1 + 0.5274 * np.arctan(0.084 * u ** (1.9413 / x2)) / ee ** 0.9236
    x4 = 1 + 0.0377 * np.arctan(0.067 * u ** 1.456) * (6 - 5 * np.exp(0.036 * (1 - er)))
    x5 = 1 - 0.218 * np.exp(-7.5 * u)
    return h * x1 * x3 * x5 / x4
