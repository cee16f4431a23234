"""The pin-level graph (the AnalogGenie view): a node per device terminal.

Nodes: one per device, one per device terminal (pin), one per port net
(ports and globals of the netlist, and ground nets). Edges: each pin to its
device (``of``); pins on the same internal net to one another (``wire``, a
clique); pins on a port net to that port's node (``wire``, a star, so that
``VDD``/``VSS`` with hundreds of pins stay linear in size). A net is then a
connected component of pins and ports under ``wire`` edges, which is how
:func:`from_pin_networkx` and :func:`from_pin_heterodata` rebuild the netlist.

>>> from circuitforge.netlists import parse
>>> from circuitforge.netlists.compare import same_topology
>>> n = parse("* cs\\nM1 out in 0 0 nmos\\nR1 vdd out 10k\\n.end\\n")
>>> n.ports = ["vdd", "in", "out"]
>>> g = to_pin_networkx(n)
>>> sorted(node[0] for node in g.nodes)  # 2 devices, 6 pins, 4 ports (vdd, in, out and ground 0)
['device', 'device', 'pin', 'pin', 'pin', 'pin', 'pin', 'pin', 'port', 'port', 'port', 'port']
>>> same_topology(n, from_pin_networkx(g)) and same_topology(n, from_pin_heterodata(to_pin_heterodata(n)))
True
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import networkx as nx
import numpy as np
import torch
from torch_geometric.data import HeteroData
from torch_geometric.transforms import ToUndirected

from ..netlists.device import KIND_LETTER, Device
from ..netlists.netlist import Netlist
from ..netlists.unionfind import UnionFind
from .errors import GraphError
from .features import (
    TERMINAL_CLASSES,
    FeatureSpec,
    model_for,
    net_names_for,
    net_role,
    netlist_nets,
    polarity,
    terminal_class,
    terminal_role,
)

__all__ = [
    "OF",
    "WIRE_PIN",
    "WIRE_PORT",
    "from_pin_heterodata",
    "from_pin_networkx",
    "port_nets",
    "to_pin_heterodata",
    "to_pin_networkx",
]

OF = ("pin", "of", "device")
WIRE_PIN = ("pin", "wire", "pin")
WIRE_PORT = ("pin", "wire", "port")


def port_nets(netlist: Netlist) -> list[str]:
    """The nets that become port nodes: ports, globals and ground nets (canonical spellings).

    >>> from circuitforge.netlists import parse
    >>> n = parse("* x\\nR1 a 0 1k\\nR2 a b 1k\\n.end\\n"); n.ports = ["a"]
    >>> port_nets(n)
    ['a', '0']
    """
    nets, canon = netlist_nets(netlist)
    named = {canon(p) for p in (*netlist.ports, *netlist.globals)}
    return [n for n in nets if n in named or netlist.is_ground(n)]


def to_pin_networkx(netlist: Netlist) -> nx.Graph:
    """The pin-level graph of ``netlist`` (top level) as a networkx ``Graph``.

    Nodes ``("device", i)`` (``name, kind, model, polarity, params``),
    ``("pin", i, j)`` (``role, cls, position`` and, for reference only, ``net``)
    and ``("port", name)`` (``role, ground``); edges carry ``kind`` (``of`` or ``wire``).
    """
    nets, canon = netlist_nets(netlist)
    ports = set(port_nets(netlist))
    g = nx.Graph(title=netlist.title, ports=list(netlist.ports), globals=list(netlist.globals))
    for p in nets:
        if p in ports:
            g.add_node(("port", p), name=p, role=net_role(netlist, p), ground=netlist.is_ground(p))
    on_net: dict[str, list[tuple[str, int, int]]] = {}
    for i, d in enumerate(netlist.devices):
        g.add_node(("device", i), name=d.name, kind=d.kind, model=d.model, polarity=polarity(netlist, d),
                   params=dict(d.params))
        for j, (role, net) in enumerate(d.terminals):
            pin = ("pin", i, j)
            net = canon(net)
            g.add_node(pin, role=role, cls=terminal_class(d, j), position=j, net=net)
            g.add_edge(pin, ("device", i), kind="of")
            if net in ports:
                g.add_edge(pin, ("port", net), kind="wire")
            else:
                on_net.setdefault(net, []).append(pin)
    for pins in on_net.values():
        for a in range(len(pins)):
            for b in range(a + 1, len(pins)):
                g.add_edge(pins[a], pins[b], kind="wire")
    return g


def _net_names(components: UnionFind, pins: Iterable[Hashable], ports: Sequence[tuple[Hashable, str]],
               hints: dict[Hashable, str | None]) -> dict[Hashable, str]:
    """A net name per component root: the port's name, else the pins' common hint, else ``net<k>``."""
    names: dict[Hashable, str] = {}
    for node, name in ports:
        root = components.find(node)
        if root in names:
            raise GraphError(f"port nodes {names[root]!r} and {name!r} are joined by wires: "
                             "they would be one net")
        names[root] = name
    taken = {n.lower() for n in names.values()}
    by_root: dict[Hashable, set[str | None]] = {}
    for pin in pins:
        by_root.setdefault(components.find(pin), set()).add(hints.get(pin))
    k = 0
    for root, hint_set in by_root.items():
        if root in names:
            continue
        hint = next(iter(hint_set)) if len(hint_set) == 1 else None
        if hint is None or hint.lower() in taken:
            k += 1
            while f"net{k}" in taken:
                k += 1
            hint = f"net{k}"
        names[root] = hint
        taken.add(hint.lower())
    return names


def from_pin_networkx(g: nx.Graph, title: str | None = None) -> Netlist:
    """The netlist of a graph from :func:`to_pin_networkx`: nets are the components of ``wire`` edges.

    Internal nets take the name their pins' ``net`` attribute agrees on (else
    ``net1, net2, ...``); port nets the port's name.
    """
    comps = UnionFind()
    pins = [n for n in g.nodes if isinstance(n, tuple) and n[0] == "pin"]
    port_nodes = [(n, g.nodes[n].get("name", n[1])) for n in g.nodes if isinstance(n, tuple) and n[0] == "port"]
    for n, _ in port_nodes:
        comps.find(n)
    owner: dict[Hashable, Hashable] = {}
    for a, b, kind in g.edges(data="kind"):
        ta, tb = a[0], b[0]
        if {ta, tb} == {"pin", "device"}:
            pin, dev = (a, b) if ta == "pin" else (b, a)
            if pin in owner and owner[pin] != dev:
                raise GraphError(f"pin {pin!r} belongs to two devices, {owner[pin]!r} and {dev!r}")
            owner[pin] = dev
        elif "device" in (ta, tb):
            raise GraphError(f"edge {a!r}–{b!r}: a device node may only be joined to its pins")
        else:
            comps.union(a, b)
    hints = {p: g.nodes[p].get("net") for p in pins}
    names = _net_names(comps, pins, port_nodes, hints)
    by_device: dict[Hashable, list[tuple[int, str, str]]] = {}
    for p in pins:
        if p not in owner:
            raise GraphError(f"pin {p!r} is joined to no device")
        attrs = g.nodes[p]
        by_device.setdefault(owner[p], []).append((int(attrs.get("position", 0)), p, names[comps.find(p)]))
    devices: list[tuple[object, Device]] = []
    for node, attrs in g.nodes(data=True):
        if not (isinstance(node, tuple) and node[0] == "device"):
            continue
        kind = attrs.get("kind")
        if kind is None:
            raise GraphError(f"device node {node!r} has no 'kind' attribute")
        terms = []
        for pos, pin, net in sorted(by_device.get(node, []), key=lambda t: t[0]):
            pa = g.nodes[pin]
            terms.append((pa.get("role") or terminal_role(kind, pa.get("cls", "other"), pos), net))
        name = attrs.get("name") or f"{KIND_LETTER.get(kind, 'X')}{node[1]}"
        devices.append((node[1], Device(name, kind, tuple(terms), attrs.get("model"),
                                        dict(attrs.get("params") or {}))))
    devices.sort(key=lambda t: t[0])  # type: ignore[arg-type, return-value]
    return Netlist(title if title is not None else g.graph.get("title", ""), [d for _, d in devices],
                   ports=list(g.graph.get("ports", ())), globals=list(g.graph.get("globals", ())))


def _edges(pairs: list[tuple[int, int]]) -> torch.Tensor:
    return torch.tensor(pairs, dtype=torch.long).reshape(-1, 2).t().contiguous()


def to_pin_heterodata(netlist: Netlist, spec: FeatureSpec | None = None, *, meta: bool = True,
                      undirected: bool = True) -> HeteroData:
    """The pin-level graph as PyG ``HeteroData``: node types ``device``, ``pin``, ``port``.

    ``data['device'].x``: device features of ``spec``; ``data['pin'].x``:
    one-hot terminal class (``role`` its index, ``position`` its place on the
    device); ``data['port'].x``: net features (port class, ground). Relations
    :data:`OF`, :data:`WIRE_PIN` (both directions) and :data:`WIRE_PORT`, plus
    reverses with ``undirected``. ``meta`` keeps names as lists.

    >>> from circuitforge.netlists import parse
    >>> d = to_pin_heterodata(parse("* r\\nR1 a 0 1k\\nR2 a 0 2k\\n.end\\n"))
    >>> d["pin"].num_nodes, d["port"].num_nodes, d["pin", "wire", "pin"].edge_index.shape[1]
    (4, 1, 2)
    """
    spec = spec or FeatureSpec()
    _, canon = netlist_nets(netlist)
    ports = port_nets(netlist)
    port_index = {p: k for k, p in enumerate(ports)}
    of: list[tuple[int, int]] = []
    wire_port: list[tuple[int, int]] = []
    on_net: dict[str, list[int]] = {}
    roles: list[int] = []
    positions: list[int] = []
    pin_nets: list[str] = []
    for i, d in enumerate(netlist.devices):
        for j, (_, net) in enumerate(d.terminals):
            p = len(roles)
            net = canon(net)
            roles.append(spec.terminal_index(d, j))
            positions.append(j)
            pin_nets.append(net)
            of.append((p, i))
            if net in port_index:
                wire_port.append((p, port_index[net]))
            else:
                on_net.setdefault(net, []).append(p)
    wire_pin = [(a, b) for pins in on_net.values() for a in pins for b in pins if a != b]
    data = HeteroData()
    data["device"].x = torch.from_numpy(spec.device_features(netlist))
    role_t = torch.tensor(roles, dtype=torch.long)
    data["pin"].x = torch.nn.functional.one_hot(role_t, len(TERMINAL_CLASSES)).float()
    data["pin"].role = role_t
    data["pin"].position = torch.tensor(positions, dtype=torch.long)
    data["port"].x = torch.from_numpy(spec.port_features(netlist, ports))
    data[OF].edge_index = _edges(of)
    data[WIRE_PIN].edge_index = _edges(wire_pin)
    data[WIRE_PORT].edge_index = _edges(wire_port)
    if meta:
        data["device"].name = [d.name for d in netlist.devices]
        data["device"].model = [d.model for d in netlist.devices]
        data["pin"].net = pin_nets
        data["port"].name = ports
        data.title = netlist.title
        data.ports = list(netlist.ports)
        data.globals = list(netlist.globals)
    if undirected:
        data = ToUndirected()(data)
    return data


def from_pin_heterodata(data: HeteroData, spec: FeatureSpec | None = None, *, use_meta: bool = True) -> Netlist:
    """The netlist of a graph from :func:`to_pin_heterodata` (nets: components of the wire relations).

    Without ``use_meta`` (or stored names), names are made up as in
    :func:`circuitforge.graph.bipartite.from_heterodata`.
    """
    spec = spec or FeatureSpec()
    for rel in (OF, WIRE_PIN, WIRE_PORT):
        if rel not in data.edge_types:
            raise GraphError(f"no {rel} relation in this graph (relations: {data.edge_types})")
    dx = data["device"].x.detach().cpu().numpy()
    px = data["port"].x.detach().cpu().numpy()
    n_dev, n_pin, n_port = dx.shape[0], int(data["pin"].num_nodes), px.shape[0]
    roles = (data["pin"].role if "role" in data["pin"] else data["pin"].x.argmax(1)).cpu().numpy()
    positions = data["pin"].position.cpu().numpy() if "position" in data["pin"] else np.zeros(n_pin, int)
    port_info = [spec.decode_net(row) for row in px]
    port_names = list(data["port"].name) if use_meta and "name" in data["port"] else net_names_for(port_info)
    comps = UnionFind()
    for k in range(n_port):
        comps.find(("port", k))
    for a, b in data[WIRE_PIN].edge_index.t().tolist():
        comps.union(("pin", a), ("pin", b))
    for a, b in data[WIRE_PORT].edge_index.t().tolist():
        if not (0 <= b < n_port):
            raise GraphError(f"wire edge to port {b}, but the graph has {n_port} ports")
        comps.union(("pin", a), ("port", b))
    pins = [("pin", p) for p in range(n_pin)]
    pin_net_meta = list(data["pin"].net) if use_meta and "net" in data["pin"] else None
    hints: dict[Hashable, str | None] = {pins[p]: (pin_net_meta[p] if pin_net_meta else None) for p in range(n_pin)}
    names = _net_names(comps, pins, [(("port", k), port_names[k]) for k in range(n_port)], hints)
    owner = np.full(n_pin, -1)
    for p, dev in data[OF].edge_index.t().tolist():
        if owner[p] not in (-1, dev):
            raise GraphError(f"pin {p} belongs to two devices, {owner[p]} and {dev}")
        owner[p] = dev
    if n_pin and owner.min() < 0:
        raise GraphError(f"pin {int(np.argmin(owner))} is joined to no device")
    dev_names = list(data["device"].name) if use_meta and "name" in data["device"] else None
    dev_models = list(data["device"].model) if use_meta and "model" in data["device"] else None
    by_device: list[list[tuple[int, int]]] = [[] for _ in range(n_dev)]
    for p in range(n_pin):
        by_device[owner[p]].append((int(positions[p]), p))
    counters: dict[str, int] = {}
    devices: list[Device] = []
    for i in range(n_dev):
        kind, pol, macro, params = spec.decode_device(dx[i])
        terms = tuple((terminal_role(kind, TERMINAL_CLASSES[int(roles[p])], pos), names[comps.find(pins[p])])
                      for pos, p in sorted(by_device[i]))
        if dev_names is not None:
            name = dev_names[i]
        else:
            letter = KIND_LETTER.get(kind, "X")
            counters[letter] = counters.get(letter, 0) + 1
            name = f"{letter}{counters[letter]}"
        model = dev_models[i] if dev_models is not None else model_for(kind, pol, macro)
        devices.append(Device(name, kind, terms, model, params))  # type: ignore[arg-type]
    if use_meta and "ports" in data:
        ports = list(data.ports)
    else:
        ports = [n for n, (role, ground) in zip(port_names, port_info) if not ground]
    globals_ = list(data.globals) if use_meta and "globals" in data else []
    title = data.title if use_meta and "title" in data else ""
    return Netlist(title, devices, ports=ports, globals=globals_)
