"""Family interfaces the grammar can enforce: which ports a sample declares and what they must drive.

An op-amp sample is only worth sizing when it *is* an op-amp: two inputs that drive transistor
gates, one output, and a signal path from each input to the output. The plain grammar guarantees
well-formed netlists with any port list; with an :class:`Interface` for the family,
:class:`~.grammar.GrammarState` also guarantees, by construction:

- the port list holds every ``required`` port and only ports of the ``extra_roles``
  (:func:`~circuitforge.netlists.ports.port_role`; op-amp: bias voltages and currents);
- an ``input`` port sits only on transistor gates (MOSFET ``g``, BJT ``b``);
- each input reaches an ``output`` port along transistor signal edges: gate → drain,
  gate → source (followers, a differential pair's common source) and source → drain (cascodes,
  common gate), never through a rail or another port (:func:`signal_reaches`).

The rule is a property of real circuits, not a guess: 426 of the 457 corpus op-amps with the
``VIN1``/``VIN2``/``VOUT1`` interface meet it for both inputs at ``VOUT1`` (most of the rest are
fully differential, the second input reaching ``VOUT2``).

>>> OPAMP.required
('VIN1', 'VIN2', 'VOUT1')
>>> OPAMP.allows("VB3"), OPAMP.allows("VCLK1"), OPAMP.allows("VOUT2")
(True, False, False)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ...netlists.ports import port_role

__all__ = ["Interface", "COMPARATOR", "LDO", "LDO_NO_PASS", "OPAMP", "OPAMP_UNPAIRED", "INTERFACES", "signal_edges", "signal_reaches"]


@dataclass(frozen=True, slots=True)
class Interface:
    """What a family's samples must declare and drive (see the module docstring)."""

    family: str
    required: tuple[str, ...]
    """Ports every sample declares (besides ``VSS`` and ``VDD``)."""
    inputs: tuple[str, ...]
    """Required ports that sit on transistor gates only and must reach an output."""
    outputs: tuple[str, ...]
    """Required ports the inputs must reach."""
    extra_roles: frozenset[str] = frozenset()
    """Port roles a sample may declare beyond the required ones."""
    pair: bool = False
    """The inputs drive one source-coupled pair (two inputs only): the first two devices are two
    transistors of one kind, input ``k`` on the gate of the ``k``-th only, their sources (emitters)
    on one new internal net (the tail), their drains on two different nets (each a new internal
    net or an output), their bulks on their polarity's rail or the tail; no other device touches
    an input."""
    pass_device: tuple[str, str] | None = None
    """``(supply side, output)``: the first device (after the pair, if any) is a pass transistor
    whose channel joins the two (an n-type one drain on the supply side, a p-type one drain on the
    output), its gate on a new internal net (:meth:`~.grammar.GrammarState._pass_options`)."""

    def allows(self, port: str) -> bool:
        """May a sample of this family declare ``port``?"""
        return port in ("VSS", "VDD") or port in self.required or port_role(port) in self.extra_roles


OPAMP = Interface("opamp", ("VIN1", "VIN2", "VOUT1"), ("VIN1", "VIN2"), ("VOUT1",),
                  frozenset({"bias_voltage", "bias_current"}), pair=True)
"""Single-ended op-amp: ``VIN1``, ``VIN2`` on the gates of one source-coupled pair, both reaching
``VOUT1``; ``VB*``/``IB*`` bias ports. The pair rule is what real op-amps do and the samples did
not: 442 of the 522 corpus op-amps have exactly that input pair (72 of the rest drive more
gates: complementary rail-to-rail pairs), 5 of 300 samples of the interface grammar without the
rule did (196 put an input on several gates, 72 mixed an n- and a p-type device); the first
fine-tuned generator without it learned inputs that add instead of subtract."""

OPAMP_UNPAIRED = dataclasses.replace(OPAMP, pair=False)
""":data:`OPAMP` without the input-pair rule (the interface grammar before it; for comparisons)."""

LDO = Interface("ldo", ("VIN1", "VOUT1", "VREF1"), ("VREF1",), ("VOUT1",),
               frozenset({"bias_voltage", "bias_current"}), pass_device=("VIN1", "VOUT1"))
"""LDO: an unregulated input ``VIN1``, a regulated output ``VOUT1`` and a reference ``VREF1`` on
transistor gates (the error amplifier's) that reaches ``VOUT1``; ``VB*``/``IB*`` bias ports; a
pass transistor from ``VIN1`` to ``VOUT1`` first (every one of the 238 readable corpus LDOs has
one: 156 n-type with the bulk on ``VOUT1``, 82 p-type with the bulk on ``VDD``; 1 of 60 samples
without the rule). The LDO sizing testbench (:mod:`circuitforge.rl.sizing.ldo`) needs those
three ports and the pass device."""

LDO_NO_PASS = dataclasses.replace(LDO, pass_device=None)
""":data:`LDO` without the pass-device rule (for comparisons)."""

COMPARATOR = Interface("comparator", ("VIN1", "VIN2", "VOUT1"), ("VIN1", "VIN2"), ("VOUT1",),
                       frozenset({"bias_voltage", "bias_current", "clock"}), pair=True)
"""Comparator: ``VIN1``, ``VIN2`` on the gates of one source-coupled pair, both reaching ``VOUT1``
(single-ended: the grammar's output rules allow one output with one pull each way); ``VB*``/``IB*``
bias ports and ``VCLK*`` clocks. 27 of the 49 corpus comparators have two inputs and one or two
outputs (24 of them differential outputs, 23 clocked: latches, which the single-output rule cannot
write); the comparator sizing testbench (:mod:`circuitforge.rl.sizing.comparator`) drives a clock
port when there is one."""

INTERFACES: Mapping[str, Interface] = {"opamp": OPAMP, "ldo": LDO, "comparator": COMPARATOR}
"""The default interfaces by family (families not named here sample with the plain grammar)."""


def signal_edges(kind: str, nets: tuple[str, ...] | tuple[int, ...]) -> list[tuple]:
    """Directed signal edges of one device (its nets in the token role order: MOSFET ``d g s b``,
    BJT ``c b e s``): gate → drain, gate → source, source → drain; none for two-terminal devices.

    >>> signal_edges("nmos", ("out", "in", "tail", "VSS"))
    [('in', 'out'), ('in', 'tail'), ('tail', 'out')]
    """
    if kind not in ("nmos", "pmos", "npn", "pnp"):
        return []
    d, g, s = nets[0], nets[1], nets[2]
    return [(g, d), (g, s), (s, d)]


def signal_reaches(adjacency: Mapping, source, targets: Iterable, blocked: Iterable) -> bool:
    """Does ``source`` reach one of ``targets`` along ``adjacency`` (net → nets) without passing
    through a ``blocked`` net (rails, other ports)?

    >>> signal_reaches({"a": {"b"}, "b": {"VDD"}, "VDD": {"c"}}, "a", ["c"], ["VDD"])
    False
    """
    goal, stop = set(targets), set(blocked)
    seen, todo = {source}, [source]
    while todo:
        for v in adjacency.get(todo.pop(), ()):
            if v in goal:
                return True
            if v in seen or v in stop:
                continue
            seen.add(v)
            todo.append(v)
    return False
