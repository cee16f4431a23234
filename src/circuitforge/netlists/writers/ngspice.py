"""ngspice writer.

Device names get their SPICE letter when they lack it (Spectre ``I5`` of a
subcircuit becomes ``XI5``), nets that differ only in case (legal in Spectre)
are renamed apart, Spectre model types become SPICE ones (``bsim4 type=n`` →
``nmos level=54``), and statements in Spectre syntax are written as comments
with a warning. ``parse(write_ngspice(n)) == n`` for netlists read from SPICE.

Parts that are not SPICE devices (opaque: KiCad connectors, IC symbols) are
written as ``*@opaque J1 a b Conn`` comment lines: ngspice skips them and the
reader brings them back. LTspice-only instance parameters (``Rser=``,
``Cpar=``... on passives and sources) are left out with a warning, since
ngspice refuses them; the IR keeps them.
"""

from __future__ import annotations

from ..device import KIND_LETTER, Device
from ..findings import Finding
from ..model import SPECTRE_MOS_LEVELS, ModelCard
from ..netlist import Netlist, Subckt
from ..parsers.lines import OPAQUE_PRAGMA
from ..values import Value
from .common import Emitter, net_renames

__all__ = ["write_ngspice"]

_SPECTRE_TO_SPICE_TYPE = {"diode": "d", "resistor": "r", "capacitor": "c", "inductor": "l",
                          "relay": "sw", "jfet": "njf"}
_WAVE_ORDER = {
    "pulse": ("val0", "val1", "delay", "rise", "fall", "width", "period", "phase"),
    "sin": ("sinedc", "ampl", "freq", "delay", "damp", "sinephase"),
    "exp": ("val0", "val1", "td1", "tau1", "td2", "tau2"),
    "sffm": ("sinedc", "ampl", "fc", "mdi", "fs", "phasec", "phases"),
    "am": ("ampl", "sinedc", "fm", "fc", "delay", "phase"),
}
_SPECTRE_WAVE = {"sine": "sin", "pulse": "pulse", "exp": "exp", "pwl": "pwl", "dc": "dc"}
_LTSPICE_ONLY = {
    "resistor": frozenset({"rser", "lser", "rpar", "cpar", "rlshunt", "mfg", "irms", "ipk", "vpk", "pwr", "tol"}),
    "capacitor": frozenset({"rser", "lser", "rpar", "cpar", "rlshunt", "mfg", "irms", "ipk", "vpk", "pwr", "tol"}),
    "inductor": frozenset({"rser", "lser", "rpar", "cpar", "rlshunt", "mfg", "irms", "ipk", "vpk", "pwr", "tol"}),
    "vsource": frozenset({"rser", "cpar", "ncycles"}),
    "isource": frozenset({"rser", "cpar", "ncycles", "load"}),
}
"""LTspice instance parameters that ngspice refuses ("unknown parameter")."""


def write_ngspice(netlist: Netlist, *, warnings: list[Finding] | None = None) -> str:
    """The netlist as an ngspice deck (text). Writer warnings are appended to ``warnings``.

    >>> from circuitforge.netlists import parse
    >>> print(write_ngspice(parse("M0 (d g 0 0) nmos4\\nI5 (d g) INV\\n", dialect="spectre")), end="")
    *
    M0 d g 0 0 nmos4
    XI5 d g INV
    .end
    """
    em = Emitter()
    em.line(f"* {netlist.title}".rstrip() if netlist.title else "*")
    if netlist.globals:
        em.line(".global " + " ".join(netlist.globals))
    _params(em, netlist.params)
    for inc in netlist.includes:
        if inc.kind == "lib" or inc.section:
            em.line(f".lib '{inc.path}' {inc.section}")
        else:
            em.line(f".include '{inc.path}'")
    for name, lib in netlist.libraries.items():
        em.line(f".lib {name}")
        _body(em, lib, netlist, None, fold=not netlist.case_sensitive)
        em.line(f".endl {name}")
    _body(em, netlist, netlist, None, fold=not netlist.case_sensitive)
    em.line(".end")
    if warnings is not None:
        warnings.extend(em.warnings)
    return em.text()


def _params(em: Emitter, params: dict[str, Value]) -> None:
    for k, v in params.items():
        em.line(f".param {k}={v.to_text('spice')}")


def _body(em: Emitter, scope: Netlist | Subckt, top: Netlist, sub: Subckt | None, fold: bool) -> None:
    for card in scope.models.values():
        em.line(_model(card, em))
    for inner in scope.subckts.values():
        _subckt(em, inner, top, fold)
    renames = net_renames(scope, fold=True, extra=sub.ports if sub else ()) if top.case_sensitive else {}
    for old, new in renames.items():
        em.warn("net-renamed", f"net {old!r} renamed {new!r}: SPICE names ignore case")
    existing = {d.name.lower() for d in scope.devices}
    for d in scope.devices:
        sname = _spice_name(d)
        if sname != d.name:
            base, k = sname, 1
            while sname.lower() in existing:
                sname = f"{base}_{k}"
                k += 1
            existing.add(sname.lower())
        em.line(_device(d.with_nets(renames) if renames else d, sname, top, sub, em))
    for st in scope.statements:
        if st.lang == "spice":
            em.line(st.text)
        else:
            em.warn("statement-not-converted",
                    f"Spectre statement written as a comment (no ngspice equivalent): {st.text.splitlines()[0]}")
            for ln in st.text.splitlines():
                em.line("* [spectre] " + ln)


def _subckt(em: Emitter, sub: Subckt, top: Netlist, fold: bool) -> None:
    renames = net_renames(sub, fold=True, extra=sub.ports) if top.case_sensitive else {}
    ports = [renames.get(p, p) for p in sub.ports]
    head = f".subckt {sub.name} " + " ".join(ports)
    if sub.params:
        head += " params: " + " ".join(f"{k}={v.to_text('spice')}" for k, v in sub.params.items())
    em.line(head.rstrip())
    if renames:
        sub = Subckt(sub.name, tuple(ports), [d.with_nets(renames) for d in sub.devices], {}, sub.models,
                     sub.subckts, sub.statements, sub.loc)
        renames = {}
    _body(em, sub, top, sub, fold)
    em.line(f".ends {sub.name}")


def _spice_name(d: Device) -> str:
    letter = KIND_LETTER.get(d.kind)
    if letter is None:  # opaque parts keep their own letter
        return d.name
    return d.name if d.name[:1].upper() == letter else letter + d.name


def _ref(name: str | None, d: Device, top: Netlist, sub: Subckt | None) -> str:
    """A model or subcircuit reference (SPICE ignores case, so it is written as it was)."""
    return name or ""


def _kv(params: dict[str, Value], skip: set[str]) -> list[str]:
    out = []
    for k, v in params.items():
        if k in skip:
            continue
        out.append(k if v.text == "" and v.is_word else f"{k}={v.to_text('spice')}")
    return out


def _device(d: Device, name: str, top: Netlist, sub: Subckt | None, em: Emitter) -> str:
    nets = list(d.nets)
    p = dict(d.params)
    lt_only = _LTSPICE_ONLY.get(d.kind)
    if lt_only and any(k.lower() in lt_only for k in p):
        dropped = [k for k in p if k.lower() in lt_only]
        em.warn("ltspice-param-dropped", f"LTspice parameter(s) {', '.join(dropped)} of {d.name} left out "
                "(ngspice has no such instance parameter)", d)
        p = {k: v for k, v in p.items() if k.lower() not in lt_only}
    words: list[str] = [name]
    kind = d.kind
    if kind in ("resistor", "capacitor", "inductor"):
        key = {"resistor": "r", "capacitor": "c", "inductor": "l"}[kind]
        words += nets
        if key in p:
            words.append(p[key].to_text("spice"))
        if d.model:
            words.append(_ref(d.model, d, top, sub))
        words += _kv(p, {key})
    elif kind == "mosfet":
        words += nets + [_ref(d.model, d, top, sub)]
        words += _kv(p, set())
    elif kind in ("bjt", "diode", "jfet", "mesfet"):
        words += nets + [_ref(d.model, d, top, sub)]
        if "area" in p:
            words.append(p["area"].to_text("spice"))
        words += _kv(p, {"area"})
    elif kind in ("vsource", "isource"):
        words += nets
        used = {"dc", "mag", "phase", "type", "wave"}
        if "dc" in p:
            words += ["DC", p["dc"].to_text("spice")]
        if "mag" in p:
            words += ["AC", p["mag"].to_text("spice")]
            if "phase" in p:
                words.append(p["phase"].to_text("spice"))
        elif "phase" in p:
            words += ["AC", "1", p["phase"].to_text("spice")]
        for key in ("distof1", "distof2"):
            if key in p:
                words += [key.upper(), p[key].text]
                used.add(key)
        for key in ("portnum", "z0"):  # S-parameter port of the .sp analysis
            if key in p:
                words += [key, p[key].to_text("spice")]
                used.add(key)
        if "type" in p:
            wtype = _SPECTRE_WAVE.get(p["type"].text.lower(), p["type"].text.lower())
            if wtype in _WAVE_ORDER:
                order = _WAVE_ORDER[wtype]
                present = [k for k in order if k in p]
                last = order.index(present[-1]) if present else -1
                args = []
                for k in order[: last + 1]:
                    args.append(p[k].to_text("spice") if k in p else "0")
                    used.add(k)
                words.append(f"{wtype.upper()}({' '.join(args)})")
            elif wtype == "pwl" or "wave" in p:
                wave = p["wave"].text if "wave" in p else ""
                words.append(f"{wtype.upper()}({wave.strip('[]').strip()})")
            elif wtype != "dc":
                em.warn("source-type", f"source type {wtype!r} of {d.name} has no ngspice form; dropped", d)
        words += _kv(p, used)
    elif kind in ("vcvs", "vccs"):
        words += nets
        if "poly" in p:
            words.append(p["poly"].text)
            words += _kv(p, {"poly"})
        elif len(nets) == 4 and "gain" not in p and any(k.lower() == "laplace" for k in p):
            words += _kv(p, set())  # LTspice: E1 out 0 in 0 Laplace=...
        elif len(nets) == 4:
            words.append(p["gain"].to_text("spice") if "gain" in p else "1")
            words += _kv(p, {"gain"})
        else:
            words += _kv(p, set())
    elif kind in ("cccs", "ccvs"):
        words += nets
        if "poly" in p:
            words.append(p["poly"].text)
            words += _kv(p, {"poly"})
        else:
            words += [p["probe"].text if "probe" in p else "?", p["gain"].to_text("spice") if "gain" in p else "1"]
            words += _kv(p, {"probe", "gain"})
    elif kind == "bsource":
        words += nets + [f"{k}={v.text}" for k, v in p.items()]
    elif kind == "subckt":
        words += nets + [_ref(d.model, d, top, sub)]
        words += _kv(p, set())
    elif kind == "tline":
        words += nets + ([_ref(d.model, d, top, sub)] if d.model else [])
        words += _kv(p, set())
    elif kind == "switch":
        words += nets + [_ref(d.model, d, top, sub)] + _kv(p, set())
    elif kind == "cswitch":
        words += nets + [p["probe"].text if "probe" in p else "?", _ref(d.model, d, top, sub)]
        words += _kv(p, {"probe"})
    elif kind == "mutual_inductor":
        words += [p["ind1"].text, p["ind2"].text, p["coupling"].to_text("spice")]
        words += _kv(p, {"ind1", "ind2", "coupling"})
    else:  # opaque
        em.warn("opaque-part", f"{d.name} is not a SPICE device; written as a '{OPAQUE_PRAGMA.strip()}' comment "
                "that ngspice skips", d)
        words = [OPAQUE_PRAGMA + name] + nets + ([d.model] if d.model else []) + _kv(p, set())
    return " ".join(w for w in words if w != "")


def _model(card: ModelCard, em: Emitter) -> str:
    mtype = card.type
    params = dict(card.params)
    low = mtype.lower()
    if low in SPECTRE_MOS_LEVELS:
        pol = card.polarity or "n"
        mtype = "nmos" if pol == "n" else "pmos"
        params = {k: v for k, v in params.items() if k.lower() != "type"}
        if not any(k.lower() == "level" for k in params):
            params = {"level": Value.parse(str(SPECTRE_MOS_LEVELS[low])), **params}
    elif low in ("bjt", "vbic", "hicum", "mextram"):
        pol = card.polarity or "n"
        mtype = "npn" if pol == "n" else "pnp"
        params = {k: v for k, v in params.items() if k.lower() != "type"}
        if low == "vbic" and not any(k.lower() == "level" for k in params):
            params = {"level": Value.parse("4"), **params}
    elif low in _SPECTRE_TO_SPICE_TYPE:
        mtype = _SPECTRE_TO_SPICE_TYPE[low]
    body = " ".join(f"{k}={v.to_text('spice')}" for k, v in params.items())
    return f".model {card.name} {mtype}" + (f" ({body})" if body else "")
