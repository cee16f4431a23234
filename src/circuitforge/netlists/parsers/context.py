"""State shared by the dialect parsers while one file is read."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..device import Device
from ..errors import ParseError, UnsafeInputError
from ..findings import Finding
from ..model import ModelCard
from ..netlist import Netlist, Subckt
from ..source import SourceLoc
from ..statement import Include, Statement
from ..values import Value
from .flavor import SpiceFlavor

__all__ = ["ParseOptions", "ParseContext", "UNSAFE_CONTROL_COMMANDS"]

UNSAFE_CONTROL_COMMANDS = frozenset({"shell", "system", "exec", "codemodel", "load", "source",
                                     "sh", "spawn", "cd", "pre_codemodel", "osdi", "pre_osdi"})
"""``.control`` commands refused unless ``allow_unsafe``: they run programs,
load shared objects or read other files."""


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """How to read a netlist.

    ``root``: includes must resolve inside this directory (default: the
    directory of the top file, or the working directory for a string).
    ``allow_unsafe``: accept includes outside ``root`` and ``.control`` blocks
    that run commands. ``resolve_includes``: read included files at all.
    ``title_line``: the first SPICE line is the title (SPICE convention).
    """

    root: str | None = None
    allow_unsafe: bool = False
    resolve_includes: bool = True
    title_line: bool = True
    max_include_depth: int = 16


@dataclass(slots=True)
class ParseContext:
    """The netlist being built, the scope stack and the include machinery."""

    netlist: Netlist
    filename: str | None
    options: ParseOptions
    load: Callable[..., Netlist] | None = None  # (path, options, depth, stack) -> Netlist
    depth: int = 0
    include_stack: tuple[str, ...] = ()
    scopes: list[Subckt] = field(default_factory=list)
    lib_section: tuple[str, Netlist, SourceLoc] | None = None  # open `.lib name` in a library file
    net_spelling: list[dict[str, str]] = field(default_factory=lambda: [{}])
    flavor: SpiceFlavor = field(default_factory=SpiceFlavor)

    # ---- helpers ------------------------------------------------------------------
    @property
    def case_sensitive(self) -> bool:
        return self.netlist.case_sensitive

    def target(self) -> Netlist | Subckt:
        """Where definitions go now: the open subcircuit, the open library section, or the netlist."""
        if self.scopes:
            return self.scopes[-1]
        if self.lib_section is not None:
            return self.lib_section[1]
        return self.netlist

    def top(self) -> Netlist:
        return self.lib_section[1] if self.lib_section is not None else self.netlist

    def warn(self, code: str, message: str, loc: SourceLoc | None, text: str | None = None) -> None:
        self.netlist.warnings.append(Finding("warning", code, message, loc, text))

    def net(self, name: str) -> str:
        """The spelling of a net as first seen in this scope (SPICE names ignore case)."""
        if self.case_sensitive:
            return name
        table = self.net_spelling[-1]
        low = name.lower()
        if low in table:
            return table[low]
        # global nets keep the spelling of the enclosing scopes
        for outer in self.net_spelling[:-1]:
            if low in outer and low in {g.lower() for g in self.netlist.globals} | {"0"}:
                table[low] = outer[low]
                return outer[low]
        table[low] = name
        return name

    # ---- adding things ------------------------------------------------------------
    def add_device(self, dev: Device) -> None:
        self.target().devices.append(dev)

    def add_model(self, card: ModelCard) -> None:
        tgt = self.target()
        key = _existing_key(tgt.models, card.name, self.case_sensitive)
        if key is not None:
            self.warn("duplicate-model", f"model {card.name!r} defined again; the later one is used",
                      card.loc, card.name)
            del tgt.models[key]
        tgt.models[card.name] = card

    def add_param(self, name: str, value: Value) -> None:
        tgt = self.target()
        key = _existing_key(tgt.params, name, self.case_sensitive)
        if key is not None and key != name:
            del tgt.params[key]
        tgt.params[name] = value

    def add_statement(self, st: Statement) -> None:
        self.target().statements.append(st)

    def open_subckt(self, sub: Subckt) -> None:
        self.scopes.append(sub)
        self.net_spelling.append({})

    def close_subckt(self, name: str | None, loc: SourceLoc, text: str, *, mismatch_warns: bool = False) -> None:
        """Close the innermost open subcircuit; ``name``, when given, should be its name.

        A different name is an error, or with ``mismatch_warns`` (SPICE's ``.ends``: ngspice ignores
        the name and closes the innermost definition) a warning.
        """
        if not self.scopes:
            raise ParseError("end of subcircuit without a matching subckt", loc, text)
        sub = self.scopes.pop()
        self.net_spelling.pop()
        if name and (name != sub.name if self.case_sensitive else name.lower() != sub.name.lower()):
            message = f"ends {name!r} closes subcircuit {sub.name!r} (opened at {sub.loc})"
            if not mismatch_warns:
                raise ParseError(message, loc, text)
            self.warn("ends-name-mismatch", message + "; the name is ignored, as ngspice does", loc, text)
        parent = self.target()
        key = _existing_key(parent.subckts, sub.name, self.case_sensitive)
        if key is not None:
            self.warn("duplicate-subckt", f"subcircuit {sub.name!r} defined again; the later one is used",
                      sub.loc, sub.name)
            del parent.subckts[key]
        parent.subckts[sub.name] = sub

    def finish(self) -> Netlist:
        if self.scopes:
            sub = self.scopes[-1]
            raise ParseError(f"subcircuit {sub.name!r} is never closed (missing ends/.ends)", sub.loc, sub.name)
        if self.lib_section is not None:
            name, _, loc = self.lib_section
            raise ParseError(f"library section {name!r} is never closed (missing .endl)", loc, name)
        return self.netlist

    # ---- includes -----------------------------------------------------------------
    def include(self, path: str, section: str | None, kind: str, lang: str, loc: SourceLoc,
                text: str) -> Include:
        inc = Include(path=path, section=section, kind=kind, lang=lang, loc=loc)  # type: ignore[arg-type]
        tgt = self.top()
        tgt.includes.append(inc)
        if not self.options.resolve_includes or self.load is None:
            return inc
        base = Path(self.filename).parent if self.filename else Path.cwd()
        expanded = os.path.expanduser(os.path.expandvars(path))
        resolved = Path(expanded) if os.path.isabs(expanded) else base / expanded
        try:
            resolved = resolved.resolve()
        except OSError as exc:
            inc.error = f"cannot resolve: {exc}"
            return inc
        root = Path(self.options.root).resolve() if self.options.root else base.resolve()
        if not self.options.allow_unsafe and not _inside(resolved, root):
            raise UnsafeInputError(
                f"include of {str(resolved)!r} is outside the allowed root {str(root)!r} "
                "(pass root=... / --root DIR to widen it, or allow_unsafe=True / --allow-unsafe)",
                loc, text)
        inc.resolved = str(resolved)
        if str(resolved) in self.include_stack:
            raise ParseError(f"include cycle: {' -> '.join(self.include_stack + (str(resolved),))}", loc, text)
        if self.depth >= self.options.max_include_depth:
            raise ParseError(f"includes nested deeper than {self.options.max_include_depth}", loc, text)
        if not resolved.is_file():
            inc.error = f"file not found: {resolved}"
            self.warn("include-not-found", f"included file {path!r} not found (looked at {resolved})", loc, text)
            return inc
        sub = self.load(resolved, self.options, self.depth + 1, self.include_stack + (str(resolved),))
        if section is not None:
            lib = _lookup_section(sub, section)
            if lib is None:
                inc.error = f"section {section!r} not found in {resolved}"
                self.warn("lib-section-not-found",
                          f"library section {section!r} not found in {path!r} "
                          f"(sections: {sorted(sub.libraries)})", loc, text)
                return inc
            inc.netlist = lib
        else:
            inc.netlist = sub
        self.netlist.warnings.extend(sub.warnings)
        return inc


def _lookup_section(n: Netlist, section: str) -> Netlist | None:
    for k, v in n.libraries.items():
        if k.lower() == section.lower():
            return v
    return None


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _existing_key(table: dict, name: str, case_sensitive: bool) -> str | None:
    if name in table:
        return name
    if not case_sensitive:
        low = name.lower()
        for k in table:
            if k.lower() == low:
                return k
    return None
