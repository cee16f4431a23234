"""Random sizings of a fixed topology: log-uniform factors on MOSFET W/L and R/C values.

A :class:`SizingSpace` lists the sizable parameters of a netlist in device
order; :meth:`SizingSpace.sample` draws one factor per parameter and
:meth:`SizingSpace.apply` returns a resized copy. Current and voltage sources
are left alone: their values are not among the graph features
(:data:`~circuitforge.graph.features.SIZE_PARAMS`), so changing them would be
noise a model could not see.

>>> from circuitforge.netlists import parse
>>> n = parse("* cs\\nM1 out in 0 0 nmos w=1u l=0.1u\\nR1 vdd out 1k\\n.end\\n")
>>> space = SizingSpace.of(n)
>>> space
SizingSpace(params=3, kinds={'mosfet.w': 1, 'mosfet.l': 1, 'resistor.value': 1})
>>> sized = space.apply(n, [2.0, 1.0, 0.5])
>>> [str(d.param(p)) for d, p in ((sized.devices[0], "w"), (sized.devices[1], "r"))]
['2u', '500']
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ...netlists.device import Device
from ...netlists.flatten import parameter_env
from ...netlists.netlist import Netlist
from ...netlists.values import Value
from ..errors import GraphError
from ..features import SIZE_PARAMS, size_values

__all__ = ["DEFAULT_SPREAD", "SizingSpace", "size_vector"]

DEFAULT_SPREAD: Mapping[str, float] = {"w": 3.0, "l": 2.0, "value": 3.0}
"""Per size slot: factors are drawn log-uniformly from ``[1/spread, spread]``."""


@dataclass(frozen=True, slots=True)
class SizingSpace:
    """The sizable parameters of one topology: ``(device index, slot, parameter name, nominal value)``."""

    entries: tuple[tuple[int, str, str, float], ...]
    """One per parameter, in device order."""
    spread: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SPREAD), hash=False)
    """Slot → spread of the log-uniform factor."""

    @classmethod
    def of(cls, netlist: Netlist, spread: Mapping[str, float] | None = None) -> SizingSpace:
        """Every W and L of a MOSFET and every R/C value with a numeric nominal value."""
        spread = dict(DEFAULT_SPREAD if spread is None else spread)
        env = parameter_env(netlist)
        entries = []
        for i, d in enumerate(netlist.devices):
            slots = SIZE_PARAMS.get(d.kind, {})
            sizes = size_values(netlist, d, env)
            for slot in ("w", "l", "value"):
                if slot in slots and slot in sizes and slot in spread:
                    entries.append((i, slot, slots[slot], sizes[slot]))
        return cls(tuple(entries), spread)

    def __len__(self) -> int:
        return len(self.entries)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """One factor per parameter, log-uniform in ``[1/spread, spread]`` of its slot."""
        spreads = np.array([math.log(self.spread[slot]) for _, slot, _, _ in self.entries])
        return np.exp(rng.uniform(-1.0, 1.0, size=len(self.entries)) * spreads)

    def apply(self, netlist: Netlist, factors: Sequence[float]) -> Netlist:
        """A copy of ``netlist`` with each parameter set to nominal × factor."""
        if len(factors) != len(self.entries):
            raise GraphError(f"{len(factors)} sizing factors for {netlist.title!r}, expected {len(self.entries)}")
        new: dict[int, dict[str, float]] = {}
        for (i, _, pname, nominal), f in zip(self.entries, factors):
            new.setdefault(i, {})[pname] = nominal * float(f)
        devices = list(netlist.devices)
        for i, values in new.items():
            devices[i] = _with_params(devices[i], values)
        return dataclasses.replace(netlist, devices=devices)

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for _, slot, pname, _ in self.entries:
            key = f"{'mosfet' if slot in ('w', 'l') else {'r': 'resistor', 'c': 'capacitor'}.get(pname, pname)}.{slot}"
            kinds[key] = kinds.get(key, 0) + 1
        return f"SizingSpace(params={len(self)}, kinds={kinds})"


def _with_params(device: Device, values: Mapping[str, float]) -> Device:
    params = dict(device.params)
    lower = {k.lower(): k for k in params}
    for pname, x in values.items():
        params[lower.get(pname.lower(), pname)] = Value.of(x)
    return dataclasses.replace(device, params=params)


def size_vector(netlist: Netlist) -> np.ndarray:
    """log10 of every W, L and R/C value of ``netlist`` in device order (the flat-MLP baseline's input).

    >>> from circuitforge.netlists import parse
    >>> size_vector(parse("* cs\\nM1 out in 0 0 nmos w=1u l=0.1u\\nR1 vdd out 1k\\n.end\\n")).round(3).tolist()
    [-6.0, -7.0, 3.0]
    """
    env = parameter_env(netlist)
    out = []
    for d in netlist.devices:
        slots = SIZE_PARAMS.get(d.kind, {})
        sizes = size_values(netlist, d, env)
        out.extend(math.log10(sizes[s]) for s in ("w", "l", "value") if s in slots and s in sizes)
    return np.asarray(out, dtype=np.float64)
