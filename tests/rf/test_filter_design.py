"""FilterDesignEnv, the PPO/CMA-ES designers and the ``filter`` CLI (all in the shipped surrogate)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from stable_baselines3.common.env_checker import check_env
from typer.testing import CliRunner

from circuitforge.cli import app
from circuitforge.rf.measure import FilterSpec, spec_margins
from circuitforge.rl.filters.agent import design_with_cmaes, design_with_policy, load_policy
from circuitforge.rl.filters.env import FilterDesignEnv, sample_spec, surrogate_response
from circuitforge.surrogates.surrogate import EMSurrogate


@pytest.mark.parametrize("kind", ["lowpass", "bandpass"])
def test_env_passes_sb3_checker_and_specs_are_realisable(kind):
    env = FilterDesignEnv(kind, seed=1)
    check_env(env, warn=True)
    obs, info = env.reset(seed=2)
    assert env.observation_space.contains(obs)
    spec, x = sample_spec(kind, np.random.default_rng(4), surrogate_response(env.surrogate))
    f, s21, s11 = surrogate_response(env.surrogate)(x[None])
    assert (spec_margins(spec, f, s21[0], s11[0]) >= 0).all()
    obs, r, term, trunc, info = env.step(env.action_space.sample())
    assert set(info) == {"margins", "met", "score", "params"} and np.isfinite(r)


def test_policy_and_cmaes_design_a_lowpass():
    sur = EMSurrogate.load("lowpass")
    spec = FilterSpec("lowpass", f_pass=3e9, f_stop=6e9, rejection_db=20.0)
    d = design_with_policy(spec, load_policy("lowpass"), sur, rollouts=2)
    assert d.evaluations <= 40 and d.params.shape == (10,)
    c = design_with_cmaes(spec, sur, budget=40)
    assert c.evaluations == 40
    assert c.claimed or d.claimed


def test_cli_filter_design_writes_geometry_touchstone_and_plot(tmp_path):
    r = CliRunner().invoke(app, ["filter", "design", "--type", "lowpass", "--fc", "3GHz", "--rejection", "20dB@6GHz",
                                 "--rollouts", "2", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    for name in ("geometry.json", "filter.s2p", "sparams.png", "report.json"):
        assert (tmp_path / name).is_file()
    rep = json.loads((tmp_path / "report.json").read_text())
    assert "skrf" in rep and "met" in rep["skrf"]
    r = CliRunner().invoke(app, ["filter", "solve", str(tmp_path / "geometry.json"), "--out", str(tmp_path / "x.s2p")])
    assert r.exit_code == 0 and (tmp_path / "x.s2p").is_file()


def test_cli_filter_errors_name_the_input(tmp_path):
    r = CliRunner().invoke(app, ["filter", "design", "--type", "highpass", "--fc", "3GHz"])
    assert r.exit_code == 2 and "among choices" in r.output
    r = CliRunner().invoke(app, ["filter", "design", "--fc", "3 parsecs", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "cannot read frequency" in r.output
