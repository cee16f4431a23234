"""LDO sizing problems: an LDO netlist, its sizing parameters, and one deck per design.

:class:`LdoSizingProblem` is a :class:`~.problem.TestbenchSizingProblem` whose evaluation deck is the LDO
testbench of :func:`~circuitforge.spice.ldo.ldo_testbench` (``sweep="vin"``: operating point, a DC
sweep of VIN, AC on VIN and a load step, one simulation per design) and whose measurements are
:data:`LDO_MEASURES` (:mod:`circuitforge.spice.ldo` defines them): the output, the dropout, the
line regulation, the PSRR at 1 kHz and the load-step undershoot. Load regulation and quiescent
current need the second (load-sweep) deck and are left to :func:`~circuitforge.spice.ldo.measure_ldo`.
The conditions are :class:`~circuitforge.spice.ldo.LdoConditions`' (VIN = the process supply, 1 mA,
100 pF) except VREF, which defaults to VIN/3 here: many corpus LDOs divide VOUT by two before the
error amplifier, and VIN/2 would put their target at VIN, in dropout; and a separate supply
(``VDD`` beside ``VIN1``) is held at the process supply, so that line regulation and PSRR are
those from the regulated input.

:func:`derive_ldo_sizing` derives the parameters from the LDO's own devices, as
:func:`~.derive.derive_sizing` does for op-amps:

1. Ports: :meth:`LdoPorts.find <circuitforge.spice.ldo.LdoPorts.find>` with the devices (several
   outputs resolve to the pass transistor's); ``VB*``/``IB*`` ports and internal nets that reach
   only gates are bias ports, started by :func:`~circuitforge.spice.bias.bias_default`'s gate rule
   with the unregulated input counted as the supply (the testbench ties a separate VDD to it), and
   become parameters (currents ×/÷ ``span``, voltages ±0.25 V).
2. The pass transistors (:func:`~circuitforge.spice.ldo.pass_devices`: channel from VIN to VOUT)
   share a width started where they carry the nominal load at inversion coefficient 8 and length
   ``2 Lmin`` (÷8 to ×4 around it, at most 5 mm; a sized pass device starts at its own size) and a
   length (``Lmin`` to ``4 Lmin``).
3. Every other MOSFET starts at the process' default size (an AnalogGenie LDO is unsized) and
   matched devices share a width and a length (same polarity, bulk, size and gate net, or gates on
   VREF and its partner with a shared source: the error amplifier's pair), ×/÷ ``span`` and ÷2 to ×4
   (:func:`~.derive.group_params`); resistors, capacitors and current sources ×/÷ ``span``
   (:func:`~.derive.passive_params`).

>>> LDO_MEASURES
('vout', 'dropout', 'line_reg', 'psrr', 'undershoot')
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from ...netlists import Device, Netlist
from ...netlists.errors import ValidationError
from ...netlists.polarity import device_polarity
from ...netlists.ports import port_role
from ...spice.dut import load_circuit
from ...spice.ldo import LDO_UNITS, LdoConditions, LdoPorts, ldo_measurement, ldo_testbench, pass_devices
from ...spice.measure import Measurement
from ...spice.models import Process
from ...spice.models import process as get_process
from ...spice.results import SimResult
from ...spice.simulator import Simulator
from ...spice.testbench import Testbench
from ..errors import ProblemError
from .derive import (
    _bias_ports, _body_name, _group_key, bias_params, group_params, passive_params, specific_current, start_u,
    with_values,
)
from .param import SizingParam
from .problem import TestbenchSizingProblem

__all__ = ["LDO_MEASURES", "LDO_MODEST", "LDO_MEDIUM", "LdoSizingProblem", "derive_ldo_sizing"]

LDO_MEASURES: tuple[str, ...] = ("vout", "dropout", "line_reg", "psrr", "undershoot")
"""What one LDO evaluation deck measures (a subset of :data:`~circuitforge.spice.ldo.LDO_MEASUREMENTS`)."""

LDO_MODEST = "vout>=0.5V,dropout<=400mV,line_reg<=50mV/V,psrr>=20dB,undershoot<=300mV"
"""A modest LDO spec at the default conditions (VIN = the process supply, VREF = VIN/3, 1 mA load,
100 pF): it regulates (line regulation under 50 mV/V, 20 dB PSRR at 1 kHz), with at most 400 mV of
dropout, an output of at least 0.5 V and a load-step dip under 300 mV."""
LDO_MEDIUM = "vout>=0.8V,dropout<=200mV,line_reg<=10mV/V,psrr>=40dB,undershoot<=100mV"
"""A medium LDO spec at the same conditions."""

_PASS_IC = 8.0
_PASS_WMAX = 5e-3


@dataclass(frozen=True, eq=False)
class LdoSizingProblem(TestbenchSizingProblem):
    """An LDO and its sizing parameters; evaluates designs with one LDO-testbench simulation each.

    Fields as :class:`~.problem.SizingProblem`'s, with ``ports`` an
    :class:`~circuitforge.spice.ldo.LdoPorts` and ``conditions`` the testbench's
    :class:`~circuitforge.spice.ldo.LdoConditions` (``cl``, ``ac``, ``servo`` are unused).
    """

    ports: LdoPorts = LdoPorts()  # type: ignore[assignment]
    conditions: LdoConditions = LdoConditions()

    measures: ClassVar[tuple[str, ...]] = LDO_MEASURES
    primary: ClassVar[str] = "vout"
    family: ClassVar[str] = "ldo"

    units: ClassVar[Mapping[str, str]] = LDO_UNITS
    out_role: ClassVar[str] = "vout"
    supply_role: ClassVar[str] = "vin"
    supply_info: ClassVar[str] = "vin"

    def _build_testbench(self, net: Netlist) -> Testbench:
        return ldo_testbench(net, self.process, sweep="vin", ports=self.ports, conditions=self.conditions,
                             subckt=self.subckt)

    def _measurement(self, what: str, tb: Testbench, result: SimResult) -> Measurement:
        return ldo_measurement(what, tb, result)

    @classmethod
    def from_netlist(cls, netlist: Netlist | str, *, ports: LdoPorts | None = None,  # type: ignore[override]
                     process: str | Process = "generic180", subckt: str | None = None,
                     name: str | None = None, span: float = 4.0, simulator: Simulator | None = None,
                     conditions: LdoConditions = LdoConditions()) -> LdoSizingProblem:
        """Sizing parameters and ranges derived from an LDO's own devices (module docstring)."""
        return derive_ldo_sizing(netlist, ports=ports, process=process, subckt=subckt, name=name, span=span,
                                 conditions=conditions)


def _pair_inputs(devices: Sequence[Device], vref: str | None) -> set[str]:
    """VREF and the gate nets of the transistors that share a source with a VREF-gated one (the error
    amplifier's other input): the nets :func:`~.derive._group_key` treats as a differential pair's."""
    if vref is None:
        return set()
    ref = vref.lower()
    mos = [d for d in devices if d.kind == "mosfet"]
    sources = {d.net("s").lower() for d in mos if d.net("g").lower() == ref}
    return {ref} | {d.net("g").lower() for d in mos if d.net("s").lower() in sources}


def derive_ldo_sizing(netlist: Netlist | str | os.PathLike[str], *, ports: LdoPorts | None = None,
                      process: str | Process = "generic180", subckt: str | None = None, name: str | None = None,
                      span: float = 4.0, conditions: LdoConditions = LdoConditions()) -> LdoSizingProblem:
    """The :class:`LdoSizingProblem` of an LDO netlist (rules in the module docstring).

    Raises :class:`ProblemError` naming what is missing when the ports cannot be found, biasing fails
    or nothing is sizable.
    """
    if span <= 1:
        raise ProblemError(f"span must be > 1, got {span}")
    proc = get_process(process)
    if conditions.vref is None:
        vin = conditions.resolved(proc).vin
        assert vin is not None  # resolved() fills it
        conditions = dataclasses.replace(conditions, vref=round(vin / 3, 12))
    net = load_circuit(netlist)
    body = _body_name(net, subckt)
    drawn = net.find_subckt(body).devices if body is not None else net.devices  # type: ignore[union-attr]
    if body is not None:
        port_names: list[str] = list(net.find_subckt(body).ports)  # type: ignore[union-attr]
    else:
        port_names = list(net.ports) or [n for n in net.nets() if port_role(n) != "other"]
    if ports is None:
        try:
            ports = LdoPorts.find(port_names, drawn)
        except ValidationError as exc:
            raise ProblemError(f"cannot find the LDO ports: {exc}; pass ports=LdoPorts(...)") from None
    if ports.vdd is not None and conditions.vdd is None:
        conditions = dataclasses.replace(conditions, vdd=proc.vdd)
    net, devices = with_values(net, body, proc)
    if not ports.bias:
        bias_names = [n for n in port_names if port_role(n) in ("bias_voltage", "bias_current")]
        # biasing sees the unregulated input as the supply (both sit at the process supply nominally)
        supply = ports.vdd or next((n for n in port_names if port_role(n) == "vdd"), "VDD")
        tie = {ports.vin: supply} if ports.vin != supply else {}
        tied = net if not tie else dataclasses.replace(
            net, devices=[d.with_nets(tie) for d in net.devices],
            subckts={k: dataclasses.replace(s, devices=[d.with_nets(tie) for d in s.devices])  # type: ignore[type-var]
                     for k, s in net.subckts.items()} if body is not None else net.subckts)
        names = list(dict.fromkeys(tie.get(n, n) for n in [*port_names, supply]))
        bias = _bias_ports(tied, names, bias_names, proc, body)
        ports = dataclasses.replace(ports, bias=bias)
    params = bias_params(ports.bias, proc, span)
    mos = [d for d in devices if d.kind == "mosfet" and d.model]
    passes = pass_devices(mos, ports.vin, ports.vout)
    pass_names = {d.name for d in passes}
    start: dict[str, float] = {}
    if passes:
        c = conditions.resolved(proc)
        card = proc.pmos if device_polarity(net, passes[0]) == "p" else proc.nmos
        own = {d.name for d in drawn if d.param("w") is not None and d.param("l") is not None}
        w, l_ = passes[0].param("w"), passes[0].param("l")
        if passes[0].name in own and w is not None and l_ is not None and w.number and l_.number:
            w0, l0 = w.number, l_.number  # a sized LDO keeps its own pass device as the start
        else:
            l0 = 2 * proc.lmin
            w0 = min(max(c.load * l0 / (specific_current(card) * _PASS_IC) / len(passes), proc.wmin), _PASS_WMAX)
        label = "_".join(d.name for d in passes)
        wq = SizingParam(f"w_pass_{label}", max(proc.wmin, w0 / 8), min(_PASS_WMAX, w0 * 4), True, "m",
                         tuple((d.name, "W") for d in passes), f"width of the pass device {', '.join(pass_names)}")
        lq = SizingParam(f"l_pass_{label}", proc.lmin, max(4 * proc.lmin, l0), True, "m",
                         tuple((d.name, "L") for d in passes), f"length of the pass device {', '.join(pass_names)}")
        params += [wq, lq]
        start = {wq.name: w0, lq.name: l0}
    inputs = _pair_inputs(mos, ports.vref)
    groups: dict[tuple, list[Device]] = {}
    for d in mos:
        if d.name not in pass_names:
            groups.setdefault(_group_key(d, inputs), []).append(d)
    params += passive_params(devices, span)
    params += group_params(list(groups.values()), proc, span)
    if not params:
        raise ProblemError(f"no sizable devices in {net.title!r} (MOSFETs, R, C, current sources, bias ports)")
    default_u = start_u(params, devices, ports.bias, start)
    title = name or body or (net.title or "ldo").split()[0]
    return LdoSizingProblem(title, net, tuple(params), proc.name, ports, body, default_u=default_u,
                            conditions=conditions)
