"""Features: port classes, polarity, size encoding and its inverse, the saved spec."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from circuitforge.graph import (
    NET_ROLES,
    PORT_CLASSES,
    TERMINAL_CLASSES,
    FeatureSpec,
    GraphError,
    Normalizer,
    net_role,
    polarity,
    port_class,
    size_values,
    terminal_class,
)
from circuitforge.netlists import Device, ModelCard, Netlist


@pytest.mark.parametrize(("name", "role"), [
    ("VDD", "vdd"), ("AVDD", "vdd"), ("VCC", "vdd"), ("VSS", "vss"), ("GND", "vss"), ("VEE", "vss"),
    ("VIN1", "input"), ("VIN12", "input"), ("IIN1", "input"), ("VRF1", "input"), ("IN", "input"),
    ("VOUT1", "output"), ("IOUT2", "output"), ("VIF1", "output"),
    ("VB1", "bias_voltage"), ("VBB1", "bias_voltage"), ("VCM1", "bias_voltage"),
    ("IB1", "bias_current"), ("IREF1", "bias_current"),
    ("VCLK1", "clock"), ("VCKL1", "clock"), ("VTRACK1", "clock"), ("VHOLD1", "clock"), ("VLATCH1", "clock"),
    ("VLO1", "clock"),
    ("VREF1", "reference"), ("VCONT1", "control"), ("LOGICQ", "control"), ("VLOGICA", "control"),
    ("LOGICQA", "control"), ("net12", "other"), ("XYZ", "other"),
])
def test_port_roles(name: str, role: str) -> None:
    assert port_class(name) == role
    assert role in PORT_CLASSES


def test_every_corpus_port_gets_a_class_and_few_are_other(corpus) -> None:
    names = {p for c in corpus for p in c.ports}
    other = sorted(p for p in names if port_class(p) == "other")
    assert len(other) <= 2, other


def test_net_role_internal_ground_and_port() -> None:
    n = Netlist("x", [Device("R1", "resistor", (("p", "Vout1"), ("n", "0"))),
                      Device("R2", "resistor", (("p", "Vout1"), ("n", "mid")))], ports=["VOUT1"])
    assert [net_role(n, x) for x in ("Vout1", "0", "mid")] == ["output", "vss", "internal"]


def test_polarity_from_card_then_name() -> None:
    m = Device("M1", "mosfet", (("d", "a"), ("g", "b"), ("s", "0"), ("b", "0")), "xfet")
    n = Netlist("x", [m], models={"xfet": ModelCard("xfet", "pmos")})
    assert polarity(n, m) == "p"
    for model, pol in (("nmos4", "n"), ("pmos4", "p"), ("sky_pch_lvt", "p"), ("nch", "n"), ("zz", "none")):
        d = Device("M1", "mosfet", m.terminals, model)
        assert polarity(Netlist("x", [d]), d) == pol, model
    q = Device("Q1", "bjt", (("c", "a"), ("b", "b"), ("e", "0")), "qpnp_hv")
    assert polarity(Netlist("x", [q]), q) == "p"
    r = Device("R1", "resistor", (("p", "a"), ("n", "0")))
    assert polarity(Netlist("x", [r]), r) == "none"


def test_terminal_classes_are_kind_qualified(ota) -> None:
    m1 = ota.device("M1")
    assert [terminal_class(m1, j) for j in range(4)] == ["mosfet:d", "mosfet:g", "mosfet:s", "mosfet:b"]
    assert terminal_class(ota.device("Q1"), 1) == "bjt:b" != terminal_class(m1, 3)
    assert {terminal_class(ota.device("R1"), j) for j in range(2)} == {"passive"}
    assert terminal_class(ota.device("X1"), 2) == "macro:3"
    assert len(set(TERMINAL_CLASSES)) == len(TERMINAL_CLASSES)


def test_sizes_resolve_expressions_and_round_trip(ota) -> None:
    assert size_values(ota, ota.device("M1")) == {"w": 2e-6, "l": 0.5e-6, "m": 2.0}
    assert size_values(ota, ota.device("C1")) == {"value": 1e-12}
    assert size_values(ota, ota.device("X1")) == {}
    spec = FeatureSpec.fit([ota])
    x = spec.device_features(ota)
    assert x.shape == (len(ota.devices), spec.device_dim) and x.dtype == np.float32
    for row, dev in zip(x, ota.devices):
        kind, _, macro, params = spec.decode_device(row)
        assert kind == dev.kind
        assert (macro == "INVERTER") == (dev.kind == "subckt")
        for slot, value in size_values(ota, dev).items():
            name = {"value": {"capacitor": "c", "resistor": "r", "inductor": "l"}.get(dev.kind)}.get(slot, slot)
            assert math.isclose(params[name].number, value, rel_tol=1e-5), (dev.name, slot)
    # normalised: MOSFET widths fitted on this netlist are centred
    w = [row for row, d in zip(x, ota.devices) if d.kind == "mosfet"]
    assert abs(float(np.mean([r[spec._offsets()[2] + 1] for r in w]))) < 1e-5


def test_normalizer_fit_transform_inverse() -> None:
    nz = Normalizer({"mosfet.w": (-6.0, 0.5)})
    assert nz.transform("mosfet", "w", 1e-5) == pytest.approx(2.0)
    assert nz.inverse("mosfet", "w", nz.transform("mosfet", "w", 3.3e-6)) == pytest.approx(3.3e-6)
    assert nz.transform("resistor", "value", 1000.0) == pytest.approx(3.0)  # unfitted: plain log10


def test_spec_save_load_and_version_checks(tmp_path, ota) -> None:
    spec = FeatureSpec.fit([ota])
    path = tmp_path / "features.json"
    spec.save(path)
    loaded = FeatureSpec.load(path)
    assert loaded == spec and hash(loaded) == hash(spec)
    assert np.array_equal(loaded.device_features(ota), spec.device_features(ota))
    data = json.loads(path.read_text())
    data["terminal_classes"] = data["terminal_classes"][:-1]
    path.write_text(json.dumps(data))
    with pytest.raises(GraphError, match="terminal_classes differ"):
        FeatureSpec.load(path)
    path.write_text("{not json")
    with pytest.raises(GraphError, match="cannot read feature spec"):
        FeatureSpec.load(path)


def test_spec_is_frozen_and_decode_checks_shape(ota) -> None:
    spec = FeatureSpec.fit([ota])
    with pytest.raises(AttributeError):
        spec.macros = ()  # type: ignore[misc]
    with pytest.raises(GraphError, match="expected"):
        spec.decode_device(np.zeros(3))
    assert repr(spec) == (f"FeatureSpec(device_dim={spec.device_dim}, net_dim={len(NET_ROLES) + 1}, "
                          f"edge_dim={len(TERMINAL_CLASSES)}, macros=1, fitted={len(spec.normalizer.stats)})")


def test_unknown_macro_gets_the_unknown_slot(ota) -> None:
    spec = FeatureSpec()  # no macros fitted
    kind, _, macro, _ = spec.decode_device(spec.device_features(ota)[-1])
    assert (kind, macro) == ("subckt", "MACRO")
