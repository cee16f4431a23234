"""End to end: from a spec to generated, sized and verified circuits with a report.

The top layer of the library (imports generators, rl, spice, graph, netlists); ``cli`` calls it.
"""

from .amplifier import Amplifier, amplifier_from_topology, opamp_port_names
from .pipeline import Candidate, DesignRun, design
from .verify import Verification, figure_of_merit, verify_opamp

__all__ = ["Amplifier", "amplifier_from_topology", "opamp_port_names", "Candidate", "DesignRun", "design",
           "Verification", "figure_of_merit", "verify_opamp"]
