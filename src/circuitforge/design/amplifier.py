"""Turn an unsized op-amp topology (AnalogGenie port names) into a measurable amplifier.

A generated or corpus op-amp has ports such as ``VDD VSS VIN1 VIN2 VOUT1 VB1 IB1`` and no sizes.
:func:`amplifier_from_topology` sizes it with :func:`~circuitforge.spice.bias.bias_default`, keeps
the bias sources that rule added for ``VB*``/``IB*`` ports (soft, rail-limited), drops the supply,
input and load sources (the testbenches bring their own), and finds which input is the inverting
one: the op-amp is put in the standard open-loop testbench (DC feedback through a 1 GH inductor
from the output to the inverting input) both ways round, and the way whose loop settles with a
positive, finite gain wins.

The result is an :class:`Amplifier`: a netlist and :class:`~circuitforge.spice.testbench.OpampPorts`
that :func:`~circuitforge.spice.measure.measure_opamp` and the sizing problems understand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..netlists import Device, Netlist
from ..netlists.errors import ValidationError
from ..netlists.values import Value
from ..spice.bias import BiasChoice, BiasedCircuit, bias_default, port_role
from ..spice.measure import Measurement, measure_opamp
from ..spice.testbench import OpampPorts

__all__ = ["Amplifier", "amplifier_from_topology", "opamp_port_names", "QUICK_MEASUREMENTS"]

QUICK_MEASUREMENTS: tuple[str, ...] = ("gain", "ugbw", "pm", "power")
"""What one open-loop AC run and its operating point give."""

_DROPPED = ("supply", "ground", "input", "load", "weak-path")
COMPLIANCE = 0.05
"""Volts below VDD over which an added bias current source rolls off (as :func:`bias_default` does)."""


@dataclass(frozen=True)
class Amplifier:
    """A sized op-amp netlist and the names of its ports.

    ``swapped`` is True when ``VIN2`` turned out to be the non-inverting input;
    ``quick`` holds the measurements (gain, UGBW, PM, power) that chose the orientation.
    """

    netlist: Netlist = field(hash=False)
    ports: OpampPorts
    biased: BiasedCircuit = field(hash=False, repr=False)
    swapped: bool = False
    quick: dict[str, Measurement] = field(default_factory=dict, hash=False, repr=False)

    def __repr__(self) -> str:
        g = self.quick.get("gain")
        gain = f", gain={g.value:.1f} dB" if g is not None and g.value is not None else ""
        return (f"Amplifier({self.netlist.title!r}, devices={len(self.netlist.devices)}, "
                f"inp={self.ports.inp}, inn={self.ports.inn}, out={self.ports.out}{gain})")


def opamp_port_names(ports: Sequence[str]) -> tuple[str, str, str, str, str]:
    """(VIN+, VIN-, VOUT, VDD, VSS) guessed from AnalogGenie port names, before the polarity test.

    >>> opamp_port_names(["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VB1"])
    ('VIN1', 'VIN2', 'VOUT1', 'VDD', 'VSS')

    Raises :class:`ValidationError` when the ports cannot be an op-amp (fewer than two inputs,
    no output, or no supplies); a fully differential amplifier (two outputs) is refused too: it
    needs common-mode feedback that these testbenches do not provide.
    """
    by_role: dict[str, list[str]] = {}
    for p in ports:
        by_role.setdefault(port_role(p), []).append(p)
    ins, outs = sorted(by_role.get("input", [])), sorted(by_role.get("output", []))
    vdd, vss = by_role.get("vdd", []), by_role.get("vss", [])
    if len(ins) != 2:
        raise ValidationError(f"an op-amp needs exactly two inputs, found {len(ins)} ({', '.join(ins) or 'none'})")
    if len(outs) != 1:
        raise ValidationError(f"a single-ended op-amp needs one output, found {len(outs)} "
                              f"({', '.join(outs) or 'none'}); fully differential outputs need CMFB")
    if len(vdd) != 1 or len(vss) != 1:
        raise ValidationError(f"need one VDD and one VSS port, found {vdd} and {vss}")
    return ins[0], ins[1], outs[0], vdd[0], vss[0]


MeasureFn = Callable[[Netlist, OpampPorts], dict[str, Measurement]]


def _default_measure(process: str) -> MeasureFn:
    def measure(net: Netlist, ports: OpampPorts) -> dict[str, Measurement]:
        return measure_opamp(net, process, which=QUICK_MEASUREMENTS, ports=ports)
    return measure


def _score(m: dict[str, Measurement]) -> float:
    gain, pm = m["gain"].value, m["pm"].value
    if gain is None or gain <= 0 or m["ugbw"].value is None:
        return float("-inf")
    return gain + (10.0 if pm is not None and pm > 0 else 0.0)


def _from_supply(device: Device, vdd: str, choice: BiasChoice) -> Device:
    """A bias current into a port, fed from ground, re-fed from ``vdd`` (so that the supply current counts
    it) and rolling off as the port nears ``v(vdd)`` rather than a fixed number (so that it still works
    inside a subcircuit at another supply)."""
    if device.terminals[0][1] != "0":  # a current drawn out of the port to ground: no supply current
        return device
    terms = ((device.terminals[0][0], vdd), *device.terminals[1:])
    port = device.terminals[1][1]
    expr = f"{choice.value:g}*tanh((v({vdd})-v({port}))/{COMPLIANCE:g})"
    return dataclasses.replace(device, terminals=terms, params={"I": Value.parse(expr)})


def amplifier_from_topology(topology: Netlist, process: str = "generic45", *,
                            measure: MeasureFn | None = None) -> Amplifier:
    """Size ``topology`` by :func:`bias_default` and find its inverting input (see the module doc).

    ``measure(netlist, ports)`` defaults to :func:`measure_opamp` (gain, UGBW, PM, power) in ngspice.
    Raises :class:`ValidationError` when the ports are not those of a single-ended op-amp or when
    neither orientation gives a positive gain.

    >>> from circuitforge.netlists import parse
    >>> ota = parse('''* 5T OTA
    ... M1 (X VIN1 T VSS) nmos4
    ... M2 (VOUT1 VIN2 T VSS) nmos4
    ... M3 (X X VDD VDD) pmos4
    ... M4 (VOUT1 X VDD VDD) pmos4
    ... M5 (T VB1 VSS VSS) nmos4
    ... ''', dialect="spectre")
    >>> ota = dataclasses.replace(ota, ports=["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VB1"])
    >>> amp = amplifier_from_topology(ota)
    >>> amp.ports.inp, amp.ports.inn, amp.quick["gain"].value > 20
    ('VIN1', 'VIN2', True)
    """
    inp, inn, out, vdd, vss = opamp_port_names(list(topology.ports))
    biased = bias_default(topology, process)
    dropped = {c.device.lower() for c in biased.choices if c.what in _DROPPED and c.device}
    # a source behind a series resistor (loop breaking) leaves its resistor and drive node: drop both
    dropped |= {c.device.lower() for c in biased.choices if c.what == "source-resistance"
                and c.port.lower() in {inp.lower(), inn.lower(), vdd.lower(), vss.lower()}}
    feeds = {c.device.lower(): c for c in biased.choices if c.what == "bias-current" and c.device}
    devices = [_from_supply(d, vdd, feeds[d.name.lower()]) if d.name.lower() in feeds else d
               for d in biased.netlist.devices if d.name.lower() not in dropped]
    net = dataclasses.replace(biased.netlist, devices=devices, statements=[])
    run = measure or _default_measure(process)
    tried: list[tuple[float, bool, OpampPorts, dict[str, Measurement]]] = []
    for swapped in (False, True):
        ports = OpampPorts(inn if swapped else inp, inp if swapped else inn, out, vdd, vss)
        m = run(net, ports)
        tried.append((_score(m), swapped, ports, m))
    best = max(tried, key=lambda t: t[0])
    if best[0] == float("-inf"):
        reasons = "; ".join(f"{'swapped' if s else 'as named'}: gain {m['gain'].value if m['gain'].value is not None else m['gain'].reason}"
                            for _, s, _, m in tried)
        raise ValidationError(f"{topology.title or 'topology'}: no orientation of the inputs amplifies ({reasons})")
    _, swapped, ports, m = best
    return Amplifier(net, ports, biased, swapped, m)
