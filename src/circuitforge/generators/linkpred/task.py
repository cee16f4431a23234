"""The link-prediction task: a netlist with some terminals of one device cut, and its candidates.

A :class:`LinkTask` names a device of a netlist and the positions of its
terminals whose nets are unknown. Its candidates are the nets that remain
connected once those terminals are cut (nets still touched by another
terminal, plus ports, globals and ground named by the netlist), followed by
:data:`NEW_NET` ("a net of its own"). A terminal's answer is its net when that
net is still a candidate, else :data:`NEW_NET`.

>>> from circuitforge.netlists import parse
>>> n = parse("* cs\\nM1 out in 0 0 nmos\\nR1 vdd out 1k\\nR2 in 0 1k\\n.end\\n")
>>> n.ports = ["vdd", "in", "out"]
>>> t = LinkTask.cut_device(n, 1)
>>> t.candidates, t.targets()
(['out', 'in', '0', 'vdd'], [3, 0])
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from ...graph.features import netlist_nets
from ...graph.hashing import canonical_hash
from ...netlists.netlist import Netlist
from .errors import LinkPredError

__all__ = ["NEW_NET", "Mode", "MODES", "LinkTask", "Split", "split_circuits", "tasks_for"]

NEW_NET = "<new>"
"""The candidate "a net of its own" (always the last candidate)."""

Mode = Literal["device", "terminal"]
MODES: tuple[str, ...] = get_args(Mode)
"""``device``: every terminal of the device is cut; ``terminal``: one terminal is cut."""


@dataclass(frozen=True, slots=True)
class LinkTask:
    """Device ``device`` of ``netlist`` with the terminals at ``missing`` (positions) cut.

    ``truth`` says whether the netlist's nets at the cut positions are the
    answer (evaluation) or placeholders (a netlist to complete).
    """

    netlist: Netlist
    device: int
    missing: tuple[int, ...]
    truth: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.device < len(self.netlist.devices):
            raise LinkPredError(f"device index {self.device} out of range (netlist has "
                                f"{len(self.netlist.devices)} devices)")
        d = self.netlist.devices[self.device]
        bad = [p for p in self.missing if not 0 <= p < len(d.terminals)]
        if bad or not self.missing:
            raise LinkPredError(f"missing positions {list(self.missing)} do not fit {d.name} "
                                f"({len(d.terminals)} terminals)")

    @classmethod
    def cut_device(cls, netlist: Netlist, device: int) -> LinkTask:
        return cls(netlist, device, tuple(range(len(netlist.devices[device].terminals))))

    @property
    def dev(self):  # noqa: ANN201 - Device
        return self.netlist.devices[self.device]

    @property
    def known(self) -> tuple[int, ...]:
        """Positions of the device's terminals that stay connected."""
        return tuple(p for p in range(len(self.dev.terminals)) if p not in self.missing)

    @property
    def candidates(self) -> list[str]:
        """The nets a cut terminal may join (canonical spellings), :data:`NEW_NET` excluded."""
        return _candidates(self)

    def targets(self) -> list[int]:
        """Index into ``candidates + [NEW_NET]`` of each cut terminal's true net."""
        if not self.truth:
            raise LinkPredError("this task has no true nets (it is a netlist to complete)")
        nets, canon = netlist_nets(self.netlist)
        cands = self.candidates
        where = {c: i for i, c in enumerate(cands)}
        return [where.get(canon(self.dev.terminals[p][1]), len(cands)) for p in self.missing]


def _candidates(task: LinkTask) -> list[str]:
    n = task.netlist
    nets, canon = netlist_nets(n)
    keep: set[str] = {canon(x) for x in (*n.ports, *n.globals)}
    for i, d in enumerate(n.devices):
        for j, (_, net) in enumerate(d.terminals):
            if i == task.device and j in task.missing:
                continue
            keep.add(canon(net))
    return [x for x in nets if x in keep]


def tasks_for(netlist: Netlist, mode: Mode, *, seed: int = 0) -> list[LinkTask]:
    """Every device of ``netlist`` cut in turn: all its terminals (``device``) or one terminal
    chosen by ``seed`` (``terminal``). Devices without terminals are skipped."""
    if mode not in MODES:
        raise LinkPredError(f"Could not resolve mode {mode!r} among choices {list(MODES)}")
    out = []
    for i, d in enumerate(netlist.devices):
        k = len(d.terminals)
        if k == 0:
            continue
        if mode == "device":
            out.append(LinkTask(netlist, i, tuple(range(k))))
        else:
            h = int(hashlib.blake2b(f"{seed}:{netlist.title}:{i}".encode(), digest_size=8).hexdigest(), 16)
            out.append(LinkTask(netlist, i, (h % k,)))
    return out


@dataclass(frozen=True, slots=True)
class Split:
    """Circuit indices per part; circuits with equal topology hashes share a part."""

    train: tuple[int, ...]
    val: tuple[int, ...]
    test: tuple[int, ...]
    hashes: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Split(train={len(self.train)}, val={len(self.val)}, test={len(self.test)})"


def split_circuits(netlists: Sequence[Netlist], *, seed: int = 0, val: float = 0.10,
                   test: float = 0.15, hashes: Iterable[str] | None = None) -> Split:
    """Split circuits by topology: every circuit of one :func:`canonical_hash` group (ports
    ignored, so renamed duplicates group too) goes to the same part, decided by a seeded hash
    of the group key (stable when circuits are added or removed).
    """
    hs = tuple(hashes) if hashes is not None else tuple(canonical_hash(n, match_ports=False) for n in netlists)
    if len(hs) != len(netlists):
        raise LinkPredError(f"{len(hs)} hashes for {len(netlists)} netlists")
    parts: dict[str, list[int]] = {"train": [], "val": [], "test": []}
    for i, h in enumerate(hs):
        u = int(hashlib.blake2b(f"{seed}:{h}".encode(), digest_size=8).hexdigest(), 16) / 2**64
        parts["test" if u < test else "val" if u < test + val else "train"].append(i)
    return Split(tuple(parts["train"]), tuple(parts["val"]), tuple(parts["test"]), hs)
