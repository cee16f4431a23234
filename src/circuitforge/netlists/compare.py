"""Compare netlist topologies, ignoring how devices and nets are named.

A netlist becomes a labelled graph: a node per device (kind, polarity, the
definition name of a subcircuit or opaque part, optionally its numbers), a
node per device pin (its terminal role; the two pins of a resistor,
capacitor or inductor share one label, so their order does not matter) and a
node per net (``net``, ``ground``, or with ``match_ports`` the name of a
port or global net). Two netlists have the same topology when their graphs
are isomorphic with labels kept.

>>> from circuitforge.netlists.device import Device
>>> from circuitforge.netlists.netlist import Netlist
>>> a = Netlist("a", [Device("R1", "resistor", (("p", "in"), ("n", "0")))])
>>> b = Netlist("b", [Device("Rload", "resistor", (("p", "0"), ("n", "x")))])
>>> same_topology(a, b)
True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import networkx as nx

from .flatten import flatten, parameter_env
from .polarity import POLAR_KINDS, device_polarity
from .refinement import refine_colours

if TYPE_CHECKING:
    from .device import Device
    from .netlist import Netlist, Subckt

__all__ = ["topology_graph", "topology_hash", "same_topology", "explain_difference",
           "SYMMETRIC_KINDS", "POLAR_KINDS"]

SYMMETRIC_KINDS = frozenset({"resistor", "capacitor", "inductor"})
"""Kinds whose two terminals are interchangeable."""

_NAMED_KINDS = frozenset({"subckt", "opaque"})


def _device_label(netlist: Netlist, dev: Device, env: dict[str, float] | None) -> str:
    parts = [dev.kind]
    pol = device_polarity(netlist, dev) or ""
    if pol:
        parts.append(pol)
    if dev.kind in _NAMED_KINDS and dev.model:
        parts.append(dev.model.lower())  # lower case: Spectre and SPICE copies must match
    if env is not None:
        nums = []
        for k, v in dev.params.items():
            x = v.resolve(env, case_sensitive=netlist.case_sensitive)
            if x is not None:
                nums.append(f"{k.lower()}={x:.6g}")
        parts.extend(sorted(nums))
    return ":".join(parts)


@dataclass(frozen=True, slots=True)
class _Topology:
    """A netlist reduced to labels: devices, nets, and (device, pin label, net) connections."""

    devices: tuple[str, ...]
    nets: tuple[str, ...]
    pins: tuple[tuple[int, str, int], ...]
    kinds: Counter[str]


def _topology(netlist: Netlist, values: bool, match_ports: bool, flatten_first: bool,
              port_positions: bool = False) -> _Topology:
    if flatten_first:
        netlist = flatten(netlist)
    cs = netlist.case_sensitive
    env = parameter_env(netlist) if values else None
    named: dict[str, str] = {}
    if match_ports:
        named = {(n if cs else n.lower()): "port:" + n.lower() for n in (*netlist.ports, *netlist.globals)}
    if port_positions:  # a subcircuit body: its ports are told apart by position
        named.update({(n if cs else n.lower()): f"port#{i}" for i, n in enumerate(netlist.ports)})
    devices: list[str] = []
    nets: dict[str, int] = {}
    net_labels: list[str] = []
    pins: list[tuple[int, str, int]] = []
    for index, dev in enumerate(netlist.devices):
        devices.append(_device_label(netlist, dev, env))
        symmetric = dev.kind in SYMMETRIC_KINDS
        positional = dev.kind in _NAMED_KINDS
        for i, (role, net) in enumerate(dev.terminals):
            if symmetric:
                pin_label = "pin"
            elif positional:
                pin_label = str(i + 1)  # port names differ between definitions; order does not
            else:
                pin_label = role.lower()
            key = net if cs else net.lower()
            net_index = nets.get(key)
            if net_index is None:
                net_index = nets[key] = len(nets)
                if netlist.is_ground(net):
                    net_labels.append("ground")
                elif key in named:
                    net_labels.append(named[key])
                else:
                    net_labels.append("net")
            pins.append((index, pin_label, net_index))
    kinds = Counter(d.kind for d in netlist.devices)
    return _Topology(tuple(devices), tuple(net_labels), tuple(pins), kinds)


def topology_graph(netlist: Netlist, *, values: bool = False, flatten_first: bool = False,
                   match_ports: bool = False) -> nx.Graph:
    """The labelled device–pin–net graph of ``netlist`` (node attribute ``label``).

    Nodes are ``("device", i)``, ``("pin", i, j)`` (the ``j``-th terminal of
    the netlist, on device ``i``) and ``("net", k)``. ``values`` adds each device's numeric
    parameters to its label; ``flatten_first`` expands subcircuit instances
    first (otherwise an instance is one device labelled with its subcircuit's
    name, and its pins are numbered); ``match_ports`` labels port and global
    nets with their names.

    >>> from circuitforge.netlists.device import Device
    >>> from circuitforge.netlists.netlist import Netlist
    >>> g = topology_graph(Netlist("m", [Device("M1", "mosfet",
    ...     (("d", "o"), ("g", "i"), ("s", "0"), ("b", "0")), model="pch")]))
    >>> sorted(label for _, label in g.nodes(data="label"))
    ['b', 'd', 'g', 'ground', 'mosfet:p', 'net', 'net', 's']
    """
    topo = _topology(netlist, values, match_ports, flatten_first)
    g = nx.Graph()
    g.add_nodes_from((("device", i), {"label": lbl}) for i, lbl in enumerate(topo.devices))
    g.add_nodes_from((("net", k), {"label": lbl}) for k, lbl in enumerate(topo.nets))
    g.add_nodes_from((("pin", dev, j), {"label": lbl}) for j, (dev, lbl, _) in enumerate(topo.pins))
    g.add_edges_from((("device", dev), ("pin", dev, j)) for j, (dev, _, _) in enumerate(topo.pins))
    g.add_edges_from((("pin", dev, j), ("net", net)) for j, (dev, _, net) in enumerate(topo.pins))
    return g


def topology_hash(netlist: Netlist, **kw: bool) -> str:
    """A Weisfeiler–Lehman hash of :func:`topology_graph` (same keywords).

    Equal topologies give equal hashes; different hashes prove different
    topologies (equal hashes do not prove equality: see :func:`same_topology`).

    >>> from circuitforge.netlists.device import Device
    >>> from circuitforge.netlists.netlist import Netlist
    >>> a = Netlist("a", [Device("C1", "capacitor", (("p", "x"), ("n", "0")))])
    >>> b = Netlist("b", [Device("C7", "capacitor", (("p", "0"), ("n", "y")))])
    >>> topology_hash(a) == topology_hash(b)
    True
    """
    g = topology_graph(netlist, **kw)
    return nx.weisfeiler_lehman_graph_hash(g, node_attr="label", iterations=3)


# ---- exact comparison ----------------------------------------------------------------
# Devices and nets become nodes 0..D-1 and D..D+N-1 of a graph whose edges carry
# the pin labels joining a device to a net ("d", or "d+g" for a diode-connected
# MOSFET). Colour refinement of both graphs with one palette, then
# individualisation of one node at a time, decides isomorphism; with the few
# symmetries circuits have this takes a handful of refinements.

_Adjacency = list[list[tuple[int, int]]]  # node -> [(edge colour, neighbour)]


def _adjacency(topo: _Topology, edge_palette: dict[str, int]) -> _Adjacency:
    d = len(topo.devices)
    joined: dict[tuple[int, int], list[str]] = {}
    for dev, pin_label, net in topo.pins:
        joined.setdefault((dev, d + net), []).append(pin_label)
    adj: _Adjacency = [[] for _ in range(d + len(topo.nets))]
    for (dev, net), labels in joined.items():
        colour = edge_palette.setdefault("+".join(sorted(labels)), len(edge_palette))
        adj[dev].append((colour, net))
        adj[net].append((colour, dev))
    return adj


def _refine(adj_a: _Adjacency, adj_b: _Adjacency, ca: list[int],
            cb: list[int]) -> tuple[list[int], list[int]] | None:
    """Refine both colourings to a fixed point; None as soon as their histograms differ."""
    out = refine_colours([ca, cb], [adj_a, adj_b], same_histogram=True)
    if out is None:
        return None
    (na, nb), _ = out
    return na, nb


def _branches(adj_a: _Adjacency, adj_b: _Adjacency, ca: list[int],
              cb: list[int]) -> Iterator[tuple[list[int], list[int]]]:
    """Colourings with one node of the smallest non-trivial class singled out in both graphs."""
    counts = Counter(ca)
    target = min((c for c, k in counts.items() if k > 1), key=lambda c: (counts[c], c))
    fresh = max(counts) + 1
    a = list(ca)
    a[ca.index(target)] = fresh
    for w, c in enumerate(cb):
        if c == target:
            b = list(cb)
            b[w] = fresh
            yield a, b


def _isomorphic(ta: _Topology, tb: _Topology) -> bool:
    if (len(ta.devices), len(ta.nets), len(ta.pins)) != (len(tb.devices), len(tb.nets), len(tb.pins)):
        return False
    edge_palette: dict[str, int] = {}
    adj_a, adj_b = _adjacency(ta, edge_palette), _adjacency(tb, edge_palette)
    palette: dict[str, int] = {}
    ca = [palette.setdefault("d:" + lbl, len(palette)) for lbl in ta.devices]
    ca += [palette.setdefault("n:" + lbl, len(palette)) for lbl in ta.nets]
    cb = [palette.setdefault("d:" + lbl, len(palette)) for lbl in tb.devices]
    cb += [palette.setdefault("n:" + lbl, len(palette)) for lbl in tb.nets]
    if sorted(ca) != sorted(cb):
        return False
    stack: list[Iterator[tuple[list[int], list[int]]]] = [iter([(ca, cb)])]
    while stack:  # depth-first search over individualisations, without recursion
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            continue
        refined = _refine(adj_a, adj_b, *step)
        if refined is None:
            continue
        if len(set(refined[0])) == len(refined[0]):
            # stable and discrete: node i of a and the node of b with its colour share a key
            # (colour, neighbours' colours), so the colour bijection maps edges onto edges
            return True
        stack.append(_branches(adj_a, adj_b, *refined))
    return False


def same_topology(a: Netlist, b: Netlist, *, values: bool = False, match_ports: bool = False,
                  flatten_first: bool = False, hierarchy: bool = True) -> bool:
    """True when ``a`` and ``b`` are the same circuit up to renaming of devices and nets.

    With ``hierarchy`` (the default) the subcircuit definitions must match
    too: the same names (case-insensitive), each body the same up to renaming
    of its devices and internal nets, ports told apart by position.

    The graphs are those of :func:`topology_graph` (same keywords); sizes and
    label counts are compared first, then an exact labelled isomorphism test
    (colour refinement with individualisation) decides.

    >>> from circuitforge.netlists.device import Device
    >>> from circuitforge.netlists.netlist import Netlist
    >>> m = lambda d, s: Netlist("", [Device("M1", "mosfet",
    ...     (("d", d), ("g", "g"), ("s", s), ("b", "0")), "nch")])
    >>> same_topology(m("out", "0"), m("0", "out"))
    False
    """
    if not _isomorphic(_topology(a, values, match_ports, flatten_first),
                       _topology(b, values, match_ports, flatten_first)):
        return False
    if flatten_first or not hierarchy:
        return True
    return _different_definition(a, b, values) is None


def _definitions(netlist: Netlist) -> dict[str, Subckt]:
    """Every subcircuit definition, nested ones as ``outer/inner`` (lower case)."""
    out: dict[str, Subckt] = {}

    def walk(prefix: str, subs: dict[str, Subckt]) -> None:
        for sub in subs.values():
            key = prefix + sub.name.lower()
            out[key] = sub
            walk(key + "/", sub.subckts)

    walk("", netlist.subckts)
    return out


def _body(netlist: Netlist, sub: Subckt) -> Netlist:
    return replace(netlist, devices=list(sub.devices), subckts={}, ports=list(sub.ports),
                   params={**netlist.params, **sub.params}, models={**netlist.models, **sub.models})


def _different_definition(a: Netlist, b: Netlist, values: bool) -> str | None:
    """The first subcircuit whose definition differs between ``a`` and ``b``, in words."""
    da, db = _definitions(a), _definitions(b)
    if da.keys() != db.keys():
        only_a = sorted(da.keys() - db.keys())
        only_b = sorted(db.keys() - da.keys())
        return f"subcircuits only in a: {only_a}, only in b: {only_b}"
    for key in sorted(da):
        sa, sb = da[key], db[key]
        if len(sa.ports) != len(sb.ports):
            return f"subcircuit {key!r} has {len(sa.ports)} ports in a, {len(sb.ports)} in b"
        if not _isomorphic(_topology(_body(a, sa), values, False, False, True),
                           _topology(_body(b, sb), values, False, False, True)):
            return f"subcircuit {key!r} differs"
    return None


def explain_difference(a: Netlist, b: Netlist, *, values: bool = False, match_ports: bool = False,
                       flatten_first: bool = False) -> str | None:
    """Why ``a`` and ``b`` differ in topology, in words; None when they do not.

    >>> from circuitforge.netlists.device import Device
    >>> from circuitforge.netlists.netlist import Netlist
    >>> r = Device("R1", "resistor", (("p", "a"), ("n", "0")))
    >>> explain_difference(Netlist("a", [r, r.renamed("R2")]), Netlist("b", [r]))
    'a has 2 resistor, b has 1'
    """
    ta = _topology(a, values, match_ports, flatten_first)
    tb = _topology(b, values, match_ports, flatten_first)
    if _isomorphic(ta, tb):
        return None if flatten_first else _different_definition(a, b, values)
    for kind in sorted(ta.kinds.keys() | tb.kinds.keys()):
        if ta.kinds[kind] != tb.kinds[kind]:
            return f"a has {ta.kinds[kind]} {kind}, b has {tb.kinds[kind]}"
    if len(ta.nets) != len(tb.nets):
        return f"a has {len(ta.nets)} nets, b has {len(tb.nets)}"
    for what, la, lb in (("devices", ta.devices, tb.devices), ("nets", ta.nets, tb.nets)):
        ca, cb = Counter(la), Counter(lb)
        for label in sorted(ca.keys() | cb.keys()):
            if ca[label] != cb[label]:
                return f"a has {ca[label]} {what} labelled {label!r}, b has {cb[label]}"
    if len(ta.pins) != len(tb.pins):
        return f"a has {len(ta.pins)} device terminals, b has {len(tb.pins)}"
    return "not isomorphic"
