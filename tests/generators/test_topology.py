"""The grammar-guided topology generator: tokens, grammar, checker, model, training, sampling, CLI."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from circuitforge.cli import app
from circuitforge.generators.topology import (
    DEFAULT_WEIGHTS,
    GeneratedTopology,
    Generator,
    GrammarState,
    GrammarTables,
    TopologyError,
    TopologyModel,
    Vocab,
    decode,
    decode_lenient,
    encode,
    generate,
    load_generator,
    save_generator,
    structural_problems,
    walk,
)
from circuitforge.generators.topology.data import Circuit, TopologyCorpus
from circuitforge.generators.topology.slots import SLOTS
from circuitforge.generators.topology.train import TrainConfig, train
from circuitforge.graph.hashing import canonical_hash, same_circuit
from circuitforge.netlists import Device, Netlist
from circuitforge.netlists.errors import ResolutionError

VOCAB = Vocab(("VSS", "VDD", "VIN1", "VIN2", "VOUT1", "VB1", "IB1", "VCLK1"))
TABLES = GrammarTables(VOCAB)
runner = CliRunner()


def _mos(name: str, d: str, g: str, s: str, b: str, model: str = "nmos4") -> Device:
    return Device(name, "mosfet", (("d", d), ("g", g), ("s", s), ("b", b)), model=model)


def _two(name: str, kind: str, p: str, n: str, model: str | None = None) -> Device:
    return Device(name, kind, (("p", p), ("n", n)), model=model)  # type: ignore[arg-type]


def _ota() -> Netlist:
    return Netlist("ota", [
        _mos("M0", "x", "x", "VDD", "VDD", "pmos4"), _mos("M1", "VOUT1", "x", "VDD", "VDD", "pmos4"),
        _mos("M2", "x", "VIN1", "t", "VSS"), _mos("M3", "VOUT1", "VIN2", "t", "VSS"),
        _mos("M4", "t", "VB1", "VSS", "VSS"), _two("C0", "capacitor", "VOUT1", "VSS"),
        _two("L0", "inductor", "VDD", "x"), _two("D0", "diode", "VDD", "t", "diode"),
    ], ports=["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VB1"])


def _random_walk(seed: int, max_len: int) -> list[str]:
    rng = np.random.default_rng(seed)
    g = GrammarState(TABLES, max_len)
    toks = []
    while not g.done:
        ids = np.nonzero(g.allowed())[0]
        assert len(ids), f"dead end after {toks}"
        # favour new nets and devices now and then, to push against the length budget
        t = int(rng.choice(ids))
        g.advance(t)
        toks.append(VOCAB.tokens[t])
    assert len(toks) <= max_len
    return toks


# ---- tokens ------------------------------------------------------------------------------------
def test_encode_decode_round_trip_with_augmentation():
    n = _ota()
    for seed in range(20):
        toks = encode(n, "opamp", VOCAB, rng=random.Random(seed))
        walk(VOCAB, toks)  # the grammar accepts every spelling
        back = decode(toks, VOCAB)
        assert same_circuit(back, n) and canonical_hash(back) == canonical_hash(n)
        assert back.ports[:2] == ["VSS", "VDD"] and set(back.ports) == set(n.ports)


def test_encode_puts_rails_second_and_keeps_diode_polarity():
    toks = encode(_ota(), "opamp", VOCAB)
    i = toks.index("ind")
    assert toks[i + 2] == "VDD"  # L0 (VDD, x) written (x, VDD)
    j = toks.index("dio")
    assert toks[j + 1] == "VDD"  # a diode keeps its anode first


def test_encode_refuses_what_it_cannot_spell():
    n = _ota()
    with pytest.raises(TopologyError, match="no VDD port"):
        encode(Netlist("x", n.devices, ports=["VSS"]), "opamp", VOCAB)
    with pytest.raises(TopologyError, match="unknown circuit type"):
        encode(n, "vco", VOCAB)
    sub = Netlist("s", [Device("X1", "subckt", (("1", "VDD"), ("2", "VSS")), model="inv")], ports=["VDD", "VSS"])
    with pytest.raises(TopologyError, match="no token"):
        encode(sub, "other", VOCAB)


def test_decode_lenient_reports_where_it_stopped():
    d = decode_lenient("<bos> type:opamp VSS VDD <sep> nmos VDD VSS n2".split(), VOCAB)
    assert not d.ok and "skips internal net n1" in d.problem
    with pytest.raises(TopologyError, match="without <eos>"):
        decode("<bos> type:opamp VSS VDD <sep> res VDD VSS".split(), VOCAB)


# ---- grammar -----------------------------------------------------------------------------------
@pytest.mark.parametrize("seq, bad", [
    ("<bos> type:opamp VSS VDD <sep> res VDD VDD", "VDD"),                     # a passive on one net
    ("<bos> type:opamp VSS VDD <sep> ind VDD", "VDD"),                         # an inductor from a rail
    ("<bos> type:opamp VSS VDD <sep> nmos n1 VSS VSS VDD <eos>", "<eos>"),     # n1 dangles
    ("<bos> type:opamp VSS VDD VIN1 <sep> res VDD VSS <eos>", "<eos>"),        # VIN1 unused
    ("<bos> type:opamp VSS VDD <sep> nmos n2", "n2"),                          # nets in order
    ("<bos> type:opamp VSS VDD <sep> nmos VDD VDD VDD VDD", "VDD"),            # all terminals on one net
    ("<bos> type:opamp VDD", "VDD"),                                           # VSS first
    ("<bos> type:opamp VSS VDD VOUT1 VIN1", "VIN1"),                           # ports in vocabulary order
])
def test_grammar_refuses(seq, bad):
    toks = seq.split()
    g = walk(VOCAB, toks[:-1])
    assert not g.allowed()[VOCAB.id(bad)]
    with pytest.raises(TopologyError, match="not allowed"):
        g.step(VOCAB.id(bad))


def test_grammar_forces_closing_near_the_length_limit():
    g = walk(VOCAB, "<bos> type:opamp VSS VDD <sep> res VDD VSS nmos n1 n2 n3".split(), max_len=17)
    # 12 tokens so far, n1 n2 n3 dangle: the body terminal must close one, then "res a b <eos>" the rest
    allowed = set(VOCAB.strs(np.nonzero(g.allowed())[0]))
    assert allowed == {"n1", "n2", "n3"}


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), max_len=st.integers(12, 140))
def test_random_walks_through_the_mask_end_valid(seed, max_len):
    toks = _random_walk(seed, max_len)
    d = decode_lenient(toks, VOCAB)
    assert d.ok, d.problem
    assert structural_problems(d.netlist) == []


def test_random_walks_at_full_length():
    for seed in range(5):
        toks = _random_walk(seed, 320)
        assert structural_problems(decode(toks, VOCAB)) == []


# ---- the independent checker ---------------------------------------------------------------------
def test_checker_finds_each_broken_rule():
    ok = _ota()
    assert structural_problems(ok) == []
    cases = {
        "no VDD port": Netlist("a", ok.devices, ports=["VSS", "VIN1", "VIN2", "VOUT1", "VB1"]),
        "inductor shorts rails": Netlist("b", [*ok.devices, _two("L9", "inductor", "VDD", "VSS")], ports=ok.ports),
        "every terminal on net": Netlist("c", [*ok.devices, _two("R9", "resistor", "x", "x")], ports=ok.ports),
        "has 1 terminal": Netlist("d", [*ok.devices, _two("R9", "resistor", "x", "lonely")], ports=ok.ports),
        "is not connected": Netlist("e", ok.devices, ports=[*ok.ports, "IB1"]),
        "model": Netlist("f", [*ok.devices, _mos("M9", "x", "t", "VSS", "VSS", "nch")], ports=ok.ports),
        "used 2 times": Netlist("g", [*ok.devices, _two("C0", "capacitor", "x", "VSS")], ports=ok.ports),
    }
    for needle, n in cases.items():
        assert any(needle in p for p in structural_problems(n)), (needle, structural_problems(n))


# ---- model -------------------------------------------------------------------------------------------
def test_cached_steps_match_the_full_forward():
    torch.manual_seed(0)
    m = TopologyModel(len(VOCAB), len(SLOTS), d_model=32, n_layers=2, n_heads=4, d_ff=64, max_len=16).eval()
    tok = torch.randint(0, len(VOCAB), (3, 10))
    slot = torch.randint(0, len(SLOTS), (3, 10))
    full = m(tok, slot)
    cache = m.new_cache(3)
    steps = torch.stack([m.step(tok[:, i], slot[:, i], cache, i) for i in range(10)], 1)
    assert torch.allclose(full, steps, atol=1e-4)


def _tiny(vocab: Vocab = VOCAB) -> Generator:
    torch.manual_seed(0)
    m = TopologyModel(len(vocab), len(SLOTS), d_model=16, n_layers=1, n_heads=2, d_ff=32).eval()
    return Generator(m, vocab, {}, frozenset({canonical_hash(_ota())}))


def test_checkpoint_round_trip(tmp_path: Path):
    g = _tiny()
    p = tmp_path / "g.pt"
    save_generator(p, g.model, g.vocab, {"note": 1}, {"abc": [1]})
    back = load_generator(p)
    assert back.vocab == g.vocab and back.record == {"note": 1} and back.corpus_hashes == {"abc"}
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(TopologyError, match="cannot read"):
        load_generator(tmp_path / "bad.pt")


def test_untrained_model_samples_are_still_valid():
    s = generate("ldo", 6, seed=5, model=_tiny())
    assert len(s) == 6 and all(isinstance(x, GeneratedTopology) for x in s)
    assert all(x.structurally_valid and structural_problems(x.netlist) == [] for x in s)
    assert all(x.tokens[-1] == "<eos>" and len(x.tokens) <= 320 for x in s)
    u = generate("ldo", 6, seed=5, model=_tiny(), constrained=False)
    assert len(u) == 6 and not any(x.structurally_valid for x in u)  # what the grammar buys
    assert all(x.problems for x in u) and not all(x.finished for x in u)


def test_training_resumes(tmp_path: Path):
    circuits = [Circuit(i, "opamp", _ota(), tuple(_ota().ports), canonical_hash(_ota())) for i in range(6)]
    corpus = TopologyCorpus(VOCAB, circuits, circuits[:2], {}, Counter())
    cfg = TrainConfig(d_model=16, n_layers=1, n_heads=2, d_ff=32, epochs=2, batch=4, time_limit=0)
    full = train(corpus, cfg)
    state = tmp_path / "t.state"
    part = train(corpus, cfg, state_path=state, max_steps=2)  # interrupted after the first epoch
    assert state.is_file() and part.epochs == 1
    rest = train(corpus, cfg, state_path=state)
    assert rest.epochs == 2 and rest.losses == pytest.approx(full.losses, rel=1e-5)
    assert rest.losses[-1] < rest.losses[0]


# ---- the shipped weights -------------------------------------------------------------------------------
def test_shipped_generator_samples_valid_typed_topologies():
    assert DEFAULT_WEIGHTS.is_file(), "shipped weights missing"
    g = load_generator()
    assert len(g.corpus_hashes) > 2500
    s = generate("opamp", 6, seed=0, model=g)
    assert all(x.structurally_valid and x.finished for x in s)
    assert all({"VDD", "VSS"} <= set(x.netlist.ports) for x in s)
    assert {d.model for x in s for d in x.netlist.devices} <= {"nmos4", "pmos4", "npn", "pnp", "diode", None}
    again = generate("opamp", 6, seed=0, model=g)
    assert [x.tokens for x in again] == [x.tokens for x in s]
    with pytest.raises(ResolutionError, match="choices"):
        generate("vco", 1, model=g)


def test_cli_generate_writes_netlists_and_summary(tmp_path: Path):
    r = runner.invoke(app, ["generate", "--type", "opamp", "-n", "3", "--seed", "2", "--out", str(tmp_path), "--json",
                            "--check-op"])
    assert r.exit_code == 0, r.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["structurally_valid"] == 1.0 and len(summary["samples"]) == 3
    assert summary["ngspice_valid"] == 1.0  # bias_default + OP in ngspice, within the rails
    text = (tmp_path / summary["samples"][0]["file"]).read_text()
    assert "Vcf_VDD" in text and (".model nmos4" in text.lower() or ".model pmos4" in text.lower())
    bad = runner.invoke(app, ["generate", "--type", "vco", "-n", "1", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "choices" in bad.output


@pytest.mark.parametrize("cmd", [["generate"], ["train-generator"]])
def test_help(cmd):
    r = runner.invoke(app, [*cmd, "--help"])
    assert r.exit_code == 0 and "Usage" in r.output


# ---- the corpus ------------------------------------------------------------------------------------------
@pytest.mark.corpus
def test_corpus_round_trip_sample(corpus_root):
    from circuitforge.netlists.analoggenie import CorpusError, iter_corpus
    vocab = load_generator().vocab
    rng = random.Random(0)
    tried = same = 0
    for c in iter_corpus(corpus_root):
        if isinstance(c, CorpusError) or c.id % 7:
            continue
        try:
            toks = encode(c.netlist, c.family, vocab, ports=c.ports, rng=rng)
        except TopologyError:
            continue  # macros, no VDD/VSS port: left out of training (see data.py)
        tried += 1
        same += same_circuit(decode(toks, vocab), c.netlist)
    assert tried > 350 and same == tried


@pytest.mark.corpus
def test_corpus_circuits_are_not_novel(corpus_root):
    from circuitforge.netlists.analoggenie import CorpusError, iter_corpus
    g = load_generator()
    seen = 0
    for c in iter_corpus(corpus_root):
        if isinstance(c, CorpusError) or c.id % 50:
            continue
        assert canonical_hash(c.netlist) in g.corpus_hashes, c.id
        seen += 1
    assert seen > 40


@pytest.mark.slow
def test_every_family_samples_pass_the_checker():
    g = load_generator()
    for family in g.vocab.families:
        s = generate(family, 40, seed=1, model=g)
        bad = [x.problems for x in s if not x.structurally_valid or structural_problems(x.netlist)]
        assert not bad, (family, bad[:3])
        assert all(x.netlist.ports[:2] == ["VSS", "VDD"] for x in s)


@pytest.mark.slow
@pytest.mark.corpus
def test_whole_corpus_round_trip(corpus_root):
    from circuitforge.netlists.analoggenie import CorpusError, iter_corpus
    vocab = load_generator().vocab
    rng = random.Random(1)
    n = 0
    for c in iter_corpus(corpus_root):
        if isinstance(c, CorpusError):
            continue
        try:
            toks = encode(c.netlist, c.family, vocab, ports=c.ports, rng=rng)
        except TopologyError:
            continue
        assert same_circuit(decode(toks, vocab), c.netlist), c.id
        n += 1
    assert n > 2800
