"""Spectre writer.

Instances as ``name (nets) master key=value``; SPICE model types become
Spectre ones (``nmos level=54`` → ``bsim4 type=n``); references are spelled
like their definitions (Spectre is case-sensitive); statements in SPICE
syntax, and devices with no Spectre form (behavioural sources, polynomial
controlled sources, switches), go in ``simulator lang=spice`` sections, so
nothing is lost. ``parse(write_spectre(n)) == n`` for netlists read from
Spectre (except the title, which Spectre does not have: it is written as a
comment).
"""

from __future__ import annotations

from ..device import Device
from ..findings import Finding
from ..model import SPECTRE_MOS_LEVELS, ModelCard
from ..netlist import Netlist, Subckt
from ..values import Value
from .common import Emitter
from .ngspice import _device as _spice_device  # one place that knows SPICE device syntax
from .ngspice import _spice_name

__all__ = ["write_spectre"]

_PRIMITIVE = {"resistor": "resistor", "capacitor": "capacitor", "inductor": "inductor",
              "vsource": "vsource", "isource": "isource", "vcvs": "vcvs", "vccs": "vccs",
              "cccs": "cccs", "ccvs": "ccvs", "tline": "tline"}
_LEVEL_TO_SPECTRE = {1: "mos1", 2: "mos2", 3: "mos3", 8: "bsim3v3", 49: "bsim3v3", 53: "bsim3v3",
                     14: "bsim4", 54: "bsim4", 10: "bsimsoi", 58: "bsimsoi", 44: "ekv", 69: "psp103",
                     17: "bsimcmg"}
_SPICE_TO_SPECTRE_TYPE = {"d": "diode", "r": "resistor", "res": "resistor", "c": "capacitor",
                          "cap": "capacitor", "l": "inductor", "sw": "relay", "njf": "jfet", "pjf": "jfet"}
_WAVE = {"sin": "sine"}


def write_spectre(netlist: Netlist, *, warnings: list[Finding] | None = None) -> str:
    """The netlist in Spectre syntax (text).

    >>> from circuitforge.netlists import parse
    >>> print(write_spectre(parse("* rc\\nR1 in out 1k\\nC1 out 0 1meg\\n.end\\n")), end="")
    // rc
    simulator lang=spectre
    R1 (in out) resistor r=1k
    C1 (out 0) capacitor c=1M
    """
    em = Emitter()
    em.line(f"// {netlist.title}".rstrip() if netlist.title else "//")
    em.line("simulator lang=spectre")
    if netlist.globals:
        em.line("global " + " ".join(netlist.globals))
    _params(em, netlist.params)
    for inc in netlist.includes:
        sec = f" section={inc.section}" if inc.section else ""
        em.line(f'include "{inc.path}"{sec}')
    for name, lib in netlist.libraries.items():
        em.line(f"section {name}")
        _body(em, lib, netlist, None)
        em.line(f"endsection {name}")
    _body(em, netlist, netlist, None)
    if warnings is not None:
        warnings.extend(em.warnings)
    return em.text()


def _params(em: Emitter, params: dict[str, Value]) -> None:
    if params:
        em.line("parameters " + " ".join(f"{k}={v.to_text('spectre')}" for k, v in params.items()))


def _body(em: Emitter, scope: Netlist | Subckt, top: Netlist, sub: Subckt | None) -> None:
    for card in scope.models.values():
        em.line(_model(card))
    for inner in scope.subckts.values():
        em.line(f"subckt {inner.name} " + " ".join(inner.ports))
        _params(em, inner.params)
        _body(em, inner, top, inner)
        em.line(f"ends {inner.name}")
    spice_lines: list[str] = []
    for d in scope.devices:
        line = _instance(d, top, sub, em)
        if line is None:
            spice_lines.append(_spice_device(d, _spice_name(d), top, sub, em))
        else:
            _flush_spice(em, spice_lines)
            em.line(line)
    _flush_spice(em, spice_lines)
    for st in scope.statements:
        if st.lang == "spectre":
            em.line(st.text)
        else:
            spice_lines.extend(st.text.splitlines())
    _flush_spice(em, spice_lines)


def _flush_spice(em: Emitter, lines: list[str]) -> None:
    if not lines:
        return
    em.line("simulator lang=spice")
    em.lines.extend(lines)
    em.line("simulator lang=spectre")
    lines.clear()


def _ref(name: str | None, d: Device, top: Netlist, sub: Subckt | None) -> str | None:
    if name is None:
        return None
    found = top.find_subckt(name, sub) if d.kind == "subckt" else top.find_model(name, sub)
    return found.name if found is not None else name


def _kv(params: dict[str, Value], skip: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    return [f"{k}={v.to_text('spectre')}" for k, v in params.items() if k not in skip]


def _instance(d: Device, top: Netlist, sub: Subckt | None, em: Emitter) -> str | None:
    """A Spectre instance line, or None when the device needs SPICE syntax."""
    p = dict(d.params)
    if any(v.is_word and v.text == "" for v in p.values()):
        return None  # flags such as 'off' have no Spectre spelling
    kind = d.kind
    nets = "(" + " ".join(d.nets) + ")"
    if kind in ("vcvs", "vccs") and (len(d.terminals) != 4 or "poly" in p):
        return None
    if kind in ("cccs", "ccvs") and "poly" in p:
        return None
    if kind in ("bsource", "switch", "cswitch"):
        return None
    if kind == "mutual_inductor":
        return f"{d.name} mutual_inductor " + " ".join(_kv(p))
    if kind in ("vsource", "isource") and "type" in p:
        t = p["type"].text.lower()
        p["type"] = Value.word(_WAVE.get(t, t))
        if "wave" in p and not p["wave"].text.startswith("["):
            p["wave"] = Value.word("[" + p["wave"].text + "]")
    if kind in _PRIMITIVE and not (kind in ("resistor", "capacitor", "inductor") and d.model):
        master = _PRIMITIVE[kind]
    else:
        master = _ref(d.model, d, top, sub) or ""
        if not master:
            em.warn("no-master", f"{d.name} has no model; written as a SPICE line", d)
            return None
    return " ".join([d.name, nets, master, *_kv(p)])


def _model(card: ModelCard) -> str:
    mtype = card.type
    low = mtype.lower()
    params = dict(card.params)
    if low in ("nmos", "pmos"):
        lv = card.param("level")
        level = int(lv.number) if lv is not None and lv.number is not None else 1
        mtype = _LEVEL_TO_SPECTRE.get(level, "bsim4" if level >= 14 else "mos1")
        params = {k: v for k, v in params.items() if k.lower() != "level"}
        params = {**params, "type": Value.word(low[0])}
    elif low in ("npn", "pnp"):
        lv = card.param("level")
        mtype = "vbic" if lv is not None and lv.number == 4 else "bjt"
        params = {k: v for k, v in params.items() if k.lower() != "level"}
        params = {**params, "type": Value.word(low)}
    elif low in _SPICE_TO_SPECTRE_TYPE:
        mtype = _SPICE_TO_SPECTRE_TYPE[low]
    elif low in SPECTRE_MOS_LEVELS:
        pass
    return " ".join([f"model {card.name} {mtype}", *_kv(params)])
