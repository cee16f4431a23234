"""Spectre reader (and the AnalogGenie corpus format, which is Spectre instance syntax).

Spectre is case-sensitive. Supported: ``simulator lang=spectre|spice`` switching
inside one file (SPICE parts go to :func:`.spice.parse_spice_lines`), ``//``
comments and ``*`` comment lines, ``\\`` continuations, instances
``name (n1 n2 ...) master key=value ...`` (parentheses optional), ``subckt`` /
``inline subckt`` ... ``ends``, ``parameters``, ``model``, ``global``,
``include "file" section=x``, ``library``/``section`` ... ``endsection``, and
statements (analyses, ``options``, ``save``, ``ic``, functions, ``statistics``
blocks...) kept verbatim as :class:`~circuitforge.netlists.statement.Statement`.

The master of an instance is resolved once the whole file is read (a model or
subcircuit may be defined after its use): a Spectre primitive, a model card,
a subcircuit, a well-known name (``nmos4``, ``pch``, ``npn``, ``diode``...),
or else an instance of an undefined subcircuit.

>>> from circuitforge.netlists.parsers import parse
>>> n = parse("simulator lang=spectre\\n"
...           "M1 (out in 0 0) nch w=2u l=180n\\n"
...           "R1 (vdd out) resistor r=10k\\n"
...           "model nch bsim4 type=n\\n", dialect="spectre")
>>> n.device("M1")
Device('M1', mosfet, d=out g=in s=0 b=0, model='nch', w=2u l=180n)
>>> n.device("R1").params["r"].number
10000.0
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..device import TERMINAL_ROLES, Device, kind_name
from ..errors import ParseError, UnsafeInputError
from ..model import ModelCard
from ..netlist import Netlist, Subckt
from ..source import SourceLoc
from ..statement import Statement, StatementKind
from ..values import Value
from . import spice
from .context import ParseContext
from .tokens import is_assignment, split_params, tokenize

__all__ = [
    "parse_spectre",
    "SPECTRE_PRIMITIVES",
    "SPECTRE_ANALYSES",
    "STATEMENT_KINDS",
    "well_known_kind",
]

SPECTRE_PRIMITIVES: Mapping[str, str] = {
    "resistor": "resistor", "capacitor": "capacitor", "inductor": "inductor",
    "vsource": "vsource", "isource": "isource", "vcvs": "vcvs", "vccs": "vccs",
    "cccs": "cccs", "ccvs": "ccvs", "mutual_inductor": "mutual_inductor",
    "bsource": "bsource", "tline": "tline", "switch": "switch",
}
"""Spectre primitive masters → device kinds (their parameter names are the IR's)."""

SPECTRE_ANALYSES = frozenset({
    "dc", "ac", "tran", "noise", "xf", "sp", "stb", "pz", "sens", "pss", "pac", "pnoise", "hb",
    "montecarlo", "sweep", "envlp", "qpss", "pxf", "psp", "pstb", "qpac", "qpnoise", "qpxf",
    "qpsp", "hbac", "hbnoise", "hbsp", "hbxf", "dcmatch", "acmatch", "tdr", "loadpull",
})
"""Spectre analysis types (``name <type> ...`` is an analysis statement)."""

STATEMENT_KINDS: Mapping[str, StatementKind] = {
    **{a: "analysis" for a in SPECTRE_ANALYSES},
    "options": "option", "set": "option", "info": "option",
    "save": "output", "print": "output",
    "ic": "initial", "nodeset": "initial",
    "alter": "other", "altergroup": "other", "check": "other", "checklimit": "other",
    "assert": "other", "paramtest": "other", "reliability": "other",
}
"""Statement type word → statement kind (``tran1 tran stop=1u`` is an analysis)."""

_PRIMITIVE_COUNTS: Mapping[str, int] = {
    "resistor": 2, "capacitor": 2, "inductor": 2, "vsource": 2, "isource": 2, "vcvs": 4,
    "vccs": 4, "cccs": 2, "ccvs": 2, "bsource": 2, "tline": 4, "switch": 2,
}
_LANG_RE = re.compile(r"^\s*simulator\s+lang\s*=\s*(\w+)(.*)$", re.I)
_WELL_KNOWN = (
    (("nmos", "pmos", "nch", "pch", "nfet", "pfet"), "mosfet"),
    (("npn", "pnp"), "bjt"),
    (("diode",), "diode"),
)
_NAME_RE = re.compile(r"([^\s()]+)\s*")
_BIN_LABEL = re.compile(r"(?:^|\s)\d+\s*:\s*")


def well_known_kind(master: str) -> str | None:
    """Device kind guessed from a conventional master name (``nmos4`` → mosfet), else None.

    >>> well_known_kind("pmos4"), well_known_kind("npn"), well_known_kind("INVERTER")
    ('mosfet', 'bjt', None)
    """
    low = master.lower()
    for prefixes, kind in _WELL_KNOWN:
        if low.startswith(prefixes):
            return kind
    return None


@dataclass(frozen=True, slots=True)
class _Pending:
    """An instance read before its master could be resolved."""

    devices: list[Device]
    index: int
    chain: tuple[Subckt, ...]
    top: Netlist
    name: str
    nets: tuple[str, ...]
    master: str
    params: dict[str, Value]
    loc: SourceLoc
    text: str


@dataclass(frozen=True, slots=True)
class _Stmt:
    """One Spectre statement: continuations joined (``text``), and the lines as written (``raw``)."""

    text: str
    raw: str
    loc: SourceLoc


class _Reader:
    """The state of one :func:`parse_spectre` call."""

    def __init__(self, ctx: ParseContext, analoggenie: bool):
        self.ctx = ctx
        self.analoggenie = analoggenie
        self.pending: list[_Pending] = []
        self.names: dict[int, set[str]] = {}
        self.library: tuple[str, SourceLoc] | None = None

    # ---- lines ------------------------------------------------------------------------
    def run(self, text: str) -> None:
        lines = text.splitlines()
        mode = "spectre"
        spice_buf: list[str] = []
        spice_first = 1
        i = 0
        n = len(lines)
        while i < n:
            line = lines[i]
            m = _LANG_RE.match(line)
            if m is not None:
                lang = m.group(1).lower()
                if lang not in ("spectre", "spice"):
                    raise ParseError(f"unknown simulator language {m.group(1)!r} (expected spectre or spice)",
                                     SourceLoc(self.ctx.filename, i + 1, 1), line.strip())
                if mode == "spice" and spice_buf:
                    spice.parse_spice_lines(spice_buf, self.ctx, spice_first)
                spice_buf = []
                mode = lang
                spice_first = i + 2
                i += 1
                continue
            if mode == "spice":
                spice_buf.append(line)
                i += 1
                continue
            body = _strip_comment(line).strip()
            if not body or body.startswith("*"):
                i += 1
                continue
            st, i = self.gather(lines, i)
            self.statement(st)
        if mode == "spice" and spice_buf:
            spice.parse_spice_lines(spice_buf, self.ctx, spice_first)
        self.resolve()

    def gather(self, lines: list[str], i: int) -> tuple[_Stmt, int]:
        """The statement starting at line ``i``: ``\\`` continuations and ``{...}`` blocks joined."""
        loc = SourceLoc(self.ctx.filename, i + 1, 1)
        parts: list[str] = []
        raw: list[str] = []
        n = len(lines)
        depth = 0
        while True:
            line = lines[i]
            raw.append(line.rstrip())
            body = _strip_comment(line).strip()
            cont = body.endswith("\\")
            if cont:
                body = body[:-1].rstrip()
            if body:
                parts.append(body)
            depth += _brace_depth(body)
            i += 1
            if not cont and depth <= 0:
                break
            if i >= n:
                if depth > 0:
                    raise ParseError("'{' is never closed", loc, "\n".join(raw).strip()[:200])
                break  # a '\\' on the last line continues nothing
        if depth < 0:
            raise ParseError("unbalanced '}'", loc, " ".join(parts))
        return _Stmt(" ".join(parts), "\n".join(raw).strip("\n"), loc), i

    # ---- statements ---------------------------------------------------------------------
    def statement(self, st: _Stmt) -> None:
        ctx = self.ctx
        text = st.text
        words = text.split()
        first = words[0]
        second = words[1] if len(words) > 1 else ""
        if first == "subckt" or (first == "inline" and second == "subckt"):
            skip = 2 if first == "inline" else 1
            self.subckt(text.split(None, skip)[skip] if len(words) > skip else "", st)
        elif first == "ends":
            ctx.close_subckt(second or None, st.loc, text)
        elif first == "parameters":
            self.parameters(text[len(first):], st)
        elif first == "model":
            self.model(text[len(first):], st)
        elif first == "global":
            for w in tokenize(text[len(first):], st.loc):
                if w not in ctx.netlist.globals:
                    ctx.netlist.globals.append(w)
        elif first == "include":
            self.include(text[len(first):], st)
        elif first in ("ahdl_include", "hdl_include"):
            ctx.warn("ahdl-include", f"{first} of a behavioural model is kept verbatim but not read",
                     st.loc, text)
            ctx.add_statement(Statement("other", st.raw, "spectre", st.loc))
        elif first == "library":
            if self.library is not None:
                raise ParseError(f"library opened inside library {self.library[0]!r}", st.loc, text)
            self.library = (second, st.loc)
        elif first == "endlibrary":
            if self.library is None:
                raise ParseError("endlibrary without a matching library", st.loc, text)
            self.library = None
        elif first == "section":
            self.section(second, st)
        elif first == "endsection":
            self.endsection(second, st)
        elif first == "statistics" or first == "paramset" or first == "if" or first == "else":
            if first in ("if", "else"):
                ctx.warn("conditional-block", "conditional block kept verbatim; devices inside it are "
                         "not read", st.loc, text[:80])
            ctx.add_statement(Statement("other", st.raw, "spectre", st.loc))
        elif first in ("real", "function") and "(" in text:
            ctx.add_statement(Statement("function", st.raw, "spectre", st.loc))
        elif first in ("save", "print"):
            ctx.add_statement(Statement("output", st.raw, "spectre", st.loc))
        elif first in ("ic", "nodeset"):
            ctx.add_statement(Statement("initial", st.raw, "spectre", st.loc))
        elif first == "simulator":
            ctx.add_statement(Statement("option", st.raw, "spectre", st.loc))
        elif not (first[0].isalpha() or first[0] in "_\\"):
            hint = " (a SPICE directive: put 'simulator lang=spice' before it)" if first.startswith(".") else ""
            raise ParseError(f"unknown statement form{hint}: expected 'name (nodes) master param=value ...', "
                             "a statement such as 'tran1 tran stop=1u', or a keyword "
                             "(subckt, ends, parameters, model, include, global, ...)", st.loc, text)
        else:
            self.instance(st)

    def subckt(self, rest: str, st: _Stmt) -> None:
        rest = rest.strip()
        m = _NAME_RE.match(rest)
        if not rest or m is None:
            raise ParseError("subckt needs a name (e.g. 'subckt inv (a y vdd vss)')", st.loc, st.text)
        name = m.group(1)
        after = rest[m.end():].strip()
        if after.startswith("("):
            close = after.find(")")
            if close < 0:
                raise ParseError(f"unbalanced '(' in the ports of subcircuit {name!r}", st.loc, st.text)
            ports = after[1:close].split()
            tail = after[close + 1:].strip()
            if tail:
                raise ParseError(f"unexpected {tail!r} after the ports of subcircuit {name!r} "
                                 "(parameters go on a 'parameters' line)", st.loc, st.text)
        else:
            if ")" in after or "(" in after:
                raise ParseError(f"unbalanced parenthesis in the ports of subcircuit {name!r}", st.loc, st.text)
            ports = after.split()
        bad = [p for p in ports if "=" in p]
        if bad:
            raise ParseError(f"port {bad[0]!r} of subcircuit {name!r} is an assignment "
                             "(parameters go on a 'parameters' line)", st.loc, st.text)
        sub = Subckt(name, tuple(ports), loc=st.loc)
        self.ctx.open_subckt(sub)

    def parameters(self, rest: str, st: _Stmt) -> None:
        words = tokenize(rest, st.loc)
        if not words:
            raise ParseError("parameters needs name=value", st.loc, st.text)
        for w in words:
            if not is_assignment(w) and self.ctx.scopes and w.replace("_", "a").isalnum() and w[0].isalpha():
                # inside a subckt a parameter may have no default (Spectre reference, "parameters")
                self.ctx.warn("param-without-value", f"parameter {w!r} is declared without a value; not kept",
                              st.loc, st.text)
                continue
            if not is_assignment(w):
                raise ParseError(f"expected name=value in parameters, found {w!r}", st.loc, st.text)
            k, v = w.split("=", 1)
            if not v:
                raise ParseError(f"parameter {k!r} has no value", st.loc, st.text)
            self.ctx.add_param(k, _value(k, v, st.loc))

    def model(self, rest: str, st: _Stmt) -> None:
        m = re.match(r"\s*(\S+)\s+([A-Za-z_]\w*)\s*(.*)$", rest, re.S)
        if m is None:
            raise ParseError("model needs a name and a type (e.g. 'model nch bsim4 type=n')", st.loc, st.text)
        name, mtype, body = m.group(1), m.group(2), m.group(3).strip()
        if body.startswith("{"):
            if not body.endswith("}"):
                raise ParseError(f"unbalanced '{{' in binned model {name!r}", st.loc, st.text)
            bins = [b for b in _BIN_LABEL.split(body[1:-1]) if b.strip()]
            if len(bins) > 1:
                self.ctx.warn("binned-model", f"model {name!r} has {len(bins)} bins; only the first is kept",
                              st.loc, st.text[:80])
            body = bins[0] if bins else ""
        elif body.startswith("(") and body.endswith(")"):
            body = body[1:-1]
        pos, kv = split_params(tokenize(body, st.loc))
        if pos:
            self.ctx.warn("model-positional", f"words without '=' in model {name!r} ignored: {' '.join(pos)}",
                          st.loc, st.text)
        params = {k: _value(k, v, st.loc) for k, v in kv}
        self.ctx.add_model(ModelCard(name, mtype, params, st.loc))

    def include(self, rest: str, st: _Stmt) -> None:
        words = tokenize(rest, st.loc)
        if not words or is_assignment(words[0]):
            raise ParseError('include needs a file name (e.g. include "models.scs" section=tt)', st.loc, st.text)
        path = _unquote(words[0])
        section: str | None = None
        for w in words[1:]:
            if w.startswith("section="):
                section = _unquote(w.split("=", 1)[1])
            else:
                raise ParseError(f"unexpected {w!r} in include (expected section=name)", st.loc, st.text)
        self.ctx.include(path, section, "include", "spectre", st.loc, st.text)

    def section(self, name: str, st: _Stmt) -> None:
        ctx = self.ctx
        if not name:
            raise ParseError("section needs a name", st.loc, st.text)
        if ctx.scopes or ctx.lib_section is not None:
            raise ParseError("section opened inside a subcircuit or another section", st.loc, st.text)
        sec = Netlist(dialect=ctx.netlist.dialect, case_sensitive=ctx.case_sensitive,
                      source=ctx.filename, loc=st.loc)
        ctx.lib_section = (name, sec, st.loc)

    def endsection(self, name: str, st: _Stmt) -> None:
        ctx = self.ctx
        if ctx.lib_section is None:
            raise ParseError("endsection without a matching section", st.loc, st.text)
        open_name, sec, opened = ctx.lib_section
        if name and name != open_name:
            raise ParseError(f"endsection {name!r} closes section {open_name!r} (opened at {opened})",
                             st.loc, st.text)
        if ctx.scopes:
            raise ParseError(f"endsection inside subcircuit {ctx.scopes[-1].name!r}", st.loc, st.text)
        ctx.lib_section = None
        ctx.netlist.libraries[open_name] = sec

    # ---- instances and named statements -----------------------------------------------
    def instance(self, st: _Stmt) -> None:
        ctx = self.ctx
        text = st.text
        m = _NAME_RE.match(text)
        if m is None:
            raise ParseError("unknown statement form: expected 'name (nodes) master param=value ...'",
                             st.loc, text)
        name = m.group(1)
        rest = text[m.end():]
        nets: list[str]
        if rest.startswith("("):
            close = rest.find(")")
            if close < 0:
                raise ParseError(f"unbalanced '(' in the nodes of {name}", st.loc, text)
            if "(" in rest[1:close]:
                raise ParseError(f"unbalanced '(' in the nodes of {name}", st.loc, text)
            nets = rest[1:close].split()
            words = tokenize(rest[close + 1:], st.loc)
            if not words or is_assignment(words[0]):
                raise ParseError(f"instance {name} has no master (expected 'name (nodes) master ...')",
                                 st.loc, text)
            master, kv_words = words[0], words[1:]
            extra, kv = split_params(kv_words)
            if master in STATEMENT_KINDS or master == "shell":
                self.named_statement(name, master, st)
                return
            if extra:
                raise ParseError(f"unexpected {' '.join(extra)!r} after the master of {name} "
                                 "(expected param=value)", st.loc, text)
        else:
            if ")" in rest.split("=", 1)[0]:
                raise ParseError(f"unbalanced ')' in {name}", st.loc, text)
            pos, kv = split_params(tokenize(rest, st.loc))
            if not pos:
                raise ParseError(f"unknown statement form: {name!r} has no master "
                                 "(expected 'name (nodes) master param=value ...')", st.loc, text)
            master = pos[-1]
            if master in STATEMENT_KINDS or master == "shell":
                self.named_statement(name, master, st)
                return
            nets = pos[:-1]
            if not nets and master not in ("mutual_inductor",):
                ctx.warn("unknown-statement", f"unknown statement type {master!r} kept verbatim", st.loc, text)
                ctx.add_statement(Statement("other", st.raw, "spectre", st.loc))
                return
        flags = [k for k, v in kv if v == ""]
        if flags:
            raise ParseError(f"unexpected {flags[0]!r} in {name} (expected param=value)", st.loc, text)
        params = {k: _value(k, v, st.loc) for k, v in kv}
        name = self.unique_name(name, st)
        target = ctx.target()
        top = ctx.top()
        placeholder = Device(name, "opaque", tuple((str(i + 1), n) for i, n in enumerate(nets)), master,
                             params, st.loc)
        target.devices.append(placeholder)
        self.pending.append(_Pending(target.devices, len(target.devices) - 1, tuple(ctx.scopes), top, name,
                                     tuple(nets), master, params, st.loc, text))

    def named_statement(self, name: str, master: str, st: _Stmt) -> None:
        ctx = self.ctx
        if master == "shell":
            if not ctx.options.allow_unsafe:
                raise UnsafeInputError(
                    f"Spectre shell statement {name!r} runs a command; refused "
                    "(pass allow_unsafe=True / --allow-unsafe to accept it)", st.loc, st.text)
            ctx.warn("shell-statement", f"shell statement {name!r} kept verbatim (allow_unsafe)", st.loc, st.text)
            ctx.add_statement(Statement("other", st.raw, "spectre", st.loc))
            return
        ctx.add_statement(Statement(STATEMENT_KINDS[master], st.raw, "spectre", st.loc))

    def unique_name(self, name: str, st: _Stmt) -> str:
        seen = self.names.setdefault(id(self.ctx.target()), set())
        if name in seen and self.analoggenie:
            k = 1
            while f"{name}_{k}" in seen:
                k += 1
            new = f"{name}_{k}"
            self.ctx.warn("duplicate-instance-renamed",
                          f"instance name {name!r} is used again in this scope; renamed to {new!r}",
                          st.loc, st.text)
            name = new
        seen.add(name)
        return name

    # ---- master resolution ---------------------------------------------------------------
    def resolve(self) -> None:
        for p in self.pending:
            kind, model = self.kind_of(p)
            roles = TERMINAL_ROLES.get(kind, ()) if kind not in ("subckt", "opaque") else ()
            need = _PRIMITIVE_COUNTS.get(p.master)
            if need is not None and len(p.nets) != need:
                raise ParseError(f"expected {need} terminals for {kind_name(kind)} {p.name} (got {len(p.nets)})",
                                 p.loc, p.text)
            if kind in ("subckt", "opaque"):
                terms = tuple((str(i + 1), n) for i, n in enumerate(p.nets))
            else:
                terms = tuple((roles[i] if i < len(roles) else f"n{i + 1}", n) for i, n in enumerate(p.nets))
            p.devices[p.index] = Device(p.name, kind, terms, model, p.params, p.loc)  # type: ignore[arg-type]

    def kind_of(self, p: _Pending) -> tuple[str, str | None]:
        master = p.master
        if master in SPECTRE_PRIMITIVES:
            return SPECTRE_PRIMITIVES[master], None
        card = self.find(p, "models")
        if isinstance(card, ModelCard):
            kind = card.device_kind
            if kind is None:
                self.ctx.warn("unknown-model-type", f"model {master!r} has type {card.type!r}, which is "
                              f"not a known device; {p.name} kept as an opaque part", p.loc, p.text)
                return "opaque", master
            return kind, master
        if self.find(p, "subckts") is not None:
            return "subckt", master
        guess = well_known_kind(master)
        if guess is not None:
            return guess, master
        return "subckt", master

    def find(self, p: _Pending, table: str) -> object | None:
        for scope in reversed(p.chain):
            found = getattr(scope, table).get(p.master)
            if found is not None:
                return found
        lookup = "find_model" if table == "models" else "find_subckt"
        found = getattr(p.top, lookup)(p.master)
        if found is None and p.top is not self.ctx.netlist:
            found = getattr(self.ctx.netlist, lookup)(p.master)
        return found


def parse_spectre(text: str, ctx: ParseContext, *, analoggenie: bool = False) -> None:
    """Parse a Spectre netlist (or an AnalogGenie corpus file) into ``ctx.netlist``.

    With ``analoggenie`` an instance name used twice in one scope is renamed
    to the first free ``NAME_1``, ``NAME_2``... (with a
    ``duplicate-instance-renamed`` warning); otherwise duplicates are kept.
    Raises :class:`ParseError` naming file, line and text, and
    :class:`UnsafeInputError` for a ``shell`` statement unless ``allow_unsafe``.

    >>> from circuitforge.netlists.parsers import parse
    >>> n = parse("M1 (d g s b) nmos4\\nM1 (d g 0 0) nmos4\\n", dialect="analoggenie")
    >>> [d.name for d in n.devices], n.warnings[0].code
    (['M1', 'M1_1'], 'duplicate-instance-renamed')
    """
    _Reader(ctx, analoggenie).run(text)


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------

def _strip_comment(line: str) -> str:
    """``line`` without a ``//`` comment (outside double quotes)."""
    if "//" not in line:
        return line
    quote = False
    for i, ch in enumerate(line):
        if ch == '"':
            quote = not quote
        elif not quote and ch == "/" and line.startswith("//", i):
            return line[:i]
    return line


def _brace_depth(text: str) -> int:
    """Braces opened minus braces closed, outside double quotes."""
    depth = 0
    quote = False
    for ch in text:
        if ch == '"':
            quote = not quote
        elif not quote:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
    return depth


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def _value(key: str, text: str, loc: SourceLoc) -> Value:
    if key in spice.WORD_PARAMS or not text:
        return Value.word(text, loc)
    return Value.parse(text, "spectre", loc, bare_expr=True)
