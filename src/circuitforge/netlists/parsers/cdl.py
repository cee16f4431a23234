"""CDL (Circuit Description Language, as auCdl and layout tools write it): what SPICE lacks.

CDL is SPICE with annotations in comments and ``$`` words:

- ``*.PININFO a:I y:O vdd:B`` after a ``.SUBCKT`` line gives pin directions;
  ``*.BIPOLAR``, ``*.RESI``, ``*.SCALE``, ``*.EQUATION``... are netlister
  directives. All are kept verbatim as statements of the scope they are in
  (:func:`pin_directions` reads the directions back).
- ``$[nch]`` names the model of a device (``RR1 a b $[rppoly]``).
- ``$PINS a=n1 y=n2`` connects subcircuit pins by name.
- ``$KEY=value`` (``$SUB=vss``, ``$X=1.5``, ``$W=1u``) annotations are kept as
  parameters named with their ``$``; a SPICE writer puts them last on the
  line, where SPICE reads them as a comment.
- ``X1 a b / inv``: a ``/`` between the nets and the subcircuit name.

>>> words = split_cdl_words(["d", "g", "s", "b", "nch_mac", "w=1u", "$[nch]", "$X=2"])
>>> words.words, words.model, words.annotations
(['d', 'g', 's', 'b', 'nch_mac', 'w=1u'], 'nch', [('$X', '2')])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..netlist import Netlist, Subckt
from ..source import SourceLoc
from ..statement import Statement

__all__ = ["CdlWords", "split_cdl_words", "cdl_directive", "pin_directions", "PIN_DIRECTIONS"]

PIN_DIRECTIONS = {"I": "input", "O": "output", "B": "inout", "P": "power", "G": "ground"}
"""``*.PININFO`` direction letters."""


@dataclass(slots=True)
class CdlWords:
    """The words of a CDL element line with its ``$`` annotations taken out."""

    words: list[str]
    model: str | None = None
    pins: list[tuple[str, str]] = field(default_factory=list)
    annotations: list[tuple[str, str]] = field(default_factory=list)
    slash: int | None = None  # index in ``words`` of the subcircuit name after a ``/``


def split_cdl_words(words: list[str]) -> CdlWords:
    """Take ``$[model]``, ``$PINS pin=net...``, ``$KEY=value`` and ``/`` out of ``words``."""
    out = CdlWords([])
    in_pins = False
    for w in words:
        if w.startswith("$["):
            out.model = w[2:-1].strip() if w.endswith("]") else w[2:].strip()
            in_pins = False
        elif w.upper() == "$PINS":
            in_pins = True
        elif w.startswith("$") and "=" in w:
            k, v = w.split("=", 1)
            out.annotations.append((k, v))
            in_pins = False
        elif in_pins and "=" in w:
            k, v = w.split("=", 1)
            out.pins.append((k, v))
        elif w == "/":
            out.slash = len(out.words)
        elif w.startswith("/") and len(w) > 1 and out.slash is None and "=" not in w:
            out.slash = len(out.words)
            out.words.append(w[1:])
        else:
            out.words.append(w)
    return out


def cdl_directive(text: str, loc: SourceLoc, target: Netlist | Subckt) -> None:
    """Keep a ``*.`` directive (``*.PININFO a:I``) as a statement of ``target``."""
    target.statements.append(Statement("other", text, "spice", loc))


def pin_directions(scope: Subckt | Netlist) -> dict[str, str]:
    """Pin → direction (``input``, ``output``, ``inout``...) from the ``*.PININFO`` lines of ``scope``.

    >>> from circuitforge.netlists import parse
    >>> n = parse(".SUBCKT inv a y\\n*.PININFO a:I y:O\\n.ENDS\\n", dialect="cdl")
    >>> pin_directions(n.subckts["inv"])
    {'a': 'input', 'y': 'output'}
    """
    out: dict[str, str] = {}
    for st in scope.statements:
        words = st.text.split()
        if not words or words[0].upper() != "*.PININFO":
            continue
        for w in words[1:]:
            pin, _, d = w.rpartition(":")
            if pin:
                out[pin] = PIN_DIRECTIONS.get(d.upper(), d)
    return out
