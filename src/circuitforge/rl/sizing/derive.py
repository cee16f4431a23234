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
   DC loop settles the output nearer mid-supply (negative feedback).
2. Bias port values come from :func:`~circuitforge.spice.bias.bias_default`
   (10 µA currents, gate-rule voltages) and become parameters: currents
   ×/÷ ``span`` (log), voltages ±0.25 V within the rails (linear). When the
   op-amp is a subcircuit (no top level to bias) bias ports start at 10 µA
   and VDD/2; when biasing the top level fails, :class:`ProblemError` says why.
3. MOSFETs without sizes get the process defaults; MOSFETs that must match
   share a parameter: same polarity, bulk, width and length, and the same
   gate net (mirrors, cascode pairs), or gates on the two inputs and a
   shared source (a differential pair).
   Each group gets a width (×/÷ ``span`` around its value, at least the
   process' minimum, at most 200 µm) and a length (÷2 to ×4, from the
   process' minimum to 2 µm).
4. Resistors, capacitors and internal DC current sources get a parameter
   ×/÷ ``span`` around their value (10 kΩ and 1 pF when they have none).

>>> from circuitforge.examples import example_path
>>> d = derive_sizing(example_path("opamp_miller45.cir"))
>>> len(d.params), [q.name for q in d.params][:4], len(d.candidates)
(15, ['i_IREF', 'c_CC', 'r_RZ', 'w_MB1'], 1)
>>> next(q for q in d.params if q.name == "w_M1_M2").sets
(('M1', 'W'), ('M2', 'W'))
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ...netlists import Device, Netlist, parse, read
from ...netlists.errors import CircuitforgeError, ValidationError
from ...netlists.polarity import device_polarity
from ...netlists.ports import OpampInterface, find_opamp_ports, port_role
from ...netlists.values import Value
from ...spice.bias import bias_default
from ...spice.models import Process, apply_process
from ...spice.models import process as get_process
from ...spice.testbench import BiasPort, OpampPorts
from ..errors import ProblemError
from .param import PORT_TARGET, SizingParam

__all__ = ["DerivedSizing", "derive_sizing", "infer_ports", "opamp_ports"]

_WMAX = 200e-6
_LMAX = 2e-6
_DEFAULT_R = 10e3
_DEFAULT_C = 1e-12


@dataclass(frozen=True, slots=True)
class DerivedSizing:
    """What :func:`derive_sizing` finds in an op-amp netlist: a ``name``, the ``netlist`` with process
    cards, default sizes and values, the sizing ``params``, the ``process`` name, the port assignments
    to try (``candidates``: one, or both input orders when the names do not tell) and the op-amp's
    ``subckt`` (None: top level). ``SizingProblem.from_netlist`` turns it into a problem.
    """

    name: str
    netlist: Netlist
    params: tuple[SizingParam, ...]
    process: str
    candidates: tuple[OpampPorts, ...]
    subckt: str | None = None

    def __repr__(self) -> str:
        return f"DerivedSizing({self.name!r}, params={len(self.params)}, candidates={len(self.candidates)})"


def _load(netlist: Netlist | str | os.PathLike[str]) -> Netlist:
    if isinstance(netlist, Netlist):
        return netlist
    if isinstance(netlist, os.PathLike) or ("\n" not in str(netlist) and Path(str(netlist)).is_file()):
        return read(Path(netlist))
    return parse(str(netlist))


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
    """The testbench's :class:`OpampPorts` for a found interface (a differential op-amp: its first output,
    as the sizing testbench is single-ended).

    >>> from circuitforge.netlists.ports import find_opamp_ports
    >>> opamp_ports(find_opamp_ports(["VDD", "VSS", "INN", "INP", "VOUTP", "VOUTN"])).names
    ('INP', 'INN', 'VOUTP', 'VDD', 'VSS')
    """
    return OpampPorts(inp=interface.inp, inn=interface.inn, out=interface.out, vdd=interface.vdd,
                      vss=interface.vss, bias=tuple(bias))


def infer_ports(names: Sequence[str]) -> tuple[list[OpampPorts], list[str]]:
    """Candidate :class:`OpampPorts` from port names (two when the inputs' polarity is unknown), and bias ports.

    Raises :class:`ProblemError` with the finder's reason when the names are not an op-amp's.

    >>> cands, bias = infer_ports(["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "IB1"])
    >>> [(c.inp, c.inn) for c in cands], bias
    ([('VIN1', 'VIN2'), ('VIN2', 'VIN1')], ['IB1'])
    """
    try:
        found = find_opamp_ports(list(names))
    except ValidationError as exc:
        raise ProblemError(f"cannot find the op-amp ports: {exc}; pass ports=OpampPorts(...)") from None
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


def _bias_ports(net: Netlist, names: Sequence[str], bias: Sequence[str], proc: Process,
                body: str | None) -> tuple[BiasPort, ...]:
    if not bias:
        return ()
    if body is not None:  # a subcircuit: no top level to bias; documented defaults (rule 2)
        return tuple(BiasPort(n, 10e-6, "current") if port_role(n) == "bias_current"
                     else BiasPort(n, proc.vdd / 2, "voltage") for n in bias)
    try:
        biased = bias_default(net, proc, ports=list(names))
    except CircuitforgeError as exc:
        raise ProblemError(f"cannot bias {net.title or 'the op-amp'!r} to start its bias ports "
                           f"{list(bias)}: {exc}") from exc
    out = []
    for n in bias:
        c = biased.choice(n)
        if c.what == "bias-current":
            sign = -1.0 if "out of" in c.reason else 1.0
            out.append(BiasPort(n, sign * c.value, "current"))
        else:
            out.append(BiasPort(n, c.value, "voltage"))
    return tuple(out)


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
    net = _load(netlist)
    body = _body_name(net, subckt)
    if body is not None:
        port_names: Sequence[str] = net.find_subckt(body).ports  # type: ignore[union-attr]
    else:
        port_names = list(net.ports) or [n for n in net.nets() if port_role(n) != "other"]
    if ports is not None:
        candidates, bias_names = [ports], []
    else:
        candidates, bias_names = infer_ports(port_names)
    # sizes and values first, so that every parameter has a value to centre its range on
    net = apply_process(net, proc)
    if body is not None:
        sub = net.find_subckt(body)
        key = next(k for k in net.subckts if k.lower() == body.lower())
        net = dataclasses.replace(net, subckts={**net.subckts, key: dataclasses.replace(
            sub, devices=_fill_values(sub.devices))})  # type: ignore[type-var]
        devices = net.subckts[key].devices
    else:
        net = dataclasses.replace(net, devices=_fill_values(net.devices))
        devices = net.devices
    bias = tuple(ports.bias) if ports is not None else _bias_ports(net, port_names, bias_names, proc, body)
    candidates = [dataclasses.replace(c, bias=bias) for c in candidates]
    inputs = {candidates[0].inp.lower(), candidates[0].inn.lower()}

    params: list[SizingParam] = []
    for b in bias:
        if b.kind == "current":
            i0 = abs(b.value)
            params.append(SizingParam(f"i_{b.name}", i0 / span, i0 * span, True, "A", ((PORT_TARGET, b.name),),
                                      f"bias current into port {b.name}"))
        else:
            lo, hi = max(0.0, b.value - 0.25), min(proc.vdd, b.value + 0.25)
            params.append(SizingParam(f"v_{b.name}", lo, hi, False, "V", ((PORT_TARGET, b.name),),
                                      f"bias voltage of port {b.name}"))
    groups: dict[tuple, list[Device]] = {}
    for d in devices:
        if d.kind == "mosfet" and d.model:
            groups.setdefault(_group_key(d, inputs), []).append(d)
        elif d.kind in ("resistor", "capacitor"):
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
    seen = set()
    for key, devs in groups.items():
        if id(devs[0]) in seen:
            continue
        label = "_".join(d.name for d in devs)
        w0, l0 = key[2], key[3]
        if w0 is None or l0 is None:
            continue
        wlo, whi = max(proc.wmin, w0 / span), min(_WMAX, max(w0 * span, proc.wmin * 2))
        llo, lhi = max(proc.lmin, l0 / 2), min(_LMAX, max(l0 * 4, proc.lmin * 2))
        names = tuple(d.name for d in devs)
        if wlo < whi:
            params.append(SizingParam(f"w_{label}", wlo, whi, True, "m", tuple((n, "W") for n in names),
                                      f"width of {', '.join(names)}"))
        if llo < lhi:
            params.append(SizingParam(f"l_{label}", llo, lhi, True, "m", tuple((n, "L") for n in names),
                                      f"length of {', '.join(names)}"))
    if not params:
        raise ProblemError(f"no sizable devices in {net.title!r} (MOSFETs, R, C, current sources, bias ports)")
    title = name or body or (net.title or "opamp").split()[0]
    return DerivedSizing(title, net, tuple(params), proc.name, tuple(candidates), body)
