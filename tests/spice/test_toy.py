"""The toy MNA simulator agrees with ngspice on linear circuits (it is for tests above the bridge)."""

from __future__ import annotations

import numpy as np
import pytest

from circuitforge.spice import AC, DeckError, Op, Tran, simulate
from circuitforge.spice.toy import ToySimulator

LINEAR = """* every linear element
V1 in 0 DC 1 AC 1 30
I1 0 n3 DC 1m AC 0.5
R1 in n1 1k
C1 n1 0 1p
L1 n1 n2 1u
R2 n2 0 2k
E1 n4 0 n2 0 3
R4 n4 n5 500
G1 0 n5 n1 0 1m
R5 n5 0 1k
F1 0 n3 V1 2
R3 n3 0 1k
H1 n6 0 V1 100
R6 n6 0 1k
.subckt div a b
RA a m 1k
RB m b 1k
.ends
X1 n4 0 div
.end
"""


def test_toy_matches_ngspice_on_every_linear_element():
    analyses = [Op(), AC(1e3, 1e10, 10)]
    real = simulate(LINEAR, analyses)
    toy = ToySimulator().run(LINEAR, analyses)
    assert real.ok and toy.ok, (real.error, toy.error)
    for node in ("in", "n1", "n2", "n3", "n4", "n5", "n6", "v1#branch", "e1#branch"):
        assert toy["op"].value(node) == pytest.approx(real["op"].value(node), rel=1e-9, abs=1e-12), node
        np.testing.assert_allclose(toy["ac"][node], real["ac"][node], rtol=1e-6, atol=1e-12, err_msg=node)
    np.testing.assert_allclose(toy["ac"].sweep, real["ac"].sweep, rtol=1e-9)


def test_toy_refuses_what_it_cannot_do():
    toy = ToySimulator()
    r = toy.run("* m\nM1 d g 0 0 nch\nV1 d 0 1\nV2 g 0 1\n.model nch nmos\n.end\n", [Op()])
    assert isinstance(r.error, DeckError) and "linear devices only" in r.error.message
    assert isinstance(toy.run("* r\nR1 a 0 1k\nV1 a 0 1\n.end\n", [Tran(1e-9, 1e-6)]).error, DeckError)
    assert toy.run("* floating\nI1 0 a 1m\nC1 a 0 1p\n.end\n", [Op()]).error.kind == "convergence"
