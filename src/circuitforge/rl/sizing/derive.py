"""Sizing parameters derived from an arbitrary op-amp netlist (``SizingProblem.from_netlist``).

Rules, applied to the op-amp body (its ``.subckt``, or the top level when
the devices live there, as in AnalogGenie circuits):

1. Ports: given, or found by :func:`~circuitforge.netlists.ports.find_opamp_ports`:
   ``VDD*`` supply, ``VSS*``/``GND`` reference, two inputs (``VIN1``/``VIN2``,
   ``VINP``/``VINN``, ``INP``/``INN``, ``VIN+``/``VIN-`` ...), the (first)
   output, ``VB*`` bias voltages and ``IB*`` bias currents. Inputs named
   ``..P``/``..N`` (or ``+``/``-``) are taken at their word; otherwise
   (``VIN1``/``VIN2``) both assignments are candidates, and
   ``SizingProblem.from_netlist`` simulates each once and keeps the one whose
   DC loop settles the output nearer mid-supply (negative feedback). A
   single-input amplifier (one input port: the single-ended gain stages the
   corpus files as op-amps) is measured by the output-servo deck of
   :func:`~circuitforge.spice.testbench.open_loop_ac`; its two candidates are
   the inverting and the non-inverting reading, and the one with a positive
   gain at DC is kept. A single-input circuit whose input pair has its second
   gate on the output is an op-amp drawn as a follower: :func:`open_follower`
   moves that gate to a new inverting input port and it is sized as an op-amp.
2. Bias port values come from :func:`~circuitforge.spice.bias.bias_default`
   (10 µA currents, gate-rule voltages) and become parameters: currents
   ×/÷ ``span`` (log), voltages ±0.25 V within the rails (linear). When the
   op-amp is a subcircuit (no top level to bias) bias ports start at 10 µA
   and VDD/2; when biasing the top level fails, :class:`ProblemError` says why.
   Internal nets that reach only MOSFET gates (an unconnected cascode gate)
   become bias voltage ports too, started by the same gate rule
   (:func:`~circuitforge.spice.bias.floating_gate_nets`).
3. An **unsized** op-amp (a MOSFET without W or L, as in AnalogGenie) starts
   from its device roles (:func:`~circuitforge.netlists.structures.find_structures`:
   input pair, tail, cascode, load, gain stage, current source, bias network):
   the roles' matched groups share a width parameter (÷/× 8 around the start);
   signal-path groups get a length each and the bias network and current
   sources one length per polarity (``Lmin`` to ``16 Lmin``, at most 2 µm).
   The start (:func:`role_sizes`) spends :data:`POWER_BUDGET` in branch
   currents weighted by role, gives each role a length and an inversion
   coefficient (moderate for the input pair, strong for mirrors and
   sources) and derives the width from the card's specific current
   (:func:`specific_current`); bias current ports carry one branch current.
   A **sized** op-amp keeps its own values as the start, and MOSFETs that
   must match share a parameter: same polarity, bulk, width and length, and
   the same gate net (mirrors, cascode pairs), or gates on the two inputs
   and a shared source (a differential pair). Each group gets a width
   (×/÷ ``span`` around its value, at least the process' minimum, at most
   200 µm) and a length (÷2 to ×4, from the process' minimum to 2 µm).
4. Resistors, capacitors and internal DC current sources get a parameter
   ×/÷ ``span`` around their value (10 kΩ and 1 pF when they have none).
5. A fully differential op-amp keeps both outputs (the testbench measures
   the differential output); when a voltage bias port gates a transistor
   on an output (its loads), that port is offered as a common-mode servo
   (``DerivedSizing.cm_servo``) and ``SizingProblem.from_netlist`` keeps
   the deck, with or without it, whose outputs settle nearer mid-supply.

>>> from circuitforge.examples import example_path
>>> d = derive_sizing(example_path("opamp_miller45.cir"))
>>> len(d.params), [q.name for q in d.params][:4], len(d.candidates)
(15, ['i_IREF', 'c_CC', 'r_RZ', 'w_MB1'], 1)
>>> next(q for q in d.params if q.name == "w_M1_M2").sets
(('M1', 'W'), ('M2', 'W'))
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ...netlists import Device, Netlist
from ...netlists.errors import CircuitforgeError, ValidationError
from ...netlists.polarity import device_polarity
from ...netlists.model import ModelCard
from ...netlists.ports import OpampInterface, find_opamp_ports, port_role
from ...netlists.structures import Role, Structures, find_structures, follower_feedback
from ...netlists.values import Value
from ...spice.bias import BiasedCircuit, bias_default, floating_gate_nets
from ...spice.dut import load_circuit
from ...spice.models import Process, apply_process
from ...spice.models import process as get_process
from ...spice.testbench import BiasPort, OpampPorts
from ..errors import ProblemError
from .param import PORT_TARGET, SizingParam

__all__ = ["DerivedSizing", "derive_sizing", "infer_ports", "open_follower", "opamp_ports"]

_WMAX = 200e-6
_LMAX = 2e-6
_DEFAULT_R = 10e3
_DEFAULT_C = 1e-12


@dataclass(frozen=True, slots=True)
class DerivedSizing:
    """What :func:`derive_sizing` finds in an op-amp netlist: a ``name``, the ``netlist`` with process
    cards, default sizes and values, the sizing ``params``, the ``process`` name, the port assignments
    to try (``candidates``: one, or both input orders when the names do not tell) and the op-amp's
    ``subckt`` (None: top level); ``default_u``, the start point from device roles (None: the
    netlist's own values); ``cm_servo``, the bias port (and its sign) through which the testbench can
    hold the output common mode of a fully differential op-amp without common-mode feedback
    (:func:`~circuitforge.spice.testbench.open_loop_ac`); ``structures``, the device roles found;
    ``opened``, the transistors whose gates :func:`open_follower` moved from the output to a new
    inverting input (an op-amp drawn as a follower). ``SizingProblem.from_netlist`` turns it into a problem.
    """

    name: str
    netlist: Netlist
    params: tuple[SizingParam, ...]
    process: str
    candidates: tuple[OpampPorts, ...]
    subckt: str | None = None
    default_u: tuple[float, ...] | None = None
    cm_servo: tuple[str, float] | None = None
    structures: Structures | None = None
    opened: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"DerivedSizing({self.name!r}, params={len(self.params)}, candidates={len(self.candidates)})"


def _body_name(net: Netlist, subckt: str | None) -> str | None:
    if subckt is not None:
        if net.find_subckt(subckt) is None:
            raise ProblemError(f"no subcircuit {subckt!r} in {net.title!r} (have {list(net.subckts)})")
        return subckt
    if any(d.kind not in ("vsource", "isource") for d in net.devices):
        return None
    used = {d.model.lower() for s in net.subckts.values() for d in s.devices if d.kind == "subckt" and d.model}
    tops = [s.name for s in net.subckts.values() if s.name.lower() not in used]
    if len(tops) != 1:
        raise ProblemError(f"cannot tell which subcircuit is the op-amp among {tops or list(net.subckts)}; "
                           "pass subckt=...")
    return tops[0]


def opamp_ports(interface: OpampInterface, bias: Sequence[BiasPort] = ()) -> OpampPorts:
    """The testbench's :class:`OpampPorts` for a found interface (a fully differential op-amp keeps both
    outputs: the sizing testbench measures the differential output).

    >>> from circuitforge.netlists.ports import find_opamp_ports
    >>> opamp_ports(find_opamp_ports(["VDD", "VSS", "INN", "INP", "VOUTP", "VOUTN"])).names
    ('INP', 'INN', 'VOUTP', 'VOUTN', 'VDD', 'VSS')
    """
    return OpampPorts(inp=interface.inp, inn=interface.inn, out=interface.out, vdd=interface.vdd,
                      vss=interface.vss, bias=tuple(bias), outn=interface.outn)


def infer_ports(names: Sequence[str]) -> tuple[list[OpampPorts], list[str]]:
    """Candidate :class:`OpampPorts` from port names (two when the inputs' polarity is unknown), and bias ports.

    A single-input amplifier (one input port) gets two candidates too: inverting and non-inverting
    (:attr:`OpampPorts.inverting`). Raises :class:`ProblemError` with the finder's reason when the
    names are not an amplifier's.

    >>> cands, bias = infer_ports(["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "IB1"])
    >>> [(c.inp, c.inn) for c in cands], bias
    ([('VIN1', 'VIN2'), ('VIN2', 'VIN1')], ['IB1'])
    >>> [(c.inp, c.inn, c.inverting) for c in infer_ports(["VDD", "VSS", "VIN1", "VOUT1"])[0]]
    [('VIN1', None, True), ('VIN1', None, False)]
    """
    try:
        found = find_opamp_ports(list(names), single_input=True)
    except ValidationError as exc:
        raise ProblemError(f"cannot find the op-amp ports: {exc}; pass ports=OpampPorts(...)") from None
    if found.single_input:
        one = opamp_ports(found)
        return [one, dataclasses.replace(one, inverting=False)], list(found.bias)
    cands = [found] if found.polarity_known else [found, found.swapped()]
    return [opamp_ports(c) for c in cands], list(found.bias)


def _fill_values(devices: Sequence[Device]) -> list[Device]:
    out = []
    for d in devices:
        key = {"resistor": "r", "capacitor": "c"}.get(d.kind)
        if key is not None and (d.param(key) is None or d.param(key).number is None):  # type: ignore[union-attr]
            d = dataclasses.replace(d, params={**d.params, key: Value.of(_DEFAULT_R if key == "r" else _DEFAULT_C)})
        out.append(d)
    return out


def with_values(net: Netlist, body: str | None, proc: Process) -> tuple[Netlist, list[Device]]:
    """``net`` with the process cards and default MOSFET sizes (:func:`~circuitforge.spice.models.apply_process`)
    and values for resistors and capacitors without one, and the devices of its body (the subcircuit
    ``body``, or the top level)."""
    net = apply_process(net, proc)
    if body is not None:
        sub = net.find_subckt(body)
        key = next(k for k in net.subckts if k.lower() == body.lower())
        net = dataclasses.replace(net, subckts={**net.subckts, key: dataclasses.replace(
            sub, devices=_fill_values(sub.devices))})  # type: ignore[type-var]
        return net, list(net.subckts[key].devices)
    net = dataclasses.replace(net, devices=_fill_values(net.devices))
    return net, list(net.devices)


def _bias_choice(biased: BiasedCircuit, port: str) -> BiasPort:
    """The start value :func:`bias_default` gave a bias port (or a biased floating gate net)."""
    for c in biased.choices:
        if c.port.lower() == port.lower() and c.what in ("bias-current", "bias-voltage"):
            if c.what == "bias-current":
                return BiasPort(port, (-1.0 if "out of" in c.reason else 1.0) * c.value, "current")
            return BiasPort(port, c.value, "voltage")
    raise ProblemError(f"biasing gave port {port!r} neither a bias current nor a bias voltage")


def _bias_ports(net: Netlist, names: Sequence[str], bias: Sequence[str], proc: Process,
                body: str | None) -> tuple[BiasPort, ...]:
    """Bias ports with their start values, then the internal nets that reach only gates (voltages)."""
    floating = floating_gate_nets(net, names) if body is None else []
    if not bias and not floating:
        return ()
    if body is not None:  # a subcircuit: no top level to bias; documented defaults (rule 2)
        return tuple(BiasPort(n, 10e-6, "current") if port_role(n) == "bias_current"
                     else BiasPort(n, proc.vdd / 2, "voltage") for n in bias)
    try:
        biased = bias_default(net, proc, ports=list(names), bias_floating_gates=True)
    except CircuitforgeError as exc:
        raise ProblemError(f"cannot bias {net.title or 'the op-amp'!r} to start its bias ports "
                           f"{list(bias)}: {exc}") from exc
    return tuple(_bias_choice(biased, n) for n in [*bias, *floating])


# ---------------------------------------------------------------------------------------------
# the start point from device roles (gm/ID-style)
# ---------------------------------------------------------------------------------------------

POWER_BUDGET = 150e-6
"""Supply power (W) the role-based start point spends: the branch currents follow from it."""

_IC: Mapping[str, float] = {"input": 1.0, "cascode": 4.0, "load": 8.0, "gain": 8.0, "source": 8.0,
                            "tail": 8.0, "bias": 8.0}
"""Target inversion coefficient per role: the input pair in moderate inversion (gm/ID high), current
sources, mirrors and loads in strong inversion (matching, output resistance)."""
_L_MULT: Mapping[str, float] = {"input": 2.0, "cascode": 2.0, "load": 8.0, "gain": 4.0, "source": 8.0,
                                "tail": 8.0, "bias": 8.0}
"""Start length per role, in multiples of the process' minimum length."""
_I_MULT: Mapping[str, float] = {"input": 1.0, "cascode": 1.0, "load": 1.0, "gain": 2.0, "source": 2.0,
                                "tail": 2.0, "bias": 0.5}
"""Branch current per role, in units of one input transistor's current."""
_SHARED_L: frozenset[str] = frozenset({"bias", "source", "tail"})
"""Roles whose lengths share one parameter per polarity (the bias network and current sources)."""
_UT = 0.02585  # thermal voltage at 300 K (V)
_EPS_OX = 3.9 * 8.854e-12  # permittivity of SiO2 (F/m)


def specific_current(card: ModelCard) -> float:
    """Specific current per square ``2 n µ Cox UT²`` (A) of a MOSFET card (BSIM ``u0``, ``toxe``/``tox``; n = 1.3).

    A transistor of aspect ratio W/L at inversion coefficient IC conducts about
    ``IC · W/L · specific_current``.

    >>> from circuitforge.spice.models import process
    >>> round(specific_current(process("generic45").nmos) * 1e6, 2)
    2.35
    """
    u = next((v.number for k, v in card.params.items() if k.lower() in ("u0", "uo") and v.number), 0.03)
    if u > 1:  # cm²/Vs (SPICE level 1-3 and some BSIM cards)
        u *= 1e-4
    tox = next((v.number for k, v in card.params.items() if k.lower() in ("toxe", "tox") and v.number), 4e-9)
    return 2 * 1.3 * u * (_EPS_OX / tox) * _UT ** 2


def role_sizes(structures: Structures, devices: Sequence[Device], proc: Process, *, vss: str,
               power: float = POWER_BUDGET) -> tuple[dict[str, tuple[float, float]], float]:
    """Start (W, L) per MOSFET from its role, and the unit branch current (A).

    The unit current ``I`` is ``power / VDD`` shared among the branches that return to ``vss``
    through an NMOS (weighted by role: a tail or second stage carries ``2 I``, a bias branch
    ``I / 2``); a transistor of role r then carries ``_I_MULT[r] · I`` at length ``_L_MULT[r] · Lmin``
    and inversion coefficient ``_IC[r]``, which gives its width. Mirrored devices (same gate and
    source) share the inversion coefficient of their role, so their widths keep the current ratio.
    """
    mos = [d for d in devices if d.kind == "mosfet" and d.name in structures.roles]
    rails = {vss.lower(), "0", "gnd", "gnd!"}
    weight = sum(_I_MULT[structures.roles[d.name]] for d in mos
                 if structures.polarity.get(d.name) == "n" and d.net("s").lower() in rails)
    unit = power / proc.vdd / max(weight, 2.0)
    out = {}
    for d in mos:
        role: Role = structures.roles[d.name]
        card = proc.pmos if structures.polarity.get(d.name) == "p" else proc.nmos
        length = _L_MULT[role] * proc.lmin
        width = _I_MULT[role] * unit * length / (specific_current(card) * _IC[role])
        out[d.name] = (min(max(width, proc.wmin), _WMAX), min(length, _LMAX))
    return out, unit


def _role_params(structures: Structures, sizes: Mapping[str, tuple[float, float]],
                 proc: Process) -> tuple[list[SizingParam], list[float]]:
    """Width per matched group (÷/× 8 around its start), length per signal-path group and one shared
    length per polarity for the bias network and current sources (from Lmin to 16 Lmin, at most 2 µm)."""
    params: list[SizingParam] = []
    start: list[float] = []
    lhi = min(_LMAX, 16 * proc.lmin)
    shared: dict[str, list[str]] = {}
    for g in structures.groups:
        role = structures.roles[g[0]]
        w0, l0 = sizes[g[0]]
        label = "_".join(g)
        wlo, whi = max(proc.wmin, w0 / 8), min(_WMAX, max(w0 * 8, proc.wmin * 4))
        params.append(SizingParam(f"w_{label}", wlo, whi, True, "m", tuple((n, "W") for n in g),
                                  f"width of {', '.join(g)} ({role})"))
        start.append(min(max(w0, wlo), whi))
        if role in _SHARED_L:
            shared.setdefault(structures.polarity.get(g[0]) or "n", []).extend(g)
            continue
        params.append(SizingParam(f"l_{label}", proc.lmin, lhi, True, "m", tuple((n, "L") for n in g),
                                  f"length of {', '.join(g)} ({role})"))
        start.append(min(max(l0, proc.lmin), lhi))
    for pol, names in sorted(shared.items()):
        params.append(SizingParam(f"l_bias_{pol}", proc.lmin, lhi, True, "m", tuple((n, "L") for n in names),
                                  f"length of the {pol}-type bias network and current sources"))
        start.append(min(_L_MULT["bias"] * proc.lmin, lhi))
    return params, start


def _cm_servo(structures: Structures, devices: Sequence[Device], ports: OpampPorts) -> tuple[str, float] | None:
    """A voltage bias port gating a transistor whose drain is an output (the loads of a fully
    differential op-amp), and which way raising it moves the output common mode."""
    if ports.outn is None:
        return None
    outs = {ports.out.lower(), ports.outn.lower()}
    volts = {b.name.lower(): b.name for b in ports.bias if b.kind == "voltage"}
    for d in devices:
        if d.kind == "mosfet" and d.net("d").lower() in outs and d.net("g").lower() in volts:
            return volts[d.net("g").lower()], (-1.0 if structures.polarity.get(d.name) == "p" else 1.0)
    return None


def _group_key(d: Device, inputs: set[str]) -> tuple:
    w, l_ = d.param("w"), d.param("l")
    gate = d.net("g").lower()
    # a differential pair shares its source; other matched devices share their gate (mirrors, cascode pairs)
    where = ("<inputs>", d.net("s").lower()) if gate in inputs else (gate, "")
    return (device_polarity(None, d), d.net("b").lower() if "b" in d.roles else "",
            w.number if w is not None else None, l_.number if l_ is not None else None, *where)


def derive_sizing(netlist: Netlist | str | os.PathLike[str], *, ports: OpampPorts | None = None,
                  process: str | Process = "generic45", subckt: str | None = None, name: str | None = None,
                  span: float = 4.0) -> DerivedSizing:
    """Sizing parameters and ranges from the op-amp's devices, and the port assignments to try (rules above).

    Raises :class:`ProblemError` naming the circuit when the ports cannot be found, biasing fails or
    nothing is sizable.
    """
    if span <= 1:
        raise ProblemError(f"span must be > 1, got {span}")
    proc = get_process(process)
    net = load_circuit(netlist)
    body = _body_name(net, subckt)
    drawn = net.find_subckt(body).devices if body is not None else net.devices  # type: ignore[union-attr]
    unsized = any(d.kind == "mosfet" and (d.param("w") is None or d.param("l") is None) for d in drawn)
    if body is not None:
        port_names: Sequence[str] = net.find_subckt(body).ports  # type: ignore[union-attr]
    else:
        port_names = list(net.ports) or [n for n in net.nets() if port_role(n) != "other"]
    if ports is not None:
        candidates, bias_names = [ports], []
    else:
        candidates, bias_names = infer_ports(port_names)
    opened: tuple[str, ...] = ()
    if ports is None and candidates[0].single_input and body is None:
        net, opened = open_follower(net, candidates[0])
        if opened:  # an op-amp wired as a follower: its inverting input is a port now
            port_names = list(net.ports) or [n for n in net.nets() if port_role(n) != "other"]
            candidates, bias_names = infer_ports(port_names)
    # sizes and values first, so that every parameter has a value to centre its range on
    net, devices = with_values(net, body, proc)
    bias = tuple(ports.bias) if ports is not None else _bias_ports(net, port_names, bias_names, proc, body)
    first = candidates[0]
    ins = (first.inp,) if first.inn is None else (first.inp, first.inn)
    inputs = {n.lower() for n in ins}
    outs = (first.out,) if first.outn is None else (first.out, first.outn)
    mos = [d for d in devices if d.kind == "mosfet" and d.model]
    found = find_structures(mos, inputs=ins, outputs=outs, vdd=first.vdd, vss=first.vss,
                            bias=[b.name for b in bias], netlist=net)
    # roles need the input pair of an op-amp, or the input transistor of a single-input stage
    roles = unsized and ports is None and (bool(found.pairs) or (first.single_input and "input" in
                                                                   found.roles.values()))
    sizes, unit = role_sizes(found, mos, proc, vss=first.vss) if roles else ({}, 0.0)
    if roles:  # bias currents: one unit branch current each
        bias = tuple(dataclasses.replace(b, value=math.copysign(unit, b.value))
                     if b.kind == "current" else b for b in bias)
    candidates = [dataclasses.replace(c, bias=bias) for c in candidates]

    params: list[SizingParam] = []
    params += bias_params(bias, proc, span)
    groups: dict[tuple, list[Device]] = {}
    if not roles:
        for d in devices:
            if d.kind == "mosfet" and d.model:
                groups.setdefault(_group_key(d, inputs), []).append(d)
    params += passive_params(devices, span)
    params += group_params(list(groups.values()), proc, span)
    default_u = None
    if roles:
        n_before = len(params)
        more, start = _role_params(found, sizes, proc)
        params += more
        values = {(dev.lower(), key.lower()): v for (dev, key), v in _current_values(net, body, params).items()}
        x0 = [values.get((q.sets[0][0].lower(), q.sets[0][1].lower()), q.to_x(0.5)) if q.sets else q.to_x(0.5)
              for q in params[:n_before]] + start
        bias_of = {b.name.lower(): abs(b.value) for b in bias}
        x0 = [bias_of.get(q.sets[0][1].lower(), x) if q.sets and q.sets[0][0] == PORT_TARGET else x
              for q, x in zip(params, x0)]
        default_u = tuple(q.to_u(min(max(x, q.low), q.high)) for q, x in zip(params, x0))
    if not params:
        raise ProblemError(f"no sizable devices in {net.title!r} (MOSFETs, R, C, current sources, bias ports)")
    title = name or body or (net.title or "opamp").split()[0]
    return DerivedSizing(title, net, tuple(params), proc.name, tuple(candidates), body, default_u,
                         _cm_servo(found, mos, candidates[0]), found, opened)


def open_follower(net: Netlist, ports: OpampPorts) -> tuple[Netlist, tuple[str, ...]]:
    """A single-input amplifier that is an op-amp wired as a follower
    (:func:`~circuitforge.netlists.structures.follower_feedback`: the input pair's second gate on the
    output) with that loop opened: those gates move to a new input port (``VINN``, or ``VIN_FBN`` when
    the name is taken), which the names mark as the inverting input; and the devices moved (empty,
    and ``net`` unchanged, when there is no such pair).

    >>> from circuitforge.netlists import parse
    >>> net = parse("* follower\\nM1 x VIN1 t 0 nmos\\nM2 VOUT1 VOUT1 t 0 nmos\\nI1 t 0 1u\\n.end\\n")
    >>> net.ports = ["VDD", "VSS", "VIN1", "VOUT1"]
    >>> opened, moved = open_follower(net, OpampPorts(inp="VIN1", inn=None, out="VOUT1", vdd="VDD", vss="VSS"))
    >>> moved, opened.device("M2").nets, opened.ports[-1]
    (('M2',), ('VOUT1', 'VINN', 't', '0'), 'VINN')
    """
    moved = follower_feedback(net.devices, inp=ports.inp, out=ports.out, netlist=net)
    if not moved:
        return net, ()
    taken = {n.lower() for n in net.nets()} | {p.lower() for p in net.ports}
    name = next(n for n in ("VINN", "VIN_FBN", "VIN_FBM") if n.lower() not in taken)  # names that read as inverting
    # the gate terminal alone: a diode-connected partner keeps its drain on the output
    devices = [dataclasses.replace(d, terminals=tuple((r, name if r == "g" else n) for r, n in d.terminals))
               if d.name in moved else d for d in net.devices]
    return dataclasses.replace(net, devices=devices, ports=[*net.ports, name] if net.ports else []), tuple(moved)


def bias_params(bias: Sequence[BiasPort], proc: Process, span: float) -> list[SizingParam]:
    """Rule 2: a parameter per bias port, currents ×/÷ ``span`` (log), voltages ±0.25 V within the rails."""
    params = []
    for b in bias:
        if b.kind == "current":
            i0 = abs(b.value)
            params.append(SizingParam(f"i_{b.name}", i0 / span, i0 * span, True, "A", ((PORT_TARGET, b.name),),
                                      f"bias current into port {b.name}"))
        else:
            lo, hi = max(0.0, b.value - 0.25), min(proc.vdd, b.value + 0.25)
            params.append(SizingParam(f"v_{b.name}", lo, hi, False, "V", ((PORT_TARGET, b.name),),
                                      f"bias voltage of port {b.name}"))
    return params


def passive_params(devices: Sequence[Device], span: float) -> list[SizingParam]:
    """Rule 4: a parameter ×/÷ ``span`` around the value of every resistor, capacitor and internal DC
    current source (with a positive value)."""
    params = []
    for d in devices:
        if d.kind in ("resistor", "capacitor"):
            key = "r" if d.kind == "resistor" else "c"
            v = d.param(key).number  # type: ignore[union-attr]
            if v is not None and v > 0:
                params.append(SizingParam(f"{key}_{d.name}", v / span, v * span, True,
                                          "Ohm" if key == "r" else "F", ((d.name, key),), f"{d.kind} {d.name}"))
        elif d.kind == "isource":
            dc = d.param("dc")
            if dc is not None and dc.number is not None and dc.number > 0:
                params.append(SizingParam(f"i_{d.name}", dc.number / span, dc.number * span, True, "A",
                                          ((d.name, "dc"),), f"current source {d.name}"))
    return params


def group_params(groups: Sequence[Sequence[Device]], proc: Process, span: float, *,
                 wmax: float = _WMAX) -> list[SizingParam]:
    """Rule 3 for sized MOSFETs: per matched group (devices of equal W and L), a width ×/÷ ``span``
    around its value (at least the process' minimum, at most ``wmax``) and a length ÷2 to ×4 (from
    the process' minimum to 2 µm)."""
    params = []
    for devs in groups:
        w, l_ = devs[0].param("w"), devs[0].param("l")
        w0, l0 = (w.number if w is not None else None), (l_.number if l_ is not None else None)
        if w0 is None or l0 is None:
            continue
        label = "_".join(d.name for d in devs)
        wlo, whi = max(proc.wmin, w0 / span), min(wmax, max(w0 * span, proc.wmin * 2))
        llo, lhi = max(proc.lmin, l0 / 2), min(_LMAX, max(l0 * 4, proc.lmin * 2))
        names = tuple(d.name for d in devs)
        if wlo < whi:
            params.append(SizingParam(f"w_{label}", wlo, whi, True, "m", tuple((n, "W") for n in names),
                                      f"width of {', '.join(names)}"))
        if llo < lhi:
            params.append(SizingParam(f"l_{label}", llo, lhi, True, "m", tuple((n, "L") for n in names),
                                      f"length of {', '.join(names)}"))
    return params


def _current_values(net: Netlist, body: str | None, params: Sequence[SizingParam]) -> dict[tuple[str, str], float]:
    """The values the netlist gives the device parameters that ``params`` write."""
    devices = {d.name.lower(): d for d in (net.find_subckt(body).devices if body is not None  # type: ignore[union-attr]
                                           else net.devices)}
    out = {}
    for q in params:
        for dev, key in q.sets:
            d = devices.get(dev.lower())
            v = d.param(key) if d is not None else None
            if v is not None and v.number is not None:
                out[(dev, key)] = v.number
    return out


def start_u(params: Sequence[SizingParam], devices: Sequence[Device], bias: Sequence[BiasPort],
            start: Mapping[str, float] | None = None) -> tuple[float, ...]:
    """The start point in the unit cube: ``start[name]`` where given, else the value of the first device
    parameter (or bias port) a parameter writes, clipped to its range, else the middle of the range."""
    start = start or {}
    values = {(d.name.lower(), k.lower()): v.number for d in devices for k, v in d.params.items()
              if v.number is not None}
    bias_of = {b.name.lower(): abs(b.value) for b in bias}
    u = []
    for q in params:
        dev, key = q.sets[0]
        x = start.get(q.name, bias_of.get(key.lower()) if dev == PORT_TARGET else values.get((dev.lower(), key.lower())))
        u.append(float(q.to_u(q.to_x(0.5) if x is None else min(max(float(x), q.low), q.high))))
    return tuple(u)
