"""What a sizing run reports: the spec before and after, the open-loop responses, and a Bode plot.

>>> from circuitforge.rl.sizing.spec import parse_spec
>>> rows = spec_rows(parse_spec("gain>=50dB,power<=1mW"), {"gain": 45.0, "power": 2e-4}, {"gain": 52.0, "power": 3e-4})
>>> rows[0]
('gain', '>= 50 dB', '45 dB', '52 dB', True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...spice import Simulator, simulate
from .problem import SizingProblem
from .spec import SPEC_UNITS, Spec

__all__ = ["bode_plot", "format_value", "open_loop_response", "spec_rows"]


def format_value(name: str, v: float | None) -> str:
    """``52 dB``, ``60 MHz``, ``73 deg``, ``103 µW``; ``—`` when missing."""
    if v is None:
        return "—"
    unit = SPEC_UNITS[name]
    if unit == "Hz":
        for s, p in ((1e9, "GHz"), (1e6, "MHz"), (1e3, "kHz"), (1, "Hz")):
            if abs(v) >= s or s == 1:
                return f"{v / s:.3g} {p}"
    if unit == "W":
        for s, p in ((1e-3, "mW"), (1e-6, "µW"), (1e-9, "nW")):
            if abs(v) >= s or s == 1e-9:
                return f"{v / s:.3g} {p}"
    return f"{v:.3g} {unit}"


def spec_rows(spec: Spec, before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str, str, bool]]:
    """``(quantity, bound, before, after, met after)`` per clause."""
    rows = []
    for c in spec.clauses:
        b, a = before.get(c.name), after.get(c.name)
        rows.append((c.name, f"{c.bound} {format_value(c.name, c.value)}", format_value(c.name, b),
                     format_value(c.name, a), c.met(a, spec.tolerance)))
    return rows


def open_loop_response(problem: SizingProblem, x: np.ndarray, simulator: Simulator | None = None
                       ) -> tuple[np.ndarray, np.ndarray] | None:
    """Frequency and complex open-loop gain of design ``x`` (None when its simulation fails).

    ``simulator``: a bridge :class:`~circuitforge.spice.Simulator` (None: the default ngspice worker).
    """
    deck = problem.deck(list(x))
    res = simulator.run(deck, problem.analyses) if simulator is not None else simulate(deck, problem.analyses)
    if not res.ok:
        return None
    _, out, _, _ = problem._template()
    ac = res["ac"]
    return np.asarray(ac.sweep), np.asarray(ac[out])


def bode_plot(path: str | Path, curves: dict[str, tuple[np.ndarray, np.ndarray] | None], *,
              title: str = "") -> Path:
    """Magnitude (dB) and phase (deg) of each labelled response, to a PNG (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(7, 5.5))
    for label, fh in curves.items():
        if fh is None:
            continue
        f, h = fh
        ax1.semilogx(f, 20 * np.log10(np.maximum(np.abs(h), 1e-30)), label=label)
        ax2.semilogx(f, np.degrees(np.unwrap(np.angle(h))), label=label)
    ax1.axhline(0, color="grey", lw=0.6)
    ax2.axhline(-180, color="grey", lw=0.6)
    ax1.set_ylabel("gain (dB)")
    ax2.set_ylabel("phase (deg)")
    ax2.set_xlabel("frequency (Hz)")
    ax1.legend(loc="lower left")
    ax1.grid(True, which="both", alpha=0.3)
    ax2.grid(True, which="both", alpha=0.3)
    if title:
        ax1.set_title(title)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
