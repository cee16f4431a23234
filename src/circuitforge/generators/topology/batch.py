"""Sample a batch of topologies into a folder: biased ngspice netlists and ``summary.json``.

What ``circuitforge generate`` does, callable from Python: sample ``n`` topologies, size and bias
each with :func:`~circuitforge.spice.bias.bias_default` (a sample that cannot be biased is written
unbiased, with the reason recorded), optionally check each operating point in ngspice, and write
``OUT/<type>_<i>.cir`` and ``OUT/summary.json``.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     s = generate_to_dir("opamp", d, n=2, seed=3)
...     sorted(p.name for p in Path(d).iterdir())
['opamp_0000.cir', 'opamp_0001.cir', 'summary.json']
>>> s["n"], s["type"], s["structurally_valid"]
(2, 'opamp', 1.0)
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ...core.files import write_atomic
from ...netlists.errors import CircuitforgeError, ResolutionError
from ...netlists.writers import write
from ...spice.bias import bias_default
from ...spice.models import PROCESSES
from .errors import TopologyError
from .evaluate import ngspice_valid
from .sample import generate

__all__ = ["generate_to_dir"]


def generate_to_dir(circuit_type: str, out_dir: str | Path, *, n: int = 10, seed: int = 0,
                    temperature: float = 1.0, constrained: bool = True, interface: bool = True,
                    check_op: bool = False,
                    process: str = "generic45", weights: str | Path | None = None,
                    progress: bool = False) -> dict[str, Any]:
    """Sample ``n`` topologies of ``circuit_type`` into ``out_dir``; returns the summary it writes.

    ``interface=False`` samples with the plain grammar (no family interface, no length prior).
    The summary holds the settings, the fractions ``structurally_valid``, ``novel``, ``unique``
    (and ``ngspice_valid`` with ``check_op``), ``sample_seconds`` and per sample
    its file, canonical hash, novelty, structural problems, ports, tokens and bias choices.

    Raises :class:`TopologyError` for a bad ``n``, temperature, checkpoint or an ``out_dir`` that is
    a file, :class:`ResolutionError` for an unknown type or process.
    """
    out = Path(out_dir)
    if n < 1:
        raise TopologyError(f"n must be at least 1 (got {n})")
    if temperature <= 0:
        raise TopologyError(f"temperature must be > 0 (got {temperature})")
    if process not in PROCESSES:
        raise ResolutionError(process, tuple(PROCESSES), what="process")
    if out.exists() and not out.is_dir():
        raise TopologyError(f"output folder {out} exists and is not a folder")
    t0 = time.perf_counter()
    samples = generate(circuit_type, n, seed=seed, temperature=temperature, constrained=constrained,
                       interface=interface, length_prior=interface, model=weights,
                       progress=progress)
    t_sample = time.perf_counter() - t0
    family = samples[0].circuit_type
    out.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(n - 1)))
    records: list[dict[str, Any]] = []
    for i, s in enumerate(samples):
        name = f"{family}_{i:0{width}d}.cir"
        rec: dict[str, Any] = {"file": name, "hash": s.hash, "novel": s.novel,
                               "structurally_valid": s.structurally_valid, "problems": list(s.problems),
                               "devices": len(s.netlist.devices), "ports": list(s.netlist.ports),
                               "tokens": " ".join(s.tokens)}
        try:
            b = bias_default(s.netlist, process)
            text = write(b.netlist, "ngspice")
            rec["bias"] = [str(c) for c in b.choices]
        except CircuitforgeError as exc:
            text = write(s.netlist, "ngspice")
            rec["bias_error"] = str(exc)
        write_atomic(out / name, text)
        records.append(rec)
    if check_op:
        verdicts = ngspice_valid([s.netlist for s in samples], process=process, progress=progress)
        for rec, (ok, outcome) in zip(records, verdicts):
            rec["ngspice_valid"], rec["op_outcome"] = ok, outcome
    summary: dict[str, Any] = {
        "type": family, "n": n, "seed": seed, "temperature": temperature, "constrained": constrained,
        "interface": interface,
        "weights": str(weights) if weights else "shipped", "process": process,
        "structurally_valid": sum(s.structurally_valid for s in samples) / n,
        "novel": sum(s.novel for s in samples) / n,
        "unique": len({s.hash for s in samples}) / n,
        "sample_seconds": round(t_sample, 2),
        "samples": records,
    }
    if check_op:
        summary["ngspice_valid"] = sum(r["ngspice_valid"] for r in records) / n
    write_atomic(out / "summary.json", json.dumps(summary, indent=2))
    return summary
