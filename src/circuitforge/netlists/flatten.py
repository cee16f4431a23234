"""flatten(): expand every subcircuit instance into the devices it stands for.

Devices and internal nets get hierarchical names (``X1.M3``, ``X1.net3``);
port nets become the instance's nets; global and ground nets keep their
names. Parameter expressions are evaluated with the instance's environment
and become numbers wherever they can be.

>>> from circuitforge.netlists.device import Device
>>> from circuitforge.netlists.netlist import Netlist, Subckt
>>> inv = Subckt("inv", ("a", "y"), [
...     Device("M1", "mosfet", (("d", "y"), ("g", "a"), ("s", "0"), ("b", "0")), "nch")])
>>> top = Netlist("t", [Device("X1", "subckt", (("a", "in"), ("y", "out")), "inv")],
...               subckts={"inv": inv})
>>> flatten(top).devices
[Device('X1.M1', mosfet, d=out g=in s=0 b=0, model='nch')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .device import Device
from .errors import ValidationError
from .model import ModelCard
from .names import lookup
from .values import Value

if TYPE_CHECKING:
    from .netlist import Netlist, Subckt

__all__ = ["flatten", "parameter_env", "resolve_params"]



def parameter_env(netlist: Netlist) -> dict[str, float]:
    """Top-level parameters (included files first) evaluated in order; unresolvable ones left out.

    Keys are lower case unless the netlist is case sensitive.

    >>> from circuitforge.netlists.netlist import Netlist
    >>> n = Netlist(params={"rv": Value.parse("2k"), "r2": Value.parse("{rv*2}")})
    >>> parameter_env(n)
    {'rv': 2000.0, 'r2': 4000.0}
    """
    cs = netlist.case_sensitive
    env: dict[str, float] = {}
    for name, value in netlist.all_params().items():
        number = value.resolve(env, case_sensitive=cs)
        if number is not None:
            env[name if cs else name.lower()] = number
    return env


def resolve_params(params: Mapping[str, Value], env: Mapping[str, float], *,
                   case_sensitive: bool = False, spectre: bool = False) -> dict[str, Value]:
    """``params`` with every expression that ``env`` resolves replaced by its number.

    >>> p = resolve_params({"r": Value.parse("{2*rv}"), "m": Value.parse("{k}")}, {"rv": 2e3})
    >>> p["r"].text, p["r"].number, p["m"].text
    ('4k', 4000.0, '{k}')
    """
    out: dict[str, Value] = {}
    for name, value in params.items():
        if value.expr is not None:
            number = value.resolve(env, case_sensitive=case_sensitive)
            if number is not None:
                value = Value.of(number, "spectre" if spectre else "spice")
        out[name] = value
    return out


@dataclass(frozen=True, slots=True)
class _Frame:
    """Where the expansion is: name prefix, net map, visible definitions and parameters."""

    prefix: str
    ports: Mapping[str, str]
    scopes: tuple[Subckt, ...]
    env: Mapping[str, float]
    path: tuple[Subckt, ...]


class _Flattener:
    def __init__(self, netlist: Netlist, separator: str, keep_unknown: bool):
        self.netlist = netlist
        self.sep = separator
        self.keep_unknown = keep_unknown
        self.cs = netlist.case_sensitive
        self.spectre = netlist.dialect == "spectre"
        self.globals = {self.key(g) for g in netlist.globals}
        self.devices: list[Device] = []
        self.models: dict[str, ModelCard] = dict(netlist.models)

    def key(self, name: str) -> str:
        return name if self.cs else name.lower()

    def net(self, net: str, frame: _Frame) -> str:
        k = self.key(net)
        if k in frame.ports:
            return frame.ports[k]
        if not frame.prefix or k in self.globals or self.netlist.is_ground(net):
            return net
        return frame.prefix + net

    def find_subckt(self, name: str, scopes: Sequence[Subckt]) -> Subckt | None:
        """A definition by name: innermost local scope first, then the netlist and its includes."""
        for scope in reversed(scopes):
            found = lookup(scope.subckts, self.key(name), self.cs)
            if found is not None:
                return found
        return self.netlist.find_subckt(name)

    def local_model(self, name: str, scopes: Sequence[Subckt]) -> tuple[ModelCard, Subckt] | None:
        """The model card ``name`` when a definition in ``scopes`` holds it (innermost first)."""
        for scope in reversed(scopes):
            found = lookup(scope.models, self.key(name), self.cs)
            if found is not None:
                return found, scope
        return None

    def known_subckts(self, scopes: Sequence[Subckt]) -> list[str]:
        names: set[str] = set()
        for scope in scopes:
            names.update(s.name for s in scope.subckts.values())
        todo, seen = [self.netlist], set()
        while todo:
            n = todo.pop()
            if id(n) in seen:
                continue
            seen.add(id(n))
            names.update(s.name for s in n.subckts.values())
            todo.extend(inc.netlist for inc in n.includes if inc.netlist is not None)
        return sorted(names)

    def expand(self, devices: Sequence[Device], frame: _Frame) -> None:
        for dev in devices:
            name = frame.prefix + dev.name
            terminals = tuple((r, self.net(n, frame)) for r, n in dev.terminals)
            if dev.kind != "subckt":
                self.emit(dev, name, terminals, frame)
                continue
            sub = self.find_subckt(dev.model or "", frame.scopes)
            if sub is None:
                if not self.keep_unknown:
                    known = self.known_subckts(frame.scopes)
                    raise ValidationError(
                        f"{name} instantiates unknown subcircuit {dev.model!r}; "
                        f"known subcircuits: {known}", dev.loc)
                self.emit(dev, name, terminals, frame)
                continue
            self.instantiate(dev, name, terminals, sub, frame)

    def emit(self, dev: Device, name: str, terminals: tuple[tuple[str, str], ...],
             frame: _Frame) -> None:
        model = dev.model
        local = self.local_model(model, frame.scopes) if model and dev.kind != "subckt" else None
        if local is not None:
            model = self.hoist(*local)
        params = resolve_params(dev.params, frame.env, case_sensitive=self.cs, spectre=self.spectre)
        self.devices.append(replace(dev, name=name, terminals=terminals, model=model, params=params))

    def hoist(self, card: ModelCard, owner: Subckt) -> str:
        """Move a model card local to ``owner`` to the top level; its (maybe new) name."""
        name = card.name
        existing = lookup(self.models, self.key(name), self.cs) or self.netlist.find_model(name)
        if existing is not None and existing != card:
            name = owner.name + self.sep + card.name
            existing = lookup(self.models, self.key(name), self.cs)
        if existing is None:
            self.models[name] = replace(card, name=name)
        return name

    def instantiate(self, dev: Device, name: str, terminals: tuple[tuple[str, str], ...],
                    sub: Subckt, frame: _Frame) -> None:
        if len(terminals) != len(sub.ports):
            raise ValidationError(
                f"{name} has {len(terminals)} nets but subcircuit {sub.name!r} "
                f"has {len(sub.ports)} ports", dev.loc)
        if any(s is sub for s in frame.path):
            start = next(i for i, s in enumerate(frame.path) if s is sub)
            cycle = " -> ".join(s.name for s in frame.path[start:] + (sub,))
            raise ValidationError(f"recursive subcircuit hierarchy: {cycle} (instance {name})",
                                  dev.loc)
        env = dict(frame.env)
        overrides = {self.key(k): v.resolve(frame.env, case_sensitive=self.cs)
                     for k, v in dev.params.items()}
        for k, v in sub.params.items():
            kk = self.key(k)
            number = overrides[kk] if kk in overrides else v.resolve(env, case_sensitive=self.cs)
            if number is None:
                env.pop(kk, None)  # an outer value of the same name must not leak in
            else:
                env[kk] = number
        for kk, number in overrides.items():
            if number is not None:
                env[kk] = number
        ports = {self.key(p): n for p, (_, n) in zip(sub.ports, terminals)}
        child = _Frame(name + self.sep, ports, _definition_scopes(frame.scopes, sub), env,
                       frame.path + (sub,))
        self.expand(sub.devices, child)


def _definition_scopes(scopes: tuple[Subckt, ...], sub: Subckt) -> tuple[Subckt, ...]:
    # a definition nested in a visible scope keeps that scope; one from the top level starts afresh
    for i in range(len(scopes) - 1, -1, -1):
        if any(s is sub for s in scopes[i].subckts.values()):
            return scopes[: i + 1] + (sub,)
    return (sub,)




def flatten(netlist: Netlist, *, separator: str = ".", keep_unknown: bool = True) -> Netlist:
    """A copy of ``netlist`` with every subcircuit instance expanded, recursively.

    Definitions are looked up from the instance's scope outwards (nested
    definitions, then the netlist, then included files). Instances of unknown
    subcircuits are kept (nets and name mapped) unless ``keep_unknown`` is
    False, which raises :class:`ValidationError`, as do a recursive hierarchy
    and an instance whose net count differs from its definition's ports.
    Model cards local to a definition move to the top level.

    >>> from circuitforge.netlists.netlist import Netlist, Subckt
    >>> res = Subckt("res", ("a", "b"), [Device("R1", "resistor", (("p", "a"), ("n", "mid")),
    ...                                         params={"r": Value.parse("{r}")})],
    ...              params={"r": Value.parse("1k")})
    >>> top = Netlist("t", [Device("X1", "subckt", (("a", "n1"), ("b", "n2")), "res",
    ...                            {"r": Value.parse("{2*rv}")})],
    ...               subckts={"res": res}, params={"rv": Value.parse("2k")})
    >>> flat = flatten(top, separator="/")
    >>> flat.devices
    [Device('X1/R1', resistor, p=n1 n=X1/mid, r=4k)]
    >>> flat.subckts, top.devices[0].name
    ({}, 'X1')
    """
    fl = _Flattener(netlist, separator, keep_unknown)
    fl.expand(netlist.devices, _Frame("", {}, (), parameter_env(netlist), ()))
    return replace(
        netlist, devices=fl.devices, subckts={}, models=fl.models, params=dict(netlist.params),
        globals=list(netlist.globals), ports=list(netlist.ports),
        statements=list(netlist.statements), includes=list(netlist.includes),
        libraries=dict(netlist.libraries), warnings=list(netlist.warnings))
