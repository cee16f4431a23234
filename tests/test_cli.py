"""The command line: exit codes, --json, batches that keep going, --help everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from circuitforge.cli import app
from circuitforge.examples import example_path
from circuitforge.netlists import parse
from circuitforge.netlists.compare import same_topology

runner = CliRunner()


@pytest.mark.parametrize("cmd", [[], ["convert"], ["validate"], ["info"], ["demo"]])
def test_help_on_every_command(cmd):
    r = runner.invoke(app, [*cmd, "--help"])
    assert r.exit_code == 0 and "Usage" in r.output


def test_convert_spectre_to_ngspice_file(tmp_path: Path):
    out = tmp_path / "ota.cir"
    r = runner.invoke(app, ["convert", str(example_path("ota5t.scs")), "--to", "ngspice", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert same_topology(parse(out.read_text()), parse(example_path("ota5t.scs").read_text()))


def test_convert_to_stdout_and_unknown_dialect(tmp_path: Path):
    r = runner.invoke(app, ["convert", str(example_path("ota5t.cir")), "--to", "spectre"])
    assert r.exit_code == 0 and "simulator lang=spectre" in r.stdout
    r = runner.invoke(app, ["convert", str(example_path("ota5t.cir")), "--to", "verilog"])
    assert r.exit_code == 2 and "among choices" in r.output


def test_validate_exit_codes_and_batch(tmp_path: Path):
    bad = tmp_path / "bad.cir"
    bad.write_text("* bad\nR1 a\n")
    clean = example_path("ota5t.cir")
    assert runner.invoke(app, ["validate", str(clean)]).exit_code == 0
    assert runner.invoke(app, ["validate", str(example_path("broken_amp.cir"))]).exit_code == 1
    r = runner.invoke(app, ["validate", str(bad), str(clean), str(example_path("broken_amp.cir")), "--json"])
    assert r.exit_code == 2
    data = json.loads(r.stdout)
    assert [f["status"] for f in data["files"]] == ["unreadable", "clean", "errors"]
    assert "bad.cir:2" in data["files"][0]["error"]
    codes = {f["code"] for f in data["files"][2]["findings"]}
    assert {"undefined-model", "no-dc-path", "undefined-param", "source-loop"} <= codes
    assert all(f["line"] for f in data["files"][2]["findings"])


def test_validate_refuses_unsafe_control_but_reports_and_continues(tmp_path: Path):
    evil = tmp_path / "evil.cir"
    evil.write_text("* e\nR1 a 0 1\n.control\nshell touch /tmp/pwned\n.endc\n.end\n")
    r = runner.invoke(app, ["validate", str(evil), str(example_path("ota5t.cir"))])
    assert r.exit_code == 2 and "refused" in r.output and "ota5t.cir" in r.output
    assert runner.invoke(app, ["validate", "--allow-unsafe", str(evil)]).exit_code == 0


def test_info_json():
    r = runner.invoke(app, ["info", str(example_path("miller2.cir")), "--json"])
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["subckts"]["miller2"]["ports"] == ["inp", "inn", "out", "vdd", "vss"]
    assert data["by_kind"]["subckt"] == 1


def test_demo_runs(tmp_path: Path):
    r = runner.invoke(app, ["demo", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "ota5t.scs" in r.output and "differs" not in r.output
    assert (tmp_path / "ota5t.cir").is_file()


def test_simulate_op_ac_json():
    r = runner.invoke(app, ["simulate", str(example_path("ota5t.cir")), "--op", "--ac", "1:10g:10", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert 0.5 < data["op"]["out"] < 1.8
    assert data["ac"]["probe"] == "out" and data["ac"]["gain_start_db"] > 30


def test_simulate_failure_is_reported_with_ngspice_words(tmp_path: Path):
    bad = tmp_path / "bad.cir"
    bad.write_text("* b\nM1 d g 0 0 nomodel\nV1 d 0 1\nV2 g 0 1\n.end\n")
    r = runner.invoke(app, ["simulate", str(bad)])
    assert r.exit_code == 1 and "nomodel" in r.output
    r = runner.invoke(app, ["simulate", str(example_path("ota5t.cir")), "--ac", "1:10g"])
    assert r.exit_code == 2 and "START:STOP:POINTS_PER_DECADE" in r.output


def test_simulate_measure_opamp_json():
    r = runner.invoke(app, ["simulate", str(example_path("opamp_miller45.cir")), "--measure", "opamp", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert 45 < data["gain"]["value"] < 70 and data["pm"]["unit"] == "deg"


def test_simulate_bias_an_unsized_topology(tmp_path: Path):
    amp = tmp_path / "ota.cir"
    amp.write_text("M1 (x VIN1 tail VSS) nmos4\nM2 (VOUT1 VIN2 tail VSS) nmos4\nM3 (x x VDD VDD) pmos4\n"
                   "M4 (VOUT1 x VDD VDD) pmos4\nM5 (tail IB1 VSS VSS) nmos4\nM6 (IB1 IB1 VSS VSS) nmos4\n")
    (tmp_path / "Portota.txt").write_text("VDD VSS VIN1 VIN2 VOUT1 IB1")
    r = runner.invoke(app, ["simulate", str(amp), "--from", "spectre", "--bias", "--json"])
    assert r.exit_code == 0, r.output
    assert "vout1" in json.loads(r.stdout)["op"]
