"""Op-amp measurements from simulation results, as typed :class:`Measurement` values.

Each function takes numpy arrays (a frequency sweep and a complex response,
a time axis and a waveform...) and returns a :class:`Measurement` whose
``value`` is a float, or None with the ``reason`` it could not be measured
(never NaN). :func:`measure_opamp` builds the testbenches of
:mod:`.testbench`, runs them through a simulate function and measures.

>>> import numpy as np
>>> f = np.logspace(0, 10, 2001)
>>> h = 1000 / (1 + 1j * f / 1e4)          # 60 dB, pole at 10 kHz
>>> round(dc_gain(f, h).value, 3)
60.0
>>> round(unity_gain_bandwidth(f, h).value / 1e7, 3)
1.0
>>> phase_margin(f, h)
Measurement('pm', 90.1 deg)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from ..core.units import format_quantity
from ..netlists import Netlist
from ..netlists.errors import ResolutionError
from .analyses import Analysis
from .models import Process, process
from .results import SimResult
from .simulator import simulate as _default_simulate
from .testbench import (
    AmpInput,
    OpampPorts,
    Testbench,
    cmrr_ac,
    follower_op,
    noise_deck,
    open_loop_ac,
    output_swing_dc,
    psrr_ac,
    unity_follower_tran,
)

__all__ = [
    "real_series",
    "format_measurement",
    "Measurement",
    "MeasureName",
    "MEASUREMENTS",
    "UNITS",
    "DEFAULT_MEASUREMENTS",
    "SimulateFn",
    "dc_gain",
    "unity_gain_bandwidth",
    "bandwidth_3db",
    "gain_bandwidth",
    "phase_margin",
    "gain_margin",
    "power",
    "output_swing",
    "slew_rate",
    "settling_time",
    "cmrr",
    "psrr",
    "input_referred_noise",
    "offset",
    "output_common_mode",
    "measure_opamp",
]

MeasureName = Literal["gain", "ugbw", "pm", "gm", "bw", "gbw", "power", "swing", "slew",
                      "settling", "cmrr", "psrr", "noise", "offset"]
MEASUREMENTS: tuple[str, ...] = get_args(MeasureName)
DEFAULT_MEASUREMENTS: tuple[str, ...] = ("gain", "ugbw", "pm", "gm", "bw", "gbw", "power")

SimulateFn = Callable[[Netlist | str, Sequence[Analysis]], SimResult]
"""``simulate(circuit, analyses) -> SimResult`` (e.g. :func:`circuitforge.spice.simulate`)."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measured figure: ``value`` in ``unit``, or None and the ``reason`` it is missing.

    ``info`` holds secondary numbers (e.g. the low and high ends of a swing).

    >>> Measurement("ugbw", None, "Hz", "gain never crosses 0 dB below 10 GHz")
    Measurement('ugbw', None: gain never crosses 0 dB below 10 GHz)
    """

    name: str
    value: float | None
    unit: str
    reason: str | None = None
    info: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError(f"measurement {self.name!r} got a non-finite value {self.value}; "
                             "use value=None with a reason")
        if self.value is None and not self.reason:
            raise ValueError(f"measurement {self.name!r} has no value and no reason")

    @property
    def ok(self) -> bool:
        return self.value is not None

    def __repr__(self) -> str:
        if self.value is None:
            return f"Measurement({self.name!r}, None: {self.reason})"
        return f"Measurement({self.name!r}, {self.value:.4g} {self.unit})"


def format_measurement(m: Measurement) -> str:
    """``59.9 MHz``, ``103 µW``, ``73.1 deg``; or ``— (reason)`` when missing
    (:func:`~circuitforge.core.units.format_quantity`, three digits).

    >>> format_measurement(Measurement("ugbw", 59.94e6, "Hz")), format_measurement(Measurement("power", 1.03e-4, "W"))
    ('59.9 MHz', '103 µW')
    """
    if m.value is None:
        return f"— ({m.reason})"
    return format_quantity(m.value, m.unit)


def _missing(name: str, unit: str, reason: str) -> Measurement:
    return Measurement(name, None, unit, reason)


def _fmt_hz(f: float) -> str:
    return format_quantity(f, "Hz")


def _check_sweep(freq: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray] | str:
    f = np.asarray(freq, dtype=float).reshape(-1)
    x = np.asarray(h).reshape(-1)
    if f.size != x.size:
        return f"frequency ({f.size}) and response ({x.size}) lengths differ"
    if f.size < 2:
        return "fewer than two frequency points"
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(x))):
        return "the response holds NaN or infinite values"
    return f, x


def real_series(x: np.ndarray, y: np.ndarray, *, what: str = "waveform",
                sort: bool = False) -> tuple[np.ndarray, np.ndarray] | str:
    """``x`` and ``y`` as flat real float arrays (``sort``: ordered by ``x``), or why they cannot be measured:
    fewer than 3 matching points, or NaN/infinite values (``what`` names them in the reason).

    >>> real_series(np.array([2.0, 1.0, 3.0]), np.array([20, 10, 30]), what="sweep", sort=True)[1].tolist()
    [10.0, 20.0, 30.0]
    >>> real_series(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    'need a waveform of at least 3 matching points'
    """
    xx = np.real(np.asarray(x)).astype(float).reshape(-1)
    yy = np.real(np.asarray(y)).astype(float).reshape(-1)
    if xx.size != yy.size or xx.size < 3:
        return f"need a {what} of at least 3 matching points"
    if not (np.all(np.isfinite(xx)) and np.all(np.isfinite(yy))):
        return f"the {what} holds NaN or infinite values"
    if sort:
        order = np.argsort(xx)
        return xx[order], yy[order]
    return xx, yy


def _db(h: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return 20 * np.log10(np.maximum(np.abs(h), 1e-300))


def _crossing(f: np.ndarray, y: np.ndarray, level: float, start: int = 0) -> float | None:
    """First frequency at or after index ``start`` where ``y`` falls through ``level`` (log-f interpolation)."""
    for i in range(max(start, 0), len(y) - 1):
        if y[i] >= level > y[i + 1] or (y[i] > level >= y[i + 1]):
            t = (y[i] - level) / (y[i] - y[i + 1])
            lf = math.log10(f[i]) + t * (math.log10(f[i + 1]) - math.log10(f[i]))
            return float(10 ** lf)
    return None


def _phase_deg(h: np.ndarray) -> np.ndarray:
    """Unwrapped phase in degrees, shifted by a multiple of 360° so the first point is in (-180, 180]."""
    ph = np.degrees(np.unwrap(np.angle(h)))
    k = math.floor((ph[0] + 180.0) / 360.0)
    if ph[0] - 360 * k <= -180:
        k -= 1
    return ph - 360.0 * k


def _interp_logf(f: np.ndarray, y: np.ndarray, at: float) -> float:
    return float(np.interp(math.log10(at), np.log10(f), y))


def dc_gain(freq: np.ndarray, h: np.ndarray) -> Measurement:
    """Gain at the lowest frequency of the sweep, in dB."""
    chk = _check_sweep(freq, h)
    if isinstance(chk, str):
        return _missing("gain", "dB", chk)
    f, x = chk
    if abs(x[0]) == 0:
        return _missing("gain", "dB", "zero response at the lowest frequency")
    return Measurement("gain", float(_db(x)[0]), "dB")


def unity_gain_bandwidth(freq: np.ndarray, h: np.ndarray) -> Measurement:
    """Frequency where |h| first falls through 1 (0 dB), interpolated in log f (Hz)."""
    chk = _check_sweep(freq, h)
    if isinstance(chk, str):
        return _missing("ugbw", "Hz", chk)
    f, x = chk
    g = _db(x)
    if g[0] <= 0:
        return _missing("ugbw", "Hz", f"gain is below 0 dB already at {_fmt_hz(f[0])} ({g[0]:.1f} dB)")
    fu = _crossing(f, g, 0.0)
    if fu is None:
        return _missing("ugbw", "Hz", f"gain never crosses 0 dB below {_fmt_hz(f[-1])}")
    return Measurement("ugbw", fu, "Hz")


def bandwidth_3db(freq: np.ndarray, h: np.ndarray) -> Measurement:
    """Frequency where the gain first drops 3 dB below its low-frequency value (Hz)."""
    chk = _check_sweep(freq, h)
    if isinstance(chk, str):
        return _missing("bw", "Hz", chk)
    f, x = chk
    g = _db(x)
    fb = _crossing(f, g, g[0] - 3.0103)
    if fb is None:
        return _missing("bw", "Hz", f"gain never drops 3 dB below {_fmt_hz(f[-1])}")
    return Measurement("bw", fb, "Hz")


def gain_bandwidth(freq: np.ndarray, h: np.ndarray) -> Measurement:
    """DC gain (linear) times the -3 dB bandwidth (Hz)."""
    g = dc_gain(freq, h)
    b = bandwidth_3db(freq, h)
    if g.value is None or b.value is None:
        return _missing("gbw", "Hz", (g.reason or b.reason) or "")
    return Measurement("gbw", 10 ** (g.value / 20) * b.value, "Hz")


def phase_margin(freq: np.ndarray, h: np.ndarray, *, inverting: bool = False) -> Measurement:
    """180° plus the phase of the loop gain at the unity-gain frequency (degrees), in (-180, 180].

    ``h`` is the open-loop gain as seen from the non-inverting input (0° at
    DC); with ``inverting`` it was measured from the inverting input (±180°
    at DC) and is referred back by 180°. The phase is unwrapped from the
    lowest frequency.
    """
    chk = _check_sweep(freq, h)
    if isinstance(chk, str):
        return _missing("pm", "deg", chk)
    f, x = chk
    fu = unity_gain_bandwidth(f, x)
    if fu.value is None:
        return _missing("pm", "deg", f"no unity-gain frequency: {fu.reason}")
    ph = _phase_deg(-x if inverting else x)
    # the distance to -180° modulo 360°, in (-180, 180]: a phase that has risen to +159° at the
    # crossing (a right-half-plane zero, or an output inverted with respect to the input) is 21° past
    # -180° (pm -21°), not a margin of 339°
    pm = 180.0 + _interp_logf(f, ph, fu.value)
    pm = pm - 360.0 * math.ceil((pm - 180.0) / 360.0)
    return Measurement("pm", round(pm, 1), "deg", info=(("ugbw", fu.value),))


def gain_margin(freq: np.ndarray, h: np.ndarray, *, inverting: bool = False) -> Measurement:
    """Minus the gain (dB) where the phase first reaches -180° (referred as in :func:`phase_margin`)."""
    chk = _check_sweep(freq, h)
    if isinstance(chk, str):
        return _missing("gm", "dB", chk)
    f, x = chk
    ph = _phase_deg(-x if inverting else x)
    f180 = _crossing(f, ph, -180.0)
    if f180 is None:
        return _missing("gm", "dB", f"phase never reaches -180° below {_fmt_hz(f[-1])} "
                                    f"(least {ph.min():.0f}°)")
    return Measurement("gm", -_interp_logf(f, _db(x), f180), "dB", info=(("f180", f180),))


def power(supply_current: float, vdd: float) -> Measurement:
    """Power drawn from the supply (W): ``|I| × VDD`` (the branch current's sign does not matter)."""
    if not (math.isfinite(supply_current) and math.isfinite(vdd)):
        return _missing("power", "W", "supply current or voltage is not finite")
    return Measurement("power", abs(supply_current) * abs(vdd), "W")


def output_swing(vin: np.ndarray, vout: np.ndarray, *, tol: float = 0.1) -> Measurement:
    """Output range (V) over which the small-signal gain stays within ``tol`` of its largest value.

    ``vin``/``vout`` come from a DC sweep in a gain configuration; ``info``
    gives the ``low`` and ``high`` ends of the range.
    """
    x = np.asarray(vin, dtype=float).reshape(-1)
    y = np.asarray(vout, dtype=float).reshape(-1)
    if x.size != y.size or x.size < 3:
        return _missing("swing", "V", "need a DC sweep of at least 3 matching points")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return _missing("swing", "V", "the sweep holds NaN or infinite values")
    gain = np.abs(np.gradient(y, x))
    peak = gain.max()
    if peak == 0:
        return _missing("swing", "V", "the output does not move with the input")
    good = gain >= (1 - tol) * peak
    i = int(np.argmax(gain))
    lo, hi = i, i
    while lo > 0 and good[lo - 1]:
        lo -= 1
    while hi < len(good) - 1 and good[hi + 1]:
        hi += 1
    if lo == 0 and hi == len(good) - 1:
        reason = "the gain stays within tolerance over the whole sweep; widen the sweep"
        return _missing("swing", "V", reason)
    low, high = float(min(y[lo], y[hi])), float(max(y[lo], y[hi]))
    return Measurement("swing", high - low, "V", info=(("low", low), ("high", high)))


def _edge(t: np.ndarray, v: np.ndarray, t0: float) -> tuple[np.ndarray, np.ndarray, float, float] | str:
    tt = np.asarray(t, dtype=float).reshape(-1)
    vv = np.real(np.asarray(v)).astype(float).reshape(-1)
    if tt.size != vv.size or tt.size < 3:
        return "need a waveform of at least 3 matching points"
    if not (np.all(np.isfinite(tt)) and np.all(np.isfinite(vv))):
        return "the waveform holds NaN or infinite values"
    before = vv[tt <= t0]
    if before.size == 0 or t0 >= tt[-1]:
        return f"the step time {t0:.3g} s is outside the waveform"
    return tt, vv, float(before[-1]), float(vv[-1])


def slew_rate(t: np.ndarray, v: np.ndarray, *, t_step: float = 0.0) -> Measurement:
    """Slew rate (V/s) of the output's 10 %-90 % transition after the input step at ``t_step``."""
    chk = _edge(t, v, t_step)
    if isinstance(chk, str):
        return _missing("slew", "V/s", chk)
    tt, vv, v0, v1 = chk
    dv = v1 - v0
    if abs(dv) < 1e-9:
        return _missing("slew", "V/s", "the output does not move after the step")
    mask = tt >= t_step
    ts, ys = tt[mask], (vv[mask] - v0) / dv
    t10 = _first_time(ts, ys, 0.1)
    t90 = _first_time(ts, ys, 0.9)
    if t10 is None or t90 is None or t90 <= t10:
        return _missing("slew", "V/s", "the output never crosses 10 % and 90 % of its step")
    return Measurement("slew", 0.8 * abs(dv) / (t90 - t10), "V/s",
                       info=(("t10", t10), ("t90", t90)))


def _first_time(t: np.ndarray, y: np.ndarray, level: float) -> float | None:
    idx = np.nonzero(y >= level)[0]
    if idx.size == 0:
        return None
    i = int(idx[0])
    if i == 0:
        return float(t[0])
    return float(t[i - 1] + (level - y[i - 1]) * (t[i] - t[i - 1]) / (y[i] - y[i - 1]))


def settling_time(t: np.ndarray, v: np.ndarray, *, t_step: float = 0.0, tol: float = 0.01,
                  final: float | None = None) -> Measurement:
    """Time (s) from the step at ``t_step`` until the output stays within ``tol`` × step of ``final``.

    ``final`` defaults to the last sample; a waveform still outside the band
    near its end has not settled.
    """
    chk = _edge(t, v, t_step)
    if isinstance(chk, str):
        return _missing("settling", "s", chk)
    tt, vv, v0, v1 = chk
    target = v1 if final is None else final
    band = tol * abs(target - v0)
    if band == 0:
        return _missing("settling", "s", "the output does not move after the step")
    outside = np.nonzero((np.abs(vv - target) > band) & (tt >= t_step))[0]
    if outside.size == 0:
        return Measurement("settling", 0.0, "s")
    last = int(outside[-1])
    if last >= len(tt) - 2 or tt[last] > t_step + 0.95 * (tt[-1] - t_step):
        return _missing("settling", "s", f"not settled within {tol:.2%} by the end of the "
                                         f"waveform ({tt[-1]:.3g} s)")
    return Measurement("settling", float(tt[last + 1] - t_step), "s")


def _ratio_db(name: str, freq: np.ndarray, h_ref: np.ndarray, h_err: np.ndarray,
              at: float | None) -> Measurement:
    a = _check_sweep(freq, h_ref)
    b = _check_sweep(freq, h_err)
    if isinstance(a, str) or isinstance(b, str):
        return _missing(name, "dB", a if isinstance(a, str) else str(b))
    f, x = a
    y = b[1]
    fq = f[0] if at is None else at
    if not f[0] <= fq <= f[-1]:
        return _missing(name, "dB", f"{_fmt_hz(fq)} is outside the sweep")
    gx, gy = _interp_logf(f, _db(x), fq), _interp_logf(f, _db(y), fq)
    if gy < -290:
        return _missing(name, "dB", f"no {name.upper()} error signal at the output")
    return Measurement(name, gx - gy, "dB", info=(("f", float(fq)),))


def cmrr(freq: np.ndarray, h_dm: np.ndarray, h_cm: np.ndarray, *, at: float | None = None) -> Measurement:
    """Differential over common-mode gain (dB) at ``at`` Hz (default: the lowest frequency)."""
    return _ratio_db("cmrr", freq, h_dm, h_cm, at)


def psrr(freq: np.ndarray, h_dm: np.ndarray, h_supply: np.ndarray, *, at: float | None = None) -> Measurement:
    """Differential over supply gain (dB) at ``at`` Hz (default: the lowest frequency)."""
    return _ratio_db("psrr", freq, h_dm, h_supply, at)


def input_referred_noise(freq: np.ndarray, density: np.ndarray, *, at: float | None = None,
                         band: tuple[float, float] | None = None) -> Measurement:
    """Input-referred noise: spot density (V/√Hz) at ``at`` Hz, or RMS volts integrated over ``band``.

    ``density`` is ngspice's ``inoise_spectrum`` (V/√Hz). Without either
    argument the spot density at 1 MHz is given when it lies in the sweep.
    """
    chk = _check_sweep(freq, density)
    if isinstance(chk, str):
        return _missing("noise", "V/sqrt(Hz)", chk)
    f, d = chk
    d = np.abs(d)
    if band is not None:
        lo, hi = band
        if not (f[0] <= lo < hi <= f[-1]):
            return _missing("noise", "V", f"band {_fmt_hz(lo)}-{_fmt_hz(hi)} is outside the sweep")
        grid = np.logspace(math.log10(lo), math.log10(hi), 400)
        psd = 10 ** np.interp(np.log10(grid), np.log10(f), np.log10(np.maximum(d, 1e-300) ** 2))
        return Measurement("noise", float(math.sqrt(np.trapezoid(psd, grid))), "V",
                           info=(("f_low", lo), ("f_high", hi)))
    fq = 1e6 if at is None else at
    if not f[0] <= fq <= f[-1]:
        return _missing("noise", "V/sqrt(Hz)", f"{_fmt_hz(fq)} is outside the sweep")
    val = 10 ** _interp_logf(f, np.log10(np.maximum(d, 1e-300)), fq)
    return Measurement("noise", val, "V/sqrt(Hz)", info=(("f", fq),))


def output_common_mode(tb: Testbench, result: SimResult, *, margin: float = 0.1) -> Measurement:
    """Output common mode (V) at the operating point of a fully differential open-loop deck.

    The value is ``None`` with a reason when the testbench has no output
    common-mode node (single-ended op-amp) or the operating point failed;
    ``info`` holds ``ok`` = 1.0 when the common mode lies at least ``margin``
    volt inside the rails (the op-amp's common-mode feedback works), else 0.0.

    >>> from circuitforge.netlists import parse
    >>> tb = open_loop_ac(parse(".subckt a inp inn out vdd vss\\nE1 out 0 inp inn 1k\\n.ends\\n"), "level1")
    >>> output_common_mode(tb, SimResult()).reason
    'the op-amp has one output: no output common mode'
    """
    node = tb.nodes.get("out_cm")
    if node is None:
        return _missing("ocm", "V", "the op-amp has one output: no output common mode")
    if not result.ok:
        return _missing("ocm", "V", f"operating point failed: {result.error}")
    v = float(result["op"].value(node))
    vdd = float(tb.info["vdd"])
    ok = margin <= v <= vdd - margin
    return Measurement("ocm", v, "V", None if ok else "output common mode at a rail: no common-mode feedback?",
                       info=(("ok", 1.0 if ok else 0.0),))


def offset(v_out: float, v_in: float) -> Measurement:
    """Input offset (V) of a unity-gain follower: ``v_out - v_in``."""
    if not (math.isfinite(v_out) and math.isfinite(v_in)):
        return _missing("offset", "V", "operating point is not finite")
    return Measurement("offset", v_out - v_in, "V")


# ---------------------------------------------------------------------------------------------
# the whole op-amp
# ---------------------------------------------------------------------------------------------

_DECK_OF = {"gain": "ol", "ugbw": "ol", "pm": "ol", "gm": "ol", "bw": "ol", "gbw": "ol",
            "power": "ol", "cmrr": "cm", "psrr": "ps", "swing": "sw", "slew": "tr",
            "settling": "tr", "noise": "nz", "offset": "fo"}


def measure_opamp(amp: AmpInput, process_name: str | Process = "generic45", *,
                  which: Sequence[str] = DEFAULT_MEASUREMENTS,
                  simulate: SimulateFn = _default_simulate,
                  ports: OpampPorts = OpampPorts(), subckt: str | None = None,
                  cl: float = 1e-12, vcm: float | None = None, vdd: float | None = None,
                  tran_stop: float = 100e-9) -> dict[str, Measurement]:
    """Build the testbenches ``which`` needs, simulate them and measure (names in :data:`MEASUREMENTS`).

    A testbench whose simulation fails gives its measurements ``value=None``
    with the simulator's message as the reason.

    >>> from circuitforge.examples import example_path
    >>> m = measure_opamp(example_path("opamp_miller45.cir"), "generic45", which=("gain", "pm"))
    >>> 50 < m["gain"].value < 70 and 50 < m["pm"].value < 80
    True
    """
    unknown = [w for w in which if w not in MEASUREMENTS]
    if unknown:
        raise _resolution(unknown[0])
    proc = process(process_name)
    supply = proc.vdd if vdd is None else vdd
    common = {"ports": ports, "subckt": subckt, "vdd": supply}
    wanted = {_DECK_OF[w] for w in which}
    if "cm" in wanted or "ps" in wanted:
        wanted.add("ol")
    builders = {"ol": lambda: open_loop_ac(amp, proc, cl=cl, vcm=vcm, **common),
                "cm": lambda: cmrr_ac(amp, proc, cl=cl, vcm=vcm, fstop=100e9, points=20, **common),
                "ps": lambda: psrr_ac(amp, proc, cl=cl, vcm=vcm, fstop=100e9, points=20, **common),
                "sw": lambda: output_swing_dc(amp, proc, vcm=vcm, **common),
                "tr": lambda: unity_follower_tran(amp, proc, cl=cl, stop=tran_stop, **common),
                "nz": lambda: noise_deck(amp, proc, cl=cl, vcm=vcm, **common),
                "fo": lambda: follower_op(amp, proc, vcm=vcm, **common)}
    benches: dict[str, Testbench] = {}
    unbuilt: dict[str, str] = {}  # decks this amplifier has no version of (a single-input one: no follower)
    for key in builders:
        if key not in wanted:
            continue
        if ports.single_input and key not in ("ol", "nz"):
            unbuilt[key] = f"{ports.inp!r} is the only input of this single-input amplifier (no such testbench)"
            continue
        benches[key] = builders[key]()
    results = {k: simulate(tb.netlist, list(tb.analyses)) for k, tb in benches.items()}

    out: dict[str, Measurement] = {}
    for w in which:
        key = _DECK_OF[w]
        if key in unbuilt:
            out[w] = _missing(w, UNITS[w], unbuilt[key])
            continue
        res, tb = results[key], benches[key]
        if not res.ok:
            out[w] = _missing(w, UNITS[w], f"{tb.name} simulation failed: {res.error}")
            continue
        out[w] = _measure_one(w, tb, res, results, benches)
    return out


UNITS: dict[str, str] = {"gain": "dB", "ugbw": "Hz", "pm": "deg", "gm": "dB", "bw": "Hz", "gbw": "Hz", "power": "W",
          "cmrr": "dB", "psrr": "dB", "swing": "V", "slew": "V/s", "settling": "s",
          "noise": "V/sqrt(Hz)", "offset": "V"}


def _resolution(name: str) -> ResolutionError:
    return ResolutionError(name, MEASUREMENTS, "measurement")


def _measure_one(w: str, tb: Testbench, res: SimResult, results: Mapping[str, SimResult],
                 benches: Mapping[str, Testbench]) -> Measurement:
    out_node = tb.nodes["out"]
    if w in ("gain", "ugbw", "pm", "gm", "bw", "gbw"):
        ac = res["ac"]
        fn = {"gain": dc_gain, "ugbw": unity_gain_bandwidth, "pm": phase_margin, "gm": gain_margin,
              "bw": bandwidth_3db, "gbw": gain_bandwidth}[w]
        return fn(ac.sweep, ac[tb.nodes.get("ac_out", out_node)])
    if w == "power":
        return power(res["op"].value(tb.branch("vdd")), tb.info["vdd"])
    if w in ("cmrr", "psrr"):
        ol = results["ol"]
        if not ol.ok:
            return _missing(w, "dB", f"open-loop simulation failed: {ol.error}")
        ac, ref = res["ac"], ol["ac"]
        h_ref = np.interp(np.log10(ac.sweep), np.log10(ref.sweep), np.abs(ref[out_node]))
        fn2 = cmrr if w == "cmrr" else psrr
        return fn2(ac.sweep, h_ref, ac[out_node])
    if w == "swing":
        dc = res["dc"]
        return output_swing(dc.sweep, np.real(dc[out_node]))
    if w in ("slew", "settling"):
        tr = res["tran"]
        if w == "slew":
            return slew_rate(tr.sweep, tr[out_node], t_step=tb.info["t_step"])
        return settling_time(tr.sweep, tr[out_node], t_step=tb.info["t_step"])
    if w == "noise":
        nz = res["noise"]
        return input_referred_noise(nz.sweep, nz["inoise_spectrum"])
    if w == "offset":
        op = res["op"]
        return offset(op.value(out_node), op.value(tb.nodes["inp"]))
    raise _resolution(w)
