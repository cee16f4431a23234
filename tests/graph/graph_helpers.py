"""Helpers shared by the graph tests (a module with a unique name, so imports never pick another conftest)."""

from __future__ import annotations

import random
from dataclasses import replace

from circuitforge.netlists import Netlist

SYMMETRIC = {"resistor", "capacitor", "inductor"}


def scramble(netlist: Netlist, rng: random.Random) -> Netlist:
    """The same circuit with devices and internal nets renamed at random, devices shuffled, R/C/L pins swapped."""
    keep = {p.lower() for p in (*netlist.ports, *netlist.globals)}
    nets = [n for n in netlist.nets() if n.lower() not in keep and not netlist.is_ground(n)]
    fresh = rng.sample(range(10 * len(nets) + 10), len(nets))
    net_map = {n: f"n_{k}" for n, k in zip(nets, fresh)}
    devs = []
    for i, d in enumerate(netlist.devices):
        d = d.with_nets(net_map).renamed(f"{d.name[0]}z{rng.randrange(10**6)}_{i}")
        if d.kind in SYMMETRIC and rng.random() < 0.5:
            (r1, n1), (r2, n2) = d.terminals
            d = replace(d, terminals=((r1, n2), (r2, n1)))
        devs.append(d)
    rng.shuffle(devs)
    return replace(netlist, devices=devs, title=netlist.title + " (scrambled)")


# BJT model "npn_hv", not "qnpn": netlists.compare reads polarity only from a model name that starts
# with it (re.match), so decoded models ("npn") would differ from "qnpn" (no polarity) there.
SMALL_CIRCUITS = {
    "ota5t": """* 5T OTA
.param wn=2u
M1 x inp tail 0 nmos w={wn} l=0.5u m=2
M2 out inn tail 0 nmos w={wn} l=0.5u m=2
M3 x x vdd vdd pmos w=4u l=0.5u
M4 out x vdd vdd pmos w=4u l=0.5u
M5 tail vb 0 0 nmos w=8u l=1u nf=4
C1 out 0 1p
R1 out fb 10k
L1 fb 0 1n
Q1 c1 vb 0 npn_hv area=2
D1 c1 vdd dmod area=3
X1 out inv_out vdd 0 INVERTER
.end
""",
}
