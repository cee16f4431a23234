"""Union–find over hashable items (net names, graph nodes): one implementation for every layer."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["UnionFind"]

_T = TypeVar("_T", bound=Hashable)


class UnionFind(Generic[_T]):
    """Disjoint sets with path compression.

    >>> uf = UnionFind()
    >>> uf.union("a", "b"), uf.union("b", "a"), uf.find("a") == uf.find("b"), uf.find("c") == uf.find("a")
    (True, False, True, False)
    """

    def __init__(self) -> None:
        self.parent: dict[_T, _T] = {}

    def find(self, x: _T) -> _T:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: _T, b: _T) -> bool:
        """Join ``a`` and ``b``; False when they were already joined."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[ra] = rb
        return True
