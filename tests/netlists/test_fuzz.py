"""Fuzzing every reader with mutated real and generated netlists of every dialect.

The only exception that may escape is circuitforge's own, and a parse error
names where (file and line) and what (the text). The long run is
``benchmarks/fuzz_parsers.py``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circuitforge.examples import example_names, example_path
from circuitforge.netlists import INPUT_DIALECTS, CircuitforgeError, ParseError, parse
from circuitforge.netlists.validate import validate

HERE = Path(__file__).parent


def _examples(module: str) -> list[str]:
    spec = importlib.util.spec_from_file_location(f"_fuzz_seeds_{module}", HERE / f"{module}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.EXAMPLES.values())


SEEDS: list[str] = [example_path(n).read_text() for n in example_names()]
for _m in ("test_hspice", "test_ltspice", "test_cdl", "test_kicad", "test_json"):
    SEEDS += _examples(_m)
TOKENS = list("(){}[]'\"=+*-/;$\\\n .,:0123456789abcdemkMuµ\x00\ufeff") + [
    ".subckt", ".ends", ".SUBCKT", ".ENDS", ".param", ".end", ".model", ".lib", ".endl", ".alter", ".data",
    ".enddata", ".protect", ".control\n", ".endc\n", "*.PININFO a:I", "$[", "$PINS", "$X=", " / ", "*@opaque ",
    "Rser=", "4k7", "SINE(", "PULSE(", "subckt", "ends", "simulator lang=spectre\n", "parameters", "\n+",
    '"component_type"', '"port_connection"', '{"Drain": ', '"Memristor"', "null", "[[[[", "{{{{", "\\\n"]


def mutate(draw, text: str) -> str:
    for _ in range(draw(st.integers(1, 8))):
        if not text:
            break
        op = draw(st.sampled_from(["insert", "delete", "swap", "dup", "line"]))
        i = draw(st.integers(0, len(text) - 1))
        if op == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif op == "delete":
            j = draw(st.integers(i, min(len(text), i + 30)))
            text = text[:i] + text[j:]
        elif op == "swap":
            j = draw(st.integers(0, len(text) - 1))
            a, b = sorted((i, j))
            text = text[:a] + text[b:b + 1] + text[a + 1:b] + text[a:a + 1] + text[b + 1:]
        elif op == "dup":
            j = draw(st.integers(i, min(len(text), i + 60)))
            text = text[:j] + text[i:j] + text[j:]
        else:  # move a whole line elsewhere
            lines = text.splitlines(keepends=True)
            k, m = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines.insert(m, lines.pop(k))
            text = "".join(lines)
    return text


@st.composite
def mutated(draw) -> str:
    return mutate(draw, draw(st.sampled_from(SEEDS)))


def check_one(text: str, dialect: str | None) -> None:
    """Parse (and validate) ``text``; fail on anything but a well-formed circuitforge error."""
    try:
        n = parse(text, dialect=dialect, resolve_includes=False, filename="fuzz.cir")
    except ParseError as exc:
        assert exc.loc is not None and exc.loc.file == "fuzz.cir" and exc.loc.line >= 1, repr(exc)
        assert str(exc)
        return
    except CircuitforgeError as exc:
        assert str(exc)
        return
    validate(n)  # whatever parsed can be checked without crashing


def test_there_are_seeds_of_every_source() -> None:
    assert len(SEEDS) >= len(example_names()) + 5, "the seed modules' EXAMPLES went missing"


@pytest.mark.parametrize("index", range(len(SEEDS)))
def test_seeds_parse(index: int) -> None:
    # a mutant of a seed that does not parse, or parses to nothing, tests nothing
    text = SEEDS[index]
    n = parse(text, resolve_includes=False, filename=f"seed{index}.cir")
    devices = len(n.devices) + sum(len(s.devices) for s in n.subckts.values())
    assert devices > 0, f"seed {index} parsed to no device: {text[:120]!r}"


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from([None, *INPUT_DIALECTS]))
def test_mutated_netlists_raise_only_located_circuitforge_errors(text: str, dialect: str | None) -> None:
    check_one(text, dialect)
