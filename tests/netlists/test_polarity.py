"""The one polarity rule, and that its callers agree with it."""

from __future__ import annotations

import pytest

from circuitforge.netlists import Device, Netlist, parse
from circuitforge.netlists.compare import topology_graph
from circuitforge.netlists.polarity import card_polarity, device_polarity, polarity_from_name
from circuitforge.netlists.values import Value


@pytest.mark.parametrize(("kind", "model", "pol"), [
    ("mosfet", "nmos4", "n"), ("mosfet", "pmos4", "p"), ("mosfet", "sky_pch", "p"), ("mosfet", "nch_lvt", "n"),
    ("mosfet", "sky130_fd_pr__pfet_01v8", "p"), ("mosfet", "sky130_fd_pr__nfet_01v8", "n"),
    ("bjt", "qpnp_hv", "p"), ("bjt", "npn", "n"), ("mosfet", "x1", None), ("mosfet", None, None),
])
def test_polarity_from_name(kind, model, pol) -> None:
    assert polarity_from_name(kind, model) == pol


def test_card_comes_before_the_name() -> None:
    n = parse("* t\nM1 d g 0 0 nfoo\nM2 d g 0 0 mydev\n.model nfoo pmos level=1\n.model mydev bsim4 type=n\n")
    assert [device_polarity(n, d) for d in n.devices] == ["p", "n"]
    assert card_polarity("bsim4", {"TYPE": Value.parse("p")}) == "p"
    assert n.models["nfoo"].polarity == "p"


def test_non_polar_kinds_have_none() -> None:
    r = Device("R1", "resistor", (("p", "a"), ("n", "0")), model="pres")
    assert device_polarity(None, r) is None


def test_callers_agree() -> None:
    from circuitforge.design.drawing import _device_class
    from circuitforge.graph.features import polarity

    n = Netlist("x", [Device("M1", "mosfet", (("d", "a"), ("g", "b"), ("s", "0"), ("b", "0")),
                             "sky130_fd_pr__pfet_01v8")])
    d = n.devices[0]
    labels = {lbl for _, lbl in topology_graph(n).nodes(data="label")}
    assert polarity(n, d) == "p" and "mosfet:p" in labels and _device_class(n, d) == "pmos"
