"""Metrics of a set of topologies, every one in the denominator.

- ``structural``: the independent checker (:mod:`.checks`) finds nothing, and the sequence
  finished (for samples);
- ``ngspice``: :func:`~circuitforge.spice.bias.bias_default` biases it and its DC operating point
  converges in ngspice with every node inside ``[VSS - 0.5, VDD + 0.5]``; a sample whose sequence
  did not finish (malformed or cut off: there is no circuit) counts as not valid without a
  simulation, a finished one that breaks a structural rule is still biased and simulated;
- ``novel``: its canonical hash is that of no corpus circuit;
- ``unique``: distinct canonical hashes / count;
- ``valid_novel_unique``: structurally and ngspice-valid, novel, and the first of its hash.

>>> from circuitforge.netlists import Netlist, Device
>>> r = Device("R0", "resistor", (("p", "VDD"), ("n", "VSS")))
>>> n = Netlist("x", [r], ports=["VSS", "VDD"])
>>> m = metrics([n, n], structural=[True, True], ngspice=[True, False], novel=[True, True])
>>> m.count, m.unique, m.valid_novel_unique
(2, 0.5, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from ...graph.hashing import canonical_hash
from ...netlists.errors import CircuitforgeError
from ...netlists.netlist import Netlist
from ...spice import ConvergenceError, DeckError, Op, SharedSimulator, SimulationTimeout, SimulatorCrash
from ...spice.bias import bias_default

__all__ = ["Metrics", "metrics", "ngspice_valid"]


@dataclass(frozen=True, slots=True)
class Metrics:
    """Fractions over ``count`` topologies."""

    count: int
    structural: float
    ngspice: float
    novel: float
    unique: float
    valid_novel_unique: float
    mean_devices: float

    def as_dict(self) -> dict:
        return asdict(self)


def metrics(netlists: Sequence[Netlist], *, structural: Sequence[bool], ngspice: Sequence[bool],
            novel: Sequence[bool], hashes: Sequence[str] | None = None) -> Metrics:
    """:class:`Metrics` of ``netlists`` from per-item verdicts."""
    n = len(netlists)
    if not (len(structural) == len(ngspice) == len(novel) == n):
        raise ValueError("one verdict per netlist expected")
    if n == 0:
        return Metrics(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    hs = list(hashes) if hashes is not None else [canonical_hash(x) for x in netlists]
    seen: set[str] = set()
    vnu = 0
    for h, s, g, nv in zip(hs, structural, ngspice, novel):
        first = h not in seen
        seen.add(h)
        vnu += int(s and g and nv and first)
    return Metrics(n, sum(structural) / n, sum(ngspice) / n, sum(novel) / n, len(set(hs)) / n, vnu / n,
                   sum(len(x.devices) for x in netlists) / n)


def ngspice_valid(netlists: Sequence[Netlist], *, process: str = "generic45", workers: int = 2,
                  timeout: float = 10.0, progress: bool = False,
                  finished: Sequence[bool] | None = None) -> list[tuple[bool, str]]:
    """Per netlist: (operating point converged in range, outcome) after ``bias_default``.

    Outcomes: ``pass``, ``out-of-range``, ``no-convergence``, ``timeout``, ``crash``, ``deck-error``,
    ``bias-error`` (``bias_default`` raised), ``empty`` (no device), ``unfinished`` (``finished``
    says the sequence did not finish: not simulated).
    """
    out: list[tuple[bool, str] | None] = [None] * len(netlists)
    jobs, biased, where = [], [], []
    for i, n in enumerate(netlists):
        if finished is not None and not finished[i]:
            out[i] = (False, "unfinished")
            continue
        if not n.devices:
            out[i] = (False, "empty")
            continue
        try:
            b = bias_default(n, process)
        except CircuitforgeError:
            out[i] = (False, "bias-error")
            continue
        jobs.append((b.netlist, [Op()]))
        biased.append(b)
        where.append(i)
    if jobs:
        with SharedSimulator(max(1, workers)) as sim:
            results = sim.run_many(jobs, timeout=timeout, progress=progress)
        for i, b, res in zip(where, biased, results):
            if res.ok:
                out[i] = (True, "pass") if not b.out_of_range(res["op"].vectors) else (False, "out-of-range")
                continue
            err = res.error
            kind = ("timeout" if isinstance(err, SimulationTimeout) else "crash" if isinstance(err, SimulatorCrash)
                    else "deck-error" if isinstance(err, DeckError) else "no-convergence"
                    if isinstance(err, ConvergenceError) else "no-convergence")
            out[i] = (False, kind)
    return [x if x is not None else (False, "missing") for x in out]
