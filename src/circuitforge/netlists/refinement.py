"""Colour refinement (1-dimensional Weisfeiler–Lehman) over edge-labelled graphs.

One implementation for the exact isomorphism test of :mod:`.compare` (integer
colours, two graphs refined together) and the canonical hash of
:mod:`circuitforge.graph.hashing` (colours that are hashes, so they compare
across graphs). A graph is its node colours and an adjacency list
``node -> [(edge label, neighbour)]``.

>>> cols, rounds = refine_colours([["a", "a", "a"]], [[[("e", 1)], [("e", 0), ("e", 2)], [("e", 1)]]])
>>> c = cols[0]
>>> c[0] == c[2] != c[1], rounds  # round 2 splits nothing: stable
(True, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

__all__ = ["Adjacency", "Recolour", "refine_colours"]

_C = TypeVar("_C", bound=Hashable)

Adjacency = Sequence[Sequence[tuple[Hashable, int]]]
"""``adj[i]``: the (edge label, neighbour index) pairs of node ``i``."""

Recolour = Callable[[_C, list[tuple[Hashable, _C]]], _C]
"""The new colour of a node from its colour and its (edge label, neighbour colour) pairs, unsorted."""


def refine_colours(colourings: Sequence[Sequence[_C]], adjs: Sequence[Adjacency],
                   recolour: Recolour | None = None, *, max_rounds: int | None = None,
                   same_histogram: bool = False) -> tuple[list[list[_C]], int] | None:
    """Refine the colourings of one or more graphs together until no class splits; (colourings, rounds).

    Each round gives every node the colour ``recolour(own colour, [(edge label, neighbour colour)])``.
    Without ``recolour``, colours are small integers from a palette shared by all the graphs in that
    round (equal signatures, equal colours, in any of the graphs). Refinement stops after the first
    round that does not increase the number of distinct colours (over all graphs), or after
    ``max_rounds``; the colours of that last round are returned. With ``same_histogram`` it returns
    None as soon as two graphs' colour histograms differ (they cannot be isomorphic).

    >>> ring = [[(0, 1), (0, 2)], [(0, 0), (0, 2)], [(0, 0), (0, 1)]]
    >>> path = [[(0, 1)], [(0, 0), (0, 2)], [(0, 1)]]
    >>> refine_colours([[0, 0, 0], [0, 0, 0]], [ring, path], same_histogram=True) is None
    True
    """
    if len(colourings) != len(adjs):
        raise ValueError(f"{len(colourings)} colourings for {len(adjs)} graphs")
    cols: list[list[_C]] = [list(c) for c in colourings]
    classes = len(set().union(*cols)) if cols else 0
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        step = recolour
        if step is None:
            palette: dict[object, int] = {}

            def step(c: object, pairs: list[tuple[Hashable, object]]) -> int:  # type: ignore[misc]
                return palette.setdefault((c, tuple(sorted(pairs))), len(palette))  # type: ignore[arg-type]
        new = [[step(c, [(e, col[j]) for e, j in nbrs]) for c, nbrs in zip(col, adj)]
               for col, adj in zip(cols, adjs)]
        rounds += 1
        if same_histogram and any(sorted(n) != sorted(new[0]) for n in new[1:]):  # type: ignore[type-var]
            return None
        n_new = len(set().union(*new))
        cols = new  # type: ignore[assignment]
        if n_new == classes:
            break
        classes = n_new
    return cols, rounds
