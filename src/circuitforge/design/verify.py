"""Verification of a sized op-amp in ngspice with the full measurement set, keeping the Bode data."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..netlists import Netlist
from ..spice import simulate as _simulate
from ..spice.analyses import AC, Analysis
from ..spice.measure import MEASUREMENTS, Measurement, measure_opamp
from ..spice.results import SimResult
from ..spice.testbench import OpampPorts

__all__ = ["Verification", "verify_opamp", "figure_of_merit", "CL_DEFAULT"]

CL_DEFAULT = 1e-12
"""Load capacitance of every testbench (F)."""


@dataclass(frozen=True)
class Verification:
    """Every measurement of :data:`~circuitforge.spice.measure.MEASUREMENTS` and the open-loop response.

    ``freq``/``h`` are the open-loop AC sweep (Hz, complex gain at the output) or empty arrays
    when that simulation failed or gave no usable output; ``bode_reason`` then says why.
    """

    measurements: Mapping[str, Measurement]
    freq: np.ndarray = field(repr=False)
    h: np.ndarray = field(repr=False)
    cl: float = CL_DEFAULT
    bode_reason: str = ""
    """Why ``freq``/``h`` are empty ("" when they are not)."""

    def values(self) -> dict[str, float | None]:
        """Measurement values by name (None where missing)."""
        return {k: m.value for k, m in self.measurements.items()}

    def to_json(self) -> dict[str, object]:
        return {k: {"value": m.value, "unit": m.unit, **({"reason": m.reason} if m.value is None else {})}
                for k, m in self.measurements.items()}


def figure_of_merit(values: Mapping[str, float | None], cl: float = CL_DEFAULT) -> float | None:
    """The small-signal op-amp figure of merit FOM = UGBW·CL / power in MHz·pF/mW (None if unknown).

    >>> round(figure_of_merit({"ugbw": 60e6, "power": 100e-6}), 1)
    600.0
    """
    ugbw, p = values.get("ugbw"), values.get("power")
    if ugbw is None or p is None or p <= 0 or not math.isfinite(ugbw):
        return None
    return (ugbw / 1e6) * (cl / 1e-12) / (p / 1e-3)


def verify_opamp(amp: Netlist, ports: OpampPorts, process: str = "generic45", *,
                 which: Sequence[str] = MEASUREMENTS, cl: float = CL_DEFAULT,
                 simulate=_simulate) -> Verification:
    """Measure ``amp`` with every testbench ``which`` needs (ngspice by default).

    >>> from circuitforge.examples import example_path
    >>> v = verify_opamp(example_path("opamp_miller45.cir"), OpampPorts(), which=("gain", "pm"))
    >>> 50 < v.values()["gain"] < 70 and len(v.freq) > 10
    True
    """
    captured: dict[str, SimResult] = {}

    def run(circuit: Netlist | str, analyses: Sequence[Analysis]) -> SimResult:
        res = simulate(circuit, analyses)
        title = circuit.title if isinstance(circuit, Netlist) else ""
        if title.startswith("open_loop_ac") and any(isinstance(a, AC) for a in analyses):
            captured.setdefault("ol", res)  # the noise deck reuses the open-loop title
        return res

    m = measure_opamp(amp, process, which=tuple(which), simulate=run, ports=ports, cl=cl)
    freq, h = np.zeros(0), np.zeros(0, dtype=complex)
    reason = ""
    ol = captured.get("ol")
    if ol is None:
        reason = "no open-loop AC simulation was run"
    elif not ol.ok:
        reason = f"open-loop AC simulation failed: {ol.error.message if ol.error is not None else 'no result'}"
    else:
        try:
            freq, h = np.asarray(ol["ac"].sweep), np.asarray(ol["ac"][ports.out])
        except (KeyError, ValueError) as exc:
            reason = f"open-loop AC result without a usable {ports.out!r} vector: {exc}"
    return Verification(m, freq, h, cl, reason)
