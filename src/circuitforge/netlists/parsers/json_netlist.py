"""JSON netlists of the SpiceNetlist / Image2Net kind, used by link-prediction datasets.

A list of components, each a type and its ports' nets::

    [{"component_type": "NMOS",
      "port_connection": {"Drain": "out", "Gate": "in", "Source": "0", "Body": "0"}},
     {"component_type": "Resistor", "port_connection": {"Pos": "vdd", "Neg": "out"}}]

JSON has no device names, so devices are named by letter in order
(``M1``, ``R1``, ``R2``...), unless a component has a ``"name"``. Optional
``"parameters"`` (``{"w": "1u"}``) become device parameters. Types and
port names are matched case-insensitively. MOSFETs and BJTs get the model
``nmos``/``pmos``/``npn``/``pnp`` (their polarity); a missing ``Body`` gives a
three-terminal MOSFET.

An unknown component type is a :class:`ParseError` naming the index, the
type and the valid types (not an opaque part: a JSON component carries no
model or pin order that could make such a part meaningful downstream, and a
dataset with a misspelt type is better caught than silently kept).

>>> from circuitforge.netlists import parse
>>> n = parse('[{"component_type": "Resistor", "port_connection": {"Pos": "a", "Neg": "0"}}]')
>>> n.devices
[Device('R1', resistor, p=a n=0)]
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from ..device import KIND_LETTER, Device
from ..errors import ParseError
from ..source import SourceLoc
from ..values import Value
from .context import ParseContext

__all__ = ["parse_json", "COMPONENT_TYPES", "PORT_NAMES"]

COMPONENT_TYPES: Mapping[str, tuple[str, str | None]] = {
    "nmos": ("mosfet", "nmos"), "pmos": ("mosfet", "pmos"),
    "npn": ("bjt", "npn"), "pnp": ("bjt", "pnp"),
    "resistor": ("resistor", None), "capacitor": ("capacitor", None), "inductor": ("inductor", None),
    "diode": ("diode", "d"),
    "voltage": ("vsource", None), "current": ("isource", None),
}
"""JSON component type (lower case) → (device kind, model)."""

PORT_NAMES: Mapping[str, Mapping[str, str]] = {
    "mosfet": {"drain": "d", "gate": "g", "source": "s", "body": "b", "bulk": "b"},
    "bjt": {"collector": "c", "base": "b", "emitter": "e", "substrate": "s"},
    "resistor": {"pos": "p", "neg": "n", "plus": "p", "minus": "n"},
    "capacitor": {"pos": "p", "neg": "n", "plus": "p", "minus": "n"},
    "inductor": {"pos": "p", "neg": "n", "plus": "p", "minus": "n"},
    "diode": {"pos": "p", "neg": "n", "anode": "p", "cathode": "n", "plus": "p", "minus": "n"},
    "vsource": {"pos": "p", "neg": "n", "plus": "p", "minus": "n"},
    "isource": {"pos": "p", "neg": "n", "plus": "p", "minus": "n"},
}
"""Port names (lower case) per kind → terminal role. The first name of each role is the one written."""

_ORDER = {"mosfet": ("d", "g", "s", "b"), "bjt": ("c", "b", "e", "s")}
_REQUIRED = {"mosfet": ("d", "g", "s"), "bjt": ("c", "b", "e")}
_SHOWN_TYPES = ("NMOS", "PMOS", "NPN", "PNP", "Resistor", "Capacitor", "Inductor", "Diode", "Voltage", "Current")


def parse_json(text: str, ctx: ParseContext) -> None:
    """Read a JSON netlist into ``ctx.netlist`` (see the module docstring)."""
    file = ctx.filename
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        line = exc.doc.splitlines()[exc.lineno - 1] if exc.lineno - 1 < len(exc.doc.splitlines()) else ""
        raise ParseError(f"not valid JSON: {exc.msg}", SourceLoc(file, exc.lineno, exc.colno), line) from None
    except RecursionError:
        raise ParseError("JSON nested too deeply", SourceLoc(file, 1), text[:80]) from None
    if isinstance(data, dict):
        for key in ("components", "netlist", "devices"):
            if isinstance(data.get(key), list):
                ctx.netlist.title = str(data.get("title", data.get("name", "")))
                data = data[key]
                break
    if not isinstance(data, list):
        raise ParseError("expected a JSON list of components (each with 'component_type' and "
                         "'port_connection')", SourceLoc(file, 1), text[:80])
    lines = _component_lines(text)
    counters: dict[str, int] = {}
    used: set[str] = set()
    named = {str(c["name"]).lower() for c in data if isinstance(c, dict) and isinstance(c.get("name"), str)}
    for i, comp in enumerate(data):
        loc = SourceLoc(file, lines[i] if i < len(lines) else 1)
        shown = json.dumps(comp)[:120] if _dumpable(comp) else repr(comp)[:120]
        if not isinstance(comp, dict):
            raise ParseError(f"component {i} is not an object", loc, shown)
        ctype = comp.get("component_type", comp.get("type"))
        if not isinstance(ctype, str):
            raise ParseError(f"component {i} has no 'component_type' string", loc, shown)
        spec = COMPONENT_TYPES.get(ctype.strip().lower())
        if spec is None:
            raise ParseError(f"component {i}: unknown component_type {ctype!r}; expected one of "
                             f"{list(_SHOWN_TYPES)}", loc, shown)
        kind, model = spec
        ports = comp.get("port_connection", comp.get("ports"))
        if not isinstance(ports, dict) or not ports:
            raise ParseError(f"component {i} ({ctype}) has no 'port_connection' object", loc, shown)
        names = PORT_NAMES[kind]
        roles: dict[str, str] = {}
        for pname, net in ports.items():
            role = names.get(str(pname).strip().lower())
            if role is None:
                valid = sorted({k.capitalize() for k in names})
                raise ParseError(f"component {i} ({ctype}): unknown port {pname!r}; expected one of {valid}",
                                 loc, shown)
            if not isinstance(net, (str, int)) or isinstance(net, bool) or str(net).strip() == "" \
                    or any(c.isspace() for c in str(net)):
                raise ParseError(f"component {i} ({ctype}): port {pname!r} needs a net name without spaces "
                                 f"(got {net!r})", loc, shown)
            if role in roles:
                raise ParseError(f"component {i} ({ctype}): port {pname!r} given twice", loc, shown)
            roles[role] = ctx.net(str(net))
        order = _ORDER.get(kind, ("p", "n"))
        missing = [r for r in _REQUIRED.get(kind, order) if r not in roles]
        if missing:
            want = [next(k.capitalize() for k, v in names.items() if v == r) for r in missing]
            raise ParseError(f"component {i} ({ctype}) lacks port(s) {want}", loc, shown)
        terminals = tuple((r, roles[r]) for r in order if r in roles)
        name = comp.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z]\w*", name) or name.lower() in used:
            letter = KIND_LETTER[kind]
            while True:
                counters[letter] = counters.get(letter, 0) + 1
                name = f"{letter}{counters[letter]}"
                if name.lower() not in named and name.lower() not in used:
                    break
        used.add(name.lower())
        params: dict[str, Value] = {}
        raw_params = comp.get("parameters", comp.get("params", {}))
        if isinstance(raw_params, dict):
            for k, v in raw_params.items():
                if isinstance(v, (int, float, str)) and not isinstance(v, bool) and re.fullmatch(r"\w+", str(k)):
                    params[str(k)] = _value(str(v), loc)
        ctx.add_device(Device(name, kind, terminals, model, params, loc))  # type: ignore[arg-type]


def _value(text: str, loc: SourceLoc) -> Value:
    try:
        return Value.parse(text, "spice", loc)
    except ParseError:
        return Value.word(text, loc)


def _dumpable(obj: object) -> bool:
    try:
        json.dumps(obj)
        return True
    except (TypeError, ValueError, RecursionError):
        return False


def _component_lines(text: str) -> list[int]:
    """Line of each ``component_type`` key, in order (where a component's errors point)."""
    out: list[int] = []
    line = 1
    pos = 0
    key = "component_type" if '"component_type"' in text else "type"
    for m in re.finditer(r'"' + key + r'"\s*:', text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        out.append(line)
    return out
