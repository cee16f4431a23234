"""A toy simulator: linear modified nodal analysis in numpy (R, C, L, V, I, E, G, F, H).

For tests of code *above* the bridge (sizing environments, predictors...), where
ngspice is not the point and a few microseconds per simulation matter. It
follows the :class:`Simulator` protocol and ngspice's vector names (node
voltages by lower-case node name, ``v1#branch`` for source currents), and is
checked against ngspice in the tests. Anything nonlinear (MOSFETs, diodes...)
is a :class:`DeckError`: use the real bridge.

>>> from circuitforge.spice import Op, AC
>>> r = ToySimulator().run("* rc\\nV1 in 0 DC 1 AC 1\\nR1 in out 1k\\nC1 out 0 1n\\n.end\\n", [Op(), AC(1, 1e9, 10)])
>>> round(r["op"].value("out"), 9), round(float(abs(r["ac"]["out"][-1])), 6)
(1.0, 0.000159)
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

import numpy as np

from ..netlists import Netlist, flatten
from ..netlists.errors import CircuitforgeError
from .analyses import AC, Analysis, Op
from .base import SimulatorBase
from .deck import load_circuit
from .errors import ConvergenceError, DeckError
from .results import AnalysisResult, SimResult

__all__ = ["ToySimulator"]

_LINEAR = frozenset({"resistor", "capacitor", "inductor", "vsource", "isource", "vcvs", "vccs", "cccs", "ccvs"})


class ToySimulator(SimulatorBase):
    """Operating point and AC of linear circuits by MNA (see the module docstring)."""

    def run(self, circuit: Netlist | str, analyses: Sequence[Analysis], *, timeout: float = 30.0) -> SimResult:
        t0 = time.perf_counter()
        try:
            n = _load(circuit)
            out = {}
            for a in analyses:
                if isinstance(a, Op):
                    out["op"] = _solve(n, np.array([0.0]), "op")
                elif isinstance(a, AC):
                    if a.variation != "dec":
                        raise DeckError("the toy simulator sweeps by decade only")
                    decades = np.log10(a.stop / a.start)
                    f = a.start * 10 ** (np.arange(int(round(decades * a.points)) + 1) / a.points)
                    out["ac"] = _solve(n, f, "ac")
                else:
                    raise DeckError(f"the toy simulator runs op and ac only, not {a.kind}")
        except (DeckError, ConvergenceError) as exc:
            return SimResult(error=exc, elapsed=time.perf_counter() - t0)
        return SimResult(out, None, "", time.perf_counter() - t0)


def _load(circuit: Netlist | str | os.PathLike[str]) -> Netlist:
    try:
        return flatten(load_circuit(circuit), keep_unknown=False)
    except CircuitforgeError as exc:
        if isinstance(exc, DeckError):
            raise
        raise DeckError(f"cannot expand the netlist: {exc}") from None


def _num(d, key: str, default: float = 0.0) -> float:  # type: ignore[no-untyped-def]
    v = d.param(key)
    if v is None:
        return default
    if v.number is None:
        raise DeckError(f"{d.name}: {key}={v.text} is not a number (the toy simulator does not evaluate it)")
    return v.number


def _solve(n: Netlist, freqs: np.ndarray, kind: str) -> AnalysisResult:
    bad = [d.name for d in n.devices if d.kind not in _LINEAR]
    if bad:
        raise DeckError(f"the toy simulator handles linear devices only; not {', '.join(bad[:5])}")
    nodes: dict[str, int] = {}
    for d in n.devices:
        for net in d.nets:
            if not n.is_ground(net):
                nodes.setdefault(net.lower(), len(nodes))
    branches = [d for d in n.devices if d.kind in ("vsource", "inductor", "vcvs", "ccvs")]
    bidx = {d.name.lower(): len(nodes) + i for i, d in enumerate(branches)}
    size = len(nodes) + len(branches)

    def idx(net: str) -> int | None:
        return None if n.is_ground(net) else nodes[net.lower()]

    results = np.zeros((len(freqs), size), dtype=complex)
    for k, f in enumerate(freqs):
        s = 2j * np.pi * f
        a = np.zeros((size, size), dtype=complex)
        b = np.zeros(size, dtype=complex)

        def stamp_g(p: int | None, q: int | None, g: complex) -> None:
            for i, j, sign in ((p, p, 1), (q, q, 1), (p, q, -1), (q, p, -1)):
                if i is not None and j is not None:
                    a[i, j] += sign * g

        for d in n.devices:
            t = [idx(x) for x in d.nets]
            if d.kind == "resistor":
                stamp_g(t[0], t[1], 1.0 / _num(d, "r"))
            elif d.kind == "capacitor":
                stamp_g(t[0], t[1], s * _num(d, "c"))
            elif d.kind in ("vsource", "inductor", "vcvs", "ccvs"):
                br = bidx[d.name.lower()]
                for node, sign in ((t[0], 1), (t[1], -1)):
                    if node is not None:
                        a[node, br] += sign
                        a[br, node] += sign
                if d.kind == "inductor":
                    a[br, br] -= s * _num(d, "l")
                elif d.kind == "vsource":
                    b[br] = _num(d, "dc") if kind == "op" else _num(d, "mag") * np.exp(1j * np.radians(_num(d, "phase")))
                elif d.kind == "vcvs":
                    for node, sign in ((t[2], -1), (t[3], 1)):
                        if node is not None:
                            a[br, node] += sign * _num(d, "gain", 1.0)
                else:  # ccvs: v = gain * i(probe)
                    a[br, bidx[_probe(d, bidx)]] -= _num(d, "gain", 1.0)
            elif d.kind == "isource":
                val = _num(d, "dc") if kind == "op" else _num(d, "mag") * np.exp(1j * np.radians(_num(d, "phase")))
                for node, sign in ((t[0], -1), (t[1], 1)):
                    if node is not None:
                        b[node] += sign * val
            elif d.kind == "vccs":
                g = _num(d, "gain", 1.0)
                for out, so in ((t[0], 1), (t[1], -1)):
                    for ctl, sc in ((t[2], 1), (t[3], -1)):
                        if out is not None and ctl is not None:
                            a[out, ctl] += so * sc * g
            elif d.kind == "cccs":
                g = _num(d, "gain", 1.0)
                col = bidx[_probe(d, bidx)]
                for out, so in ((t[0], 1), (t[1], -1)):
                    if out is not None:
                        a[out, col] += so * g
        try:
            results[k] = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise ConvergenceError("singular matrix (a node without a DC path, or a loop of voltage sources)") from None
    vectors: dict[str, np.ndarray] = {}
    for name, i in nodes.items():
        vectors[name] = results[:, i] if kind == "ac" else results[:, i].real
    for d in branches:
        col = results[:, bidx[d.name.lower()]]
        vectors[d.name.lower() + "#branch"] = col if kind == "ac" else col.real
    if kind == "ac":
        vectors["frequency"] = freqs.astype(complex)
        return AnalysisResult("ac", freqs, "frequency", vectors, {k: ("Hz" if k == "frequency" else "") for k in vectors})
    return AnalysisResult("op", np.array([]), "", vectors, {})


def _probe(d, bidx: dict[str, int]) -> str:  # type: ignore[no-untyped-def]
    p = d.param("probe")
    if p is None or p.text.lower() not in bidx:
        raise DeckError(f"{d.name}: controlling source {p.text if p else '(none)'} not found")
    return p.text.lower()
