"""Malformed input: the only exception that may escape the readers is circuitforge's own."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circuitforge.examples import example_names, example_path
from circuitforge.netlists import CircuitforgeError, parse
from circuitforge.netlists.validate import validate

SEEDS = [example_path(n).read_text() for n in example_names()] + [
    "M6 (net20 VIN1 VDD VDD) pmos4\nC1 (a b) capacitor\nI1 (a b c VDD VSS) TRANSMISSION_GATE\n",
]
ALPHABET = st.sampled_from(list("(){}[]'\"=+*-/;$\\\n .,0123456789abcdemkMuµ") + ["subckt", "ends", ".subckt",
                           ".ends", ".param", "simulator lang=spice\n", "simulator lang=spectre\n", ".end",
                           "parameters", "model", ".model", ".control\n", ".endc\n", "{", "'", "\\\n", "+"])


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "swap", "dup"]))
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        if op == "insert":
            text = text[:i] + draw(ALPHABET) + text[i:]
        elif op == "delete":
            j = draw(st.integers(i, min(len(text), i + 20)))
            text = text[:i] + text[j:]
        elif op == "swap":
            j = draw(st.integers(0, len(text) - 1))
            a, b = sorted((i, j))
            text = text[:a] + text[b:b + 1] + text[a + 1:b] + text[a:a + 1] + text[b + 1:]
        else:
            j = draw(st.integers(i, min(len(text), i + 40)))
            text = text[:j] + text[i:j] + text[j:]
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from([None, "ngspice", "spectre"]))
def test_mutated_netlists_raise_only_circuitforge_errors(text, dialect):
    try:
        n = parse(text, dialect=dialect, resolve_includes=False)
    except CircuitforgeError as exc:
        assert str(exc)  # a message, and for parse errors a location
        return
    validate(n)  # whatever parsed can be checked without crashing
