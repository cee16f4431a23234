"""Slot labels: what the next token of a sequence is (the model's second input beside the token).

The label is read from the tokens alone with lenient rules, so it is defined for the
unconstrained sampler's malformed sequences too; on a well-formed prefix it is the grammar's
:meth:`~.grammar.GrammarState.slot_label`.

>>> tr = SlotTracker()
>>> [tr.push(t) for t in "<bos> type:opamp VSS VDD <sep> res VDD".split()]
['type', 'port', 'port', 'port', 'device', 'res.p', 'res.n']
"""

from __future__ import annotations

from collections.abc import Sequence

from .tokens import BOS, EOS, KIND_SPEC, SEP

__all__ = ["SLOTS", "SLOT_INDEX", "SlotTracker", "slot_ids"]

SLOTS: tuple[str, ...] = ("start", "type", "port", "device", "done",
                          *(f"{k}.{r}" for k, s in KIND_SPEC.items() for r in s.roles))
SLOT_INDEX = {s: i for i, s in enumerate(SLOTS)}


class SlotTracker:
    """Follows a token stream and names the slot of the next token."""

    __slots__ = ("label", "kind", "slot")

    def __init__(self) -> None:
        self.label, self.kind, self.slot = "start", "", 0

    def push(self, tok: str) -> str:
        """Consume ``tok``; return the label of the slot after it."""
        if tok == BOS:
            self.label = "type"
        elif tok.startswith("type:"):
            self.label = "port"
        elif tok == SEP:
            self.label = "device"
        elif tok == EOS:
            self.label = "done"
        elif tok in KIND_SPEC:
            self.kind, self.slot = tok, 0
            self.label = f"{tok}.{KIND_SPEC[tok].roles[0]}"
        elif self.label == "port" or self.label in ("device", "done", "start", "type"):
            pass  # a port in the port list, or a net out of place: the slot does not move
        else:
            self.slot += 1
            roles = KIND_SPEC[self.kind].roles
            self.label = f"{self.kind}.{roles[self.slot]}" if self.slot < len(roles) else "device"
        return self.label


def slot_ids(tokens: Sequence[str]) -> list[int]:
    """Slot index after each token (position ``i`` names the slot of token ``i + 1``)."""
    tr = SlotTracker()
    return [SLOT_INDEX[tr.push(t)] for t in tokens]
