"""Link prediction: split hygiene, metric counting, baselines, the API, the CLI and training."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from circuitforge.cli import app
from circuitforge.generators.linkpred import (
    DEFAULT_WEIGHTS,
    NEW_NET,
    CommonNeighbourScorer,
    DanglingRuleScorer,
    LinkTask,
    RandomScorer,
    RoleRuleScorer,
    TerminalResult,
    TrainConfig,
    apply,
    complete,
    load_predictor,
    make_example,
    rank_stats,
    split_circuits,
    summarise,
    tasks_for,
    train,
)
from circuitforge.graph import FeatureSpec, canonical_hash
from circuitforge.netlists import parse

INV = "* inv\nM1 out in 0 0 nmos\nM2 out in vdd vdd pmos\nR1 out x 1k\nC1 x 0 1p\n.end\n"


def _inv(title: str = "inv", text: str = INV):
    n = parse(text)
    n.title = title
    n.ports = ["in", "out", "vdd", "0"]
    return n


def _family(k: int):
    """k circuits, several of them renamed duplicates of one topology."""
    out = []
    for i in range(k):
        extra = "".join(f"R{j}9 out n{j} 1k\nC{j}9 n{j} 0 1p\n" for j in range(i % 5))
        out.append(_inv(f"c{i}", INV.replace(".end", extra + ".end")))
    return out


def test_split_has_no_circuit_or_hash_overlap():
    ns = _family(40)
    sp = split_circuits(ns, seed=3, val=0.2, test=0.3)
    parts = [set(sp.train), set(sp.val), set(sp.test)]
    assert sorted(i for p in parts for i in p) == list(range(40))
    assert not (parts[0] & parts[2] or parts[0] & parts[1] or parts[1] & parts[2])
    hashes = [{canonical_hash(ns[i], match_ports=False) for i in p} for p in parts]
    assert not (hashes[0] & hashes[2]) and not (hashes[0] & hashes[1]) and not (hashes[1] & hashes[2])
    assert split_circuits(ns, seed=3, val=0.2, test=0.3) == sp  # deterministic


def test_corpus_split_has_no_hash_overlap(corpus_root):
    from circuitforge.generators.linkpred import load_corpus_split
    data = load_corpus_split(corpus_root)
    hs = data.split.hashes
    tr, te = {hs[i] for i in data.split.train}, {hs[i] for i in data.split.test}
    assert not tr & te and not set(data.split.train) & set(data.split.test)
    assert len(data.split.test) > 100


def test_metrics_count_every_terminal_and_ties_are_random():
    assert rank_stats(np.zeros(5), 3) == pytest.approx((0.2, 0.6, sum(1 / r for r in range(1, 6)) / 5))
    n = _inv()
    tasks = tasks_for(n, "device")
    rs = RandomScorer()
    res = [TerminalResult(i, t.dev.kind, *rank_stats(s, y))
           for i, t in enumerate(tasks) for s, y in zip(rs.score(t), t.targets())]
    s = summarise(res)
    assert s.terminals["all"] == sum(len(d.terminals) for d in n.devices) == 4 + 4 + 2 + 2
    assert s.devices["all"] == 4 and s.terminals["mosfet"] == 8
    # whole device = product of per-terminal top-1 chances for the random scorer
    first = [r.top1 for r in res if r.task == 0]
    assert s.metrics["mosfet"]["device"] == pytest.approx((np.prod(first) + np.prod([r.top1 for r in res
                                                                                      if r.task == 1])) / 2)


def test_task_candidates_drop_nets_only_the_cut_terminals_touch():
    t = LinkTask(_inv(), 2, (0, 1))  # R1 cut: x is then only on C1, still a candidate
    assert t.candidates == ["out", "in", "0", "vdd", "x"]
    assert t.targets() == [0, 4]
    n = parse("* d\nM1 a a 0 0 nmos\nR1 vdd b 1k\n.end\n")
    n.ports = ["vdd", "0"]
    t = LinkTask.cut_device(n, 0)  # 'a' only on M1: both d and g answer "a new net"
    assert t.candidates == ["0", "vdd", "b"] and t.targets() == [3, 3, 0, 0]


def test_common_neighbour_and_rule_rank_as_expected():
    n = _inv()
    t = LinkTask(n, 1, (2,))  # M2 source cut; M2's d=out, g=in, b=vdd known
    s = CommonNeighbourScorer().score(t)[0]
    cands = t.candidates + [NEW_NET]
    # devices on M2's known nets (out, in, vdd): M1 (out,in,0), R1 (out,x) -> counts out 3, in 2, 0 2, x 1
    assert dict(zip(cands, np.floor(s))) == {"out": 3, "in": 2, "0": 2, "vdd": 0, "x": 1, NEW_NET: 0}
    rule = RoleRuleScorer().fit(t2 for m in _family(6) for t2 in tasks_for(m, "device"))
    bulk = LinkTask(n, 0, (3,))  # NMOS bulk: every training NMOS bulk is on ground ('0' is a vss port)
    sb = rule.score(bulk)[0]
    assert bulk.candidates[int(np.argmax(sb))] == "0"
    cap = LinkTask(n, 3, (0,))  # C1's top plate cut: x keeps only R1, so it must have lost C1
    assert cap.candidates[int(np.argmax(DanglingRuleScorer(rule).score(cap)[0]))] == "x"


def test_training_a_few_steps_decreases_loss():
    ns = _family(12)
    spec = FeatureSpec.fit(ns)
    ex = [make_example(t, spec) for n in ns for t in tasks_for(n, "device")]
    res = train(ex, TrainConfig(hidden=16, layers=2, epochs=8, batch=16, lr=1e-2, seed=0))
    assert res.losses[-1] < res.losses[0]


@pytest.fixture(scope="module")
def predictor():
    if not DEFAULT_WEIGHTS.exists():
        pytest.fail(f"shipped weights missing at {DEFAULT_WEIGHTS}")
    return load_predictor()


def test_api_completes_a_dangling_terminal(predictor):
    n = parse("* cs\nM1 out in 0 0 nmos\nM2 out vb vdd vdd pmos\nC1 out dangling 1p\n.end\n")
    n.ports = ["in", "out", "vdd", "vb", "0"]
    c = complete(n, top=3, predictor=predictor)
    assert [(s.device, s.role) for s in c.suggestions] == [("C1", "n")]
    cand = c.suggestions[0].candidates
    assert len(cand) == 3 and cand[0].score >= cand[1].score >= cand[2].score
    assert "dangling" not in {x.net for x in cand}
    done = apply(c)
    assert done.devices[2].terminals[1][1] == (cand[0].net if cand[0].net != NEW_NET else "cf_new1")
    m = complete(n, device="M1", top=2, predictor=predictor)
    assert [s.role for s in m.suggestions] == ["d", "g", "s", "b"]


def test_api_adds_missing_terminals():
    n = parse("* m\nM1 out in 0 nmos\nR1 vdd out 1k\n.end\n")  # 3 terminals: bulk missing
    n.ports = ["in", "out", "vdd", "0"]
    c = complete(n, top=2)
    assert [(s.device, s.role) for s in c.suggestions] == [("M1", "b")]
    assert len(apply(c).devices[0].terminals) == 4


def test_cli_complete(tmp_path):
    f = tmp_path / "amp.cir"
    f.write_text("* cs\nM1 out in 0 0 nmos\nR1 vdd out 1k\nC1 out dangling 1p\nVDD vdd 0 1.8\nVIN in 0 0.7\n.end\n")
    r = CliRunner().invoke(app, ["complete", str(f), "--json", "--top", "2"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [s["device"] for s in data["suggestions"]] == ["C1"] and len(data["suggestions"][0]["candidates"]) == 2
    o = tmp_path / "fixed.cir"
    r = CliRunner().invoke(app, ["complete", str(f), "--apply", "-o", str(o)])
    assert r.exit_code == 0, r.output
    assert "dangling" not in o.read_text().lower() and "C1" in o.read_text()
    r = CliRunner().invoke(app, ["complete", str(f), "--device", "NOPE"])
    assert r.exit_code == 2 and "no device 'NOPE'" in r.output
    r = CliRunner().invoke(app, ["complete", str(f), "--apply"])
    assert r.exit_code == 2 and "--apply needs" in r.output
    r = CliRunner().invoke(app, ["complete", "--help"])
    assert r.exit_code == 0 and "dangling" in r.output


def test_training_resumes_after_an_interrupted_epoch(tmp_path):
    """Two epochs in one go equal one epoch, a stop, and a resumed second epoch."""
    import torch

    from circuitforge.generators.linkpred.train import TrainConfig, train

    ns = _family(6)
    spec = FeatureSpec.fit(ns)
    examples = [make_example(t, spec) for n in ns for t in tasks_for(n, "device")]
    cfg = TrainConfig(hidden=16, layers=2, epochs=2, batch=8, lr=1e-2, seed=3)
    whole = train(examples, cfg)
    state = tmp_path / "run.state"

    def stop_after_first_epoch(message: str) -> None:
        if message.startswith("epoch 1/"):
            raise KeyboardInterrupt  # the run is killed after its first epoch was saved

    with pytest.raises(KeyboardInterrupt):
        train(examples, cfg, state_path=state, progress=stop_after_first_epoch)
    assert state.is_file()
    messages: list[str] = []
    resumed = train(examples, cfg, state_path=state, progress=messages.append)
    assert messages[0].startswith("resuming after epoch 1/2")
    assert len(resumed.losses) == 2
    for a, b in zip(whole.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6)
