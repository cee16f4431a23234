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

from collections.abc import Sequence

import numpy as np

from .errors import TopologyError
from .tokens import BOS, EOS, GROUND, KIND_SPEC, KINDS, MAX_INTERNAL, MAX_LEN, RAILS, REFERENCE, SEP, SUPPLY, Vocab

__all__ = ["GrammarState", "GrammarTables", "boundary_cost", "walk"]

_TYPE, _PORTS, _DEVICE, _TERM, _DONE = range(5)
_INF = 10 ** 9


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


class GrammarState:
    """Where a sequence stands in the grammar; :meth:`allowed` and :meth:`step`.

    ``max_len`` (default :data:`~.tokens.MAX_LEN`) counts ``<bos>`` and ``<eos>``.
    """

    __slots__ = ("t", "max_len", "length", "phase", "last_port", "declared", "count", "n_internal",
                 "kind", "slot", "dev", "needs", "neutral_nonrail")

    def __init__(self, vocab: Vocab | GrammarTables, max_len: int = MAX_LEN):
        self.t = vocab if isinstance(vocab, GrammarTables) else GrammarTables(vocab)
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
        self.neutral_nonrail = 0  # non-rail nets that exist and are not short of a terminal

    @property
    def done(self) -> bool:
        return self.phase == _DONE

    # ---- bookkeeping ---------------------------------------------------------------
    def _is_need(self, net: int) -> bool:
        c = self.count.get(net, 0)
        if net in self.t.internal_set:
            return c == 1
        return net != self.t.ground and net in self.declared and c == 0

    def _delta(self, net: int) -> tuple[int, int]:
        """Change of (needs, neutral non-rail nets) when ``net`` gets one more terminal."""
        before = self.count.get(net, 0)
        if net in self.t.internal_set:
            need_before, need_after = before == 1, before + 1 == 1
        else:
            need_before, need_after = net != self.t.ground and net in self.declared and before == 0, False
        d_needs = int(need_after) - int(need_before)
        if net in self.t.rails:
            return d_needs, 0
        exists_before = before > 0 or net in self.declared
        neutral_before = exists_before and not need_before
        return d_needs, int(not need_after) - int(neutral_before)

    def _add_terminal(self, net: int) -> None:
        d_needs, d_neutral = self._delta(net)
        self.count[net] = self.count.get(net, 0) + 1
        self.needs += d_needs
        self.neutral_nonrail += d_neutral

    # ---- the cost of the greedy way to finish -----------------------------------------
    def _term_cost(self, kind: str, slot: int, dev: Sequence[int], needs: int, neutral_nonrail: int,
                   n_internal: int) -> int:
        spec = KIND_SPEC[kind]
        r = len(spec.roles) - slot
        if not spec.passive:
            return r + boundary_cost(needs - min(r, needs))
        if slot == 1:
            p = dev[0]
            p_need = p in self.t.internal_set and self.count.get(p, 0) == 1
            usable = needs - int(p_need)
            return 1 + boundary_cost(needs - min(1, usable))
        if kind != "ind":
            return 2 + boundary_cost(needs - min(2, needs))
        # inductor, first pin: it must be a non-rail net
        nonrail_needs = needs - sum(1 for p in (self.t.vss, self.t.vdd) if self._is_need(p))
        if nonrail_needs >= 1:
            return 2 + boundary_cost(needs - min(2, needs))
        if neutral_nonrail >= 1:
            return 2 + boundary_cost(needs - min(1, needs))
        if n_internal < MAX_INTERNAL:
            return 2 + boundary_cost(needs if needs >= 1 else 1)
        return _INF

    def cost(self) -> int:
        """Tokens needed to finish from here by the greedy completion (0 when done)."""
        if self.phase == _DONE:
            return 0
        if self.phase < _PORTS:
            return _INF if self.phase < _TYPE else 2 + 1 + boundary_cost(2)
        if self.phase == _PORTS:
            extra = max(0, 2 - len(self.declared))
            return extra + 1 + boundary_cost(len(self.declared) + extra)
        if self.phase == _DEVICE:
            return boundary_cost(self.needs)
        return self._term_cost(self.kind, self.slot, self.dev, self.needs, self.neutral_nonrail, self.n_internal)

    # ---- the mask ---------------------------------------------------------------------
    def _excluded(self) -> set[int]:
        """Nets the current terminal may not take (pin rules)."""
        spec = KIND_SPEC[self.kind]
        if spec.passive:
            if self.slot == 1:
                return {self.dev[0]}
            return set(self.t.rails) if self.kind == "ind" else set()
        if self.slot == len(spec.roles) - 1 and len(set(self.dev)) == 1:
            return {self.dev[0]}
        return set()

    def _after_net_cost(self, needs: int, neutral: int, n_internal: int, net: int, new: bool) -> int:
        spec = KIND_SPEC[self.kind]
        if self.slot + 1 == len(spec.roles):
            return boundary_cost(needs)
        dev = [*self.dev, net]
        if new:  # cost of the rest reads count of the new net through _term_cost: count it as 1
            self.count[net] = 1
            try:
                return self._term_cost(self.kind, self.slot + 1, dev, needs, neutral, n_internal)
            finally:
                del self.count[net]
        before = self.count.get(net, 0)
        self.count[net] = before + 1
        try:
            return self._term_cost(self.kind, self.slot + 1, dev, needs, neutral, n_internal)
        finally:
            if before:
                self.count[net] = before
            else:
                del self.count[net]

    def allowed(self) -> np.ndarray:
        """Boolean mask over the vocabulary of the tokens allowed next."""
        t = self.t
        m = np.zeros(t.size, dtype=bool)
        room = self.max_len - self.length - 1  # tokens left after the next one
        if self.phase == -1:
            m[t.bos] = True
        elif self.phase == _TYPE:
            m[t.types] = True
        elif self.phase == _PORTS:
            if len(self.declared) == 0:
                m[t.vss] = True
            elif len(self.declared) == 1:
                m[t.vdd] = True
            else:
                d = len(self.declared)
                if boundary_cost(d) <= room:
                    m[t.sep] = True
                if 1 + boundary_cost(d + 1) <= room:
                    for p in t.port_ids:
                        if p > self.last_port:
                            m[p] = True
        elif self.phase == _DEVICE:
            if self.needs == 0:
                m[t.eos] = True
            for kid, kind in t.kind_ids.items():
                if self._term_cost(kind, 0, (), self.needs, self.neutral_nonrail, self.n_internal) <= room:
                    m[kid] = True
        elif self.phase == _TERM:
            excluded = self._excluded()
            cands = [*self.declared, t.ground, *t.internal[: self.n_internal]]
            for net in cands:
                if net in excluded:
                    continue
                d_needs, d_neutral = self._delta(net)
                if self._after_net_cost(self.needs + d_needs, self.neutral_nonrail + d_neutral, self.n_internal,
                                        net, False) <= room:
                    m[net] = True
            if self.n_internal < MAX_INTERNAL:
                new = t.internal[self.n_internal]
                if new not in excluded and self._after_net_cost(
                        self.needs + 1, self.neutral_nonrail, self.n_internal + 1, new, True) <= room:
                    m[new] = True
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
        elif self.phase == _PORTS:
            if tok == t.sep:
                self.phase = _DEVICE
            else:
                self.declared.append(tok)
                self.last_port = tok
                self.needs += 1
        elif self.phase == _DEVICE:
            if tok == t.eos:
                self.phase = _DONE
            else:
                self.kind, self.slot, self.dev = t.kind_ids[tok], 0, []
                self.phase = _TERM
        elif self.phase == _TERM:
            if tok in t.internal_set and self.count.get(tok, 0) == 0:
                self.n_internal += 1
            self._add_terminal(tok)
            self.dev.append(tok)
            self.slot += 1
            if self.slot == len(KIND_SPEC[self.kind].roles):
                self.phase = _DEVICE
        else:
            raise TopologyError("the sequence is already finished")

    def slot_label(self) -> str:
        """What the next token is: ``type``, ``port``, ``device`` or ``<kind>.<role>``."""
        if self.phase == _TERM:
            return f"{self.kind}.{KIND_SPEC[self.kind].roles[self.slot]}"
        return {-1: "start", _TYPE: "type", _PORTS: "port", _DEVICE: "device", _DONE: "done"}[self.phase]


def walk(vocab: Vocab, tokens: Sequence[str], max_len: int = MAX_LEN) -> GrammarState:
    """Run ``tokens`` through the grammar (raising :class:`TopologyError` at the first one it refuses).

    >>> v = Vocab(("VSS", "VDD"))
    >>> walk(v, "<bos> type:other VSS VDD <sep> res VDD VSS <eos>".split()).done
    True
    >>> walk(v, "<bos> type:other VSS VDD <sep> res VDD VDD".split())
    Traceback (most recent call last):
    ...
    circuitforge.generators.topology.errors.TopologyError: token 'VDD' not allowed at position 7
    """
    g = GrammarState(vocab, max_len)
    for tok in tokens:
        g.step(vocab.id(tok))
    return g
