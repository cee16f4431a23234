"""Looking names up in tables, with SPICE's case-insensitivity when it applies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

__all__ = ["lookup"]

_T = TypeVar("_T")


def lookup(table: Mapping[str, _T], key: str, case_sensitive: bool) -> _T | None:
    """``table[key]``; when not ``case_sensitive`` also a key equal to ``key`` (lower case) ignoring case.

    >>> lookup({"NCH": 1}, "nch", case_sensitive=False), lookup({"NCH": 1}, "nch", case_sensitive=True)
    (1, None)
    """
    if key in table:
        return table[key]
    if not case_sensitive:
        for k, v in table.items():
            if k.lower() == key:
                return v
    return None
