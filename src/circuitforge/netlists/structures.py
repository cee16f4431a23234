"""Device roles of an amplifier, read from its netlist graph: pairs, tails, mirrors, cascodes, loads, stages.

Pure IR analysis (nothing is simulated): given the MOSFETs of an op-amp's body
and which nets are its inputs, outputs and supplies, :func:`find_structures`
says what each transistor does, so that sizing can start from roles
(gm/ID per role, currents from a power budget) instead of from whatever
sizes the netlist happens to carry.

Roles (:data:`ROLES`), decided in this order:

``input``
    gate on an input net (a differential pair when two of the same polarity
    share their source: :attr:`Structures.pairs`).
``tail``
    same polarity as a pair, drain on the pair's common source.
``cascode``
    source on the drain of a same-polarity transistor that is not a
    supply, gate on a bias net (not an input, not a signal node): a common gate.
``load``
    opposite polarity to the input pair with its drain on a first-stage node
    (the drain of an input transistor, or a cascode's drain above it), or
    any transistor whose drain is the source of a cascode (the current
    source under it).
``gain``
    gate on a signal node (a first-stage node or a later gain stage's
    drain), not an input: a common-source gain or output stage (``load``
    when it is diode-connected: the input of a mirror in the signal path).
``source``
    gate not on a signal node, drain on a signal node or the output: a
    current source or sink biasing a stage.
``bias``
    the rest of the bias network (diode-connected references, bias generators).

Matched groups (:attr:`Structures.groups`): the two halves of a pair;
transistors of one polarity sharing gate and source nets (mirrors, load
pairs) or, for cascodes, their gate net, that also play the same role; and
the two halves of a symmetric signal path (single loads or gain devices of
one polarity, role and source, both diode-connected or both not).

>>> from circuitforge.netlists import parse
>>> amp = parse('''* 5T OTA
... M1 x inn tail 0 nmos
... M2 out inp tail 0 nmos
... M3 x x vdd vdd pmos
... M4 out x vdd vdd pmos
... M5 tail nb 0 0 nmos
... M6 nb nb 0 0 nmos
... ''')
>>> s = find_structures(amp.devices, inputs=("inp", "inn"), outputs=("out",), vdd="vdd", vss="0")
>>> s.roles
{'M1': 'input', 'M2': 'input', 'M3': 'load', 'M4': 'load', 'M5': 'tail', 'M6': 'bias'}
>>> s.pairs, s.groups
((('M1', 'M2'),), (('M1', 'M2'), ('M3', 'M4'), ('M5',), ('M6',)))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from .device import Device
from .netlist import GROUND_NAMES, Netlist
from .polarity import device_polarity

__all__ = ["Role", "ROLES", "Structures", "find_structures", "follower_feedback"]

Role = Literal["input", "tail", "cascode", "load", "gain", "source", "bias"]
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True, slots=True)
class Structures:
    """What :func:`find_structures` found.

    ``roles``: device name → :data:`Role` (MOSFETs only, in netlist order);
    ``polarity``: device name → ``n``/``p`` (None when the model name does
    not tell); ``pairs``: the differential pairs (two device names each);
    ``groups``: devices that should share their sizes (every MOSFET in
    exactly one group, groups in order of first appearance); ``stages``:
    the number of high-impedance nodes on the shortest signal path from the
    inputs to an output (1 for a 5T OTA, a symmetric OTA or a folded
    cascode, 2 for a Miller op-amp; 0 when no input transistor was found).
    """

    roles: Mapping[str, Role]
    polarity: Mapping[str, str | None]
    pairs: tuple[tuple[str, str], ...]
    groups: tuple[tuple[str, ...], ...]
    stages: int

    def of_role(self, role: Role) -> tuple[str, ...]:
        """Device names playing ``role``.

        >>> Structures({"M1": "input", "M2": "tail"}, {}, (), (), 1).of_role("tail")
        ('M2',)
        """
        return tuple(n for n, r in self.roles.items() if r == role)

    def __repr__(self) -> str:
        counts = {r: len(self.of_role(r)) for r in ROLES if self.of_role(r)}  # type: ignore[arg-type]
        return f"Structures(devices={len(self.roles)}, pairs={len(self.pairs)}, stages={self.stages}, {counts})"


def _low(n: str) -> str:
    return n.lower()


def find_structures(devices: Iterable[Device], *, inputs: Sequence[str], outputs: Sequence[str] = (),
                    vdd: str = "vdd", vss: str = "vss", bias: Sequence[str] = (),
                    netlist: Netlist | None = None) -> Structures:
    """Roles, pairs, matched groups and stage count of the MOSFETs among ``devices`` (module docstring).

    ``inputs``/``outputs``: the amplifier's input and output nets; ``vdd``/``vss``:
    its supply nets (ground names count as ``vss`` too); ``bias``: bias nets
    driven from outside (ports such as ``VB1``). Net names match case-insensitively.
    Devices that are not MOSFETs are ignored (they carry no role). Polarity
    comes from the model cards of ``netlist`` when given, else from the model names.

    >>> from circuitforge.netlists import Device
    >>> m = Device("M1", "mosfet", (("d", "o"), ("g", "i"), ("s", "0"), ("b", "0")), model="nmos")
    >>> find_structures([m], inputs=("i",), outputs=("o",), vss="0").roles
    {'M1': 'input'}
    """
    mos = [d for d in devices if d.kind == "mosfet"]
    ins = {_low(n) for n in inputs}
    outs = {_low(n) for n in outputs}
    rails = {_low(vdd), _low(vss)} | set(GROUND_NAMES)
    pol = {d.name: device_polarity(netlist, d) for d in mos}
    d_, g_, s_ = ({d.name: _low(d.net(r)) for d in mos} for r in ("d", "g", "s"))
    roles: dict[str, Role] = {}

    # input transistors and differential pairs
    inputs_dev = [d.name for d in mos if g_[d.name] in ins]
    for n in inputs_dev:
        roles[n] = "input"
    pairs: list[tuple[str, str]] = []
    used: set[str] = set()
    for i, a in enumerate(inputs_dev):
        for b in inputs_dev[i + 1:]:
            if (a not in used and b not in used and pol[a] == pol[b] and s_[a] == s_[b]
                    and g_[a] != g_[b]):
                pairs.append((a, b))
                used |= {a, b}
    pair_pol = pol[pairs[0][0]] if pairs else (pol[inputs_dev[0]] if inputs_dev else None)
    tails = {s_[a] for a, _ in pairs} - rails
    for d in mos:
        if d.name not in roles and d_[d.name] in tails and pol[d.name] == pair_pol:
            roles[d.name] = "tail"

    # first-stage nodes: input drains, and the sources/drains of common gates stacked on them
    first = {d_[n] for n in inputs_dev} - rails
    bias_nets = {_low(n) for n in bias} | {g_[d.name] for d in mos if g_[d.name] == d_[d.name]}
    bias_nets -= ins

    def cascode(d: Device) -> bool:
        n = d.name
        if n in roles or g_[n] in ins or g_[n] == d_[n] or s_[n] in rails:
            return False
        below = [e for e in mos if e.name != n and d_[e.name] == s_[n] and pol[e.name] == pol[n]]
        return bool(below) and (g_[n] in bias_nets or g_[n] in rails)

    for d in mos:
        if cascode(d):
            roles[d.name] = "cascode"
    # a folded cascode's first stage runs through the cascodes whose source is an input drain
    first |= {d_[n] for n, r in roles.items() if r == "cascode" and s_[n] in first}
    first -= rails
    under_cascode = {s_[n] for n, r in roles.items() if r == "cascode"}
    for d in mos:
        n = d.name
        if n not in roles and ((pol[n] != pair_pol and d_[n] in first) or d_[n] in under_cascode):
            roles[n] = "load"

    # signal nodes: the first stage, then the drains of transistors whose gate is a signal node;
    # a stage is a high-impedance node on the way (a diode-connected node is low impedance)
    diodes = {d_[d.name] for d in mos if g_[d.name] == d_[d.name]}

    def cost(net: str) -> int:
        return 0 if net in diodes else 1

    stage_of = {net: cost(net) for net in first}
    for _ in range(len(mos) + 1):
        changed = False
        for d in mos:
            n = d.name
            if roles.get(n) in ("input", "tail", "cascode") or g_[n] not in stage_of:
                continue
            if n not in roles:
                roles[n] = "load" if g_[n] == d_[n] else "gain"
            net = d_[n]
            if net in rails or g_[n] == net:
                continue
            k = stage_of[g_[n]] + cost(net)
            if k < stage_of.get(net, len(mos) + 1):
                stage_of[net] = k
                changed = True
        if not changed:
            break
    signal = set(stage_of)
    for d in mos:
        n = d.name
        if n not in roles:
            roles[n] = "source" if (d_[n] in signal or d_[n] in outs) else "bias"
    stages = 0
    if inputs_dev:
        at_out = [stage_of[o] for o in outs if o in stage_of]
        stages = max(1, min(at_out) if at_out else max(stage_of.values(), default=1))

    # matched groups: pairs, then same polarity, gate, source and role
    groups: list[tuple[str, ...]] = []
    grouped: set[str] = set()
    for a, b in pairs:
        groups.append((a, b))
        grouped |= {a, b}
    by_key: dict[tuple, list[str]] = {}
    for d in mos:
        n = d.name
        if n in grouped:
            continue
        # cascodes of both halves share their gate but not their source
        where = "" if roles[n] == "cascode" else s_[n]
        by_key.setdefault((pol[n], g_[n], where, roles[n]), []).append(n)
    # the two halves of a symmetric signal path (a symmetric OTA's loads and output mirrors) share
    # polarity, role and source but not their gate: merge such single devices in pairs
    halves: dict[tuple, list[str]] = {}
    for v in by_key.values():
        n = v[0]
        if len(v) == 1 and roles[n] in ("load", "gain"):
            halves.setdefault((pol[n], roles[n], s_[n], g_[n] == d_[n]), []).append(n)
    for v in halves.values():
        for a, b in zip(v[0::2], v[1::2]):
            del by_key[(pol[b], g_[b], s_[b], roles[b])]
            by_key[(pol[a], g_[a], s_[a], roles[a])].append(b)
    order = {d.name: i for i, d in enumerate(mos)}
    groups += [tuple(v) for v in by_key.values()]
    groups.sort(key=lambda g: order[g[0]])
    return Structures({d.name: roles[d.name] for d in mos}, pol, tuple(pairs), tuple(groups), stages)


def follower_feedback(devices: Iterable[Device], *, inp: str, out: str,
                      netlist: Netlist | None = None) -> list[str]:
    """The MOSFETs that make a single-input amplifier an op-amp wired as a follower: their gate is on
    the output ``out`` and they form a source-coupled pair (same polarity, same source net) with a
    transistor whose gate is the input ``inp``.

    Such a circuit (the corpus has a few: a differential pair with one gate on ``VIN1`` and the other
    on ``VOUT1``) is an op-amp with its inverting input tied to its output; moving those gates to a
    new port gives the op-amp back, ``inp`` its non-inverting input. Empty when there is no such pair.

    >>> from circuitforge.netlists import Device
    >>> m = lambda n, d, g, s: Device(n, "mosfet", (("d", d), ("g", g), ("s", s), ("b", "0")), model="nmos")
    >>> follower_feedback([m("M1", "x", "vin", "t"), m("M2", "out", "out", "t"), m("M3", "t", "vb", "0")],
    ...                   inp="vin", out="out")
    ['M2']
    """
    mos = [d for d in devices if d.kind == "mosfet"]
    i, o = _low(inp), _low(out)
    pol = {d.name: device_polarity(netlist, d) for d in mos}
    inputs = [d for d in mos if _low(d.net("g")) == i]
    return [d.name for d in mos if _low(d.net("g")) == o
            and any(pol[a.name] == pol[d.name] and _low(a.net("s")) == _low(d.net("s")) for a in inputs)]
