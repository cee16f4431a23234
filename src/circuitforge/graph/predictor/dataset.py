"""The performance dataset: random sizings of several topologies, each measured, cached and resumable.

The builder knows nothing of simulators (``graph`` imports ``netlists``
only): the caller passes ``measure``, a function from a batch of sized
netlists to one dict of :data:`TARGETS` per netlist (a value, or None when
that figure could not be measured, with an optional ``"reason"`` string).
Every sample is written to ``samples.jsonl`` in the cache folder as soon as
its batch is measured; a rerun reads what is there and measures only the
rest. Sample ``i`` of topology ``t`` draws its factors from
``numpy.random.default_rng([seed, t, i])``, so the dataset does not depend on
how often it was interrupted.

A sample whose measurement lacks any target is *failed*: it is kept in the
file and counted (:attr:`PerformanceData.failures`), never used for training
or scored.

>>> from circuitforge.netlists import parse
>>> n = parse("* rc\\nR1 in out 1k\\nC1 out 0 1p\\n.end\\n")
>>> def fake(nets):  # an analytic stand-in for a simulator
...     return [{"gain": 0.0, "ugbw": 1 / (6.28 * 1e3 * 1e-12), "pm": 90.0, "power": 1e-6} for _ in nets]
>>> import tempfile
>>> data = build_dataset([Topology("rc", n)], fake, tempfile.mkdtemp(), samples=5, progress=False)
>>> data
PerformanceData(topologies=1, samples=5, ok=5, failed=0)
>>> data.y.shape
(5, 4)
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core.files import write_atomic
from ...core.progress import progress as show_progress
from ...netlists.netlist import Netlist
from ..errors import GraphError
from ..hashing import canonical_hash
from .sizing import SizingSpace

__all__ = [
    "TARGETS",
    "TARGET_UNITS",
    "MeasureFn",
    "PerformanceData",
    "Sample",
    "Topology",
    "build_dataset",
    "from_targets",
    "to_targets",
]

TARGETS: tuple[str, ...] = ("gain", "ugbw", "pm", "power")
"""What is predicted, with the simulator's measurement names: DC gain, unity-gain bandwidth, phase margin, power."""
TARGET_UNITS: Mapping[str, str] = {"gain": "dB", "ugbw": "log10 Hz", "pm": "deg", "power": "log10 W"}
"""Units of the learned targets: UGBW and power are learned as log10 of Hz and W."""

MeasureFn = Callable[[Sequence[Netlist]], Sequence[Mapping[str, object]]]
"""Sized netlists → per netlist ``{target: value | None, "reason": str}`` (values in dB, Hz, deg, W)."""


def to_targets(m: Mapping[str, object]) -> list[float] | None:
    """Measured figures (dB, Hz, deg, W) → learned targets (dB, log10 Hz, deg, log10 W); None if any is missing."""
    out = []
    for t in TARGETS:
        v = m.get(t)
        if v is None or not isinstance(v, (int, float)) or not math.isfinite(v):
            return None
        if t in ("ugbw", "power"):
            if v <= 0:
                return None
            v = math.log10(v)
        out.append(float(v))
    return out


def from_targets(y: Sequence[float]) -> dict[str, float]:
    """The inverse of :func:`to_targets`: ``{"gain": dB, "ugbw": Hz, "pm": deg, "power": W}``."""
    return {t: float(10.0 ** v) if t in ("ugbw", "power") else float(v) for t, v in zip(TARGETS, y)}


@dataclass(frozen=True, slots=True)
class Topology:
    """One circuit to resize: a name and its nominal, sized netlist (what the graph is built from)."""

    name: str
    netlist: Netlist = field(compare=False)


@dataclass(frozen=True, slots=True)
class Sample:
    """One sizing of one topology and its measured targets (None when it failed, with the reason)."""

    topology: int
    index: int
    factors: tuple[float, ...]
    targets: tuple[float, ...] | None
    reason: str = ""


@dataclass(slots=True)
class PerformanceData:
    """The dataset: topologies, their sizing spaces and hashes, every sample (failed ones too)."""

    topologies: list[Topology]
    spaces: list[SizingSpace]
    hashes: list[str]
    samples: list[Sample]

    @property
    def ok(self) -> list[Sample]:
        """Samples with every target measured."""
        return [s for s in self.samples if s.targets is not None]

    @property
    def failures(self) -> Counter[str]:
        """Failed samples counted by reason."""
        return Counter(s.reason or "unknown" for s in self.samples if s.targets is None)

    def failures_by_topology(self) -> Counter[str]:
        return Counter(self.topologies[s.topology].name for s in self.samples if s.targets is None)

    def netlist(self, sample: Sample) -> Netlist:
        """The sized netlist of ``sample``."""
        return self.spaces[sample.topology].apply(self.topologies[sample.topology].netlist, sample.factors)

    @property
    def y(self) -> np.ndarray:
        """``[ok samples, len(TARGETS)]`` learned targets."""
        return np.array([s.targets for s in self.ok], dtype=np.float64).reshape(-1, len(TARGETS))

    def __repr__(self) -> str:
        ok = len(self.ok)
        return (f"PerformanceData(topologies={len(self.topologies)}, samples={len(self.samples)}, ok={ok}, "
                f"failed={len(self.samples) - ok})")


def _sample_factors(space: SizingSpace, seed: int, topology: int, index: int) -> np.ndarray:
    if index == 0:
        return np.ones(len(space))  # the nominal sizing is always sample 0
    return space.sample(np.random.default_rng([seed, topology, index]))


def _read(path: Path) -> list[dict]:
    rows = []
    if not path.exists():
        return rows
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a line cut short by an interruption: measured again
    return rows


def build_dataset(topologies: Sequence[Topology], measure: MeasureFn, cache_dir: str | Path, *,
                  samples: int = 100, seed: int = 0, batch: int = 64, progress: bool = True,
                  spread: Mapping[str, float] | None = None) -> PerformanceData:
    """Measure ``samples`` random sizings of each topology (sample 0 is the nominal one), or resume.

    ``cache_dir`` gets ``manifest.json`` (names, hashes, seed, sizes of the
    sizing spaces: a rerun with different ones is refused) and
    ``samples.jsonl`` (one line per measured sample, appended batch by batch).
    """
    if len({t.name for t in topologies}) != len(topologies):
        raise GraphError(f"topology names must be unique: {[t.name for t in topologies]}")
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    spaces = [SizingSpace.of(t.netlist, spread) for t in topologies]
    hashes = [canonical_hash(t.netlist) for t in topologies]
    manifest = {"version": 1, "seed": seed, "spread": dict(spaces[0].spread) if spaces else {},
                "topologies": [{"name": t.name, "hash": h, "params": len(s)}
                               for t, h, s in zip(topologies, hashes, spaces)]}
    mpath = cache / "manifest.json"
    if mpath.exists():
        old = json.loads(mpath.read_text(encoding="utf-8"))
        if old != manifest:
            raise GraphError(f"{mpath} was written for other topologies or seeds; use another cache folder "
                             f"(saved {old}, now {manifest})")
    else:
        write_atomic(mpath, json.dumps(manifest, indent=1) + "\n")

    spath = cache / "samples.jsonl"
    rows = _read(spath)
    # rewrite without a cut-short tail, so that appended lines start clean
    with spath.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    done = {(r["t"], r["i"]) for r in rows}
    todo = [(t, i) for t in range(len(topologies)) for i in range(samples) if (t, i) not in done]

    with show_progress("measuring sizings", len(todo), enabled=progress and bool(todo)) as bar:
        for start in range(0, len(todo), batch):
            chunk = todo[start:start + batch]
            factors = [_sample_factors(spaces[t], seed, t, i) for t, i in chunk]
            nets = [spaces[t].apply(topologies[t].netlist, f) for (t, _), f in zip(chunk, factors)]
            results = measure(nets)
            if len(results) != len(nets):
                raise GraphError(f"measure returned {len(results)} results for {len(nets)} netlists")
            new = []
            for (t, i), f, m in zip(chunk, factors, results):
                y = to_targets(m)
                reason = "" if y is not None else str(m.get("reason") or "missing " + ", ".join(
                    k for k in TARGETS if m.get(k) is None))
                new.append({"t": t, "i": i, "f": [float(x) for x in f], "y": y, "reason": reason})
            with spath.open("a", encoding="utf-8") as fh:
                fh.writelines(json.dumps(r) + "\n" for r in new)
            rows.extend(new)
            bar.advance(len(chunk))
    wanted = {(t, i) for t in range(len(topologies)) for i in range(samples)}
    kept = sorted((r for r in rows if (r["t"], r["i"]) in wanted), key=lambda r: (r["t"], r["i"]))
    out = [Sample(r["t"], r["i"], tuple(r["f"]), None if r["y"] is None else tuple(r["y"]), r.get("reason", ""))
           for r in kept]
    return PerformanceData(list(topologies), spaces, hashes, out)
