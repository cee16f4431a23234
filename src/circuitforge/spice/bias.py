"""Default biasing: turn an unsized topology into a deck whose operating point can be found.

An unsized topology (an AnalogGenie circuit, or one a generator proposes)
names its ports but says nothing of supplies, input levels, bias voltages or
currents, loads, device sizes or passive values. :func:`bias_default`
supplies all of them with explainable rules and records each assumption as a
:class:`BiasChoice`, so that "ngspice-valid" has one meaning for every
circuit: biased by these rules, its DC operating point converges with every
node inside ``[VSS - 0.5, VDD + 0.5]`` (:meth:`BiasedCircuit.out_of_range`).

Port roles come from the names (:func:`~circuitforge.netlists.ports.port_role`): ``VDD*`` supply,
``VSS*``/``GND`` reference, ``VIN*`` inputs, ``VOUT*`` outputs, ``VB*`` bias
voltages, ``IB*``/``IREF*`` bias currents, ``VCLK*`` clocks, ``VREF*``,
``VCONT*``, ``VCM*``, ``IOUT*``, ``IIN*``, ``VLO*``/``VRF*``/``VIF*``,
``LOGIC*``. The rules, in the order they are applied:

1. Digital macros the netlist instantiates but does not define get built-in
   transistor-level cells (:mod:`.cells`); MOSFETs, BJTs and diodes without a
   model get the process' cards and default sizes
   (:func:`~circuitforge.spice.models.apply_process`); resistors, capacitors
   and inductors without a value get 10 kΩ, 1 pF and 10 nH.
2. ``VSS`` is held at 0 V by a source to node ``0``; ``VDD`` at the process
   supply.
3. Inputs (``VIN``, ``VRF``, ``VLO``, and ``VREF``/``VCONT``/``VCM``/``VIF``/
   ``LOGIC`` ports that no transistor drives from a rail) get voltage sources
   at a level chosen from the devices they drive: NMOS gates whose source is
   a rail at ``Vthn + 0.15 V``, NMOS gates over a tail or cascode higher
   (``Vthn + 0.4 V``), PMOS gates the mirror image, NPN/PNP bases a ``Vbe``
   (0.7 V) from the rail, anything else ``VDD/2``. The first input gets AC
   magnitude 1, or +0.5/-0.5 (180°) on a ``VIN1``/``VIN2`` pair.
4. ``VB`` ports on a diode-connected device get a 10 µA bias current through
   that diode (into an NMOS/NPN diode, out of a PMOS/PNP one); other ``VB``
   ports get a voltage by the gate rule of 3, one more overdrive from the
   rail for cascode gates.
5. ``IB``/``IIN`` ports get a current source whose direction follows what
   the net conducts to: into an NMOS drain or PMOS source, out of an NMOS
   source (a tail) or PMOS drain, likewise for BJTs and resistors to a rail;
   10 µA, 20 µA into a tail shared by two or more devices. The source rolls
   off within 50 mV of the rail it comes from (``tanh``), as a real mirror
   output would, instead of forcing the node beyond the supply.
6. Clocks and latch/track/hold controls are static: ``VCLK1`` (and odd
   numbers) high, ``VCLK2`` (even) low. ``IOUT`` ports are held by a voltage
   source (``0.8 VDD`` for a sinking NMOS/NPN output, ``0.2 VDD`` for a
   sourcing PMOS/PNP one, else ``VDD/2``).
7. Outputs (``VOUT`` and driven ``VREF``/``VCM``/...) get a 1 pF load.
8. A voltage source that would close a loop of sources and inductors
   (an input tied through an inductor to a supply) drives through 50 Ω.
9. Every group of nets with no DC path to ground (only through capacitors,
   gates or current sources; :func:`~circuitforge.netlists.connectivity.floating_groups`,
   where a transmission line conducts) gets 1 GΩ to ground, so that the matrix is not
   singular. With ``bias_floating_gates=True`` (op-amp sizing) internal nets
   that reach only MOSFET gates first get a voltage by the gate rule of 3,
   with a tenth of the supply of cascode headroom (:func:`floating_gate_nets`).

>>> from circuitforge.netlists import parse
>>> ota = parse('''M0 (net1 net1 VDD VDD) pmos4
... M1 (VOUT1 net1 VDD VDD) pmos4
... M2 (net1 VIN1 IB1 VSS) nmos4
... M3 (VOUT1 VIN2 IB1 VSS) nmos4
... ''', dialect="spectre")
>>> b = bias_default(ota, "generic45", ports=["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "IB1"])
>>> b
BiasedCircuit('generic45', vdd=1.0, choices=8, devices=12)
>>> [(c.port, c.what) for c in b.choices][:4]
[('VSS', 'ground'), ('VDD', 'supply'), ('VIN1', 'input'), ('VIN2', 'input')]
>>> b.choice("IB1").value
2e-05
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

from ..netlists import Device, Netlist, flatten
from ..netlists.errors import ResolutionError, ValidationError
from ..core.units import format_number
from ..netlists.connectivity import VoltageLoops, floating_groups, is_voltage_like
from ..netlists.netlist import GROUND_NAMES
from ..netlists.polarity import device_polarity
from ..netlists.ports import PortRole, port_role
from ..netlists.values import Value
from .cells import add_cells
from .models import Process, apply_process
from .models import process as get_process

__all__ = [
    "BIAS_CURRENT",
    "BIAS_WHATS",
    "DEFAULT_C",
    "DEFAULT_L",
    "DEFAULT_R",
    "LEAK_R",
    "LOAD_C",
    "LOOP_R",
    "SOURCE_R",
    "WEAK_R",
    "BiasChoice",
    "BiasWhat",
    "BiasedCircuit",
    "bias_default",
    "floating_gate_nets",
]

BiasWhat = Literal["ground", "supply", "input", "bias-voltage", "bias-current", "clock", "logic",
                   "hold", "load", "weak-path", "leak", "source-resistance", "winding-resistance",
                   "default-value", "cell", "unused"]
BIAS_WHATS: tuple[str, ...] = get_args(BiasWhat)

DEFAULT_R = 10e3
"""Value given to a resistor that has none (Ω)."""
DEFAULT_C = 1e-12
"""Value given to a capacitor that has none (F)."""
DEFAULT_L = 10e-9
"""Value given to an inductor that has none (H)."""
BIAS_CURRENT = 10e-6
"""Bias current of an ``IB`` port or a diode-connected ``VB`` port (A); twice this into a tail."""
LOAD_C = 1e-12
"""Load capacitor on each output (F)."""
LEAK_R = 1e9
"""Resistor to ground for nets with no DC path (Ω)."""
SOURCE_R = 50.0
"""Series resistance of a source that would otherwise close a source/inductor loop (Ω)."""
LOOP_R = 1.0
"""Winding resistance put in series with an inductor that closes a loop of inductors (Ω)."""
WEAK_R = 200e6
"""Each output gets this resistance to VDD and to VSS: a 100 MΩ path to mid-supply (Ω)."""

_UNITS = {"ground": "V", "supply": "V", "input": "V", "bias-voltage": "V", "clock": "V", "logic": "V",
          "hold": "V", "bias-current": "A", "load": "F", "leak": "Ohm", "source-resistance": "Ohm",
          "weak-path": "Ohm", "winding-resistance": "Ohm", "default-value": ""}

_OVERDRIVE = 0.15
_CASCODE_STEP = 0.25
_FLOATING_STEP = 0.1
_VBE = 0.7
_COMPLIANCE = 0.05

@dataclass(frozen=True, slots=True)
class BiasChoice:
    """One assumption :func:`bias_default` made: which ``port`` (or net), ``what`` was added,
    its ``value`` (SI: V, A, F or Ω), why (``reason``), and the ``device`` that carries it.

    >>> c = BiasChoice("VB1", "bias-voltage", 0.62, "drives NMOS gates with sources at VSS")
    >>> str(c)
    'VB1: bias-voltage 620mV (drives NMOS gates with sources at VSS)'
    """

    port: str
    what: BiasWhat
    value: float
    reason: str
    device: str = ""

    def __post_init__(self) -> None:
        if self.what not in BIAS_WHATS:
            raise ResolutionError(self.what, BIAS_WHATS, "bias choice kind")

    def __str__(self) -> str:
        unit = _UNITS.get(self.what, "")
        return f"{self.port}: {self.what} {format_number(self.value)}{unit} ({self.reason})"


@dataclass(frozen=True, slots=True)
class BiasedCircuit:
    """A netlist made simulatable by :func:`bias_default`, and the choices that made it so.

    ``netlist`` is a new :class:`Netlist` (the input is untouched); ``vdd`` and
    ``vss`` are the supply levels (V); ``roles`` maps each port to its
    :data:`~circuitforge.netlists.ports.PortRole`; ``choices`` lists every source, load and default added.
    """

    netlist: Netlist = field(hash=False)
    process: str
    vdd: float
    vss: float
    roles: Mapping[str, PortRole] = field(hash=False)
    choices: tuple[BiasChoice, ...]

    def choice(self, port: str) -> BiasChoice:
        """The first choice about ``port`` (case-insensitive)."""
        low = port.lower()
        for c in self.choices:
            if c.port.lower() == low:
                return c
        raise ResolutionError(port, sorted({c.port for c in self.choices if c.port}), "biased port")

    def out_of_range(self, vectors: Mapping[str, object], margin: float = 0.5) -> dict[str, float]:
        """Node voltages of an operating point outside ``[vss - margin, vdd + margin]``.

        ``vectors`` is ``result["op"].vectors``; branch currents (``#branch``)
        and other non-voltages (names with ``#`` or ``@``) are skipped. An empty
        dict means every node is in range.

        >>> from circuitforge.netlists import Netlist
        >>> b = BiasedCircuit(Netlist("x"), "generic45", 1.0, 0.0, {}, ())
        >>> b.out_of_range({"out": [1.2], "vdd#branch": [5.0], "x": [1.7]})
        {'x': 1.7}
        """
        lo, hi = self.vss - margin, self.vdd + margin
        bad: dict[str, float] = {}
        for name, vec in vectors.items():
            if "#" in name or "@" in name:
                continue
            v = float(np.real(np.asarray(vec).reshape(-1)[0]))
            if not (lo <= v <= hi):
                bad[name] = v
        return bad

    def __repr__(self) -> str:
        return (f"BiasedCircuit({self.process!r}, vdd={self.vdd}, choices={len(self.choices)}, "
                f"devices={len(self.netlist.devices)})")


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------
def _vth(card_params: Mapping[str, Value], default: float) -> float:
    for key in ("vth0", "vto"):
        for k, v in card_params.items():
            if k.lower() == key and v.number is not None:
                return abs(v.number)
    return default


def _fmt(x: float) -> str:
    return format_number(round(x, 6))


def _copy(netlist: Netlist, **changes: object) -> Netlist:
    base: dict[str, object] = {
        "devices": list(netlist.devices), "subckts": dict(netlist.subckts),
        "models": dict(netlist.models), "params": dict(netlist.params),
        "globals": list(netlist.globals), "ports": list(netlist.ports),
        "statements": list(netlist.statements), "includes": list(netlist.includes),
        "libraries": dict(netlist.libraries), "warnings": list(netlist.warnings)}
    base.update(changes)
    return dataclasses.replace(netlist, **base)  # type: ignore[arg-type]


_PASSIVE_DEFAULTS = {"resistor": ("r", DEFAULT_R), "capacitor": ("c", DEFAULT_C),
                     "inductor": ("l", DEFAULT_L)}


def _with_values(devices: Iterable[Device], filled: dict[str, list[str]], prefix: str) -> list[Device]:
    out = []
    for d in devices:
        if d.kind in _PASSIVE_DEFAULTS:
            key, val = _PASSIVE_DEFAULTS[d.kind]
            if d.param(key) is None:
                d = dataclasses.replace(d, params={**d.params, key: Value.of(val)})
                filled.setdefault(d.kind, []).append(prefix + d.name)
        out.append(d)
    return out


# ---------------------------------------------------------------------------------------
# what a net touches
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Touch:
    device: Device
    role: str
    polarity: str | None  # n/p for MOSFETs and BJTs


class _Topology:
    """Connectivity of the flattened circuit, keyed by lower-case net names."""

    def __init__(self, flat: Netlist, rails: Mapping[str, str]):
        self.rails = rails  # lower-case net -> "vdd" | "vss"
        self.touch: dict[str, list[_Touch]] = {}
        for d in flat.devices:
            pol = device_polarity(flat, d) if d.kind in ("mosfet", "bjt") else None
            for role, net in d.terminals:
                self.touch.setdefault(net.lower(), []).append(_Touch(d, role, pol))

    def rail(self, net: str) -> str | None:
        return self.rails.get(net.lower())

    def other(self, t: _Touch, role: str) -> str:
        return t.device.net(role).lower()

    def gate_loads(self, net: str, depth: int = 2) -> list[_Touch]:
        """MOSFET gates and BJT bases reached from ``net`` directly or through R/L (≤ ``depth`` hops)."""
        seen = {net.lower()}
        frontier = [net.lower()]
        out: list[_Touch] = []
        for hop in range(depth + 1):
            nxt = []
            for n in frontier:
                for t in self.touch.get(n, ()):
                    d = t.device
                    if (d.kind == "mosfet" and t.role == "g") or (d.kind == "bjt" and t.role == "b"):
                        out.append(t)
                    elif d.kind in ("resistor", "inductor") and hop < depth:
                        o = [x.lower() for x in d.nets if x.lower() != n]
                        for x in o:
                            if x not in seen and self.rail(x) is None:
                                seen.add(x)
                                nxt.append(x)
            frontier = nxt
        return out

    def diode(self, net: str) -> _Touch | None:
        """A MOSFET with gate and drain (or BJT with base and collector) on ``net``."""
        key = net.lower()
        for t in self.touch.get(key, ()):
            d = t.device
            if d.kind == "mosfet" and t.role == "d" and d.net("g").lower() == key:
                return t
            if d.kind == "bjt" and t.role == "c" and d.net("b").lower() == key:
                return t
        return None

    def driven(self, net: str, depth: int = 2) -> bool:
        """True when a transistor channel (≤ ``depth`` in series) joins ``net`` to a rail."""
        key = net.lower()
        frontier, seen = [key], {key}
        for _ in range(depth):
            nxt = []
            for n in frontier:
                for t in self.touch.get(n, ()):
                    d = t.device
                    if d.kind == "mosfet" and t.role in ("d", "s"):
                        far = d.net("s" if t.role == "d" else "d").lower()
                    elif d.kind == "bjt" and t.role in ("c", "e"):
                        far = d.net("e" if t.role == "c" else "c").lower()
                    else:
                        continue
                    if self.rail(far) is not None:
                        return True
                    if far not in seen:
                        seen.add(far)
                        nxt.append(far)
            frontier = nxt
        return False

    def current_votes(self, net: str) -> tuple[int, int, int]:
        """Votes for a bias current ``into`` / ``out of`` the net, and how many sources form a tail."""
        key = net.lower()
        into = out = tail = 0
        for t in self.touch.get(key, ()):
            d, r, p = t.device, t.role, t.polarity
            if d.kind == "mosfet" and r in ("d", "s"):
                if d.net("d").lower() == d.net("s").lower():
                    continue
                if (p == "n" and r == "d") or (p == "p" and r == "s"):
                    into += 1
                elif p is not None:
                    out += 1
                    tail += r == "s"
            elif d.kind == "bjt" and r in ("c", "e"):
                if (p == "n" and r == "c") or (p == "p" and r == "e"):
                    into += 1
                elif p is not None:
                    out += 1
                    tail += r == "e"
            elif d.kind in ("resistor", "diode"):
                far = [x for x in d.nets if x.lower() != key]
                rail = self.rail(far[0]) if far else None
                if rail == "vss" or (d.kind == "diode" and r == "p"):
                    into += 1
                elif rail == "vdd" or (d.kind == "diode" and r == "n"):
                    out += 1
        return into, out, tail


# ---------------------------------------------------------------------------------------
# the builder
# ---------------------------------------------------------------------------------------
class _Builder:
    def __init__(self, work: Netlist, proc: Process, ports: Sequence[str]):
        self.work = work
        self.proc = proc
        self.vdd = float(proc.vdd)
        self.vss = 0.0
        self.vtn = _vth(proc.nmos.params, 0.45)
        self.vtp = _vth(proc.pmos.params, 0.45)
        self.ports = list(ports)
        self.roles: dict[str, PortRole] = {p: port_role(p) for p in self.ports}
        self.flat = flatten(work)
        self.top_nets = {n.lower(): n for n in work.nets()}
        rails: dict[str, str] = {g: "vss" for g in GROUND_NAMES}
        for p, role in self.roles.items():
            if role in ("vdd", "vss"):
                rails[p.lower()] = role
        self.topo = _Topology(self.flat, rails)
        self.devices: list[Device] = []
        self.choices: list[BiasChoice] = []
        self.names = {d.name.lower() for d in work.devices}
        # nets joined by voltage sources and inductors (a new source there would close a loop)
        self.vloop = VoltageLoops(self.flat.devices, grounds=GROUND_NAMES)
        self.ground = "0"
        self.vss_net = "0"
        self.vdd_net = "0"

    # ---- naming ----------------------------------------------------------------------
    def name(self, letter: str, stem: str) -> str:
        base = f"{letter}cf_{re.sub(r'[^A-Za-z0-9_]', '_', stem)}"
        name, i = base, 1
        while name.lower() in self.names:
            i += 1
            name = f"{base}_{i}"
        self.names.add(name.lower())
        return name

    def node(self, stem: str) -> str:
        base = f"cf_{re.sub(r'[^A-Za-z0-9_]', '_', stem)}"
        name, i = base, 1
        while name.lower() in self.top_nets:
            i += 1
            name = f"{base}_{i}"
        self.top_nets[name.lower()] = name
        return name

    def add(self, port: str, what: str, value: float, reason: str, device: Device) -> None:
        self.devices.append(device)
        self.choices.append(BiasChoice(port, what, value, reason, device.name))  # type: ignore[arg-type]

    # ---- primitive additions -----------------------------------------------------------
    def vsource(self, port: str, what: str, level: float, reason: str, *, ac: float = 0.0,
                phase: float = 0.0) -> None:
        """A voltage source from ``port`` to ground, through ``SOURCE_R`` when it would close a loop."""
        level = round(level, 6)
        params: dict[str, Value] = {"dc": Value.of(level)}
        if ac:
            params["mag"] = Value.of(ac)
            if phase:
                params["phase"] = Value.of(phase)
        key = port.lower()
        target = port
        if self.vloop.closes(key, "0"):
            target = self.node(f"{port}_drv")
            r = Device(self.name("R", f"{port}_src"), "resistor", (("p", target), ("n", port)),
                       params={"r": Value.of(SOURCE_R)})
            self.add(port, "source-resistance", SOURCE_R,
                     "a source directly on this net would close a loop of voltage sources and "
                     "inductors (DC short to a supply or ground)", r)
        else:
            self.vloop.join(key, "0")
        dev = Device(self.name("V", port), "vsource", (("p", target), ("n", self.ground)), params=params)
        self.add(port, what, level, reason, dev)

    def isource(self, port: str, amps: float, into: bool, reason: str, what: str = "bias-current") -> None:
        """A current of ``amps`` into (from VDD) or out of (to VSS) ``port``, rolling off at the rail."""
        if into:
            expr = f"{_fmt(amps)}*tanh(({_fmt(self.vdd)}-v({port}))/{_fmt(_COMPLIANCE)})"
            terms = (("p", self.ground), ("n", port))
        else:
            expr = f"{_fmt(amps)}*tanh((v({port})-{_fmt(self.vss)})/{_fmt(_COMPLIANCE)})"
            terms = (("p", port), ("n", self.ground))
        dev = Device(self.name("B", port), "bsource", terms, params={"I": Value.parse(expr)})
        self.add(port, what, amps, reason, dev)  # type: ignore[arg-type]

    def load(self, port: str, reason: str) -> None:
        """A load capacitor and a weak (100 MΩ Thevenin) path to mid-supply."""
        dev = Device(self.name("C", f"{port}_load"), "capacitor", (("p", port), ("n", self.ground)),
                     params={"c": Value.of(LOAD_C)})
        self.add(port, "load", LOAD_C, reason, dev)
        for rail, net in (("VDD", self.vdd_net), ("VSS", self.vss_net)):
            r = Device(self.name("R", f"{port}_weak_{rail.lower()}"), "resistor", (("p", port), ("n", net)),
                       params={"r": Value.of(WEAK_R)})
            self.add(port, "weak-path", WEAK_R,
                     f"{format_number(WEAK_R)}Ohm to {rail} (a 100 MOhm path to mid-supply, so that an output "
                     "no device pulls still has a DC level)", r)

    # ---- levels ------------------------------------------------------------------------
    def gate_level(self, net: str, cascode_step: float = _CASCODE_STEP) -> tuple[float, str]:
        """A DC level for a net from the gates and bases it drives, and why."""
        loads = self.topo.gate_loads(net)
        kinds = {(t.device.kind, t.polarity) for t in loads}
        vdd, vss = self.vdd, self.vss
        if not loads:
            return (vdd + vss) / 2, "drives no transistor gate or base: mid-supply"
        if kinds == {("mosfet", "n")}:
            at_rail = any(self.topo.rail(t.device.net("s")) == "vss" for t in loads)
            if at_rail:
                return (vss + self.vtn + _OVERDRIVE,
                        (f"drives NMOS gates with sources at VSS: VSS + Vthn ({_fmt(self.vtn)}) + "
                         f"{_fmt(_OVERDRIVE)} V overdrive"))
            v = min(vss + self.vtn + _OVERDRIVE + cascode_step, vdd - 0.1)
            return (v, (f"drives NMOS gates above VSS (tail or cascode): VSS + Vthn + "
                        f"{_fmt(_OVERDRIVE)} V + {_fmt(cascode_step)} V headroom"))
        if kinds == {("mosfet", "p")}:
            at_rail = any(self.topo.rail(t.device.net("s")) == "vdd" for t in loads)
            if at_rail:
                return (vdd - self.vtp - _OVERDRIVE,
                        (f"drives PMOS gates with sources at VDD: VDD - |Vthp| ({_fmt(self.vtp)}) - "
                         f"{_fmt(_OVERDRIVE)} V overdrive"))
            v = max(vdd - self.vtp - _OVERDRIVE - cascode_step, vss + 0.1)
            return (v, (f"drives PMOS gates below VDD (tail or cascode): VDD - |Vthp| - "
                        f"{_fmt(_OVERDRIVE)} V - {_fmt(cascode_step)} V headroom"))
        if kinds == {("bjt", "n")}:
            at_rail = any(self.topo.rail(t.device.net("e")) == "vss" for t in loads)
            v = vss + _VBE if at_rail else min(vss + _VBE + 0.3, vdd - 0.1)
            return v, "drives NPN bases: a Vbe (0.7 V) above " + ("VSS" if at_rail else "VSS plus 0.3 V headroom")
        if kinds == {("bjt", "p")}:
            at_rail = any(self.topo.rail(t.device.net("e")) == "vdd" for t in loads)
            v = vdd - _VBE if at_rail else max(vdd - _VBE - 0.3, vss + 0.1)
            return v, "drives PNP bases: a Vbe (0.7 V) below " + ("VDD" if at_rail else "VDD minus 0.3 V headroom")
        return (vdd + vss) / 2, "drives both N and P devices: mid-supply"

    # ---- port rules --------------------------------------------------------------------
    def run(self, floating: Sequence[str] = ()) -> None:
        present = [p for p in self.ports if p.lower() in self.top_nets]
        for p in self.ports:
            if p.lower() not in self.top_nets:
                self.choices.append(BiasChoice(p, "unused", 0.0, "port touches no device"))
        by_role: dict[str, list[str]] = {}
        for p in present:
            by_role.setdefault(self.roles[p], []).append(p)
        # supplies
        for p in by_role.get("vss", []):
            if p.lower() in GROUND_NAMES:
                self.choices.append(BiasChoice(p, "ground", 0.0, "is the reference node"))
            else:
                self.vsource(p, "ground", self.vss, "VSS is the 0 V reference")
        if by_role.get("vss"):
            self.vss_net = by_role["vss"][0]
        for p in by_role.get("vdd", []):
            self.vsource(p, "supply", self.vdd, f"process {self.proc.name} supply")
        if by_role.get("vdd"):
            self.vdd_net = by_role["vdd"][0]
        else:
            self.vdd_net = self.node("vdd")
            self.vsource(self.vdd_net, "supply", self.vdd,
                         f"no VDD port: process {self.proc.name} supply for the added loads")
        # inputs: VIN first (AC on the first one or the first pair)
        ac_given = False
        vins = by_role.get("input", [])
        for i, p in enumerate(vins):
            level, why = self.gate_level(p)
            ac, phase = 0.0, 0.0
            if i == 0:
                ac = 0.5 if len(vins) >= 2 else 1.0
                ac_given = True
            elif i == 1:
                ac, phase = 0.5, 180.0
            self.vsource(p, "input", level, "input common mode; " + why, ac=ac, phase=phase)
        for role in ("rf", "lo"):
            for p in by_role.get(role, []):
                level, why = self.gate_level(p)
                ac = 0.0
                if not ac_given and role == "rf":
                    ac, ac_given = 1.0, True
                self.vsource(p, "input", level, f"{role.upper()} input (static); " + why, ac=ac)
        # bias voltages
        for p in by_role.get("bias_voltage", []):
            self.bias_voltage(p)
        # bias currents
        for role in ("bias_current", "current_input"):
            for p in by_role.get(role, []):
                self.bias_current(p, role)
        # clocks: static levels
        for p in by_role.get("clock", []):
            m = re.search(r"(\d+)$", p)
            high = m is None or int(m.group(1)) % 2 == 1
            self.vsource(p, "clock", self.vdd if high else self.vss,
                         "static clock level: " + ("odd/unnumbered phase high (switches on)" if high
                                                   else "even phase low (switches off)"))
        # held current outputs
        for p in by_role.get("current_output", []):
            self.hold(p)
        # ambiguous ports: output when a transistor drives them from a rail, else an input
        for role in ("reference", "control", "common_mode", "if", "logic", "other"):
            for p in by_role.get(role, []):
                self.maybe_input(p, role)
        for p in by_role.get("output", []):
            self.load(p, "output load")
        for n in floating:
            # a cascode gate inside the circuit: one overdrive plus a tenth of the supply of headroom
            level, why = self.gate_level(n, cascode_step=_FLOATING_STEP * self.vdd)
            self.vsource(n, "bias-voltage", level, "internal net reaching only gates; " + why)
        self.leaks()

    def bias_voltage(self, p: str) -> None:
        diode = self.topo.diode(p)
        if diode is not None:
            pol = diode.polarity or "n"
            kind = "MOSFET" if diode.device.kind == "mosfet" else "BJT"
            into = pol == "n"
            self.isource(p, BIAS_CURRENT, into,
                         f"diode-connected {('N' if into else 'P')}-{kind} {diode.device.name}: "
                         f"{_fmt(BIAS_CURRENT * 1e6)} µA {'into' if into else 'out of'} the diode",
                         what="bias-current")
            return
        level, why = self.gate_level(p, cascode_step=_CASCODE_STEP + 0.05)
        self.vsource(p, "bias-voltage", level, why)

    def bias_current(self, p: str, role: str) -> None:
        into, out, tail = self.topo.current_votes(p)
        if into == out == 0:
            level, why = self.gate_level(p)
            self.vsource(p, "bias-voltage", level,
                         "current port with no DC path through a device, biased as a voltage; " + why)
            return
        if into >= out:
            self.isource(p, BIAS_CURRENT, True,
                         f"{_fmt(BIAS_CURRENT * 1e6)} µA from VDD into the net (it feeds NMOS drains, "
                         "PMOS sources or a load to VSS)")
        else:
            amps = 2 * BIAS_CURRENT if tail >= 2 else BIAS_CURRENT
            what = "a tail of " + str(tail) + " devices" if tail >= 2 else "PMOS drains, NMOS sources or a load to VDD"
            self.isource(p, amps, False, f"{_fmt(amps * 1e6)} µA out of the net to VSS (it feeds {what})")

    def hold(self, p: str) -> None:
        into, out, _ = self.topo.current_votes(p)
        if into > out:
            level, why = 0.8 * self.vdd + 0.2 * self.vss, "sinks current (NMOS/NPN): held at 0.8 VDD"
        elif out > into:
            level, why = 0.2 * self.vdd + 0.8 * self.vss, "sources current (PMOS/PNP): held at 0.2 VDD"
        else:
            level, why = (self.vdd + self.vss) / 2, "held at mid-supply"
        self.vsource(p, "hold", level, "current output " + why)

    def maybe_input(self, p: str, role: str) -> None:
        if self.topo.driven(p):
            self.load(p, f"{role} port driven from a rail through a transistor: treated as an output")
            return
        if role == "logic":
            self.vsource(p, "logic", self.vdd, "logic input held high")
            return
        level, why = self.gate_level(p)
        if role in ("reference", "control", "common_mode") and not self.topo.gate_loads(p):
            level, why = (self.vdd + self.vss) / 2, "reference/control input at mid-supply"
        self.vsource(p, "input", level, f"{role} input: " + why)

    def leaks(self) -> None:
        refs = {g.lower() for g in GROUND_NAMES} | {"0"}
        port_keys = [p.lower() for p in self.ports]
        for members in floating_groups(list(self.flat.devices) + self.devices, refs):
            top = [k for k in members if k in self.top_nets]
            if not top:
                continue
            ports = [k for k in port_keys if k in members]
            pick = self.top_nets[ports[0] if ports else top[0]]
            dev = Device(self.name("R", f"{pick}_leak"), "resistor", (("p", pick), ("n", self.ground)),
                         params={"r": Value.of(LEAK_R)})
            names = ", ".join(self.top_nets.get(k, k) for k in members[:6]) + ("..." if len(members) > 6 else "")
            self.add(pick, "leak", LEAK_R, f"no DC path to ground (nets {names})", dev)


def _break_inductor_loops(devices: list[Device], taken: set[str], nets: set[str],
                          prefix: str, broken: list[str]) -> list[Device]:
    """Inductors that close a loop of inductors and voltage sources get :data:`LOOP_R` in series.

    Such a loop is singular at DC (its current is undefined); the resistor makes it zero.
    """
    loops = VoltageLoops(grounds=GROUND_NAMES)
    out: list[Device] = []
    for d in devices:
        if is_voltage_like(d) and len(d.nets) >= 2:
            a, b = d.nets[0], d.nets[1]
            if d.kind == "inductor" and loops.closes(a, b):
                mid, i = f"cf_{d.name}_w", 1
                while mid.lower() in nets:
                    i += 1
                    mid = f"cf_{d.name}_w{i}"
                nets.add(mid.lower())
                rname, j = f"Rcf_{d.name}_w", 1
                while rname.lower() in taken:
                    j += 1
                    rname = f"Rcf_{d.name}_w{j}"
                taken.add(rname.lower())
                out.append(d.with_nets({d.nets[1]: mid}) if d.nets[0] != d.nets[1] else d)
                out.append(Device(rname, "resistor", (("p", mid), ("n", d.nets[1])),
                                  params={"r": Value.of(LOOP_R)}))
                broken.append(prefix + d.name)
                continue
            loops.add(d)
        out.append(d)
    return out


def floating_gate_nets(netlist: Netlist, ports: Sequence[str] = ()) -> list[str]:
    """Top-level nets that reach only MOSFET gates (nothing drives them) and are not among ``ports``.

    A cascode's gate left unconnected in a drawn topology is one: biased by
    nothing, it would sit at 0 V through a leak resistor.

    >>> from circuitforge.netlists import parse
    >>> floating_gate_nets(parse("* t\\nM1 d vc s 0 nmos\\nM2 s vin 0 0 nmos\\n"), ["vin"])
    ['vc']
    """
    skip = {p.lower() for p in ports} | {g.lower() for g in GROUND_NAMES}
    gates: dict[str, str] = {}
    driven: set[str] = set()
    for d in netlist.devices:
        for role, net in d.terminals:
            if d.kind == "mosfet" and role == "g":
                gates.setdefault(net.lower(), net)
            elif not (d.kind == "mosfet" and role == "b"):
                driven.add(net.lower())
    return [n for k, n in gates.items() if k not in driven and k not in skip]


def bias_default(netlist: Netlist, process: str | Process = "generic45", *,
                 ports: Sequence[str] | None = None, bias_floating_gates: bool = False) -> BiasedCircuit:
    """A copy of an unsized ``netlist`` with sizes, values, supplies, biases and loads added.

    ``ports`` defaults to ``netlist.ports`` (an AnalogGenie circuit's
    ``PortN.txt``); when both are empty, nets whose names have a role
    (:func:`~circuitforge.netlists.ports.port_role`) are used. See the module docstring for the rules.
    Raises :class:`ResolutionError` for an unknown process and
    :class:`ValidationError` for an instance of an undefined subcircuit that is
    not a built-in cell or a transistor whose polarity cannot be told. With
    ``bias_floating_gates`` the internal nets that reach only MOSFET gates
    (:func:`floating_gate_nets`, e.g. an unconnected cascode gate) get a
    voltage by the gate rule of ``VB`` ports (rule 4) instead of a leak to 0 V.

    >>> from circuitforge.netlists import parse
    >>> n = parse("M0 (VOUT1 VIN1 VSS VSS) nmos4\\nR0 (VDD VOUT1) resistor\\n", dialect="spectre")
    >>> b = bias_default(n, ports=["VDD", "VSS", "VIN1", "VOUT1"])
    >>> print(b.choice("VIN1"))
    VIN1: input 616mV (input common mode; drives NMOS gates with sources at VSS: VSS + Vthn (466m) + 150m V overdrive)
    """
    proc = get_process(process)
    if ports is None:
        ports = list(netlist.ports)
    if not ports:
        ports = [n for n in netlist.nets() if port_role(n) != "other"]
    work, cells = add_cells(netlist)
    filled: dict[str, list[str]] = {}
    subckts = {k: dataclasses.replace(s, devices=_with_values(s.devices, filled, f"{k}.")) for k, s in
               work.subckts.items()}
    work = _copy(work, devices=_with_values(work.devices, filled, ""), subckts=subckts)
    broken: list[str] = []
    subckts = {k: dataclasses.replace(s, devices=_break_inductor_loops(
        s.devices, {d.name.lower() for d in s.devices}, {n.lower() for n in s.nets()}, f"{k}.", broken))
        for k, s in work.subckts.items()}
    work = _copy(work, subckts=subckts, devices=_break_inductor_loops(
        work.devices, {d.name.lower() for d in work.devices}, {n.lower() for n in work.nets()}, "", broken))
    work = apply_process(work, proc)
    builder = _Builder(work, proc, ports)
    builder.run(floating_gate_nets(work, ports) if bias_floating_gates else ())
    choices: list[BiasChoice] = []
    for name in cells:
        choices.append(BiasChoice("", "cell", 0.0, f"built-in transistor-level definition of {name}"))
    if broken:
        shown = ", ".join(broken[:6]) + ("..." if len(broken) > 6 else "")
        choices.append(BiasChoice("", "winding-resistance", LOOP_R,
                                  f"inductors closing a loop of inductors (singular at DC): {shown}"))
    for kind, names in filled.items():
        val = _PASSIVE_DEFAULTS[kind][1]
        shown = ", ".join(names[:6]) + ("..." if len(names) > 6 else "")
        choices.append(BiasChoice("", "default-value", val, f"{kind}s without a value: {shown}"))
    out = _copy(work, devices=list(work.devices) + builder.devices, ports=list(ports))
    return BiasedCircuit(out, proc.name, builder.vdd, builder.vss, dict(builder.roles),
                         tuple(builder.choices + choices))
