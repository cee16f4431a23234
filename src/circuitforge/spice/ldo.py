"""Low-dropout regulators: testbenches and measurements.

An LDO has an unregulated input ``vin`` (the pass device's supply), a
regulated output ``vout``, usually a reference input ``vref``, ground
``vss``, and sometimes a separate supply ``vdd`` for its error amplifier
(the AnalogGenie LDOs name them ``VIN1``, ``VOUT1``, ``VREF1``, ``VDD``,
``VSS``). :func:`ldo_testbench` builds two decks around it:

- ``sweep="vin"``: VIN at its nominal value with a nominal load, and the
  analyses: operating point, a DC sweep of VIN from 0 to ``vin_max``, an AC
  sweep with 1 V AC on VIN, and a transient load step;
- ``sweep="load"``: the load swept from 0 to ``load_max`` at nominal VIN.

The load is a current sink of ``v(lctl)`` ampere (``VLOADCTL`` sets it)
that rolls off within 50 mV of ground, so that a collapsed output is not
forced below ground. Unless :class:`LdoConditions` gives ``vdd`` a level, a
separate error-amplifier supply is tied to VIN (it rides with the sweeps and
the AC signal, as on a chip with one supply). Bias ports are driven from
the supply (currents) or by voltage sources; a bias voltage that gates only
PMOS follows the supply (:attr:`LdoConditions.track_supply`).

The measurements (:func:`measure_ldo`, names in :data:`LDO_MEASUREMENTS`):

``vout``
    output (V) at nominal VIN and load.
``dropout``
    VIN − VOUT (V) at the highest VIN below nominal where VOUT has fallen
    ``drop`` (100 mV) below its value at nominal VIN, at the nominal load.
``line_reg``
    line regulation ΔVOUT/ΔVIN (V/V) between nominal VIN and ``vin_max``.
``load_reg``
    load regulation −ΔVOUT/ΔILOAD (V/A, i.e. Ω; positive when the output
    droops under load) between no load and ``load_max``.
``psrr``
    −20·log10|vout/vin| (dB) at ``psrr_freq`` with the nominal load.
``iq``
    quiescent current (A): everything drawn from the supplies at zero load
    (ground current, bias sources fed from the supplies included).
``undershoot``
    the output's largest dip (V) below its value just before a load step
    from ``load_low`` to ``load`` (rise time ``t_rise``).

>>> import numpy as np
>>> vin = np.linspace(0, 2, 201)
>>> vout = np.minimum(vin - 0.2, 1.2) + 0.001 * vin        # 200 mV dropout, 1 mV/V line
>>> dropout_voltage(vin, vout, vin_nom=1.8)
Measurement('dropout', 0.1987 V)
>>> round(line_regulation(vin, vout, 1.8, 2.0).value, 6)
0.001
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from ..core.units import format_number
from ..netlists import Device, Netlist
from ..netlists.errors import ResolutionError, ValidationError
from ..netlists.polarity import device_polarity
from ..netlists.ports import port_role
from .analyses import AC, DC, Analysis, Op, Tran
from .dut import CircuitInput, assemble, prepare_dut
from .measure import Measurement, real_series
from .models import Process, process
from .results import SimResult
from .simulator import simulate as _default_simulate
from .testbench import BiasPort, Testbench

__all__ = [
    "LdoPorts",
    "pass_devices",
    "LdoConditions",
    "LdoSweep",
    "LDO_SWEEPS",
    "LdoMeasureName",
    "LDO_MEASUREMENTS",
    "LDO_UNITS",
    "ldo_testbench",
    "dropout_voltage",
    "line_regulation",
    "load_regulation",
    "supply_rejection",
    "quiescent_current",
    "load_step_undershoot",
    "measure_ldo",
    "ldo_measurement",
]

LdoSweep = Literal["vin", "load"]
LDO_SWEEPS: tuple[str, ...] = get_args(LdoSweep)
LdoMeasureName = Literal["vout", "dropout", "line_reg", "load_reg", "psrr", "iq", "undershoot"]
LDO_MEASUREMENTS: tuple[str, ...] = get_args(LdoMeasureName)
LDO_UNITS: dict[str, str] = {"vout": "V", "dropout": "V", "line_reg": "V/V", "load_reg": "V/A", "psrr": "dB",
                             "iq": "A", "undershoot": "V"}

_ROLLOFF = 0.05  # V: the load sink fades out within this of ground
_SimulateFn = Callable[[Netlist | str, Sequence[Analysis]], SimResult]


@dataclass(frozen=True, slots=True)
class LdoPorts:
    """Net (top level) or port (subcircuit) names of an LDO's terminals.

    ``vref``: None when the LDO makes its own reference. ``vdd``: the
    error amplifier's supply when it is not ``vin`` (None: it is ``vin``).
    ``bias``: extra ports driven by the testbench (currents come from VIN).

    >>> LdoPorts().names
    ('vin', 'vout', 'vss', 'vref')
    >>> LdoPorts.find(["VDD", "VSS", "VIN1", "VOUT1", "VB1", "VREF1"])
    LdoPorts(vin='VIN1', vout='VOUT1', vref='VREF1', vss='VSS', vdd='VDD', bias=())
    """

    vin: str = "vin"
    vout: str = "vout"
    vref: str | None = "vref"
    vss: str = "vss"
    vdd: str | None = None
    bias: tuple[BiasPort, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every port the testbench drives or reads."""
        extra = tuple(n for n in (self.vref, self.vdd) if n is not None)
        return (self.vin, self.vout, self.vss, *extra, *(b.name for b in self.bias))

    @classmethod
    def find(cls, ports: Sequence[str], devices: Sequence[Device] | None = None) -> LdoPorts:
        """The LDO's ports among ``ports`` by their roles (:func:`~circuitforge.netlists.ports.port_role`).

        The unregulated input is the one ``input`` port (``VIN1``), else the
        positive supply; the output the one ``output`` port; the reference
        the one ``reference`` port (optional). With ``devices`` (the LDO's),
        several ``output`` ports are resolved by structure: the regulated
        output is the one a pass transistor connects to the unregulated
        input through its channel (82 AnalogGenie LDOs also name the pass
        device's gate ``VOUT2``). Bias ports are left to the
        caller (e.g. :func:`~circuitforge.spice.bias.bias_default`). Raises
        :class:`ValidationError` naming what is missing.

        >>> LdoPorts.find(["VDD", "VSS"])
        Traceback (most recent call last):
        ...
        circuitforge.netlists.errors.ValidationError: no output among LDO ports ['VDD', 'VSS']: expected VOUT1 (or OUT)
        """
        names = [str(p) for p in ports]
        by_role: dict[str, list[str]] = {}
        for n in names:
            by_role.setdefault(port_role(n), []).append(n)
        shown = f"LDO ports {names}"
        ins, outs, refs = by_role.get("input", []), by_role.get("output", []), by_role.get("reference", [])
        vdd, vss = by_role.get("vdd", []), [n for n in by_role.get("vss", []) if n != "0"] or by_role.get("vss", [])
        if not outs:
            raise ValidationError(f"no output among {shown}: expected VOUT1 (or OUT)")
        if len(ins) > 1:
            raise ValidationError(f"{len(ins)} inputs ({', '.join(ins)}) among {shown}: expected one "
                                  "unregulated input VIN1")
        if len(outs) > 1 and devices is not None and (ins or vdd):
            supply = (ins or vdd)[0]
            passed = [o for o in outs if pass_devices(devices, supply, o)]
            if len(passed) == 1:
                outs = passed
        if len(outs) > 1:
            raise ValidationError(f"{len(outs)} outputs ({', '.join(outs)}) among {shown}: an LDO has one"
                                  + ("" if devices is None else
                                     " (and not exactly one of them is a pass transistor's, on the input)"))
        if not ins and not vdd:
            raise ValidationError(f"no unregulated input among {shown}: expected VIN1 or VDD")
        if len(vdd) > 1 or len(vss) != 1:
            raise ValidationError(f"expected one positive supply and one ground among {shown} "
                                  f"(found {vdd} and {vss})")
        if len(refs) > 1:
            raise ValidationError(f"{len(refs)} references ({', '.join(refs)}) among {shown}: expected one VREF1")
        vin = ins[0] if ins else vdd[0]
        return cls(vin=vin, vout=outs[0], vref=refs[0] if refs else None, vss=vss[0],
                   vdd=vdd[0] if vdd and vdd[0] != vin else None)


_CHANNEL = {"mosfet": ("d", "s"), "bjt": ("c", "e")}


def pass_devices(devices: Sequence[Device], vin: str, vout: str) -> list[Device]:
    """The transistors whose channel (drain-source, collector-emitter) joins ``vin`` to ``vout``: an
    LDO's pass devices.

    >>> from circuitforge.netlists import parse
    >>> n = parse("M6 (VOUT1 VOUT2 VIN1 VDD) pmos4\\nM9 (VOUT2 net25 VSS VSS) nmos4\\n", dialect="spectre")
    >>> [d.name for d in pass_devices(n.devices, "VIN1", "VOUT1")], pass_devices(n.devices, "VIN1", "VOUT2")
    (['M6'], [])
    """
    want = {vin.lower(), vout.lower()}
    out = []
    for d in devices:
        pins = _CHANNEL.get(d.kind)
        if pins and all(p in d.roles for p in pins) and {d.net(p).lower() for p in pins} == want:
            out.append(d)
    return out


@dataclass(frozen=True, slots=True)
class LdoConditions:
    """Operating conditions of the LDO testbenches; None means "from the process".

    >>> c = LdoConditions().resolved(process("generic180"))
    >>> c.vin, c.vin_max, c.vref, c.load_low, c.load_max
    (1.8, 1.98, 0.9, 0.0001, 0.001)
    """

    vin: float | None = None
    """Nominal input (V); default the process supply."""
    vin_max: float | None = None
    """Top of the VIN sweep and of the line-regulation range (V); default 1.1 × ``vin``."""
    vref: float | None = None
    """Reference voltage (V) on the ``vref`` port; default ``vin / 2``."""
    vdd: float | None = None
    """Level of a separate error-amplifier supply (V); None: tied to VIN."""
    load: float = 1e-3
    """Nominal load current (A): dropout, line regulation, PSRR, top of the load step."""
    load_low: float | None = None
    """Load before the step (A); default ``load / 10``."""
    load_max: float | None = None
    """Top of the load-regulation sweep (A); default ``load``."""
    cl: float = 100e-12
    """Load capacitor (F)."""
    psrr_freq: float = 1e3
    """Frequency of the PSRR figure (Hz)."""
    drop: float = 0.1
    """Fall of VOUT (V) below nominal that defines dropout."""
    t_step: float = 2e-6
    """Time of the load step (s)."""
    t_rise: float = 100e-9
    """Rise time of the load step (s)."""
    t_stop: float = 10e-6
    """End of the transient (s)."""
    track_supply: bool = True
    """A voltage bias port that gates only p-type transistors follows the supply it is referred to
    (VIN, or a separate fixed VDD) in the sweeps and the AC analysis, as the gate of a PMOS current
    source biased by a mirror from that supply does; the others are referred to ground. Without it
    every bias voltage is fixed to ground, and the supply's ripple reaches the output through every
    PMOS current source (the line regulation and PSRR of the testbench, not of the LDO)."""

    def resolved(self, proc: Process) -> LdoConditions:
        """A copy with every None default filled in for ``proc``."""
        vin = proc.vdd if self.vin is None else self.vin
        if not vin > 0:
            raise ValueError(f"LDO input must be positive, got vin={vin}")
        vin_max = 1.1 * vin if self.vin_max is None else self.vin_max
        if vin_max <= vin:
            raise ValueError(f"vin_max ({vin_max}) must lie above vin ({vin})")
        if not self.load > 0:
            raise ValueError(f"load must be positive, got {self.load}")
        return dataclasses.replace(
            self, vin=vin, vin_max=round(vin_max, 12), vref=vin / 2 if self.vref is None else self.vref,
            load_low=self.load / 10 if self.load_low is None else self.load_low,
            load_max=self.load if self.load_max is None else self.load_max)


def _n(x: float) -> str:
    return format_number(float(x))


def ldo_testbench(circuit: CircuitInput, proc: str | Process = "generic180", *, sweep: LdoSweep = "vin",
                  ports: LdoPorts = LdoPorts(), conditions: LdoConditions = LdoConditions(),
                  subckt: str | None = None, points: int = 200) -> Testbench:
    """The LDO deck for ``sweep`` (``vin`` or ``load``; see the module docstring).

    Sources: ``VINPUT`` (role ``vin``, also ``ac``), ``VLOADCTL`` (role
    ``load``: its voltage is the load current), ``VREFIN``, ``VSUPPLY``
    (a separate fixed VDD), ``VDDTIE`` (VDD tied to VIN), ``VGROUND``.

    >>> from circuitforge.netlists import parse
    >>> ldo = parse(".subckt reg vin vout vref vss\\nE1 vout vss vref vss 1.5\\n.ends\\n")
    >>> tb = ldo_testbench(ldo, "level1")
    >>> tb.name, [a.kind for a in tb.analyses], tb.sources["vin"], tb.info["vin"]
    ('ldo_vin', ['op', 'dc', 'ac', 'tran'], 'VINPUT', 1.8)
    >>> [a.kind for a in ldo_testbench(ldo, "level1", sweep="load").analyses]
    ['op', 'dc']
    """
    if sweep not in LDO_SWEEPS:
        raise ResolutionError(str(sweep), LDO_SWEEPS, "LDO testbench sweep")
    p = process(proc)
    c = conditions.resolved(p)
    assert c.vin is not None and c.vin_max is not None and c.vref is not None  # resolved() fills them
    assert c.load_low is not None and c.load_max is not None
    dut = prepare_dut(circuit, p, ports.names, subckt=subckt, what="LDO")
    supply_net = ports.vin
    ac = " AC 1" if sweep == "vin" else ""
    lines = [f"VINPUT {ports.vin} 0 DC {_n(c.vin)}{ac}"]
    sources = {"vin": "VINPUT", "load": "VLOADCTL"}
    if ports.vdd is not None:
        if c.vdd is None:
            lines.append(f"VDDTIE {ports.vdd} {ports.vin} DC 0")
            sources["vdd_tie"] = "VDDTIE"
        else:
            lines.append(f"VSUPPLY {ports.vdd} 0 DC {_n(c.vdd)}")
            sources["vdd"] = "VSUPPLY"
            supply_net = ports.vdd
    if not dut.is_ground(ports.vss):
        lines.append(f"VGROUND {ports.vss} 0 DC 0")
        sources["vss"] = "VGROUND"
    if ports.vref is not None:
        lines.append(f"VREFIN {ports.vref} 0 DC {_n(c.vref)}")
        sources["vref"] = "VREFIN"
    supply_level = c.vin if supply_net == ports.vin else c.vdd
    assert supply_level is not None
    for i, b in enumerate(ports.bias):
        if b.kind == "current":
            lines.append(f"IBIAS{i} {supply_net} {b.name} DC {_n(b.value)}")
        elif conditions.track_supply and _gates_only_p(dut, b.name):
            # V(port) = value + (V(supply) - its nominal level): the port follows the supply
            lines += [f"VBIAS{i} {b.name} xbias{i} DC {_n(b.value)}",
                      f"EBIAS{i} xbias{i} xboff{i} {supply_net} 0 1",
                      f"VBOFF{i} xboff{i} 0 DC {_n(-supply_level)}"]
        else:
            lines.append(f"VBIAS{i} {b.name} 0 DC {_n(b.value)}")
    step = ""
    if sweep == "vin":
        step = f" PULSE({_n(c.load_low)} {_n(c.load)} {_n(c.t_step)} {_n(c.t_rise)} {_n(c.t_rise)} 1 2)"
    lines += [f"VLOADCTL lctl 0 DC {_n(c.load)}{step}",
              f"BLOAD {ports.vout} 0 I=v(lctl)*tanh(v({ports.vout})/{_n(_ROLLOFF)})",
              f"CLOAD {ports.vout} 0 {_n(c.cl)}"]
    deck = assemble(dut, f"ldo_{sweep}", lines)
    analyses: list[Analysis]
    if sweep == "vin":
        analyses = [Op(), DC("VINPUT", 0.0, c.vin_max, c.vin_max / points),
                    AC(min(1.0, c.psrr_freq), max(1e9, c.psrr_freq), 10),
                    Tran(c.t_stop / 2000, c.t_stop, 0.0, c.t_rise / 4)]
    else:
        analyses = [Op(), DC("VLOADCTL", 0.0, c.load_max, c.load_max / 50)]
    nodes = {"vin": ports.vin, "vout": ports.vout, "vss": ports.vss}
    if ports.vref is not None:
        nodes["vref"] = ports.vref
    info = {k: float(v) for k, v in (("vin", c.vin), ("vin_max", c.vin_max), ("vref", c.vref),
                                     ("load", c.load), ("load_low", c.load_low), ("load_max", c.load_max),
                                     ("cl", c.cl), ("psrr_freq", c.psrr_freq), ("drop", c.drop),
                                     ("t_step", c.t_step))}
    return Testbench(f"ldo_{sweep}", deck, tuple(analyses), nodes, sources, info)


def _gates_only_p(dut: Netlist, net: str) -> bool:
    """Whether the transistors with a gate on ``net`` (at the top level, or on the subcircuit port of
    that name) are all p-type, and there is at least one."""
    low = net.lower()
    pols = [device_polarity(dut, d) for body in (dut.devices, *(s.devices for s in dut.subckts.values()))
            for d in body if d.kind == "mosfet" and d.net("g").lower() == low]
    return bool(pols) and all(p == "p" for p in pols)


# ---------------------------------------------------------------------------------------------
# measurements from arrays
# ---------------------------------------------------------------------------------------------

def _missing(name: str, reason: str) -> Measurement:
    return Measurement(name, None, LDO_UNITS[name], reason)


def dropout_voltage(vin: np.ndarray, vout: np.ndarray, *, vin_nom: float, drop: float = 0.1) -> Measurement:
    """VIN − VOUT (V) where VOUT, swept down from ``vin_nom``, first falls ``drop`` below its value there.

    ``None`` when the LDO does not regulate at ``vin_nom`` (VOUT follows VIN
    with a slope above 0.5, or VOUT is within ``drop`` of ground) or VOUT
    never falls that far in the sweep. ``info``: ``vin`` and ``vout`` at dropout.
    """
    chk = real_series(vin, vout, what="sweep", sort=True)
    if isinstance(chk, str):
        return _missing("dropout", chk)
    x, y = chk
    if not x[0] < vin_nom <= x[-1]:
        return _missing("dropout", f"nominal VIN {vin_nom:g} V is outside the sweep {x[0]:g}..{x[-1]:g} V")
    v_nom = float(np.interp(vin_nom, x, y))
    if v_nom <= drop:
        return _missing("dropout", f"VOUT is only {v_nom:.3g} V at VIN = {vin_nom:g} V: no regulated output")
    lo = vin_nom - 0.05 * vin_nom
    slope = (v_nom - float(np.interp(lo, x, y))) / (vin_nom - lo)
    if slope > 0.5:
        return _missing("dropout", f"not in regulation at VIN = {vin_nom:g} V: VOUT ({v_nom:.3g} V) follows "
                                   f"VIN (slope {slope:.2f} V/V)")
    level = v_nom - drop
    idx = np.nonzero((x <= vin_nom) & (y <= level))[0]
    if idx.size == 0:
        return _missing("dropout", f"VOUT stays within {drop:g} V of {v_nom:.3g} V down to VIN = {x[0]:g} V")
    i = int(idx[-1])
    if i + 1 < x.size and y[i + 1] != y[i]:
        t = (level - y[i]) / (y[i + 1] - y[i])
        xv = float(x[i] + min(max(t, 0.0), 1.0) * (x[i + 1] - x[i]))
    else:
        xv = float(x[i])
    return Measurement("dropout", xv - level, "V", info=(("vin", xv), ("vout", level), ("vout_nom", v_nom)))


def line_regulation(vin: np.ndarray, vout: np.ndarray, low: float, high: float) -> Measurement:
    """ΔVOUT/ΔVIN (V/V) between VIN = ``low`` and ``high`` (interpolated in the sweep)."""
    chk = real_series(vin, vout, what="sweep", sort=True)
    if isinstance(chk, str):
        return _missing("line_reg", chk)
    x, y = chk
    if not (x[0] <= low < high <= x[-1]):
        return _missing("line_reg", f"range {low:g}..{high:g} V is outside the sweep {x[0]:g}..{x[-1]:g} V")
    dv = float(np.interp(high, x, y) - np.interp(low, x, y))
    return Measurement("line_reg", dv / (high - low), "V/V", info=(("low", low), ("high", high)))


def load_regulation(iload: np.ndarray, vout: np.ndarray) -> Measurement:
    """−ΔVOUT/ΔILOAD (V/A) from the first to the last point of a load sweep (positive: the output droops)."""
    chk = real_series(iload, vout, what="sweep", sort=True)
    if isinstance(chk, str):
        return _missing("load_reg", chk)
    x, y = chk
    if x[-1] == x[0]:
        return _missing("load_reg", "the load sweep has no span")
    return Measurement("load_reg", 0.0 - float(y[-1] - y[0]) / float(x[-1] - x[0]), "V/A",
                       info=(("vout_no_load", float(y[0])), ("vout_full_load", float(y[-1]))))


def supply_rejection(freq: np.ndarray, h: np.ndarray, *, at: float) -> Measurement:
    """PSRR (dB) = −20·log10|vout/vin| at ``at`` Hz, ``h`` being vout for 1 V AC on VIN (log-f interpolation).

    >>> f = np.logspace(0, 9, 91)
    >>> round(supply_rejection(f, 1e-3 * np.ones(91), at=1e3).value, 3)
    60.0
    """
    f = np.asarray(freq, dtype=float).reshape(-1)
    x = np.abs(np.asarray(h)).reshape(-1)
    if f.size != x.size or f.size < 2:
        return _missing("psrr", "need an AC sweep of at least 2 matching points")
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(x))):
        return _missing("psrr", "the AC response holds NaN or infinite values")
    if not f[0] <= at <= f[-1]:
        return _missing("psrr", f"{at:g} Hz is outside the sweep")
    mag = 10 ** float(np.interp(math.log10(at), np.log10(f), np.log10(np.maximum(x, 1e-300))))
    if mag <= 1e-290:
        return _missing("psrr", "no supply signal at the output")
    return Measurement("psrr", -20 * math.log10(mag), "dB", info=(("f", float(at)),))


def quiescent_current(supply_currents: Sequence[float]) -> Measurement:
    """Quiescent current (A): the sum of the supplies' branch currents at zero load, sign turned so that
    drawn current is positive (ngspice reports a delivering source's current as negative).

    >>> quiescent_current([-25e-6, -5e-6])
    Measurement('iq', 3e-05 A)
    """
    vals = [float(v) for v in supply_currents]
    if not vals or not all(math.isfinite(v) for v in vals):
        return _missing("iq", "supply currents are missing or not finite")
    return Measurement("iq", 0.0 - sum(vals), "A")


def load_step_undershoot(t: np.ndarray, v: np.ndarray, *, t_step: float) -> Measurement:
    """Undershoot (V): VOUT just before the load step at ``t_step`` minus its minimum after it.

    ``info``: ``v_before``, ``v_min``, ``t_min`` (s after the step).

    >>> t = np.linspace(0, 4e-6, 401)
    >>> v = 1.2 - 0.05 * ((t > 2e-6) * np.exp(-(t - 2e-6) / 2e-7) * (t - 2e-6) / 2e-7)
    >>> round(load_step_undershoot(t, v, t_step=2e-6).value, 4)
    0.0184
    """
    tt = np.asarray(t, dtype=float).reshape(-1)
    vv = np.real(np.asarray(v)).astype(float).reshape(-1)
    if tt.size != vv.size or tt.size < 3:
        return _missing("undershoot", "need a waveform of at least 3 matching points")
    if not (np.all(np.isfinite(tt)) and np.all(np.isfinite(vv))):
        return _missing("undershoot", "the waveform holds NaN or infinite values")
    before = vv[tt < t_step]
    after = np.nonzero(tt >= t_step)[0]
    if before.size == 0 or after.size == 0:
        return _missing("undershoot", f"the step time {t_step:g} s is outside the waveform")
    v0 = float(before[-1])
    k = int(after[np.argmin(vv[after])])
    return Measurement("undershoot", v0 - float(vv[k]), "V",
                       info=(("v_before", v0), ("v_min", float(vv[k])), ("t_min", float(tt[k] - t_step))))


# ---------------------------------------------------------------------------------------------
# the whole LDO
# ---------------------------------------------------------------------------------------------

_SWEEP_OF = {"vout": "vin", "dropout": "vin", "line_reg": "vin", "psrr": "vin", "undershoot": "vin",
             "load_reg": "load", "iq": "load"}


def measure_ldo(circuit: CircuitInput, process_name: str | Process = "generic180", *,
                which: Sequence[str] = LDO_MEASUREMENTS, simulate: _SimulateFn = _default_simulate,
                ports: LdoPorts = LdoPorts(), conditions: LdoConditions = LdoConditions(),
                subckt: str | None = None) -> dict[str, Measurement]:
    """Build the decks ``which`` needs (two simulations at most), simulate them and measure.

    Names are those of :data:`LDO_MEASUREMENTS` (defined in the module
    docstring). A failed simulation gives its measurements ``value=None``
    with the simulator's message as the reason.

    >>> from circuitforge.netlists import parse
    >>> ideal = parse(".subckt reg vin vout vref vss\\nE1 vout vss vref vss 1.5\\n.ends\\n")  # VOUT = 1.5 VREF
    >>> m = measure_ldo(ideal, "generic180", which=("vout", "line_reg"))
    >>> round(m["vout"].value, 3), m["line_reg"].value
    (1.35, 0.0)
    """
    unknown = [w for w in which if w not in LDO_MEASUREMENTS]
    if unknown:
        raise ResolutionError(unknown[0], LDO_MEASUREMENTS, "LDO measurement")
    proc = process(process_name)
    sweeps: list[LdoSweep] = [s for s in LDO_SWEEPS if s in {_SWEEP_OF[w] for w in which}]  # type: ignore[misc]
    benches = {s: ldo_testbench(circuit, proc, sweep=s, ports=ports, conditions=conditions, subckt=subckt)
               for s in sweeps}
    results = {s: simulate(tb.netlist, list(tb.analyses)) for s, tb in benches.items()}
    out: dict[str, Measurement] = {}
    for w in which:
        s = _SWEEP_OF[w]
        res, tb = results[s], benches[s]
        if not res.ok:
            out[w] = _missing(w, f"{tb.name} simulation failed: {res.error}")
            continue
        out[w] = ldo_measurement(w, tb, res)
    return out


def ldo_measurement(w: str, tb: Testbench, res: SimResult) -> Measurement:
    """Measurement ``w`` (:data:`LDO_MEASUREMENTS`) of the simulation ``res`` of testbench ``tb`` (its
    sweep must be the one ``w`` needs: ``load`` for load_reg and iq, ``vin`` for the others)."""
    vout, info = tb.nodes["vout"], tb.info
    if w == "vout":
        return Measurement("vout", res["op"].value(vout), "V")
    if w in ("dropout", "line_reg"):
        dc = res["dc"]
        if w == "dropout":
            return dropout_voltage(dc.sweep, dc[vout], vin_nom=info["vin"], drop=info["drop"])
        return line_regulation(dc.sweep, dc[vout], info["vin"], info["vin_max"])
    if w == "psrr":
        ac = res["ac"]
        return supply_rejection(ac.sweep, ac[vout], at=info["psrr_freq"])
    if w == "undershoot":
        tr = res["tran"]
        return load_step_undershoot(tr.sweep, tr[vout], t_step=info["t_step"])
    dc = res["dc"]
    if w == "load_reg":
        return load_regulation(dc.sweep, dc[vout])
    currents = [float(np.real(np.asarray(dc[tb.branch(role)]).reshape(-1)[0]))
                for role in ("vin", "vdd") if role in tb.sources]
    return quiescent_current(currents)
