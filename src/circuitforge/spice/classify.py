"""Reading ngspice's messages: what is an error, and which kind."""

from __future__ import annotations

import re

from .errors import ConvergenceError, DeckError, SimulationError

__all__ = ["classify_failure", "error_lines", "INFORMATIONAL"]

_CONVERGENCE = re.compile(
    r"singular matrix|timestep too small|time step too small|no convergence|gmin stepping failed|"
    r"source stepping failed|iteration limit|trouble with node|doanalyses: .*(?:too small|failed)|"
    r"op(?:erating point)? .*not (?:converge|found)", re.I)
_DECK = re.compile(
    r"error on line|unknown model|could not find|unknown device|no such|syntax error|unable to find|"
    r"is not defined|undefined|unknown parameter|not a valid|too few|too many|mismatch|can't find|"
    r"unrecognized|invalid|no circuit loaded|circuit not parsed|not in circuit|not in the circuit|"
    r"fatal error|not found", re.I)
INFORMATIONAL = re.compile(
    r"^(note:|warning:|using sparse|circuit:|doing analysis|no\. of data rows|reference value|"
    r"initial transient solution|\s*$|-+$|\s*node\s+voltage|ngspice-|\*+|supplies reduced|gmin stepping|"
    r"source stepping|trying gmin|starting|transient op|binary raw file|ascii raw file|"
    r"total (?:analysis|elapsed|dram)|\s*v\(|\s*i\()", re.I)


def error_lines(log: str) -> list[str]:
    """Lines of ngspice output that are not informational (notes, progress, tables)."""
    return [ln.strip() for ln in log.splitlines() if ln.strip() and not INFORMATIONAL.match(ln.strip())]


def classify_failure(log: str, what: str) -> SimulationError:
    """The typed failure for a run that produced no results for ``what`` (e.g. ``ac``)."""
    if _CONVERGENCE.search(log):
        lines = [ln.strip() for ln in log.splitlines() if _CONVERGENCE.search(ln)]
        node = next((ln for ln in lines if "trouble with node" in ln.lower()), lines[-1])
        return ConvergenceError(f"{what} did not converge: {node}", log)
    lines = error_lines(log)
    deck = [ln for ln in lines if _DECK.search(ln)]
    deck.sort(key=lambda ln: not ln.lower().startswith(("fatal error", "error")))
    if deck:
        msg = deck[0]
        if msg.lower().startswith("error on line"):
            # ngspice puts the offending line and the reason on the following lines
            raw = [ln.strip() for ln in log.splitlines() if ln.strip()]
            at = raw.index(msg) if msg in raw else -1
            if at >= 0:
                msg = " ".join(raw[at:at + 3])
        return DeckError(f"ngspice rejected the deck: {msg}", log)
    detail = lines[-1] if lines else "no message"
    return DeckError(f"ngspice produced no {what} results ({detail})", log)
