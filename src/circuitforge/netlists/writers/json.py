"""JSON writer: the SpiceNetlist / Image2Net list of components (see :mod:`..parsers.json_netlist`).

The form is flat, so subcircuits are flattened first. Device kinds the form
has no type for (controlled sources, subcircuits without a definition,
opaque parts, ...) are left out with a writer warning. Parameters are written
only with ``params=True`` and names only with ``names=True``, since the plain
form has neither.

>>> from circuitforge.netlists import parse
>>> print(write_json(parse("* t\\nM1 d g 0 0 nch\\nR1 d vdd 1k\\n")), end="")
[
{"component_type": "NMOS", "port_connection": {"Drain": "d", "Gate": "g", "Source": "0", "Body": "0"}},
{"component_type": "Resistor", "port_connection": {"Pos": "d", "Neg": "vdd"}}
]
"""

from __future__ import annotations

import json
import re

from ..device import Device
from ..findings import Finding
from ..netlist import Netlist
from .common import Emitter

__all__ = ["write_json"]

_TYPE = {"resistor": "Resistor", "capacitor": "Capacitor", "inductor": "Inductor", "diode": "Diode",
         "vsource": "Voltage", "isource": "Current"}
_PORTS = {
    "mosfet": {"d": "Drain", "g": "Gate", "s": "Source", "b": "Body"},
    "bjt": {"c": "Collector", "b": "Base", "e": "Emitter", "s": "Substrate"},
    "diode": {"p": "Pos", "n": "Neg"},
}
_TWO = {"p": "Pos", "n": "Neg"}
_POLARITY = re.compile(r"(?:([np])(?:mos|ch|fet)|(npn|pnp))", re.I)


def write_json(netlist: Netlist, *, warnings: list[Finding] | None = None, names: bool = False,
               params: bool = False) -> str:
    """The netlist as a JSON list of ``{"component_type", "port_connection"}`` objects, one per line."""
    em = Emitter()
    flat = netlist.flatten() if _has_hierarchy(netlist) else netlist
    out: list[dict[str, object]] = []
    for d in flat.devices:
        ctype = _component_type(flat, d, em)
        if ctype is None:
            continue
        ports = _PORTS.get(d.kind, _TWO)
        conn = {}
        for role, net in d.terminals:
            if role not in ports:
                em.warn("json-port-dropped", f"terminal {role!r} of {d.name} has no JSON port name; left out", d)
                continue
            conn[ports[role]] = net
        item: dict[str, object] = {"component_type": ctype, "port_connection": conn}
        if names:
            item = {"name": d.name, **item}
        if params and d.params:
            item["parameters"] = {k: v.text for k, v in d.params.items()}
        out.append(item)
    if warnings is not None:
        warnings.extend(em.warnings)
    if not out:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in out) + "\n]\n"


def _has_hierarchy(netlist: Netlist) -> bool:
    return any(d.kind == "subckt" for d in netlist.devices)


def _component_type(netlist: Netlist, d: Device, em: Emitter) -> str | None:
    if d.kind in _TYPE:
        return _TYPE[d.kind]
    if d.kind in ("mosfet", "bjt"):
        pol = None
        card = netlist.find_model(d.model) if d.model else None
        if card is not None and card.polarity:
            pol = card.polarity
        elif d.model and (m := _POLARITY.match(d.model)):
            pol = (m.group(1) or m.group(2)[0]).lower()
        if pol is None:
            pol = "n"
            em.warn("json-polarity", f"polarity of {d.name} (model {d.model!r}) unknown; written as n-type", d)
        if d.kind == "mosfet":
            return "NMOS" if pol == "n" else "PMOS"
        return "NPN" if pol == "n" else "PNP"
    em.warn("json-not-representable", f"{d.kind} {d.name} has no JSON component type; left out", d)
    return None
