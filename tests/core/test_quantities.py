"""Human quantities (parse_quantity / format_quantity): one rule for numbers a person types."""

from __future__ import annotations

import pytest

from circuitforge.core import CircuitforgeError, UnitError
from circuitforge.core.units import QUANTITY_RULE, format_quantity, parse_number, parse_quantity


@pytest.mark.parametrize(("text", "unit", "value"), [
    ("10MHz", "Hz", 10e6),          # the --ac bug: M is mega for a person
    ("10mHz", "Hz", 10e-3),         # and m is milli
    ("10M", "Hz", 10e6),
    ("2meg", None, 2e6),
    ("2MEG", "Hz", 2e6),
    ("3GHz", None, 3e9),
    ("150uW", "W", 150e-6),
    ("150µW", "W", 150e-6),
    ("45deg", "deg", 45.0),
    ("45°", "deg", 45.0),
    ("40dB", "dB", 40.0),
    ("-3 dB", "dB", -3.0),
    ("1.2V", "V", 1.2),
    ("100e3", None, 100e3),
    ("500 MHz", "Hz", 500e6),
    ("1T", None, 1e12),
    ("4.7u", None, 4.7e-6),
    ("10g", None, 10e9),            # g, t and K cannot be mistaken for another prefix: read
    ("3ghz", "Hz", 3e9),
    ("10K", None, 10e3),
    ("500Mhz", "Hz", 500e6),        # the prefix's case still tells
])
def test_parse_quantity(text: str, unit: str | None, value: float) -> None:
    assert parse_quantity(text, unit) == value


def test_exact_decimal_composition() -> None:
    assert parse_quantity("4.7uF", "F") == 4.7e-6  # no 4.7 * 1e-6 rounding error


def test_netlist_grammar_is_unchanged() -> None:
    assert parse_number("10M") == 10e-3          # SPICE: M is milli
    assert parse_number("10meg") == 10e6
    assert parse_number("10M", dialect="spectre") == 10e6


@pytest.mark.parametrize(("text", "unit", "needle"), [
    ("10MHz", "W", "unit W"),
    ("abc", None, "'abc'"),
    ("500mhz", "Hz", "M is mega, m is milli"),   # all lower case: milli or mega? refused, never guessed
    ("500MHZ", "Hz", "M is mega, m is milli"),
    ("1F", None, "'1F'"),               # farad or femto? refused without a unit
    ("40mdB", "dB", "no prefix"),
    ("", "Hz", "''"),
    ("1e400", None, "out of range"),
])
def test_errors_name_the_text_and_what_was_expected(text: str, unit: str | None, needle: str) -> None:
    with pytest.raises(UnitError) as exc:
        parse_quantity(text, unit, what="ugbw")
    assert needle in str(exc.value)
    assert "ugbw" in str(exc.value)
    assert isinstance(exc.value, CircuitforgeError) and isinstance(exc.value, ValueError)


def test_non_text_is_refused() -> None:
    with pytest.raises(UnitError, match="expected text"):
        parse_quantity(10, "Hz")  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "unit", "text"), [
    (59.94e6, "Hz", "59.9 MHz"),
    (1.03e-4, "W", "103 µW"),
    (73.12, "deg", "73.1 deg"),
    (52.04, "dB", "52 dB"),
    (999.96e6, "Hz", "1 GHz"),        # rounding carries into the next prefix
    (0.0, "V", "0 V"),
    (2e6, "V/s", "2 V/µs"),
    (15e-9, "V/sqrt(Hz)", "15 nV/√Hz"),
    (1e-3, "s", "1 ms"),
])
def test_format_quantity(value: float, unit: str, text: str) -> None:
    assert format_quantity(value, unit) == text


@pytest.mark.parametrize("value", [10e6, 150e-6, 2.2e9, 4.7e-12, 1.5e3])
def test_format_parses_back(value: float) -> None:
    for unit in ("Hz", "W"):
        assert parse_quantity(format_quantity(value, unit, digits=None), unit) == value
        assert parse_quantity(format_quantity(value, unit, digits=None, sep="", ascii_micro=True), unit) == value


def test_rule_is_stated_once_for_the_cli() -> None:
    assert "M is mega here" in QUANTITY_RULE and "meg is mega everywhere" in QUANTITY_RULE
    from circuitforge.core import units
    assert " ".join(QUANTITY_RULE.split()) in " ".join((units.__doc__ or "").split())
