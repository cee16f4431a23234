"""Is a generated topology an op-amp worth sizing? The interface rule and a two-simulation screen.

:func:`opamp_port_names` checks the ports (two inputs, one output, VDD, VSS). :func:`screen_topology`
turns the topology into a :class:`~circuitforge.rl.SizingProblem` (``SizingProblem.from_netlist``:
sizes and bias from :func:`~circuitforge.spice.bias.bias_default`, the inverting input found by
simulating both ways round) and simulates its start design once in the open-loop testbench; a
topology whose gain is not positive there is not sized.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..netlists import Netlist
from ..netlists.errors import ValidationError
from ..netlists.ports import find_opamp_ports
from ..rl import SizingProblem
from ..spice import MeasurementPredictor, Simulator
from ..spice.measure import Measurement

__all__ = ["opamp_port_names", "screen_topology"]


def opamp_port_names(ports: Sequence[str]) -> tuple[str, str, str, str, str]:
    """(VIN, VIN, VOUT, VDD, VSS) from port names (:func:`~circuitforge.netlists.ports.find_opamp_ports`),
    before the polarity is known.

    >>> opamp_port_names(["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VB1"])
    ('VIN1', 'VIN2', 'VOUT1', 'VDD', 'VSS')

    Raises :class:`ValidationError` when the ports are not an op-amp's (the finder says what is missing);
    two outputs (fully differential) are refused too: they need a common-mode feedback loop that the
    testbenches do not provide.
    """
    i = find_opamp_ports(list(ports))
    if i.differential:
        raise ValidationError(f"a single-ended op-amp needs one output, found 2 ({i.out}, {i.outn}); "
                              "fully differential outputs need CMFB")
    return i.inp, i.inn, i.out, i.vdd, i.vss


def screen_topology(topology: Netlist, process: str = "generic45", *, name: str | None = None,
                    simulator: Simulator | MeasurementPredictor | None = None) -> tuple[Any, dict[str, Measurement]]:
    """(sizing problem, measurements of its start design); raises :class:`ValidationError` when the
    interface is wrong or the start design does not amplify.

    >>> import dataclasses
    >>> from circuitforge.netlists import parse
    >>> ota = parse('''M1 (X VIN1 T VSS) nmos4
    ... M2 (VOUT1 VIN2 T VSS) nmos4
    ... M3 (X X VDD VDD) pmos4
    ... M4 (VOUT1 X VDD VDD) pmos4
    ... M5 (T VB1 VSS VSS) nmos4
    ... ''', dialect="spectre")
    >>> problem, m = screen_topology(dataclasses.replace(ota, ports=["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VB1"]))
    >>> (problem.ports.inp, problem.ports.inn), m["gain"].value > 20
    (('VIN1', 'VIN2'), True)
    """
    opamp_port_names(list(topology.ports))
    problem = SizingProblem.from_netlist(topology, process=process, name=name or topology.title or "opamp")
    m = problem.evaluate([problem.default_x], simulator)[0]
    gain = m["gain"].value
    if gain is None or gain <= 0 or m["ugbw"].value is None:
        why = m["gain"].reason if gain is None else f"gain {gain:.1f} dB"
        raise ValidationError(f"{name or topology.title or 'topology'} does not amplify at the default bias "
                              f"(either input as the inverting one): {why}")
    return problem, m
