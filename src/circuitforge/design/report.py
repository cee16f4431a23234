"""Write a design run: sized netlists (ngspice and Spectre), ``summary.json`` and ``report.html``.

The HTML report is one self-contained file (images embedded) that a designer can open or mail:
the spec, a ranking of every candidate with the spec table, and per circuit a drawing of the
topology, the Bode plot before and after sizing, the spec before and after, every measurement,
and where the topology came from.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import math
from collections.abc import Mapping
from pathlib import Path

import jinja2

from ..netlists import CircuitforgeError, write
from ..core.files import write_atomic
from ..core.units import format_number
from ..netlists.ports import port_role
from ..spice.measure import MEASUREMENTS, UNITS, Measurement, format_measurement
from .drawing import bode_plot, draw_topology, figure_bytes
from .pipeline import Candidate, DesignRun

__all__ = ["write_outputs", "summary_dict"]

_LABELS = {"gain": "DC gain", "ugbw": "unity-gain bandwidth", "pm": "phase margin", "gm": "gain margin",
           "bw": "-3 dB bandwidth", "gbw": "gain-bandwidth", "power": "power", "cmrr": "CMRR",
           "psrr": "PSRR", "swing": "output swing", "slew": "slew rate", "settling": "settling time (1 %)",
           "noise": "input noise", "offset": "offset"}


def _fmt(name: str, v: float | None) -> str:
    """A measured value as the bridge prints it (``59.9 MHz``, ``103 µW``), ``—`` when missing."""
    if v is None or not math.isfinite(v):
        return "—"
    return format_measurement(Measurement(name, v, UNITS[name]))


def _size(v: float) -> str:
    """A sizing parameter in SPICE notation to three digits (``23.1u``)."""
    return format_number(float(f"{v:.3g}"))


def _png(fig: object) -> str:
    return "data:image/png;base64," + base64.b64encode(figure_bytes(fig, "png", dpi=100)).decode()


def summary_dict(run: DesignRun, files: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, object]:
    """The run as plain JSON-able data (what ``summary.json`` and ``design --json`` hold)."""
    files = files or {}
    out = []
    for rank, c in enumerate(run.candidates, 1):
        out.append({
            "rank": rank, "name": c.name, "origin": c.origin, "novel": c.novel, "hash": c.hash,
            "stage": c.stage, "ok": c.ok, "reason": c.reason or None, "meets_spec": c.met,
            "clauses_met": c.clauses_met, "worst_margin": c.worst_margin if math.isfinite(c.worst_margin) else None,
            "fom_mhz_pf_per_mw": c.fom, "method": c.method, "simulations": c.sims,
            "seconds": round(c.seconds, 2), "sizes": c.x, "before": c.before,
            "after": c.after.to_json() if c.after is not None else None,
            "provenance": c.provenance, "files": dict(files.get(c.name, {})),
        })
    return {"spec": str(run.spec), "type": run.circuit_type, "settings": run.settings,
            "seconds": round(run.seconds, 1), "candidates": out,
            "met": [c.name for c in run.met], "rejected_draws": run.rejected_draws,
            "process_note": "generic45 is circuitforge's own 45 nm-class BSIM4 card, not a foundry PDK"}


def _write_netlists(c: Candidate, folder: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    if c.sized is None:
        return files
    folder.mkdir(parents=True, exist_ok=True)
    for dialect, suffix in (("ngspice", ".cir"), ("spectre", ".scs")):
        try:
            text = write(c.sized, dialect)
            if c.bias:
                mark = "*" if dialect == "ngspice" else "//"
                lines = [f"{mark} bias ports, driven by the testbench (into the port from VDD; negative: out of it):"]
                lines += [f"{mark}   {k} = {v}" for k, v in c.bias.items()]
                text = "\n".join(lines) + "\n" + text
        except CircuitforgeError as exc:
            files[dialect] = f"not written: {exc}"
            continue
        path = folder / f"{c.name}{suffix}"
        write_atomic(path, text)
        files[dialect] = str(path)
    return files


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1f2a44;color:#fff;padding:20px 32px}
header h1{margin:0 0 6px 0;font-size:22px} header .sub{opacity:.9;font-size:13px}
header code{background:#33405f;color:#fff}
main{padding:20px 32px;max-width:1250px}
section.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:16px 20px;margin:0 0 20px 0}
h2{font-size:17px;margin:0 0 12px 0} h3{font-size:14px;margin:14px 0 6px 0;color:#44506a}
table{border-collapse:collapse;font-size:13px} th,td{padding:4px 10px;border-bottom:1px solid #e4e7ee;text-align:left}
th{background:#f0f2f6;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#157a3c;font-weight:600} .fail{color:#b42318;font-weight:600} .muted{color:#7a8294}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:11px;font-weight:600;margin-left:6px}
.b-gen{background:#e0ecff;color:#1d4ed8} .b-ref{background:#eee;color:#555} .b-novel{background:#dcfce7;color:#166534}
.b-seen{background:#fef3c7;color:#92400e} .b-met{background:#dcfce7;color:#166534} .b-miss{background:#fee2e2;color:#991b1b}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px;align-items:start} img{max-width:100%}
.kv td:first-child{color:#5b6478} code{font-size:12px;background:#f0f2f6;padding:1px 4px;border-radius:3px}
"""


def _spec_rows(run: DesignRun, c: Candidate) -> list[dict[str, str]]:
    after = c.after.values() if c.after is not None else {}
    rows = []
    for clause in run.spec.clauses:  # type: ignore[attr-defined]
        name = clause.name
        b, a = c.before.get(name), after.get(name)
        ok_b = clause.met(b) if b is not None else False
        ok_a = clause.met(a) if a is not None else False
        rows.append({"label": _LABELS.get(name, name), "clause": str(clause),
                     "before": _fmt(name, b), "before_cls": "pass" if ok_b else "fail",
                     "after": _fmt(name, a), "after_cls": "pass" if ok_a else "fail"})
    return rows


def _all_rows(c: Candidate) -> list[tuple[str, str, bool]]:
    """(label, value, muted) per measurement; a missing value shows its reason, muted."""
    if c.after is None:
        return []
    rows = []
    for name in MEASUREMENTS:
        m = c.after.measurements.get(name)
        if m is None:
            continue
        if m.value is not None:
            rows.append((_LABELS.get(name, name), _fmt(name, m.value), False))
        else:
            rows.append((_LABELS.get(name, name), m.reason[:90], True))
    return rows


def _badges(c: Candidate) -> list[tuple[str, str]]:
    out = [("b-gen", "generated") if c.origin == "generated" else ("b-ref", "reference")]
    if c.origin == "generated":
        out.append(("b-novel", "novel") if c.novel else ("b-seen", "in training set"))
    if c.ok:
        out.append(("b-met", "meets spec") if c.met else ("b-miss", "misses spec"))
    else:
        out.append(("b-miss", f"failed at {c.stage}"))
    return out


def _card(run: DesignRun, rank: int, c: Candidate, files: Mapping[str, str]) -> dict[str, object]:
    roles = {p: port_role(p) for p in c.topology.ports} if c.topology.ports else None
    topo = _png(draw_topology(c.topology, title=f"{c.name}: {len(c.topology.devices)} devices", ports=roles))
    meta: list[tuple[str, str, bool]] = [
        ("origin", c.origin, False),
        ("canonical hash", c.hash[:16], True),
        ("sizing", f"{c.method or '—'}, {c.sims} simulations, {c.seconds:.1f} s", False),
        ("figure of merit", "—" if c.fom is None else f"{c.fom:.0f} MHz·pF/mW", False),
    ]
    meta += [(str(k), str(v), False) for k, v in c.provenance.items()]
    meta += [(f"bias {k}", str(v), False) for k, v in c.bias.items()]
    meta += [(k, v, True) for k, v in files.items()]
    bode = None
    bode_reason = ""
    if c.after is not None and len(c.after.freq):
        ref = None
        if c.before_bode is not None and len(c.before_bode[0]):
            ref = (c.before_bode[0], c.before_bode[1], "before sizing")
        vals = c.after.values()
        bode = _png(bode_plot(c.after.freq, c.after.h, title="open-loop response (1 pF load)", ugbw=vals.get("ugbw"),
                              pm=vals.get("pm"), reference=ref))
    elif c.after is not None:
        bode_reason = c.after.bode_reason
    return {"rank": rank, "name": c.name, "badges": _badges(c), "stopped": not c.ok, "stage": c.stage,
            "reason": c.reason, "topology_png": topo, "bode_png": bode, "bode_reason": bode_reason,
            "spec_rows": _spec_rows(run, c), "meta": meta, "measurements": _all_rows(c),
            "sizes": [(k, _size(v)) for k, v in c.x.items()] if c.x else []}


def _ranking(run: DesignRun) -> list[dict[str, object]]:
    n_clauses = len(run.spec.clauses)  # type: ignore[attr-defined]
    rows = []
    for rank, c in enumerate(run.candidates, 1):
        after = c.after.values() if c.after is not None else {}
        cells = []
        for cl in run.spec.clauses:  # type: ignore[attr-defined]
            v = after.get(cl.name)
            ok = v is not None and cl.met(v)
            cells.append({"cls": "pass" if ok else "fail", "text": _fmt(cl.name, v)})
        if c.met:
            status, status_class = "meets spec", "pass"
        elif c.ok:
            status, status_class = f"{c.clauses_met}/{n_clauses} met", ""
        else:
            status, status_class = f"failed at {c.stage}", "fail"
        rows.append({"rank": rank, "name": c.name, "origin": c.origin,
                     "novel": "—" if c.novel is None else ("yes" if c.novel else "no"),
                     "status": status, "status_class": status_class, "cells": cells,
                     "fom": "—" if c.fom is None else f"{c.fom:.0f}", "sims": c.sims, "method": c.method or "—"})
    return rows


def _html(run: DesignRun, files: Mapping[str, Mapping[str, str]]) -> str:
    """The report page, rendered by the ``templates/report.html.j2`` template with autoescape on."""
    n_met = len(run.met)
    context = {
        "spec": str(run.spec), "css": _CSS, "circuit_type": run.circuit_type,
        "when": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "settings": run.settings,
        "n_met": n_met, "gen_met": sum(1 for c in run.met if c.origin == "generated"),
        "n_candidates": len(run.candidates), "seconds": f"{run.seconds:.0f}",
        "rejected": list(run.rejected_draws.items()),
        "clause_labels": [_LABELS.get(cl.name, cl.name) for cl in run.spec.clauses],  # type: ignore[attr-defined]
        "ranking": _ranking(run),
        "failed": [{"name": c.name, "stage": c.stage, "reason": c.reason[:300]} for c in run.candidates if not c.ok],
        "cards": [_card(run, i, c, files.get(c.name, {})) for i, c in enumerate(run.candidates, 1)],
    }
    return _template().render(**context)


def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("circuitforge.design", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2")


def write_outputs(run: DesignRun, out_dir: str | Path) -> dict[str, Path]:
    """Write netlists per candidate, ``summary.json`` and ``report.html`` under ``out_dir``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, str]] = {}
    for rank, c in enumerate(run.candidates, 1):
        files[c.name] = _write_netlists(c, out / f"{rank:02d}_{c.name}")
    summary = out / "summary.json"
    write_atomic(summary, json.dumps(summary_dict(run, files), indent=2, default=float))
    report = out / "report.html"
    write_atomic(report, _html(run, files))
    return {"summary": summary, "report": report}
