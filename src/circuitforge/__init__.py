"""circuitforge: learned analog/RF circuit design.

One netlist IR (:mod:`circuitforge.netlists`) that reads and writes real-world
netlists; an ngspice bridge (:mod:`circuitforge.spice`); graphs and GNNs
(:mod:`circuitforge.graph`); generators, RL sizing and RF surrogates.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
