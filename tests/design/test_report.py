"""The HTML report: rendered through the jinja2 template with autoescape, no value can inject markup."""

from __future__ import annotations

import dataclasses
import json

from circuitforge.design.pipeline import Candidate, DesignRun
from circuitforge.design.report import write_outputs
from circuitforge.netlists import parse
from circuitforge.rl import parse_spec

OTA = """* 5T OTA
M1 (X VIN1 T VSS) nmos4
M2 (VOUT1 VIN2 T VSS) nmos4
M3 (X X VDD VDD) pmos4
M4 (VOUT1 X VDD VDD) pmos4
M5 (T VB1 VSS VSS) nmos4
"""

EVIL = "<script>alert(1)</script>"


def _run() -> DesignRun:
    topo = dataclasses.replace(parse(OTA, dialect="spectre"), ports=["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VB1"])
    cand = Candidate(f"cand{EVIL}", "generated", topo, "abc" * 8, True, {"source": EVIL}, stage="problem",
                     reason=f"failed because {EVIL}", bias={"VB1": EVIL})
    settings = {"n": 1, "budget": 5, "seed": 0, "method": "random", "workers": 1, "process": "generic45",
                "temperature": 1.0, "references": []}
    return DesignRun(parse_spec("gain>=40dB,pm>=45deg"), "opamp", [cand], settings, 1.0, {EVIL: 2})


def test_report_escapes_every_value(tmp_path):
    paths = write_outputs(_run(), tmp_path)
    html = paths["report"].read_text(encoding="utf-8")
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # the page itself is intact: the template's own markup is not escaped
    for needle in ("<!doctype html>", "<style>", "circuitforge design report", "Candidates that stopped early",
                   "Stopped at stage <b>problem</b>", "data:image/png;base64", "gain&gt;=40dB"):
        assert needle in html, needle
    summary = json.loads(paths["summary"].read_text())
    assert summary["candidates"][0]["reason"] == f"failed because {EVIL}"
