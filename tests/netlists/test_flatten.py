"""Tests of flatten(): hierarchical names, nets, parameters and hierarchy errors."""

from __future__ import annotations

import pytest

from circuitforge.netlists.device import Device
from circuitforge.netlists.errors import ValidationError
from circuitforge.netlists.flatten import flatten, parameter_env
from circuitforge.netlists.model import ModelCard
from circuitforge.netlists.netlist import Netlist, Subckt
from circuitforge.netlists.parsers import parse
from circuitforge.netlists.source import SourceLoc
from circuitforge.netlists.values import Value


def mos(name: str, d: str, g: str, s: str, b: str, model: str = "nch") -> Device:
    return Device(name, "mosfet", (("d", d), ("g", g), ("s", s), ("b", b)), model)


def inst(name: str, model: str, *nets: str, loc: SourceLoc | None = None, **params: str) -> Device:
    return Device(name, "subckt", tuple((str(i + 1), n) for i, n in enumerate(nets)), model,
                  {k: Value.parse(v) for k, v in params.items()}, loc)


def terminals(netlist: Netlist) -> dict[str, tuple[str, ...]]:
    return {d.name: d.nets for d in netlist.devices}


TWO_LEVEL = """* two level
.global vdd
X1 in out buf
.subckt buf a y
X1 a mid inv
X2 mid y inv
.subckt inv in out
M1 out in vdd vdd pch
M2 out in 0 0 nch
.ends inv
.ends buf
.end
"""


def test_two_level_hierarchy_gets_hierarchical_device_and_net_names() -> None:
    flat = flatten(parse(TWO_LEVEL))
    assert terminals(flat) == {
        "X1.X1.M1": ("X1.mid", "in", "vdd", "vdd"),
        "X1.X1.M2": ("X1.mid", "in", "0", "0"),
        "X1.X2.M1": ("out", "X1.mid", "vdd", "vdd"),
        "X1.X2.M2": ("out", "X1.mid", "0", "0"),
    }
    assert flat.subckts == {}
    assert [d.model for d in flat.devices] == ["pch", "nch", "pch", "nch"]


def test_built_from_constructors_with_internal_nets_two_levels_deep() -> None:
    inv = Subckt("inv", ("a", "y"), [mos("M1", "y", "a", "vdd", "vdd", "pch"),
                                     mos("M2", "y", "a", "n1", "gnd"),
                                     Device("R1", "resistor", (("p", "n1"), ("n", "0")))])
    buf = Subckt("buf", ("in", "out"), [inst("Xa", "inv", "in", "mid"),
                                        inst("Xb", "inv", "mid", "out")])
    top = Netlist("t", [inst("X7", "buf", "i", "o")], subckts={"inv": inv, "buf": buf},
                  globals=["VDD"])
    flat = flatten(top, separator="/")
    assert terminals(flat) == {
        "X7/Xa/M1": ("X7/mid", "i", "vdd", "vdd"),
        "X7/Xa/M2": ("X7/mid", "i", "X7/Xa/n1", "gnd"),
        "X7/Xa/R1": ("X7/Xa/n1", "0"),
        "X7/Xb/M1": ("o", "X7/mid", "vdd", "vdd"),
        "X7/Xb/M2": ("o", "X7/mid", "X7/Xb/n1", "gnd"),
        "X7/Xb/R1": ("X7/Xb/n1", "0"),
    }


def test_input_is_not_changed_and_other_parts_are_kept() -> None:
    n = parse(TWO_LEVEL.replace(".end\n", ".op\n.end\n"))
    before_devices = list(n.devices)
    flat = flatten(n)
    assert n.devices == before_devices and "buf" in n.subckts
    assert flat is not n and flat.title == n.title and flat.globals == n.globals
    assert [s.text for s in flat.statements] == [".op"]
    flat.devices.append(mos("M9", "a", "b", "c", "d"))
    assert len(n.devices) == 1


def test_parameters_pass_down_and_become_numbers() -> None:
    n = parse("""* params
.param rv=2k
X1 n1 n2 res r={2*rv}
X2 n2 0 res
.subckt res a b r=1k
R1 a b {r}
.ends
.end
""")
    flat = flatten(n)
    r1 = flat.device("X1.R1").params["r"]
    assert r1.number == pytest.approx(4000.0) and r1.expr is None
    assert flat.device("X2.R1").params["r"].number == pytest.approx(1000.0)
    assert n.subckts["res"].devices[0].params["r"].expr is not None  # input untouched


def test_defaults_may_use_earlier_defaults_and_nested_instances_see_parent_params() -> None:
    inner = Subckt("inner", ("a",), [Device("C1", "capacitor", (("p", "a"), ("n", "0")),
                                            params={"c": Value.parse("{cap*k}")})],
                   params={"k": Value.parse("1")})
    outer = Subckt("outer", ("a",), [inst("Xi", "inner", "a", k="{w/2}")],
                   params={"w": Value.parse("4"), "cap": Value.parse("{w*1p}")})
    top = Netlist("t", [inst("Xo", "outer", "x", w="10")], subckts={"inner": inner, "outer": outer})
    c = flatten(top).device("Xo.Xi.C1").params["c"]
    assert c.number == pytest.approx(10e-12 * 5)


def test_unresolvable_expression_is_kept() -> None:
    res = Subckt("res", ("a", "b"), [Device("R1", "resistor", (("p", "a"), ("n", "b")),
                                            params={"r": Value.parse("{unknown*2}")})])
    flat = flatten(Netlist("t", [inst("X1", "res", "p", "q")], subckts={"res": res}))
    assert flat.devices[0].params["r"].text == "{unknown*2}"


def test_parameter_env_evaluates_in_order() -> None:
    n = Netlist(params={"A": Value.parse("2"), "b": Value.parse("{a*3}", bare_expr=True),
                        "c": Value.parse("{nope}")})
    assert parameter_env(n) == {"a": 2.0, "b": 6.0}


def test_nested_definition_shadows_top_level_one() -> None:
    local_leaf = Subckt("leaf", ("a",), [Device("R1", "resistor", (("p", "a"), ("n", "0")))])
    top_leaf = Subckt("leaf", ("a",), [Device("C1", "capacitor", (("p", "a"), ("n", "0")))])
    user = Subckt("user", ("a",), [inst("X1", "leaf", "a")], subckts={"leaf": local_leaf})
    top = Netlist("t", [inst("Xu", "user", "n"), inst("Xl", "leaf", "m")],
                  subckts={"user": user, "leaf": top_leaf})
    assert [d.name for d in flatten(top).devices] == ["Xu.X1.R1", "Xl.C1"]


def test_model_card_local_to_a_definition_moves_to_the_top_level() -> None:
    card = ModelCard("nch", "pmos")
    sub = Subckt("s", ("a",), [mos("M1", "a", "a", "0", "0", "nch")], models={"nch": card})
    top = Netlist("t", [inst("X1", "s", "a"), mos("M2", "a", "a", "0", "0", "nch")],
                  subckts={"s": sub}, models={"nch": ModelCard("nch", "nmos")})
    flat = flatten(top, separator="_")
    assert flat.device("X1_M1").model == "s_nch"
    assert flat.models["s_nch"].type == "pmos" and flat.models["nch"].type == "nmos"
    assert set(top.models) == {"nch"}


def test_recursive_hierarchy_is_reported_with_its_path() -> None:
    a = Subckt("a", ("p",), [inst("Xb", "b", "p")])
    b = Subckt("b", ("p",), [inst("Xa", "a", "p", loc=SourceLoc("amp.cir", 7))])
    top = Netlist("t", [inst("X1", "a", "n")], subckts={"a": a, "b": b})
    with pytest.raises(ValidationError) as err:
        flatten(top)
    assert "a -> b -> a" in str(err.value) and "X1.Xb.Xa" in str(err.value)
    assert err.value.loc == SourceLoc("amp.cir", 7)


def test_direct_self_instance_is_recursive() -> None:
    n = parse("* loop\nX1 a loop\n.subckt loop p\nX9 p loop\n.ends\n.end\n")
    with pytest.raises(ValidationError, match="loop -> loop"):
        flatten(n)


def test_port_count_mismatch_names_instance_counts_and_location() -> None:
    n = parse("* bad\nX1 a b c inv\n.subckt inv in out\nM1 out in 0 0 nch\n.ends\n.end\n",
              filename="amp.cir")
    with pytest.raises(ValidationError) as err:
        flatten(n)
    assert err.value.message == "X1 has 3 nets but subcircuit 'inv' has 2 ports"
    assert str(err.value) == "amp.cir:2:1: X1 has 3 nets but subcircuit 'inv' has 2 ports"


def test_unknown_subcircuit_is_kept_with_mapped_nets_or_refused() -> None:
    wrap = Subckt("wrap", ("a",), [inst("X2", "mystery", "a", "inner")])
    top = Netlist("t", [inst("X1", "wrap", "n", loc=SourceLoc("top.cir", 3))],
                  subckts={"wrap": wrap, "other": Subckt("other", ())})
    flat = flatten(top)
    assert terminals(flat) == {"X1.X2": ("n", "X1.inner")}
    assert flat.devices[0].kind == "subckt" and flat.devices[0].model == "mystery"
    wrap.devices[0] = inst("X2", "mystery", "a", "inner", loc=SourceLoc("top.cir", 9))
    with pytest.raises(ValidationError) as err:
        flatten(top, keep_unknown=False)
    text = str(err.value)
    assert "X1.X2" in text and "'mystery'" in text and "top.cir:9" in text
    assert "['other', 'wrap']" in text


def test_netlist_method_delegates_to_flatten() -> None:
    assert [d.name for d in parse(TWO_LEVEL).flatten(separator=":").devices][0] == "X1:X1:M1"
