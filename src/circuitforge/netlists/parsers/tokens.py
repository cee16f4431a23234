"""Splitting a statement into words, keeping ``{...}``, ``'...'``, ``"..."`` and ``(...)`` whole."""

from __future__ import annotations

from ..errors import ParseError
from ..source import SourceLoc

__all__ = ["tokenize", "split_params", "is_assignment"]

_OPEN = {"{": "}", "(": ")", "[": "]"}
_BRACKETS = frozenset("{}()[]'\"")


def tokenize(text: str, loc: SourceLoc | None = None, *, commas: bool = False,
             split_parens: bool = False) -> list[str]:
    """Words of ``text``; ``a = b`` becomes ``a=b``.

    Brackets and quotes keep their contents in the word they belong to, so
    ``PULSE(0 1 1n)`` and ``w={l * 2}`` are one word each. With ``commas``,
    a comma at depth 0 separates words. With ``split_parens`` a ``(`` or ``)``
    at depth 0 that is not glued to a word (Spectre ``(a b)``) is a word of its own.
    """
    if not _BRACKETS.intersection(text) and not (commas and "," in text):
        if "=" not in text:
            return text.split()  # the common case: plain words
        return _glue(text.split())  # plain words and assignments (w=1u, Rser = 1)
    words: list[str] = []
    cur: list[str] = []
    stack: list[str] = []
    quote: str | None = None
    i = 0
    n = len(text)

    def flush() -> None:
        if cur:
            words.append("".join(cur))
            cur.clear()

    while i < n:
        ch = text[i]
        if quote is not None:
            cur.append(ch)
            if ch == quote:
                quote = None
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            cur.append(ch)
            i += 1
            continue
        if split_parens and not stack and ch in "()":
            flush()
            words.append(ch)
            i += 1
            continue
        if ch in _OPEN:
            stack.append(_OPEN[ch])
            cur.append(ch)
            i += 1
            continue
        if stack and ch == stack[-1]:
            stack.pop()
            cur.append(ch)
            i += 1
            continue
        if ch in ")}]" and not stack:
            raise ParseError(f"unbalanced {ch!r} at column {i + 1}", loc, text)
        if not stack and (ch.isspace() or (commas and ch == ",")):
            flush()
            i += 1
            continue
        cur.append(ch)
        i += 1
    if quote is not None:
        raise ParseError(f"unterminated {quote} quote", loc, text)
    if stack:
        raise ParseError(f"unbalanced brackets: missing {''.join(reversed(stack))!r}", loc, text)
    flush()
    return _glue(words)


def _glue(words: list[str]) -> list[str]:
    """Glue ``a = b``, ``a= b`` and ``a =b`` into ``a=b``."""
    out: list[str] = []
    j = 0
    while j < len(words):
        w = words[j]
        if w == "=" and out and j + 1 < len(words):
            out[-1] = out[-1] + "=" + words[j + 1]
            j += 2
            continue
        if w.endswith("=") and not w.startswith(("'", '"', "{")) and j + 1 < len(words) and w.count("=") == 1 \
                and not w.endswith(("==", "<=", ">=", "!=")):
            out.append(w + words[j + 1])
            j += 2
            continue
        if w.startswith("=") and len(w) > 1 and out:
            out[-1] = out[-1] + w
            j += 1
            continue
        out.append(w)
        j += 1
    return out


def is_assignment(word: str) -> bool:
    """``key=value`` with a plain key (not an expression containing ``==``)."""
    if "=" not in word or word.startswith(("{", "'", '"', "(")):
        return False
    key = word.split("=", 1)[0]
    return bool(key) and (key.replace("_", "a").replace(".", "a").replace("!", "a").isalnum())


def split_params(words: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Positional words before the first ``key=value``, and the assignments after."""
    pos: list[str] = []
    kv: list[tuple[str, str]] = []
    for w in words:
        if is_assignment(w):
            k, v = w.split("=", 1)
            kv.append((k, v))
        elif kv:
            # a bare word after assignments (``m=2 off``): keep it as a flag
            kv.append((w, ""))
        else:
            pos.append(w)
    return pos, kv
