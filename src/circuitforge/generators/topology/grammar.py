"""The grammar of :mod:`.tokens` as a state machine: the mask of tokens allowed next.

Every sequence the mask lets through, and only those, decodes to a structurally valid
topology (checked independently by :mod:`.checks`):

- the type token, then ``VSS``, ``VDD`` and further ports in vocabulary order, then ``<sep>``;
- a device kind is followed by exactly one net per terminal, so every terminal is on one net;
- an R/C/L/D may not put both pins on one net, a transistor not all four; an inductor may not
  join two rails (``VDD``, ``VSS``, ``0``: a DC short of the supply), which the
  rail-second convention of :mod:`.tokens` enforces by keeping rails out of its first pin;
- internal nets are introduced in order (``n1``, ``n2``, ...); ``<eos>`` is allowed only when
  every internal net has at least two terminals and every declared port at least one;
- with an :class:`~.interface.Interface` for the family (``interfaces=``): the port list holds
  the family's required ports and only ports it allows, its inputs sit on transistor gates only,
  and ``<eos>`` also waits until every input reaches an output along transistor signal edges
  (gate → drain, gate → source, source → drain) and the output is pulled both ways: a channel
  terminal of a p-type device (or a resistor) and one of an n-type device (or a resistor) on it
  (453 of the 457 interfaced corpus op-amps; without it the output rails). The way to finish
  then first adds fix transistors ``output input VSS VSS`` / ``output input VDD VDD`` (5 tokens),
  each giving one input short of a path its path and one missing pull its pull, so the cost
  stays an achievable length and sampling still never has to throw a sample away;
- with an interface, three electrical rules the corpus op-amps keep and the generator broke
  (measured on 460 interfaced corpus op-amps against 200 samples before the rules):
  a transistor's drain and source (collector and emitter) are different nets (corpus: never;
  samples: 0.47 shorted channels per circuit); an internal net has no DC terminal (gates, bulks,
  capacitor pins only) or at least two (a drain, source, collector, emitter or R/L/D pin: a node
  with one DC path carries no current; corpus 0.04 such nets per circuit, samples 1.67), so a
  net with exactly one DC terminal is a need only a DC terminal closes (pairs by resistors, the
  other needs by capacitors: :func:`typed_boundary_cost`); and the output has at most
  :data:`OUTPUT_DC_TERMINALS` (two) DC terminals (corpus: 445 of 460 exactly two; samples: 3.8
  on average), so its second one may only come once the inputs' paths can still be completed
  (the fix devices sit on the output);
- with an interface that asks for an input pair (:attr:`~.interface.Interface.pair`, op-amps):
  the first two devices are a source-coupled pair, input ``k`` on the gate of the ``k``-th (one
  transistor kind, the sources on one new internal net, the drains apart, each a new net or the
  output, the bulks on the rail or the tail) and no later device touches an input; the tail gets
  exactly one more DC terminal (:data:`TAIL_DC_TERMINALS`: its current source; until then it is
  a DC need); the fix devices then take the pair's drain on their gate (``output drain rail
  rail``). While the pair is in progress, the allowed tokens are the pair's options that can
  still be finished (:meth:`GrammarState._pair_cost`: the pair's default tokens, then the cost
  after it). Measured on 522 corpus op-amps: 442 have exactly this pair, 404 of 439 such tails
  exactly one current source (samples before the rules: 5 of 300 had the pair);
- with an interface that asks for a pass device (:attr:`~.interface.Interface.pass_device`,
  LDOs): the first device is a MOSFET whose channel joins the supply-side port to the output,
  its gate on a new internal net (:meth:`GrammarState._pass_options`). All 238 readable corpus
  LDOs have exactly one; without the rule 1 of 60 samples of the LDO interface grammar did;
- no sequence is cut off by :data:`~.tokens.MAX_LEN`: a token is allowed only when the
  sequence can still be finished after it within the limit. :meth:`GrammarState.cost` is the
  exact length of one legal way to finish (close pending nets in pairs with resistors, then
  ``<eos>``), and the token that way takes lowers it by one, so some token is always allowed
  and sampling never has to throw a sample away.

>>> from .tokens import Vocab
>>> v = Vocab(("VSS", "VDD", "VOUT1"))
>>> g = GrammarState(v)
>>> for t in ["<bos>", "type:opamp", "VSS"]:
...     g.step(v.id(t))
>>> v.strs(g.allowed().nonzero()[0])   # VDD is forced second
['VDD']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .errors import TopologyError
from .interface import Interface, signal_edges, signal_reaches
from .tokens import BOS, EOS, GROUND, KIND_SPEC, KINDS, MAX_INTERNAL, MAX_LEN, RAILS, REFERENCE, SEP, SUPPLY, Vocab

__all__ = ["GrammarState", "GrammarTables", "OUTPUT_DC_TERMINALS", "TAIL_DC_TERMINALS", "boundary_cost",
           "typed_boundary_cost", "walk"]

_TYPE, _PORTS, _DEVICE, _TERM, _DONE = range(5)
_INF = 10 ** 9
_FIX = 5
"""Tokens of the device that gives an input its path: ``nmos <output> <input> VSS VSS``."""
_PAIR = 10
"""Tokens of an input pair: two transistors, a kind token and four nets each."""
OUTPUT_DC_TERMINALS = 2
"""DC terminals (drain/source, collector/emitter, R/L/D pins) an interface output may have: one
pull-up and one pull-down, as in 445 of the 457 interfaced corpus op-amps (more devices on the
output fight each other, and the gain with them)."""
TAIL_DC_TERMINALS = 3
"""DC terminals of an input pair's tail: the two sources and one current source (404 of the 439
corpus op-amps with the pair; 24 have two, 11 more than three; samples before the rule: 41 of
200 had a floating tail with two, 99 more than three)."""
_TRANSISTORS = frozenset({"nmos", "pmos", "npn", "pnp"})
_PULL = {"nmos": "down", "npn": "down", "pmos": "up", "pnp": "up"}
"""The way a transistor's channel pulls a net it sits on (drain/source, collector/emitter)."""


def _dc_slot(kind: str, slot: int) -> bool:
    """Does terminal ``slot`` of ``kind`` conduct at DC (drain/source, collector/emitter, R/L/D pins)?"""
    if kind in _TRANSISTORS:
        return slot in (0, 2)
    return kind != "cap"


def typed_boundary_cost(any_needs: int, dc_needs: int) -> int:
    """:func:`boundary_cost` when ``dc_needs`` of the nets need a DC terminal: pairs of DC needs
    closed by resistors, pairs of the others by capacitors, an odd one of each together by a
    transistor (``nmos dc any VSS VSS``, 5 tokens), an odd one alone by a device to ``VSS``.

    >>> typed_boundary_cost(0, 0), typed_boundary_cost(2, 0), typed_boundary_cost(1, 1), typed_boundary_cost(3, 2)
    (1, 4, 6, 10)
    """
    a, d = any_needs, dc_needs
    odd = 5 if a % 2 and d % 2 else 3 if (a % 2 or d % 2) else 0
    return 3 * (a // 2) + 3 * (d // 2) + odd + 1


def boundary_cost(needs: int) -> int:
    """Tokens to finish from a device boundary with ``needs`` nets still short of a terminal.

    >>> boundary_cost(0), boundary_cost(1), boundary_cost(4)
    (1, 4, 7)
    """
    return 3 * ((needs + 1) // 2) + 1


class GrammarTables:
    """Token-id tables of a vocabulary shared by every :class:`GrammarState` over it."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self.size = len(vocab)
        self.bos, self.eos, self.sep = vocab.id(BOS), vocab.id(EOS), vocab.id(SEP)
        self.types = np.array([vocab.id(f"type:{f}") for f in vocab.families])
        self.port_ids = [vocab.id(p) for p in vocab.ports]
        self.vss, self.vdd, self.ground = vocab.id(REFERENCE), vocab.id(SUPPLY), vocab.id(GROUND)
        self.rails = frozenset(vocab.id(r) for r in RAILS)
        self.kind_ids = {vocab.id(k): k for k in KINDS}
        self.internal = [vocab.id(f"n{i}") for i in range(1, MAX_INTERNAL + 1)]
        self.internal_set = frozenset(self.internal)
        self._ifaces: dict[tuple[int, Interface], _IfaceIds] = {}

    def interface_ids(self, iface: Interface) -> _IfaceIds:
        """``iface`` in this vocabulary's token ids (:class:`TopologyError` for a port it lacks)."""
        key = (id(iface), iface)
        if key not in self._ifaces:
            self._ifaces[key] = _IfaceIds(self, iface)
        return self._ifaces[key]


class _IfaceIds:
    """An :class:`Interface` as token ids of one vocabulary."""

    __slots__ = ("required", "inputs", "outputs", "allowed", "pair", "pass_device")

    def __init__(self, t: GrammarTables, iface: Interface):
        missing = [p for p in iface.required if p not in t.vocab.index]
        if missing:
            raise TopologyError(f"the {iface.family} interface needs ports {missing} the vocabulary lacks")
        self.required = tuple(sorted(t.vocab.id(p) for p in iface.required))
        self.inputs = frozenset(t.vocab.id(p) for p in iface.inputs)
        self.outputs = frozenset(t.vocab.id(p) for p in iface.outputs)
        self.allowed = frozenset(t.vocab.id(p) for p in t.vocab.ports if iface.allows(p))
        if iface.pair and len(iface.inputs) != 2:
            raise TopologyError(f"the {iface.family} interface asks for an input pair but has "
                                f"{len(iface.inputs)} inputs")
        self.pair = tuple(t.vocab.id(p) for p in iface.inputs) if iface.pair else ()
        """The inputs in pair order (input ``k`` on the ``k``-th pair device), or () without the rule."""
        if iface.pass_device and not set(iface.pass_device) <= set(iface.required):
            raise TopologyError(f"the {iface.family} interface's pass device joins {iface.pass_device}, "
                                f"not all of them required ports")
        self.pass_device = tuple(t.vocab.id(p) for p in iface.pass_device) if iface.pass_device else ()
        """``(supply side, output)`` of the pass-device rule, or () without the rule."""


class GrammarState:
    """Where a sequence stands in the grammar; :meth:`allowed` and :meth:`step`.

    ``max_len`` (default :data:`~.tokens.MAX_LEN`) counts ``<bos>`` and ``<eos>``.
    ``interfaces`` (family → :class:`~.interface.Interface`, e.g. :data:`~.interface.INTERFACES`):
    the interface rules for the families named there (and whose ports the vocabulary has), the
    plain grammar for the others.
    """

    __slots__ = ("t", "max_len", "length", "phase", "last_port", "declared", "count", "n_internal",
                 "kind", "slot", "dev", "needs", "neutral_nonrail", "interfaces", "iface", "adj", "missing", "pulls",
                 "dc", "dcn", "out_dc", "pair_left", "pair_kind", "tail", "anchor", "pass_left")

    def __init__(self, vocab: Vocab | GrammarTables, max_len: int = MAX_LEN,
                 interfaces: Mapping[str, Interface] | None = None):
        self.t = vocab if isinstance(vocab, GrammarTables) else GrammarTables(vocab)
        # a family whose interface ports the vocabulary lacks samples with the plain grammar
        self.interfaces = {self.t.vocab.id(f"type:{f}"): self.t.interface_ids(i)
                           for f, i in (interfaces or {}).items() if f"type:{f}" in self.t.vocab.index
                           and all(p in self.t.vocab.index for p in i.required)}
        if max_len < 12:
            raise TopologyError(f"max_len {max_len} is too short for any circuit (at least 12)")
        self.max_len = max_len
        self.length = 0
        self.phase = -1
        self.last_port = -1
        self.declared: list[int] = []
        self.count: dict[int, int] = {}
        self.n_internal = 0
        self.kind = ""
        self.slot = 0
        self.dev: list[int] = []
        self.needs = 0            # declared ports without a terminal + internal nets with one
        self.dc: dict[int, int] = {}  # DC terminals per net (with an interface)
        self.dcn = 0              # of the needs: internal nets with exactly one DC terminal
        self.out_dc = 0           # DC terminals on the interface's outputs
        self.neutral_nonrail = 0  # non-rail nets that exist and are not short of a terminal
        self.iface: _IfaceIds | None = None
        self.adj: dict[int, set[int]] = {}     # signal edges of the finished transistors
        self.missing: frozenset[int] = frozenset()  # interface inputs without a path to an output
        self.pulls: frozenset[str] = frozenset()    # "up"/"down" pulls the output still lacks
        self.pair_left = 0        # input-pair devices still to place (interfaces with the pair rule)
        self.pair_kind = ""       # the pair's transistor kind
        self.tail = -1            # the pair's common source net
        self.anchor: dict[int, int] = {}  # input -> the drain net of its pair device
        self.pass_left = 0        # pass devices still to place (interfaces with the pass-device rule)

    @property
    def done(self) -> bool:
        return self.phase == _DONE

    # ---- bookkeeping ---------------------------------------------------------------
    def _is_need(self, net: int) -> bool:
        c = self.count.get(net, 0)
        if net in self.t.internal_set:
            return c == 1
        return net != self.t.ground and net in self.declared and c == 0 and not self._gate_only(net)

    def _gate_only(self, net: int) -> bool:
        return self.iface is not None and net in self.iface.inputs

    def _need_kind(self, net: int, count: int, dc: int) -> int:
        """0: ``net`` with ``count`` terminals (``dc`` of them DC ones) needs nothing; 1: it needs
        a terminal; 2 (with an interface): it needs a DC terminal (an internal net with exactly one)."""
        if net in self.t.internal_set:
            if self.iface is not None and (dc == 1 or dc == 2 and net == self.tail):
                return 2  # the pair's tail waits for its current source, a third DC terminal
            return int(count == 1)
        return int(net != self.t.ground and net in self.declared and count == 0 and not self._gate_only(net))

    def _need_now(self, net: int) -> int:
        return self._need_kind(net, self.count.get(net, 0), self.dc.get(net, 0))

    def _delta(self, net: int, dc_term: bool = False) -> tuple[int, int, int]:
        """Change of (needs, DC needs, neutral non-rail nets) when ``net`` gets one more terminal
        (a DC one with ``dc_term``)."""
        before, dc = self.count.get(net, 0), self.dc.get(net, 0)
        kb = self._need_kind(net, before, dc)
        ka = self._need_kind(net, before + 1, dc + int(dc_term and self.iface is not None))
        d_needs, d_dcn = int(ka > 0) - int(kb > 0), int(ka == 2) - int(kb == 2)
        if net in self.t.rails or self._gate_only(net):
            return d_needs, d_dcn, 0
        exists_before = before > 0 or net in self.declared
        neutral_before = exists_before and not kb
        return d_needs, d_dcn, int(not ka) - int(neutral_before)

    def _add_terminal(self, net: int, dc_term: bool) -> None:
        d_needs, d_dcn, d_neutral = self._delta(net, dc_term)
        self.count[net] = self.count.get(net, 0) + 1
        if dc_term and self.iface is not None:
            self.dc[net] = self.dc.get(net, 0) + 1
        self.needs += d_needs
        self.dcn += d_dcn
        self.neutral_nonrail += d_neutral

    # ---- the cost of the greedy way to finish -----------------------------------------
    def _bound(self, needs: int, missing: int | None = None, pulls: int | None = None, dcn: int = 0,
               out_dc: int | None = None) -> int:
        """Tokens to finish from a device boundary: fix devices on the output, each giving one input
        short of a path its path and one missing pull its pull (``max(missing, pulls)`` of them,
        ``_INF`` when the output has no room left for them among its
        :data:`OUTPUT_DC_TERMINALS`), then the pending nets closed in pairs
        (:func:`typed_boundary_cost`; ``dcn`` of the ``needs`` need a DC terminal)."""
        m = len(self.missing) if missing is None else missing
        p = len(self.pulls) if pulls is None else pulls
        fix = max(m, p)
        if self.iface is not None and (self.out_dc if out_dc is None else out_dc) + fix > OUTPUT_DC_TERMINALS:
            return _INF
        return typed_boundary_cost(needs - dcn, dcn) + _FIX * fix

    def _done_with(self, kind: str, dev: Sequence[int]) -> tuple[int, int]:
        """(inputs short of a path, missing pulls) once the device ``kind dev`` is finished; ``-1``
        stands for nets not chosen yet (they are taken to add no path and no pull)."""
        full = [*dev, *([-1] * (len(KIND_SPEC[kind].roles) - len(dev)))]
        pulls = len(self._pulls_with(kind, full))
        if self.missing and kind in _TRANSISTORS and len(dev) >= 2:
            return len(self._missing_with(kind, full)), pulls
        return len(self.missing), pulls

    def _fix_cost(self, kind: str, slot: int, dev: Sequence[int], needs: int, dcn: int = 0,
                  out_dc: int | None = None) -> int:
        """Cost when the device in progress becomes ``<output> <input> <rail> <rail>`` (the rail
        of its polarity) for an input short of a path and/or a missing pull (``_INF`` where its
        nets so far do not fit that or it would fix nothing)."""
        if self.iface is None or kind not in _TRANSISTORS or not (self.missing or self.pulls):
            return _INF
        if slot >= 1 and dev[0] not in self.iface.outputs:
            return _INF
        rail = self.t.vss if _PULL[kind] == "down" else self.t.vdd
        if slot >= 3 and dev[2] != rail:
            return _INF
        od = (self.out_dc if out_dc is None else out_dc) + int(slot == 0)
        out = dev[0] if slot >= 1 else min(self.iface.outputs)
        first = min(self.missing) if self.missing else rail
        gate = dev[1] if slot >= 2 else self.anchor.get(first, first)  # with a pair: its device's drain
        full = [out, gate, rail, rail]
        m, p = self._done_with(kind, full)
        if (m, p) == (len(self.missing), len(self.pulls)):
            return _INF
        return (4 - slot) + self._bound(needs, m, p, dcn, od)

    def _pulls_with(self, kind: str, dev: Sequence[int]) -> frozenset[str]:
        """The output's missing pulls with the finished device ``kind dev`` added."""
        if self.iface is None or not self.pulls:
            return self.pulls
        outs = self.iface.outputs
        if kind == "res" and (dev[0] in outs or dev[1] in outs):
            return frozenset()
        if kind in _TRANSISTORS and (dev[0] in outs or dev[2] in outs):
            return self.pulls - {_PULL[kind]}
        return self.pulls

    def _term_cost(self, kind: str, slot: int, dev: Sequence[int], needs: int, neutral_nonrail: int,
                   n_internal: int, dcn: int = 0, out_dc: int | None = None) -> int:
        return min(self._greedy_cost(kind, slot, dev, needs, neutral_nonrail, n_internal, dcn, out_dc),
                   self._fix_cost(kind, slot, dev, needs, dcn, out_dc))

    def _dc_greedy_cost(self, kind: str, slot: int, dev: Sequence[int], needs: int, dcn: int,
                        out_dc: int | None) -> int:
        """:meth:`_greedy_cost` with an interface: DC needs take DC terminals only, the other needs
        the others (a DC terminal on a net without one would make it a DC need); an inductor's
        first pin, with no DC need, goes on the output port."""
        spec = KIND_SPEC[kind]
        na, nd = needs - dcn, dcn
        r = len(spec.roles) - slot
        m, p = self._done_with(kind, dev)
        od = self.out_dc if out_dc is None else out_dc
        if kind == "ind" and slot == 0 and nd == 0:
            od += 1  # its first pin on the output
            if od + max(m, p) > OUTPUT_DC_TERMINALS:
                return _INF
        def bound(n: int, d: int) -> int:
            return self._bound(n, m, p, d, od)

        if not spec.passive:
            rdc = sum(1 for k in (0, 2) if k >= slot)
            usable = nd - int(slot >= 1 and self._need_now(dev[0]) == 2)  # the source may not take the drain's net
            sd, sa = min(rdc, max(0, usable)), min(r - rdc, na)
            return r + bound(needs - sd - sa, nd - sd)
        dc_pins = _dc_slot(kind, 0)
        if slot == 1:
            k = self._need_now(dev[0])
            if dc_pins:
                sd = min(1, max(0, nd - int(k == 2)))
                return 1 + bound(needs - sd, nd - sd)
            sa = min(1, max(0, na - int(k == 1)))
            return 1 + bound(needs - sa, nd)
        if dc_pins:
            sd = min(2, nd)
            return 2 + bound(needs - sd, nd - sd)
        sa = min(2, na)
        return 2 + bound(needs - sa, nd)

    def _greedy_cost(self, kind: str, slot: int, dev: Sequence[int], needs: int, neutral_nonrail: int,
                     n_internal: int, dcn: int = 0, out_dc: int | None = None) -> int:
        if self.iface is not None:
            return self._dc_greedy_cost(kind, slot, dev, needs, dcn, out_dc)
        spec = KIND_SPEC[kind]
        r = len(spec.roles) - slot
        if not spec.passive:
            return r + self._bound(needs - min(r, needs))
        if slot == 1:
            p = dev[0]
            p_need = p in self.t.internal_set and self.count.get(p, 0) == 1
            usable = needs - int(p_need)
            return 1 + self._bound(needs - min(1, usable))
        if kind != "ind":
            return 2 + self._bound(needs - min(2, needs))
        # inductor, first pin: it must be a non-rail net
        nonrail_needs = needs - sum(1 for p in (self.t.vss, self.t.vdd) if self._is_need(p))
        if nonrail_needs >= 1:
            return 2 + self._bound(needs - min(2, needs))
        if neutral_nonrail >= 1:
            return 2 + self._bound(needs - min(1, needs))
        if n_internal < MAX_INTERNAL:
            return 2 + self._bound(needs if needs >= 1 else 1)
        return _INF

    # ---- the interface: ports and signal paths ----------------------------------------
    def _ports_cost(self, declared: Sequence[int]) -> int:
        """Tokens to finish from the port list ``declared`` (before ``<sep>``)."""
        extra = max(0, 2 - len(declared))
        if self.iface is None:
            return extra + 1 + boundary_cost(len(declared) + extra)
        todo = [r for r in self.iface.required if r not in declared]
        needs = extra + sum(1 for p in [*declared, *todo] if p not in self.iface.inputs)
        if self.iface.pair:  # the pair (2 x 5 tokens), its drains' and tail's DC needs, a fix per input
            return extra + len(todo) + 1 + _PAIR + typed_boundary_cost(needs, 3) + 2 * _FIX
        lead = _FIX + 2 if self.iface.pass_device else 0  # the pass device and its gate net's need
        return extra + len(todo) + 1 + lead + boundary_cost(needs) + _FIX * max(len(self.iface.inputs), 2)

    def _missing_with(self, kind: str = "", dev: Sequence[int] = ()) -> frozenset[int]:
        """Inputs without a path to an output, with the finished device ``kind dev`` added."""
        if self.iface is None:
            return frozenset()
        edges = signal_edges(kind, tuple(dev)) if kind else []
        adj = self.adj
        if edges:
            adj = {k: set(v) for k, v in self.adj.items()}
            for a, b in edges:
                adj.setdefault(a, set()).add(b)
        ports = set(self.declared) | {self.t.ground}
        return frozenset(i for i in self.missing or self.iface.inputs
                         if not signal_reaches(adj, i, self.iface.outputs, ports - {i}))

    # ---- the input pair ------------------------------------------------------------------
    def _pair_options(self) -> list[int]:
        """The tokens the input-pair rule allows next (:attr:`Interface.pair`), the default first:
        the default tokens are the pair's way to finish (:meth:`_pair_cost`)."""
        t = self.t
        k = 2 - self.pair_left
        if self.phase == _DEVICE:
            if self.pair_kind:
                return [t.vocab.id(self.pair_kind)]
            return [kid for kid, kind in t.kind_ids.items() if kind in _TRANSISTORS]
        new = [t.internal[self.n_internal]] if self.n_internal < MAX_INTERNAL else []
        if self.slot == 0:  # drain: a new internal net or an output, apart from the other drain
            return [n for n in [*new, *sorted(self.iface.outputs)] if n not in self.anchor.values()]
        if self.slot == 1:
            return [self.iface.pair[k]]
        if self.slot == 2:
            return new if k == 0 else [self.tail]
        rail = t.vdd if self.kind == "pmos" else t.vss  # BJT substrates on VSS
        return [rail, self.dev[2]]

    # ---- the pass device -----------------------------------------------------------------
    def _pass_options(self) -> list[int]:
        """The tokens the pass-device rule allows next (:attr:`Interface.pass_device`), the default
        first: an n-type device ``VIN VOUT``-channel with its bulk on the output (156 of the 238
        corpus LDOs) or a p-type ``VOUT VIN`` one with its bulk on ``VDD`` (the other 82), the
        gate on a new internal net (the error amplifier's output)."""
        t = self.t
        supply, out = self.iface.pass_device
        if self.phase == _DEVICE:
            return [t.vocab.id("nmos"), t.vocab.id("pmos")]
        if self.slot == 0:
            return [supply if self.kind == "nmos" else out]
        if self.slot == 1:
            return [t.internal[self.n_internal]] if self.n_internal < MAX_INTERNAL else []
        if self.slot == 2:
            return [out if self.kind == "nmos" else supply]
        return [out, t.vss] if self.kind == "nmos" else [t.vdd, supply]

    def _lead_options(self) -> list[int]:
        """The tokens the leading-device rules (input pair, then pass device) allow next."""
        return self._pair_options() if self.pair_left else self._pass_options()

    def _clone(self) -> GrammarState:
        c = object.__new__(GrammarState)
        for name in self.__slots__:
            setattr(c, name, getattr(self, name))
        c.declared, c.count, c.dev, c.dc = list(self.declared), dict(self.count), list(self.dev), dict(self.dc)
        c.adj = {k: set(v) for k, v in self.adj.items()}
        c.anchor = dict(self.anchor)
        return c

    def _pair_cost(self) -> int:
        """Tokens to finish with the input pair or the pass device still in progress: their
        default tokens (:meth:`_lead_options`), then :meth:`cost` of the state after them."""
        c, n = self._clone(), 0
        while c.pair_left or c.pass_left:
            options = c._lead_options()
            if not options:
                return _INF
            c.advance(options[0])
            n += 1
        return n + c.cost()

    def cost(self) -> int:
        """Tokens needed to finish from here by the greedy completion (0 when done)."""
        if self.phase == _DONE:
            return 0
        if self.phase < _PORTS:
            return _INF if self.phase < _TYPE else 2 + 1 + boundary_cost(2)
        if self.phase == _PORTS:
            return self._ports_cost(self.declared)
        if self.pair_left or self.pass_left:
            return self._pair_cost()
        if self.phase == _DEVICE:
            return self._bound(self.needs, dcn=self.dcn)
        return self._term_cost(self.kind, self.slot, self.dev, self.needs, self.neutral_nonrail, self.n_internal,
                               self.dcn)

    # ---- the mask ---------------------------------------------------------------------
    def _excluded(self) -> set[int]:
        """Nets the current terminal may not take (pin rules)."""
        spec = KIND_SPEC[self.kind]
        gate_only = set(self.iface.inputs) if self.iface is not None else set()
        if self.dc.get(self.tail, 0) >= TAIL_DC_TERMINALS and _dc_slot(self.kind, self.slot):
            gate_only.add(self.tail)  # the pair's tail has its current source: no further DC terminal
        if spec.passive:
            if self.slot == 1:
                return {self.dev[0]} | gate_only
            return (set(self.t.rails) if self.kind == "ind" else set()) | gate_only
        out = gate_only if self.slot != 1 or (self.iface is not None and self.iface.pair) else set()
        if self.slot == 2 and self.iface is not None:  # drain and source apart (no shorted channel)
            out.add(self.dev[0])
        if self.slot == len(spec.roles) - 1 and len(set(self.dev)) == 1:
            out.add(self.dev[0])
        return out

    def _after_net_cost(self, needs: int, neutral: int, n_internal: int, net: int, dcn: int) -> int:
        spec = KIND_SPEC[self.kind]
        dev = [*self.dev, net]
        dc_term = self.iface is not None and _dc_slot(self.kind, self.slot)
        od = self.out_dc + int(dc_term and net in self.iface.outputs) if self.iface is not None else 0
        if self.slot + 1 == len(spec.roles):
            if self.iface is None:
                return self._bound(needs)
            missing = self._missing_with(self.kind, dev) if self.missing and self.kind in _TRANSISTORS else self.missing
            return self._bound(needs, len(missing), len(self._pulls_with(self.kind, dev)), dcn, od)
        # the cost of the rest reads the counts of ``net``: count its terminal for the call
        before, dc = self.count.get(net, 0), self.dc.get(net, 0)
        self.count[net] = before + 1
        if dc_term:
            self.dc[net] = dc + 1
        try:
            return self._term_cost(self.kind, self.slot + 1, dev, needs, neutral, n_internal, dcn, od)
        finally:
            if before:
                self.count[net] = before
            else:
                del self.count[net]
            if dc_term:
                if dc:
                    self.dc[net] = dc
                else:
                    del self.dc[net]

    def allowed(self) -> np.ndarray:
        """Boolean mask over the vocabulary of the tokens allowed next."""
        t = self.t
        m = np.zeros(t.size, dtype=bool)
        room = self.max_len - self.length - 1  # tokens left after the next one
        if self.phase == -1:
            m[t.bos] = True
        elif self.phase == _TYPE:
            m[t.types] = True
            for tid, iface in self.interfaces.items():
                saved, self.iface = self.iface, iface
                m[tid] = self._ports_cost([]) <= room
                self.iface = saved
        elif self.phase == _PORTS:
            if len(self.declared) == 0:
                m[t.vss] = True
            elif len(self.declared) == 1:
                m[t.vdd] = True
            elif self.iface is not None:
                todo = [r for r in self.iface.required if r not in self.declared]
                if not todo and self._ports_cost(self.declared) - 1 <= room:
                    m[t.sep] = True
                limit = todo[0] if todo else _INF
                for p in self.iface.allowed:
                    if self.last_port < p <= limit and self._ports_cost([*self.declared, p]) <= room:
                        m[p] = True
            else:
                d = len(self.declared)
                if boundary_cost(d) <= room:
                    m[t.sep] = True
                if 1 + boundary_cost(d + 1) <= room:
                    for p in t.port_ids:
                        if p > self.last_port:
                            m[p] = True
        elif self.pair_left or self.pass_left:
            for tok in self._lead_options():
                c = self._clone()
                c.advance(tok)
                m[tok] = c.cost() <= room
        elif self.phase == _DEVICE:
            if self.needs == 0 and not self.missing and not self.pulls:
                m[t.eos] = True
            for kid, kind in t.kind_ids.items():
                if self._term_cost(kind, 0, (), self.needs, self.neutral_nonrail, self.n_internal, self.dcn) <= room:
                    m[kid] = True
        elif self.phase == _TERM:
            excluded = self._excluded()
            dc_term = _dc_slot(self.kind, self.slot)
            cands = [*self.declared, t.ground, *t.internal[: self.n_internal]]
            if self.n_internal < MAX_INTERNAL:
                cands.append(t.internal[self.n_internal])
            for net in cands:
                if net in excluded:
                    continue
                d_needs, d_dcn, d_neutral = self._delta(net, dc_term)
                n_int = self.n_internal + int(net in t.internal_set and self.count.get(net, 0) == 0)
                if self._after_net_cost(self.needs + d_needs, self.neutral_nonrail + d_neutral, n_int,
                                        net, self.dcn + d_dcn) <= room:
                    m[net] = True
        return m

    def step(self, tok: int) -> None:
        """Advance by token id ``tok``; :class:`TopologyError` when the grammar does not allow it."""
        if not self.allowed()[tok]:
            raise TopologyError(f"token {self.t.vocab.tokens[tok]!r} not allowed at position {self.length}")
        self.advance(tok)

    def advance(self, tok: int) -> None:
        """Advance by ``tok`` without checking it (the caller sampled it from :meth:`allowed`)."""
        t = self.t
        self.length += 1
        if self.phase == -1:
            self.phase = _TYPE
        elif self.phase == _TYPE:
            self.phase = _PORTS
            self.iface = self.interfaces.get(tok)
        elif self.phase == _PORTS:
            if tok == t.sep:
                self.phase = _DEVICE
                self.missing = self._missing_with()
                self.pulls = frozenset({"up", "down"}) if self.iface is not None else frozenset()
                self.pair_left = 2 if self.iface is not None and self.iface.pair else 0
                self.pass_left = 1 if self.iface is not None and self.iface.pass_device else 0
            else:
                self.declared.append(tok)
                self.last_port = tok
                self.needs += int(not self._gate_only(tok))
        elif self.phase == _DEVICE:
            if tok == t.eos:
                self.phase = _DONE
            else:
                self.kind, self.slot, self.dev = t.kind_ids[tok], 0, []
                self.phase = _TERM
                if self.pair_left:
                    self.pair_kind = self.kind
        elif self.phase == _TERM:
            if tok in t.internal_set and self.count.get(tok, 0) == 0:
                self.n_internal += 1
            self._add_terminal(tok, _dc_slot(self.kind, self.slot))
            if self.iface is not None and tok in self.iface.outputs and _dc_slot(self.kind, self.slot):
                self.out_dc += 1
            self.dev.append(tok)
            self.slot += 1
            if self.pair_left and self.slot == 3:
                self.tail = self.dev[2]
                self.anchor[self.dev[1]] = self.dev[0]
            if self.slot == len(KIND_SPEC[self.kind].roles):
                self.phase = _DEVICE
                if self.iface is not None:
                    self.pulls = self._pulls_with(self.kind, self.dev)
                    for a, b in signal_edges(self.kind, tuple(self.dev)):
                        self.adj.setdefault(a, set()).add(b)
                    if self.missing:
                        self.missing = self._missing_with()
                    if self.pair_left:
                        self.pair_left -= 1
                    elif self.pass_left:
                        self.pass_left -= 1
        else:
            raise TopologyError("the sequence is already finished")

    def slot_label(self) -> str:
        """What the next token is: ``type``, ``port``, ``device`` or ``<kind>.<role>``."""
        if self.phase == _TERM:
            return f"{self.kind}.{KIND_SPEC[self.kind].roles[self.slot]}"
        return {-1: "start", _TYPE: "type", _PORTS: "port", _DEVICE: "device", _DONE: "done"}[self.phase]


def walk(vocab: Vocab, tokens: Sequence[str], max_len: int = MAX_LEN,
         interfaces: Mapping[str, Interface] | None = None) -> GrammarState:
    """Run ``tokens`` through the grammar (raising :class:`TopologyError` at the first one it refuses).

    >>> v = Vocab(("VSS", "VDD"))
    >>> walk(v, "<bos> type:other VSS VDD <sep> res VDD VSS <eos>".split()).done
    True
    >>> walk(v, "<bos> type:other VSS VDD <sep> res VDD VDD".split())
    Traceback (most recent call last):
    ...
    circuitforge.generators.topology.errors.TopologyError: token 'VDD' not allowed at position 7
    """
    g = GrammarState(vocab, max_len, interfaces)
    for tok in tokens:
        g.step(vocab.id(tok))
    return g
