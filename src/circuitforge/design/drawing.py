"""Drawings for the design report: the topology as a device–net graph, and a Bode plot.

Matplotlib's object API is used (``Figure`` + Agg canvas), never ``pyplot``: no global state, no
display needed, safe in worker processes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import networkx as nx
import numpy as np

from ..netlists import Device, Netlist
from ..netlists.polarity import device_polarity
from ..netlists.ports import port_role

__all__ = ["draw_topology", "bode_plot", "figure_bytes"]

_KIND_COLOUR = {"nmos": "#3b6fb6", "pmos": "#c2452d", "resistor": "#6b8e23", "capacitor": "#8e6bb8",
                "inductor": "#b8860b", "bjt": "#2f8f8f", "diode": "#555555", "source": "#999999"}


def _device_class(netlist: Netlist, d: Device) -> str:
    kind = d.kind
    if kind == "mosfet":  # the one polarity rule; a MOSFET whose polarity cannot be told is drawn as NMOS
        return "pmos" if device_polarity(netlist, d) == "p" else "nmos"
    if kind in ("vsource", "isource", "bsource"):
        return "source"
    return kind if kind in _KIND_COLOUR else "diode"


def figure_bytes(fig: object, fmt: str = "png", dpi: int = 110) -> bytes:
    """Render a matplotlib ``Figure`` to bytes (``png`` or ``svg``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - matplotlib is slow to import

    FigureCanvasAgg(fig)  # type: ignore[arg-type]
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight")  # type: ignore[attr-defined]
    return buf.getvalue()


def _rail_distance(g: nx.Graph, rails: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Hops from any of ``rails`` to each device through channel terminals (gates do not conduct)."""
    dist: dict[tuple[str, str], int] = {}
    frontier = list(rails)
    seen = set(rails)
    hop = 0
    while frontier:
        nxt = []
        for net in frontier:
            for dev in g.neighbors(net):
                if dev in dist or g.edges[dev, net]["label"] in ("g", "b"):
                    continue
                dist[dev] = hop
                for other in g.neighbors(dev):
                    if other not in seen and g.edges[dev, other]["label"] not in ("g", "b"):
                        seen.add(other)
                        nxt.append(other)
        frontier = nxt
        hop += 1
    return dist


def _layout(g: nx.Graph, ports: Mapping[str, str]) -> dict[tuple[str, str], np.ndarray]:
    """A layered (Sugiyama-style) layout: height from the rails, order by barycentre sweeps."""
    vdd = {n for n, r in ports.items() if r == "vdd"}
    vss = {n for n, r in ports.items() if r == "vss"}
    devices = [n for n in g if n[0] == "dev"]
    up, down = _rail_distance(g, vss), _rail_distance(g, vdd)
    far = len(devices) + 1
    height: dict[tuple[str, str], float] = {}
    for d in devices:
        a, b = up.get(d, far), down.get(d, far)
        height[d] = 0.5 if a == b == far else (a + 0.5) / (a + b + 1.0)
    levels = sorted({round(h, 3) for h in height.values()})
    layer_of = {d: levels.index(round(height[d], 3)) for d in devices}
    nlayers = max(len(levels), 1)
    x = {d: float(i) for i, d in enumerate(devices)}
    pinned_x = {n: -1.0 for n, r in ports.items() if r == "input"}
    pinned_x.update({n: 1.0 for n, r in ports.items() if r == "output"})

    def net_x(net: tuple[str, str]) -> float:
        if net in pinned_x:
            return pinned_x[net]
        xs = [x[d] for d in g.neighbors(net)]
        return float(np.mean(xs)) if xs else 0.0

    for _ in range(12):
        for d in devices:
            nets = [n for n in g.neighbors(d) if n not in vdd and n not in vss]
            if nets:
                x[d] = float(np.mean([net_x(n) for n in nets]))
        for layer in range(nlayers):
            row = sorted((d for d in devices if layer_of[d] == layer), key=lambda d: x[d])
            for i, d in enumerate(row):
                x[d] = -0.8 + 1.6 * (i + 0.5) / len(row)
    pos: dict[tuple[str, str], np.ndarray] = {}
    for d in devices:
        pos[d] = np.array([x[d], -0.8 + 1.6 * (layer_of[d] + 0.5) / nlayers])
    for n in g:
        if n[0] != "net":
            continue
        if n in vdd or n in vss:
            pos[n] = np.array([0.0, 1.0 if n in vdd else -1.0])
            continue
        ys = [pos[d][1] for d in g.neighbors(n)]
        xs = [pos[d][0] for d in g.neighbors(n)]
        y = float(np.mean(ys)) if ys else 0.0
        pos[n] = np.array([pinned_x.get(n, float(np.mean(xs)) if xs else 0.0), y + 0.06])
    for side in (-1.0, 1.0):  # pinned ports on one side must not sit on top of each other
        pinned = sorted((n for n in pos if pinned_x.get(n) == side), key=lambda n: -pos[n][1])
        for i in range(1, len(pinned)):
            if pos[pinned[i - 1]][1] - pos[pinned[i]][1] < 0.15:
                pos[pinned[i]][1] = pos[pinned[i - 1]][1] - 0.15
    return pos


def draw_topology(netlist: Netlist, *, title: str = "", ports: Mapping[str, str] | None = None,
                  path: str | Path | None = None) -> object:
    """Draw ``netlist`` as devices (coloured squares) joined to nets (dots) by terminal-labelled edges.

    Supplies are pinned at the top and bottom, inputs left, outputs right. Returns the matplotlib
    ``Figure``; with ``path`` it is also written there (PNG or SVG by suffix). Sources added for
    biasing are drawn grey.

    >>> from circuitforge.netlists import parse
    >>> fig = draw_topology(parse("M1 out in 0 0 nmos4\\nR1 vdd out 10k\\n"))
    >>> len(fig.axes)
    1
    """
    from matplotlib.figure import Figure  # noqa: PLC0415 - matplotlib is slow to import

    g = nx.Graph()
    roles = dict(ports) if ports is not None else {n: port_role(n) for n in (netlist.ports or netlist.nets())}
    for d in netlist.devices:
        g.add_node(("dev", d.name), cls=_device_class(netlist, d))
        for role, net in d.terminals:
            key = ("net", "0" if netlist.is_ground(net) else net)
            g.add_node(key)
            if g.has_edge(("dev", d.name), key):
                g.edges[("dev", d.name), key]["label"] += "," + role
            else:
                g.add_edge(("dev", d.name), key, label=role)
    named = {("net", n): r for n, r in roles.items() if ("net", n) in g}
    if ("net", "0") in g and not any(r == "vss" for r in named.values()):
        named[("net", "0")] = "vss"
    pos = _layout(g, named)
    size = 4.5 + 0.12 * g.number_of_nodes()
    fig = Figure(figsize=(min(size, 12), min(size * 0.8, 10)))
    ax = fig.add_subplot(1, 1, 1)
    rails = {n for n, r in named.items() if r in ("vdd", "vss")}
    for rail in rails:
        y = pos[rail][1]
        ax.plot([-1.05, 1.05], [y, y], color="#444444", lw=2.0, zorder=1)
        ax.text(-1.08, y, rail[1], fontsize=8, ha="right", va="center", fontweight="bold")
    for a, b, data in g.edges(data=True):
        (x0, y0), (x1, y1) = pos[a], pos[b]
        if b in rails or a in rails:
            dev, rail = (a, b) if b in rails else (b, a)
            x0, y0 = pos[dev]
            x1, y1 = x0, pos[rail][1]
        ax.plot([x0, x1], [y0, y1], color="#bbbbbb", lw=1.0, zorder=1)
        ax.text(0.65 * x0 + 0.35 * x1, 0.65 * y0 + 0.35 * y1, data["label"], fontsize=6, color="#777777",
                ha="center", va="center", zorder=2)
    for node, data in g.nodes(data=True):
        x, y = pos[node]
        if node[0] == "dev":
            ax.scatter([x], [y], s=260, marker="s", color=_KIND_COLOUR[data["cls"]], zorder=3)
            ax.text(x, y, node[1], fontsize=6.5, color="white", ha="center", va="center", zorder=4,
                    fontweight="bold")
        elif node in rails:
            continue
        else:
            is_port = node in named
            ax.scatter([x], [y], s=60 if is_port else 18, color="#222222" if is_port else "#888888", zorder=3)
            if is_port or g.degree(node) > 2:
                ax.text(x, y + 0.05, node[1], fontsize=7.5 if is_port else 6, ha="center", va="bottom",
                        color="#000000" if is_port else "#666666", zorder=4)
    used = sorted({d["cls"] for n, d in g.nodes(data=True) if n[0] == "dev"})
    for cls in used:
        ax.scatter([], [], s=60, marker="s", color=_KIND_COLOUR[cls], label=cls)
    if used:
        ax.legend(loc="upper left", fontsize=7, frameon=False, ncol=min(len(used), 4))
    ax.set_title(title or netlist.title or "", fontsize=10)
    ax.set_axis_off()
    if path is not None:
        Path(path).write_bytes(figure_bytes(fig, Path(path).suffix.lstrip(".") or "png"))
    return fig


def bode_plot(freq: np.ndarray, h: np.ndarray, *, title: str = "", ugbw: float | None = None,
              pm: float | None = None, path: str | Path | None = None,
              reference: tuple[np.ndarray, np.ndarray, str] | None = None) -> object:
    """Gain (dB) and phase (deg) of ``h`` over ``freq``; marks the unity-gain frequency and the phase
    margin. ``reference=(freq, h, label)`` overlays a second response (e.g. before sizing).

    >>> f = np.logspace(0, 9, 50); h = 1e3 / (1 + 1j * f / 1e4)
    >>> len(bode_plot(f, h, ugbw=1e7).axes)
    2
    """
    from matplotlib.figure import Figure  # noqa: PLC0415

    fig = Figure(figsize=(6.4, 4.6))
    ax_g, ax_p = fig.subplots(2, 1, sharex=True)
    curves = [(np.asarray(freq), np.asarray(h), "after sizing" if reference else "", "#1f4e9c")]
    if reference is not None:
        curves.insert(0, (np.asarray(reference[0]), np.asarray(reference[1]), reference[2], "#aaaaaa"))
    for f, hh, label, colour in curves:
        mag = 20 * np.log10(np.maximum(np.abs(hh), 1e-30))
        phase = np.degrees(np.unwrap(np.angle(hh)))
        ax_g.semilogx(f, mag, color=colour, label=label or None)
        ax_p.semilogx(f, phase, color=colour)
    ax_g.axhline(0, color="#888888", lw=0.8, ls=":")
    if ugbw:
        for ax in (ax_g, ax_p):
            ax.axvline(ugbw, color="#c2452d", lw=0.8, ls="--")
        ax_g.text(ugbw, ax_g.get_ylim()[1], f" UGBW {ugbw / 1e6:.3g} MHz", color="#c2452d", fontsize=7,
                  va="top")
    if pm is not None:
        ax_p.text(0.02, 0.05, f"PM {pm:.1f}°", transform=ax_p.transAxes, fontsize=8, color="#c2452d")
    ax_g.set_ylabel("gain (dB)")
    ax_p.set_ylabel("phase (deg)")
    ax_p.set_xlabel("frequency (Hz)")
    for ax in (ax_g, ax_p):
        ax.grid(True, which="both", color="#eeeeee")
    if reference is not None:
        ax_g.legend(fontsize=7, frameon=False)
    if title:
        ax_g.set_title(title, fontsize=10)
    if path is not None:
        Path(path).write_bytes(figure_bytes(fig, Path(path).suffix.lstrip(".") or "png"))
    return fig
