"""Write a design run: sized netlists (ngspice and Spectre), ``summary.json`` and ``report.html``.

The HTML report is one self-contained file (images embedded) that a designer can open or mail:
the spec, a ranking of every candidate with the spec table, and per circuit a drawing of the
topology, the Bode plot before and after sizing, the spec before and after, every measurement,
and where the topology came from.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import math
from collections.abc import Mapping
from pathlib import Path

from ..netlists import CircuitforgeError, write
from ..core.files import write_atomic
from ..core.units import format_number
from ..spice.bias import port_role
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


def _spec_rows(run: DesignRun, c: Candidate) -> str:
    after = c.after.values() if c.after is not None else {}
    rows = []
    for clause in run.spec.clauses:  # type: ignore[attr-defined]
        name = clause.name
        b, a = c.before.get(name), after.get(name)
        ok_b = clause.met(b) if b is not None else False
        ok_a = clause.met(a) if a is not None else False
        rows.append(f"<tr><td>{html.escape(_LABELS.get(name, name))}</td><td><code>{html.escape(str(clause))}</code></td>"
                    f"<td class='num {'pass' if ok_b else 'fail'}'>{_fmt(name, b)}</td>"
                    f"<td class='num {'pass' if ok_a else 'fail'}'>{_fmt(name, a)}</td></tr>")
    return ("<table><tr><th>quantity</th><th>spec</th><th>before sizing</th><th>after sizing</th></tr>"
            + "".join(rows) + "</table>")


def _all_rows(c: Candidate) -> str:
    if c.after is None:
        return ""
    rows = []
    for name in MEASUREMENTS:
        m = c.after.measurements.get(name)
        if m is None:
            continue
        val = _fmt(name, m.value) if m.value is not None else f"<span class='muted'>{html.escape(m.reason[:90])}</span>"
        rows.append(f"<tr><td>{html.escape(_LABELS.get(name, name))}</td><td class='num'>{val}</td></tr>")
    return "<table><tr><th>measurement (ngspice)</th><th>value</th></tr>" + "".join(rows) + "</table>"


def _badges(c: Candidate) -> str:
    out = ["<span class='badge b-gen'>generated</span>" if c.origin == "generated"
           else "<span class='badge b-ref'>reference</span>"]
    if c.origin == "generated":
        out.append("<span class='badge b-novel'>novel</span>" if c.novel
                   else "<span class='badge b-seen'>in training set</span>")
    if c.ok:
        out.append("<span class='badge b-met'>meets spec</span>" if c.met else "<span class='badge b-miss'>misses spec</span>")
    else:
        out.append(f"<span class='badge b-miss'>failed at {c.stage}</span>")
    return "".join(out)


def _card(run: DesignRun, rank: int, c: Candidate, files: Mapping[str, str]) -> str:
    roles = {p: port_role(p) for p in c.topology.ports} if c.topology.ports else None
    topo = _png(draw_topology(c.topology, title=f"{c.name}: {len(c.topology.devices)} devices", ports=roles))
    parts = [f"<section class='card' id='{html.escape(c.name)}'><h2>#{rank} {html.escape(c.name)}{_badges(c)}</h2>"]
    prov = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>" for k, v in c.provenance.items())
    meta = (f"<table class='kv'><tr><td>origin</td><td>{c.origin}</td></tr>"
            f"<tr><td>canonical hash</td><td><code>{html.escape(c.hash[:16])}</code></td></tr>"
            f"<tr><td>sizing</td><td>{html.escape(c.method or '—')}, {c.sims} simulations, {c.seconds:.1f} s</td></tr>"
            f"<tr><td>figure of merit</td><td>{'—' if c.fom is None else f'{c.fom:.0f} MHz·pF/mW'}</td></tr>"
            + prov + "".join(f"<tr><td>bias {html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
                             for k, v in c.bias.items()) + "".join(f"<tr><td>{k}</td><td><code>{html.escape(v)}</code></td></tr>" for k, v in files.items())
            + "</table>")
    if not c.ok:
        parts.append(f"<p class='fail'>Stopped at stage <b>{c.stage}</b>: {html.escape(c.reason)}</p>")
    parts.append(f"<div class='grid'><div><h3>Topology</h3><img alt='topology' src='{topo}'></div><div>")
    if c.after is not None and len(c.after.freq):
        ref = None
        if c.before_bode is not None and len(c.before_bode[0]):
            ref = (c.before_bode[0], c.before_bode[1], "before sizing")
        vals = c.after.values()
        bode = _png(bode_plot(c.after.freq, c.after.h, title="open-loop response (1 pF load)", ugbw=vals.get("ugbw"),
                              pm=vals.get("pm"), reference=ref))
        parts.append(f"<h3>Bode plot</h3><img alt='bode plot' src='{bode}'>")
    parts.append("</div></div><div class='grid'><div><h3>Spec</h3>" + _spec_rows(run, c) + "<h3>Where it came from</h3>"
                 + meta + "</div><div><h3>All measurements after sizing</h3>" + _all_rows(c) + "</div></div>")
    if c.x:
        sizes = "".join(f"<tr><td>{html.escape(k)}</td><td class='num'>{_size(v)}</td></tr>" for k, v in c.x.items())
        parts.append("<h3>Sizes</h3><table><tr><th>parameter</th><th>value (SI)</th></tr>" + sizes + "</table>")
    parts.append("</section>")
    return "".join(parts)


def _ranking(run: DesignRun) -> str:
    names = [cl.name for cl in run.spec.clauses]  # type: ignore[attr-defined]
    head = "".join(f"<th>{html.escape(_LABELS.get(n, n))}</th>" for n in names)
    rows = []
    for rank, c in enumerate(run.candidates, 1):
        after = c.after.values() if c.after is not None else {}
        cells = []
        for cl in run.spec.clauses:  # type: ignore[attr-defined]
            v = after.get(cl.name)
            ok = v is not None and cl.met(v)
            cells.append(f"<td class='num {'pass' if ok else 'fail'}'>{_fmt(cl.name, v)}</td>")
        status = ("<span class='pass'>meets spec</span>" if c.met else
                  (f"{c.clauses_met}/{len(names)} met" if c.ok else f"<span class='fail'>failed at {c.stage}</span>"))
        novel = "—" if c.novel is None else ("yes" if c.novel else "no")
        rows.append(f"<tr><td>{rank}</td><td><a href='#{html.escape(c.name)}'>{html.escape(c.name)}</a></td>"
                    f"<td>{c.origin}</td><td>{novel}</td><td>{status}</td>{''.join(cells)}"
                    f"<td class='num'>{'—' if c.fom is None else f'{c.fom:.0f}'}</td>"
                    f"<td class='num'>{c.sims}</td><td>{html.escape(c.method or '—')}</td></tr>")
    return ("<table><tr><th>#</th><th>circuit</th><th>origin</th><th>novel</th><th>status</th>" + head +
            "<th>FOM (MHz·pF/mW)</th><th>sims</th><th>method</th></tr>" + "".join(rows) + "</table>")


def _html(run: DesignRun, files: Mapping[str, Mapping[str, str]]) -> str:
    n_met = len(run.met)
    gen_met = sum(1 for c in run.met if c.origin == "generated")
    failed = [c for c in run.candidates if not c.ok]
    when = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    s = run.settings
    summary = (f"<p><b>{n_met}</b> of {len(run.candidates)} candidates meet every clause of the spec in ngspice"
               f" ({gen_met} generated, {n_met - gen_met} reference). Process {html.escape(str(s['process']))} "
               f"(circuitforge's own 45 nm-class BSIM4 card, not a foundry PDK), 1 pF load. "
               f"Sizing budget {s['budget']} simulations per candidate; wall time {run.seconds:.0f} s.</p>")
    if run.rejected_draws:
        summary += ("<p class='muted'>Generator draws not used: " +
                    ", ".join(f"{html.escape(k)} ({v})" for k, v in run.rejected_draws.items()) + "</p>")
    fails = ""
    if failed:
        fails = ("<h3>Candidates that stopped early</h3><table><tr><th>circuit</th><th>stage</th><th>reason</th></tr>"
                 + "".join(f"<tr><td>{html.escape(c.name)}</td><td>{c.stage}</td><td>{html.escape(c.reason[:300])}</td></tr>"
                           for c in failed) + "</table>")
    cards = "".join(_card(run, i, c, files.get(c.name, {})) for i, c in enumerate(run.candidates, 1))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>circuitforge design: {html.escape(str(run.spec))}</title>"
            f"<style>{_CSS}</style></head><body><header><h1>circuitforge design report</h1>"
            f"<div class='sub'>{html.escape(run.circuit_type)} · spec <code>{html.escape(str(run.spec))}</code> · "
            f"{when} · seed {s['seed']}</div></header><main>"
            f"<section class='card'><h2>Summary</h2>{summary}{_ranking(run)}{fails}</section>{cards}"
            f"<p class='muted'>Reproduce: <code>circuitforge design --type {html.escape(run.circuit_type)} "
            f"--spec \"{html.escape(str(run.spec))}\" -n {s['n']} --budget {s['budget']} --seed {s['seed']}</code></p>"
            "</main></body></html>")


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
