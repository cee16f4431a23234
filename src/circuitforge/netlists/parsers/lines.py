"""Reading netlist files: decoding, physical lines, and logical lines."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from ..source import SourceLoc

__all__ = ["decode", "LogicalLine", "spice_logical_lines", "strip_spice_comment", "OPAQUE_PRAGMA"]

OPAQUE_PRAGMA = "*@opaque "
"""Prefix of a comment line that holds a part which is not a SPICE device (a KiCad
connector, an IC symbol). Simulators skip it; circuitforge reads it back as an opaque part."""


def decode(data: bytes) -> str:
    """Text of a netlist file: UTF-8 (with or without BOM), UTF-16 by BOM, else Latin-1.

    LTspice writes UTF-16 or Latin-1 (where ``µ`` is the byte 0xB5); both read
    to the same text as a UTF-8 file.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if len(data) >= 4 and data[1:2] == b"\x00" and data[3:4] == b"\x00" and data[0:1] != b"\x00":
        return data.decode("utf-16-le", errors="replace")  # UTF-16 without BOM (LTspice)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_CDL_ANNOTATION = re.compile(r"\$(\[|PINS\b|[A-Za-z_]\w*\s*=)", re.I)


@dataclass(frozen=True, slots=True)
class LogicalLine:
    """One statement after continuation lines are joined (``text``) and where it began."""

    text: str
    loc: SourceLoc
    raw: str  # the physical lines as written, joined with newlines


def strip_spice_comment(line: str, *, cdl: bool = False) -> str:
    """Remove an end-of-line comment (``;`` anywhere, ``$`` after white space) outside quotes/braces.

    With ``cdl``, ``$[model]``, ``$PINS`` and ``$KEY=value`` are CDL annotations, not comments.
    """
    if ";" not in line and "$" not in line:
        return line
    depth = 0
    quote = False
    for i, ch in enumerate(line):
        if ch == "'" :
            quote = not quote
        elif quote:
            continue
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and ch == ";":
            return line[:i].rstrip()
        elif depth == 0 and ch == "$" and (i == 0 or line[i - 1] in " \t"):
            if cdl and _CDL_ANNOTATION.match(line, i):
                continue
            return line[:i].rstrip()
    return line


def spice_logical_lines(lines: list[str], filename: str | None, first_line: int = 1, *,
                        cdl: bool = False, cadence: bool = False) -> list[LogicalLine]:
    """Join ``+`` continuations, drop ``*`` and ``#`` comment lines and end-of-line comments.

    ``.control`` ... ``.endc`` blocks are returned as one logical line each,
    with their lines joined by newlines and nothing stripped. ``*@opaque``
    lines (:data:`OPAQUE_PRAGMA`) are kept, as are, with ``cdl``, ``*.``
    directives (``*.PININFO``) and ``$`` annotations. In Cadence decks (``cdl`` or
    ``cadence``) a ``+`` line right after a ``*.`` directive continues that directive
    (Cadence writes ``*.GLOBAL vdd!`` / ``+ gnd!``): kept with ``cdl``, a comment with
    ``cadence``; elsewhere it continues the statement before the comment, as in ngspice.
    Lines starting with ``#`` (``#REVISION: Rev: 13``, written by some
    schematic tools) are comments.

    With ``cadence`` (HSPICE and CDL decks): a line ending in ``\\`` continues on
    the next line, ``\\\\`` without a space between (HSPICE user guide, "Input
    netlist file guidelines"), and ``//`` lines are comments (Cadence's netlisters
    write ``// End of subcircuit definition.`` into decks converted from Spectre).

    >>> [ll.text for ll in spice_logical_lines(["R1 a b 1k", "*.GLOBAL vdd!", "+ gnd!", "#REV: 13"], None,
    ...                                        cadence=True)]
    ['R1 a b 1k']
    >>> [ll.text for ll in spice_logical_lines(["R1 a b 1k", "*.note", "+ tc1=1m"], None)]
    ['R1 a b 1k tc1=1m']
    >>> backslash = chr(92)
    >>> [ll.text for ll in spice_logical_lines([".param a=1 " + backslash, "  b=2", "// note"], None, cadence=True)]
    ['.param a=1 b=2']
    """
    out: list[LogicalLine] = []
    cur: list[str] = []
    raw: list[str] = []
    start = 0
    in_control = False
    ctrl: list[str] = []
    ctrl_start = 0
    in_directive = False  # the last non-blank line was a *. directive
    glue: str | None = None  # the previous line ended in '\\' (" ") or '\\\\' ("")

    def flush() -> None:
        nonlocal cur, raw
        if cur:
            out.append(LogicalLine(" ".join(cur), SourceLoc(filename, start, 1), "\n".join(raw)))
        cur, raw = [], []

    for idx, phys in enumerate(lines):
        lineno = first_line + idx
        line = phys.rstrip("\r\n")
        stripped = line.strip()
        if in_control:
            ctrl.append(line)
            if stripped.lower().startswith(".endc"):
                out.append(LogicalLine("\n".join(ctrl), SourceLoc(filename, ctrl_start, 1), "\n".join(ctrl)))
                in_control = False
                ctrl = []
            continue
        if not stripped:
            continue
        # after a *. line, '+' continues that directive in Cadence decks (CDL, HSPICE); in ngspice and
        # LTspice decks a comment line does not break a continuation, so '+' continues the statement
        # before the comment, as ngspice reads it (nothing is dropped)
        if in_directive and (stripped.startswith("*+") or stripped[0] == "+" and (cdl or cadence)):
            if cdl:  # continues the kept *. directive (``*+`` too, as in ``*.PIN vdd!`` / ``*+ gnd!``)
                cur.append(strip_spice_comment(stripped.lstrip("*"), cdl=cdl)[1:].strip())
                raw.append(line)
            continue  # otherwise part of a comment
        in_directive = stripped.startswith("*.")
        if stripped[0] == "#" or cadence and stripped.startswith("//"):
            continue
        if stripped[0] == "*":
            if not (stripped.startswith(OPAQUE_PRAGMA) or (cdl and stripped[1:2] == ".")):
                continue
            flush()
            cur = [stripped]
            raw = [line]
            start = lineno
            continue
        if stripped.lower().startswith(".control"):
            flush()
            in_control = True
            ctrl = [line]
            ctrl_start = lineno
            continue
        body = strip_spice_comment(stripped, cdl=cdl)
        ends_glue: str | None = None
        if cadence and body.endswith("\\"):
            ends_glue = "" if body.endswith("\\\\") else " "
            body = body.rstrip("\\").rstrip()
        if glue is not None and cur:
            cur[-1] = f"{cur[-1]}{glue}{body.strip()}"
            raw.append(line)
            glue = ends_glue
            continue
        glue = ends_glue
        if stripped.startswith("+"):
            if cur:
                cur.append(body[1:].strip())
                raw.append(line)
                continue
            body = body[1:].strip()  # a stray continuation: treat as a new statement
        flush()
        if not body:
            continue
        cur = [body]
        raw = [line]
        start = lineno
    flush()
    if in_control:
        out.append(LogicalLine("\n".join(ctrl), SourceLoc(filename, ctrl_start, 1), "\n".join(ctrl)))
    return out
