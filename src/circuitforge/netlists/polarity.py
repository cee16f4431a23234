"""The one polarity rule: is a transistor n- or p-type?

In order: the model card's type (``nmos``, ``pnp``, ``njf`` ...), else a
``type=n|p`` parameter of the card (Spectre ``bsim4`` cards), else the model
name (:func:`polarity_from_name`). Topology comparison, graph features,
process cards, biasing and drawings all ask here.

>>> from circuitforge.netlists import parse
>>> n = parse("* t\\nM1 d g 0 0 mymos\\nM2 d g 0 0 sky130_fd_pr__pfet_01v8\\n.model mymos nmos level=1\\n")
>>> [device_polarity(n, d) for d in n.devices]
['n', 'p']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:  # annotations only: netlist.py imports model.py, which imports this module
    from .device import Device
    from .netlist import Netlist
    from .values import Value

__all__ = ["POLAR_KINDS", "POLARITIES", "TYPE_POLARITY", "Polarity", "card_polarity", "device_polarity",
           "polarity_from_name"]

Polarity = Literal["n", "p"]
POLARITIES: tuple[str, ...] = get_args(Polarity)

POLAR_KINDS = frozenset({"mosfet", "bjt", "jfet", "mesfet"})
"""Kinds that come in n and p flavours."""

TYPE_POLARITY: Mapping[str, Polarity] = {
    "nmos": "n", "pmos": "p", "npn": "n", "pnp": "p", "lpnp": "p",
    "njf": "n", "pjf": "p", "nmf": "n", "pmf": "p",
}
"""Model card types (lower case) that carry a polarity."""


def card_polarity(card_type: str, params: Mapping[str, Value] | None = None) -> Polarity | None:
    """``n``/``p`` of a model card from its type, else its ``type`` parameter (``type=p``, ``"pnp"``).

    >>> from circuitforge.netlists.values import Value
    >>> card_polarity("pmos"), card_polarity("bsim4", {"TYPE": Value.parse("p")}), card_polarity("d")
    ('p', 'p', None)
    """
    pol = TYPE_POLARITY.get(card_type.lower())
    if pol is not None:
        return pol
    for k, v in (params or {}).items():
        if k.lower() == "type":
            w = v.text.lower().strip('"')
            if w in ("n", "p"):
                return w  # type: ignore[return-value]
            if w in ("npn", "pnp"):
                return w[0]  # type: ignore[return-value]
    return None


def polarity_from_name(kind: str, model: str | None) -> Polarity | None:
    """``n`` or ``p`` as evident from a device's model name (no card needed), else None.

    For a BJT ``npn``/``pnp`` anywhere in the name; then ``nmos``/``pmos``,
    ``nch``/``pch`` or ``nfet``/``pfet`` anywhere; else the first letter when it
    is ``n`` or ``p``.

    >>> polarity_from_name("bjt", "qpnp_hv"), polarity_from_name("mosfet", "sky_pch"), polarity_from_name("mosfet", "x1")
    ('p', 'p', None)
    """
    name = (model or "").lower()
    if not name:
        return None
    keys: tuple[tuple[str, str], ...] = (("npn", "pnp"),) if kind == "bjt" else ()
    keys += (("nmos", "pmos"), ("nch", "pch"), ("nfet", "pfet"))
    for n_key, p_key in keys:
        has_n, has_p = n_key in name, p_key in name
        if has_n != has_p:
            return "n" if has_n else "p"
    return name[0] if name[0] in "np" else None  # type: ignore[return-value]


def device_polarity(netlist: Netlist | None, device: Device) -> Polarity | None:
    """``n``/``p`` of a MOSFET, BJT, JFET or MESFET: its model card (looked up in ``netlist``), else its
    model name; None for other kinds and when neither tells.

    >>> from circuitforge.netlists.device import Device
    >>> device_polarity(None, Device("Q1", "bjt", (("c", "c"), ("b", "b"), ("e", "0")), model="qpnp_hv"))
    'p'
    """
    if device.kind not in POLAR_KINDS or not device.model:
        return None
    if netlist is not None:
        card = netlist.find_model(device.model)
        if card is not None:
            pol = card_polarity(card.type, card.params)
            if pol is not None:
                return pol
    return polarity_from_name(device.kind, device.model)
