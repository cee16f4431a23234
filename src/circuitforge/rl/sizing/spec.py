"""Target specs: ``gain>=60dB,ugbw>=10MHz,pm>=60deg,power<=1mW`` as a typed :class:`Spec`.

A spec is a tuple of clauses, each a quantity (:data:`SPEC_NAMES`), a bound
(``>=`` or ``<=``) and a value in SI units. :meth:`Spec.met` is strict
satisfaction of every clause (``tolerance=0``); a tolerance relaxes each
bound by that fraction of its value, as AutoCkt counts a target reached
within about 2 %. :meth:`Spec.margins` gives signed, normalised margins
(positive: met), the currency of the rewards and of the baselines' objective:
dB and degrees are divided by a natural scale, frequencies and power are
compared in decades.

>>> s = parse_spec("gain>=60dB, ugbw>=10MHz, pm>=60deg, power<=1mW")
>>> s
Spec('gain>=60dB,ugbw>=10MHz,pm>=60deg,power<=1mW')
>>> s.met({"gain": 62.0, "ugbw": 2e7, "pm": 61.0, "power": 5e-4})
True
>>> s.met({"gain": 59.0, "ugbw": 2e7, "pm": 61.0, "power": 5e-4})
False
>>> s.met({"gain": 59.0, "ugbw": 2e7, "pm": 61.0, "power": 5e-4}, tolerance=0.02)
True
>>> round(s.margins({"gain": 50.0, "ugbw": 1e8, "pm": 60.0, "power": 1e-3})["ugbw"], 3)
1.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from ...core.units import UnitError, format_quantity, parse_quantity
from ..errors import SpecError

__all__ = [
    "AUTOCKT_TOLERANCE",
    "SPEC_NAMES",
    "SPEC_UNITS",
    "Bound",
    "Clause",
    "Spec",
    "SpecName",
    "parse_spec",
    "spec_feature",
]

SpecName = Literal["gain", "ugbw", "pm", "bw", "power", "vout", "dropout", "line_reg", "psrr", "undershoot",
                   "decision", "delay", "kickback"]
SPEC_NAMES: tuple[str, ...] = get_args(SpecName)
"""Op-amp quantities (gain, ugbw, pm, bw, power: :data:`~.problem.MEASURES`), then LDO ones (vout,
dropout, line_reg, psrr, undershoot: :data:`~.ldo.LDO_MEASURES`, defined in :mod:`circuitforge.spice.ldo`),
then comparator ones (decision, delay, kickback and power: :data:`~.comparator.COMPARATOR_MEASURES`,
defined in :mod:`circuitforge.spice.comparator`)."""
SPEC_UNITS: dict[str, str] = {"gain": "dB", "ugbw": "Hz", "pm": "deg", "bw": "Hz", "power": "W",
                              "vout": "V", "dropout": "V", "line_reg": "V/V", "psrr": "dB", "undershoot": "V",
                              "decision": "", "delay": "s", "kickback": "V"}
Bound = Literal[">=", "<="]
AUTOCKT_TOLERANCE = 0.02
"""AutoCkt counts a target reached when every spec is within about 2 % of it."""

# how a quantity is compared: linear with a scale (dB, deg, V) or in decades (Hz, W, V/V)
_LOG = {"ugbw", "bw", "power", "line_reg", "delay", "kickback"}
_SCALE = {"gain": 20.0, "pm": 45.0, "psrr": 20.0, "vout": 0.5, "dropout": 0.2, "undershoot": 0.1,
          "decision": 0.5}
# quantities compared by magnitude: line regulation is signed (dVOUT/dVIN), its bound is on |.|
_ABS = {"line_reg"}
# centre of each quantity's normalised feature (observation of an environment)
_CENTRE = {"gain": 40.0, "pm": 60.0, "ugbw": 7.0, "bw": 5.0, "power": -4.0,
           "vout": 1.0, "dropout": 0.2, "line_reg": -2.0, "psrr": 40.0, "undershoot": 0.1,
           "decision": 0.5, "delay": -8.0, "kickback": -2.0}
_CLAUSE = re.compile(r"^\s*([A-Za-z_]+)\s*(>=|<=|=>|=<|>|<)\s*(\S.*?)\s*$")


def _fmt_value(name: str, v: float) -> str:
    return format_quantity(v, SPEC_UNITS[name], digits=4, sep="", ascii_micro=True)


def spec_feature(name: str, value: float) -> float:
    """A measured or target value on a normalised scale (dB/20, deg/45, decades), centred near 0."""
    if name in _ABS:
        value = abs(value)
    if name in _LOG:
        return math.log10(max(value, 1e-30)) - _CENTRE[name]
    return (value - _CENTRE[name]) / _SCALE[name]


@dataclass(frozen=True, slots=True)
class Clause:
    """One bound: ``name`` (:data:`SPEC_NAMES`) ``bound`` (``>=``/``<=``) ``value`` (SI units)."""

    name: str
    bound: Bound
    value: float

    def __post_init__(self) -> None:
        if self.name not in SPEC_NAMES:
            raise SpecError(f"unknown spec quantity {self.name!r} (expected one of {list(SPEC_NAMES)})")
        if self.bound not in get_args(Bound):
            raise SpecError(f"unknown bound {self.bound!r} for {self.name} (expected >= or <=)")
        if not math.isfinite(self.value) or (self.name in _LOG and self.value <= 0):
            raise SpecError(f"{self.name} bound must be a finite{' positive' if self.name in _LOG else ''} "
                            f"number, got {self.value!r}")

    def margin(self, measured: float | None) -> float:
        """Signed normalised margin: >= 0 when met; -inf-free (a missing value is -1)."""
        if measured is None or not math.isfinite(measured):
            return -1.0
        if self.name in _ABS:
            measured = abs(measured)
        if self.name in _LOG:
            d = math.log10(max(measured, 1e-30)) - math.log10(self.value)
        else:
            d = (measured - self.value) / _SCALE[self.name]
        return d if self.bound == ">=" else -d

    def met(self, measured: float | None, tolerance: float = 0.0) -> bool:
        if measured is None or not math.isfinite(measured):
            return False
        if self.name in _ABS:
            measured = abs(measured)
        slack = tolerance * abs(self.value)
        return measured >= self.value - slack if self.bound == ">=" else measured <= self.value + slack

    def __str__(self) -> str:
        return f"{self.name}{self.bound}{_fmt_value(self.name, self.value)}"


def _number(m: object) -> float | None:
    value = getattr(m, "value", m)
    if value is None:
        return None
    return float(value)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Spec:
    """A target: clauses in a fixed order, and a default ``tolerance`` for :meth:`met` (0: strict)."""

    clauses: tuple[Clause, ...]
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        if not self.clauses:
            raise SpecError("a spec needs at least one clause, e.g. 'gain>=60dB'")
        names = [c.name for c in self.clauses]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise SpecError(f"spec bounds {dup[0]} twice; give each quantity one bound")
        if not 0 <= self.tolerance < 1:
            raise SpecError(f"tolerance must be in [0, 1), got {self.tolerance}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.clauses)

    def clause(self, name: str) -> Clause:
        for c in self.clauses:
            if c.name == name:
                return c
        raise SpecError(f"spec {self} has no bound on {name!r}")

    def margins(self, measured: Mapping[str, object]) -> dict[str, float]:
        """Normalised margin per clause (>= 0 met; a missing or failed value counts -1)."""
        return {c.name: c.margin(_number(measured.get(c.name))) for c in self.clauses}

    def met(self, measured: Mapping[str, object] | None, tolerance: float | None = None) -> bool:
        """Every clause satisfied (strictly, unless a tolerance is given here or on the spec).

        Values may be floats or :class:`~circuitforge.spice.measure.Measurement`; None fails.
        """
        if measured is None:
            return False
        tol = self.tolerance if tolerance is None else tolerance
        return all(c.met(_number(measured.get(c.name)), tol) for c in self.clauses)

    def with_tolerance(self, tolerance: float) -> Spec:
        return Spec(self.clauses, tolerance)

    def values(self) -> dict[str, float]:
        return {c.name: c.value for c in self.clauses}

    def __str__(self) -> str:
        return ",".join(str(c) for c in self.clauses)

    def __repr__(self) -> str:
        tol = f", tolerance={self.tolerance:g}" if self.tolerance else ""
        return f"Spec({str(self)!r}{tol})"


def parse_spec(text: str, *, tolerance: float = 0.0) -> Spec:
    """Read ``"gain>=60dB,ugbw>=10MHz,pm>=60deg,power<=1mW"`` (``>`` reads as ``>=``).

    Units: dB for gain, Hz with an SI prefix (k, M or meg, G) for ugbw and bw,
    deg for pm, W with a prefix (mW, uW/µW, nW) for power; for LDOs V for vout,
    dropout and undershoot (``300mV``), V/V for line_reg (``10mV/V``: bounds its
    magnitude) and dB for psrr; for comparators s for delay (``2ns``), V for kickback, and a bare
    fraction for decision (``decision>=1``: every decision right); a bare number is in the base unit.
    Values follow :func:`~circuitforge.core.units.parse_quantity` (prefixes are case-sensitive: ``M``
    mega, ``m`` milli). Raises :class:`SpecError` naming the offending clause.

    >>> parse_spec("gain>=60dB,ugbw>=10MHz").values()
    {'gain': 60.0, 'ugbw': 10000000.0}
    >>> s = parse_spec("dropout<=300mV,line_reg<=10mV/V,psrr>=30dB")
    >>> s.met({"dropout": 0.2, "line_reg": -0.004, "psrr": 35.0}), s.met({"dropout": 0.2, "line_reg": -0.04, "psrr": 35.0})
    (True, False)
    >>> parse_spec("gain>=60dB,slew>=1")
    Traceback (most recent call last):
    ...
    circuitforge.rl.errors.SpecError: unknown spec quantity 'slew' in clause 'slew>=1' (expected one of ['gain', 'ugbw', 'pm', 'bw', 'power', 'vout', 'dropout', 'line_reg', 'psrr', 'undershoot', 'decision', 'delay', 'kickback'])
    """
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty spec; expected e.g. 'gain>=60dB,ugbw>=10MHz,pm>=60deg,power<=1mW'")
    clauses = []
    for part in text.split(","):
        if not part.strip():
            raise SpecError(f"empty clause in spec {text!r} (a stray comma?)")
        m = _CLAUSE.match(part)
        if m is None:
            raise SpecError(f"cannot read spec clause {part.strip()!r}: expected NAME>=VALUE[UNIT] or "
                            "NAME<=VALUE[UNIT], e.g. 'gain>=60dB' or 'power<=1mW'")
        name, op, quantity = m.groups()
        name = name.lower()
        if name not in SPEC_NAMES:
            raise SpecError(f"unknown spec quantity {name!r} in clause {part.strip()!r} "
                            f"(expected one of {list(SPEC_NAMES)})")
        bound: Bound = ">=" if op in (">=", "=>", ">") else "<="
        try:
            value = parse_quantity(quantity, SPEC_UNITS[name], what=name)
        except UnitError as exc:
            raise SpecError(f"{exc} in spec clause {part.strip()!r}") from None
        try:
            clauses.append(Clause(name, bound, value))
        except SpecError as exc:
            raise SpecError(f"{exc} in clause {part.strip()!r}") from None
    return Spec(tuple(clauses), tolerance)
