"""Generators: the link predictor (:mod:`.linkpred`, missing connections) and, still to build, the
grammar-guided topology generator.

Imports :mod:`circuitforge.netlists` and :mod:`circuitforge.graph`.
"""
__all__: list[str] = []
