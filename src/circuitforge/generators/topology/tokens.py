"""The token language of a topology: a circuit-type token, the ports, then one device at a time.

A sequence reads ::

    <bos> type:opamp VSS VDD VIN1 VOUT1 <sep>  nmos n1 VIN1 n2 VSS  pmos n1 n1 VDD VDD  ...  <eos>

- ``type:<family>``: the circuit family (:data:`~circuitforge.netlists.analoggenie.FAMILIES`).
- the ports, ``VSS`` and ``VDD`` first, the others in vocabulary order, ended by ``<sep>``;
- per device a kind token (:data:`KINDS`: ``nmos pmos npn pnp res cap ind dio``) and then
  one net token per terminal in the kind's role order (MOSFET ``d g s b``, BJT ``c b e s``,
  two-terminal ``p n``), so every edge of the device–net graph carries its terminal role by
  position: the walk is typed without role tokens;
- a net token is a declared port, ``0`` (the corpus' few ground references) or an internal net
  ``n1, n2, ...``, numbered in order of first use, so a sequence is one canonical naming of
  its nets. Renaming augmentation is a random device order (hence a different numbering) and a
  random pin order for R/C/L that do not touch a rail; a R/C/L touching one rail (``VSS``,
  ``VDD``, ``0``) writes the rail second.

:func:`encode` and :func:`decode` are exact inverses up to device and internal-net names.

>>> from circuitforge.netlists import Netlist, Device
>>> n = Netlist("cs", [Device("M0", "mosfet", (("d", "VOUT1"), ("g", "VIN1"), ("s", "VSS"), ("b", "VSS")),
...                           model="nmos4"), Device("R0", "resistor", (("p", "VDD"), ("n", "VOUT1")))],
...             ports=["VDD", "VSS", "VIN1", "VOUT1"])
>>> v = Vocab(("VSS", "VDD", "VIN1", "VOUT1"))
>>> toks = encode(n, "amplifier", v)
>>> " ".join(toks)
'<bos> type:amplifier VSS VDD VIN1 VOUT1 <sep> nmos VOUT1 VIN1 VSS VSS res VOUT1 VDD <eos>'
>>> decode(toks, v).devices[1]
Device('R0', resistor, p=VOUT1 n=VDD)
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ...netlists.analoggenie import FAMILIES
from ...netlists.device import Device
from ...netlists.polarity import polarity_from_name
from ...netlists.netlist import Netlist
from .errors import TopologyError

__all__ = [
    "PAD", "BOS", "EOS", "SEP", "GROUND", "RAILS", "KINDS", "KIND_SPEC", "MAX_INTERNAL", "MAX_LEN",
    "KindSpec", "Vocab", "encode", "decode", "decode_lenient", "Decoded", "kind_of", "type_token",
]

PAD, BOS, EOS, SEP = "<pad>", "<bos>", "<eos>", "<sep>"
GROUND = "0"
"""The ground net token (a handful of corpus circuits name ``0`` besides ``VSS``)."""
SUPPLY, REFERENCE = "VDD", "VSS"
RAILS = frozenset({REFERENCE, SUPPLY, GROUND})
MAX_INTERNAL = 64
"""Internal nets a sequence may introduce (the corpus needs at most 55)."""
MAX_LEN = 320
"""Tokens in a sequence, ``<bos>`` and ``<eos>`` included (the longest corpus circuit takes 300)."""


@dataclass(frozen=True, slots=True)
class KindSpec:
    """A device kind token: the IR kind, the corpus model name, its terminal roles."""

    kind: str
    model: str | None
    roles: tuple[str, ...]
    letter: str

    @property
    def passive(self) -> bool:
        """Two-terminal (R, C, L, D): its two pins must sit on distinct nets."""
        return len(self.roles) == 2


KIND_SPEC: Mapping[str, KindSpec] = {
    "nmos": KindSpec("mosfet", "nmos4", ("d", "g", "s", "b"), "M"),
    "pmos": KindSpec("mosfet", "pmos4", ("d", "g", "s", "b"), "M"),
    "npn": KindSpec("bjt", "npn", ("c", "b", "e", "s"), "Q"),
    "pnp": KindSpec("bjt", "pnp", ("c", "b", "e", "s"), "Q"),
    "res": KindSpec("resistor", None, ("p", "n"), "R"),
    "cap": KindSpec("capacitor", None, ("p", "n"), "C"),
    "ind": KindSpec("inductor", None, ("p", "n"), "L"),
    "dio": KindSpec("diode", "diode", ("p", "n"), "D"),
}
KINDS: tuple[str, ...] = tuple(KIND_SPEC)
_SWAPPABLE = frozenset({"res", "cap", "ind"})


def type_token(family: str) -> str:
    return f"type:{family}"


def kind_of(device: Device) -> str:
    """The kind token of an IR device; :class:`TopologyError` when it has none (e.g. a subcircuit).

    >>> kind_of(Device("Q1", "bjt", (("c", "a"), ("b", "b"), ("e", "c"), ("s", "d")), model="pnp"))
    'pnp'
    """
    if device.kind in ("mosfet", "bjt"):
        pol = polarity_from_name(device.kind, device.model)
        if pol is None:
            raise TopologyError(f"{device.name}: cannot tell the polarity of {device.kind} model {device.model!r}")
        return {("mosfet", "n"): "nmos", ("mosfet", "p"): "pmos", ("bjt", "n"): "npn", ("bjt", "p"): "pnp"}[
            (device.kind, pol)]
    for tok, spec in KIND_SPEC.items():
        if spec.kind == device.kind and len(spec.roles) == 2:
            return tok
    raise TopologyError(f"{device.name}: device kind {device.kind} has no token (choices: mosfet, bjt, "
                        "resistor, capacitor, inductor, diode)")


@dataclass(frozen=True)
class Vocab:
    """The token vocabulary for a set of port names (``VSS`` and ``VDD`` always first).

    >>> v = Vocab(("VDD", "VSS", "VOUT1"))
    >>> v.ports, len(v), v.id("VOUT1") == v.id(v.ports[2])
    (('VSS', 'VDD', 'VOUT1'), 97, True)
    """

    ports: tuple[str, ...]
    families: tuple[str, ...] = FAMILIES
    tokens: tuple[str, ...] = field(init=False, repr=False, compare=False)
    index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rest = [p for p in dict.fromkeys(self.ports) if p not in (REFERENCE, SUPPLY)]
        ports = (REFERENCE, SUPPLY, *rest)
        object.__setattr__(self, "ports", ports)
        toks = [PAD, BOS, EOS, SEP, *(type_token(f) for f in self.families), *ports, GROUND, *KINDS,
                *(f"n{i}" for i in range(1, MAX_INTERNAL + 1))]
        if len(set(toks)) != len(toks):
            clash = sorted({t for t in toks if toks.count(t) > 1})
            raise TopologyError(f"port names clash with other tokens: {clash}")
        object.__setattr__(self, "tokens", tuple(toks))
        object.__setattr__(self, "index", {t: i for i, t in enumerate(toks)})

    def __len__(self) -> int:
        return len(self.tokens)

    def id(self, token: str) -> int:
        try:
            return self.index[token]
        except KeyError:
            raise TopologyError(f"token {token!r} is not in the vocabulary") from None

    def ids(self, tokens: Iterable[str]) -> list[int]:
        return [self.id(t) for t in tokens]

    def strs(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[i] for i in ids]

    def to_dict(self) -> dict:
        return {"ports": list(self.ports), "families": list(self.families)}

    @classmethod
    def from_dict(cls, d: Mapping) -> Vocab:
        return cls(tuple(d["ports"]), tuple(d["families"]))


def encode(netlist: Netlist, family: str, vocab: Vocab, *, ports: Sequence[str] | None = None,
           rng: random.Random | None = None) -> list[str]:
    """The token sequence of ``netlist`` (its ``ports`` unless given), family token first.

    Without ``rng`` the device order is the netlist's and pins keep their order (except the
    rail-second rule); with ``rng`` both are shuffled (renaming augmentation). Raises
    :class:`TopologyError` for a device without a kind token, a port outside the vocabulary, a
    circuit without ``VDD`` and ``VSS`` ports, or one too long for :data:`MAX_LEN`.
    """
    if family not in vocab.families:
        raise TopologyError(f"unknown circuit type {family!r} (choices: {sorted(vocab.families)})")
    port_list = list(dict.fromkeys(ports if ports is not None else netlist.ports))
    for rail in (REFERENCE, SUPPLY):
        if rail not in port_list:
            raise TopologyError(f"{netlist.title or 'netlist'}: no {rail} port (ports: {port_list})")
    unknown = [p for p in port_list if p not in vocab.index or p not in vocab.ports]
    if unknown:
        raise TopologyError(f"{netlist.title or 'netlist'}: ports {unknown} are not in the vocabulary")
    order = sorted(port_list, key=vocab.index.__getitem__)
    declared = set(order)
    out = [BOS, type_token(family), *order, SEP]
    devices = list(netlist.devices)
    if rng is not None:
        rng.shuffle(devices)
    internal: dict[str, str] = {}
    for d in devices:
        k = kind_of(d)
        spec = KIND_SPEC[k]
        if d.roles[: len(spec.roles)] != spec.roles or len(d.roles) not in (len(spec.roles), 3):
            raise TopologyError(f"{d.name}: terminals {d.roles} (expected {spec.roles})")
        nets = list(d.nets)
        if len(nets) == 3:  # a BJT without substrate: tie it to the emitter's rail convention (VSS)
            nets.append(REFERENCE)
        if k in _SWAPPABLE:
            rail = [n in RAILS and n in (declared | {GROUND}) for n in nets]
            if rail[0] and not rail[1]:
                nets.reverse()
            elif not any(rail) and rng is not None and rng.random() < 0.5:
                nets.reverse()
        out.append(k)
        for n in nets:
            if n in declared or n == GROUND:
                out.append(n)
            else:
                if n not in internal:
                    if len(internal) >= MAX_INTERNAL:
                        raise TopologyError(f"{netlist.title or 'netlist'}: more than {MAX_INTERNAL} internal nets")
                    internal[n] = f"n{len(internal) + 1}"
                out.append(internal[n])
    out.append(EOS)
    if len(out) > MAX_LEN:
        raise TopologyError(f"{netlist.title or 'netlist'}: {len(out)} tokens (at most {MAX_LEN})")
    return out


@dataclass(frozen=True, slots=True)
class Decoded:
    """What :func:`decode_lenient` makes of a sequence: the netlist of every complete device,
    the family, whether the sequence was well formed and finished, and the first problem."""

    netlist: Netlist
    family: str | None
    ok: bool
    problem: str = ""


def _net_name(tok: str) -> str:
    return f"net{tok[1:]}" if tok[:1] == "n" and tok[1:].isdigit() else tok


def decode_lenient(tokens: Sequence[str], vocab: Vocab, *, title: str = "generated") -> Decoded:
    """Read a (possibly malformed, unfinished) sequence; stop at the first token out of place.

    Internal nets become ``net1``, ``net2``, ...; devices ``M0``, ``R0``, ... per letter.

    >>> v = Vocab(("VSS", "VDD"))
    >>> d = decode_lenient(["<bos>", "type:other", "VSS", "VDD", "<sep>", "res", "VDD", "VSS", "cap", "VDD"], v)
    >>> d.ok, d.problem, len(d.netlist.devices)
    (False, 'sequence ends inside device 2 (cap)', 1)
    """
    family: str | None = None
    ports: list[str] = []
    devices: list[Device] = []
    counters: dict[str, int] = {}
    i = 0
    toks = list(tokens)
    port_set = set(vocab.ports)

    def fail(msg: str) -> Decoded:
        return Decoded(Netlist(title, devices, ports=ports), family, False, msg)

    if not toks or toks[0] != BOS:
        return fail("sequence does not start with <bos>")
    i = 1
    if i >= len(toks) or not toks[i].startswith("type:"):
        return fail("no circuit-type token after <bos>")
    family = toks[i][5:]
    i += 1
    while i < len(toks) and toks[i] != SEP:
        t = toks[i]
        if t not in port_set:
            return fail(f"token {i} ({t}) is not a port in the port list")
        if t in ports:
            return fail(f"port {t} declared twice")
        ports.append(t)
        i += 1
    if i >= len(toks):
        return fail("sequence ends inside the port list")
    i += 1
    allowed_nets = set(ports) | {GROUND}
    n_internal = 0
    while i < len(toks):
        t = toks[i]
        if t == EOS:
            if i != len(toks) - 1:
                return fail("tokens after <eos>")
            return Decoded(Netlist(title, devices, ports=ports), family, True)
        if t not in KIND_SPEC:
            return fail(f"token {i} ({t}) where a device kind or <eos> was expected")
        spec = KIND_SPEC[t]
        nets: list[str] = []
        for j in range(len(spec.roles)):
            if i + 1 + j >= len(toks):
                return fail(f"sequence ends inside device {len(devices) + 1} ({t})")
            nt = toks[i + 1 + j]
            if nt in allowed_nets:
                nets.append(nt)
            elif nt[:1] == "n" and nt[1:].isdigit():
                k = int(nt[1:])
                if k > n_internal + 1:
                    return fail(f"token {i + 1 + j} ({nt}) skips internal net n{n_internal + 1}")
                n_internal = max(n_internal, k)
                nets.append(_net_name(nt))
            else:
                return fail(f"token {i + 1 + j} ({nt}) where a net of device {len(devices) + 1} ({t}) was expected")
        c = counters.get(spec.letter, 0)
        counters[spec.letter] = c + 1
        devices.append(Device(f"{spec.letter}{c}", spec.kind, tuple(zip(spec.roles, nets)), model=spec.model))  # type: ignore[arg-type]
        i += 1 + len(spec.roles)
    return fail("sequence ends without <eos>")


def decode(tokens: Sequence[str], vocab: Vocab, *, title: str = "generated") -> Netlist:
    """The netlist of a well-formed, finished sequence (ports set); :class:`TopologyError` otherwise."""
    d = decode_lenient(tokens, vocab, title=title)
    if not d.ok:
        raise TopologyError(f"cannot decode {title}: {d.problem}")
    return d.netlist
