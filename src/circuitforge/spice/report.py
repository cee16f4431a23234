"""Plain summaries of simulation results (for the CLI and JSON output)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .results import SimResult

__all__ = ["simulation_report", "default_probe"]


def default_probe(names: list[str]) -> str | None:
    """The output node a person would look at: ``out``, ``vout``, ``vout1``... else None."""
    for cand in ("out", "vout", "vout1", "outp", "output"):
        if cand in names:
            return cand
    return next((n for n in names if n.startswith(("vout", "out"))), None)


def simulation_report(res: SimResult, probe: str | None = None) -> dict[str, Any]:
    """Operating point values, and for AC/transient a few figures at ``probe``."""
    out: dict[str, Any] = {}
    if "op" in res.analyses:
        out["op"] = {k: float(np.real(v[0])) for k, v in sorted(res.analyses["op"].vectors.items()) if v.size}
    for kind in ("ac", "tran"):
        if kind not in res.analyses:
            continue
        r = res.analyses[kind]
        nodes = [k for k in r.vectors if k != r.sweep_name and not k.endswith("#branch")]
        node = (probe or "").lower() or default_probe(nodes) or (nodes[0] if nodes else None)
        if node is None:
            out[kind] = {"probe": None, "error": "the circuit has no top-level node to report (a netlist of "
                                                 "subcircuit definitions only? `--measure opamp` puts an "
                                                 "op-amp in a testbench)"}
            continue
        if node not in r.vectors:
            out[kind] = {"probe": node, "error": f"no node {node!r}; nodes: {sorted(nodes)[:20]}"}
            continue
        v = r.vectors[node]
        if kind == "ac":
            mag = 20 * np.log10(np.maximum(np.abs(v), 1e-300))
            out[kind] = {"probe": node, "points": int(v.size),
                         "f_start_hz": float(r.sweep[0]), "f_stop_hz": float(r.sweep[-1]),
                         "gain_start_db": round(float(mag[0]), 3), "gain_max_db": round(float(mag.max()), 3),
                         "gain_stop_db": round(float(mag[-1]), 3),
                         "phase_start_deg": round(float(np.degrees(np.angle(v[0]))), 3)}
        else:
            vr = np.real(v)
            out[kind] = {"probe": node, "points": int(v.size), "t_stop_s": float(r.sweep[-1]),
                         "min_v": float(vr.min()), "max_v": float(vr.max()), "final_v": float(vr[-1])}
    return out
