"""Node and edge features of circuit graphs, and the statistics that normalise them.

Vocabularies are fixed tuples built from the IR (device kinds, terminal
roles) plus one that is fitted on data (the names of opaque macros such as
``INVERTER``). Sizes and values (W, L, R, C, L, area, multiplier, fingers)
are log10-scaled and standardised per (device kind, slot) with statistics
fitted on a dataset; a :class:`FeatureSpec` holds both and is saved as JSON
beside a model.

>>> from circuitforge.netlists import parse
>>> n = parse("* rc\\nR1 in out 1k\\nC1 out 0 10p\\nM1 out in 0 0 nch w=2u l=0.18u\\n.end\\n")
>>> spec = FeatureSpec.fit([n])
>>> spec.device_features(n).shape == (3, spec.device_dim)
True
>>> port_class("VIN2"), port_class("IB1"), port_class("VCLK1"), port_class("net7")
('input', 'bias_current', 'clock', 'other')
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..netlists.compare import SYMMETRIC_KINDS
from ..netlists.device import DEVICE_KINDS, TERMINAL_ROLES, Device
from ..core.files import write_atomic
from ..netlists.flatten import parameter_env
from ..netlists.netlist import Netlist
from ..netlists.polarity import device_polarity
from ..netlists.ports import port_role
from ..netlists.values import Value
from .errors import GraphError

__all__ = [
    "MACRO_KINDS",
    "MAX_MACRO_PINS",
    "NET_ROLES",
    "POLARITIES",
    "PORT_CLASSES",
    "PORT_CLASS_OF",
    "SIZE_PARAMS",
    "SIZE_SLOTS",
    "TERMINAL_CLASSES",
    "FeatureSpec",
    "Normalizer",
    "model_for",
    "net_names_for",
    "net_role",
    "netlist_nets",
    "polarity",
    "port_class",
    "size_values",
    "terminal_class",
    "terminal_role",
]

PORT_CLASSES: tuple[str, ...] = ("vdd", "vss", "input", "output", "bias_voltage", "bias_current", "clock",
                                 "reference", "control", "other")
"""Feature classes of port nets, in feature order (shipped weights depend on it): each
:data:`~circuitforge.netlists.ports.PortRole` folds into one (:data:`PORT_CLASS_OF`)."""

PORT_CLASS_OF: Mapping[str, str] = {
    **{r: r for r in PORT_CLASSES}, "common_mode": "bias_voltage", "logic": "control", "lo": "clock",
    "rf": "input", "if": "output", "current_input": "input", "current_output": "output",
}
"""Port role -> feature class."""

NET_ROLES: tuple[str, ...] = (*PORT_CLASSES, "internal")
"""Port classes plus ``internal`` for a net that is not a port."""

POLARITIES: tuple[str, ...] = ("n", "p", "none")

MACRO_KINDS = frozenset({"subckt", "opaque"})
"""Kinds whose terminals are told apart by position and whose identity is a definition name."""

MAX_MACRO_PINS = 16
"""Pins of a subcircuit instance beyond this many share the class ``macro:other``."""


def _terminal_classes() -> tuple[str, ...]:
    out: list[str] = ["passive"]  # either pin of R, C or L: they are interchangeable
    for kind in DEVICE_KINDS:
        if kind in SYMMETRIC_KINDS or kind in MACRO_KINDS:
            continue
        out.extend(f"{kind}:{role}" for role in TERMINAL_ROLES.get(kind, ()))
    out.extend(f"macro:{i}" for i in range(1, MAX_MACRO_PINS + 1))
    out.extend(("macro:other", "other"))
    return tuple(out)


TERMINAL_CLASSES: tuple[str, ...] = _terminal_classes()
"""Terminal role qualified by kind (``mosfet:b`` is a bulk, ``bjt:b`` a base); R/C/L pins are ``passive``."""

_CLASS_INDEX = {c: i for i, c in enumerate(TERMINAL_CLASSES)}

SIZE_SLOTS: tuple[str, ...] = ("w", "l", "value", "area", "m", "nf")
"""Size features of a device, in order; which parameter fills a slot depends on the kind."""

SIZE_PARAMS: Mapping[str, Mapping[str, str]] = {
    "mosfet": {"w": "w", "l": "l", "m": "m", "nf": "nf"},
    "resistor": {"value": "r", "m": "m"},
    "capacitor": {"value": "c", "m": "m"},
    "inductor": {"value": "l", "m": "m"},
    "bjt": {"area": "area", "m": "m"},
    "diode": {"area": "area", "m": "m"},
    "jfet": {"area": "area", "m": "m"},
    "mesfet": {"area": "area", "m": "m"},
}
"""Per kind: size slot → parameter name (read case-insensitively)."""

def port_class(name: str) -> str:
    """The feature class (:data:`PORT_CLASSES`) of a port net from its name: its
    :func:`~circuitforge.netlists.ports.port_role`, folded.

    >>> [port_class(p) for p in ("VDD", "VSS", "VOUT1", "VB3", "VCM1", "VREF1", "VCONT1", "LOGICQ", "VLO1", "X")]
    ['vdd', 'vss', 'output', 'bias_voltage', 'bias_voltage', 'reference', 'control', 'control', 'clock', 'other']
    """
    return PORT_CLASS_OF[port_role(name)]


def netlist_nets(netlist: Netlist) -> tuple[list[str], Callable[[str], str]]:
    """The distinct nets of ``netlist`` (device nets in order of use, then unused ports and globals)
    and a function giving the spelling kept for any spelling of a net (SPICE names ignore case).

    >>> n = Netlist("x", [Device("R1", "resistor", (("p", "Out"), ("n", "0"))),
    ...                   Device("R2", "resistor", (("p", "OUT"), ("n", "0")))], ports=["out", "vdd"])
    >>> nets, canon = netlist_nets(n)
    >>> nets, canon("OUT")
    (['Out', '0', 'vdd'], 'Out')
    """
    cs = netlist.case_sensitive
    first: dict[str, str] = {}
    for net in (*(n for d in netlist.devices for n in d.nets), *netlist.ports, *netlist.globals):
        first.setdefault(net if cs else net.lower(), net)
    return list(first.values()), (lambda net: first[net if cs else net.lower()])


def net_role(netlist: Netlist, net: str) -> str:
    """:func:`port_class` for a port or global net, ``vss`` for ground, else ``internal``."""
    return _net_role(netlist, net, _named(netlist))


def _named(netlist: Netlist) -> frozenset[str]:
    return frozenset(p if netlist.case_sensitive else p.lower() for p in (*netlist.ports, *netlist.globals))


def _net_role(netlist: Netlist, net: str, named: frozenset[str]) -> str:
    if (net if netlist.case_sensitive else net.lower()) in named:
        return port_class(net)
    if netlist.is_ground(net):
        return "vss"
    return "internal"


def polarity(netlist: Netlist, device: Device) -> str:
    """``n``/``p`` of a MOSFET, BJT, JFET or MESFET (:func:`~circuitforge.netlists.polarity.device_polarity`:
    its model card, else its model name); else ``none``.

    >>> n = Netlist("x", [Device("M1", "mosfet", (("d", "a"), ("g", "b"), ("s", "0"), ("b", "0")), "pmos4")])
    >>> polarity(n, n.devices[0])
    'p'
    """
    return device_polarity(netlist, device) or "none"


def terminal_class(device: Device, position: int) -> str:
    """The :data:`TERMINAL_CLASSES` entry of the ``position``-th terminal of ``device``.

    >>> d = Device("Q1", "bjt", (("c", "a"), ("b", "b"), ("e", "0")), "npn")
    >>> terminal_class(d, 1)
    'bjt:b'
    """
    if device.kind in SYMMETRIC_KINDS:
        return "passive"
    if device.kind in MACRO_KINDS:
        return f"macro:{position + 1}" if position < MAX_MACRO_PINS else "macro:other"
    cls = f"{device.kind}:{device.terminals[position][0].lower()}"
    return cls if cls in _CLASS_INDEX else "other"


def terminal_role(kind: str, cls: str, position: int) -> str:
    """The IR role name back from a terminal class (inverse of :func:`terminal_class`).

    >>> terminal_role("resistor", "passive", 1), terminal_role("subckt", "macro:3", 2)
    ('n', '3')
    """
    if cls == "passive":
        return ("p", "n")[position] if position < 2 else str(position + 1)
    if cls.startswith("macro:") or cls == "other":
        return str(position + 1)
    return cls.split(":", 1)[1]


def size_values(netlist: Netlist, device: Device,
                env: Mapping[str, float] | None = None) -> dict[str, float]:
    """The positive numeric sizes of ``device`` per slot (expressions resolved with ``env``).

    >>> from circuitforge.netlists import parse
    >>> n = parse("* m\\n.param wx=2u\\nM1 d g 0 0 nch w={wx} l=0.18u\\n.end\\n")
    >>> size_values(n, n.devices[0])
    {'w': 2e-06, 'l': 1.8e-07}
    """
    slots = SIZE_PARAMS.get(device.kind)
    if not slots or not device.params:
        return {}
    if env is None:
        env = parameter_env(netlist)
    out: dict[str, float] = {}
    for slot, pname in slots.items():
        v = device.param(pname)  # W= and w= alike, in every dialect
        if v is None:
            continue
        x = v.resolve(env, case_sensitive=netlist.case_sensitive)
        if x is not None and x > 0 and math.isfinite(x):
            out[slot] = float(x)
    return out


@dataclass(frozen=True, slots=True)
class Normalizer:
    """Mean and standard deviation of log10 sizes per ``kind.slot`` (``mosfet.w``, ``capacitor.value``).

    Unfitted keys use mean 0 and std 1 (plain log10).

    >>> nz = Normalizer({"mosfet.w": (-6.0, 0.5)})
    >>> round(nz.transform("mosfet", "w", 1e-5), 6), nz.inverse("mosfet", "w", 2.0)
    (2.0, 1e-05)
    """

    stats: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    """``kind.slot`` → (mean, std) of log10 of the values seen in the fitting data."""

    @classmethod
    def fit(cls, netlists: Iterable[Netlist], *, min_std: float = 1e-3) -> Normalizer:
        """Statistics of the sizes of every device of ``netlists`` (std floored at ``min_std``)."""
        logs: dict[str, list[float]] = {}
        for n in netlists:
            env = parameter_env(n)
            for d in n.devices:
                for slot, x in size_values(n, d, env).items():
                    logs.setdefault(f"{d.kind}.{slot}", []).append(math.log10(x))
        stats = {k: (float(np.mean(v)), max(float(np.std(v)), min_std)) for k, v in sorted(logs.items())}
        return cls(stats)

    def _ms(self, kind: str, slot: str) -> tuple[float, float]:
        return self.stats.get(f"{kind}.{slot}", (0.0, 1.0))

    def transform(self, kind: str, slot: str, x: float) -> float:
        mean, std = self._ms(kind, slot)
        return (math.log10(x) - mean) / std

    def inverse(self, kind: str, slot: str, z: float) -> float:
        mean, std = self._ms(kind, slot)
        return float(10.0 ** (z * std + mean))

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.stats.items())))


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """How a circuit becomes feature vectors: vocabularies plus fitted size statistics.

    Device features: kind one-hot | polarity one-hot (n, p, none) | macro
    one-hot (fitted names plus ``unknown``) | per size slot (present, normalised
    log10 value). Net features: :data:`NET_ROLES` one-hot | is-ground. Edge
    (terminal) features: :data:`TERMINAL_CLASSES` one-hot.

    >>> import tempfile, os
    >>> spec = FeatureSpec(macros=("INVERTER",), normalizer=Normalizer({"mosfet.w": (-6.0, 1.0)}))
    >>> path = os.path.join(tempfile.mkdtemp(), "features.json")
    >>> spec.save(path); FeatureSpec.load(path) == spec
    True
    >>> spec
    FeatureSpec(device_dim=38, net_dim=12, edge_dim=63, macros=1, fitted=1)
    """

    macros: tuple[str, ...] = ()
    """Upper-case definition names of subcircuit/opaque instances seen when fitting."""
    normalizer: Normalizer = field(default_factory=Normalizer)
    """Size statistics."""

    VERSION = 1

    # ---- fitting and storage ------------------------------------------------------
    @classmethod
    def fit(cls, netlists: Iterable[Netlist]) -> FeatureSpec:
        """Fit the macro vocabulary and size statistics on ``netlists``."""
        items = list(netlists)
        macros = sorted({d.model.upper() for n in items for d in n.devices
                         if d.kind in MACRO_KINDS and d.model})
        return cls(tuple(macros), Normalizer.fit(items))

    def to_dict(self) -> dict[str, object]:
        return {"version": self.VERSION, "kinds": list(DEVICE_KINDS), "terminal_classes": list(TERMINAL_CLASSES),
                "net_roles": list(NET_ROLES), "size_slots": list(SIZE_SLOTS), "macros": list(self.macros),
                "stats": {k: list(v) for k, v in self.normalizer.stats.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, object], where: str = "feature spec") -> FeatureSpec:
        """Read :meth:`to_dict` output; raises :class:`GraphError` if its vocabularies differ from this code's."""
        if data.get("version") != cls.VERSION:
            raise GraphError(f"{where}: version {data.get('version')!r}, expected {cls.VERSION}")
        for key, ours in (("kinds", DEVICE_KINDS), ("terminal_classes", TERMINAL_CLASSES),
                          ("net_roles", NET_ROLES), ("size_slots", SIZE_SLOTS)):
            if tuple(data.get(key, ())) != tuple(ours):  # type: ignore[arg-type]
                raise GraphError(f"{where}: its {key} differ from this version of circuitforge "
                                 f"(saved {data.get(key)!r}, expected {list(ours)!r}); refit the features")
        try:
            stats = {str(k): (float(v[0]), float(v[1])) for k, v in dict(data["stats"]).items()}  # type: ignore[call-overload]
            macros = tuple(str(m) for m in data["macros"])  # type: ignore[attr-defined]
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise GraphError(f"{where}: malformed ({exc!r}); expected 'macros' and 'stats'") from None
        return cls(macros, Normalizer(stats))

    def save(self, path: str | Path) -> None:
        """Write the spec as JSON (atomically: a temporary file renamed over ``path``)."""
        write_atomic(path, json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> FeatureSpec:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise GraphError(f"cannot read feature spec {path}: {exc}") from None
        return cls.from_dict(data, str(path))

    # ---- dimensions -----------------------------------------------------------------
    @property
    def device_dim(self) -> int:
        return len(DEVICE_KINDS) + len(POLARITIES) + len(self.macros) + 1 + 2 * len(SIZE_SLOTS)

    @property
    def net_dim(self) -> int:
        return len(NET_ROLES) + 1

    @property
    def edge_dim(self) -> int:
        return len(TERMINAL_CLASSES)

    def _offsets(self) -> tuple[int, int, int]:
        pol = len(DEVICE_KINDS)
        mac = pol + len(POLARITIES)
        size = mac + len(self.macros) + 1
        return pol, mac, size

    # ---- encoding -------------------------------------------------------------------
    def device_features(self, netlist: Netlist, devices: Sequence[Device] | None = None) -> np.ndarray:
        """``[len(devices), device_dim]`` float32 features (``devices`` defaults to the netlist's)."""
        devs = netlist.devices if devices is None else devices
        pol_at, mac_at, size_at = self._offsets()
        out = np.zeros((len(devs), self.device_dim), dtype=np.float32)
        env = parameter_env(netlist)
        macro_index = {m: i for i, m in enumerate(self.macros)}
        kind_index = {k: i for i, k in enumerate(DEVICE_KINDS)}
        for i, d in enumerate(devs):
            out[i, kind_index[d.kind]] = 1.0
            out[i, pol_at + POLARITIES.index(polarity(netlist, d))] = 1.0
            if d.kind in MACRO_KINDS:
                out[i, mac_at + macro_index.get((d.model or "").upper(), len(self.macros))] = 1.0
            for slot, x in size_values(netlist, d, env).items():
                j = size_at + 2 * SIZE_SLOTS.index(slot)
                out[i, j] = 1.0
                out[i, j + 1] = self.normalizer.transform(d.kind, slot, x)
        return out

    def net_features(self, netlist: Netlist, nets: Sequence[str]) -> np.ndarray:
        """``[len(nets), net_dim]`` float32 features: role one-hot and is-ground."""
        out = np.zeros((len(nets), self.net_dim), dtype=np.float32)
        named = _named(netlist)
        for i, net in enumerate(nets):
            out[i, NET_ROLES.index(_net_role(netlist, net, named))] = 1.0
            out[i, -1] = float(netlist.is_ground(net))
        return out

    def port_features(self, netlist: Netlist, nets: Sequence[str]) -> np.ndarray:
        """Same as :meth:`net_features` (port nodes of the pin-level graph)."""
        return self.net_features(netlist, nets)

    @staticmethod
    def terminal_index(device: Device, position: int) -> int:
        return _CLASS_INDEX[terminal_class(device, position)]

    # ---- decoding -------------------------------------------------------------------
    def decode_device(self, row: Sequence[float] | np.ndarray) -> tuple[str, str, str | None, dict[str, Value]]:
        """(kind, polarity, macro name or None, sizes as parameters) from one row of device features.

        >>> from circuitforge.netlists import parse
        >>> n = parse("* c\\nC1 a 0 10p\\n.end\\n")
        >>> spec = FeatureSpec.fit([n])
        >>> kind, pol, macro, params = spec.decode_device(spec.device_features(n)[0])
        >>> kind, pol, macro, round(params["c"].number * 1e12, 4)
        ('capacitor', 'none', None, 10.0)
        """
        row = np.asarray(row, dtype=np.float64)
        if row.shape != (self.device_dim,):
            raise GraphError(f"device feature row has shape {row.shape}, expected ({self.device_dim},) "
                             "for this feature spec")
        pol_at, mac_at, size_at = self._offsets()
        kind = DEVICE_KINDS[int(np.argmax(row[:pol_at]))]
        pol = POLARITIES[int(np.argmax(row[pol_at:mac_at]))]
        macro: str | None = None
        if kind in MACRO_KINDS:
            j = int(np.argmax(row[mac_at:size_at]))
            macro = self.macros[j] if j < len(self.macros) else "MACRO"
        params: dict[str, Value] = {}
        slots = SIZE_PARAMS.get(kind, {})
        for s, slot in enumerate(SIZE_SLOTS):
            j = size_at + 2 * s
            if row[j] > 0.5 and slot in slots:
                params[slots[slot]] = Value.of(self.normalizer.inverse(kind, slot, float(row[j + 1])))
        return kind, pol, macro, params

    def decode_net(self, row: Sequence[float] | np.ndarray) -> tuple[str, bool]:
        """(net role, is ground) from one row of net features."""
        row = np.asarray(row, dtype=np.float64)
        if row.shape != (self.net_dim,):
            raise GraphError(f"net feature row has shape {row.shape}, expected ({self.net_dim},)")
        return NET_ROLES[int(np.argmax(row[:-1]))], bool(row[-1] > 0.5)

    def __repr__(self) -> str:
        return (f"FeatureSpec(device_dim={self.device_dim}, net_dim={self.net_dim}, edge_dim={self.edge_dim}, "
                f"macros={len(self.macros)}, fitted={len(self.normalizer.stats)})")


_MODEL_FOR_POLARITY: Mapping[tuple[str, str], str] = {
    ("mosfet", "n"): "nmos", ("mosfet", "p"): "pmos", ("bjt", "n"): "npn", ("bjt", "p"): "pnp",
    ("jfet", "n"): "njf", ("jfet", "p"): "pjf", ("mesfet", "n"): "nmf", ("mesfet", "p"): "pmf",
}

_PORT_PREFIX: Mapping[str, str] = {
    "vdd": "VDD", "vss": "VSS", "input": "VIN", "output": "VOUT", "bias_voltage": "VB",
    "bias_current": "IB", "clock": "VCLK", "reference": "VREF", "control": "VCONT", "other": "PORT",
}


def model_for(kind: str, pol: str, macro: str | None) -> str | None:
    """A model name that carries ``pol`` (``nmos``, ``pnp``) or the macro's name, for decoded devices.

    >>> model_for("mosfet", "p", None), model_for("subckt", "none", "INVERTER"), model_for("resistor", "none", None)
    ('pmos', 'INVERTER', None)
    """
    if macro is not None:
        return macro
    if kind == "diode":
        return "diode"
    return _MODEL_FOR_POLARITY.get((kind, pol))


def net_names_for(roles: Sequence[tuple[str, bool]]) -> list[str]:
    """Fresh net names for decoded nets: ground ``0``, ports ``VDD``/``VIN1``/..., others ``net1``...

    >>> net_names_for([("vss", True), ("input", False), ("input", False), ("internal", False), ("vdd", False)])
    ['0', 'VIN1', 'VIN2', 'net1', 'VDD']
    """
    grounds = ["0", "gnd", "gnd!", "ground"]
    counts: dict[str, int] = {}
    totals: dict[str, int] = {}
    for role, ground in roles:
        if not ground:
            totals[role] = totals.get(role, 0) + 1
    out: list[str] = []
    for role, ground in roles:
        if ground:
            if not grounds:
                raise GraphError("more than four distinct ground nets cannot be given distinct ground names")
            out.append(grounds.pop(0))
            continue
        k = counts[role] = counts.get(role, 0) + 1
        if role == "internal":
            out.append(f"net{k}")
        elif role in ("vdd", "vss") and totals[role] == 1:
            out.append(_PORT_PREFIX[role])
        else:
            out.append(f"{_PORT_PREFIX[role]}{k}")
    return out
