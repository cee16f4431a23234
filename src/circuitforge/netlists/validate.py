"""Electrical rule checks (ERC) over the netlist IR.

:func:`validate` runs every check of :data:`CHECKS` on the top level and on
each subcircuit definition (nested ones too) and returns :class:`Finding`
objects sorted by location, the parser's own warnings included. Each check
has a stable kebab-case code; ``checks=`` selects a subset.

>>> from circuitforge.netlists.device import Device
>>> from circuitforge.netlists.netlist import Netlist
>>> n = Netlist("rc", devices=[
...     Device("V1", "vsource", (("p", "in"), ("n", "0"))),
...     Device("R1", "resistor", (("p", "in"), ("n", "out"))),
...     Device("C1", "capacitor", (("p", "out"), ("n", "0"))),
...     Device("C2", "capacitor", (("p", "out"), ("n", "x"))),
... ])
>>> [f.code for f in validate(n)]
['floating-net', 'no-dc-path']
>>> has_errors(validate(n, checks=["floating-net"]))
False

Codes (severity): ``floating-net`` (warning), ``missing-terminals``,
``no-dc-path`` (which reports ``no-ground`` instead when the top level has no
reference net at all), ``source-loop``, ``shorted-supply``,
``undefined-model``, ``undefined-subckt``, ``undefined-param``,
``duplicate-name``, ``unresolved-include``, ``undefined-probe`` (errors).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .connectivity import dc_components, is_voltage_like
from .device import Device, kind_name
from .errors import ResolutionError
from .expressions import CONSTANTS, FUNCTIONS
from .findings import Finding, Severity
from .model import ModelCard
from .names import lookup
from .netlist import Netlist, Subckt
from .ports import supply_kind
from .source import SourceLoc
from .unionfind import UnionFind
from .values import Value

__all__ = ["CHECKS", "validate", "has_errors", "device_text"]


# ---------------------------------------------------------------------------------------
# the scope a check looks at
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _View:
    """One scope to check: the top level (``chain`` empty) or a subcircuit definition.

    ``chain`` holds the enclosing definitions, outermost first, ending with the
    one checked; lookups go from the innermost outwards, then to the netlist.
    """

    netlist: Netlist
    chain: tuple[Subckt, ...] = ()

    @property
    def subckt(self) -> Subckt | None:
        return self.chain[-1] if self.chain else None

    @property
    def devices(self) -> list[Device]:
        return self.chain[-1].devices if self.chain else self.netlist.devices

    @property
    def prefix(self) -> str:
        """``""`` at the top level, ``"outer/inner/"`` inside nested definitions."""
        return "".join(s.name + "/" for s in self.chain)

    @property
    def where(self) -> str:
        """`` in subckt 'inv'`` (or nothing at the top level), for messages."""
        return f" in subckt {'/'.join(s.name for s in self.chain)!r}" if self.chain else ""

    def key(self, name: str) -> str:
        return name if self.netlist.case_sensitive else name.lower()

    def net_key(self, net: str) -> str:
        """The node a net name means: every ground spelling is one node, ``0``."""
        return "0" if self.netlist.is_ground(net) else self.key(net)

    def ports(self) -> tuple[str, ...]:
        return self.chain[-1].ports if self.chain else tuple(self.netlist.ports)

    def references(self) -> set[str]:
        """Net keys driven from outside this scope: globals and ports (ground is ``0``)."""
        refs = {"0"}
        refs.update(self.net_key(g) for g in self.netlist.globals)
        refs.update(self.net_key(p) for p in self.ports())
        return refs

    def find(self, table: str, name: str) -> object | None:
        """A model card (``table="models"``) or definition (``"subckts"``) visible here."""
        key = self.key(name)
        for sc in reversed(self.chain):
            found = lookup(getattr(sc, table), key, self.netlist.case_sensitive)
            if found is not None:
                return found
        if table == "models":
            return self.netlist.find_model(name)
        return self.netlist.find_subckt(name)

    def visible(self, table: str) -> list[str]:
        """Every name in ``table`` visible from this scope (for "known: ..." lists)."""
        names: dict[str, None] = {}
        for sc in reversed(self.chain):
            names.update(dict.fromkeys(getattr(sc, table)))
        for n in _with_includes(self.netlist):
            names.update(dict.fromkeys(getattr(n, table)))
        return list(names)

    def defined_params(self) -> set[str]:
        """Keys of every parameter an expression here may use."""
        names = set(self.netlist.all_params())
        for sc in self.chain:
            names.update(sc.params)
        names.update(CONSTANTS)
        return {self.key(n) for n in names}

    def obj(self, name: str) -> str:
        return self.prefix + name

    def finding(self, severity: Severity, code: str, message: str, obj: str,
                device: Device | None = None, loc: SourceLoc | None = None,
                text: str | None = None) -> Finding:
        if device is not None:
            loc = loc or device.loc
            text = text if text is not None else device_text(device)
        if loc is None and self.chain:
            loc = self.chain[-1].loc
        return Finding(severity, code, message + self.where, loc, text, self.obj(obj))




def _with_includes(netlist: Netlist) -> Iterator[Netlist]:
    """``netlist`` then every netlist it includes, recursively, each once."""
    seen: set[int] = set()
    todo = [netlist]
    while todo:
        n = todo.pop(0)
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n
        todo.extend(inc.netlist for inc in n.includes if inc.netlist is not None)


def device_text(d: Device) -> str:
    """The device as a SPICE-like line, for findings.

    >>> device_text(Device("M1", "mosfet", (("d", "o"), ("g", "i"), ("s", "0")), model="nch"))
    'M1 o i 0 nch'
    """
    return f"{d.name} {' '.join(d.nets)} {d.model or ''}".strip()


def _names(items: Iterable[str], limit: int = 8) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------------------------------
# floating-net
# ---------------------------------------------------------------------------------------
def _check_floating_net(view: _View) -> Iterator[Finding]:
    """A net touching exactly one terminal that is no port, global or ground."""
    touches: dict[str, list[tuple[Device, str, str]]] = {}
    for d in view.devices:
        for role, net in d.terminals:
            touches.setdefault(view.net_key(net), []).append((d, role, net))
    refs = view.references()
    for key, where in touches.items():
        if len(where) != 1 or key in refs:
            continue
        d, role, net = where[0]
        yield view.finding("warning", "floating-net",
                           f"net {net!r} connects to a single terminal ({d.name}.{role}); "
                           "expected at least two connections, or a port", net, d)


# ---------------------------------------------------------------------------------------
# missing-terminals
# ---------------------------------------------------------------------------------------
_TERMINAL_COUNTS: Mapping[str, tuple[int, int]] = MappingProxyType({
    "mosfet": (4, 7), "bjt": (3, 5), "jfet": (3, 3), "mesfet": (3, 3),
    "resistor": (2, 2), "capacitor": (2, 2), "inductor": (2, 2), "diode": (2, 2),
    "vsource": (2, 2), "isource": (2, 2), "cccs": (2, 2), "ccvs": (2, 2), "bsource": (2, 2),
    "cswitch": (2, 2), "vcvs": (4, 4), "vccs": (4, 4), "switch": (4, 4), "tline": (4, 4),
    "mutual_inductor": (0, 0),
})
"""(fewest, most) terminals per kind: SOI MOSFETs take up to 7, a BJT an optional
substrate and thermal node."""

_BEHAVIOURAL = ("value", "vol", "cur", "table", "laplace", "freq", "poly", "expr")
"""Parameters that make a VCVS/VCCS behavioural, with only its two output terminals
(``E1 p n VALUE={...}``) or ``2 + 2*n`` with ``POLY(n)``."""


def _expected_terminals(view: _View, d: Device) -> tuple[int, int] | None:
    if d.kind == "subckt":
        sub = view.find("subckts", d.model) if d.model else None
        if not isinstance(sub, Subckt):
            return None  # undefined-subckt reports it
        return len(sub.ports), len(sub.ports)
    if d.kind in ("vcvs", "vccs") and any(k.lower().startswith(_BEHAVIOURAL) for k in d.params):
        return 2, 64
    return _TERMINAL_COUNTS.get(d.kind)


def _check_missing_terminals(view: _View) -> Iterator[Finding]:
    """A terminal count that does not fit the kind (or the subcircuit definition)."""
    for d in view.devices:
        span = _expected_terminals(view, d)
        got = len(d.terminals)
        if span is None or span[0] <= got <= span[1]:
            continue
        lo, hi = span
        want = str(lo) if lo == hi or got < lo else f"{lo} to {hi}"
        if d.kind == "subckt":
            what = f"instance {d.name} of subckt {d.model!r}"
        else:
            what = f"{kind_name(d.kind)} {d.name}"
        yield view.finding("error", "missing-terminals",
                           f"expected {want} terminals for {what} (got {got})", d.name, d)


# ---------------------------------------------------------------------------------------
# no-dc-path / no-ground
# ---------------------------------------------------------------------------------------
def _blocking(d: Device, role: str) -> str | None:
    """What a non-conducting terminal is, for the no-dc-path message."""
    if d.kind == "capacitor":
        return "capacitors"
    if d.kind in ("isource", "vccs", "cccs") and role in ("p", "n"):
        return "current sources"
    if d.kind == "bsource":
        return "current sources"
    if d.kind == "mosfet" and role == "g":
        return "MOSFET gates"
    if role in ("cp", "cn"):
        return "controlled-source inputs"
    return None


def _check_no_dc_path(view: _View) -> Iterator[Finding]:
    """Connected components (through DC-conducting elements) with no reference net."""
    uf = UnionFind()
    spelling: dict[str, str] = {}
    first_dev: dict[str, Device] = {}
    for d in view.devices:
        for _, net in d.terminals:
            k = view.net_key(net)
            spelling.setdefault(k, net)
            first_dev.setdefault(k, d)
    dc_components(view.devices, view.net_key, uf)
    if not spelling:
        return
    refs = view.references()
    if not view.chain and not (refs & set(spelling)) and not view.netlist.ports \
            and not view.netlist.globals:
        d = view.devices[0]
        yield view.finding("error", "no-ground",
                           "the circuit has no ground node (0), no ports and no globals; "
                           "expected a reference node", d.name, d)
        return
    via_net: dict[str, dict[str, None]] = {}
    for d in view.devices:
        for role, net in d.terminals:
            why = _blocking(d, role)
            if why:
                via_net.setdefault(view.net_key(net), {}).setdefault(why, None)
    components: dict[str, list[str]] = {}
    for k in spelling:
        components.setdefault(uf.find(k), []).append(k)
    for members in components.values():
        if any(k in refs for k in members):
            continue
        via: dict[str, None] = {}
        for k in members:
            via.update(via_net.get(k, {}))
        names = [spelling[k] for k in members]
        target = "ground or a port" if view.chain else "ground"
        how = f"only through {_and(list(via))}" if via else "isolated"
        subject = (f"net {names[0]} has" if len(names) == 1
                   else f"nets {_names(names)} have")
        yield view.finding("error", "no-dc-path",
                           f"{subject} no DC path to {target} ({how})",
                           names[0], first_dev[members[0]])


# ---------------------------------------------------------------------------------------
# source-loop
# ---------------------------------------------------------------------------------------
def _tree_path(adj: Mapping[str, list[tuple[str, str]]], a: str, b: str) -> list[str]:
    """Element names on the path from ``a`` to ``b`` in the spanning forest ``adj``."""
    back: dict[str, tuple[str, str] | None] = {a: None}
    todo = deque([a])
    while todo:
        x = todo.popleft()
        if x == b:
            break
        for y, name in adj.get(x, []):
            if y not in back:
                back[y] = (x, name)
                todo.append(y)
    out: list[str] = []
    step = back.get(b)
    while step is not None:
        out.append(step[1])
        step = back[step[0]]
    return out[::-1]


def _check_source_loop(view: _View) -> Iterator[Finding]:
    """Loops made only of voltage sources and inductors (singular at DC).

    A voltage source with both ends on one net is left to ``shorted-supply``.
    """
    uf = UnionFind()
    adj: dict[str, list[tuple[str, str]]] = {}
    for d in view.devices:
        if not is_voltage_like(d) or len(d.terminals) < 2:
            continue
        roles = dict(d.terminals)
        if "p" not in roles or "n" not in roles:
            continue
        a, b = view.net_key(roles["p"]), view.net_key(roles["n"])
        if a == b:
            if d.kind != "vsource":
                yield view.finding("error", "source-loop",
                                   f"{kind_name(d.kind)} {d.name} has both terminals on net "
                                   f"{roles['p']!r}, a loop by itself; expected two different nets",
                                   d.name, d)
            continue
        if uf.union(a, b):
            adj.setdefault(a, []).append((b, d.name))
            adj.setdefault(b, []).append((a, d.name))
            continue
        members = set(_tree_path(adj, a, b)) | {d.name}
        loop = [e.name for e in view.devices if e.name in members]
        yield view.finding("error", "source-loop",
                           f"voltage sources/inductors {', '.join(loop)} form a loop "
                           f"(between {roles['p']} and {roles['n']}); expected no loop of "
                           "voltage sources and inductors", d.name, d)


# ---------------------------------------------------------------------------------------
# shorted-supply
# ---------------------------------------------------------------------------------------
def _value_of(d: Device, names: tuple[str, ...], env: Mapping[str, float],
              case_sensitive: bool) -> float | None:
    for name in names:
        v = d.param(name, case_sensitive)
        if v is not None:
            return v.resolve(env, case_sensitive=case_sensitive)
    return None


def _check_shorted_supply(view: _View) -> Iterator[Finding]:
    """A voltage source shorted on itself, or supplies tied together by 0 V / 0 ohm."""
    refs = view.references()
    cs = view.netlist.case_sensitive
    env = {k: p.number for k, p in view.netlist.all_params().items() if p.number is not None}
    for d in view.devices:
        if d.kind not in ("vsource", "resistor") or len(d.terminals) != 2:
            continue
        (_, p), (_, n) = d.terminals
        kp, kn = view.net_key(p), view.net_key(n)
        if d.kind == "vsource" and kp == kn:
            yield view.finding("error", "shorted-supply",
                               f"voltage source {d.name} has both terminals on net {p!r}; "
                               "expected two different nets", d.name, d)
            continue
        if kp == kn:
            continue
        names = ("dc", "v", "value", "vdc") if d.kind == "vsource" else ("r", "resistance",
                                                                          "value", "res")
        if _value_of(d, names, env, cs) != 0.0:
            continue
        cp, cn = supply_kind(p), supply_kind(n)
        if cp is None or cn is None or cp == cn:
            continue
        if view.chain and not (kp in refs and kn in refs):
            continue  # inside a definition only externally driven supplies count
        unit = "0 V source" if d.kind == "vsource" else "0 ohm resistor"
        yield view.finding("error", "shorted-supply",
                           f"{unit} {d.name} shorts supply {p!r} to {n!r}; "
                           "expected supplies to stay apart", d.name, d)


# ---------------------------------------------------------------------------------------
# undefined-model / undefined-subckt
# ---------------------------------------------------------------------------------------
_NEEDS_MODEL = frozenset({"mosfet", "bjt", "diode", "jfet", "mesfet", "switch", "cswitch"})


def _binned(view: _View, name: str) -> bool:
    """True when ``name`` is a binned model family (``nch.1``, ``nch.2``, ...)."""
    pre = view.key(name) + "."
    return any(view.key(m).startswith(pre) and view.key(m)[len(pre):].isdigit()
               for m in view.visible("models"))


def _include_hint(view: _View) -> str:
    bad = [inc.path for n in _with_includes(view.netlist) for inc in n.includes
           if inc.netlist is None]
    return f" (unread includes: {_names(bad, 3)})" if bad else ""


def _check_undefined_model(view: _View) -> Iterator[Finding]:
    """A device that needs a model card, or names one, that cannot be found.

    One finding per missing model (at its first use), naming the devices that use it.
    """
    missing: dict[str, list[Device]] = {}
    for d in view.devices:
        if d.kind in ("subckt", "opaque"):
            continue
        if d.model is None:
            if d.kind in _NEEDS_MODEL:
                yield view.finding("error", "undefined-model",
                                   f"{kind_name(d.kind)} {d.name} names no model; expected a "
                                   "model name", d.name, d)
            continue
        card = view.find("models", d.model)
        if card is None and _binned(view, d.model):
            continue
        if card is None:
            missing.setdefault(d.model.lower(), []).append(d)
            continue
        if isinstance(card, ModelCard) and card.device_kind not in (None, "opaque", d.kind):
            yield view.finding("error", "undefined-model",
                               f"model {d.model!r} of {kind_name(d.kind)} {d.name} is a "
                               f"{card.type} model; expected a {kind_name(d.kind)} model",
                               d.name, d)
    for users in missing.values():
        d = users[0]
        used = (f"{kind_name(d.kind)} {d.name}" if len(users) == 1
                else f"{len(users)} devices: {_names([u.name for u in users], 8)}")
        yield view.finding("error", "undefined-model",
                           f"model {d.model!r} is not defined (used by {used}){_include_hint(view)}",
                           d.name, d)


def _check_undefined_subckt(view: _View) -> Iterator[Finding]:
    """A subcircuit instance whose definition cannot be found."""
    missing: dict[str, list[Device]] = {}
    for d in view.devices:
        if d.kind != "subckt":
            continue
        if d.model and view.find("subckts", d.model) is not None:
            continue
        missing.setdefault((d.model or "").lower(), []).append(d)
    for users in missing.values():
        d = users[0]
        known = _names(sorted(view.visible("subckts")), 20) or "none"
        used = f"instance {d.name}" if len(users) == 1 else f"{len(users)} instances: {_names([u.name for u in users], 8)}"
        yield view.finding("error", "undefined-subckt",
                           f"subckt {d.model!r} is not defined (used by {used}; known: {known})"
                           f"{_include_hint(view)}", d.name, d)


# ---------------------------------------------------------------------------------------
# undefined-param
# ---------------------------------------------------------------------------------------
_BEHAVIOURAL_KINDS = frozenset({"bsource", "vcvs", "vccs", "cccs", "ccvs"})
_BEHAVIOURAL_NAMES = frozenset({"time", "hertz", "temper", "temp"})


def _check_undefined_param(view: _View) -> Iterator[Finding]:
    """Expressions whose parameters are defined nowhere in scope."""
    defined = view.defined_params()
    scope = view.subckt if view.subckt is not None else view.netlist

    def missing(value: Value, extra: Collection[str] = ()) -> list[str]:
        return sorted(dep for dep in value.deps
                      if view.key(dep) not in defined and view.key(dep) not in extra)

    def tell(owner: str, pname: str, value: Value, deps: list[str], obj: str,
             device: Device | None, loc: SourceLoc | None) -> Finding:
        what = f"parameter {deps[0]} is" if len(deps) == 1 else \
            f"parameters {', '.join(deps)} are"
        return view.finding("error", "undefined-param",
                            f"{what} not defined, used in {owner}{pname}={value.text}; "
                            "expected a .param or subckt parameter", obj, device,
                            loc or value.loc, None if device else f"{pname}={value.text}")

    behavioural: set[str] = set()
    if any(d.kind in _BEHAVIOURAL_KINDS for d in view.devices):
        behavioural = {view.key(n) for d in view.devices for n in (*d.nets, d.name)}
        behavioural |= _BEHAVIOURAL_NAMES
    for d in view.devices:
        extra = behavioural if d.kind in _BEHAVIOURAL_KINDS else ()
        for pname, value in d.params.items():
            deps = missing(value, extra)
            if deps:
                yield tell(f"{d.name} ", pname, value, deps, d.name, d, None)
    for card in scope.models.values():
        for pname, value in card.params.items():
            deps = missing(value)
            if deps:
                yield tell(f"model {card.name} ", pname, value, deps, card.name, None,
                           card.loc)
    for pname, value in scope.params.items():
        deps = missing(value)
        if deps:
            yield tell(".param ", pname, value, deps, pname, None, None)


# ---------------------------------------------------------------------------------------
# duplicate-name
# ---------------------------------------------------------------------------------------
def _check_duplicate_name(view: _View) -> Iterator[Finding]:
    """Two devices with one name in a scope; a port listed twice."""
    first: dict[str, Device] = {}
    for d in view.devices:
        k = view.key(d.name)
        if k in first:
            yield view.finding("error", "duplicate-name",
                               f"device name {d.name} used again (first: {device_text(first[k])}"
                               f"{' at ' + str(first[k].loc) if first[k].loc else ''}); "
                               "expected unique names", d.name, d)
        else:
            first[k] = d
    sub = view.subckt
    if sub is not None:
        seen: set[str] = set()
        for port in sub.ports:
            if view.key(port) in seen:
                yield view.finding("error", "duplicate-name",
                                   f"port {port!r} listed twice; expected unique ports", port,
                                   loc=sub.loc, text=f"{sub.name} {' '.join(sub.ports)}")
            seen.add(view.key(port))


# ---------------------------------------------------------------------------------------
# unresolved-include
# ---------------------------------------------------------------------------------------
def _check_unresolved_include(view: _View) -> Iterator[Finding]:
    """Includes that could not be read (checked once, at the top level)."""
    if view.chain:
        return
    for n in _with_includes(view.netlist):
        for inc in n.includes:
            if inc.netlist is not None or inc.error is None:
                continue
            sec = f" section {inc.section}" if inc.section else ""
            yield Finding("error", "unresolved-include",
                          f"cannot read include {inc.path!r}{sec}: {inc.error}", inc.loc,
                          f"{inc.path}{sec}", inc.path)


# ---------------------------------------------------------------------------------------
# undefined-probe
# ---------------------------------------------------------------------------------------
def _check_undefined_probe(view: _View) -> Iterator[Finding]:
    """A CCCS/CCVS probing a missing voltage source; a K naming missing inductors."""
    by_name = {view.key(d.name): d for d in view.devices}
    cs = view.netlist.case_sensitive
    for d in view.devices:
        if d.kind in ("cccs", "ccvs"):
            probe = d.param("probe", cs)
            if probe is None:
                if not any(k.lower().startswith("poly") for k in d.params):
                    yield view.finding("error", "undefined-probe",
                                       f"{kind_name(d.kind)} {d.name} names no controlling "
                                       "voltage source; expected a probe", d.name, d)
                continue
            target = by_name.get(view.key(probe.text))
            if target is None or target.kind != "vsource":
                got = "not defined" if target is None else f"a {kind_name(target.kind)}"
                yield view.finding("error", "undefined-probe",
                                   f"controlling source {probe.text!r} of {kind_name(d.kind)} "
                                   f"{d.name} is {got}; expected a voltage source", d.name, d)
        elif d.kind == "mutual_inductor":
            for pname in ("ind1", "ind2"):
                ref = d.param(pname, cs)
                target = by_name.get(view.key(ref.text)) if ref is not None else None
                if target is not None and target.kind == "inductor":
                    continue
                shown = repr(ref.text) if ref is not None else "(none)"
                got = ("missing" if ref is None else "not defined" if target is None
                       else f"a {kind_name(target.kind)}")
                yield view.finding("error", "undefined-probe",
                                   f"{pname} {shown} of mutual inductor {d.name} is {got}; "
                                   "expected an inductor", d.name, d)


def _check_reserved_param(view: _View) -> Iterator[Finding]:
    """A parameter named like a function of ngspice's expressions (``ln``, ``exp``, ``min``...).

    ngspice reads ``{ln}`` as a call of ``ln()`` and rejects the deck.
    """
    params = view.chain[-1].params if view.chain else view.netlist.params
    for name, value in params.items():
        if name.lower() in FUNCTIONS:
            yield view.finding("error", "reserved-param",
                               f"parameter {name!r} has the name of the function {name.lower()}() in "
                               "ngspice expressions; expected another name", name, loc=value.loc,
                               text=f"{name}={value.text}")


# ---------------------------------------------------------------------------------------
# the driver
# ---------------------------------------------------------------------------------------
_CHECK_FUNCS: Mapping[str, Callable[[_View], Iterable[Finding]]] = MappingProxyType({
    "floating-net": _check_floating_net,
    "missing-terminals": _check_missing_terminals,
    "no-dc-path": _check_no_dc_path,
    "source-loop": _check_source_loop,
    "shorted-supply": _check_shorted_supply,
    "undefined-model": _check_undefined_model,
    "undefined-subckt": _check_undefined_subckt,
    "undefined-param": _check_undefined_param,
    "duplicate-name": _check_duplicate_name,
    "unresolved-include": _check_unresolved_include,
    "undefined-probe": _check_undefined_probe,
    "reserved-param": _check_reserved_param,
})

CHECKS: tuple[str, ...] = tuple(_CHECK_FUNCS)
"""The names of every check, in the order they run (``no-dc-path`` also emits ``no-ground``)."""


def _views(netlist: Netlist) -> Iterator[_View]:
    yield _View(netlist)
    todo: list[tuple[Subckt, ...]] = [(s,) for s in netlist.subckts.values()]
    while todo:
        chain = todo.pop(0)
        if any(chain[-1] is c for c in chain[:-1]):
            continue  # a definition containing itself: do not loop
        yield _View(netlist, chain)
        todo.extend(chain + (s,) for s in chain[-1].subckts.values())


def _sort_key(f: Finding) -> tuple[int, str, int, int]:
    if f.loc is None:
        return (1, "", 0, 0)
    return (0, f.loc.file or "", f.loc.line, f.loc.col)


def validate(netlist: Netlist, *, checks: Iterable[str] | None = None,
             parser_warnings: bool = True) -> list[Finding]:
    """Run the electrical rule checks on ``netlist`` and its subcircuit definitions.

    ``checks`` selects names from :data:`CHECKS` (all when None); an unknown
    name raises :class:`ResolutionError` listing them. The parser's warnings
    (``netlist.warnings``) come along unless ``parser_warnings`` is False.
    Findings are sorted by file, line and column (those without a location last),
    then by the order of :data:`CHECKS`.

    >>> from circuitforge.netlists.device import Device
    >>> n = Netlist("loop", devices=[Device("V1", "vsource", (("p", "a"), ("n", "0"))),
    ...                              Device("V2", "vsource", (("p", "a"), ("n", "0")))])
    >>> [str(f) for f in validate(n)]
    ['error[source-loop]: voltage sources/inductors V1, V2 form a loop (between a and 0); expected no loop of voltage sources and inductors: V2 a 0']
    """
    selected = set(CHECKS if checks is None else checks)
    for name in sorted(selected):
        if name not in _CHECK_FUNCS:
            raise ResolutionError(name, CHECKS, "check")
    names = [c for c in CHECKS if c in selected]
    found: list[Finding] = list(netlist.warnings) if parser_warnings else []
    for view in _views(netlist):
        for name in names:
            found.extend(_CHECK_FUNCS[name](view))
    return sorted(found, key=_sort_key)


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error (warnings and infos do not count).

    >>> has_errors([Finding("warning", "floating-net", "net 'x' ...")])
    False
    """
    return any(f.severity == "error" for f in findings)
