"""Sizing problems: an op-amp netlist, named sizing parameters with ranges, and one cheap evaluation deck.

A :class:`SizingProblem` turns a parameter vector ``x`` (physical units:
metres, farads, ohms, amperes, volts) into the measurements a :class:`Spec`
bounds, with **one** simulation per design: the open-loop testbench of
:func:`~circuitforge.spice.testbench.open_loop_ac` (OP + AC), giving the power
from the operating point and gain, unity-gain bandwidth, phase margin and
-3 dB bandwidth from the AC sweep. The deck is written once with
``.param`` placeholders, so that a design costs a string join, not a
netlist rebuild.

Optimisers and environments work in the unit cube: ``u`` in ``[0, 1]^n``
maps to ``x`` linearly or log-linearly per parameter (:meth:`SizingProblem.to_x`).

>>> p = miller_problem()
>>> p
SizingProblem('miller45', params=8, measures=['gain', 'ugbw', 'pm', 'bw', 'power'])
>>> [q.name for q in p.params]
['w_in', 'l_in', 'w_load', 'w_tail', 'w_cs', 'w_sink', 'cc', 'iref']
>>> p.netlist_for(p.default_x).subckts["opamp_miller45"].devices[3].param("W").number
6e-06
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ...examples import example_path
from ...netlists import CircuitforgeError, Device, Netlist, Subckt, read, write
from ...netlists.values import Value
from ...spice import AC, MeasurementPredictor, Op, Simulator, simulate
from ...spice.deck import to_deck
from ...spice.errors import SimulationError
from ...spice.measure import (
    Measurement,
    bandwidth_3db,
    dc_gain,
    phase_margin,
    power,
    unity_gain_bandwidth,
)
from ...spice.models import Process
from ...spice.results import SimResult
from ...spice.testbench import OpampPorts, Servo, open_loop_ac
from ..errors import ProblemError
from .derive import derive_sizing
from .param import PORT_TARGET as _PORT
from .param import SizingParam

__all__ = [
    "MEASURES",
    "Measured",
    "SizingParam",
    "SizingProblem",
    "TestbenchSizingProblem",
    "folded_cascode_problem",
    "measured_values",
    "miller_problem",
]

MEASURES: tuple[str, ...] = ("gain", "ugbw", "pm", "bw", "power")
"""What one evaluation deck measures (keys of :data:`Measured`)."""

Measured = dict[str, Measurement]
"""Measurements of one design: value or None with a reason, never NaN."""

_PLACEHOLDER = "cfp_{}"


def measured_values(m: Mapping[str, Measurement] | None) -> dict[str, float | None]:
    """``{name: value or None}`` of a :data:`Measured`."""
    if m is None:
        return {}
    return {k: v.value for k, v in m.items()}


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _failed(reason: str) -> Measured:
    units = {"gain": "dB", "ugbw": "Hz", "pm": "deg", "bw": "Hz", "power": "W"}
    return {k: Measurement(k, None, units[k], reason) for k in MEASURES}


@dataclass(frozen=True, eq=False)
class SizingProblem:
    """An op-amp and its sizing parameters; evaluates designs with one OP + AC simulation each.

    Fields: ``name``; ``netlist`` (the op-amp: a ``.subckt`` or a top-level
    netlist whose nets carry the port names); ``params``; ``process`` (model
    cards, VDD); ``ports`` (:class:`OpampPorts`); ``subckt`` (which
    subcircuit, when there are several); ``cl`` (load, F); ``default_u``
    (start point in the unit cube; None: the netlist's own values);
    ``ac`` (start Hz, stop Hz, points per decade of the sweep); ``servo``
    and ``cm_servo`` (the DC loops of a fully differential op-amp's deck,
    see :func:`~circuitforge.spice.testbench.open_loop_ac`).
    """

    name: str
    netlist: Netlist = field(repr=False)
    params: tuple[SizingParam, ...]
    process: str = "generic45"
    ports: OpampPorts = OpampPorts()
    subckt: str | None = None
    cl: float = 1e-12
    default_u: tuple[float, ...] | None = None
    ac: tuple[float, float, int] = (1.0, 10e9, 10)
    servo: Servo = "differential"
    cm_servo: tuple[str, float] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    measures: ClassVar[tuple[str, ...]] = MEASURES
    """What one evaluation measures (the spec quantities it can bound)."""
    primary: ClassVar[str] = "gain"
    """The measurement whose presence says that a design simulated and is measurable."""
    family: ClassVar[str] = "opamp"

    def __post_init__(self) -> None:
        names = [p.name for p in self.params]
        if not names:
            raise ProblemError(f"sizing problem {self.name!r} has no parameters")
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ProblemError(f"sizing problem {self.name!r} names parameter {dup[0]!r} twice")
        for p in self.params:
            for dev, key in p.sets:
                if dev == _PORT:
                    if not any(b.name.lower() == key.lower() for b in self.ports.bias):
                        raise ProblemError(f"parameter {p.name!r} sets bias port {key!r}, which is not among "
                                           f"the ports' bias {[b.name for b in self.ports.bias]}")
                    continue
                d = self._device(dev)
                if d is None:
                    raise ProblemError(f"parameter {p.name!r} sets {dev}.{key}, but the op-amp has no device "
                                       f"{dev!r} (devices: {[x.name for x in self._body().devices][:30]})")
        if self.default_u is not None and len(self.default_u) != len(self.params):
            raise ProblemError(f"default_u has {len(self.default_u)} entries for {len(self.params)} parameters")

    # ------------------------------------------------------------------ layout
    @property
    def dim(self) -> int:
        return len(self.params)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> SizingParam:
        for p in self.params:
            if p.name == name:
                return p
        raise ProblemError(f"unknown sizing parameter {name!r} of {self.name!r} "
                           f"(parameters: {list(self.param_names)})")

    def to_x(self, u: Sequence[float] | np.ndarray) -> np.ndarray:
        """Unit-cube point(s) to physical values (rows for a batch)."""
        arr = np.asarray(u, dtype=float)
        flat = arr.reshape(-1, self.dim)
        out = np.array([[p.to_x(v) for p, v in zip(self.params, row)] for row in flat])
        return out.reshape(arr.shape)

    def to_u(self, x: Sequence[float] | np.ndarray) -> np.ndarray:
        arr = np.asarray(x, dtype=float)
        flat = arr.reshape(-1, self.dim)
        out = np.array([[p.to_u(v) for p, v in zip(self.params, row)] for row in flat])
        return out.reshape(arr.shape)

    @property
    def default_x(self) -> np.ndarray:
        """The start design: ``default_u`` or else the values the netlist already has (clipped to the ranges)."""
        if self.default_u is not None:
            return self.to_x(self.default_u)
        vals = []
        for p in self.params:
            dev, key = p.sets[0] if p.sets else ("", "")
            v = self._current_value(dev, key)
            vals.append(p.to_x(0.5) if v is None else min(max(v, p.low), p.high))
        return np.array(vals)

    @property
    def start_u(self) -> np.ndarray:
        return self.to_u(self.default_x)

    # ------------------------------------------------------------------ netlists
    def _body(self) -> Netlist | Subckt:
        if self.subckt is not None:
            sub = self.netlist.find_subckt(self.subckt)
            if sub is None:
                raise ProblemError(f"no subcircuit {self.subckt!r} in {self.netlist.title!r} "
                                   f"(have {list(self.netlist.subckts)})")
            return sub
        return self.netlist

    def _device(self, name: str) -> Device | None:
        low = name.lower()
        for d in self._body().devices:
            if d.name.lower() == low:
                return d
        return None

    def _current_value(self, dev: str, key: str) -> float | None:
        if dev == _PORT:
            for b in self.ports.bias:
                if b.name.lower() == key.lower():
                    return abs(b.value)
            return None
        d = self._device(dev)
        v = d.param(key) if d is not None else None
        return v.number if v is not None else None

    def _with_values(self, values: Mapping[tuple[str, str], Value]) -> tuple[Netlist, OpampPorts]:
        body = self._body()
        devices = []
        for d in body.devices:
            changes = {key: v for (dev, key), v in values.items() if dev.lower() == d.name.lower()}
            if changes:
                params = dict(d.params)
                for key, v in changes.items():
                    old = next((k for k in params if k.lower() == key.lower()), key)
                    params[old] = v
                d = dataclasses.replace(d, params=params)
            devices.append(d)
        if self.subckt is not None:
            subs = dict(self.netlist.subckts)
            key = next(k for k in subs if k.lower() == self.subckt.lower())
            subs[key] = dataclasses.replace(body, devices=devices)  # type: ignore[type-var]
            net = dataclasses.replace(self.netlist, subckts=subs)
        else:
            net = dataclasses.replace(self.netlist, devices=devices)
        return net, self.ports

    def _assignments(self, x: Sequence[float]) -> tuple[dict[tuple[str, str], Value], OpampPorts]:
        values: dict[tuple[str, str], Value] = {}
        bias = {b.name.lower(): b for b in self.ports.bias}
        for p, v in zip(self.params, x):
            for dev, key in p.sets:
                if dev == _PORT:
                    b = bias[key.lower()]
                    bias[key.lower()] = dataclasses.replace(b, value=math.copysign(float(v), b.value or 1.0))
                else:
                    values[(dev, key)] = Value.of(float(v))
        ports = dataclasses.replace(self.ports, bias=tuple(bias[b.name.lower()] for b in self.ports.bias))
        return values, ports

    def netlist_for(self, x: Sequence[float]) -> Netlist:
        """The op-amp with the design ``x`` (physical values) written into its devices."""
        self._check_x(x)
        values, _ = self._assignments(x)
        return self._with_values(values)[0]

    def ports_for(self, x: Sequence[float]) -> OpampPorts:
        """The ports with the bias values of design ``x`` (for bias-port parameters)."""
        return self._assignments(x)[1]

    def sized_text(self, x: Sequence[float]) -> str:
        """ngspice text of :meth:`netlist_for` (what ``circuitforge size --out`` writes).

        Bias ports are driven by the testbench, not the netlist: their values
        are listed in comments at the end.
        """
        text = write(self.netlist_for(x), "ngspice")
        bias = self.ports_for(x).bias
        if bias:
            lines = ["* the sizing testbench drove the bias ports with:"]
            for b in bias:
                if b.kind == "voltage":
                    lines.append(f"* bias port {b.name}: {b.value:.6g} V")
                else:
                    way = "from VDD into the port" if b.value >= 0 else "drawn out of the port"
                    lines.append(f"* bias port {b.name}: {abs(b.value):.6g} A {way}")
            body = text.rstrip("\n")
            end = body.rfind("\n.end")
            text = (body[:end] if end >= 0 else body) + "\n" + "\n".join(lines) + ("\n.end\n" if end >= 0 else "\n")
        return text

    def _check_x(self, x: Sequence[float]) -> None:
        if len(x) != self.dim:
            raise ProblemError(f"design has {len(x)} values for {self.dim} parameters {list(self.param_names)}")

    # ------------------------------------------------------------------ evaluation
    def _marks(self) -> dict[tuple[str, str], Value]:
        """``{(device, key): {cfp_i}}``: the ``.param`` placeholder of every device value a parameter sets."""
        return {(dev, key): Value.parse("{" + _PLACEHOLDER.format(i) + "}")
                for i, p in enumerate(self.params) for dev, key in p.sets if dev != _PORT}

    def _bias_placeholders(self, lines: list[str], vss: str) -> list[str]:
        """Deck ``lines`` with the value of each testbench bias source (``IBIAS<i>``/``VBIAS<i>``, the
        i-th bias port) that a parameter sets replaced by that parameter's placeholder. A current
        drawn out of its port sinks to ``vss`` (the testbench would return it into the supply, which
        hides it from the supply current and the power)."""
        lines = list(lines)
        for i, b in enumerate(self.ports.bias):
            owner = next((j for j, p in enumerate(self.params)
                          if any(d == _PORT and k.lower() == b.name.lower() for d, k in p.sets)), None)
            if owner is None:
                continue
            stem = ("IBIAS" if b.kind == "current" else "VBIAS") + str(i)
            for j, ln in enumerate(lines):
                if ln.upper().startswith(stem + " "):
                    toks = ln.split()
                    if b.kind == "current" and b.value < 0:
                        toks = [toks[0], toks[2], vss, toks[3]]
                    lines[j] = " ".join(toks[:4]) + " {" + _PLACEHOLDER.format(owner) + "}"
        return lines

    def _template(self) -> tuple[str, str, str, float]:
        """(deck body after the title line, output node, supply branch, vdd), built once."""
        if "deck" in self._cache:
            return self._cache["deck"]
        net, _ = self._with_values(self._marks())
        f0, f1, pts = self.ac
        tb = open_loop_ac(net, self.process, cl=self.cl, ports=self.ports, subckt=self.subckt,
                          fstart=f0, fstop=f1, points=pts, servo=self.servo, cm_servo=self.cm_servo)
        lines = self._bias_placeholders(to_deck(tb.netlist).splitlines(), self.ports.vss)
        body = "\n".join(lines[1:]) + "\n"
        # the measured node: the output, or the differential output of a fully differential op-amp
        got = (body, tb.nodes.get("ac_out", tb.nodes["out"]).lower(), tb.branch("vdd"), tb.info["vdd"])
        self._cache["op_nodes"] = (tb.nodes["out"].lower(), tb.nodes.get("out_cm"))
        self._cache["deck"] = got
        return got

    def deck(self, x: Sequence[float]) -> str:
        """The evaluation deck (open-loop testbench, ngspice text) of design ``x``."""
        self._check_x(x)
        body, _, _, _ = self._template()
        assigns = " ".join(f"{_PLACEHOLDER.format(i)}={_fmt(abs(float(v)))}" for i, v in enumerate(x))
        return f"* {self.name} sizing deck\n.param {assigns}\n{body}"

    @property
    def analyses(self) -> list:
        f0, f1, pts = self.ac
        return [Op(), AC(f0, f1, pts)]

    def measure(self, result: SimResult) -> Measured:
        """Measurements of one simulation of :meth:`deck`."""
        if not result.ok:
            return _failed(f"simulation failed: {result.error}")
        _, out, branch, vdd = self._template()
        try:
            ac = result["ac"]
            f, h = ac.sweep, ac[out]
            m: Measured = {"gain": dc_gain(f, h), "ugbw": unity_gain_bandwidth(f, h), "pm": phase_margin(f, h),
                           "bw": bandwidth_3db(f, h), "power": power(result["op"].value(branch), vdd)}
        except SimulationError as exc:
            return _failed(f"measurement failed: {exc}")
        return m

    def evaluate(self, xs: Sequence[Sequence[float]] | np.ndarray,
                 simulator: Simulator | MeasurementPredictor | None = None) -> list[Measured]:
        """Measure every design of the batch ``xs`` (rows of physical values), one simulation each.

        ``simulator``: a :class:`~circuitforge.spice.Simulator` (a
        :class:`~circuitforge.spice.SharedSimulator` with several workers runs
        the batch in parallel); None uses the default single ngspice worker;
        a :class:`~circuitforge.spice.MeasurementPredictor` (the graph predictor's
        :class:`~circuitforge.graph.predictor.backend.PredictorBackend`) is
        used as a cheap learned backend. Failures come back as measurements
        with ``value=None`` and the reason.
        """
        rows = [list(map(float, r)) for r in np.atleast_2d(np.asarray(xs, dtype=float))]
        if isinstance(simulator, MeasurementPredictor):
            return self._predict(rows, simulator)
        analyses = self.analyses
        jobs = [(self.deck(r), analyses) for r in rows]
        if simulator is None:
            results = [simulate(d, a) for d, a in jobs]
        else:
            results = simulator.run_many(jobs)
        return [self.measure(r) for r in results]

    def _predict(self, rows: list[list[float]], backend: MeasurementPredictor) -> list[Measured]:
        units = {"gain": "dB", "ugbw": "Hz", "pm": "deg", "bw": "Hz", "power": "W"}
        preds = backend.predict([self.netlist_for(r) for r in rows])
        out = []
        for pr in preds:
            m = {}
            for k in MEASURES:
                v = pr.get(k)
                m[k] = (Measurement(k, float(v), units[k]) if v is not None and math.isfinite(v)
                        else Measurement(k, None, units[k], "not predicted by the learned backend"))
            out.append(m)
        return out

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_netlist(cls, netlist: Netlist | str, *, ports: OpampPorts | None = None,
                     process: str | Process = "generic45", subckt: str | None = None,
                     name: str | None = None, span: float = 4.0,
                     simulator: Simulator | None = None) -> SizingProblem:
        """Sizing parameters and ranges derived from an op-amp's own devices.

        See :mod:`circuitforge.rl.sizing.derive` for the rules; when the input names do not tell which
        is inverting, both orders are simulated once and the one whose DC loop settles the output
        nearer mid-supply (negative feedback) is kept.
        """
        d = derive_sizing(netlist, ports=ports, process=process, subckt=subckt, name=name, span=span)
        servos = [None] if d.cm_servo is None else [None, d.cm_servo]
        probs = [cls(d.name, d.netlist, d.params, d.process, c, d.subckt, default_u=d.default_u, cm_servo=v)
                 for c in d.candidates for v in servos]
        return probs[0] if len(probs) == 1 else _pick_polarity(probs, simulator)

    def __repr__(self) -> str:
        return f"SizingProblem({self.name!r}, params={self.dim}, measures={list(MEASURES)})"


@dataclass(frozen=True, eq=False)
class TestbenchSizingProblem(SizingProblem):
    """A :class:`SizingProblem` of another family whose one deck per design is that family's testbench
    (LDOs, comparators): a subclass builds the testbench (:meth:`_build_testbench`, from the netlist
    with the parameters' placeholders) and measures one of :attr:`measures` from its simulation
    (:meth:`_measurement`); deck, analyses, measurements and failures follow from those here.
    ``out_role``/``supply_role``/``supply_info`` name the testbench's measured node, supply source and
    supply voltage (for :meth:`_template`'s tuple)."""

    __test__ = False  # not a pytest test class

    units: ClassVar[Mapping[str, str]] = {}
    """The unit of each of :attr:`measures`."""
    out_role: ClassVar[str] = "out"
    supply_role: ClassVar[str] = "vdd"
    supply_info: ClassVar[str] = "vdd"

    def _build_testbench(self, net: Netlist) -> Any:
        raise NotImplementedError

    def _measurement(self, what: str, tb: Any, result: SimResult) -> Measurement:
        raise NotImplementedError

    def _testbench(self) -> Any:  # the testbench with placeholders, built once
        if "tb" not in self._cache:
            net, _ = self._with_values(self._marks())
            self._cache["tb"] = self._build_testbench(net)
        return self._cache["tb"]

    def _template(self) -> tuple[str, str, str, float]:
        """(deck body after the title line, measured node, supply branch, supply voltage), built once."""
        if "deck" in self._cache:
            return self._cache["deck"]
        tb = self._testbench()
        lines = self._bias_placeholders(to_deck(tb.netlist).splitlines(), self.ports.vss)
        got = ("\n".join(lines[1:]) + "\n", tb.nodes[self.out_role].lower(), tb.branch(self.supply_role),
               tb.info[self.supply_info])
        self._cache["deck"] = got
        return got

    @property
    def analyses(self) -> list:
        return list(self._testbench().analyses)

    def _failed(self, reason: str) -> Measured:
        return {k: Measurement(k, None, self.units[k], reason) for k in self.measures}

    def measure(self, result: SimResult) -> Measured:
        """Measurements (:attr:`measures`) of one simulation of :meth:`deck`; a failed simulation or
        measurement gives ``value=None`` with the reason."""
        if not result.ok:
            return self._failed(f"simulation failed: {result.error}")
        tb = self._testbench()
        out: Measured = {}
        for w in self.measures:
            try:
                out[w] = self._measurement(w, tb, result)
            except SimulationError as exc:
                out[w] = Measurement(w, None, self.units[w], f"measurement failed: {exc}")
        return out

    def _predict(self, rows: list[list[float]], backend: MeasurementPredictor) -> list[Measured]:
        raise ProblemError(f"the learned backend predicts op-amp figures, not the {self.family} figures of "
                           f"{self.name!r}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, params={self.dim}, measures={list(self.measures)})"


def _pick_polarity(probs: list[SizingProblem], simulator: Simulator | None) -> SizingProblem:
    """The candidate whose DC loop settles the output (and a differential output's common mode) nearest
    mid-supply with a positive open-loop gain at DC (negative feedback)."""
    best, score = probs[0], float("inf")
    for p in probs:
        deck = p.deck(p.default_x)
        res = simulator.run(deck, p.analyses) if simulator is not None else simulate(deck, p.analyses)
        if not res.ok:
            continue
        _, measured, _, vdd = p._template()
        out, ocm = p._cache["op_nodes"]
        try:
            op = res["op"]
            v = op.value(out)
            cm = op.value(ocm) if ocm is not None else vdd / 2
            h0 = complex(np.asarray(res["ac"][measured]).reshape(-1)[0])
        except CircuitforgeError:
            continue
        s = abs(v - vdd / 2) + abs(cm - vdd / 2) + (0.0 if h0.real > 0 else vdd)
        if s < score:
            best, score = p, s
    return best


def _mos(name: str, dev: str | tuple[str, ...], key: str, low: float, high: float, desc: str) -> SizingParam:
    devs = (dev,) if isinstance(dev, str) else dev
    unit = "m"
    return SizingParam(name, low, high, True, unit, tuple((d, key) for d in devs), desc)


def miller_problem() -> SizingProblem:
    """The two-stage Miller op-amp of ``examples/opamp_miller45.cir`` with 8 parameters (generic45, 1 pF load).

    Input pair W and L (M1/M2), mirror load W (M3/M4), tail W (M5, mirrors
    the reference), second-stage PMOS W (M6), sink W (M7), Miller capacitor
    and reference current; the nulling resistor and the other lengths stay.
    """
    net = read(example_path("opamp_miller45.cir"))
    params = (
        _mos("w_in", ("M1", "M2"), "W", 0.5e-6, 40e-6, "input pair width (M1, M2)"),
        _mos("l_in", ("M1", "M2"), "L", 90e-9, 1e-6, "input pair length (M1, M2)"),
        _mos("w_load", ("M3", "M4"), "W", 0.5e-6, 30e-6, "PMOS mirror load width (M3, M4)"),
        _mos("w_tail", "M5", "W", 0.5e-6, 16e-6, "tail current source width (M5; MB1 is 1 µm)"),
        _mos("w_cs", "M6", "W", 1e-6, 100e-6, "second-stage PMOS width (M6)"),
        _mos("w_sink", "M7", "W", 0.5e-6, 60e-6, "second-stage current sink width (M7)"),
        SizingParam("cc", 50e-15, 3e-12, True, "F", (("CC", "c"),), "Miller capacitor"),
        SizingParam("iref", 2e-6, 50e-6, True, "A", (("IREF", "dc"),), "reference current"),
    )
    return SizingProblem("miller45", net, params, "generic45", OpampPorts(), "opamp_miller45")


def folded_cascode_problem() -> SizingProblem:
    """The folded-cascode op-amp of ``examples/opamp_foldedcascode45.cir`` with 8 parameters.

    Input pair W and L (M1/M2), tail W (M0), PMOS current sources (M3/M4),
    PMOS cascodes (M5/M6), NMOS cascodes (M7/M8), NMOS mirror (M9/M10) and
    the reference current; the bias network stays as drawn.
    """
    net = read(example_path("opamp_foldedcascode45.cir"))
    params = (
        _mos("w_in", ("M1", "M2"), "W", 2e-6, 100e-6, "input pair width (M1, M2)"),
        _mos("l_in", ("M1", "M2"), "L", 90e-9, 1e-6, "input pair length (M1, M2)"),
        _mos("w_tail", "M0", "W", 1e-6, 30e-6, "tail width (M0)"),
        _mos("w_src", ("M3", "M4"), "W", 2e-6, 60e-6, "PMOS current sources (M3, M4)"),
        _mos("w_pcas", ("M5", "M6"), "W", 1e-6, 40e-6, "PMOS cascodes (M5, M6)"),
        _mos("w_ncas", ("M7", "M8"), "W", 0.5e-6, 20e-6, "NMOS cascodes (M7, M8)"),
        _mos("w_mir", ("M9", "M10"), "W", 0.5e-6, 20e-6, "NMOS mirror (M9, M10)"),
        SizingParam("iref", 2e-6, 40e-6, True, "A", (("IREF", "dc"),), "reference current"),
    )
    return SizingProblem("foldedcascode45", net, params, "generic45", OpampPorts(), "opamp_foldedcascode45")



