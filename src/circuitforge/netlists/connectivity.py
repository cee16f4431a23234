"""DC connectivity of a circuit: which terminals conduct at DC, which nets float, which loops are singular.

One rule for ERC (``netlists.validate``: ``no-dc-path``, ``source-loop``) and
for default biasing (``spice.bias``: leak resistors, source resistors, loop
resistors):

- :func:`dc_groups`: the terminals of a device joined by a DC path. A
  transmission line (``T`` lossless, ``O`` lossy, ``U`` RC line; kind
  ``tline``) joins its two signal conductors (``p1``–``p2``) and its two
  reference conductors (``n1``–``n2``).
- :func:`dc_components` / :func:`floating_groups`: nets joined through those
  paths, and the groups that reach no reference net (they need a leak).
- :func:`voltage_branches` / :class:`VoltageLoops`: branches that fix a voltage
  at DC (voltage sources, E/H controlled sources, voltage B-sources,
  inductors); a loop made only of them is singular.

>>> from circuitforge.netlists.device import Device
>>> r = Device("R1", "resistor", (("p", "a"), ("n", "0")))
>>> t = Device("T1", "tline", (("p1", "a"), ("n1", "0"), ("p2", "b"), ("n2", "0")))
>>> c = Device("C1", "capacitor", (("p", "c"), ("n", "b")))
>>> floating_groups([r, t, c], references={"0"})
[['c']]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

from .unionfind import UnionFind

if TYPE_CHECKING:  # annotation only
    from .device import Device

__all__ = ["VoltageLoops", "dc_components", "dc_groups", "floating_groups", "is_current_bsource",
           "is_voltage_like", "voltage_branches"]

_TWO_TERMINAL_CONDUCTORS = frozenset({"resistor", "inductor", "vsource", "diode", "switch", "cswitch",
                                      "vcvs", "ccvs"})


def is_current_bsource(d: Device) -> bool:
    """True for a behavioural source that sets a current (``I=...``), not a voltage."""
    keys = {k.lower() for k in d.params}
    return "i" in keys and "v" not in keys


def dc_groups(d: Device) -> tuple[tuple[str, ...], ...]:
    """Roles of ``d`` joined by a DC path (each group conducts among its members).

    >>> from circuitforge.netlists.device import Device
    >>> dc_groups(Device("M1", "mosfet", (("d", "x"), ("g", "y"), ("s", "0"), ("b", "0"))))
    (('d', 's', 'b'),)
    >>> dc_groups(Device("T1", "tline", (("p1", "a"), ("n1", "0"), ("p2", "b"), ("n2", "0"))))
    (('p1', 'p2'), ('n1', 'n2'))
    """
    kind = d.kind
    if kind in _TWO_TERMINAL_CONDUCTORS:
        return (("p", "n"),)
    if kind == "bsource":
        return () if is_current_bsource(d) else (("p", "n"),)
    if kind == "mosfet":  # gate isolated; drain, source, bulk (and extra SOI nodes) joined
        return (tuple(r for r in d.roles if r != "g"),)
    if kind == "tline":
        return (("p1", "p2"), ("n1", "n2"))
    if kind in ("bjt", "jfet", "mesfet", "subckt", "opaque"):
        return (tuple(d.roles),)
    return ()  # capacitor, isource, vccs, cccs, mutual_inductor


def dc_components(devices: Iterable[Device], key: Callable[[str], str] = str.lower,
                  uf: UnionFind[str] | None = None) -> UnionFind[str]:
    """Union–find of net keys (``key(net)``, lower case by default) joined through :func:`dc_groups`.

    Every net of every device is in it. Pass ``uf`` to add to an existing one (ground names joined).
    """
    uf = UnionFind() if uf is None else uf
    for d in devices:
        by_role: dict[str, str] = {}
        for role, net in d.terminals:
            k = key(net)
            uf.find(k)
            by_role.setdefault(role, k)
        for group in dc_groups(d):
            keys = [by_role[r] for r in group if r in by_role]
            for other in keys[1:]:
                uf.union(keys[0], other)
    return uf


def floating_groups(devices: Iterable[Device], references: Collection[str],
                    key: Callable[[str], str] = str.lower) -> list[list[str]]:
    """Groups of net keys (in order of first use) with no DC path to any of ``references`` (net keys).

    >>> from circuitforge.netlists.device import Device
    >>> r = Device("R1", "resistor", (("p", "a"), ("n", "B")))
    >>> c = Device("C1", "capacitor", (("p", "b"), ("n", "0")))
    >>> floating_groups([r, c], references={"0"})
    [['a', 'b']]
    """
    devices = list(devices)
    uf = dc_components(devices, key)
    order: dict[str, None] = {}
    for d in devices:
        for _, net in d.terminals:
            order.setdefault(key(net), None)
    grounded = {uf.find(r) for r in references if r in uf.parent}
    groups: dict[str, list[str]] = {}
    for k in order:
        root = uf.find(k)
        if root not in grounded:
            groups.setdefault(root, []).append(k)
    return list(groups.values())


def voltage_branches(d: Device) -> tuple[tuple[str, str], ...]:
    """Pairs of ``d``'s terminals whose voltage (or, for an inductor, DC voltage: zero) it fixes.

    >>> from circuitforge.netlists.device import Device
    >>> voltage_branches(Device("L1", "inductor", (("p", "a"), ("n", "b")))), voltage_branches(
    ...     Device("R1", "resistor", (("p", "a"), ("n", "b"))))
    ((('p', 'n'),), ())
    """
    return (("p", "n"),) if is_voltage_like(d) else ()


def is_voltage_like(d: Device) -> bool:
    """Voltage sources, E/H controlled sources, voltage B-sources and inductors (a short at DC)."""
    if d.kind in ("vsource", "vcvs", "ccvs", "inductor"):
        return True
    return d.kind == "bsource" and not is_current_bsource(d)


class VoltageLoops:
    """Nets joined by voltage-fixing branches (:func:`voltage_branches`): a new such branch between two
    nets already joined would close a loop that is singular at DC.

    >>> from circuitforge.netlists.device import Device
    >>> loops = VoltageLoops([Device("V1", "vsource", (("p", "vdd"), ("n", "0")))], grounds=("gnd",))
    >>> loops.closes("VDD", "gnd"), loops.closes("vdd", "x")
    (True, False)
    """

    def __init__(self, devices: Iterable[Device] = (), grounds: Iterable[str] = (),
                 key: Callable[[str], str] = str.lower):
        self.key = key
        self.uf: UnionFind[str] = UnionFind()
        for g in grounds:
            self.uf.union(key(g), "0")
        for d in devices:
            self.add(d)

    def closes(self, a: str, b: str) -> bool:
        """True when a voltage-fixing branch from ``a`` to ``b`` would close a loop."""
        return self.uf.find(self.key(a)) == self.uf.find(self.key(b))

    def join(self, a: str, b: str) -> bool:
        """Record a branch from ``a`` to ``b``; False when it closed a loop."""
        return self.uf.union(self.key(a), self.key(b))

    def add(self, d: Device) -> bool:
        """Record ``d``'s voltage-fixing branches; False when one of them closed a loop."""
        ok = True
        roles = dict(d.terminals)
        for ra, rb in voltage_branches(d):
            if ra in roles and rb in roles:
                ok = self.join(roles[ra], roles[rb]) and ok
        return ok
