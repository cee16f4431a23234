"""Parametric microstrip structures and their solvers (scikit-rf, openEMS).

Not built yet: see the RF issue. Imports :mod:`circuitforge.netlists` only.
"""
__all__: list[str] = []
