"""Reinforcement fine-tuning of the topology generator (issue 15), on real ngspice at a tiny scale."""

from __future__ import annotations

import copy

import pytest
import torch
from typer.testing import CliRunner

from circuitforge.cli import app
from circuitforge.generators.topology import (
    DEFAULT_WEIGHTS, FINETUNED, draw_budgets, generate, load_generator, sample_tokens,
)
from circuitforge.generators.topology.tokens import PAD
from circuitforge.generators.topology.train import batch_tensors
from circuitforge.rl.errors import SizingError
from circuitforge.rl.sizing.quick import quick_size
from circuitforge.rl.sizing.spec import parse_spec
from circuitforge.rl.topology import FinetuneConfig, _logp_and_kl, _masks, finetune, run
from circuitforge.spice import SharedSimulator

TINY = FinetuneConfig(batch=4, steps=2, budget=6, time_limit=0)


@pytest.fixture(scope="module")
def sim():
    with SharedSimulator(1) as s:
        yield s


def test_masked_log_probabilities_are_those_sampled_from():
    gen = load_generator(DEFAULT_WEIGHTS)
    budgets = draw_budgets(gen, "opamp", 3, seed=5)
    seqs = sample_tokens(gen, "opamp", 3, seed=5, budgets=budgets)
    tok, slot = batch_tensors(seqs, gen.vocab)
    masks = _masks(gen, seqs, budgets, tok.shape[1])
    for i, s in enumerate(seqs):  # every sampled token was allowed where it was drawn
        for j in range(2, len(s)):
            assert masks[i, j - 2, gen.vocab.id(s[j])]
    with torch.no_grad():
        logp, kl = _logp_and_kl(gen.model, copy.deepcopy(gen.model), tok, slot, masks, gen.vocab.id(PAD), 1.0)
        # the same sum from the unmasked model is lower: the mask renormalises over allowed tokens
        raw = torch.log_softmax(gen.model(tok[:, :-1], slot[:, :-1])[:, 1:], -1)
        raw = raw.gather(-1, tok[:, 2:, None])[..., 0] * (tok[:, 2:] != gen.vocab.id(PAD))
    assert torch.isfinite(logp).all() and (logp <= 0).all()
    assert (logp >= raw.sum(1) - 1e-4).all()
    assert torch.allclose(kl, torch.zeros_like(kl), atol=1e-5)  # same model: no divergence


def test_finetune_steps_change_the_model_and_resume(sim, tmp_path):
    gen = load_generator(DEFAULT_WEIGHTS)
    before = {k: v.clone() for k, v in gen.model.state_dict().items()}
    state = tmp_path / "ft.state"
    res = finetune(gen, TINY, simulator=sim, state_path=state, progress=False)
    assert [h["step"] for h in res.history] == [1, 2] and all(h["n"] == 4 for h in res.history)
    assert all(0.0 <= h["reward"] <= 2.0 for h in res.history)
    assert any(not torch.equal(before[k], v) for k, v in gen.model.state_dict().items())
    assert state.is_file()
    again = load_generator(DEFAULT_WEIGHTS)
    res2 = finetune(again, TINY, simulator=sim, state_path=state, resume=True, progress=False)
    assert res2.history == res.history  # nothing left to do: the saved state is the result
    assert all(torch.equal(v, again.model.state_dict()[k]) for k, v in gen.model.state_dict().items())
    longer = finetune(again, FinetuneConfig(batch=4, steps=3, budget=6, time_limit=0), simulator=sim,
                      state_path=state, resume=True, progress=False)  # extend the finished run by a step
    assert [h["step"] for h in longer.history] == [1, 2, 3] and longer.history[:2] == res.history
    with pytest.raises(Exception, match="another configuration"):
        finetune(load_generator(DEFAULT_WEIGHTS), FinetuneConfig(batch=5, steps=2, budget=6), simulator=sim,
                 state_path=state, resume=True, progress=False)


def test_run_writes_a_loadable_generator(tmp_path):
    out = tmp_path / "g" / "ft.pt"
    run(out, FinetuneConfig(batch=2, steps=1, budget=4, time_limit=0), workers=1, progress=False, log=lambda s: None)
    assert (out.parent / "corpus_hashes.json").is_file() and (out.parent / "length_prior.json").is_file()
    assert out.with_suffix(".state").is_file()  # kept: --resume --steps N extends the run
    gen = load_generator(out)
    assert gen.record["finetune"]["config"]["batch"] == 2 and gen.corpus_hashes and gen.lengths
    assert all(s.structurally_valid for s in generate("opamp", 3, model=out))


def test_bad_settings_are_clear_errors(sim):
    gen = load_generator(DEFAULT_WEIGHTS)
    with pytest.raises(SizingError, match="no interface.*opamp"):
        finetune(gen, FinetuneConfig(family="lna"), simulator=sim, progress=False)
    with pytest.raises(SizingError, match="unknown process 'x'"):
        finetune(gen, FinetuneConfig(process="x"), simulator=sim, progress=False)
    with pytest.raises(SizingError, match="batch must be at least 1"):
        finetune(gen, FinetuneConfig(batch=0), simulator=sim, progress=False)
    with pytest.raises(SizingError, match="unknown reward shaping 'cubic'.*exp"):
        finetune(gen, FinetuneConfig(shaping="cubic"), simulator=sim, progress=False)
    r = CliRunner().invoke(app, ["finetune-generator", "--steps", "0"])
    assert r.exit_code != 0 and "--steps must be at least 1" in r.output
    r = CliRunner().invoke(app, ["finetune-generator", "--shaping", "cubic"])
    assert r.exit_code != 0 and "--shaping must be one of linear, exp" in r.output
    with pytest.raises(SizingError, match="ldo sizing does not measure"):  # an op-amp spec for LDOs
        finetune(gen, FinetuneConfig(family="ldo"), simulator=sim, progress=False)
    r = CliRunner().invoke(app, ["finetune-generator", "--family", "bandgap"])
    assert r.exit_code != 0 and "--family must be one of opamp, ldo" in r.output


def test_ldo_finetune_step_rewards_ldo_sizing(sim, tmp_path):
    """One step for LDOs: samples with the LDO interface, sized by the LDO testbench (no CMRR check)."""
    from circuitforge.rl.sizing.ldo import LDO_MODEST
    cfg = FinetuneConfig(family="ldo", spec=LDO_MODEST, batch=3, steps=1, budget=4, time_limit=0)
    res = finetune(load_generator(DEFAULT_WEIGHTS), cfg, simulator=sim, state_path=tmp_path / "l.state",
                   progress=False)
    assert len(res.history) == 1 and res.history[0]["n"] == 3 and not res.history[0]["errors"]
    assert 0.0 <= res.history[0]["reward"] <= 2.0


def test_comparator_finetune_step_rewards_comparator_sizing(sim, tmp_path):
    """One step for comparators: samples with the comparator interface, sized by the decide deck."""
    from circuitforge.rl.sizing.quick import FAMILY_SPECS
    cfg = FinetuneConfig(family="comparator", spec=FAMILY_SPECS["comparator"][0], batch=2, steps=1, budget=3,
                         time_limit=0)
    res = finetune(load_generator(DEFAULT_WEIGHTS), cfg, simulator=sim, state_path=tmp_path / "c.state",
                   progress=False)
    assert len(res.history) == 1 and res.history[0]["n"] == 2 and not res.history[0]["errors"]
    assert 0.0 <= res.history[0]["reward"] <= 2.0


def test_exp_shaping_separates_live_circuits_the_linear_one_does_not():
    """Toward a far spec every live circuit scores ~1 linearly; exp(objective) orders them by how close they came."""
    from circuitforge.rl.sizing.quick import QuickSizing
    from circuitforge.rl.topology import _resume_key, reward

    near, far, dead = (QuickSizing("missed", objective=o) for o in (-0.1, -1.0, -12.5))
    lin = [reward(q, n_clauses=5, novel=True, repeats=0) for q in (near, far, dead)]
    exp = [reward(q, n_clauses=5, novel=True, repeats=0, shaping="exp") for q in (near, far, dead)]
    assert lin[0] - lin[1] < 0.1 and exp[0] - exp[1] > 0.5
    assert exp[2] < 1e-5 and lin[2] == 0.0
    assert reward(QuickSizing("met"), n_clauses=5, novel=True, repeats=0, shaping="exp") == 2.0
    assert "shaping" not in _resume_key(FinetuneConfig())  # states written before the option resume
    assert _resume_key(FinetuneConfig(shaping="exp"))["shaping"] == "exp"


def test_generate_uses_the_shipped_finetuned_opamp_weights():
    if not FINETUNED["opamp"].is_file():
        pytest.skip(f"no fine-tuned op-amp checkpoint at {FINETUNED['opamp']}")
    ft = load_generator(FINETUNED["opamp"])
    assert "finetune" in ft.record
    a = generate("opamp", 4, seed=2)
    b = generate("opamp", 4, seed=2, model=FINETUNED["opamp"])
    c = generate("opamp", 4, seed=2, model=DEFAULT_WEIGHTS)
    assert [s.tokens for s in a] == [s.tokens for s in b] != [s.tokens for s in c]


def test_generate_uses_the_shipped_finetuned_comparator_weights():
    if not FINETUNED["comparator"].is_file():
        pytest.skip(f"no fine-tuned comparator checkpoint at {FINETUNED['comparator']}")
    ft = load_generator(FINETUNED["comparator"])
    assert ft.record["finetune"]["config"]["family"] == "comparator"
    a = generate("comparator", 3, seed=2)
    b = generate("comparator", 3, seed=2, model=FINETUNED["comparator"])
    c = generate("comparator", 3, seed=2, model=FINETUNED["opamp"])
    assert [s.tokens for s in a] == [s.tokens for s in b] != [s.tokens for s in c]
    assert all({"VIN1", "VIN2", "VOUT1"} <= set(s.netlist.ports) for s in a)


def test_quick_size_reports_where_a_circuit_stopped(sim):
    spec = parse_spec("gain>=40dB")
    broken = generate("opamp", 1, seed=0, model=DEFAULT_WEIGHTS)[0].netlist
    broken.ports = ["VSS", "VDD", "VOUT1"]  # no inputs: the interface finder refuses it
    q = quick_size(broken, spec, process="generic180", budget=4, simulator=sim)
    assert q.stage == "interface" and q.reason.startswith("interface: ") and not q.met
    assert q.objective == -2.5


SUM_AMP = """* learned by the first fine-tuning run: both inputs pull net1 the same way, an inverter after it
M0 net1 VIN1 VDD VDD pmos4
M1 net1 VIN1 VSS VSS nmos4
M2 net1 VIN1 VSS VSS nmos4
M3 net1 net1 VDD VDD pmos4
M4 VOUT1 net1 VDD VDD pmos4
M5 VOUT1 VIN2 VSS VSS nmos4
.end
"""


def test_cmrr_check_refuses_an_amplifier_whose_inputs_add(sim):
    from circuitforge.netlists import parse

    net = parse(SUM_AMP, dialect="ngspice")
    net.ports = ["VSS", "VDD", "VIN1", "VIN2", "VOUT1"]
    spec = parse_spec("gain>=40dB,ugbw>=10MHz,pm>=45deg")
    plain = quick_size(net, spec, process="generic180", budget=60, seed=0, simulator=sim)
    assert plain.met  # the clauses alone: one input driven, the other servoed
    checked = quick_size(net, spec, process="generic180", budget=60, seed=0, simulator=sim, cmrr_min=20.0)
    assert checked.stage == "missed" and checked.reason == "missed: cmrr below 20 dB (not differential)"
    assert checked.cmrr is not None and checked.cmrr < 10 and -2.5 <= checked.objective < 0  # 1.3 dB here


def test_replay_draws_distinct_functional_sequences_paid_at_todays_repeat_count():
    from circuitforge.rl.topology import _replay

    memory = {h: ([h], 40, h != "old") for h in ("a", "b", "c", "old")}
    seen = {"a": 1, "b": 4, "c": 1, "old": 1}
    cfg = FinetuneConfig(replay=3, memory=3)
    picked = _replay(memory, seen, cfg, seed=0, n_clauses=4)
    assert "old" not in memory and len(memory) == 3  # the least paid (not novel) is dropped past the cap
    assert len(picked) == 3 and len({p[0][0] for p in picked}) == 3
    paid = {p[0][0]: p[2] for p in picked}
    assert paid["a"] == paid["c"] == 2.0 and paid["b"] == 1.25  # found 4 times: 1 + 1/4
    assert _replay(memory, seen, FinetuneConfig(replay=0), seed=0, n_clauses=4) == []
    assert _replay({}, {}, cfg, seed=0, n_clauses=4) == []
    with pytest.raises(SizingError, match="replay must be >= 0"):
        finetune(load_generator(DEFAULT_WEIGHTS), FinetuneConfig(replay=-1), simulator=None, progress=False)


def test_quick_size_stops_at_the_first_simulation_past_its_time_limit():
    """One pathological circuit must not hold a benchmark or a fine-tuning step: the first
    timeout ends the run, later jobs fail at once, the circuit counts as not simulating."""
    from circuitforge.rl.sizing.quick import QUICK_TIMEOUT
    from circuitforge.spice.errors import SimulationTimeout
    from circuitforge.spice.results import SimResult

    class Slow:  # a toy simulator: every job runs past the limit it is given
        calls, limits = 0, []

        def run_many(self, jobs, *, timeout=30.0, progress=False):
            Slow.calls += 1
            Slow.limits.append(timeout)
            return [SimResult(error=SimulationTimeout(f"simulation ran past {timeout:g} s")) for _ in jobs]

        def run(self, circuit, analyses, *, timeout=30.0):
            return self.run_many([(circuit, analyses)], timeout=timeout)[0]

    net = generate("opamp", 1, seed=0, model=DEFAULT_WEIGHTS)[0].netlist
    q = quick_size(net, parse_spec("gain>=40dB"), process="generic180", budget=30, simulator=Slow())
    assert q.stage == "simulate" and "timeout" in q.reason and not q.met
    assert Slow.calls == 1 and Slow.limits == [QUICK_TIMEOUT]


def test_offset_check_measures_the_follower_the_open_loop_bench_cannot_see(sim):
    """The follower check runs on the design that met the spec: a generous bound passes it, a
    microvolt one refuses it with the offset recorded and scored like a clause."""
    from circuitforge.examples import example_path
    from circuitforge.netlists import read

    net = read(example_path("opamp_miller45.cir"))
    spec = parse_spec("gain>=20dB")
    loose = quick_size(net, spec, process="generic45", budget=20, seed=0, simulator=sim, offset_max=0.5)
    assert loose.met and loose.offset is not None and abs(loose.offset) < 0.5
    tight = quick_size(net, spec, process="generic45", budget=20, seed=0, simulator=sim, offset_max=1e-7)
    assert not tight.met and tight.reason == "missed: offset above 0.0001 mV (as a follower)"
    assert tight.offset == pytest.approx(loose.offset) and -12.5 <= tight.objective < 0
    with pytest.raises(SizingError, match="offset checks are for op-amps"):
        quick_size(net, parse_spec("vout>=0.5V"), process="generic180", family="ldo", offset_max=0.02)
    assert "offset_max" not in _resume_key_of(FinetuneConfig())


def _resume_key_of(cfg):
    from circuitforge.rl.topology import _resume_key
    return _resume_key(cfg)


def test_cli_default_spec_is_the_familys_modest_one(tmp_path):
    out = tmp_path / "ft.pt"
    r = CliRunner().invoke(app, ["finetune-generator", "--steps", "1", "--batch", "2", "--budget", "2",
                                 "--workers", "1", "--time-limit", "0", "--out", str(out)])
    assert r.exit_code == 0, r.output
    rec = load_generator(out).record["finetune"]["config"]
    assert rec["spec"] == FinetuneConfig().spec and rec["family"] == "opamp" and rec["offset_max"] is None
