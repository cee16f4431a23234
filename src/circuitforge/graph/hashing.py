"""A canonical hash of a circuit's topology, and the exact check behind it.

:func:`canonical_hash` runs Weisfeiler–Lehman colour refinement on the typed
device–net graph until the partition stops splitting (not a fixed number of
rounds): devices are coloured by kind, polarity and macro name, nets by
``ground``, ``net`` or (with ``match_ports``) the port's name, and every
device–net edge by the terminal roles joining them (``d``, ``d+g`` for a
diode-connected MOSFET, ``pin`` for either end of an R/C/L). The labelling is
that of :func:`circuitforge.netlists.compare.topology_graph`, so equal
topologies under :func:`same_circuit` always hash equal; different hashes
prove different circuits, and equal hashes are confirmed by :func:`same_circuit`
(exact labelled isomorphism, ``netlists.compare.same_topology``).

Subcircuit definitions are part of the hash (each body hashed with its ports
told apart by position), as they are part of ``same_topology``.

>>> from circuitforge.netlists import parse
>>> a = parse("* a\\nM1 out in 0 0 nmos\\nR1 vdd out 1k\\n.end\\n")
>>> b = parse("* b\\nRL VDD o2 5k\\nMN o2 IN 0 0 nmos\\n.end\\n")
>>> canonical_hash(a, match_ports=False) == canonical_hash(b, match_ports=False)
True
>>> c = parse("* c\\nM1 out in 0 0 nmos\\nR1 vdd in 1k\\n.end\\n")
>>> canonical_hash(a, match_ports=False) == canonical_hash(c, match_ports=False)
False
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..netlists.compare import same_topology, topology_graph
from ..netlists.netlist import Netlist, Subckt
from ..netlists.refinement import refine_colours

__all__ = ["HashGroups", "canonical_hash", "group_by_hash", "same_circuit", "wl_colours"]


def _h(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _typed_graph(netlist: Netlist, match_ports: bool) -> tuple[list[str], list[list[tuple[str, int]]]]:
    """Node labels and labelled adjacency of the device–net graph (pins folded into edge labels)."""
    g = topology_graph(netlist, match_ports=match_ports)
    index: dict[object, int] = {}
    labels: list[str] = []
    for node, label in g.nodes(data="label"):
        if node[0] != "pin":
            index[node] = len(labels)
            labels.append(f"{node[0]}:{label}")
    joined: dict[tuple[int, int], list[str]] = {}
    for node, label in g.nodes(data="label"):
        if node[0] != "pin":
            continue
        dev = net = None
        for other in g.neighbors(node):
            if other[0] == "device":
                dev = index[other]
            else:
                net = index[other]
        joined.setdefault((dev, net), []).append(label)  # type: ignore[arg-type]
    adj: list[list[tuple[str, int]]] = [[] for _ in labels]
    for (dev, net), pins in joined.items():
        edge = "+".join(sorted(pins))
        adj[dev].append((edge, net))
        adj[net].append((edge, dev))
    return labels, adj


def wl_colours(labels: Sequence[str], adj: Sequence[Sequence[tuple[str, int]]],
               max_iterations: int | None = None) -> tuple[list[str], int]:
    """Refine node ``labels`` over the edge-labelled ``adj`` until no class splits; (colours, rounds).

    Colours are hashes of (own colour, sorted multiset of (edge label, neighbour colour)),
    so they compare across graphs; the refinement is :func:`circuitforge.netlists.refinement.refine_colours`.

    >>> cols, rounds = wl_colours(["a", "a", "a"], [[("e", 1)], [("e", 0), ("e", 2)], [("e", 1)]])
    >>> cols[0] == cols[2] != cols[1], rounds  # round 2 splits nothing: stable
    (True, 2)
    """
    def recolour(c: str, pairs: list[tuple[str, str]]) -> str:
        return _h(c + "|" + ",".join(sorted(f"{e}:{col}" for e, col in pairs)))

    out = refine_colours([[_h(lbl) for lbl in labels]], [adj], recolour, max_rounds=max_iterations)
    assert out is not None  # a single graph is never refused (no histograms to compare)
    (colours,), rounds = out
    return colours, rounds


def _graph_hash(netlist: Netlist, match_ports: bool) -> str:
    labels, adj = _typed_graph(netlist, match_ports)
    colours, rounds = wl_colours(labels, adj)
    # the final colours refine every earlier round; the round count separates graphs that
    # reach the same multiset by different paths (cannot happen for equal graphs)
    return _h(f"{rounds}|" + ",".join(sorted(colours)))


def _definitions(scope: Netlist | Subckt, prefix: str = "") -> Iterable[tuple[str, Subckt]]:
    for sub in scope.subckts.values():
        key = prefix + sub.name.lower()
        yield key, sub
        yield from _definitions(sub, key + "/")


def _body(netlist: Netlist, sub: Subckt) -> Netlist:
    """A subcircuit body as a netlist whose ports are named by position (``#0``, ``#1``, ...)."""
    rename = {p if netlist.case_sensitive else p.lower(): f"#{i}" for i, p in enumerate(sub.ports)}
    devices = [d.with_nets({n: rename.get(n if netlist.case_sensitive else n.lower(), n) for n in d.nets})
               for d in sub.devices]
    return replace(netlist, devices=devices, subckts={}, ports=[f"#{i}" for i in range(len(sub.ports))],
                   globals=[], params={**netlist.params, **sub.params}, models={**netlist.models, **sub.models})


def canonical_hash(netlist: Netlist, *, match_ports: bool = True) -> str:
    """A hex digest equal for circuits equal up to renaming of devices and internal nets.

    ``match_ports`` (the default) keeps port and global net names (case-insensitive)
    in the labels, the AnalogGenie convention (``VIN1``, ``VOUT1``); without it every
    non-ground net is alike. Device order, device names and internal net names do
    not matter; nor does the order of an R/C/L's two pins.

    >>> from circuitforge.netlists import parse
    >>> x = parse("* x\\nR1 a b 1k\\n.end\\n"); x.ports = ["a"]
    >>> y = parse("* y\\nR9 q a 1k\\n.end\\n"); y.ports = ["a"]
    >>> canonical_hash(x) == canonical_hash(y), len(canonical_hash(x))
    (True, 24)
    """
    parts = [_graph_hash(netlist, match_ports)]
    for key, sub in sorted(_definitions(netlist), key=lambda t: t[0]):
        parts.append(f"{key}({len(sub.ports)})={_graph_hash(_body(netlist, sub), True)}")
    return _h("/".join(parts)) if len(parts) > 1 else parts[0]


def same_circuit(a: Netlist, b: Netlist, *, match_ports: bool = True) -> bool:
    """The exact check matching :func:`canonical_hash`: labelled isomorphism (``same_topology``).

    >>> from circuitforge.netlists import parse
    >>> same_circuit(parse("* a\\nR1 a 0 1k\\n.end\\n"), parse("* b\\nC1 a 0 1p\\n.end\\n"))
    False
    """
    return same_topology(a, b, match_ports=match_ports)


@dataclass(frozen=True, slots=True)
class HashGroups:
    """Circuits grouped by hash, each group split into exact isomorphism classes.

    ``groups``: hash → list of classes, each a list of input indices.
    """

    groups: dict[str, list[list[int]]]
    count: int

    @property
    def distinct_hashes(self) -> int:
        return len(self.groups)

    @property
    def distinct_circuits(self) -> int:
        """Exact isomorphism classes."""
        return sum(len(classes) for classes in self.groups.values())

    @property
    def hash_equal_pairs(self) -> int:
        return sum(_pairs(sum(len(c) for c in classes)) for classes in self.groups.values())

    @property
    def isomorphic_pairs(self) -> int:
        return sum(_pairs(len(c)) for classes in self.groups.values() for c in classes)

    @property
    def colliding_pairs(self) -> int:
        """Pairs with equal hashes that are not the same circuit."""
        return self.hash_equal_pairs - self.isomorphic_pairs

    @property
    def colliding_groups(self) -> int:
        """Hashes shared by two or more different circuits."""
        return sum(1 for classes in self.groups.values() if len(classes) > 1)

    @property
    def duplicates(self) -> int:
        """Inputs that are the same circuit as an earlier input."""
        return self.count - self.distinct_circuits

    def __repr__(self) -> str:
        return (f"HashGroups(circuits={self.count}, hashes={self.distinct_hashes}, "
                f"distinct={self.distinct_circuits}, collisions={self.colliding_pairs})")


def _pairs(k: int) -> int:
    return k * (k - 1) // 2


def group_by_hash(netlists: Sequence[Netlist], *, match_ports: bool = True,
                  hashes: Sequence[str] | None = None) -> HashGroups:
    """Group ``netlists`` by :func:`canonical_hash` (or the given ``hashes``), then by :func:`same_circuit`.

    >>> from circuitforge.netlists import parse
    >>> ns = [parse("* a\\nR1 a 0 1k\\n.end\\n"), parse("* b\\nR2 0 x 1k\\n.end\\n"), parse("* c\\nC1 a 0 1p\\n.end\\n")]
    >>> group_by_hash(ns, match_ports=False)
    HashGroups(circuits=3, hashes=2, distinct=2, collisions=0)
    """
    if hashes is None:
        hashes = [canonical_hash(n, match_ports=match_ports) for n in netlists]
    elif len(hashes) != len(netlists):
        raise ValueError(f"{len(hashes)} hashes for {len(netlists)} netlists")
    by_hash: dict[str, list[int]] = {}
    for i, h in enumerate(hashes):
        by_hash.setdefault(h, []).append(i)
    groups: dict[str, list[list[int]]] = {}
    for h, members in by_hash.items():
        classes: list[list[int]] = []
        for i in members:
            for cls in classes:
                if same_circuit(netlists[cls[0]], netlists[i], match_ports=match_ports):
                    cls.append(i)
                    break
            else:
                classes.append([i])
        groups[h] = classes
    return HashGroups(groups, len(netlists))
