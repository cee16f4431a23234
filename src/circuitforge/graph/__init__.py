"""Graph views of a netlist (device–net bipartite, pin-level), PyG encoders, predictors.

Not built yet: see the graph issue. Imports :mod:`circuitforge.netlists` only.
"""
__all__: list[str] = []
