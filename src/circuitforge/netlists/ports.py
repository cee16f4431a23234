"""Port roles: one vocabulary and one set of name rules, and the op-amp interface finder.

AnalogGenie circuits (and most hand-written netlists) say what a port is in its
name: ``VDD``, ``VSS``, ``VIN1``, ``VOUT1``, ``VB1`` (bias voltage), ``IB1``
(bias current), ``VCLK1``, ``VREF1``, ``VCONT1`` ... :func:`port_role` reads
the role from the name (:data:`PortRole`); biasing (``spice.bias``), graph
features (``graph.features``, which folds the roles into its ten feature
classes), ERC (:func:`supply_kind`), design screening and op-amp sizing all
ask here. :func:`find_opamp_ports` finds an op-amp's interface (two inputs,
one or two outputs, supplies, bias ports) or says exactly what is missing.

>>> [port_role(p) for p in ("VDD", "gnd!", "VIN2", "VOUTN", "VB3", "IB1", "VCM1", "VCLK2", "LOGICQ", "net7")]
['vdd', 'vss', 'input', 'output', 'bias_voltage', 'bias_current', 'common_mode', 'clock', 'logic', 'other']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from .errors import ValidationError

if TYPE_CHECKING:  # annotation only: netlist.py does not import this module either
    from .netlist import Netlist

__all__ = ["PORT_ROLES", "SUPPLY_KINDS", "OpampInterface", "PortRole", "SupplyKind", "find_opamp_ports",
           "input_sign", "port_role", "supply_kind"]

PortRole = Literal["vdd", "vss", "input", "output", "bias_voltage", "bias_current", "reference",
                   "common_mode", "control", "logic", "clock", "lo", "rf", "if", "current_input",
                   "current_output", "other"]
PORT_ROLES: tuple[str, ...] = get_args(PortRole)
"""Every port role: supplies, signal inputs/outputs, bias voltage/current, reference, common mode,
control (``VCONT``, ``VCTRL``, ``VTUNE``, ``EN``), logic levels, clocks, RF/LO/IF ports of mixers,
current-mode inputs/outputs (``IIN``, ``IOUT``), and ``other``."""

# Matched against the upper-case name with trailing digits removed (``VIN12`` -> ``VIN``);
# first match wins.
_RULES: tuple[tuple[str, PortRole], ...] = (
    (r"^(A|D)?V(DD|CC|PP)|^VPOS$|^SUPPLY$", "vdd"),
    (r"^(A|D)?(V(SS|EE)|GND)|^0$|^GROUND$|^VNEG$", "vss"),
    (r"^I(B|BIAS|REF)", "bias_current"),
    (r"^IIN", "current_input"),
    (r"^IOUT", "current_output"),
    (r"^V?REF", "reference"),
    (r"^VCM", "common_mode"),
    (r"^VB", "bias_voltage"),
    (r"^V?(CONT|CTRL|CTL|TUNE|EN)", "control"),
    (r"^V?LOGIC", "logic"),
    (r"^V?(CLK|CKL|CK|PHI|TRACK|HOLD|LATCH|RST|RESET)", "clock"),
    (r"^V?LO(P|N)?$", "lo"),
    (r"^V?RF(IN|P|N)?$", "rf"),
    (r"^V?IF(P|N)?$", "if"),
    (r"^VIN|^IN|^VI(P|N|M)$", "input"),
    (r"^VOUT|^OUT|^VO(P|N|M)$", "output"),
)


@functools.lru_cache(maxsize=4096)
def port_role(name: str) -> PortRole:
    """The role of a port from its name (AnalogGenie conventions and common spellings), else ``other``.

    >>> [port_role(p) for p in ("AVDD", "VEE", "INP", "VIN+", "VIP", "OUTN", "IREF", "VREF1", "VLO2", "IOUT1")]
    ['vdd', 'vss', 'input', 'input', 'input', 'output', 'bias_current', 'reference', 'lo', 'current_output']
    """
    up = name.strip().upper()
    stem = re.sub(r"\d+$", "", up) or up
    for pattern, role in _RULES:
        if re.search(pattern, stem):
            return role
    return "other"


SupplyKind = Literal["positive", "negative", "ground"]
SUPPLY_KINDS: tuple[str, ...] = get_args(SupplyKind)


def supply_kind(name: str) -> SupplyKind | None:
    """``positive`` (VDD, VCC, AVDD, ``vdd!``), ``negative`` (VEE, VNEG) or ``ground`` (VSS, GND, ``gnd!``,
    ``0``) for a supply net's name, else None.

    >>> supply_kind("vdd!"), supply_kind("VEE2"), supply_kind("agnd"), supply_kind("VIN1")
    ('positive', 'negative', 'ground', None)
    """
    role = port_role(name)
    if role == "vdd":
        return "positive"
    if role != "vss":
        return None
    return "negative" if re.match(r"^(A|D)?VEE|^VNEG", name.strip().upper()) else "ground"


def input_sign(name: str) -> int:
    """+1 for a non-inverting input's name (INP, VINP, VIP, IN+), -1 for an inverting one (INN, VINN,
    VIN, IN-, INM), 0 when the name does not say (VIN1, VIN2).

    >>> [input_sign(n) for n in ("VINP", "VIN-", "VIN2", "INM")]
    [1, -1, 0, -1]
    """
    u = name.strip().upper()
    if re.search(r"(P|\+|PLUS|POS)$", u):
        return 1
    if re.search(r"(N|M|-|MINUS|NEG)$", u):
        return -1
    return 0


@dataclass(frozen=True, slots=True)
class OpampInterface:
    """The ports of an op-amp: non-inverting and inverting input, output (and the second output of a
    fully differential one), supplies, bias ports, and whether the inputs' polarity is known from
    their names (``INP``/``INN``) or only assumed (``VIN1``/``VIN2``: try :meth:`swapped` too).

    A single-input amplifier (``find_opamp_ports(..., single_input=True)``: one input, such as the
    single-ended gain stages the AnalogGenie corpus files as op-amps) has ``inn=None``; ``inp`` is
    then its one input, of unknown polarity.

    >>> i = OpampInterface("VIN1", "VIN2", "VOUT1", "VDD", "VSS", bias=("VB1",))
    >>> i.swapped().inp, i.differential, i.names
    ('VIN2', False, ('VIN1', 'VIN2', 'VOUT1', 'VDD', 'VSS', 'VB1'))
    """

    inp: str
    inn: str | None
    out: str
    vdd: str
    vss: str
    outn: str | None = None
    bias: tuple[str, ...] = ()
    polarity_known: bool = False
    others: tuple[str, ...] = ()

    @property
    def differential(self) -> bool:
        """True for two outputs (a fully differential op-amp, which needs common-mode feedback)."""
        return self.outn is not None

    @property
    def single_input(self) -> bool:
        """True for an amplifier with one input (no inverting input: ``inn`` is None)."""
        return self.inn is None

    @property
    def names(self) -> tuple[str, ...]:
        """Every port the interface uses: inputs, output(s), supplies, bias ports."""
        outs = (self.out,) if self.outn is None else (self.out, self.outn)
        ins = (self.inp,) if self.inn is None else (self.inp, self.inn)
        return (*ins, *outs, self.vdd, self.vss, *self.bias)

    def swapped(self) -> OpampInterface:
        """The same interface with the inputs the other way round (a single-input one is returned as is)."""
        if self.inn is None:
            return self
        return OpampInterface(self.inn, self.inp, self.out, self.vdd, self.vss, self.outn, self.bias,
                              self.polarity_known, self.others)


_PAIRS = "VIN1/VIN2, VINP/VINN, VIP/VIN, INP/INN, VIN+/VIN-"


def _ordered_pair(a: str, b: str) -> tuple[str, str, bool]:
    """(non-inverting, inverting, known) for two inputs or outputs."""
    sa, sb = input_sign(a), input_sign(b)
    if sa > 0 or sb < 0:
        if not (sa < 0 or sb > 0):
            return a, b, True
    elif sa < 0 or sb > 0:
        return b, a, True
    return a, b, False


def find_opamp_ports(ports: Netlist | Sequence[str], *, single_input: bool = False) -> OpampInterface:
    """The op-amp interface among ``ports`` (names, or a netlist: its ports, else its nets with a role).

    Needs exactly two inputs (one is enough with ``single_input=True``: the interface of a
    single-input amplifier, ``inn=None``) (:data:`PortRole` ``input``), one or two outputs, a positive supply and a
    ground/negative supply (a named one before node ``0``); bias voltages and currents become ``bias``, other named ports ``others``.
    Inputs named ``..P``/``..N`` (or ``+``/``-``) are taken at their word; otherwise the first in
    natural order is taken as ``inp`` and ``polarity_known`` is False. Raises :class:`ValidationError`
    that names what is missing and lists the ports.

    >>> find_opamp_ports(["VDD", "VSS", "VIN2", "VIN1", "VOUT1", "VB1", "IB1"])
    OpampInterface(inp='VIN1', inn='VIN2', out='VOUT1', vdd='VDD', vss='VSS', outn=None, bias=('VB1', 'IB1'), polarity_known=False, others=())
    >>> i = find_opamp_ports(["VDD", "VSS", "VINN", "VINP", "VOUTN", "VOUTP", "VCM1"])
    >>> (i.inp, i.inn, i.out, i.outn, i.polarity_known, i.others)
    ('VINP', 'VINN', 'VOUTP', 'VOUTN', True, ('VCM1',))
    >>> find_opamp_ports(["VDD", "VSS", "VIN1", "VOUT1"])
    Traceback (most recent call last):
    ...
    circuitforge.netlists.errors.ValidationError: no second input among ports ['VDD', 'VSS', 'VIN1', 'VOUT1']: expected a pair like VIN1/VIN2, VINP/VINN, VIP/VIN, INP/INN, VIN+/VIN-
    >>> find_opamp_ports(["VDD", "VSS", "VIN1", "VOUT1"], single_input=True).names
    ('VIN1', 'VOUT1', 'VDD', 'VSS')
    """
    if isinstance(ports, (list, tuple)):
        names = [str(p) for p in ports]
    else:
        net = ports
        names = list(net.ports) or [n for n in net.nets() if port_role(n) != "other"]  # type: ignore[union-attr]
    by_role: dict[str, list[str]] = {}
    for n in names:
        by_role.setdefault(port_role(n), []).append(n)
    shown = f"ports {names}"
    ins = sorted(by_role.get("input", []), key=_natural)
    outs = sorted(by_role.get("output", []), key=_natural)
    vdd, vss = by_role.get("vdd", []), by_role.get("vss", [])
    if len(vss) > 1 and "0" in vss:  # node 0 beside a named VSS/GND: the named one is the op-amp's rail
        vss = [n for n in vss if n != "0"]
    if not ins:
        raise ValidationError(f"no input among {shown}: expected a pair like {_PAIRS}")
    if len(ins) == 1 and not single_input:
        raise ValidationError(f"no second input among {shown}: expected a pair like {_PAIRS}")
    if len(ins) > 2:
        raise ValidationError(f"{len(ins)} inputs ({', '.join(ins)}) among {shown}: an op-amp has one pair "
                              f"like {_PAIRS}")
    if not outs:
        raise ValidationError(f"no output among {shown}: expected VOUT, OUT, or a pair like VOUTP/VOUTN, "
                              "VOUT1/VOUT2")
    if len(outs) > 2:
        raise ValidationError(f"{len(outs)} outputs ({', '.join(outs)}) among {shown}: expected one (VOUT) "
                              "or a differential pair (VOUTP/VOUTN, VOUT1/VOUT2)")
    if not vdd:
        raise ValidationError(f"no positive supply among {shown}: expected VDD, VCC, AVDD or vdd!")
    if not vss:
        raise ValidationError(f"no ground or negative supply among {shown}: expected VSS, GND, VEE or gnd!")
    if len(vdd) > 1 or len(vss) > 1:
        raise ValidationError(f"supplies are ambiguous among {shown}: expected one positive ({vdd}) and one "
                              f"ground/negative ({vss})")
    inp, inn, known = _ordered_pair(*ins) if len(ins) == 2 else (ins[0], None, False)
    out, outn = outs[0], None
    if len(outs) == 2:
        out, outn, _ = _ordered_pair(*outs)
    bias = tuple(n for n in names if port_role(n) in ("bias_voltage", "bias_current"))
    used = {inp, inn, out, outn, vdd[0], vss[0], *bias}
    others = tuple(n for n in names if n not in used)
    return OpampInterface(inp, inn, out, vdd[0], vss[0], outn, bias, known, others)


def _natural(name: str) -> tuple[str, int]:
    m = re.match(r"^(.*?)(\d+)$", name)
    return (m.group(1).upper(), int(m.group(2))) if m else (name.upper(), -1)
