"""The distinct-topology counts of benchmarks/generator_function.py: padding does not make a new amplifier."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from circuitforge.netlists import parse

_SPEC = importlib.util.spec_from_file_location(
    "generator_function", Path(__file__).parents[2] / "benchmarks" / "generator_function.py")
gf = importlib.util.module_from_spec(_SPEC)
sys.modules.setdefault("generator_function", gf)  # its dataclasses look their module up
_SPEC.loader.exec_module(gf)

OTA = """* five-transistor OTA
M0 VOUT1 VIN1 t VSS nmos4
M1 a VIN2 t VSS nmos4
M2 t VB1 VSS VSS nmos4
M3 a a VDD VDD pmos4
M4 VOUT1 a VDD VDD pmos4
"""


def _net(text: str):
    n = parse(text + ".end\n", dialect="ngspice")
    n.ports = ["VSS", "VDD", "VIN1", "VIN2", "VOUT1", "VB1"]
    return n


def test_core_hash_drops_padding_but_not_the_amplifier():
    base = _net(OTA)
    padded = _net(OTA + "M5 x x VDD VDD pmos4\nM6 x x VSS VSS nmos4\n")  # a diode stack no signal crosses
    copy = _net(OTA + "M7 VOUT1 a VDD VDD pmos4\n")  # a parallel copy of the output device
    loaded = _net(OTA + "R0 VOUT1 VSS\n")  # a real change on the output
    assert gf.canonical_hash(padded) != gf.canonical_hash(base)
    assert gf.core_hash(padded) == gf.core_hash(base) == gf.core_hash(copy)
    assert gf.merged_hash(copy) == gf.merged_hash(base)
    assert gf.core_hash(loaded) != gf.core_hash(base)
