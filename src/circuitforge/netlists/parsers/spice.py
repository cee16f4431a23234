"""ngspice / SPICE3 reader.

Case-insensitive names (a net keeps the spelling it was first seen with),
``+`` continuations, ``*`` comment lines, ``;`` and `` $`` end-of-line
comments, ``.subckt``/``.ends`` (nested), ``.model``, ``.param``,
``.include``/``.lib`` (resolved relative to the including file, inside the
allowed root), ``.global``, ``.option``, analyses, ``.control`` blocks and
``.meas`` kept verbatim, ``.alter``/``.data``/``.protect`` blocks kept
verbatim as one statement each, ``.end``. The HSPICE, LTspice, CDL and KiCad
dialects are this reader with the switches of :class:`.flavor.SpiceFlavor`.

Everywhere: a bare ``.param`` (auCdl writes one when a cell has no design
variables) is nothing; ``.param`` expressions may have spaces around their
operators (``.param r = 10k * 2``, LTspice); ``E``/``G`` lines with four
nodes and ``key=value`` parameters (LTspice ``Laplace=``) are controlled
sources; ``off``/``on`` are flags only after the nodes and the model, so a
node may be named ``OFF`` (``D3 OFF N001 MBR0520L``, LTspice).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from ..device import SPICE_LETTERS, TERMINAL_ROLES, Device, kind_name
from ..errors import ParseError, UnsafeInputError
from ..model import ModelCard
from ..netlist import Netlist, Subckt
from ..source import SourceLoc
from ..statement import Statement
from ...core.units import try_parse_number
from ..values import Value
from .cdl import cdl_directive, split_cdl_words
from .context import UNSAFE_CONTROL_COMMANDS, ParseContext
from .flavor import normalize_ltspice_value
from .lines import OPAQUE_PRAGMA, LogicalLine, spice_logical_lines
from .tokens import is_assignment, split_params, tokenize

__all__ = ["parse_spice", "parse_spice_lines", "WAVEFORM_PARAMS", "WORD_PARAMS", "source_params"]

WAVEFORM_PARAMS: dict[str, tuple[str, ...]] = {
    "pulse": ("val0", "val1", "delay", "rise", "fall", "width", "period", "phase"),
    "sin": ("sinedc", "ampl", "freq", "delay", "damp", "sinephase"),
    "exp": ("val0", "val1", "td1", "tau1", "td2", "tau2"),
    "sffm": ("sinedc", "ampl", "fc", "mdi", "fs", "phasec", "phases"),
    "am": ("ampl", "sinedc", "fm", "fc", "delay", "phase"),
}
"""SPICE waveform arguments in order, named as Spectre names them (the IR's names)."""

WORD_PARAMS = frozenset({"type", "probe", "file", "region", "model", "ind1", "ind2", "wave", "laplace"})
"""Parameters whose value is a word, never an expression."""

_ANALYSES = {".op", ".dc", ".ac", ".tran", ".noise", ".tf", ".sens", ".pz", ".disto", ".four",
             ".pss", ".sp", ".hb"}
_KINDS = {".option": "option", ".options": "option", ".opt": "option", ".temp": "option",
          ".meas": "measure", ".measure": "measure", ".save": "output", ".print": "output",
          ".plot": "output", ".probe": "output", ".width": "output", ".ic": "initial",
          ".nodeset": "initial", ".func": "function", ".csparam": "other", ".if": "other",
          ".elseif": "other", ".else": "other", ".endif": "other", ".alter": "other",
          ".data": "other", ".enddata": "other", ".step": "other", ".backanno": "other",
          ".model_bin": "other", ".connect": "other", ".dcvolt": "initial", ".fourier": "analysis",
          ".net": "analysis", ".noise_": "analysis", ".lin": "analysis", ".four_": "analysis",
          ".hdl": "other", ".wave": "other", ".machine": "other", ".endmachine": "other",
          ".savebias": "other", ".loadbias": "other", ".txt": "other", ".ferret": "other"}
# blocks whose lines are not SPICE statements: kept verbatim as one statement, up to their end
_BLOCKS = {".alter": (".end",), ".data": (".enddata",), ".protect": (".unprotect", ".unprot"),
           ".prot": (".unprotect", ".unprot")}
_FLAGS = frozenset({"off", "on"})
_BEHAVIOURAL_KEYS = ("value", "vol", "cur", "poly", "table", "laplace", "freq")
_LTSPICE_WAVES = {"sin": WAVEFORM_PARAMS["sin"] + ("ncycles",),
                  "pulse": WAVEFORM_PARAMS["pulse"][:7] + ("ncycles",)}
"""LTspice: ``SINE(Voffset Vamp Freq Td Theta Phi Ncycles)``, ``PULSE(V1 V2 Tdelay Trise Tfall Ton Tperiod
Ncycles)`` (LTspice manual, "V. Voltage Source"); the 8th PULSE value is not ngspice's phase."""
_SPECIAL_RE = re.compile(r"(poly|table|laplace|freq)(?!\w)", re.I)  # not 'Polyfuse'
_OPERATOR_CHARS = frozenset("+-*/^%<>=!&|?:")
_RATING_RE = re.compile(r"^(\S+?)\s*/\s*(.*[A-Za-z%\u00b5].*)$")
_WAVE_RE = re.compile(r"^(pulse|sine|sin|exp|pwl|sffm|am|trnoise|trrandom|extern)(\(.*\))?$", re.I | re.S)
# LTspice-only instance parameters of passives and sources (ngspice refuses them)


def parse_spice(text: str, ctx: ParseContext, *, title: bool = True) -> None:
    """Parse a whole SPICE deck into ``ctx.netlist`` (the first line is its title)."""
    lines = text.splitlines()
    first = 1
    if title and ctx.flavor.title_line and lines:
        head = lines[0].strip()
        if head.startswith("."):
            pass  # a deck that starts with a directive has no title line
        else:
            ctx.netlist.title = head.lstrip("*").strip() if head.startswith("*") else head
            if head and not head.startswith("*") and _looks_like_element(head):
                ctx.warn("title-looks-like-element",
                         "the first line is the title in SPICE and was not read as a device "
                         "(start the file with a '* title' line)", SourceLoc(ctx.filename, 1), head)
            lines = lines[1:]
            first = 2
    parse_spice_lines(lines, ctx, first)
    if ctx.flavor.kicad_parts:
        _kicad_jfets(ctx)


_KICAD_MODEL_KINDS = {("J", 3): (("njf", "pjf"), "jfet"), ("R", 2): (("r", "res"), "resistor"),
                      ("C", 2): (("c", "cap"), "capacitor"), ("L", 2): (("l", "ind"), "inductor")}
"""(letter, nets): model card types that make a KiCad part that SPICE device, and the device kind."""


def _kicad_jfets(ctx: ParseContext) -> None:
    """Parts of a KiCad export whose model is a card of the device their letter names become that device.

    ``J`` lines were read as connectors: those whose model is a JFET card are JFETs. ``R2 a b __R2``
    with ``.model __R2 r( r=10Meg tc1=100u )`` (KiCad writes passives with temperature coefficients so;
    ngspice manual, "Resistor model", "Capacitor model", "Inductor model") is a resistor, and so on.
    """
    net = ctx.netlist
    fixed: set[tuple[str | None, int]] = set()

    def fix(scope: Netlist | Subckt, sub: Subckt | None) -> None:
        for i, d in enumerate(scope.devices):
            rule = _KICAD_MODEL_KINDS.get((d.name[:1].upper(), len(d.terminals)))
            if d.kind != "opaque" or rule is None or d.model is None:
                continue
            card = net.find_model(d.model, sub)
            types, kind = rule
            if card is not None and card.type.lower() in types:
                scope.devices[i] = replace(d, kind=kind, terminals=tuple(
                    (r, n) for r, (_, n) in zip(TERMINAL_ROLES[kind], d.terminals)))
                if d.loc is not None:
                    fixed.add((d.loc.file, d.loc.line))
        for inner in scope.subckts.values():
            fix(inner, inner)

    fix(net, None)
    if fixed:
        net.warnings[:] = [w for w in net.warnings if not (
            w.code == "unknown-element" and w.loc is not None and (w.loc.file, w.loc.line) in fixed)]


def parse_spice_lines(lines: list[str], ctx: ParseContext, first_line: int = 1) -> None:
    """Parse SPICE statements (no title line) into ``ctx``; used for Spectre's ``lang=spice`` too."""
    logical = spice_logical_lines(lines, ctx.filename, first_line, cdl=ctx.flavor.cdl, cadence=ctx.flavor.cadence)
    i = 0
    n = len(logical)
    while i < n:
        ll = logical[i]
        if ll.text[0] == "." and ll.text.split(None, 1)[0].lower() in _BLOCKS:
            i = _block(logical, i, ctx)
            continue
        if _statement(ll, ctx):
            rest = [x for x in logical[i + 1:] if x.text.strip()]
            if rest:
                ctx.warn("after-end", f"{len(rest)} statement(s) after .end ignored (as ngspice does)",
                         rest[0].loc, rest[0].raw.splitlines()[0])
            return
        i += 1


def _block(logical: list[LogicalLine], i: int, ctx: ParseContext) -> int:
    """Keep an ``.alter`` (to the next ``.alter`` or ``.end``), ``.data`` (to ``.enddata``) or
    ``.protect`` (to ``.unprotect``) block verbatim; return the index of the next line to read."""
    first = logical[i]
    ends = _BLOCKS[first.text.split(None, 1)[0].lower()]
    raw = [first.raw]
    j = i + 1
    while j < len(logical):
        word = logical[j].text.split(None, 1)[0].lower()
        if word in ends or (word == ".alter" and ".end" in ends):
            if word not in (".end", ".alter"):
                raw.append(logical[j].raw)
                j += 1
            break
        raw.append(logical[j].raw)
        j += 1
    ctx.add_statement(Statement("other", "\n".join(raw), "spice", first.loc))
    return j


def _looks_like_element(line: str) -> bool:
    words = line.split()
    return (len(words) >= 3 and words[0][0].upper() in "RCLMQDVIX"
            and words[0][1:2].isalnum() and not any(c in line for c in ",:!?"))


def _statement(ll: LogicalLine, ctx: ParseContext) -> bool:
    """Handle one logical line; True when it was ``.end``."""
    text = ll.text.strip()
    if text.startswith("."):
        return _directive(text, ll, ctx)
    if text[0] == "*":
        if text.startswith(OPAQUE_PRAGMA):
            _opaque(tokenize(text[len(OPAQUE_PRAGMA):], ll.loc), ll, ctx, warn=False, min_words=0)
        else:  # a CDL directive (*.PININFO, *.BIPOLAR, ...)
            cdl_directive(text, ll.loc, ctx.target())
            if text.split(None, 1)[0].upper() == "*.GLOBAL":  # auCdl: the global nets (vdd!, gnd!)
                _globals(text.split()[1:], ctx)
        return False
    if ctx.flavor.cadence and _cadence_statement(text, ll, ctx):
        return False
    if text[0].isalpha():
        _element(text, ll, ctx)
        return False
    raise ParseError("expected a device line (starting with a letter) or a '.' directive", ll.loc, text)


def _cadence_statement(text: str, ll: LogicalLine, ctx: ParseContext) -> bool:
    """Spectre-style ``ends [name]`` closing the open ``.subckt``, and ``parameters a=1 b``, as Cadence
    netlisters write them into HSPICE and CDL decks; True when ``text`` was one of them."""
    words = text.split()
    first = words[0].lower()
    if first == "ends" and len(words) <= 2 and ctx.scopes:
        ctx.close_subckt(words[1] if len(words) == 2 else None, ll.loc, text)
        return True
    if first == "parameters":
        _params(text[len(words[0]):].strip(), ll, ctx)
        return True
    return False


# ----------------------------------------------------------------------------------------
# directives
# ----------------------------------------------------------------------------------------

def _directive(text: str, ll: LogicalLine, ctx: ParseContext) -> bool:
    word = text.split(None, 1)[0].lower()
    rest = text[len(word):].strip()
    loc = ll.loc
    if word == ".end":
        return True
    if word == ".title":
        ctx.netlist.title = rest
    elif word == ".subckt":
        _subckt(rest, ll, ctx)
    elif word == ".ends":
        ctx.close_subckt(rest.split()[0] if rest else None, loc, text, mismatch_warns=True)
    elif word == ".model":
        _model(rest, ll, ctx)
    elif word == ".param" or word == ".params":
        _params(rest, ll, ctx)
    elif word in (".include", ".inc"):
        path = _unquote(rest)
        if not path:
            raise ParseError(".include needs a file name", loc, text)
        ctx.include(path, None, "include", "spice", loc, text)
    elif word == ".lib":
        words = tokenize(rest, loc)
        if len(words) == 1 and ctx.flavor.lib_is_include:  # LTspice: .lib file
            ctx.include(_unquote(words[0]), None, "include", "spice", loc, text)
        elif len(words) >= 2:
            ctx.include(_unquote(words[0]), _unquote(words[1]), "lib", "spice", loc, text)
        elif len(words) == 1:
            if ctx.scopes or ctx.lib_section is not None:
                raise ParseError(".lib section opened inside a subcircuit or another section", loc, text)
            sec = Netlist(dialect=ctx.netlist.dialect, case_sensitive=ctx.case_sensitive,
                          source=ctx.filename, loc=loc)
            ctx.lib_section = (words[0], sec, loc)
        else:
            raise ParseError(".lib needs a file and a section, or a section name", loc, text)
    elif word == ".endl":
        if ctx.lib_section is None:
            raise ParseError(".endl without an open .lib section", loc, text)
        name, sec, _ = ctx.lib_section
        ctx.lib_section = None
        ctx.netlist.libraries[name] = sec
    elif word == ".global":
        _globals(tokenize(rest, loc), ctx)
    elif word == ".control":
        _check_control(ll, ctx)
        ctx.add_statement(Statement("control", ll.raw, "spice", loc))
    elif word == ".endc":
        ctx.warn("stray-endc", ".endc without .control ignored", loc, text)
    elif word in _ANALYSES:
        ctx.add_statement(Statement("analysis", ll.raw, "spice", loc))
    elif word in _KINDS:
        ctx.add_statement(Statement(_KINDS[word], ll.raw, "spice", loc))  # type: ignore[arg-type]
    else:
        ctx.warn("unknown-directive", f"unknown directive {word!r} kept verbatim", loc, text)
        ctx.add_statement(Statement("other", ll.raw, "spice", loc))
    return False


def _globals(names: list[str], ctx: ParseContext) -> None:
    for n in names:
        net = ctx.net(n)
        if net not in ctx.netlist.globals:
            ctx.netlist.globals.append(net)


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def _check_control(ll: LogicalLine, ctx: ParseContext) -> None:
    if ctx.options.allow_unsafe:
        return
    for k, line in enumerate(ll.raw.splitlines()):
        s = line.strip()
        if not s or s.startswith("*"):
            continue
        cmd = s.split()[0].lower()
        if cmd.startswith("!") or cmd in UNSAFE_CONTROL_COMMANDS:
            raise UnsafeInputError(
                f".control block runs {cmd!r}, which can execute programs or read files; refused "
                "(pass allow_unsafe=True / --allow-unsafe to accept it)",
                SourceLoc(ll.loc.file, ll.loc.line + k), s)


def _subckt(rest: str, ll: LogicalLine, ctx: ParseContext) -> None:
    words = tokenize(rest, ll.loc)
    if not words:
        raise ParseError(".subckt needs a name", ll.loc, ll.text)
    name = words[0]
    ports: list[str] = []
    params: list[tuple[str, str]] = []
    seen_assign = False
    for w in words[1:]:
        if w.startswith("$") and ctx.flavor.cdl:
            if "=" in w:
                params.append(tuple(w[1:].split("=", 1)))  # type: ignore[arg-type]
            continue
        if w.lower() in ("params:", "param:"):
            seen_assign = True
            continue
        if w.lower().startswith("params:"):
            w = w[7:]
            seen_assign = True
        if is_assignment(w):
            k, v = w.split("=", 1)
            params.append((k, v))
            seen_assign = True
        elif seen_assign:
            raise ParseError(f"port {w!r} after the parameters of subcircuit {name!r}", ll.loc, ll.text)
        else:
            ports.append(w)
    sub = Subckt(name, (), loc=ll.loc)
    ctx.open_subckt(sub)
    sub.ports = tuple(ctx.net(p) for p in ports)
    for k, v in params:
        sub.params[k] = Value.parse(v, "spice", ll.loc, bare_expr=True)


def _model(rest: str, ll: LogicalLine, ctx: ParseContext) -> None:
    m = re.match(r"\s*(\S+)\s+([A-Za-z_][\w]*)\s*(.*)$", rest, re.S)
    if m is None:
        raise ParseError(".model needs a name and a type (e.g. '.model nch nmos level=54')", ll.loc, ll.text)
    name, mtype, body = m.group(1), m.group(2), m.group(3).strip()
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    elif ctx.flavor.ltspice_sources and _half_parenthesised(body):
        # LTspice reads '.model SW1 SW(Ron=1m Vt=.5' and '.model q1 NPN IS=1f BF=100)' (a parenthesis
        # only separates fields, as in SPICE3): the card is complete, one of its parentheses is missing
        ctx.warn("model-unclosed", f"model {name!r} has an unmatched parenthesis around its parameters; "
                 "read as if it had both", ll.loc, ll.text)
        body = body[1:] if body.startswith("(") else body[:-1]
    elif body.startswith("("):
        raise ParseError(f"unbalanced '(' in model {name!r}", ll.loc, ll.text)
    words = tokenize(body, ll.loc, commas=True)
    pos, kv = split_params(words)
    params: dict[str, Value] = {}
    for k, v in kv:
        params[k] = _value(k, v, ll)
    if pos:
        ctx.warn("model-positional", f"words without '=' in model {name!r} ignored: {' '.join(pos)}",
                 ll.loc, ll.text)
    ctx.add_model(ModelCard(name, mtype, params, ll.loc))


def _half_parenthesised(body: str) -> bool:
    """``(a=1 b=2`` or ``a=1 b=2)``: the parameter list of a model card with one parenthesis missing."""
    return (body.startswith("(") and ")" not in body) or (body.endswith(")") and "(" not in body)


def _params(rest: str, ll: LogicalLine, ctx: ParseContext) -> None:
    words = tokenize(rest, ll.loc, commas=True)
    if not words:
        return  # a bare .PARAM (auCdl writes one for a cell without design variables)
    if any("(" in w.split("=", 1)[0] for w in words):
        ctx.add_statement(Statement("function", ll.raw, "spice", ll.loc))  # .param f(x)=...
        return
    for k, v in _param_assignments(words, ll, ctx):
        ctx.add_param(k, Value.parse(v, "spice", ll.loc, bare_expr=True))


def _param_assignments(words: list[str], ll: LogicalLine, ctx: ParseContext) -> list[tuple[str, str]]:
    """``name=value`` pairs of a ``.param`` line whose expressions may be spread over several words
    (``r = 10k * 2`` is the words ``r=10k``, ``*``, ``2``): a word that starts with an operator, or
    follows a value that ends with one, continues that value. With the Cadence flavours a bare name
    inside a subcircuit (Spectre ``parameters w l=1u``: declared without a default, which the Spectre
    reference allows in subcircuits only) is skipped with a warning."""
    out: list[tuple[str, str]] = []
    for w in words:
        if out and (w[0] in _OPERATOR_CHARS or out[-1][1][-1:] in _OPERATOR_CHARS):
            out[-1] = (out[-1][0], f"{out[-1][1]} {w}")
            continue
        if not is_assignment(w):
            if ctx.flavor.cadence and ctx.scopes and w.replace("_", "a").isalnum() and not w[0].isdigit():
                ctx.warn("param-without-value", f"parameter {w!r} is declared without a value; not kept",
                         ll.loc, ll.text)
                continue
            raise ParseError(f"expected name=value in .param, found {w!r}", ll.loc, ll.text)
        k, v = w.split("=", 1)
        out.append((k, v))
    for k, v in out:
        if not v:
            raise ParseError(f"parameter {k!r} has no value", ll.loc, ll.text)
    return out


# ----------------------------------------------------------------------------------------
# elements
# ----------------------------------------------------------------------------------------

def _value(key: str, text: str, ll: LogicalLine) -> Value:
    if key.lower() in WORD_PARAMS or not text:
        return Value.word(text, ll.loc)
    return Value.parse(text, "spice", ll.loc, bare_expr=True)


@lru_cache(maxsize=8192)
def _is_number(word: str) -> bool:
    return try_parse_number(word, "spice") is not None


def _is_value(word: str) -> bool:
    return (_is_number(word)
            or (word.startswith("{") and word.endswith("}"))
            or (word.startswith("'") and word.endswith("'")))


_SOURCE_WORDS = frozenset({"dc", "ac", "distof1", "distof2", "load", "portnum", "z0"})
_NAME_RE = re.compile(r"^[A-Za-z_][\w.]*$")


def _is_param_name(word: str) -> bool:
    """A bare parameter name standing for a value (not a source keyword nor a waveform)."""
    return (_NAME_RE.match(word) is not None and word.lower() not in _SOURCE_WORDS
            and _WAVE_RE.match(word) is None)


def _need(kind: str, name: str, nodes: list[str], n: int, ll: LogicalLine) -> None:
    if len(nodes) < n:
        raise ParseError(f"expected {n} nodes for {kind_name(kind)} {name} (got {len(nodes)})", ll.loc, ll.text)


def _opaque(words: list[str], ll: LogicalLine, ctx: ParseContext, *, warn: bool = True,
            min_words: int = 2, reason: str | None = None) -> None:
    """A part that is not a SPICE device (``U1 in out vdd 0 LM358``): nets, then its type.

    ``min_words``: how many words the part needs after its name (2: a net and a type; KiCad
    parts such as ``H1 MountingHole`` may have no net). ``reason``: why a line whose letter
    names a SPICE device did not fit it (the warning says so).
    """
    if not words:
        raise ParseError("expected a part name after the opaque-part marker", ll.loc, ll.text)
    name = words[0]
    pos, kv = split_params(words[1:])
    if len(pos) < min_words:
        raise ParseError(f"cannot read element {name!r}: not a SPICE device and fewer than 2 words "
                         "(expected nets then a part name)", ll.loc, ll.text)
    nodes = pos[:-1]
    if warn and reason is not None:
        ctx.warn("unknown-element", f"{name} does not fit a SPICE {kind_name(SPICE_LETTERS[name[0].upper()])} "
                 f"({reason}); kept as an opaque part with its {len(nodes)} net(s)", ll.loc, ll.text)
    elif warn:
        ctx.warn("unknown-element", f"element letter {name[0].upper()!r} of {name} is not a SPICE device "
                 "here; kept as an opaque part", ll.loc, ll.text)
    terms = tuple((str(i + 1), ctx.net(n)) for i, n in enumerate(nodes))
    ctx.add_device(Device(name, "opaque", terms, pos[-1] if pos else None, _kv(kv, ll), ll.loc))


def _trailing_flags(pos: list[str], keep: int) -> tuple[list[str], list[str]]:
    """Split ``off``/``on`` flags off the end of ``pos``, keeping at least ``keep`` words (so that a node
    named ``OFF`` stays a node)."""
    j = len(pos)
    while j > keep and pos[j - 1].lower() in _FLAGS:
        j -= 1
    return pos[:j], pos[j:]


def _kicad_misfit(dev: Device) -> str | None:
    """Why a device read from a KiCad export is not the SPICE device its letter names, or None.

    KiCad writes every symbol as ``REF nets VALUE``; boards not meant for simulation have
    potentiometers (``RV1 a b c POT_TRIM``), speakers (``LS1 a b Speaker``), motors
    (``M1 a b Motor_DC``), LEDs with 3+ pins, fuses (``F1 a b Polyfuse 500mA``) whose line
    still reads as some SPICE device: these are parts, not devices.
    """
    n = len(dev.terminals)
    if dev.kind in ("resistor", "capacitor", "inductor"):
        key = {"resistor": "r", "capacitor": "c", "inductor": "l"}[dev.kind]
        if dev.model is not None or key not in dev.params:
            return "expected two nets and a value"
    elif dev.kind == "mosfet" and n < 4:
        return f"expected 4 nets, got {n}"
    elif dev.kind == "diode" and n != 2:
        return f"expected 2 nets, got {n}"
    elif dev.kind == "bjt" and n > 4:
        return f"expected 3 or 4 nets, got {n}"
    elif dev.kind in ("cccs", "ccvs") and "probe" in dev.params and not dev.params["probe"].text[:1].upper() == "V":
        return f"the controlling source {dev.params['probe'].text!r} is not a voltage source"
    elif dev.kind == "tline" and not dev.params:
        return "a transmission line needs z0=/td= parameters"
    return None


def _kicad_device(kind: str, pos: list[str]) -> bool:
    """In a KiCad export, is this ``K`` line a coupling of inductors (and not a relay, a connector)?

    ``J`` lines are read as connectors; :func:`_kicad_jfets` turns those with a JFET model into JFETs.
    """
    if kind == "mutual_inductor":
        return len(pos) >= 3 and _is_value(pos[-1]) and all(p[:1].upper() == "L" for p in pos[:-1])
    return False


def _element(text: str, ll: LogicalLine, ctx: ParseContext) -> None:
    words = tokenize(text, ll.loc)
    if not ctx.flavor.kicad_parts:
        dev = _device(words, text, ll, ctx)
        if dev is None:
            _opaque(words, ll, ctx)
        else:
            ctx.add_device(dev)
        return
    # KiCad: a line that does not fit the SPICE device of its letter is a part (never dropped)
    reason: str | None = None
    try:
        dev = _device(words, text, ll, ctx)
        if dev is not None:
            reason = _kicad_misfit(dev)
    except ParseError as exc:
        dev, reason = None, exc.message
    if dev is None or reason is not None:
        _opaque(words, ll, ctx, min_words=0, reason=reason)
    else:
        ctx.add_device(dev)


def _kicad_rating(words: list[str], ll: LogicalLine, ctx: ParseContext) -> list[str]:
    """``C1 a b 1µF / 16V`` → ``C1 a b 1µF``: KiCad values carry ratings after a ``/``; dropped with a warning."""
    pos = [w for w in words[3:] if not is_assignment(w)]
    m = _RATING_RE.match(" ".join(pos))
    if len(words) < 4 or m is None or not _is_value(normalize_ltspice_value(m.group(1))):
        return words
    ctx.warn("rating-dropped", f"rating {m.group(2)!r} after the value of {words[0]} is not a SPICE value; "
             "left out", ll.loc, ll.text)
    return words[:3] + [m.group(1)] + [w for w in words[3:] if is_assignment(w)]


def _device(words: list[str], text: str, ll: LogicalLine, ctx: ParseContext) -> Device | None:
    """The device of one element line, or None when its letter is not a SPICE device here."""
    name = words[0]
    letter = name[0].upper()
    kind = SPICE_LETTERS.get(letter)
    flavor = ctx.flavor
    if flavor.kicad_parts and kind in ("resistor", "capacitor", "inductor"):
        words = _kicad_rating(words, ll, ctx)
    cdl = None
    if flavor.cdl and len(words) > 1:
        cdl = split_cdl_words(words[1:])
        words = [name, *cdl.words]
    body = [w for w in words[1:] if w.lower() not in ("params:", "param:")]
    pos, kv = split_params(body)
    if flavor.ltspice_values:
        kv = [(k, normalize_ltspice_value(v)) for k, v in kv]
        if kind in ("resistor", "capacitor", "inductor", "vsource", "isource"):
            pos = pos[:2] + [normalize_ltspice_value(w) for w in pos[2:]]
    if flavor.kicad_parts and kind in ("jfet", "mutual_inductor") and not _kicad_device(kind, pos):
        kind = None
    params: dict[str, Value] = {}
    model: str | None = None
    loc = ll.loc
    if cdl is not None and cdl.model is not None:
        model = cdl.model
        if kind == "mosfet":
            pos = (pos[:-1] if len(pos) >= 5 else pos) + [model]
        elif kind in ("bjt", "diode", "jfet", "mesfet"):
            n = 2 if kind == "diode" else 3
            if kind == "bjt" and len(pos) > 3 and not _is_value(pos[3]):
                n = 4
            pos = pos[:n] + [model] + pos[n:]

    def terms(roles: tuple[str, ...] | list[str], nodes: list[str]) -> tuple[tuple[str, str], ...]:
        out = []
        for i, n in enumerate(nodes):
            role = roles[i] if i < len(roles) else f"n{i + 1}"
            out.append((role, ctx.net(n)))
        return tuple(out)

    if kind is None:
        return None

    if kind in ("resistor", "capacitor", "inductor"):
        _need(kind, name, pos, 2, ll)
        nodes, rest = pos[:2], pos[2:]
        key = {"resistor": "r", "capacitor": "c", "inductor": "l"}[kind]
        for w in rest:
            if model is not None and w == model and cdl is not None:
                continue
            if _is_value(w) and key not in params:
                params[key] = Value.parse(w, "spice", loc)
            elif model is None and not _is_value(w) and w.lower() not in _FLAGS:
                model = w
            elif w.lower() in _FLAGS:
                params[w.lower()] = Value.word("", loc)
            else:
                raise ParseError(f"unexpected {w!r} in {kind_name(kind)} {name}", loc, text)
        params.update(_kv(kv, ll))
        dev = Device(name, kind, terms(TERMINAL_ROLES[kind], nodes), model, params, loc)
    elif kind == "mosfet":
        _need(kind, name, pos, 2, ll)
        pos, flags = _trailing_flags(pos, 3)
        nodes, model = pos[:-1], pos[-1]
        params = {f: Value.word("", loc) for f in (x.lower() for x in flags)}
        params.update(_kv(kv, ll))
        dev = Device(name, kind, terms(TERMINAL_ROLES[kind], nodes), model, params, loc)
    elif kind in ("bjt", "diode", "jfet", "mesfet"):
        nmin = {"bjt": 3, "diode": 2, "jfet": 3, "mesfet": 3}[kind]
        _need(kind, name, pos, nmin + 1, ll)
        j = len(pos)  # after the nodes and the model: [area] and off/on flags, in either order
        while j > nmin + 1 and (pos[j - 1].lower() in _FLAGS or _is_value(pos[j - 1])) \
                and not (_is_value(pos[j - 1]) and _is_value(pos[j - 2]) and pos[j - 2].lower() not in _FLAGS):
            j -= 1
        flags = [w for w in pos[j:] if w.lower() in _FLAGS]
        area = [w for w in pos[j:] if w.lower() not in _FLAGS]
        pos = pos[:j]
        nodes, model = pos[:-1], pos[-1]
        for f in flags:
            params[f.lower()] = Value.word("", loc)
        if area:
            params["area"] = Value.parse(area[0], "spice", loc)
            if len(area) > 1:
                raise ParseError(f"unexpected {' '.join(area[1:])!r} after the area of {name}", loc, text)
        params.update(_kv(kv, ll))
        dev = Device(name, kind, terms(TERMINAL_ROLES[kind], nodes), model, params, loc)
    elif kind in ("vsource", "isource"):
        _need(kind, name, pos, 2, ll)
        params = source_params(pos[2:], ll, ltspice=flavor.ltspice_sources, names=flavor.param_names)
        params.update(_kv(kv, ll))
        dev = Device(name, kind, terms(TERMINAL_ROLES[kind], pos[:2]), None, params, loc)
    elif kind in ("vcvs", "vccs"):
        _need(kind, name, pos, 2, ll)
        lowered = [w.lower() for w in pos]
        special = next((i for i, w in enumerate(lowered) if _SPECIAL_RE.match(w)), None)
        if special is not None or len(pos) <= 3 and kv or len(pos) == 4 and kv:
            stop = special if special is not None else len(pos)
            nodes = pos[:stop]
            if special is not None:
                params["poly"] = Value.word(" ".join(pos[special:]), loc)
            params.update(_kv(kv, ll))
            # LTspice: E1 out 0 in 0 Laplace=1/(1+s) (four nodes, then the transfer function)
            roles = TERMINAL_ROLES[kind] if len(nodes) == 4 and special is None else ("p", "n")
            dev = Device(name, kind, terms(roles, nodes), None, params, loc)
        else:
            _need(kind, name, pos, 5, ll)
            params["gain"] = Value.parse(pos[4], "spice", loc)
            if len(pos) > 5:
                raise ParseError(f"unexpected {' '.join(pos[5:])!r} in {kind_name(kind)} {name}", loc, text)
            params.update(_kv(kv, ll))
            dev = Device(name, kind, terms(TERMINAL_ROLES[kind], pos[:4]), None, params, loc)
    elif kind in ("cccs", "ccvs"):
        _need(kind, name, pos, 3, ll)
        if _SPECIAL_RE.match(pos[2]) and pos[2][:4].lower() == "poly":
            params["poly"] = Value.word(" ".join(pos[2:]), loc)
        else:
            _need(kind, name, pos, 4, ll)
            params["probe"] = Value.word(pos[2], loc)
            params["gain"] = Value.parse(pos[3], "spice", loc)
        params.update(_kv(kv, ll))
        dev = Device(name, kind, terms(TERMINAL_ROLES[kind], pos[:2]), None, params, loc)
    elif kind == "bsource":
        # the expression runs to the end of the line and may contain spaces: B1 a 0 I = v(b) > 0.5 ? 1 : -1
        m = re.match(r"\s*\S+\s+(\S+)\s+(\S+)\s+([A-Za-z]+)\s*=\s*(.+?)\s*$", text, re.S)
        if m is None:
            raise ParseError(f"expected 'B name n+ n- V=expr' or 'I=expr' for {name}", loc, text)
        params = {m.group(3): Value.word(m.group(4), loc)}
        dev = Device(name, kind, terms(TERMINAL_ROLES[kind], [m.group(1), m.group(2)]), None, params, loc)
    elif kind == "subckt":
        if cdl is not None and cdl.slash is not None and cdl.slash < len(pos):
            nodes, model = pos[:cdl.slash], pos[cdl.slash]
            if cdl.slash + 1 < len(pos):
                raise ParseError(f"unexpected {' '.join(pos[cdl.slash + 1:])!r} after the subcircuit name "
                                 f"of {name}", loc, text)
        elif cdl is not None and cdl.pins and pos:
            nodes, model = pos[:-1], pos[-1]
        else:
            _need(kind, name, pos, 1, ll)
            nodes, model = pos[:-1], pos[-1]
        if cdl is not None and cdl.pins:  # $PINS names every connection
            t = tuple((pin, ctx.net(net)) for pin, net in cdl.pins)
        else:
            t = terms([str(i + 1) for i in range(len(nodes))], nodes)
        dev = Device(name, kind, t, model, _kv(kv, ll), loc)
    elif kind == "tline":
        _need(kind, name, pos, 4, ll)
        nodes, rest = pos[:4], pos[4:]
        model = rest[0] if rest else None
        if len(rest) > 1:
            raise ParseError(f"unexpected {' '.join(rest[1:])!r} in transmission line {name}", loc, text)
        dev = Device(name, kind, terms(TERMINAL_ROLES[kind], nodes), model, _kv(kv, ll), loc)
    elif kind == "switch":
        _need(kind, name, pos, 5, ll)
        flags = [w for w in pos[5:] if w.lower() in _FLAGS]
        if len(flags) < len(pos) - 5:
            raise ParseError(f"unexpected {' '.join(w for w in pos[5:] if w not in flags)!r} in switch {name} "
                             "(expected 4 nodes, a model and on/off)", loc, text)
        params = {f.lower(): Value.word("", loc) for f in flags}
        params.update(_kv(kv, ll))
        dev = Device(name, kind, terms(TERMINAL_ROLES[kind], pos[:4]), pos[4], params, loc)
    elif kind == "cswitch":
        _need(kind, name, pos, 4, ll)
        params["probe"] = Value.word(pos[2], loc)
        flags = [w for w in pos[4:] if w.lower() in _FLAGS]
        if len(flags) < len(pos) - 4:
            raise ParseError(f"unexpected {' '.join(w for w in pos[4:] if w not in flags)!r} in switch {name} "
                             "(expected 2 nodes, a controlling source, a model and on/off)", loc, text)
        params.update({f.lower(): Value.word("", loc) for f in flags})
        params.update(_kv(kv, ll))
        dev = Device(name, kind, terms(TERMINAL_ROLES[kind], pos[:2]), pos[3], params, loc)
    elif kind == "mutual_inductor":
        if len(pos) < 3:
            raise ParseError(f"expected 'K name L1 L2 coupling' for {name}", loc, text)
        params = {"ind1": Value.word(pos[0], loc), "ind2": Value.word(pos[1], loc),
                  "coupling": Value.parse(pos[2], "spice", loc)}
        dev = Device(name, kind, (), None, params, loc)
    else:  # pragma: no cover - every letter of SPICE_LETTERS is handled above
        raise ParseError(f"unsupported element {name}", loc, text)
    if cdl is not None and cdl.annotations:  # $X=..., $SUB=...: kept last, SPICE reads them as comments
        dev = replace(dev, params={**dev.params, **{k: Value.word(v, loc) for k, v in cdl.annotations}})
    return dev


def _kv(kv: list[tuple[str, str]], ll: LogicalLine) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for k, v in kv:
        out[k] = _value(k, v, ll) if v else Value.word("", ll.loc)
    return out


def source_params(words: list[str], ll: LogicalLine, *, ltspice: bool = False,
                  names: bool = False) -> dict[str, Value]:
    """Read ``[DC] v [AC mag [phase]] [PULSE(...)|SIN(...)|PWL(...)|...]`` into named parameters.

    A waveform's parentheses may be left out (``PULSE 0 1 1n``): in SPICE a parenthesis only
    separates fields (SPICE3 user's guide, "General structure and conventions"; HSPICE
    reference: ``PULSE [(] v1 v2 ... [)]``). With ``ltspice``: a trailing ``load`` flag (a
    current source that is a load) and ``Ncycles`` as the 7th SINE / 8th PULSE value. With
    ``names``: a value may be a bare parameter name (``VDD1 vdd 0 VDD``, HSPICE; LTspice's
    unedited ``V1 a b V``).

    >>> from circuitforge.netlists.parsers.lines import LogicalLine
    >>> from circuitforge.netlists.source import SourceLoc
    >>> line = "V1 a 0 dc 0 pulse 0 2 0 1n"
    >>> ll = LogicalLine(text=line, loc=SourceLoc(None, 1), raw=line)
    >>> p = source_params("dc 0 pulse 0 2 0 1n".split(), ll)
    >>> p["type"].text, p["val1"].text, p["rise"].text
    ('pulse', '2', '1n')
    """
    loc = ll.loc
    params: dict[str, Value] = {}
    if ltspice and words and words[-1].lower() == "load":
        params["load"] = Value.word("", loc)
        words = words[:-1]

    def is_value(word: str) -> bool:
        return _is_value(word) or names and _is_param_name(word)

    # '(PWL 0 1 1n 0) (AC 1v)' (SPICE3 CIDER examples), 'V1 a 0 ( 9 )' and 'AC ( 5 )' (KiCad 6):
    # parentheses around a whole specification or around values
    unwrapped: list[str] = []
    for w in words:
        inner = tokenize(w[1:-1], loc) if len(w) > 2 and w[0] == "(" and w[-1] == ")" else []
        if inner and (inner[0].lower() in ("dc", "ac") or _WAVE_RE.match(inner[0]) and "(" not in inner[0]
                      or all(_is_value(x) for x in inner)):
            unwrapped += inner
        else:
            unwrapped.append(w)
    words = unwrapped
    # glue 'PULSE' '(...)' written apart, and 'PULSE v1 v2 ...' written without parentheses
    ws: list[str] = []
    k = 0
    while k < len(words):
        w = words[k]
        if ws and w.startswith("(") and _WAVE_RE.match(ws[-1]) and "(" not in ws[-1]:
            ws[-1] = ws[-1] + w
        elif _WAVE_RE.match(w) and "(" not in w and k + 1 < len(words) and not words[k + 1].startswith("("):
            args = []
            while k + 1 < len(words) and is_value(words[k + 1]):
                args.append(words[k + 1])
                k += 1
            ws.append(f"{w}({' '.join(args)})")
        else:
            ws.append(w)
        k += 1
    i = 0
    while i < len(ws):
        w = ws[i]
        lw = w.lower()
        if lw == "dc":
            if i + 1 >= len(ws) or not is_value(ws[i + 1]):
                raise ParseError("DC needs a value", loc, ll.text)
            params["dc"] = Value.parse(ws[i + 1], "spice", loc, bare_expr=True)
            i += 2
        elif lw == "ac":
            has_mag = i + 1 < len(ws) and is_value(ws[i + 1])
            params["mag"] = Value.parse(ws[i + 1] if has_mag else "1", "spice", loc, bare_expr=True)
            i += 2 if has_mag else 1
            if i < len(ws) and is_value(ws[i]):
                params["phase"] = Value.parse(ws[i], "spice", loc, bare_expr=True)
                i += 1
        elif lw in ("portnum", "z0") and i + 1 < len(ws) and is_value(ws[i + 1]):
            # ngspice S-parameter ports: 'V1 p1 0 dc 0 ac 1 portnum 1 z0 50' (ngspice manual, ".SP")
            params[lw] = Value.parse(ws[i + 1], "spice", loc, bare_expr=True)
            i += 2
        elif lw in ("distof1", "distof2"):
            vals = []
            i += 1
            while i < len(ws) and _is_value(ws[i]) and len(vals) < 2:
                vals.append(ws[i])
                i += 1
            params[lw] = Value.word(" ".join(vals), loc)
        elif is_value(w) and "dc" not in params and i == 0:
            params["dc"] = Value.parse(w, "spice", loc, bare_expr=True)
            i += 1
        else:
            m = _WAVE_RE.match(w)
            if m is None:
                raise ParseError(f"unexpected {w!r} in source (expected DC, AC, or a waveform such as PULSE(...))",
                                 loc, ll.text)
            wtype = m.group(1).lower()
            wtype = "sin" if wtype == "sine" else wtype
            inner = (m.group(2) or "()")[1:-1]
            args = tokenize(inner, loc, commas=True)
            if wtype == "pwl" or wtype not in WAVEFORM_PARAMS:
                params["type"] = Value.word(wtype, loc)
                params["wave"] = Value.word(" ".join(args), loc)
            else:
                names = _LTSPICE_WAVES.get(wtype, WAVEFORM_PARAMS[wtype]) if ltspice else WAVEFORM_PARAMS[wtype]
                if len(args) > len(names):
                    raise ParseError(f"{wtype.upper()} takes at most {len(names)} values, got {len(args)}",
                                     loc, ll.text)
                params["type"] = Value.word(wtype, loc)
                for nm, a in zip(names, args):
                    params[nm] = Value.parse(a, "spice", loc)
            i += 1
    return params
