"""The netlist IR: :class:`Netlist` and :class:`Subckt`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .device import Device
from .errors import ResolutionError
from .findings import Finding
from .flatten import flatten
from .model import ModelCard
from .names import lookup
from .source import SourceLoc
from .statement import Include, Statement
from .values import Value

__all__ = ["Netlist", "Subckt", "GROUND_NAMES"]

GROUND_NAMES = frozenset({"0", "gnd", "gnd!", "ground"})
"""Net names that mean the reference node (compared case-insensitively)."""


class _Scope:
    """Conveniences shared by a netlist and a subcircuit definition."""

    devices: list[Device]
    models: dict[str, ModelCard]
    subckts: dict[str, Subckt]
    params: dict[str, Value]
    statements: list[Statement]

    def nets(self) -> list[str]:
        """Every net a device of this scope touches, in order of first use."""
        seen: dict[str, None] = {}
        for d in self.devices:
            for n in d.nets:
                seen.setdefault(n, None)
        return list(seen)

    def device(self, name: str) -> Device:
        for d in self.devices:
            if d.name == name:
                return d
        low = name.lower()
        for d in self.devices:
            if d.name.lower() == low:
                return d
        raise ResolutionError(name, [d.name for d in self.devices], "device")

    def iter_devices(self, kind: str | None = None) -> Iterator[Device]:
        return (d for d in self.devices if kind is None or d.kind == kind)


@dataclass(slots=True)
class Subckt(_Scope):
    """A subcircuit definition: ports, default parameters, and its own contents.

    >>> Subckt("inv", ("a", "y", "vdd", "vss"))
    Subckt('inv', ports=4, devices=0)
    """

    name: str
    ports: tuple[str, ...]
    devices: list[Device] = field(default_factory=list)
    params: dict[str, Value] = field(default_factory=dict)
    models: dict[str, ModelCard] = field(default_factory=dict)
    subckts: dict[str, Subckt] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)
    loc: SourceLoc | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"Subckt({self.name!r}, ports={len(self.ports)}, devices={len(self.devices)})"


@dataclass(slots=True)
class Netlist(_Scope):
    """A whole netlist: devices, definitions, parameters, and what it does not interpret.

    ``dialect`` says what it was read from; ``case_sensitive`` is False for
    SPICE dialects (names compare case-insensitively) and True for Spectre.

    >>> from circuitforge.netlists import parse
    >>> n = parse("* divider\\nV1 in 0 1\\nR1 in out 1k\\nR2 out 0 1k\\n.op\\n.end\\n")
    >>> n
    Netlist('divider', devices=3, nets=3)
    >>> [s.text for s in n.statements]
    ['.op']
    """

    title: str = ""
    devices: list[Device] = field(default_factory=list)
    subckts: dict[str, Subckt] = field(default_factory=dict)
    models: dict[str, ModelCard] = field(default_factory=dict)
    params: dict[str, Value] = field(default_factory=dict)
    globals: list[str] = field(default_factory=list)
    ports: list[str] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    libraries: dict[str, Netlist] = field(default_factory=dict)
    dialect: str = field(default="ngspice", compare=False)
    case_sensitive: bool = field(default=False, compare=False)
    source: str | None = field(default=None, compare=False)
    warnings: list[Finding] = field(default_factory=list, compare=False)
    loc: SourceLoc | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"Netlist({self.title!r}, devices={len(self.devices)}, nets={len(self.nets())})"

    # ---- lookups through includes -------------------------------------------------
    def _key(self, name: str) -> str:
        return name if self.case_sensitive else name.lower()

    def _find(self, table: str, name: str, scope: Subckt | None = None,
              _seen: set[int] | None = None) -> object | None:
        key = self._key(name)
        if scope is not None:
            found = lookup(getattr(scope, table), key, self.case_sensitive)
            if found is not None:
                return found
        found = lookup(getattr(self, table), key, self.case_sensitive)
        if found is not None:
            return found
        seen = _seen if _seen is not None else set()
        for inc in self.includes:
            sub = inc.netlist
            if sub is None or id(sub) in seen:
                continue
            seen.add(id(sub))
            found = sub._find(table, name, None, seen)
            if found is not None:
                return found
        return None

    def find_model(self, name: str, scope: Subckt | None = None) -> ModelCard | None:
        """The model card named ``name`` visible from ``scope`` (including included files)."""
        return self._find("models", name, scope)  # type: ignore[return-value]

    def find_subckt(self, name: str, scope: Subckt | None = None) -> Subckt | None:
        """The subcircuit definition named ``name`` visible from ``scope``."""
        return self._find("subckts", name, scope)  # type: ignore[return-value]

    def all_params(self) -> dict[str, Value]:
        """Top-level parameters, those of included files first (later ones override)."""
        out: dict[str, Value] = {}
        for inc in self.includes:
            if inc.netlist is not None:
                out.update(inc.netlist.all_params())
        out.update(self.params)
        return out

    def is_ground(self, net: str) -> bool:
        return net.lower() in GROUND_NAMES

    def flatten(self, **kwargs: object) -> Netlist:
        """A copy with every subcircuit instance expanded (see :func:`.flatten.flatten`)."""
        return flatten(self, **kwargs)  # type: ignore[arg-type]
