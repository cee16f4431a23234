"""Testbenches that wrap an op-amp into decks for the standard measurements.

The amplifier is a :class:`~circuitforge.netlists.Netlist` holding a
``.subckt`` definition (instantiated as ``XDUT``), or a top-level netlist
whose nets carry the port names (voltage sources it attaches to those ports
are dropped: the testbench supplies them). Its missing model cards come from
a process (:func:`~circuitforge.spice.models.apply_process`).

Every builder returns a :class:`Testbench`: the deck, the analyses to run,
and which nets and sources play which role, so that the measurement
functions know the names. Supplies are ``VSUPPLY`` (``ports.vdd``) and
``VGROUND`` (``ports.vss``, 0 V); the output is ``ports.out``.

The open-loop decks close the loop at DC only: an inductor of
:data:`DC_FEEDBACK_L` henry from the output to the inverting input and a 1 F
capacitor from there to ground set the operating point of a follower while
the AC loop is open.

>>> from circuitforge.netlists import parse
>>> amp = parse(".subckt ota inp inn out vdd vss\\nE1 out 0 inp inn 1000\\n.ends\\n")
>>> tb = open_loop_ac(amp, "level1")
>>> tb.name, [a.kind for a in tb.analyses], tb.sources["input"]
('open_loop_ac', ['op', 'ac'], 'VIN')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from ..netlists import Netlist, parse
from ..netlists.errors import ResolutionError, ValidationError
from ..core.units import format_number
from ..netlists.values import Value
from .analyses import AC, DC, Analysis, Noise, Op, Tran
from .dut import CircuitInput, prepare_dut
from .models import Process, process

__all__ = [
    "AmpInput",
    "Servo",
    "SERVOS",
    "BiasKind",
    "BIAS_KINDS",
    "Supply",
    "SUPPLIES",
    "BiasPort",
    "OpampPorts",
    "Testbench",
    "DC_FEEDBACK_L",
    "DC_FEEDBACK_C",
    "dut_netlist",
    "open_loop_ac",
    "unity_follower_tran",
    "follower_op",
    "cmrr_ac",
    "psrr_ac",
    "output_swing_dc",
    "noise_deck",
]

Servo = Literal["differential", "output"]
SERVOS: tuple[str, ...] = get_args(Servo)
"""DC servos of a fully differential op-amp's open-loop deck (:func:`open_loop_ac`)."""
BiasKind = Literal["current", "voltage"]
BIAS_KINDS: tuple[str, ...] = get_args(BiasKind)
Supply = Literal["vdd", "vss"]
SUPPLIES: tuple[str, ...] = get_args(Supply)

DC_FEEDBACK_L = 1e9
"""Henry of the DC feedback inductor (6 GΩ at 1 Hz: it neither loads the output nor feeds back AC)."""
DC_FEEDBACK_C = 1.0
"""Farad from the inverting input to ground in the open-loop decks."""

AmpInput = CircuitInput

_CM_SERVO_GAIN = 100.0  # V/V from the output common-mode error to the bias port (a 1 % static error)
_DIFF_OUT = "od"
_SINGLE_OUT = "aout"
_SINGLE_SERVO_GAIN = 100.0  # V/V from the output's offset from mid-supply to the input (1 % of VDD at most)
_OUT_CM = "ocm"


@dataclass(frozen=True, slots=True)
class BiasPort:
    """An extra port of the amplifier driven by the testbench.

    ``kind="current"``: an ideal source of ``value`` ampere from the positive
    supply into the port (negative: drawn out of it). ``kind="voltage"``: the
    port held at ``value`` volt.

    >>> BiasPort("ibias", 20e-6)
    BiasPort(name='ibias', value=2e-05, kind='current')
    """

    name: str
    value: float
    kind: BiasKind = "current"

    def __post_init__(self) -> None:
        if self.kind not in BIAS_KINDS:
            raise ResolutionError(str(self.kind), BIAS_KINDS, f"kind of bias port {self.name!r}")


@dataclass(frozen=True, slots=True)
class OpampPorts:
    """Net (top level) or port (subcircuit) names of an op-amp's terminals.

    ``outn``: the inverting output of a fully differential op-amp (``out``
    is then the non-inverting one); None for a single-ended output.
    ``inn=None``: a single-input amplifier (a gain stage with one input,
    ``inp``), ``inverting`` saying whether its output falls when the input
    rises (the open-loop deck then measures ``-v(out)``, so that the gain is
    positive at DC either way); ``inverting`` means nothing with two inputs.

    >>> OpampPorts(bias=(BiasPort("ibias", 10e-6),)).names
    ('inp', 'inn', 'out', 'vdd', 'vss', 'ibias')
    >>> OpampPorts(out="outp", outn="outn").names
    ('inp', 'inn', 'outp', 'outn', 'vdd', 'vss')
    >>> OpampPorts(inp="vin", inn=None).names
    ('vin', 'out', 'vdd', 'vss')
    """

    inp: str = "inp"
    inn: str | None = "inn"
    out: str = "out"
    vdd: str = "vdd"
    vss: str = "vss"
    bias: tuple[BiasPort, ...] = ()
    outn: str | None = None
    inverting: bool = True

    @property
    def differential(self) -> bool:
        """True for a fully differential op-amp (two outputs)."""
        return self.outn is not None

    @property
    def single_input(self) -> bool:
        """True for a single-input amplifier (``inn`` is None)."""
        return self.inn is None

    @property
    def names(self) -> tuple[str, ...]:
        outs = (self.out,) if self.outn is None else (self.out, self.outn)
        ins = (self.inp,) if self.inn is None else (self.inp, self.inn)
        return (*ins, *outs, self.vdd, self.vss, *(b.name for b in self.bias))


def _two_inputs(ports: OpampPorts, what: str) -> str:
    """``ports.inn``, or a :class:`ValidationError` saying that ``what`` needs an op-amp's two inputs."""
    if ports.inn is None:
        raise ValidationError(f"{what} needs an op-amp's two inputs; {ports.inp!r} is the only input of this "
                              "single-input amplifier (only the open-loop deck, open_loop_ac, measures one)")
    return ports.inn


@dataclass(frozen=True, slots=True)
class Testbench:
    """A deck ready to simulate, the analyses to run on it, and the roles of its names.

    ``nodes`` maps roles (``out``, ``inp``, ``inn``, ``vdd``, ``input``...) to
    nets; ``sources`` maps roles (``vdd``, ``vss``, ``input``, ``ac``) to
    source names; ``info`` holds numbers the measurements need (``vdd``,
    ``vcm``, ``gain``, ``low``, ``high``, ``t_step``...).
    """

    __test__ = False  # not a pytest test class

    name: str
    netlist: Netlist = field(compare=False)
    analyses: tuple[Analysis, ...]
    nodes: Mapping[str, str]
    sources: Mapping[str, str]
    info: Mapping[str, float]

    def branch(self, role: str) -> str:
        """Name of the branch-current vector of the source playing ``role`` (``vsupply#branch``)."""
        return self.sources[role].lower() + "#branch"

    def __repr__(self) -> str:
        return (f"Testbench({self.name!r}, devices={len(self.netlist.devices)}, "
                f"analyses={[a.kind for a in self.analyses]})")


# ---------------------------------------------------------------------------------------------
# the device under test
# ---------------------------------------------------------------------------------------------

def dut_netlist(amp: AmpInput, proc: str | Process, ports: OpampPorts = OpampPorts(),
                subckt: str | None = None) -> Netlist:
    """The amplifier ready for a testbench: process cards added, top-level port sources removed.

    A subcircuit becomes the instance ``XDUT`` whose ports are wired to the
    nets named by ``ports`` (matched case-insensitively); a subcircuit port
    that is not among ``ports`` raises :class:`ValidationError`.

    >>> from circuitforge.netlists import parse
    >>> d = dut_netlist(parse(".subckt a inn inp out vss vdd\\nE1 out 0 inp inn 1k\\n.ends\\n"), "level1")
    >>> d.device("XDUT").nets
    ('inn', 'inp', 'out', 'vss', 'vdd')
    """
    return prepare_dut(amp, proc, ports.names, subckt=subckt, what="op-amp", hint="pass ports=OpampPorts(...)")


def _n(x: float) -> str:
    return format_number(float(x))


def _bench(name: str, amp: AmpInput, proc: str | Process, ports: OpampPorts, subckt: str | None,
           lines: list[str], analyses: list[Analysis], nodes: dict[str, str], sources: dict[str, str],
           info: dict[str, float], vdd: float | None,
           cm_servo: tuple[str, float] | None = None) -> Testbench:
    p = process(proc)
    supply = p.vdd if vdd is None else vdd
    dut = dut_netlist(amp, p, ports, subckt)
    common = [f"VSUPPLY {ports.vdd} 0 DC {_n(supply)}"]
    if not dut.is_ground(ports.vss):
        common.append(f"VGROUND {ports.vss} 0 DC 0")
    if cm_servo is not None and not any(b.name.lower() == cm_servo[0].lower() and b.kind == "voltage"
                                        for b in ports.bias):
        raise ValidationError(f"the common-mode servo drives bias port {cm_servo[0]!r}, which is not among the "
                              f"voltage bias ports {[b.name for b in ports.bias if b.kind == 'voltage']}")
    for i, b in enumerate(ports.bias):
        if b.kind == "current":
            common.append(f"IBIAS{i} {ports.vdd} {b.name} DC {_n(b.value)}")
        elif cm_servo is not None and b.name.lower() == cm_servo[0].lower():
            # the port moves with the low-passed output common mode: a common-mode feedback loop at DC only
            common += [f"VBIAS{i} cmsrv{i} 0 DC {_n(b.value)}",
                       f"EBIAS{i} {b.name} cmsrv{i} cmlp cm {_n(-_CM_SERVO_GAIN * cm_servo[1])}",
                       f"ECMBUF cmbuf 0 {_OUT_CM} 0 1", f"LCM cmbuf cmlp {_n(DC_FEEDBACK_L)}",
                       f"CCM cmlp 0 {_n(DC_FEEDBACK_C)}"]
        else:
            common.append(f"VBIAS{i} {b.name} 0 DC {_n(b.value)}")
    text = "* testbench\n" + "\n".join(
        [ln.replace("{vdd}", _n(supply)) for ln in common + lines]) + "\n.end\n"
    extra = parse(text).devices
    names = {d.name.lower() for d in dut.devices}
    clash = [d.name for d in extra if d.name.lower() in names]
    if clash:
        raise ValidationError(f"testbench device names {clash} are already used in the amplifier netlist")
    deck = dataclasses.replace(dut, title=f"{name}: {dut.title}".strip(": "),
                               devices=list(dut.devices) + extra)
    nodes = {"inp": ports.inp, **({} if ports.inn is None else {"inn": ports.inn}), "out": ports.out,
             "vdd": ports.vdd, "vss": ports.vss, **nodes}
    sources = {"vdd": "VSUPPLY", **({} if dut.is_ground(ports.vss) else {"vss": "VGROUND"}), **sources}
    info = {"vdd": supply, **info}
    return Testbench(name, deck, tuple(analyses), nodes, sources, info)


def _vcm(proc: str | Process, vcm: float | None, vdd: float | None) -> float:
    return vcm if vcm is not None else (process(proc).vdd if vdd is None else vdd) / 2


def _dc_loop(ports: OpampPorts, cl: float) -> list[str]:
    inn = _two_inputs(ports, "this deck's DC loop")
    return [f"LFB {ports.out} {inn} {_n(DC_FEEDBACK_L)}",
            f"CFB {inn} 0 {_n(DC_FEEDBACK_C)}",
            f"CL {ports.out} 0 {_n(cl)}"]


def _single_input_servo(ports: OpampPorts, cl: float, vcm: float, vdd: float | None,
                        proc: str | Process) -> list[str]:
    """Lines of a single-input amplifier's open-loop deck (see :func:`open_loop_ac`)."""
    mid = (process(proc).vdd if vdd is None else vdd) / 2
    sign = 1.0 if ports.inverting else -1.0  # an inverting stage's output rises when its input falls
    return [f"VCM cm 0 DC {_n(vcm)}", f"VMID mid 0 DC {_n(mid)}",
            # the servo: the low-passed output error moves the input's DC level (DC only: the 1 F
            # capacitor shorts the error at every AC frequency), so the output sits near mid-supply
            f"ESERVO srv 0 {ports.out} mid {_n(sign * _SINGLE_SERVO_GAIN)}",
            f"LFB srv srvlp {_n(DC_FEEDBACK_L)}", f"CFB srvlp 0 {_n(DC_FEEDBACK_C)}",
            f"VIN acin cm DC 0 AC 1", f"EIN {ports.inp} acin srvlp 0 1",
            f"CL {ports.out} 0 {_n(cl)}",
            # the measured node: the output, negated for an inverting stage (0 degrees at DC)
            f"EAOUT {_SINGLE_OUT} 0 {ports.out} 0 {_n(-sign)}"]


def _differential_servo(ports: OpampPorts, cl: float, v: float) -> list[str]:
    """Lines of the fully differential open-loop deck (see :func:`open_loop_ac`)."""
    if ports.outn is None:
        raise ValidationError("the differential servo needs the second output (OpampPorts(outn=...))")
    return [f"VCM cm 0 DC {_n(v)}",
            # the differential output, low-passed by the L-C pairs, steers the inputs apart (negative
            # feedback at DC only); the input common mode stays at vcm
            f"LFB {ports.out} fbp {_n(DC_FEEDBACK_L)}", f"CFB fbp 0 {_n(DC_FEEDBACK_C)}",
            f"LFBN {ports.outn} fbn {_n(DC_FEEDBACK_L)}", f"CFBN fbn 0 {_n(DC_FEEDBACK_C)}",
            "VIN acp cm DC 0 AC 0.5", "VINN acn cm DC 0 AC 0.5 180",
            f"ESERVOP {ports.inp} acp fbn fbp 0.5", f"ESERVON {ports.inn} acn fbp fbn 0.5",
            # differential output (the measured node) and output common mode (1 TΩ divider)
            f"EOD {_DIFF_OUT} 0 {ports.out} {ports.outn} 1",
            f"ROCMP {ports.out} {_OUT_CM} 1e12", f"ROCMN {ports.outn} {_OUT_CM} 1e12",
            f"CL {ports.out} 0 {_n(cl)}", f"CLN {ports.outn} 0 {_n(cl)}"]


# ---------------------------------------------------------------------------------------------
# builders
# ---------------------------------------------------------------------------------------------

def open_loop_ac(amp: AmpInput, proc: str | Process = "generic45", *, cl: float = 1e-12,
                 vcm: float | None = None, vdd: float | None = None, ports: OpampPorts = OpampPorts(),
                 subckt: str | None = None, fstart: float = 1.0, fstop: float = 100e9,
                 points: int = 20, servo: Servo = "differential",
                 cm_servo: tuple[str, float] | None = None) -> Testbench:
    """Open-loop gain: AC 1 V on the non-inverting input, DC loop through the big inductor.

    The DC servo: an inductor of :data:`DC_FEEDBACK_L` from the output to the
    inverting input and :data:`DC_FEEDBACK_C` from there to ground close the
    loop at DC only, so the operating point is that of a follower (the
    output sits at the input common mode ``vcm``) while the AC response is
    open loop. ``v(out)`` (node role ``ac_out``) is the open-loop gain A(f)
    (0° at DC); the ``op`` results give the supply current (``tb.branch("vdd")``).

    A fully differential op-amp (``ports.outn`` set) gets the differential
    version: both inputs at ``vcm`` plus and minus half the AC input and
    minus half the low-passed differential output (the servo), so that at DC
    the differential output is held near 0 while the input common mode
    stays at ``vcm``. The measured node (role ``ac_out``) is then the
    differential output ``v(out) - v(outn)``; the output common mode (role
    ``out_cm``, a 1 TΩ divider) is set by the op-amp's own common-mode
    feedback, and :func:`~circuitforge.spice.measure.output_common_mode`
    checks it at the operating point. A fully differential op-amp without
    common-mode feedback has no defined output common mode under that servo;
    ``servo="output"`` closes the single-ended DC loop of the one-output
    deck instead (``out`` to ``inn``: ``out`` sits at ``vcm`` and ``outn``
    near it by symmetry) and still measures the differential output.
    ``cm_servo=(port, sign)`` closes a common-mode loop for such an op-amp:
    the voltage bias port ``port`` moves from its value with the low-passed
    output common mode minus ``vcm`` (DC only), ``sign`` saying which way
    raising the port moves the output common mode (-1 for the gate of PMOS
    loads, +1 for NMOS loads).

    A single-input amplifier (``ports.inn`` None) has no inverting input to
    close the loop through, so its servo holds the output instead: the
    output's offset from mid-supply, times 100 and low-passed by the same
    L-C pair, moves the DC level of the one input (negative feedback for
    the stage's polarity, ``ports.inverting``), and the AC source rides on
    that level. The measured node (role ``ac_out``) is ``v(out)``, negated
    for an inverting stage, so that A(f) is at 0° at DC as for an op-amp
    and a phase margin means the margin of that stage in unity feedback.

    >>> fd = parse(".subckt fd inp inn op on vdd vss\\nE1 op on inp inn 1000\\n.ends\\n")
    >>> tb = open_loop_ac(fd, "level1", ports=OpampPorts(out="op", outn="on"))
    >>> tb.nodes["ac_out"], tb.nodes["out_cm"], tb.sources["ac"]
    ('od', 'ocm', 'VIN')
    >>> open_loop_ac(fd, "level1", ports=OpampPorts(out="op", outn="on"), servo="output").info["servo"]
    1.0
    """
    if servo not in SERVOS:
        raise ResolutionError(str(servo), SERVOS, "DC servo of the open-loop deck")
    v = _vcm(proc, vcm, vdd)
    if ports.differential and ports.single_input:
        raise ValidationError(f"a single-input amplifier with two outputs ({ports.out}, {ports.outn}) has no "
                              "open-loop deck: give it a second input or measure one output")
    if ports.differential and servo == "output":
        lines = [f"VCM cm 0 DC {_n(v)}", f"VIN {ports.inp} cm DC 0 AC 1", *_dc_loop(ports, cl),
                 f"CLN {ports.outn} 0 {_n(cl)}", f"EOD {_DIFF_OUT} 0 {ports.out} {ports.outn} 1",
                 f"ROCMP {ports.out} {_OUT_CM} 1e12", f"ROCMN {ports.outn} {_OUT_CM} 1e12"]
        return _bench("open_loop_ac", amp, proc, ports, subckt, lines, [Op(), AC(fstart, fstop, points)],
                      {"input": ports.inp, "ac_out": _DIFF_OUT, "out_cm": _OUT_CM, "outn": str(ports.outn)},
                      {"input": "VIN", "ac": "VIN"}, {"vcm": v, "cl": cl, "servo": 1.0}, vdd, cm_servo)
    if ports.differential:
        return _bench("open_loop_ac", amp, proc, ports, subckt, _differential_servo(ports, cl, v),
                      [Op(), AC(fstart, fstop, points)],
                      {"input": ports.inp, "ac_out": _DIFF_OUT, "out_cm": _OUT_CM, "outn": str(ports.outn)},
                      {"input": "VIN", "ac": "VIN"}, {"vcm": v, "cl": cl, "servo": 0.0}, vdd, cm_servo)
    if cm_servo is not None:
        raise ValidationError("a common-mode servo needs a fully differential op-amp (OpampPorts(outn=...))")
    if ports.single_input:
        return _bench("open_loop_ac", amp, proc, ports, subckt, _single_input_servo(ports, cl, v, vdd, proc),
                      [Op(), AC(fstart, fstop, points)], {"input": ports.inp, "ac_out": _SINGLE_OUT},
                      {"input": "VIN", "ac": "VIN"}, {"vcm": v, "cl": cl, "inverting": float(ports.inverting)}, vdd)
    lines = [f"VCM cm 0 DC {_n(v)}", f"VIN {ports.inp} cm DC 0 AC 1", *_dc_loop(ports, cl)]
    return _bench("open_loop_ac", amp, proc, ports, subckt, lines, [Op(), AC(fstart, fstop, points)],
                  {"input": ports.inp, "ac_out": ports.out}, {"input": "VIN", "ac": "VIN"},
                  {"vcm": v, "cl": cl}, vdd)


def follower_op(amp: AmpInput, proc: str | Process = "generic45", *, vcm: float | None = None,
                vdd: float | None = None, ports: OpampPorts = OpampPorts(),
                subckt: str | None = None) -> Testbench:
    """Unity-gain follower at its operating point: ``v(out) - v(inp)`` is the input offset."""
    v = _vcm(proc, vcm, vdd)
    lines = [f"VIN {ports.inp} 0 DC {_n(v)}", f"VFB {ports.out} {_two_inputs(ports, 'the follower')} DC 0"]
    return _bench("follower_op", amp, proc, ports, subckt, lines, [Op()], {"input": ports.inp},
                  {"input": "VIN"}, {"vcm": v}, vdd)


def unity_follower_tran(amp: AmpInput, proc: str | Process = "generic45", *, low: float | None = None,
                        high: float | None = None, delay: float = 5e-9, rise: float = 10e-12,
                        stop: float = 100e-9, step: float = 20e-12, cl: float = 1e-12,
                        vdd: float | None = None, ports: OpampPorts = OpampPorts(),
                        subckt: str | None = None) -> Testbench:
    """Unity-gain follower driven by a step from ``low`` to ``high`` at ``delay`` (slew, settling).

    Defaults: a step of 40 % of VDD centred on VDD/2.
    """
    supply = process(proc).vdd if vdd is None else vdd
    lo = supply * 0.3 if low is None else low
    hi = supply * 0.7 if high is None else high
    lines = [f"VIN {ports.inp} 0 PULSE({_n(lo)} {_n(hi)} {_n(delay)} {_n(rise)} {_n(rise)} 1 2)",
             f"VFB {ports.out} {_two_inputs(ports, 'the follower')} DC 0", f"CL {ports.out} 0 {_n(cl)}"]
    return _bench("unity_follower_tran", amp, proc, ports, subckt, lines,
                  [Tran(step, stop, 0.0, step)], {"input": ports.inp}, {"input": "VIN"},
                  {"low": lo, "high": hi, "t_step": delay + rise / 2, "cl": cl}, vdd)


def cmrr_ac(amp: AmpInput, proc: str | Process = "generic45", *, cl: float = 1e-12,
            vcm: float | None = None, vdd: float | None = None, ports: OpampPorts = OpampPorts(),
            subckt: str | None = None, fstart: float = 1.0, fstop: float = 10e9,
            points: int = 10) -> Testbench:
    """Common-mode gain: the same AC 1 V added to both inputs, DC loop as in :func:`open_loop_ac`.

    ``v(out)`` is A_cm(f); CMRR = A(f) / A_cm(f) with A from :func:`open_loop_ac`.
    """
    v = _vcm(proc, vcm, vdd)
    inn = _two_inputs(ports, "a common-mode gain")
    lines = [f"VCM cm 0 DC {_n(v)}", "VAC acin 0 DC 0 AC 1",
             f"EINP {ports.inp} cm acin 0 1", f"LFB {ports.out} fbdc {_n(DC_FEEDBACK_L)}",
             f"CFB fbdc 0 {_n(DC_FEEDBACK_C)}", f"EINN {inn} fbdc acin 0 1",
             f"CL {ports.out} 0 {_n(cl)}"]
    return _bench("cmrr_ac", amp, proc, ports, subckt, lines, [Op(), AC(fstart, fstop, points)],
                  {"input": "acin"}, {"ac": "VAC"}, {"vcm": v, "cl": cl}, vdd)


def psrr_ac(amp: AmpInput, proc: str | Process = "generic45", *, supply: Supply = "vdd",
            cl: float = 1e-12, vcm: float | None = None, vdd: float | None = None,
            ports: OpampPorts = OpampPorts(), subckt: str | None = None, fstart: float = 1.0,
            fstop: float = 10e9, points: int = 10) -> Testbench:
    """Supply gain: AC 1 V on the ``supply`` rail, inputs quiet, DC loop as in :func:`open_loop_ac`.

    ``v(out)`` is A_dd(f) (or A_ss); PSRR = A(f) / A_dd(f).
    """
    if supply not in SUPPLIES:
        raise ResolutionError(str(supply), SUPPLIES, "supply for PSRR")
    if supply == "vss" and (ports.vss.lower() in ("0", "gnd", "gnd!", "ground")):
        raise ValidationError("PSRR on vss needs a vss port that is not ground")
    v = _vcm(proc, vcm, vdd)
    lines = [f"VCM {ports.inp} 0 DC {_n(v)}", *_dc_loop(ports, cl)]
    tb = _bench("psrr_ac", amp, proc, ports, subckt, lines, [Op(), AC(fstart, fstop, points)],
                {"input": ports.vdd if supply == "vdd" else ports.vss}, {}, {"vcm": v, "cl": cl}, vdd)
    src = "VSUPPLY" if supply == "vdd" else "VGROUND"
    devices = [dataclasses.replace(d, params={**d.params, "mag": Value.of(1.0)})
               if d.name == src else d for d in tb.netlist.devices]
    return dataclasses.replace(tb, netlist=dataclasses.replace(tb.netlist, devices=devices),
                               sources={**tb.sources, "ac": src, "input": src})


def output_swing_dc(amp: AmpInput, proc: str | Process = "generic45", *, gain: float = 10.0,
                    rin: float = 100e3, vcm: float | None = None, vdd: float | None = None,
                    ports: OpampPorts = OpampPorts(), subckt: str | None = None,
                    points: int = 400) -> Testbench:
    """Inverting amplifier of gain ``-gain`` (``rin``, ``gain*rin``) swept so the output spans both rails.

    The DC sweep of ``VIN`` (source role ``input``, node ``input``) runs over
    ``vcm ± 0.6·VDD/gain``; the swing is where ``|d out / d in|`` stays near ``gain``.
    """
    if not gain > 0:
        raise ValueError(f"gain must be positive, got {gain}")
    supply = process(proc).vdd if vdd is None else vdd
    v = _vcm(proc, vcm, vdd)
    span = 0.6 * supply / gain
    inn = _two_inputs(ports, "the inverting-amplifier swing deck")
    lines = [f"VCM {ports.inp} 0 DC {_n(v)}", f"VIN vsig 0 DC {_n(v)}",
             f"RIN vsig {inn} {_n(rin)}", f"RF {inn} {ports.out} {_n(rin * gain)}"]
    sweep = DC("VIN", v - span, v + span, 2 * span / points)
    return _bench("output_swing_dc", amp, proc, ports, subckt, lines, [sweep], {"input": "vsig"},
                  {"input": "VIN"}, {"vcm": v, "gain": gain}, vdd)


def noise_deck(amp: AmpInput, proc: str | Process = "generic45", *, cl: float = 1e-12,
               vcm: float | None = None, vdd: float | None = None, ports: OpampPorts = OpampPorts(),
               subckt: str | None = None, fstart: float = 1.0, fstop: float = 1e9,
               points: int = 10) -> Testbench:
    """Noise of the open-loop deck: output noise at ``out`` and input-referred noise at ``VIN``."""
    tb = open_loop_ac(amp, proc, cl=cl, vcm=vcm, vdd=vdd, ports=ports, subckt=subckt,
                      fstart=fstart, fstop=fstop, points=points)
    analyses = (Op(), Noise(ports.out, "VIN", "0", fstart, fstop, points))
    return dataclasses.replace(tb, name="noise", analyses=analyses)
