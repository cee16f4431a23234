"""End to end: from a spec to generated, sized and verified circuits with a report.

The top layer of the library (imports generators, rl, spice, graph, netlists); ``cli`` calls it.
"""

from .pipeline import Candidate, DesignRun, design
from .screen import opamp_port_names, screen_topology
from .verify import Verification, figure_of_merit, verify_opamp

__all__ = ["opamp_port_names", "screen_topology", "Candidate", "DesignRun", "design", "Verification",
           "figure_of_merit", "verify_opamp"]
