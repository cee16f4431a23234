"""The command line: exit codes, --json, batches that keep going, --help everywhere, and main()'s
mapping of a user's mistakes (unwritable output, non-UTF-8 input, bad checkpoint) to exit 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from circuitforge.cli import app, main
from circuitforge.commands.console import PACKAGE_DIR
from circuitforge.examples import example_path
from circuitforge.netlists import parse
from circuitforge.netlists.compare import same_topology

runner = CliRunner()


def _command_paths(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            paths += _command_paths(cmd, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


COMMANDS = _command_paths(typer.main.get_command(app))


def test_every_area_is_registered():
    names = {" ".join(p) for p in COMMANDS}
    assert {"convert", "validate", "info", "simulate", "complete", "train-linkpred", "generate", "train-generator",
            "size", "train-sizer", "design", "demo", "filter design", "filter train-surrogate",
            "filter train-policy"} <= names


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda p: " ".join(p) or "circuitforge")
def test_help_on_every_command(cmd):
    r = runner.invoke(app, [*cmd, "--help"])
    assert r.exit_code == 0 and "Usage" in r.output


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str]:
    """Run ``circuitforge ARGS`` through main() (the console entry point); returns (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", ["circuitforge", *args])
    with pytest.raises(SystemExit) as info:
        main()
    code = info.value.code
    return (0 if code is None else int(code)), capsys.readouterr().err


def test_main_unwritable_output_is_exit_2_naming_the_path(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    code, err = run_main(monkeypatch, capsys, "convert", str(example_path("ota5t.cir")), "-o",
                         str(blocker / "out.cir"))
    assert code == 2, err
    assert "afile" in err and "internal error" not in err


def test_main_non_utf8_input_is_exit_2_naming_the_file(tmp_path, monkeypatch, capsys):
    geometry = tmp_path / "geom.json"
    geometry.write_bytes(b'{"kind": "lowpass\xff\xfe"}')
    code, err = run_main(monkeypatch, capsys, "filter", "solve", str(geometry))
    assert code == 2, err
    assert "geom.json" in err and "UTF-8" in err and "internal error" not in err


def test_main_missing_input_file_is_exit_2(tmp_path, monkeypatch, capsys):
    code, err = run_main(monkeypatch, capsys, "filter", "solve", str(tmp_path / "nope.json"))
    assert code == 2 and "nope.json" in err and "internal error" not in err


def test_main_bad_checkpoint_is_exit_2_naming_the_file(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.pt"  # a truncated copy of the shipped link-predictor weights
    bad.write_bytes((PACKAGE_DIR / "generators" / "linkpred" / "weights" / "linkpred.pt").read_bytes()[:200])
    code, err = run_main(monkeypatch, capsys, "complete", str(example_path("ota5t.cir")), "--weights", str(bad))
    assert code == 2, err
    assert "bad.pt" in err and "internal error" not in err


def test_main_keeps_exit_3_for_a_bug(monkeypatch, capsys):
    def boom(*_args: object, **_kw: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("circuitforge.commands.netlist.read", boom)
    monkeypatch.delenv("CIRCUITFORGE_DEBUG", raising=False)
    code, err = run_main(monkeypatch, capsys, "info", str(example_path("ota5t.cir")))
    assert code == 3 and "internal error" in err and "ZeroDivisionError" in err


@pytest.mark.parametrize("cmd", [["train-generator"], ["train-linkpred"], ["filter", "train-policy"],
                                 ["filter", "train-surrogate", "somedata"], ["train-sizer", "miller45"]])
def test_training_refuses_to_write_into_the_package(cmd, monkeypatch, capsys):
    target = PACKAGE_DIR / "generators" / "topology" / "weights" / "should_not_exist.pt"
    code, err = run_main(monkeypatch, capsys, *cmd, "--out", str(target))
    assert code == 2 and "--overwrite-shipped" in err
    assert not target.exists()


def test_train_sizer_resolves_its_problem_with_the_process(monkeypatch, capsys, tmp_path):
    # the command body reaches resolve_problem (with --process) before any training
    code, err = run_main(monkeypatch, capsys, "train-sizer", "miller45", "--process", "generic180",
                         "--workers", "1", "--out", str(tmp_path / "run"))
    assert code == 2 and "sized on generic45" in err


def test_training_defaults_write_under_the_current_directory():
    from circuitforge.commands.console import training_output

    shipped = PACKAGE_DIR / "generators" / "topology" / "weights" / "topology.pt"
    assert training_output(None, Path("runs/g.pt"), shipped, False) == Path("runs/g.pt")
    assert training_output(None, Path("runs/g.pt"), shipped, True) == shipped
    for cmd in (["train-generator"], ["train-linkpred"], ["filter", "train-policy"]):
        r = runner.invoke(app, [*cmd, "--help"])
        assert "runs/" in r.output and "--restart" in r.output or cmd == ["filter", "train-policy"]


def test_simulate_ac_reads_mega_as_mega():
    r = runner.invoke(app, ["simulate", str(example_path("ota5t.cir")), "--ac", "1:10MHz:20", "--json"])
    assert r.exit_code == 0, r.output
    ac = json.loads(r.stdout)["ac"]
    assert ac["f_stop_hz"] == pytest.approx(1e7) and ac["points"] == 141
    r = runner.invoke(app, ["simulate", str(example_path("ota5t.cir")), "--ac", "1:10mHz:20"])
    assert r.exit_code != 0  # 10 millihertz: stop below start
    assert "M and meg are mega, m is milli" in " ".join(runner.invoke(app, ["simulate", "--help"]).output.split())


def test_size_unknown_problem_lists_the_choices():
    r = runner.invoke(app, ["size", "no-such-amp", "--spec", "gain>=40dB"])
    assert r.exit_code == 2 and "miller45" in r.output and "foldedcascode45" in r.output


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
    r = runner.invoke(app, ["simulate", str(example_path("ota5t.cir")), "--op", "--ac", "1:10GHz:10", "--json"])
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


def test_design_unknown_process_lists_the_choices():
    r = runner.invoke(app, ["design", "--process", "generic90", "-n", "0"])
    assert r.exit_code == 2 and "unknown --process 'generic90'" in r.output and "generic180" in r.output
