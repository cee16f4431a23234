"""An independent structural checker for generated topologies (shares no code with the grammar).

:func:`structural_problems` reads only the netlist IR, so that "every sample is structurally
valid" is a claim tested against a second implementation of the rules, not the grammar
agreeing with itself. The rules:

1. ``VDD`` and ``VSS`` are ports, and the supply is not shorted: no inductor (a DC short)
   joins two of the rails ``VDD``, ``VSS``, ``0``;
2. every device is a MOSFET (``d g s b``, model ``nmos4``/``pmos4``), a BJT (``c b e s``,
   ``npn``/``pnp``), a resistor, capacitor, inductor (``p n``) or diode (``p n``, ``diode``):
   every terminal on exactly one, named net;
3. a two-terminal device sits on two distinct nets; a transistor not on one net alone;
4. every internal net (not a port, not ground) reaches at least two terminals;
5. every port reaches at least one terminal; device names are unique.

>>> from circuitforge.netlists import Netlist, Device
>>> n = Netlist("x", [Device("R1", "resistor", (("p", "VDD"), ("n", "a")))], ports=["VDD", "VSS"])
>>> structural_problems(n)
['internal net a has 1 terminal (needs at least 2)', 'port VSS is not connected']
"""

from __future__ import annotations

from collections import Counter

from ...netlists.netlist import Netlist

__all__ = ["structural_problems", "is_structurally_valid"]

_ROLES = {
    "mosfet": (("d", "g", "s", "b"), {"nmos4", "pmos4"}),
    "bjt": (("c", "b", "e", "s"), {"npn", "pnp"}),
    "resistor": (("p", "n"), {None}),
    "capacitor": (("p", "n"), {None}),
    "inductor": (("p", "n"), {None}),
    "diode": (("p", "n"), {"diode"}),
}
_GROUND = {"0", "gnd", "gnd!", "ground"}


def structural_problems(netlist: Netlist) -> list[str]:
    """Every broken rule of ``netlist`` (its ``ports``), as messages; empty when valid."""
    problems: list[str] = []
    ports = list(netlist.ports)
    rails = {"VDD", "VSS"} | _GROUND
    for rail in ("VDD", "VSS"):
        if rail not in ports:
            problems.append(f"no {rail} port")
    if len(set(ports)) != len(ports):
        problems.append("a port is declared twice")
    names = Counter(d.name for d in netlist.devices)
    for name, k in names.items():
        if k > 1:
            problems.append(f"device name {name} used {k} times")
    touches: Counter[str] = Counter()
    for d in netlist.devices:
        if d.kind not in _ROLES:
            problems.append(f"{d.name}: kind {d.kind} is not generated")
            continue
        roles, models = _ROLES[d.kind]
        if tuple(r for r, _ in d.terminals) != roles:
            problems.append(f"{d.name}: terminals {[r for r, _ in d.terminals]} (expected {list(roles)})")
        if d.model not in models:
            problems.append(f"{d.name}: model {d.model!r} (expected one of {sorted(map(str, models))})")
        nets = [n for _, n in d.terminals]
        if any(not n for n in nets):
            problems.append(f"{d.name}: a terminal on no net")
        if len(set(nets)) == 1:
            problems.append(f"{d.name}: every terminal on net {nets[0]}")
        if d.kind == "inductor" and all(n in rails for n in nets):
            problems.append(f"{d.name}: inductor shorts rails {nets[0]} and {nets[1]}")
        touches.update(nets)
    for net, k in touches.items():
        if net in ports or net.lower() in _GROUND:
            continue
        if k < 2:
            problems.append(f"internal net {net} has {k} terminal (needs at least 2)")
    for p in ports:
        if touches[p] == 0:
            problems.append(f"port {p} is not connected")
    return problems


def is_structurally_valid(netlist: Netlist) -> bool:
    """``not structural_problems(netlist)``."""
    return not structural_problems(netlist)
