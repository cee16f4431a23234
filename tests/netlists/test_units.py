import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuitforge.core.units import format_number, parse_number, try_parse_number


@pytest.mark.parametrize(
    "text, value",
    [("1u", 1e-6), ("1meg", 1e6), ("1MEG", 1e6), ("1Meg", 1e6), ("10pF", 1e-11), ("4.7k", 4700.0),
     ("1e-6", 1e-6), ("2.2meg", 2.2e6), ("1F", 1e-15), ("1mil", 25.4e-6), ("5V", 5.0), ("1.5e3k", 1.5e6),
     ("3\u00b5", 3e-6), ("3\u03bc", 3e-6), ("-2m", -2e-3), (".5n", 0.5e-9), ("4.7u", 4.7e-6), ("1T", 1e12),
     ("100fF", 1e-13), ("1g", 1e9)],
)
def test_spice_numbers(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text, value", [("1M", 1e6), ("1m", 1e-3), ("2K", 2e3), ("3a", 3e-18), ("5%", 0.05),
                                          ("1T", 1e12), ("1u", 1e-6)])
def test_spectre_numbers_are_case_sensitive(text, value):
    assert parse_number(text, "spectre") == value


def test_latin1_micro_byte_decodes_to_micro():
    from circuitforge.netlists.parsers.lines import decode

    assert parse_number(decode(b"10\xb5").strip()) == 1e-5


@pytest.mark.parametrize("bad", ["", "u1", "abc", "1..2", "--1", "{w}"])
def test_not_numbers(bad):
    assert try_parse_number(bad) is None
    with pytest.raises(ValueError, match="not a number"):
        parse_number(bad)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_format_roundtrips_every_float(x):
    for dialect in ("spice", "spectre"):
        assert parse_number(format_number(x, dialect), dialect) == x


def test_format_is_engineering():
    assert format_number(4.7e-6) == "4.7u"
    assert format_number(2.2e6) == "2.2meg"
    assert format_number(2.2e6, "spectre") == "2.2M"
    assert format_number(1e-11) == "10p"
    with pytest.raises(ValueError):
        format_number(math.nan)
