"""Colour refinement shared by the exact comparison (netlists.compare) and the canonical hash (graph.hashing)."""

from __future__ import annotations

from circuitforge.netlists.refinement import refine_colours

PATH = [[("e", 1)], [("e", 0), ("e", 2)], [("e", 1), ("e", 3)], [("e", 2)]]
RING = [[("e", 1), ("e", 3)], [("e", 0), ("e", 2)], [("e", 1), ("e", 3)], [("e", 2), ("e", 0)]]


def test_integer_palette_refines_to_a_fixed_point() -> None:
    (cols,), rounds = refine_colours([[0] * 4], [PATH])
    assert cols[0] == cols[3] != cols[1] == cols[2] and rounds == 2


def test_two_graphs_with_different_histograms_are_refused() -> None:
    assert refine_colours([[0] * 4, [0] * 4], [PATH, RING], same_histogram=True) is None
    out = refine_colours([[0] * 4, [0] * 4], [RING, RING], same_histogram=True)
    assert out is not None and out[0][0] == out[0][1]


def test_custom_recolour_and_round_limit() -> None:
    (cols,), rounds = refine_colours([["a"] * 4], [PATH], lambda c, pairs: c + str(len(pairs)), max_rounds=1)
    assert cols == ["a1", "a2", "a2", "a1"] and rounds == 1


def test_hash_and_compare_share_it() -> None:
    import circuitforge.graph.hashing as hashing
    import circuitforge.netlists.compare as compare

    assert hashing.refine_colours is refine_colours is compare.refine_colours
