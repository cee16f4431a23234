"""Parameter expressions: parsed by our own small parser, never by ``eval``.

The same grammar serves ngspice ``{...}``, HSPICE ``'...'`` and Spectre's bare
expressions: numbers with engineering suffixes, identifiers, function calls,
``+ - * / ^ ** %``, comparisons, ``&& || !`` and ``c ? a : b``.

>>> e = Expression.parse("2*w + 1u")
>>> sorted(e.deps)
['w']
>>> e.evaluate({"w": 1e-6})
3e-06
>>> Expression.parse("{l*2}".strip("{}")).to_text("spectre")
'l*2'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ExpressionError
from .source import SourceLoc
from ..core.units import NUMBER_RE, Dialect, format_number, try_parse_number

__all__ = ["Expression", "FUNCTIONS", "CONSTANTS"]


def _limit(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


FUNCTIONS: Mapping[str, Callable[..., float]] = {
    "sqrt": math.sqrt, "exp": math.exp, "ln": math.log, "log": math.log, "log10": math.log10,
    "abs": abs, "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin,
    "acos": math.acos, "atan": math.atan, "atan2": math.atan2, "sinh": math.sinh,
    "cosh": math.cosh, "tanh": math.tanh, "min": min, "max": max, "pow": math.pow,
    "pwr": lambda a, b: math.copysign(abs(a) ** b, a), "int": lambda a: float(int(a)),
    "floor": math.floor, "ceil": math.ceil, "nint": lambda a: float(round(a)),
    "sgn": lambda a: float((a > 0) - (a < 0)), "sign": lambda a, b: math.copysign(abs(a), b),
    "limit": _limit, "db": lambda a: 20 * math.log10(abs(a)), "hypot": math.hypot,
}
"""Functions an expression may call (names are matched case-insensitively)."""

CONSTANTS: Mapping[str, float] = {"pi": math.pi, "e": math.e, "temper": 27.0, "temp": 27.0,
                                  "boltz": 1.380649e-23, "echarge": 1.602176634e-19,
                                  "kelvin": -273.15}
"""Names defined without a ``.param`` (ngspice/Spectre built-ins)."""

_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[A-Za-z_%\u00b5\u03bc]*)"
    r"|(?P<id>[A-Za-z_][A-Za-z0-9_.!]*)"
    r"|(?P<op>\*\*|&&|\|\||==|!=|<=|>=|[-+*/^%()<>!?:,]))"
)

_BINARY = {  # operator -> (precedence, right associative)
    "||": (1, False), "&&": (2, False), "==": (3, False), "!=": (3, False),
    "<": (4, False), ">": (4, False), "<=": (4, False), ">=": (4, False),
    "+": (5, False), "-": (5, False), "*": (6, False), "/": (6, False), "%": (6, False),
    "^": (8, True), "**": (8, True),
}


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed expression: its text, the tree and the parameters it depends on."""

    text: str
    tree: tuple = field(repr=False, compare=False)
    deps: frozenset[str] = field(default=frozenset(), compare=False)

    @classmethod
    def parse(cls, text: str, dialect: Dialect = "spice", loc: SourceLoc | None = None) -> Expression:
        """Parse ``text`` (without its ``{}``/``''`` delimiters)."""
        tree = _Parser(text, dialect, loc).parse()
        deps = frozenset(_deps(tree))
        return cls(text.strip(), tree, deps)

    @property
    def is_constant(self) -> bool:
        return not self.deps

    def evaluate(self, env: Mapping[str, float] | None = None, *, case_sensitive: bool = False) -> float:
        """The value with parameters taken from ``env`` (built-in constants added)."""
        scope: dict[str, float] = {}
        for k, v in CONSTANTS.items():
            scope[k] = v
        for k, v in (env or {}).items():
            scope[k if case_sensitive else k.lower()] = v
        try:
            return float(_eval(self.tree, scope, case_sensitive))
        except ExpressionError:
            raise
        except (ZeroDivisionError, ValueError, OverflowError, TypeError) as exc:
            raise ExpressionError(f"cannot evaluate expression: {exc}", None, self.text) from None

    def to_text(self, dialect: Dialect = "spice") -> str:
        """The expression written for ``dialect`` (numbers re-suffixed where needed)."""
        return _print(self.tree, dialect, 0)


class _Parser:
    def __init__(self, text: str, dialect: Dialect, loc: SourceLoc | None):
        self.text = text
        self.dialect = dialect
        self.loc = loc
        self.toks: list[tuple[str, str]] = []
        pos = 0
        n = len(text)
        while pos < n:
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise ExpressionError(f"unexpected character {text[pos]!r} at offset {pos} in expression",
                                      loc, text)
            kind = m.lastgroup
            assert kind is not None
            self.toks.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        t = self.peek()
        if t is None:
            raise ExpressionError("expression ends too early", self.loc, self.text)
        self.i += 1
        return t

    def expect(self, op: str) -> None:
        t = self.take()
        if t != ("op", op):
            raise ExpressionError(f"expected {op!r} but found {t[1]!r} in expression", self.loc, self.text)

    def parse(self) -> tuple:
        if not self.toks:
            raise ExpressionError("empty expression", self.loc, self.text)
        tree = self.ternary()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in expression", self.loc, self.text)  # type: ignore[index]
        return tree

    def ternary(self) -> tuple:
        cond = self.binary(0)
        if self.peek() == ("op", "?"):
            self.take()
            a = self.ternary()
            self.expect(":")
            b = self.ternary()
            return ("tern", cond, a, b)
        return cond

    def binary(self, min_prec: int) -> tuple:
        left = self.unary()
        while True:
            t = self.peek()
            if t is None or t[0] != "op" or t[1] not in _BINARY:
                return left
            prec, right = _BINARY[t[1]]
            if prec < min_prec:
                return left
            self.take()
            rhs = self.binary(prec if right else prec + 1)
            left = ("bin", t[1], left, rhs)

    def unary(self) -> tuple:
        t = self.peek()
        if t in (("op", "-"), ("op", "+"), ("op", "!")):
            self.take()
            return ("un", t[1], self.unary_power())  # type: ignore[index]
        return self.atom()

    def unary_power(self) -> tuple:
        # -x^2 is -(x^2)
        base = self.unary()
        t = self.peek()
        if t in (("op", "^"), ("op", "**")):
            self.take()
            return ("bin", t[1], base, self.unary())  # type: ignore[index]
        return base

    def atom(self) -> tuple:
        kind, val = self.take()
        if kind == "num":
            num = try_parse_number(val, self.dialect)
            if num is None:
                raise ExpressionError(f"bad number {val!r} in expression", self.loc, self.text)
            return ("num", num, val)
        if kind == "id":
            if self.peek() == ("op", "("):
                self.take()
                args: list[tuple] = []
                if self.peek() != ("op", ")"):
                    args.append(self.ternary())
                    while self.peek() == ("op", ","):
                        self.take()
                        args.append(self.ternary())
                self.expect(")")
                return ("call", val, tuple(args))
            return ("id", val)
        if val == "(":
            inner = self.ternary()
            self.expect(")")
            return ("par", inner)
        raise ExpressionError(f"unexpected {val!r} in expression", self.loc, self.text)


def _deps(tree: tuple) -> set[str]:
    tag = tree[0]
    if tag == "id":
        return set() if tree[1].lower() in CONSTANTS else {tree[1]}
    if tag == "num":
        return set()
    if tag == "call":
        out: set[str] = set()
        for a in tree[2]:
            out |= _deps(a)
        return out
    if tag == "par":
        return _deps(tree[1])
    if tag == "un":
        return _deps(tree[2])
    if tag == "bin":
        return _deps(tree[2]) | _deps(tree[3])
    if tag == "tern":
        return _deps(tree[1]) | _deps(tree[2]) | _deps(tree[3])
    raise AssertionError(tag)


def _eval(tree: tuple, env: dict[str, float], cs: bool) -> Any:
    tag = tree[0]
    if tag == "num":
        return tree[1]
    if tag == "id":
        key = tree[1] if cs else tree[1].lower()
        if key in env:
            return env[key]
        if tree[1].lower() in CONSTANTS:
            return CONSTANTS[tree[1].lower()]
        raise ExpressionError(f"undefined parameter {tree[1]!r}", None, tree[1])
    if tag == "par":
        return _eval(tree[1], env, cs)
    if tag == "call":
        fn = FUNCTIONS.get(tree[1].lower())
        if fn is None:
            raise ExpressionError(f"unknown function {tree[1]!r}; known: {sorted(FUNCTIONS)}", None, tree[1])
        return fn(*(_eval(a, env, cs) for a in tree[2]))
    if tag == "un":
        v = _eval(tree[2], env, cs)
        return -v if tree[1] == "-" else (v if tree[1] == "+" else float(not v))
    if tag == "tern":
        return _eval(tree[2], env, cs) if _eval(tree[1], env, cs) else _eval(tree[3], env, cs)
    op = tree[1]
    a = _eval(tree[2], env, cs)
    b = _eval(tree[3], env, cs)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op == "%":
        return math.fmod(a, b)
    if op in ("^", "**"):
        return a**b
    if op == "==":
        return float(a == b)
    if op == "!=":
        return float(a != b)
    if op == "<":
        return float(a < b)
    if op == ">":
        return float(a > b)
    if op == "<=":
        return float(a <= b)
    if op == ">=":
        return float(a >= b)
    if op == "&&":
        return float(bool(a) and bool(b))
    if op == "||":
        return float(bool(a) or bool(b))
    raise AssertionError(op)


def _print(tree: tuple, dialect: Dialect, prec: int) -> str:
    tag = tree[0]
    if tag == "num":
        text = tree[2]
        return text if try_parse_number(text, dialect) == tree[1] else format_number(tree[1], dialect)
    if tag == "id":
        return tree[1]
    if tag == "par":
        return "(" + _print(tree[1], dialect, 0) + ")"
    if tag == "call":
        return tree[1] + "(" + ", ".join(_print(a, dialect, 0) for a in tree[2]) + ")"
    if tag == "un":
        return tree[1] + _print(tree[2], dialect, 9)
    if tag == "tern":
        return f"{_print(tree[1], dialect, 1)} ? {_print(tree[2], dialect, 0)} : {_print(tree[3], dialect, 0)}"
    op = tree[1]
    p, _ = _BINARY[op]
    if dialect == "spectre" and op == "^":
        op = "**"  # Spectre has no '^' power operator
    s = f"{_print(tree[2], dialect, p)}{op}{_print(tree[3], dialect, p + 1)}"
    return f"({s})" if p < prec else s


def matches_number(text: str) -> bool:
    """True when ``text`` is a plain number (with optional suffix)."""
    return NUMBER_RE.fullmatch(text) is not None
