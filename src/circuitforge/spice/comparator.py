"""Comparators, continuous and clocked: testbenches and measurements.

A comparator has a differential input ``inp``/``inn``, an output ``out``
(and ``outn`` for a differential one), supplies, and for a clocked one
(a latch such as the StrongARM) a clock ``clk`` and possibly its complement
``clkb``. The decision is the sign of the *output signal*: ``v(out) -
v(outn)`` for a differential output, ``v(out) - (VDD + VSS)/2`` for a
single-ended one; it should be the sign of ``v(inp) - v(inn)``.

The inputs are driven from ideal sources around ``vcm`` through a source
resistance ``rs`` each, so that the disturbance the comparator sends back to
its inputs (kickback) shows. :func:`comparator_testbench` builds two decks:

- ``kind="decide"``: a transient of four decisions at ``±ovd``: for a clocked
  comparator one per clock cycle, ``+ovd``, ``+ovd``, ``-ovd``, ``-ovd`` (the
  input changes an eighth of a cycle into the reset phase; clock low = reset,
  high = evaluate), so that a circuit that toggles every cycle or decides one
  cycle late gets two of the four wrong (with ``+ -  + -`` a toggle passed, and
  a one-cycle-late one passed with its inputs swapped); for a continuous one
  the input alternates ``+ovd``, ``-ovd``, ``+ovd``, ``-ovd``, a level every
  half ``step_period``;
- ``kind="offset"``: a DC sweep of the differential input over ``±range``
  (continuous), or a transient ramp over ``±range`` across ``ramp_cycles``
  clock cycles, one decision per cycle (clocked).

The measurements (:func:`measure_comparator`, names in :data:`COMPARATOR_MEASUREMENTS`):

``delay``
    propagation delay (s): from the input edge (continuous) or the clock's
    rising edge (clocked), at their midpoints, to the output signal reaching
    the new decision's side: crossing mid-rail (single-ended), crossing 0
    (continuous differential), or reaching half its value at the end of the
    evaluation phase (clocked differential, whose outputs start together at
    reset). The worst over the edges that need a transition; ``info`` holds each.
``offset``
    input offset (V): the source in series with ``inp`` that would make the
    comparator trip at zero differential input, i.e. minus the differential
    input at which the decision flips (clocked: midway between the two
    ramp steps around the flip, a resolution of ``2·range/ramp_cycles``).
``decision``
    the fraction of the ``decide`` deck's four decisions (``+ovd`` and
    ``-ovd``, twice each, with the source resistance in place) that are
    right: 1.0 when every one is, else 0.75 ... 0.0 with the wrong ones as
    the reason (a fraction, not a flag, so that a sizing search has a
    slope to climb: ``decision>=1`` asks for all four).
``kickback``
    clocked only: the largest ``|v(input node) - v(its ideal source)|`` (V)
    over the evaluation phases (the inputs are quiet there, so all of it is
    sent back by the comparator); ``info`` also gives the differential part.
``power``
    the supply's mean power over the ``decide`` deck (W): ``VDD`` times the
    time average of the ``VSUPPLY`` current, bias-port currents included
    (they are drawn from it); the clock drivers' power is not counted.

>>> import numpy as np
>>> t = np.linspace(0, 10e-9, 1001)
>>> s = 0.9 * np.tanh((t - 2.3e-9) / 50e-12)       # the output flips 300 ps after the edge at 2 ns
>>> propagation_delay(t, s, edges=[(2e-9, 1)], threshold=0.0)
Measurement('delay', 3e-10 s)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from ..core.units import format_number
from ..netlists import Netlist
from ..netlists.errors import ResolutionError
from ..netlists.ports import find_opamp_ports, port_role
from .analyses import DC, Analysis, Op, Tran
from .dut import CircuitInput, assemble, prepare_dut
from .measure import Measurement, real_series
from .models import Process, process
from .results import SimResult
from .simulator import simulate as _default_simulate
from .testbench import BiasPort, Testbench

__all__ = [
    "ComparatorPorts",
    "ComparatorConditions",
    "ComparatorDeck",
    "COMPARATOR_DECKS",
    "ComparatorMeasureName",
    "COMPARATOR_MEASUREMENTS",
    "COMPARATOR_UNITS",
    "comparator_testbench",
    "propagation_delay",
    "decisions",
    "trip_offset",
    "ramp_offset",
    "kickback",
    "mean_power",
    "measure_comparator",
    "comparator_measurement",
]

ComparatorDeck = Literal["decide", "offset"]
COMPARATOR_DECKS: tuple[str, ...] = get_args(ComparatorDeck)
ComparatorMeasureName = Literal["delay", "offset", "decision", "kickback", "power"]
COMPARATOR_MEASUREMENTS: tuple[str, ...] = get_args(ComparatorMeasureName)
COMPARATOR_UNITS: dict[str, str] = {"delay": "s", "offset": "V", "decision": "", "kickback": "V", "power": "W"}

_SimulateFn = Callable[[Netlist | str, Sequence[Analysis]], SimResult]
_SIG = "cmp_sig"  # node of the output signal (see the module docstring)


@dataclass(frozen=True, slots=True)
class ComparatorPorts:
    """Net (top level) or port (subcircuit) names of a comparator's terminals.

    ``outn``: the second output of a differential comparator. ``clk``: the
    clock of a clocked one (high = evaluate), ``clkb`` its complement.

    >>> ComparatorPorts(out="outp", outn="outn", clk="clk").names
    ('inp', 'inn', 'outp', 'vdd', 'vss', 'outn', 'clk')
    >>> ComparatorPorts.find(["VDD", "VSS", "VIN1", "VIN2", "VOUT1", "VOUT2", "VCLK1", "VCLK2"]).clkb
    'VCLK2'
    """

    inp: str = "inp"
    inn: str = "inn"
    out: str = "out"
    vdd: str = "vdd"
    vss: str = "vss"
    outn: str | None = None
    clk: str | None = None
    clkb: str | None = None
    bias: tuple[BiasPort, ...] = ()

    @property
    def clocked(self) -> bool:
        """True for a comparator with a clock."""
        return self.clk is not None

    @property
    def names(self) -> tuple[str, ...]:
        """Every port the testbench drives or reads."""
        extra = tuple(n for n in (self.outn, self.clk, self.clkb) if n is not None)
        return (self.inp, self.inn, self.out, self.vdd, self.vss, *extra, *(b.name for b in self.bias))

    @classmethod
    def find(cls, ports: Sequence[str]) -> ComparatorPorts:
        """The comparator's ports among ``ports``: inputs, outputs and supplies as for an op-amp
        (:func:`~circuitforge.netlists.ports.find_opamp_ports`), the first two ``clock`` ports
        (``VCLK``, ``VLATCH``, ``VTRACK``...) as ``clk`` and ``clkb``. Bias ports and further clocks
        are left to the caller. Raises :class:`ValidationError` naming what is missing.
        """
        iface = find_opamp_ports(list(ports))
        clocks = [p for p in ports if port_role(p) == "clock"]
        return cls(inp=iface.inp, inn=iface.inn, out=iface.out, vdd=iface.vdd, vss=iface.vss, outn=iface.outn,
                   clk=clocks[0] if clocks else None, clkb=clocks[1] if len(clocks) > 1 else None)


@dataclass(frozen=True, slots=True)
class ComparatorConditions:
    """Operating conditions of the comparator testbenches; None means "from the process".

    >>> ComparatorConditions().ovd, ComparatorConditions().rs
    (0.01, 1000.0)
    """

    vdd: float | None = None
    """Supply (V); default the process supply."""
    vcm: float | None = None
    """Input common mode (V); default VDD/2."""
    ovd: float = 10e-3
    """Overdrive (V): the differential input of the ``decide`` deck is ±ovd."""
    rs: float = 1e3
    """Source resistance in series with each input (Ω)."""
    cl: float = 20e-15
    """Load capacitor on each output (F)."""
    clock_period: float = 10e-9
    """Clock period of a clocked comparator (s)."""
    step_period: float = 1e-6
    """Period of the ±ovd input square wave of a continuous comparator (s)."""
    rise: float = 50e-12
    """Rise and fall time of the clock and input edges (s)."""
    range: float = 20e-3
    """The offset search spans ±range (V) of differential input."""
    ramp_cycles: int = 40
    """Clock cycles of the offset ramp of a clocked comparator."""


def _n(x: float) -> str:
    return format_number(float(x))


def comparator_testbench(circuit: CircuitInput, proc: str | Process = "generic180", *,
                         kind: ComparatorDeck = "decide", ports: ComparatorPorts = ComparatorPorts(),
                         conditions: ComparatorConditions = ComparatorConditions(),
                         subckt: str | None = None) -> Testbench:
    """The comparator deck ``kind`` (``decide`` or ``offset``; see the module docstring).

    Sources: ``VSUPPLY``, ``VGROUND``, ``VDIFF`` (role ``diff``: its voltage
    is the differential input), ``VCLK``/``VCLKB``. Nodes: ``src_p``/``src_n``
    (the ideal sources behind ``rs``), ``sig`` (the output signal).
    ``info["edges"]`` counts the events; ``edge{i}``/``sign{i}`` give each
    event's time and expected sign, ``sample{i}`` when its decision is read.

    >>> from circuitforge.netlists import parse
    >>> c = parse(".subckt cmp inp inn out vdd vss\\nE1 out 0 inp inn 1000\\n.ends\\n")
    >>> tb = comparator_testbench(c, "level1")
    >>> tb.name, [a.kind for a in tb.analyses], tb.info["edges"], tb.info["sign1"]
    ('comparator_decide', ['tran'], 4.0, -1.0)
    >>> clocked = comparator_testbench(c, "level1", ports=ComparatorPorts(clk="clk"))
    >>> [clocked.info[f"sign{k}"] for k in range(4)]
    [1.0, 1.0, -1.0, -1.0]
    """
    if kind not in COMPARATOR_DECKS:
        raise ResolutionError(str(kind), COMPARATOR_DECKS, "comparator testbench")
    c = conditions
    if not (c.ovd > 0 and c.rs > 0 and c.range > 0 and c.ramp_cycles >= 4):
        raise ValueError(f"comparator conditions need ovd, rs, range > 0 and ramp_cycles >= 4, got {c}")
    p = process(proc)
    vdd = p.vdd if c.vdd is None else c.vdd
    vcm = vdd / 2 if c.vcm is None else c.vcm
    dut = prepare_dut(circuit, p, ports.names, subckt=subckt, what="comparator")
    lines = [f"VSUPPLY {ports.vdd} 0 DC {_n(vdd)}"]
    sources = {"vdd": "VSUPPLY", "diff": "VDIFF"}
    if not dut.is_ground(ports.vss):
        lines.append(f"VGROUND {ports.vss} 0 DC 0")
        sources["vss"] = "VGROUND"
    for i, b in enumerate(ports.bias):
        lines.append(f"IBIAS{i} {ports.vdd} {b.name} DC {_n(b.value)}" if b.kind == "current"
                     else f"VBIAS{i} {b.name} 0 DC {_n(b.value)}")
    info: dict[str, float] = {"vdd": vdd, "vcm": vcm, "ovd": c.ovd, "rs": c.rs, "clocked": float(ports.clocked)}
    r = c.rise
    analyses: list[Analysis]
    if ports.clocked:
        t = c.clock_period
        lines.append(f"VCLK {ports.clk} 0 PULSE(0 {_n(vdd)} {_n(t / 2)} {_n(r)} {_n(r)} {_n(t / 2 - r)} {_n(t)})")
        sources["clk"] = "VCLK"
        if ports.clkb is not None:
            lines.append(f"VCLKB {ports.clkb} 0 PULSE({_n(vdd)} 0 {_n(t / 2)} {_n(r)} {_n(r)} {_n(t / 2 - r)} "
                         f"{_n(t)})")
            sources["clkb"] = "VCLKB"
        cycles = 4 if kind == "decide" else c.ramp_cycles
        if kind == "decide":  # + + - -: two cycles per level
            diff = f"PULSE({_n(c.ovd)} {_n(-c.ovd)} {_n(2 * t + t / 8)} {_n(r)} {_n(r)} {_n(2 * t - r)} {_n(4 * t)})"
        else:
            diff = f"PWL(0 {_n(-c.range)} {_n(cycles * t)} {_n(c.range)})"
        lines.append(f"VDIFF vdiff 0 DC 0 {diff}")
        for k in range(cycles):
            edge = k * t + t / 2 + r / 2
            info[f"edge{k}"] = edge
            info[f"sample{k}"] = (k + 1) * t - r - t / 50
            info[f"sign{k}"] = (1.0 if k < 2 else -1.0) if kind == "decide" else 0.0
            info[f"vd{k}"] = -c.range + 2 * c.range * edge / (cycles * t) if kind == "offset" else 0.0
        info["edges"] = float(cycles)
        info["period"] = t
        stop = cycles * t
        analyses = [Tran(t / 500, stop, 0.0, t / 500)]
    elif kind == "decide":
        t = c.step_period
        lines.append(f"VDIFF vdiff 0 DC {_n(-c.ovd)} PULSE({_n(-c.ovd)} {_n(c.ovd)} {_n(t / 4)} {_n(r)} {_n(r)} "
                     f"{_n(t / 2 - r)} {_n(t)})")
        for k in range(4):
            info[f"edge{k}"] = t / 4 + k * t / 2 + r / 2
            info[f"sign{k}"] = 1.0 if k % 2 == 0 else -1.0
            info[f"sample{k}"] = t / 4 + (k + 1) * t / 2 - t / 100
        info["edges"] = 4.0
        info["period"] = t
        analyses = [Tran(t / 2000, 2.25 * t, 0.0, t / 2000)]
    else:
        lines.append("VDIFF vdiff 0 DC 0")
        analyses = [Op(), DC("VDIFF", -c.range, c.range, c.range / 400)]
    lines += [f"VCM cm 0 DC {_n(vcm)}",
              "ESRCP src_p cm vdiff 0 0.5", "ESRCN src_n cm vdiff 0 -0.5",
              f"RSP src_p {ports.inp} {_n(c.rs)}", f"RSN src_n {ports.inn} {_n(c.rs)}",
              f"CLOUT {ports.out} 0 {_n(c.cl)}"]
    if ports.outn is not None:
        lines += [f"CLOUTN {ports.outn} 0 {_n(c.cl)}", f"ESIG {_SIG} 0 {ports.out} {ports.outn} 1"]
    else:
        lines.append(f"ESIG {_SIG} 0 {ports.out} 0 1")
        info["mid"] = vdd / 2
    deck = assemble(dut, f"comparator_{kind}", lines)
    nodes = {"inp": ports.inp, "inn": ports.inn, "out": ports.out, "src_p": "src_p", "src_n": "src_n",
             "sig": _SIG}
    return Testbench(f"comparator_{kind}", deck, tuple(analyses), nodes, sources, info)


# ---------------------------------------------------------------------------------------------
# measurements from arrays
# ---------------------------------------------------------------------------------------------

def _missing(name: str, reason: str) -> Measurement:
    return Measurement(name, None, COMPARATOR_UNITS[name], reason)


def propagation_delay(t: np.ndarray, s: np.ndarray, *, edges: Sequence[tuple[float, int]],
                      threshold: float | Sequence[float] = 0.0) -> Measurement:
    """Worst delay (s) from each edge ``(time, sign)`` to the output signal ``s`` reaching
    ``sign * s >= threshold`` (one threshold, or one per edge); edges after which ``s`` is already
    there are skipped.

    ``info``: ``edge{i}`` the delay of each timed edge.
    """
    chk = real_series(t, s)
    if isinstance(chk, str):
        return _missing("delay", chk)
    tt, ss = chk
    found: list[tuple[int, float]] = []
    levels = [float(threshold)] * len(edges) if isinstance(threshold, (int, float)) else list(threshold)
    for i, ((t0, sign), level) in enumerate(zip(edges, levels)):
        idx = np.nonzero(tt >= t0)[0]
        if idx.size == 0:
            return _missing("delay", f"edge {i} at {t0:.3g} s is after the waveform's end")
        k0 = int(idx[0])
        y = sign * ss[k0:] - level
        if y[0] >= 0:
            continue
        up = np.nonzero(y >= 0)[0]
        nxt = [e for e, _ in edges if e > t0]
        if up.size == 0 or (nxt and tt[k0 + int(up[0])] > min(nxt)):
            return _missing("delay", f"the output never reaches the {'+' if sign > 0 else '-'} side "
                                     f"(threshold {level:g} V) after the edge at {t0:.3g} s")
        j = k0 + int(up[0])
        frac = -y[up[0] - 1] / (y[up[0]] - y[up[0] - 1]) if up[0] > 0 else 0.0
        tc = tt[j - 1] + frac * (tt[j] - tt[j - 1]) if up[0] > 0 else tt[j]
        found.append((i, max(float(tc - t0), 0.0)))
    if not found:
        return _missing("delay", "the output was already on the right side after every edge: nothing to time")
    worst = max(d for _, d in found)
    return Measurement("delay", worst, "s", info=tuple((f"edge{i}", d) for i, d in found))


def decisions(t: np.ndarray, s: np.ndarray, samples: Sequence[float]) -> list[int]:
    """The sign (+1, -1, or 0 for exactly zero) of the output signal ``s`` at each sample time.

    >>> decisions(np.array([0.0, 1.0, 2.0]), np.array([-1.0, 1.0, 1.0]), [0.2, 1.5])
    [-1, 1]
    """
    tt = np.real(np.asarray(t)).astype(float).reshape(-1)
    ss = np.real(np.asarray(s)).astype(float).reshape(-1)
    return [int(np.sign(np.interp(x, tt, ss))) for x in samples]


def _decision(got: Sequence[int], want: Sequence[int], ovd: float) -> Measurement:
    """The fraction of right decisions (the wrong ones named in ``reason``)."""
    wrong = [f"#{i} ({'+' if w > 0 else '-'}{ovd * 1e3:g} mV: decided {'+' if g > 0 else '-' if g < 0 else '0'})"
             for i, (g, w) in enumerate(zip(got, want)) if g != w]
    if not wrong:
        return Measurement("decision", 1.0, "")
    inverted = all(g == -w for g, w in zip(got, want))
    hint = "; every decision inverted: are inp and inn swapped?" if inverted else ""
    right = 1.0 - len(wrong) / max(len(want), 1)
    return Measurement("decision", right, "", f"wrong decisions {', '.join(wrong)}{hint}")


def trip_offset(vd: np.ndarray, s: np.ndarray) -> Measurement:
    """Offset (V) from a DC sweep of the differential input ``vd``: minus the ``vd`` where the
    output signal ``s`` crosses 0 (linear interpolation).

    >>> vd = np.linspace(-0.02, 0.02, 401)
    >>> round(trip_offset(vd, np.tanh((vd - 0.003) * 1000)).value, 6)
    -0.003
    """
    chk = real_series(vd, s)
    if isinstance(chk, str):
        return _missing("offset", chk)
    x, y = chk
    cross = np.nonzero(np.sign(y[:-1]) != np.sign(y[1:]))[0]
    if cross.size == 0:
        return _missing("offset", f"the output does not flip over the sweep {x[0]:g}..{x[-1]:g} V "
                                  f"(signal {y.min():.3g}..{y.max():.3g} V)")
    if cross.size > 1:
        shown = ", ".join(f"{x[i]:.4g}" for i in cross[:4])
        return _missing("offset", f"the output flips {cross.size} times over the sweep (near {shown} V)")
    i = int(cross[0])
    xv = x[i] - y[i] * (x[i + 1] - x[i]) / (y[i + 1] - y[i])
    return Measurement("offset", -float(xv), "V", info=(("trip", float(xv)),))


def ramp_offset(vd: Sequence[float], got: Sequence[int]) -> Measurement:
    """Offset (V) from decisions ``got`` taken at rising differential inputs ``vd``: minus the
    midpoint of the two inputs around the flip from -1 to +1.

    >>> ramp_offset([-0.002, -0.001, 0.0, 0.001, 0.002], [-1, -1, -1, 1, 1])
    Measurement('offset', -0.0005 V)
    """
    if len(vd) != len(got) or len(vd) < 2:
        return _missing("offset", "need matching inputs and decisions, at least two")
    flips = [i for i in range(1, len(got)) if got[i] != got[i - 1]]
    if not flips:
        return _missing("offset", f"the decision stays {got[0]:+d} over the ramp {vd[0]:g}..{vd[-1]:g} V")
    if len(flips) > 1 or got[flips[0]] < got[flips[0] - 1]:
        return _missing("offset", f"the decisions flip {len(flips)} times or the wrong way over the ramp: "
                                  f"{''.join('+' if g > 0 else '-' for g in got)}")
    i = flips[0]
    trip = (vd[i] + vd[i - 1]) / 2
    return Measurement("offset", -float(trip), "V", info=(("trip", float(trip)),
                                                          ("resolution", float(vd[i] - vd[i - 1]))))


def kickback(t: np.ndarray, v_in: Sequence[np.ndarray], v_src: Sequence[np.ndarray],
             windows: Sequence[tuple[float, float]]) -> Measurement:
    """Largest ``|v_in - v_src|`` (V) of the input nodes inside ``windows`` (the evaluation phases);
    ``info``: ``diff``, the largest disturbance of the differential input.

    >>> t = np.linspace(0, 1, 11)
    >>> kickback(t, [np.full(11, 0.91), np.full(11, 0.9)], [np.full(11, 0.9)] * 2, [(0.5, 1.0)])
    Measurement('kickback', 0.01 V)
    """
    tt = np.asarray(t, dtype=float).reshape(-1)
    mask = np.zeros(tt.size, dtype=bool)
    for a, b in windows:
        mask |= (tt >= a) & (tt <= b)
    if not mask.any():
        return _missing("kickback", "no sample inside the evaluation phases")
    errs = [np.real(np.asarray(a)).reshape(-1)[mask] - np.real(np.asarray(b)).reshape(-1)[mask]
            for a, b in zip(v_in, v_src)]
    if not all(np.all(np.isfinite(e)) for e in errs):
        return _missing("kickback", "the input waveforms hold NaN or infinite values")
    peak = max(float(np.max(np.abs(e))) for e in errs)
    diff = float(np.max(np.abs(errs[0] - errs[1]))) if len(errs) == 2 else peak
    return Measurement("kickback", peak, "V", info=(("diff", diff),))


def mean_power(t: np.ndarray, i_supply: np.ndarray, vdd: float) -> Measurement:
    """Mean supply power (W) over a transient: ``|VDD · time average of i_supply|`` (trapezoidal,
    so that the simulator's uneven time steps weigh by their length).

    >>> t = np.array([0.0, 1.0, 2.0, 4.0])
    >>> round(mean_power(t, np.array([-1e-3, -1e-3, -3e-3, -3e-3]), 1.8).value, 6)
    0.00405
    """
    chk = real_series(t, i_supply)
    if isinstance(chk, str):
        return _missing("power", chk)
    tt, ii = chk
    span = float(tt[-1] - tt[0])
    if span <= 0:
        return _missing("power", "the transient has no duration")
    avg = float(np.sum((ii[1:] + ii[:-1]) * np.diff(tt)) / 2 / span)
    return Measurement("power", abs(avg * vdd), "W")


# ---------------------------------------------------------------------------------------------
# the whole comparator
# ---------------------------------------------------------------------------------------------

_DECK_OF = {"delay": "decide", "decision": "decide", "kickback": "decide", "power": "decide", "offset": "offset"}


def measure_comparator(circuit: CircuitInput, process_name: str | Process = "generic180", *,
                       which: Sequence[str] = COMPARATOR_MEASUREMENTS,
                       simulate: _SimulateFn = _default_simulate, ports: ComparatorPorts = ComparatorPorts(),
                       conditions: ComparatorConditions = ComparatorConditions(),
                       subckt: str | None = None) -> dict[str, Measurement]:
    """Build the decks ``which`` needs (two simulations at most), simulate them and measure.

    Names are those of :data:`COMPARATOR_MEASUREMENTS` (defined in the
    module docstring). A failed simulation gives its measurements
    ``value=None`` with the simulator's message as the reason.
    """
    unknown = [w for w in which if w not in COMPARATOR_MEASUREMENTS]
    if unknown:
        raise ResolutionError(unknown[0], COMPARATOR_MEASUREMENTS, "comparator measurement")
    proc = process(process_name)
    needed = {_DECK_OF[w] for w in which}
    kinds: list[ComparatorDeck] = [k for k in COMPARATOR_DECKS if k in needed]  # type: ignore[misc]
    benches = {k: comparator_testbench(circuit, proc, kind=k, ports=ports, conditions=conditions, subckt=subckt)
               for k in kinds}
    results = {k: simulate(tb.netlist, list(tb.analyses)) for k, tb in benches.items()}
    out: dict[str, Measurement] = {}
    for w in which:
        k = _DECK_OF[w]
        res, tb = results[k], benches[k]
        if not res.ok:
            out[w] = _missing(w, f"{tb.name} simulation failed: {res.error}")
            continue
        out[w] = comparator_measurement(w, tb, res)
    return out


def _signal(tb: Testbench, wave: np.ndarray) -> np.ndarray:
    return np.real(np.asarray(wave)).reshape(-1) - tb.info.get("mid", 0.0)


def comparator_measurement(w: str, tb: Testbench, res: SimResult) -> Measurement:
    """Measurement ``w`` (:data:`COMPARATOR_MEASUREMENTS`) of the simulation ``res`` of testbench ``tb``
    (the ``offset`` deck for ``offset``, the ``decide`` deck for the others)."""
    if w not in COMPARATOR_MEASUREMENTS:
        raise ResolutionError(w, COMPARATOR_MEASUREMENTS, "comparator measurement")
    info = tb.info
    clocked = info["clocked"] > 0
    if w == "offset":
        if not clocked:
            dc = res["dc"]
            return trip_offset(dc.sweep, _signal(tb, dc[tb.nodes["sig"]]))
        tr = res["tran"]
        n = int(info["edges"])
        got = decisions(tr.sweep, _signal(tb, tr[tb.nodes["sig"]]), [info[f"sample{k}"] for k in range(n)])
        return ramp_offset([info[f"vd{k}"] for k in range(n)], got)
    tr = res["tran"]
    if w == "power":
        return mean_power(tr.sweep, tr[tb.branch("vdd")], info["vdd"])
    n = int(info["edges"])
    sig = _signal(tb, tr[tb.nodes["sig"]])
    if w == "delay":
        edges = [(info[f"edge{k}"], int(info[f"sign{k}"])) for k in range(n)]
        levels = [0.0] * n
        if clocked and "mid" not in info:  # half the differential output decided by the end of the phase
            levels = [0.5 * abs(float(np.interp(info[f"sample{k}"], tr.sweep, sig))) for k in range(n)]
        return propagation_delay(tr.sweep, sig, edges=edges, threshold=levels)
    if w == "decision":
        got = decisions(tr.sweep, sig, [info[f"sample{k}"] for k in range(n)])
        return _decision(got, [int(info[f"sign{k}"]) for k in range(n)], info["ovd"])
    if not clocked:
        return _missing("kickback", "no clock: kickback is measured on clocked comparators (the disturbance "
                                    "a clock edge sends back to the inputs)")
    windows = [(info[f"edge{k}"], info[f"sample{k}"]) for k in range(n)]
    return kickback(tr.sweep, [tr[tb.nodes["inp"]], tr[tb.nodes["inn"]]],
                    [tr[tb.nodes["src_p"]], tr[tb.nodes["src_n"]]], windows)

