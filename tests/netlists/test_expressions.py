import math

import pytest

from circuitforge.netlists import ExpressionError, Value
from circuitforge.netlists.expressions import Expression


def test_deps_and_evaluation():
    e = Expression.parse("2*w + sqrt(l)*1u")
    assert e.deps == {"w", "l"}
    assert e.evaluate({"w": 1.0, "l": 4.0}) == pytest.approx(2.000002)


def test_precedence_and_power():
    assert Expression.parse("2+3*4").evaluate() == 14
    assert Expression.parse("2^3^2").evaluate() == 512
    assert Expression.parse("-2^2").evaluate() == -4
    assert Expression.parse("(1 > 0) ? 5 : 6").evaluate() == 5
    assert Expression.parse("pi").evaluate() == math.pi


def test_case_insensitive_names_by_default():
    assert Expression.parse("W*2").evaluate({"w": 3}) == 6


def test_numbers_with_suffixes_are_reprinted_per_dialect():
    e = Expression.parse("2*1meg")
    assert e.evaluate() == 2e6
    assert e.to_text("spectre") == "2*1M"
    assert e.to_text("spice") == "2*1meg"


@pytest.mark.parametrize("bad", ["2*", "(1", "1)", "w +* 2", "", "a @ b"])
def test_bad_expressions_raise_parse_errors(bad):
    with pytest.raises(ExpressionError):
        Expression.parse(bad)


def test_evaluation_errors_are_typed():
    with pytest.raises(ExpressionError, match="undefined parameter 'x'"):
        Expression.parse("x+1").evaluate()
    with pytest.raises(ExpressionError, match="cannot evaluate"):
        Expression.parse("1/0").evaluate()
    with pytest.raises(ExpressionError, match="unknown function"):
        Expression.parse("__import__(1)").evaluate()


def test_never_executes_python():
    # Python syntax is not our syntax: attribute access and strings do not parse
    for evil in ["__import__('os').system('true')", "().__class__", "open('x')"]:
        with pytest.raises(ExpressionError):
            Expression.parse(evil).evaluate()


def test_values_keep_text_number_and_expression():
    v = Value.parse("{w*2}")
    assert v.text == "{w*2}" and v.number is None and v.deps == {"w"}
    q = Value.parse("'2*3u'")
    assert q.number == pytest.approx(6e-6) and q.expr is not None
    assert Value.parse("10pF").number == 1e-11
    assert Value.parse("nch").is_word
    assert Value.parse("{w*2}").to_text("spectre") == "(w*2)"
