"""Generators: the grammar-guided topology generator (:mod:`.topology`: a small transformer over a
device–net token language whose grammar makes every sample structurally valid) and the link
predictor (:mod:`.linkpred`, missing connections).

Imports :mod:`circuitforge.netlists`, :mod:`circuitforge.graph` and :mod:`circuitforge.spice`.
"""
__all__: list[str] = []
