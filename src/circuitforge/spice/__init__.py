"""The ngspice bridge: isolated simulation workers, analyses and measurements.

Not built yet: see the ngspice bridge issue. Imports :mod:`circuitforge.netlists` only.
"""
__all__: list[str] = []
