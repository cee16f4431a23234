"""Comparator sizing problems: a comparator netlist, its sizing parameters, and one deck per design.

:class:`ComparatorSizingProblem` is a :class:`~.problem.TestbenchSizingProblem` whose evaluation deck is the
``decide`` testbench of :func:`~circuitforge.spice.comparator.comparator_testbench` (one transient:
the differential input alternates ±``ovd`` through a source resistance, one level per clock cycle
for a clocked comparator, every half ``step_period`` for a continuous one) and whose measurements are
:data:`COMPARATOR_MEASURES` (:mod:`circuitforge.spice.comparator` defines them): the fraction of
right decisions, the worst propagation delay, the kickback (clocked only) and the mean supply power.
The input offset needs the second (``offset``) deck and is left to
:func:`~circuitforge.spice.comparator.measure_comparator` (:func:`design_offset`).
The conditions are :class:`~circuitforge.spice.comparator.ComparatorConditions`' (VDD = the process
supply, VCM = VDD/2, ±10 mV through 1 kΩ, 20 fF per output, a 10 ns clock).

:func:`derive_comparator_sizing` derives the parameters from the comparator's own devices, as
:func:`~.ldo.derive_ldo_sizing` does for LDOs:

1. Ports: :meth:`ComparatorPorts.find <circuitforge.spice.comparator.ComparatorPorts.find>` (two
   inputs, one or two outputs, the first two clock ports as the clock and its complement). Further
   clock ports (``VCLK3``...) run with the clock; ``VREF*`` and ``VCM*`` ports are held at the input
   common mode; ``VB*``/``IB*`` ports and internal nets that reach only gates are bias ports, started
   by :func:`~circuitforge.spice.bias.bias_default`'s gate rule, and become parameters (currents
   ×/÷ ``span``, voltages ±0.25 V). Any other port (``VCONT*`` controls, ``LOGICQ*`` logic,
   current inputs) has no drive in the testbench: :class:`ProblemError` names it.
2. Every MOSFET starts at the process' default size (an AnalogGenie comparator is unsized; a sized
   one keeps its own), matched devices share a width and a length (same polarity, bulk, size and gate
   net, or gates on the two inputs with a shared source: the input pair, or each gate on the other's
   drain: a latch's cross-coupled pair), ×/÷ ``span`` and ÷2 to ×4
   (:func:`~.derive.group_params`); resistors, capacitors and current sources ×/÷ ``span``
   (:func:`~.derive.passive_params`).
3. Inputs named ``VIN1``/``VIN2`` do not say which is the non-inverting one:
   :meth:`ComparatorSizingProblem.from_netlist` simulates the start design both ways and keeps the
   one with more right decisions (then the shorter delay); ``INP``/``INN`` are taken at their word.

>>> COMPARATOR_MEASURES
('decision', 'delay', 'kickback', 'power')
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ...netlists import Device, Netlist
from ...netlists.errors import ValidationError
from ...netlists.polarity import device_polarity
from ...netlists.ports import port_role
from ...spice.comparator import (
    COMPARATOR_UNITS, ComparatorConditions, ComparatorPorts, comparator_measurement, comparator_testbench,
    measure_comparator,
)
from ...spice.dut import load_circuit
from ...spice.measure import Measurement
from ...spice.models import Process
from ...spice.models import process as get_process
from ...spice.results import SimResult
from ...spice.simulator import Simulator, simulate
from ...spice.testbench import BiasPort, Testbench
from ..errors import ProblemError
from .derive import _bias_ports, _body_name, _group_key, bias_params, group_params, passive_params, start_u, with_values
from .problem import TestbenchSizingProblem

__all__ = ["COMPARATOR_MEASURES", "COMPARATOR_MODEST", "COMPARATOR_MEDIUM", "ComparatorSizingProblem",
           "derive_comparator_sizing", "design_offset"]

COMPARATOR_MEASURES: tuple[str, ...] = ("decision", "delay", "kickback", "power")
"""What one comparator evaluation deck measures (the ``decide`` deck's part of
:data:`~circuitforge.spice.comparator.COMPARATOR_MEASUREMENTS`)."""

COMPARATOR_MODEST = "decision>=1,delay<=5ns"
"""A modest comparator spec at the default conditions: all four decisions right at ±10 mV through
1 kΩ, each within 5 ns (half a clock period: a clocked comparator that decides in its evaluation
phase meets it; a continuous one needs a fast open-loop stage)."""
COMPARATOR_MEDIUM = "decision>=1,delay<=1ns,power<=100uW"
"""A medium comparator spec at the same conditions: decided within 1 ns, under 100 µW from the supply."""

_HELD = frozenset({"reference", "common_mode"})
"""Port roles the testbench holds at the input common mode."""
_SIZED = frozenset({"bias_voltage", "bias_current"})


@dataclass(frozen=True, eq=False)
class ComparatorSizingProblem(TestbenchSizingProblem):
    """A comparator and its sizing parameters; evaluates designs with one ``decide`` transient each.

    Fields as :class:`~.problem.SizingProblem`'s, with ``ports`` a
    :class:`~circuitforge.spice.comparator.ComparatorPorts` (its ``bias`` holds the sized bias ports
    and the held references) and ``conditions`` the testbench's
    :class:`~circuitforge.spice.comparator.ComparatorConditions` (``cl``, ``ac``, ``servo`` are unused).
    """

    ports: ComparatorPorts = ComparatorPorts()  # type: ignore[assignment]
    conditions: ComparatorConditions = ComparatorConditions()

    measures: ClassVar[tuple[str, ...]] = COMPARATOR_MEASURES
    primary: ClassVar[str] = "decision"
    family: ClassVar[str] = "comparator"

    units: ClassVar[Mapping[str, str]] = COMPARATOR_UNITS
    out_role: ClassVar[str] = "sig"

    def _build_testbench(self, net: Netlist) -> Testbench:
        return comparator_testbench(net, self.process, kind="decide", ports=self.ports,
                                    conditions=self.conditions, subckt=self.subckt)

    def _measurement(self, what: str, tb: Testbench, result: SimResult) -> Measurement:
        return comparator_measurement(what, tb, result)

    @classmethod
    def from_netlist(cls, netlist: Netlist | str, *, ports: ComparatorPorts | None = None,  # type: ignore[override]
                     process: str | Process = "generic180", subckt: str | None = None,
                     name: str | None = None, span: float = 4.0, simulator: Simulator | None = None,
                     conditions: ComparatorConditions = ComparatorConditions()) -> ComparatorSizingProblem:
        """Sizing parameters and ranges derived from a comparator's own devices (module docstring),
        the input order picked by simulating the start design (rule 3) unless ``ports`` are given."""
        probs = derive_comparator_sizing(netlist, ports=ports, process=process, subckt=subckt, name=name,
                                         span=span, conditions=conditions)
        return probs[0] if len(probs) == 1 else _pick_order(probs, simulator)


def _pick_order(probs: list[ComparatorSizingProblem], simulator: Simulator | None) -> ComparatorSizingProblem:
    """The candidate whose start design decides best (most right decisions, then the shortest delay)."""
    best, score = probs[0], (-1.0, -math.inf)
    for p in probs:
        m = p.evaluate([p.default_x], simulator)[0]
        right, delay = m["decision"].value, m["delay"].value
        s = (right if right is not None else -1.0, -delay if delay is not None else -math.inf)
        if s > score:
            best, score = p, s
    return best


def _cross_coupled(a: Device, b: Device) -> bool:
    """Each one's gate on the other's drain, same polarity, bulk and size (a latch's pair)."""
    def key(d: Device) -> tuple:
        w, l_ = d.param("w"), d.param("l")
        return (device_polarity(None, d), d.net("b").lower() if "b" in d.roles else "",
                w.number if w is not None else None, l_.number if l_ is not None else None)
    return (a.net("g").lower() == b.net("d").lower() and b.net("g").lower() == a.net("d").lower()
            and key(a) == key(b))


def _matched_groups(mos: list[Device], inputs: set[str]) -> list[list[Device]]:
    """Matched MOSFET groups (:func:`~.derive._group_key`: the input pair by its shared source, mirrors
    and switches by their gate net), and a latch's cross-coupled pairs as one group (the first one's
    place kept): a latch sized asymmetrically has an offset."""
    groups: dict[tuple, list[Device]] = {}
    for d in mos:
        groups.setdefault(_group_key(d, inputs), []).append(d)
    singles = [g for g in groups.values() if len(g) == 1]
    merged: set[int] = set()  # ids of the single groups already paired
    for i, g in enumerate(singles):
        if id(g) in merged:
            continue
        h = next((h for h in singles[i + 1:] if id(h) not in merged and _cross_coupled(g[0], h[0])), None)
        if h is not None:
            g.append(h[0])
            merged |= {id(g), id(h)}
    return [g for g in groups.values() if len(g) > 1 or id(g) not in merged]


def derive_comparator_sizing(netlist: Netlist | str | os.PathLike[str], *, ports: ComparatorPorts | None = None,
                             process: str | Process = "generic180", subckt: str | None = None,
                             name: str | None = None, span: float = 4.0,
                             conditions: ComparatorConditions = ComparatorConditions()
                             ) -> list[ComparatorSizingProblem]:
    """The :class:`ComparatorSizingProblem` candidates of a comparator netlist (rules in the module
    docstring): one, or both input orders when the names do not tell.

    Raises :class:`ProblemError` naming what is missing when the ports cannot be found or have no
    drive in the testbench, biasing fails or nothing is sizable.
    """
    if span <= 1:
        raise ProblemError(f"span must be > 1, got {span}")
    proc = get_process(process)
    net = load_circuit(netlist)
    body = _body_name(net, subckt)
    if body is not None:
        port_names: list[str] = list(net.find_subckt(body).ports)  # type: ignore[union-attr]
    else:
        port_names = list(net.ports) or [n for n in net.nets() if port_role(n) != "other"]
    given = ports is not None
    if ports is None:
        try:
            ports = ComparatorPorts.find(port_names)
        except ValidationError as exc:
            raise ProblemError(f"cannot find the comparator ports: {exc}; pass ports=ComparatorPorts(...)") from None
    taken = {n.lower() for n in ports.names}
    rest = [n for n in port_names if n.lower() not in taken]
    clocks = [n for n in rest if port_role(n) == "clock"]
    held = [n for n in rest if port_role(n) in _HELD]
    sized = [n for n in rest if port_role(n) in _SIZED]
    undriven = [n for n in rest if n not in clocks + held + sized]
    if undriven:
        roles = "/".join(dict.fromkeys(port_role(n) for n in undriven))
        raise ProblemError(f"comparator interface: no drive in the testbench for {roles} ports "
                           f"{[f'{n} ({port_role(n)})' for n in undriven]}")
    if clocks:
        if body is not None or ports.clk is None:
            raise ProblemError(f"comparator interface: cannot drive the further clock ports {clocks} "
                               f"({'inside a subcircuit' if body is not None else 'without a first clock'})")
        tie = {c: ports.clk for c in clocks}  # further clocks run with the first
        net = dataclasses.replace(net, devices=[d.with_nets(tie) for d in net.devices])
        port_names = [n for n in port_names if n not in clocks]
    net, devices = with_values(net, body, proc)
    c = conditions
    vcm = (proc.vdd if c.vdd is None else c.vdd) / 2 if c.vcm is None else c.vcm
    if not ports.bias:
        bias = _bias_ports(net, port_names, sized, proc, body)
        ports = dataclasses.replace(ports, bias=(*bias, *(BiasPort(n, vcm, "voltage") for n in held)))
    held_names = {n.lower() for n in held}
    params = bias_params([b for b in ports.bias if b.name.lower() not in held_names], proc, span)
    mos = [d for d in devices if d.kind == "mosfet" and d.model]
    inputs = {ports.inp.lower(), ports.inn.lower()}
    params += passive_params(devices, span)
    params += group_params(_matched_groups(mos, inputs), proc, span)
    if not params:
        raise ProblemError(f"no sizable devices in {net.title!r} (MOSFETs, R, C, current sources, bias ports)")
    default_u = start_u(params, devices, ports.bias)
    title = name or body or (net.title or "comparator").split()[0]
    orders = [ports]
    if not given and re.search(r"\d$", ports.inp) and re.search(r"\d$", ports.inn):
        orders.append(dataclasses.replace(ports, inp=ports.inn, inn=ports.inp))
    return [ComparatorSizingProblem(title, net, tuple(params), proc.name, p, body, default_u=default_u,
                                    conditions=conditions) for p in orders]


def design_offset(problem: ComparatorSizingProblem, x: Any, simulator: Any = None) -> tuple[float | None, str]:
    """(V, reason when None): the input offset of design ``x`` (physical values) from the comparator's
    ``offset`` deck (:func:`~circuitforge.spice.comparator.measure_comparator`): a DC sweep of a
    continuous one, a ramp of decisions over 40 clock cycles of a clocked one (±20 mV)."""
    run = simulator.run if simulator is not None else simulate
    m = measure_comparator(problem.netlist_for(x), problem.process, which=("offset",), simulate=run,
                           ports=problem.ports_for(x), conditions=problem.conditions,
                           subckt=problem.subckt)["offset"]
    return m.value, m.reason or ""
