"""The device–net bipartite graph: a node per device, a node per net, an edge per terminal.

Two forms, each with a converter back to a :class:`Netlist`:

- :func:`to_networkx` → ``nx.MultiGraph`` with nodes ``("device", i)`` and
  ``("net", name)``; one edge per terminal (a MOSFET whose source and bulk
  share a net has two parallel edges), with its ``role``, terminal class
  (``mosfet:d``, ``bjt:b``, ``passive``) and ``position``.
- :func:`to_heterodata` → PyG ``HeteroData`` with node types ``device`` and
  ``net`` and one relation ``('device', 'pin', 'net')`` (plus its reverse
  ``('net', 'rev_pin', 'device')``) whose ``edge_attr`` is the one-hot
  terminal class.

Why one relation with a role feature rather than a relation per role: there
are ~50 terminal classes (per kind, plus positional macro pins), most of them
rare in any corpus; a relation per role gives ``to_hetero``/``HeteroConv``
a weight set per role, most of them barely trained, and makes a batch's
metadata depend on which kinds it happens to contain. A role feature on one
relation keeps the metadata fixed, lets GINE/GATv2 condition every message
on the role (``edge_dim``), and shares what ``p``/``n`` pins have in common.
``edge_type_index`` (``role``) is kept as a long tensor for anyone who wants
to split by role.

>>> from circuitforge.netlists import parse
>>> n = parse("* inv\\nM1 out in 0 0 nmos w=1u l=0.1u\\nM2 out in vdd vdd pmos w=2u l=0.1u\\n.end\\n")
>>> n.ports = ["in", "out", "vdd"]
>>> g = to_networkx(n)
>>> g.number_of_nodes(), g.number_of_edges()
(6, 8)
>>> data = to_heterodata(n)
>>> data["device"].x.shape[0], data["net"].x.shape[0], data["device", "pin", "net"].edge_index.shape
(2, 4, torch.Size([2, 8]))
>>> from circuitforge.netlists.compare import same_topology
>>> same_topology(n, from_networkx(g)) and same_topology(n, from_heterodata(data))
True
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import torch
from torch_geometric.data import HeteroData
from torch_geometric.transforms import ToUndirected

from ..netlists.device import KIND_LETTER, Device
from ..netlists.netlist import Netlist
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

__all__ = ["PIN", "REV_PIN", "from_heterodata", "from_networkx", "to_heterodata", "to_networkx"]

PIN = ("device", "pin", "net")
"""The relation from a device to the nets of its terminals."""
REV_PIN = ("net", "rev_pin", "device")
"""Its reverse (added by ``ToUndirected``)."""


def to_networkx(netlist: Netlist) -> nx.MultiGraph:
    """The bipartite multigraph of ``netlist`` (top level; subcircuit instances are single devices).

    Device nodes carry ``name, kind, model, polarity, params``; net nodes
    ``name, role`` (port class or ``internal``) and ``ground``; edges (key =
    terminal position) ``role, cls, position``. Graph attributes: ``title``,
    ``ports``, ``globals``.

    >>> from circuitforge.netlists import parse
    >>> g = to_networkx(parse("* d\\nD1 a 0 dm\\n.end\\n"))
    >>> sorted(g.nodes(data="kind", default="-"))
    [(('device', 0), 'diode'), (('net', '0'), '-'), (('net', 'a'), '-')]
    """
    g = nx.MultiGraph(title=netlist.title, ports=list(netlist.ports), globals=list(netlist.globals))
    nets, canon = netlist_nets(netlist)
    for net in nets:
        g.add_node(("net", net), name=net, role=net_role(netlist, net), ground=netlist.is_ground(net))
    for i, d in enumerate(netlist.devices):
        g.add_node(("device", i), name=d.name, kind=d.kind, model=d.model,
                   polarity=polarity(netlist, d), params=dict(d.params))
        for j, (role, net) in enumerate(d.terminals):
            g.add_edge(("device", i), ("net", canon(net)), key=j, role=role, cls=terminal_class(d, j),
                       position=j)
    return g


def from_networkx(g: nx.MultiGraph, title: str | None = None) -> Netlist:
    """The netlist of a graph from :func:`to_networkx` (or one built the same way).

    Device order follows the device index; each device's terminals are its
    edges ordered by ``position``, with their ``role`` (or the role implied by
    ``cls``). Raises :class:`GraphError` naming the node when something is missing.
    """
    devices: list[tuple[int, Device]] = []
    for node, attrs in g.nodes(data=True):
        if not (isinstance(node, tuple) and node and node[0] == "device"):
            continue
        try:
            kind = attrs["kind"]
        except KeyError:
            raise GraphError(f"device node {node!r} has no 'kind' attribute") from None
        pins: list[tuple[int, str, str]] = []
        for _, other, data in g.edges(node, data=True):
            if not (isinstance(other, tuple) and other[0] == "net"):
                raise GraphError(f"device node {node!r} is joined to {other!r}, expected a ('net', name) node")
            pos = int(data.get("position", len(pins)))
            role = data.get("role") or terminal_role(kind, data.get("cls", "other"), pos)
            pins.append((pos, role, g.nodes[other].get("name", other[1])))
        pins.sort()
        name = attrs.get("name") or f"{kind[0].upper()}{node[1]}"
        devices.append((node[1], Device(name, kind, tuple((r, n) for _, r, n in pins),
                                        attrs.get("model"), dict(attrs.get("params") or {}))))
    devices.sort(key=lambda t: t[0])
    return Netlist(title if title is not None else g.graph.get("title", ""), [d for _, d in devices],
                   ports=list(g.graph.get("ports", ())), globals=list(g.graph.get("globals", ())))


def to_heterodata(netlist: Netlist, spec: FeatureSpec | None = None, *, meta: bool = True,
                  undirected: bool = True) -> HeteroData:
    """The bipartite graph as PyG ``HeteroData`` with features from ``spec``.

    ``data['device'].x`` and ``data['net'].x`` are the features of
    :class:`FeatureSpec` (``spec`` defaults to an unfitted one: plain log10
    sizes); ``data[PIN]`` has ``edge_index``, ``edge_attr`` (one-hot terminal
    class), ``role`` (its index) and ``position`` (the terminal's place on its
    device). With ``meta`` the names are kept as lists (``data['device'].name``,
    ``data['device'].model``, ``data['net'].name``) and ``data.title``; without
    them :func:`from_heterodata` still rebuilds the same topology from the
    features. ``undirected`` adds the reverse relation :data:`REV_PIN`.
    """
    spec = spec or FeatureSpec()
    nets, canon = netlist_nets(netlist)
    net_index = {n: i for i, n in enumerate(nets)}
    src: list[int] = []
    dst: list[int] = []
    role: list[int] = []
    pos: list[int] = []
    for i, d in enumerate(netlist.devices):
        for j, (_, net) in enumerate(d.terminals):
            src.append(i)
            dst.append(net_index[canon(net)])
            role.append(spec.terminal_index(d, j))
            pos.append(j)
    data = HeteroData()
    data["device"].x = torch.from_numpy(spec.device_features(netlist))
    data["net"].x = torch.from_numpy(spec.net_features(netlist, nets))
    store = data[PIN]
    store.edge_index = torch.tensor([src, dst], dtype=torch.long).reshape(2, -1)
    store.role = torch.tensor(role, dtype=torch.long)
    store.position = torch.tensor(pos, dtype=torch.long)
    store.edge_attr = torch.nn.functional.one_hot(store.role, len(TERMINAL_CLASSES)).float()
    if meta:
        data["device"].name = [d.name for d in netlist.devices]
        data["device"].model = [d.model for d in netlist.devices]
        data["net"].name = nets
        data.title = netlist.title
        data.ports = list(netlist.ports)
        data.globals = list(netlist.globals)
    if undirected:
        data = ToUndirected()(data)
    return data


def _meta(store: object, key: str, count: int) -> list | None:
    value = getattr(store, key, None) if key in store else None  # type: ignore[operator]
    if value is None:
        return None
    if len(value) != count:
        raise GraphError(f"'{key}' has {len(value)} entries for {count} nodes")
    return list(value)


def from_heterodata(data: HeteroData, spec: FeatureSpec | None = None, *, use_meta: bool = True) -> Netlist:
    """The netlist of a graph from :func:`to_heterodata`.

    Kinds, polarities, macro names, ground and port classes and sizes come
    from the features (``spec`` must be the one used to encode them);
    ``use_meta`` takes names and models from the stored lists when present.
    Without names, devices are ``M1, R1, ...``, nets ``0``, ``VDD``,
    ``VIN1``, ``net1``, ... and models carry the polarity (``nmos``, ``pnp``).
    Sizes come back from the normalised features (float32 precision).
    """
    spec = spec or FeatureSpec()
    if PIN not in data.edge_types:
        raise GraphError(f"no {PIN} relation in this graph (relations: {data.edge_types})")
    dx = data["device"].x.detach().cpu().numpy()
    nx_ = data["net"].x.detach().cpu().numpy()
    n_dev, n_net = dx.shape[0], nx_.shape[0]
    dev_names = _meta(data["device"], "name", n_dev) if use_meta else None
    dev_models = _meta(data["device"], "model", n_dev) if use_meta else None
    net_names = _meta(data["net"], "name", n_net) if use_meta else None
    net_info = [spec.decode_net(row) for row in nx_]
    if net_names is None:
        net_names = net_names_for(net_info)
    store = data[PIN]
    ei = store.edge_index.cpu().numpy()
    roles = store.role.cpu().numpy() if "role" in store else np.argmax(store.edge_attr.cpu().numpy(), axis=1)
    positions = store.position.cpu().numpy() if "position" in store else np.arange(ei.shape[1])
    pins: list[list[tuple[int, int, int]]] = [[] for _ in range(n_dev)]
    for (dev, net), r, p in zip(ei.T.tolist(), roles.tolist(), positions.tolist()):
        if not (0 <= dev < n_dev and 0 <= net < n_net):
            raise GraphError(f"pin edge ({dev}, {net}) points outside {n_dev} devices and {n_net} nets")
        pins[dev].append((p, r, net))
    counters: dict[str, int] = {}
    devices: list[Device] = []
    for i in range(n_dev):
        kind, pol, macro, params = spec.decode_device(dx[i])
        terms = []
        for p, r, net in sorted(pins[i]):
            terms.append((terminal_role(kind, TERMINAL_CLASSES[r], p), net_names[net]))
        if dev_names is not None:
            name = dev_names[i]
        else:
            letter = KIND_LETTER.get(kind, "X")
            counters[letter] = counters.get(letter, 0) + 1
            name = f"{letter}{counters[letter]}"
        model = dev_models[i] if dev_models is not None else model_for(kind, pol, macro)
        devices.append(Device(name, kind, tuple(terms), model, params))  # type: ignore[arg-type]
    ports = list(getattr(data, "ports", None) or []) if use_meta and "ports" in data else None
    if ports is None:
        ports = [name for name, (role, ground) in zip(net_names, net_info) if role != "internal" and not ground]
    globals_ = list(data.globals) if use_meta and "globals" in data else []
    title = data.title if use_meta and "title" in data else ""
    return Netlist(title, devices, ports=ports, globals=globals_)


