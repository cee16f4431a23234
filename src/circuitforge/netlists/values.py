"""Parameter values: a number, an expression, or a word, always with the text as written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import ExpressionError, ParseError
from .expressions import Expression
from .source import SourceLoc
from ..core.units import Dialect, format_number, try_parse_number

__all__ = ["Value"]


@dataclass(frozen=True, slots=True)
class Value:
    """One parameter value.

    ``text`` is what the netlist said (``4.7k``, ``{w*2}``, ``'w*2'``, ``nch``);
    ``number`` the SI value when it is known without context; ``expr`` the
    expression when it is one, and ``deps`` the parameters it needs.

    >>> Value.parse("10pF").number
    1e-11
    >>> v = Value.parse("{w*2}")
    >>> v.expr.text, sorted(v.deps), v.number
    ('w*2', ['w'], None)
    >>> Value.parse("'2*3'").number
    6.0
    """

    text: str
    number: float | None = None
    expr: Expression | None = None
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)

    @property
    def deps(self) -> frozenset[str]:
        return self.expr.deps if self.expr is not None else frozenset()

    @property
    def is_word(self) -> bool:
        """A bare word that is not a number or an expression (a model or source name, ``dc``)."""
        return self.number is None and self.expr is None

    @classmethod
    def of(cls, number: float, dialect: Dialect = "spice") -> Value:
        """A literal value from a float."""
        return cls(format_number(number, dialect), float(number))

    @classmethod
    def word(cls, text: str, loc: SourceLoc | None = None) -> Value:
        return cls(text, None, None, loc)

    @classmethod
    def parse(cls, text: str, dialect: Dialect = "spice", loc: SourceLoc | None = None,
              *, bare_expr: bool = False) -> Value:
        """Read a value as written in ``dialect``.

        ``{...}`` and ``'...'`` are expressions; with ``bare_expr`` (Spectre,
        or the right-hand side of ``.param``) so is anything that is neither a
        number nor a quoted string. Constant expressions get their number.
        """
        raw = text.strip()
        inner: str | None = None
        if len(raw) >= 2 and raw[0] == "{" and raw[-1] == "}":
            inner = raw[1:-1]
        elif len(raw) >= 2 and raw[0] == "'" and raw[-1] == "'":
            inner = raw[1:-1]
        if inner is None:
            num = try_parse_number(raw, dialect)
            if num is not None:
                return cls(raw, num, None, loc)
            if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
                return cls(raw, None, None, loc)
            if not bare_expr:
                return cls(raw, None, None, loc)
            inner = raw
        try:
            expr = Expression.parse(inner, dialect, loc)
        except ExpressionError as exc:
            if bare_expr and inner is raw:
                return cls(raw, None, None, loc)  # a word such as a model name or 'dc'
            raise ParseError(exc.message, loc, text) from None
        number: float | None = None
        if expr.is_constant:
            try:
                number = expr.evaluate({})
            except ExpressionError:
                number = None
        return cls(raw, number, expr, loc)

    def resolve(self, env: Mapping[str, float], *, case_sensitive: bool = False) -> float | None:
        """The number, evaluating the expression with ``env`` when needed (None if impossible)."""
        if self.number is not None:
            return self.number
        if self.expr is None:
            return None
        try:
            return self.expr.evaluate(env, case_sensitive=case_sensitive)
        except ExpressionError:
            return None

    def to_text(self, dialect: Dialect) -> str:
        """This value written for ``dialect``: the original text where it reads back the same."""
        if self.expr is not None:
            body = self.expr.to_text(dialect)
            return "{" + body + "}" if dialect == "spice" else _spectre_expr(body)
        if self.number is not None:
            if try_parse_number(self.text, dialect) == self.number:
                return self.text
            return format_number(self.number, dialect)
        return self.text

    def __str__(self) -> str:
        return self.text


def _spectre_expr(body: str) -> str:
    # a bare identifier or a call needs no parentheses; anything with operators gets them
    stripped = body.replace("_", "").replace(".", "")
    if stripped.isalnum() or (body.endswith(")") and body.split("(")[0].isidentifier()):
        return body
    if body.startswith("(") and body.endswith(")"):
        return body
    return "(" + body + ")"
