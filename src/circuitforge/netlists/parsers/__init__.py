"""Readers of every netlist dialect into the IR.

>>> from circuitforge.netlists import parse
>>> n = parse("* rc\\nR1 in out 1k\\nC1 out 0 10pF\\n.end\\n")
>>> n.device("C1").params["c"].number
1e-11
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal, get_args

from ..device import Device
from ..errors import CircuitforgeError, ParseError, ResolutionError
from ..netlist import Netlist, Subckt
from . import json_netlist, spectre, spice
from .context import ParseContext, ParseOptions
from .detect import detect_dialect, port_file
from .flavor import SPICE_FAMILY, SpiceFlavor
from .lines import decode

__all__ = ["parse", "read", "detect_dialect", "ParseOptions", "InputDialect", "INPUT_DIALECTS",
           "resolve_dialect"]

InputDialect = Literal["ngspice", "spectre", "analoggenie", "hspice", "ltspice", "cdl", "kicad", "json"]
INPUT_DIALECTS: tuple[str, ...] = get_args(InputDialect)
_ALIASES = {"spice": "ngspice", "spice3": "ngspice", "ngspice": "ngspice", "spectre": "spectre",
            "scs": "spectre", "analoggenie": "analoggenie", "genie": "analoggenie",
            "hspice": "hspice", "sp": "hspice", "ltspice": "ltspice", "lt": "ltspice", "ltspicexvii": "ltspice",
            "cdl": "cdl", "aucdl": "cdl", "kicad": "kicad", "eeschema": "kicad", "json": "json"}


def resolve_dialect(name: str) -> str:
    """Canonical dialect name for ``name`` (case-insensitive, aliases accepted)."""
    key = name.strip().lower()
    if key not in _ALIASES:
        raise ResolutionError(name, INPUT_DIALECTS, "dialect")
    return _ALIASES[key]


def parse(text: str, *, dialect: str | None = None, filename: str | None = None,
          options: ParseOptions | None = None, **option_kwargs: object) -> Netlist:
    """Read netlist ``text`` into a :class:`Netlist`.

    The dialect is detected when not given. Keyword options are those of
    :class:`ParseOptions` (``root``, ``allow_unsafe``, ``resolve_includes``...).
    Raises :class:`ParseError` (with file, line and text) or
    :class:`UnsafeInputError`; never anything from deep inside.
    """
    opts = options or ParseOptions(**option_kwargs)  # type: ignore[arg-type]
    return _parse(text, dialect, filename, opts, 0, (filename,) if filename else ())


def read(path: str | Path, *, dialect: str | None = None, options: ParseOptions | None = None,
         **option_kwargs: object) -> Netlist:
    """Read a netlist file (any encoding LTspice or Cadence writes)."""
    opts = options or ParseOptions(**option_kwargs)  # type: ignore[arg-type]
    p = Path(path)
    return _load(p, opts, 0, (str(p.resolve()),), dialect)


def _load(path: Path, opts: ParseOptions, depth: int, stack: tuple[str, ...],
          dialect: str | None = None) -> Netlist:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}", None, str(path)) from None
    text = decode(data)
    is_include = depth > 0
    netlist = _parse(text, dialect, str(path), opts, depth, stack, is_include=is_include)
    ports = port_file(path) if netlist.dialect == "analoggenie" else None
    if ports is not None and not netlist.ports:
        # the corpus format keeps the port list beside the netlist
        netlist.ports = ports.read_text(encoding="utf-8", errors="replace").split()
    return netlist


def _parse(text: str, dialect: str | None, filename: str | None, opts: ParseOptions, depth: int,
           stack: tuple[str, ...], *, is_include: bool = False) -> Netlist:
    d = resolve_dialect(dialect) if dialect else detect_dialect(text, filename)
    netlist = Netlist(dialect=d, case_sensitive=d in ("spectre", "analoggenie", "json"), source=filename)

    def load(path: Path, o: ParseOptions, dep: int, stk: tuple[str, ...]) -> Netlist:
        return _load(path, o, dep, stk)

    flavor = SpiceFlavor.of(d) if d in SPICE_FAMILY else SpiceFlavor()
    ctx = ParseContext(netlist=netlist, filename=filename, options=opts, load=load, depth=depth,
                       include_stack=stack, flavor=flavor)
    try:
        if d in SPICE_FAMILY:
            spice.parse_spice(text, ctx, title=opts.title_line and not is_include)
        elif d == "json":
            json_netlist.parse_json(text, ctx)
        else:
            spectre.parse_spectre(text, ctx, analoggenie=(d == "analoggenie"))
        result = ctx.finish()
    except CircuitforgeError:
        raise
    except RecursionError:
        raise ParseError("input nested too deeply", None, filename) from None
    resolve_instance_roles(result)
    return result


def resolve_instance_roles(netlist: Netlist) -> None:
    """Name the terminals of subcircuit instances after the ports of their definitions.

    Instances are read with positional roles (``1, 2, ...``) because a
    definition may come later in the file or from an include; this pass runs
    once everything is read. Instances whose definition is unknown, or whose
    net count differs from its port count (an ERC error), keep positional roles.
    Instances connected by pin name (CDL ``$PINS``) are put in port order.
    """

    def fix(devices: list[Device], scope: Subckt | None) -> None:
        for i, d in enumerate(devices):
            if d.kind != "subckt" or d.model is None:
                continue
            sub = netlist.find_subckt(d.model, scope)
            if sub is None or len(sub.ports) != len(d.terminals) or len(set(sub.ports)) != len(sub.ports):
                continue
            if not all(r.isdigit() for r in d.roles):
                by_pin = {r if netlist.case_sensitive else r.lower(): n for r, n in d.terminals}
                keys = [p if netlist.case_sensitive else p.lower() for p in sub.ports]
                if len(by_pin) == len(keys) and all(k in by_pin for k in keys):
                    devices[i] = replace(d, terminals=tuple((p, by_pin[k]) for p, k in zip(sub.ports, keys)))
                    continue
            devices[i] = replace(d, terminals=tuple(zip(sub.ports, d.nets)))

    def walk(sub: Subckt) -> None:
        fix(sub.devices, sub)
        for inner in sub.subckts.values():
            walk(inner)

    fix(netlist.devices, None)
    for sub in netlist.subckts.values():
        walk(sub)
    for lib in netlist.libraries.values():
        resolve_instance_roles(lib)
