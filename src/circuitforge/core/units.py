"""Engineering values: the one place where numbers with suffixes are read and written.

Two grammars live here, and only here.

**Netlist values** (:func:`parse_number`, :func:`format_number`) follow the
simulators. SPICE (case-insensitive): ``f p n u µ m k meg g t mil``, then any letters as a
unit (``10pF``, ``2.2meg``, ``1MEG``); note that ``1F`` is one *femto*, as in
every SPICE. Spectre (case-sensitive): ``T G M K k _ % c m u n p f a``, so
``1M`` is one mega in Spectre and one milli in SPICE.

Numbers are composed as decimals and rounded once, so ``4.7u`` is exactly the
float ``4.7e-06`` and :func:`format_number` round-trips every float.

>>> parse_number("10pF")
1e-11
>>> parse_number("2.2meg")
2200000.0
>>> parse_number("1M", dialect="spectre")
1000000.0
>>> format_number(4.7e-6)
'4.7u'

**Quantities a person types** (:func:`parse_quantity`, :func:`format_quantity`):
command-line options, spec clauses, filter specs. The rule is stated in
:data:`QUANTITY_RULE`:

Numbers a person types (options, spec clauses) are a decimal number, then an
optional SI prefix, case-sensitive as people write it, then an optional unit:
T tera, G giga, M or meg mega, k kilo, m milli, u or µ micro, n nano, p pico,
f femto (g, t and K are read as giga, tera and kilo too); e.g. 10MHz, 3GHz,
150uW, 1.2V, 45deg, 40dB, 100e3. M is mega here, unlike in a netlist where M
is milli; meg is mega everywhere; 500mhz is refused as ambiguous.

>>> parse_quantity("10MHz", "Hz"), parse_quantity("10mV", "V"), parse_quantity("2meg")
(10000000.0, 0.01, 2000000.0)
>>> format_quantity(59.94e6, "Hz"), format_quantity(1.03e-4, "W")
('59.9 MHz', '103 µW')
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from .errors import UnitError

__all__ = [
    "QUANTITY_RULE",
    "UnitError",
    "parse_quantity",
    "format_quantity",
    "Dialect",
    "NUMBER_RE",
    "parse_number",
    "try_parse_number",
    "format_number",
    "split_number",
]

Dialect = Literal["spice", "spectre"]

# mantissa, then letters (suffix + unit). µ is U+00B5 (Latin-1 0xB5 decodes to it) or U+03BC.
NUMBER_RE = re.compile(
    r"(?P<mant>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?P<suffix>[A-Za-z_%\u00b5\u03bc]*)"
)

_SPICE_SCALE = {"t": 12, "g": 9, "k": 3, "m": -3, "u": -6, "\u00b5": -6, "\u03bc": -6,
                "n": -9, "p": -12, "f": -15}
_SPECTRE_SCALE = {"T": 12, "G": 9, "M": 6, "K": 3, "k": 3, "_": 0, "%": -2, "c": -2, "m": -3,
                  "u": -6, "\u00b5": -6, "\u03bc": -6, "n": -9, "p": -12, "f": -15, "a": -18}


def _scale_spice(suffix: str) -> tuple[int, Decimal | None] | None:
    """(power of ten, extra factor) for a SPICE suffix, or None when it is not one."""
    s = suffix.lower()
    if not s:
        return 0, None
    if s.startswith("meg"):
        return 6, None
    if s.startswith("mil"):
        return 0, Decimal("25.4e-6")
    c = s[0]
    if c in _SPICE_SCALE:
        return _SPICE_SCALE[c], None
    if c.isalpha():
        # letters that are not a scale factor are a unit: ``1V``, ``5A``, ``10Ohm``
        return 0, None
    return None


def _scale_spectre(suffix: str) -> tuple[int, Decimal | None] | None:
    if not suffix:
        return 0, None
    c = suffix[0]
    if c in _SPECTRE_SCALE:
        return _SPECTRE_SCALE[c], None
    if c.isalpha():
        return 0, None
    return None


def split_number(text: str, dialect: Dialect = "spice") -> tuple[Decimal, int, Decimal | None] | None:
    """Split ``text`` into (mantissa, power of ten, extra factor); None if not a number."""
    m = NUMBER_RE.fullmatch(text.strip())
    if m is None:
        return None
    scale = (_scale_spice if dialect == "spice" else _scale_spectre)(m.group("suffix"))
    if scale is None:
        return None
    try:
        mant = Decimal(m.group("mant"))
    except InvalidOperation:
        return None
    return mant, scale[0], scale[1]


@lru_cache(maxsize=8192)
def try_parse_number(text: str, dialect: Dialect = "spice") -> float | None:
    """The SI value of ``text``, or None when it is not a number with a suffix (cached: values repeat)."""
    parts = split_number(text, dialect)
    if parts is None:
        return None
    mant, exp, factor = parts
    d = mant.scaleb(exp)
    if factor is not None:
        d = d * factor
    return float(d)


def parse_number(text: str, dialect: Dialect = "spice") -> float:
    """Like :func:`try_parse_number` but raises ``ValueError`` naming the text."""
    v = try_parse_number(text, dialect)
    if v is None:
        raise ValueError(f"not a number: {text!r} (expected e.g. 1u, 4.7k, 2.2meg, 1e-6)")
    return v


_ENG_SPICE = {12: "t", 9: "g", 6: "meg", 3: "k", 0: "", -3: "m", -6: "u", -9: "n", -12: "p", -15: "f"}
_ENG_SPECTRE = {12: "T", 9: "G", 6: "M", 3: "k", 0: "", -3: "m", -6: "u", -9: "n", -12: "p",
                -15: "f", -18: "a"}
_ENG_HUMAN = {12: "T", 9: "G", 6: "M", 3: "k", 0: "", -3: "m", -6: "\u00b5", -9: "n", -12: "p", -15: "f"}


def _engineering(x: float, table: dict[int, str], digits: int | None) -> tuple[str, str] | None:
    """(mantissa text, prefix) of finite non-zero ``x``; ``digits`` significant digits, or None for
    the shortest exact text. None when ``x`` lies outside the table's prefixes."""
    if digits is None:
        d = Decimal(repr(x))
    else:
        d = Decimal(f"{x:.{digits}g}")  # rounded first, so 999.96e6 becomes 1.00e9, not 1000e6
    exp10 = d.adjusted()
    eng = (exp10 // 3) * 3
    if eng < min(table) or eng > max(table):
        return None
    mant = d.scaleb(-eng).normalize()
    text = format(mant, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text, table[eng]


def format_number(x: float, dialect: Dialect = "spice") -> str:
    """Shortest engineering text that reads back as exactly ``x`` (a netlist value).

    >>> format_number(2.2e6), format_number(2.2e6, "spectre")
    ('2.2meg', '2.2M')
    >>> format_number(0.0), format_number(-1.5e-13)
    ('0', '-150f')
    """
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"cannot write {x!r} as a netlist value")
    if x == 0:
        return "0"
    parts = _engineering(x, _ENG_SPICE if dialect == "spice" else _ENG_SPECTRE, None)
    if parts is None:
        return repr(x)
    out = parts[0] + parts[1]
    # guarantee the round trip (it always holds, but a wrong number is never acceptable)
    if try_parse_number(out, dialect) != x:
        return repr(x)
    return out


# --------------------------------------------------------------------------- quantities a person types

QUANTITY_RULE = (
    'Numbers a person types (options, spec clauses) are a decimal number, then an\n'
    'optional SI prefix, case-sensitive as people write it, then an optional unit:\n'
    'T tera, G giga, M or meg mega, k kilo, m milli, u or µ micro, n nano, p pico,\n'
    'f femto (g, t and K are read as giga, tera and kilo too); e.g. 10MHz, 3GHz,\n'
    '150uW, 1.2V, 45deg, 40dB, 100e3. M is mega here, unlike in a netlist where M\n'
    'is milli; meg is mega everywhere; 500mhz is refused as ambiguous.'
)
"""The rule of :func:`parse_quantity` in plain words (the CLI quotes it in ``--help``)."""

# ``g``/``t``/``K`` are read too: they cannot be mistaken for another prefix (SPICE users write ``10g``)
_HUMAN_PREFIX_EXP = {"T": 12, "t": 12, "G": 9, "g": 9, "M": 6, "meg": 6, "MEG": 6, "Meg": 6, "k": 3, "K": 3,
                     "": 0, "m": -3,
                     "u": -6, "\u00b5": -6, "\u03bc": -6, "n": -9, "p": -12, "f": -15}
# units that take no prefix (``40mdB`` is a typo, not 0.04 dB) and their accepted spellings
_UNIT_ALIASES = {"deg": ("deg", "degree", "degrees", "\u00b0"), "dB": ("dB", "db", "DB"),
                 "ohm": ("ohm", "ohms", "\u03a9", "\u2126")}
_NO_PREFIX = {"dB", "deg", "%"}
_QUANTITY_RE = re.compile(
    r"\s*(?P<mant>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<suffix>[^\s\d+\-.][^\s]*)?\s*"
)


def _unit_spellings(unit: str) -> tuple[str, ...]:
    return _UNIT_ALIASES.get(unit, (unit,))


def _split_suffix(suffix: str, unit: str | None) -> int | None:
    """The power of ten of ``suffix`` (prefix + unit), or None when it is not one."""
    if not suffix:
        return 0
    if unit is not None:
        for spelling in sorted(_unit_spellings(unit), key=len, reverse=True):
            # the unit is compared case-insensitively (``hz``); the prefix before it is not
            if suffix.lower().endswith(spelling.lower()):
                stem = suffix[: len(suffix) - len(spelling)]
                if unit in _NO_PREFIX:
                    return 0 if not stem else None
                if stem in ("m", "M") and not suffix.endswith(spelling) and suffix in (suffix.lower(), suffix.upper()):
                    return None  # ``500mhz``/``500MHZ``: milli or mega? the case tells nothing, so refuse
                return _HUMAN_PREFIX_EXP.get(stem)
        # a bare prefix (``10M`` for a frequency)
        return None if unit in _NO_PREFIX else _HUMAN_PREFIX_EXP.get(suffix)
    if suffix in _HUMAN_PREFIX_EXP:
        return _HUMAN_PREFIX_EXP[suffix]
    if suffix.lower() in _HUMAN_PREFIX_EXP:
        return None  # ``1F``, ``1P``: a mis-cased prefix or a unit? refuse rather than guess
    # no unit asked for: a prefix (longest first), then any unit made of letters
    for prefix in sorted(_HUMAN_PREFIX_EXP, key=len, reverse=True):
        rest = suffix[len(prefix):]
        if suffix.startswith(prefix) and rest and all(c.isalpha() or c in "/\u00b0%" for c in rest):
            return _HUMAN_PREFIX_EXP[prefix]
    return None


def parse_quantity(text: str, unit: str | None = None, *, what: str = "value") -> float:
    """The SI value of a quantity a person typed: ``10MHz``, ``150uW``, ``45deg``, ``100e3``.

    The rule (:data:`QUANTITY_RULE`): a decimal number, an optional SI prefix,
    case-sensitive (``m`` milli, ``M``/``meg``/``MEG`` mega, ``u``/``µ`` micro,
    ``k``, ``G``, ``T``, ``n``, ``p``, ``f``), then an optional unit. With
    ``unit`` given, only that unit is accepted after the prefix (compared
    case-insensitively, so ``hz`` reads as ``Hz``); ``dB`` and ``deg`` take no
    prefix. Without it, any unit of letters is accepted and ignored. Raises
    :class:`UnitError` (a :class:`ValueError`) naming ``what``, the text and
    what was expected.

    >>> parse_quantity("10MHz", "Hz"), parse_quantity("10mHz", "Hz")
    (10000000.0, 0.01)
    >>> parse_quantity("150uW", "W"), parse_quantity("1.2 V", "V"), parse_quantity("45deg", "deg")
    (0.00015, 1.2, 45.0)
    >>> parse_quantity("2.2meg"), parse_quantity("100e3"), parse_quantity("3GHz")
    (2200000.0, 100000.0, 3000000000.0)
    >>> parse_quantity("10MHz", "W", what="power")
    Traceback (most recent call last):
    ...
    circuitforge.core.errors.UnitError: cannot read power '10MHz': expected a number with an optional SI prefix and the unit W, e.g. 1mW, 150uW (SI prefixes are case-sensitive: T G M/meg k m u/µ n p f; M is mega, m is milli)
    """
    if not isinstance(text, str):
        raise UnitError(f"cannot read {what} {text!r}: expected text such as '10MHz'")
    m = _QUANTITY_RE.fullmatch(unicodedata.normalize("NFC", text))
    exp = None if m is None else _split_suffix(m.group("suffix") or "", unit)
    if m is None or exp is None:
        raise UnitError(f"cannot read {what} {text!r}: {_expected(unit)}")
    value = float(Decimal(m.group("mant")).scaleb(exp))
    if not math.isfinite(value):
        raise UnitError(f"cannot read {what} {text!r}: the number is out of range")
    return value


_EXAMPLES = {"Hz": "10MHz, 2.4GHz", "W": "1mW, 150uW", "s": "10ns, 1.5us"}
_CASE_HINT = "SI prefixes are case-sensitive: T G M/meg k m u/\u00b5 n p f; M is mega, m is milli"


def _expected(unit: str | None) -> str:
    if unit is None:
        return f"expected a number with an optional SI prefix and unit, e.g. 10MHz, 150uW, 2meg, 100e3 ({_CASE_HINT})"
    if unit in _NO_PREFIX:
        return f"expected a number in {unit} (no prefix), e.g. 45{unit}"
    examples = _EXAMPLES.get(unit, f"1.2m{unit}, 150u{unit}")
    return f"expected a number with an optional SI prefix and the unit {unit}, e.g. {examples} ({_CASE_HINT})"


# how a few compound units are shown: (shown unit, factor the SI value is divided by)
_SHOWN = {"V/s": ("V/\u00b5s", 1e6), "V/sqrt(Hz)": ("V/\u221aHz", 1.0)}


def format_quantity(value: float, unit: str = "", *, digits: int | None = 3, sep: str = " ",
                    ascii_micro: bool = False) -> str:
    """Human text for ``value`` (SI) in ``unit``, which :func:`parse_quantity` reads back.

    ``digits`` significant digits (None: the shortest exact text); ``sep``
    between number and unit; ``ascii_micro`` writes ``u`` for micro.
    ``dB``, ``deg`` and dimensionless values take no prefix.

    >>> format_quantity(59.94e6, "Hz"), format_quantity(1.03e-4, "W"), format_quantity(73.12, "deg")
    ('59.9 MHz', '103 µW', '73.1 deg')
    >>> format_quantity(1e7, "Hz", digits=4, sep=""), format_quantity(4.7e-6, "F", digits=None, ascii_micro=True)
    ('10MHz', '4.7 uF')
    >>> format_quantity(999.96e6, "Hz"), format_quantity(0.0, "V"), format_quantity(2e6, "V/s")
    ('1 GHz', '0 V', '2 V/µs')
    """
    shown, factor = _SHOWN.get(unit, (unit, 1.0))
    x = value / factor
    if not math.isfinite(x) or x == 0 or shown in _NO_PREFIX or not shown:
        text = f"{x:.{digits}g}" if digits is not None and math.isfinite(x) else repr(float(x))
        if text.endswith(".0"):
            text = text[:-2]
        return f"{text}{sep}{shown}" if shown else text
    table = dict(_ENG_HUMAN)
    if ascii_micro:
        table[-6] = "u"
    parts = _engineering(x, table, digits)
    if parts is None:
        text = f"{x:.{digits}g}" if digits is not None else repr(x)
        return f"{text}{sep}{shown}"
    return f"{parts[0]}{sep}{parts[1]}{shown}"
