"""Engineering values: the one place where numbers with suffixes are read and written.

SPICE (case-insensitive): ``f p n u µ m k meg g t mil``, then any letters as a
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
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

__all__ = [
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


def format_number(x: float, dialect: Dialect = "spice") -> str:
    """Shortest engineering text that reads back as exactly ``x``.

    >>> format_number(2.2e6), format_number(2.2e6, "spectre")
    ('2.2meg', '2.2M')
    >>> format_number(0.0), format_number(-1.5e-13)
    ('0', '-150f')
    """
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"cannot write {x!r} as a netlist value")
    if x == 0:
        return "0"
    table = _ENG_SPICE if dialect == "spice" else _ENG_SPECTRE
    d = Decimal(repr(x))
    exp10 = d.adjusted()
    eng = (exp10 // 3) * 3
    lo, hi = min(table), max(table)
    if eng < lo or eng > hi:
        return repr(x)
    mant = d.scaleb(-eng).normalize()
    text = format(mant, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    out = text + table[eng]
    # guarantee the round trip (it always holds, but a wrong number is never acceptable)
    if try_parse_number(out, dialect) != x:
        return repr(x)
    return out
