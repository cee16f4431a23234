"""Helpers shared by the dialect tests."""

from __future__ import annotations

import pytest

from circuitforge.netlists import Netlist, parse, write
from circuitforge.netlists.compare import explain_difference, same_topology


def ngspice_round_trip(netlist: Netlist) -> Netlist:
    """Write ``netlist`` as ngspice text, read it back, and check the topology is unchanged."""
    text = write(netlist, "ngspice")
    back = parse(text, dialect="ngspice", resolve_includes=False)
    assert same_topology(netlist, back), f"{explain_difference(netlist, back)}\n{text}"
    return back


@pytest.fixture
def round_trip():
    return ngspice_round_trip
