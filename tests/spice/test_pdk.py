"""A user's model library (``.lib file section`` corners) selected instead of the built-in cards."""

from __future__ import annotations

from pathlib import Path

import pytest

from circuitforge.examples import example_path
from circuitforge.netlists import ResolutionError, ValidationError
from circuitforge.spice.measure import measure_opamp
from circuitforge.spice.models import ProcessLibrary, load_pdk

LIB = """* a two-corner library
.lib tt
.model nch nmos (level=1 vto=0.45 kp=300u lambda=0.08 gamma=0.4 phi=0.7)
.model pch pmos (level=1 vto=-0.45 kp=120u lambda=0.1 gamma=0.4 phi=0.7)
.endl tt
.lib ss
.model nch nmos (level=1 vto=0.55 kp=200u lambda=0.08 gamma=0.4 phi=0.7)
.model pch pmos (level=1 vto=-0.55 kp=80u lambda=0.1 gamma=0.4 phi=0.7)
.endl ss
"""


def test_corners_load_register_and_simulate(tmp_path: Path):
    lib_file = tmp_path / "mypdk.lib"
    lib_file.write_text(LIB)
    lib = ProcessLibrary()
    tt = lib.register(load_pdk(lib_file, "tt", nmos="nch", pmos="pch", vdd=1.8, lmin=180e-9))
    ss = lib.register(load_pdk(lib_file, "ss", nmos="nch", pmos="pch", vdd=1.8, lmin=180e-9))
    assert lib.names() == ["generic180", "generic45", "level1", "mypdk.lib:ss", "mypdk.lib:tt"]
    assert lib.get("mypdk.lib:ss").nmos.param("vto").number == 0.55
    fast = measure_opamp(example_path("opamp_miller45.cir"), tt, which=("ugbw", "power"))
    slow = measure_opamp(example_path("opamp_miller45.cir"), lib.get("mypdk.lib:ss"), which=("ugbw", "power"))
    assert fast["ugbw"].ok and slow["ugbw"].ok, (fast, slow)
    assert slow["ugbw"].value < fast["ugbw"].value  # the slow corner is slower
    assert ss.vdd == 1.8


def test_bad_pdk_requests_name_the_choices(tmp_path: Path):
    lib_file = tmp_path / "mypdk.lib"
    lib_file.write_text(LIB)
    with pytest.raises(ResolutionError, match=r"'ff' among choices \['ss', 'tt'\]"):
        load_pdk(lib_file, "ff", nmos="nch", pmos="pch", vdd=1.8, lmin=180e-9)
    with pytest.raises(ResolutionError, match="nmos model"):
        load_pdk(lib_file, "tt", nmos="nfet", pmos="pch", vdd=1.8, lmin=180e-9)
    with pytest.raises(ValidationError, match="built-in"):
        ProcessLibrary().register(load_pdk(lib_file, "tt", nmos="nch", pmos="pch", vdd=1.8, lmin=180e-9,
                                           name="generic45"))
