"""Helpers shared by the writers."""

from __future__ import annotations

from collections.abc import Iterable

from ..device import Device
from ..findings import Finding
from ..netlist import Netlist, Subckt

__all__ = ["unique_names", "net_renames", "Emitter"]


class Emitter:
    """Collects output lines and writer warnings."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.warnings: list[Finding] = []

    def line(self, text: str) -> None:
        self.lines.append(text)

    def warn(self, code: str, message: str, dev: Device | None = None) -> None:
        self.warnings.append(Finding("warning", code, message, dev.loc if dev else None,
                                     None, dev.name if dev else None))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def unique_names(names: Iterable[str], fold: bool) -> dict[str, str]:
    """Map each name to itself, or to ``name_1``... when it collides (case-folded when ``fold``)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for n in names:
        key = n.lower() if fold else n
        if key not in taken:
            taken.add(key)
            out[n] = n
            continue
        k = 1
        while (f"{n}_{k}".lower() if fold else f"{n}_{k}") in taken:
            k += 1
        new = f"{n}_{k}"
        taken.add(new.lower() if fold else new)
        out[n] = new
    return out


def net_renames(scope: Netlist | Subckt, fold: bool, extra: Iterable[str] = ()) -> dict[str, str]:
    """Renames that keep nets distinct in a case-insensitive target (``a`` and ``A`` in Spectre)."""
    names = list(dict.fromkeys([*extra, *scope.nets()]))
    m = unique_names(names, fold)
    return {k: v for k, v in m.items() if k != v}
