"""Built-in device model cards, selectable by process name.

Three processes ship with circuitforge (:data:`PROCESSES`):

``generic45``
    A BSIM4 (``level=54``) NMOS/PMOS pair of a generic 45 nm-class bulk CMOS
    process, VDD 1.0 V. The parameters resemble the public PTM 45 nm bulk
    models in spirit and magnitude but were written for circuitforge; the
    gate-leakage, body-resistance and gate-resistance sub-models are off.
``generic180``
    A BSIM4 generic 180 nm-class pair, VDD 1.8 V.
``level1``
    Textbook level-1 (Shichman-Hodges) transistors, VDD 1.8 V.

These cards are **generic: they are not a foundry PDK** and predict no real
silicon. They exist so that every netlist in the project can be simulated
out of the box with plausible device behaviour (an NMOS 1u/45n at
VGS = VDS = 1 V conducts a few hundred µA, Vth ≈ 0.4-0.5 V, the PMOS is weaker).

:func:`apply_process` gives the devices of a netlist whose models are missing
(the AnalogGenie corpus' ``nmos4``/``pmos4``/``npn``/``pnp``/``diode``, or any
name whose polarity is evident from its first letter) the cards of a process,
under the device's own model name, so the device lines stay unchanged.

>>> p = process("generic45")
>>> p.vdd, p.nmos.name, p.nmos.param("level").number
(1.0, 'generic45_nmos', 54.0)
>>> from circuitforge.netlists import parse
>>> n = apply_process(parse("M0 (out in 0 0) nmos4\\n", dialect="spectre"), "generic45")
>>> n.models["nmos4"].type, n.device("M0").param("l").number
('nmos', 1.35e-07)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from ..netlists import read
from ..netlists.device import Device
from ..netlists.errors import ResolutionError, ValidationError
from ..netlists.model import ModelCard
from ..netlists.netlist import Netlist, Subckt
from ..netlists.polarity import polarity_from_name
from ..netlists.values import Value

__all__ = [
    "ProcessName",
    "PROCESSES",
    "BjtPolarity",
    "BJT_POLARITIES",
    "Process",
    "process",
    "default_diode",
    "default_bjt",
    "apply_process",
    "load_pdk",
    "ProcessLibrary",
]

ProcessName = Literal["generic45", "generic180", "level1"]
PROCESSES: tuple[str, ...] = get_args(ProcessName)
"""Names accepted by :func:`process`."""

BjtPolarity = Literal["npn", "pnp"]
BJT_POLARITIES: tuple[str, ...] = get_args(BjtPolarity)


def _card(name: str, mtype: str, text: str) -> ModelCard:
    """A model card from ``key=value`` words (whitespace and newlines separate them)."""
    params: dict[str, Value] = {}
    for word in text.split():
        key, _, val = word.partition("=")
        params[key] = Value.parse(val)
    return ModelCard(name, mtype, params)


# ---- generic 45 nm-class BSIM4 ------------------------------------------------------------
# Generic card written for circuitforge, NOT a foundry PDK. Values are of the
# magnitude of public 45 nm bulk predictive models; output-conductance
# parameters are set so that long devices (L >= 3 Lmin) give gm/gds of 20-40.
_COMMON45 = """
version=4.8 binunit=1 paramchk=1 mobmod=0 capmod=2 igcmod=0 igbmod=0 geomod=1 diomod=1
rdsmod=0 rbodymod=0 rgatemod=0 permod=1 acnqsmod=0 trnqsmod=0 tnom=27 epsrox=3.9
wint=5n lint=3.75n ll=0 wl=0 lln=1 wln=1 lw=0 ww=0 lwn=1 wwn=1 lwl=0 wwl=0 xpart=0
k3=0 k3b=0 w0=2.5u dvt0w=0 dvt1w=0 dvt2w=0 minv=0.05 voffl=0 lpe0=0 lpeb=0 xj=14n
ngate=2e20 nsd=2e20 phin=0 cdsc=0 cdscb=0 cdscd=0 cit=0 etab=0 uc=0 a0=1.0 a1=0 a2=1.0
b0=0 b1=0 dwg=0 dwb=0 pvag=1e-20 delta=0.01 pscbe1=8.14e8 fprout=0.2 pdits=0.08
pditsd=0.23 pditsl=2.3e6 rsh=5 rdsw=155 rdswmin=0 prwg=0 prwb=0 wr=1 alpha0=0.074
alpha1=0.005 beta0=30 cgso=1.1e-10 cgdo=1.1e-10 cgbo=2.56e-11 cgdl=2.653e-10
cgsl=2.653e-10 ckappas=0.03 ckappad=0.03 acde=1 moin=15 noff=0.9 voffcv=0.02
kt1=-0.11 kt1l=0 kt2=0.022 ute=-1.5 ua1=4.31e-9 ub1=7.61e-18 uc1=-5.6e-11 prt=0 at=33000
fnoimod=1 tnoimod=0 jss=1e-4 jsws=1e-11 jswgs=1e-10 njs=1 ijthsfwd=0.01 ijthsrev=0.001
bvs=10 xjbvs=1 pbs=1 cjs=5e-4 mjs=0.5 pbsws=1 cjsws=5e-10 mjsws=0.33 pbswgs=1
cjswgs=3e-10 mjswgs=0.33
"""
_NMOS45 = """
level=54 toxe=1.25n toxp=1.0n toxm=1.25n dtox=0.25n toxref=1.25n
vth0=0.466 k1=0.4 k2=0.0 dvt0=1 dvt1=2 dvt2=0 dsub=0.1 dvtp0=1n dvtp1=0.1 ndep=3.4e18
voff=-0.13 nfactor=1.6 eta0=0.0125 u0=0.049 ua=6e-10 ub=1.2e-18 vsat=1.3e5 ags=0
keta=0.04 pclm=0.3 pdiblc1=0.001 pdiblc2=0.02 pdiblcb=-0.005 drout=0.5 pscbe2=1e-7
rsw=80 rdw=80
"""
_PMOS45 = """
level=54 toxe=1.3n toxp=1.0n toxm=1.3n dtox=0.3n toxref=1.3n
vth0=-0.412 k1=0.4 k2=-0.01 dvt0=1 dvt1=2 dvt2=-0.032 dsub=0.1 dvtp0=1n dvtp1=0.05
ndep=2.44e18 voff=-0.126 nfactor=1.8 eta0=0.0125 u0=0.021 ua=2e-9 ub=5e-19 vsat=7e4
ags=1e-20 keta=-0.047 pclm=0.45 pdiblc1=0.001 pdiblc2=0.02 pdiblcb=3.4e-8 drout=0.56
pscbe2=9.58e-7 rsw=75 rdw=75
"""

# ---- generic 180 nm-class BSIM4 -----------------------------------------------------------
# Generic card written for circuitforge, NOT a foundry PDK.
_COMMON180 = """
version=4.8 binunit=1 paramchk=1 mobmod=0 capmod=2 igcmod=0 igbmod=0 geomod=1 diomod=1
rdsmod=0 rbodymod=0 rgatemod=0 permod=1 acnqsmod=0 trnqsmod=0 tnom=27 epsrox=3.9
toxe=4.1n toxp=3.6n toxm=4.1n dtox=0.5n toxref=4.1n wint=10n lint=10n xj=1e-7
ngate=1e20 nsd=1e20 k3=0 k3b=0 w0=1e-7 minv=0.05 voffl=0 lpe0=0 lpeb=0 cdsc=2.4e-4
cdscb=0 cdscd=0 cit=0 etab=-0.07 uc=0 a1=0 a2=1.0 b0=0 b1=0 dwg=0 dwb=0 delta=0.01
pscbe1=8e8 pscbe2=1e-6 fprout=0.2 pdits=0 pditsd=0 pditsl=0 rsh=7 rdswmin=0 prwg=0
prwb=0 wr=1 alpha0=0 alpha1=0 beta0=30 cgbo=1e-12 ckappas=0.6 ckappad=0.6 acde=1
moin=15 noff=1 voffcv=0 kt1=-0.11 kt1l=0 kt2=0.022 ute=-1.5 ua1=4.31e-9 ub1=-7.61e-18
uc1=-5.6e-11 prt=0 at=3.3e4 fnoimod=1 tnoimod=0 jss=1e-6 jsws=1e-12 njs=1 pbs=0.8
cjs=1e-3 mjs=0.4 pbsws=0.8 cjsws=2.5e-10 mjsws=0.33 pbswgs=0.8 cjswgs=3e-10 mjswgs=0.33
"""
_NMOS180 = """
level=54 vth0=0.39 k1=0.58 k2=0.002 dvt0=1.5 dvt1=0.8 dvt2=-0.03 dsub=0.5 dvtp0=0
dvtp1=0 ndep=2.4e17 voff=-0.09 nfactor=1.2 eta0=0.08 u0=0.028 ua=-1.4e-9 ub=2.3e-18
vsat=8.5e4 a0=1.8 ags=0.4 keta=-0.01 pclm=0.75 pdiblc1=0.2 pdiblc2=2.5e-3 pdiblcb=-0.1
drout=0.8 pvag=0.5 rdsw=105 cgso=7.9e-10 cgdo=7.9e-10 cgsl=0 cgdl=0
"""
_PMOS180 = """
level=54 vth0=-0.41 k1=0.55 k2=0.02 dvt0=1.0 dvt1=0.6 dvt2=-0.03 dsub=0.5 dvtp0=0
dvtp1=0 ndep=4e17 voff=-0.1 nfactor=1.5 eta0=0.08 u0=0.0085 ua=1.2e-9 ub=1e-21
vsat=1.1e5 a0=1.5 ags=0.3 keta=0.01 pclm=1.2 pdiblc1=0.01 pdiblc2=1e-3 pdiblcb=-0.05
drout=0.1 pvag=0.5 rdsw=300 cgso=6.6e-10 cgdo=6.6e-10 cgsl=0 cgdl=0
"""

# ---- level 1 ------------------------------------------------------------------------------
_NMOS_L1 = "level=1 vto=0.5 kp=200u lambda=0.1 gamma=0.4 phi=0.7 tox=4n cgso=0.3n cgdo=0.3n cj=1m cjsw=0.3n"
_PMOS_L1 = "level=1 vto=-0.5 kp=80u lambda=0.1 gamma=0.4 phi=0.7 tox=4n cgso=0.3n cgdo=0.3n cj=1m cjsw=0.3n"


def _merge(*texts: str) -> str:
    return "\n".join(texts)


def default_diode(name: str = "cf_diode") -> ModelCard:
    """A generic silicon junction diode card (``is=1e-14``, ``n=1``, ``rs=10``, ``cjo=1p``).

    >>> default_diode().type, default_diode().param("is").number
    ('d', 1e-14)
    """
    return _card(name, "d", "is=1e-14 n=1 rs=10 cjo=1p vj=0.7 m=0.5 tt=1n bv=10 ibv=1e-9")


def default_bjt(polarity: BjtPolarity = "npn", name: str | None = None) -> ModelCard:
    """A generic Gummel-Poon BJT card (``bf=100``, ``vaf=50``, ``is=1e-16``).

    >>> default_bjt("pnp").type, default_bjt("pnp").name
    ('pnp', 'cf_pnp')
    """
    if polarity not in BJT_POLARITIES:
        raise ResolutionError(str(polarity), BJT_POLARITIES, "BJT polarity")
    if polarity == "npn":
        text = ("is=1e-16 bf=100 br=1 nf=1 vaf=50 ikf=10m rb=100 re=1 rc=10 cje=50f cjc=30f "
                "cjs=50f tf=20p tr=1n")
    else:
        text = ("is=5e-17 bf=50 br=1 nf=1 vaf=30 ikf=5m rb=150 re=2 rc=20 cje=60f cjc=40f "
                "cjs=60f tf=60p tr=2n")
    return _card(name or f"cf_{polarity}", polarity, text)


@dataclass(frozen=True, slots=True)
class Process:
    """A named set of model cards and the facts a testbench needs about them.

    Fields: ``name`` (one of :data:`PROCESSES` for the built-ins),
    ``description`` (one line), ``vdd`` (nominal supply, V), ``lmin`` and
    ``wmin`` (smallest drawn length and width, m), ``nmos`` and ``pmos``
    (MOSFET cards), ``default_w`` and ``default_l`` (size given to MOSFETs
    that have none), ``diode``, ``npn`` and ``pnp`` (other cards).

    >>> p = process("level1")
    >>> p.card("mosfet", "p").param("kp").number
    8e-05
    >>> p
    Process('level1', vdd=1.8, lmin=1.8e-07)
    """

    name: str
    description: str
    vdd: float
    lmin: float
    wmin: float
    nmos: ModelCard = field(hash=False)
    pmos: ModelCard = field(hash=False)
    default_w: float
    default_l: float
    diode: ModelCard = field(default_factory=default_diode, hash=False)
    npn: ModelCard = field(default_factory=lambda: default_bjt("npn"), hash=False)
    pnp: ModelCard = field(default_factory=lambda: default_bjt("pnp"), hash=False)

    def card(self, kind: str, polarity: str | None = None) -> ModelCard:
        """The card for a device ``kind`` (``mosfet``, ``bjt``, ``diode``) and polarity ``n``/``p``."""
        if kind == "diode":
            return self.diode
        if kind not in ("mosfet", "bjt"):
            raise ResolutionError(kind, ("mosfet", "bjt", "diode"), "device kind with a process card")
        if polarity not in ("n", "p"):
            raise ResolutionError(str(polarity), ("n", "p"), f"{kind} polarity")
        if kind == "mosfet":
            return self.nmos if polarity == "n" else self.pmos
        return self.npn if polarity == "n" else self.pnp

    @property
    def cards(self) -> tuple[ModelCard, ...]:
        """Every card of the process."""
        return (self.nmos, self.pmos, self.diode, self.npn, self.pnp)

    def __repr__(self) -> str:
        return f"Process({self.name!r}, vdd={self.vdd}, lmin={self.lmin})"


def process(name: str | Process) -> Process:
    """The built-in process called ``name`` (a :class:`Process` is returned as is).

    >>> process("generic180").vdd
    1.8
    >>> process("tsmc65")
    Traceback (most recent call last):
    ...
    circuitforge.netlists.errors.ResolutionError: Could not resolve process 'tsmc65' among choices ['generic180', 'generic45', 'level1']
    """
    if isinstance(name, Process):
        return name
    if name == "generic45":
        return Process(
            "generic45",
            "generic 45 nm-class bulk CMOS, BSIM4 (not a foundry PDK)",
            vdd=1.0, lmin=45e-9, wmin=90e-9,
            nmos=_card("generic45_nmos", "nmos", _merge(_COMMON45, _NMOS45)),
            pmos=_card("generic45_pmos", "pmos", _merge(_COMMON45, _PMOS45)),
            default_w=1e-6, default_l=135e-9,
        )
    if name == "generic180":
        return Process(
            "generic180",
            "generic 180 nm-class CMOS, BSIM4 (not a foundry PDK)",
            vdd=1.8, lmin=180e-9, wmin=220e-9,
            nmos=_card("generic180_nmos", "nmos", _merge(_COMMON180, _NMOS180)),
            pmos=_card("generic180_pmos", "pmos", _merge(_COMMON180, _PMOS180)),
            default_w=2e-6, default_l=360e-9,
        )
    if name == "level1":
        return Process(
            "level1",
            "textbook level-1 MOSFETs (kp 200u/80u, vto +-0.5, lambda 0.1)",
            vdd=1.8, lmin=180e-9, wmin=220e-9,
            nmos=_card("level1_nmos", "nmos", _NMOS_L1),
            pmos=_card("level1_pmos", "pmos", _PMOS_L1),
            default_w=2e-6, default_l=360e-9,
        )
    raise ResolutionError(str(name), PROCESSES, "process")


def load_pdk(path: str | Path, section: str | None = None, *, nmos: str, pmos: str, vdd: float,
             lmin: float, wmin: float | None = None, name: str | None = None,
             default_w: float | None = None, default_l: float | None = None,
             allow_unsafe: bool = False) -> Process:
    """A :class:`Process` from a user's model library: ``.lib 'file' section`` (tt/ss/ff...) or a plain file.

    ``nmos`` and ``pmos`` name the MOSFET cards to use inside it. The library is
    read with circuitforge's own parser (includes inside it are resolved
    relative to it; nothing is executed).

    >>> import tempfile, pathlib
    >>> lib = pathlib.Path(tempfile.mkdtemp()) / "pdk.lib"
    >>> _ = lib.write_text(".lib tt\\n.model nch nmos level=1 vto=0.45\\n.model pch pmos level=1 vto=-0.45\\n"
    ...                    ".endl tt\\n.lib ss\\n.model nch nmos level=1 vto=0.55\\n"
    ...                    ".model pch pmos level=1 vto=-0.55\\n.endl ss\\n")
    >>> ss = load_pdk(lib, "ss", nmos="nch", pmos="pch", vdd=1.8, lmin=180e-9)
    >>> ss.name, ss.nmos.param("vto").number
    ('pdk.lib:ss', 0.55)
    """
    p = Path(path)
    lib = read(p, allow_unsafe=allow_unsafe)
    scope = lib
    if section is not None:
        sections = {k.lower(): v for k, v in lib.libraries.items()}
        if section.lower() not in sections:
            raise ResolutionError(section, sorted(lib.libraries), f"section of {p.name}")
        scope = sections[section.lower()]
    cards = {}
    for role, model in (("nmos", nmos), ("pmos", pmos)):
        card = scope.find_model(model)
        if card is None:
            known = sorted(m for m in scope.models)
            raise ResolutionError(model, known, f"{role} model in {p.name}" + (f" section {section}" if section else ""))
        cards[role] = card
    wmin = wmin if wmin is not None else 2 * lmin
    return Process(name or (f"{p.name}:{section}" if section else p.name),
                   f"user model library {p}" + (f" section {section}" if section else ""),
                   vdd=vdd, lmin=lmin, wmin=wmin, nmos=cards["nmos"], pmos=cards["pmos"],
                   default_w=default_w if default_w is not None else max(wmin, 20 * lmin),
                   default_l=default_l if default_l is not None else 3 * lmin)


@dataclass(slots=True)
class ProcessLibrary:
    """The processes a session can select by name: the built-ins plus registered user PDKs.

    Pass one around (there is no global registry):

    >>> lib = ProcessLibrary()
    >>> lib.names()
    ['generic180', 'generic45', 'level1']
    >>> lib.get("level1").vdd
    1.8
    """

    user: dict[str, Process] = field(default_factory=dict)

    def register(self, proc: Process) -> Process:
        if proc.name in PROCESSES:
            raise ValidationError(f"process name {proc.name!r} is a built-in; choose another name")
        self.user[proc.name] = proc
        return proc

    def names(self) -> list[str]:
        return sorted({*PROCESSES, *self.user})

    def get(self, name: str | Process) -> Process:
        if isinstance(name, Process):
            return name
        if name in self.user:
            return self.user[name]
        if name in PROCESSES:
            return process(name)
        raise ResolutionError(name, self.names(), "process")


_KINDS_WITH_CARDS = ("mosfet", "bjt", "diode")


def apply_process(netlist: Netlist, name: str | Process, *, size_unsized: bool = True) -> Netlist:
    """A copy of ``netlist`` whose MOSFETs, BJTs and diodes without a model card get ``name``'s.

    Cards are added to the top level under each device's own model name
    (``ModelCard("nmos4", "nmos", <generic45 nmos params>)``), so device lines
    stay unchanged. With ``size_unsized`` MOSFETs lacking ``W``/``L`` get the
    process defaults. Models that the netlist already defines are left alone.
    Raises :class:`ValidationError` for a device whose polarity cannot be told
    from its model name.

    >>> from circuitforge.netlists import parse
    >>> n = parse("* t\\nQ1 c b 0 npn\\nD1 a 0 dmod\\nM1 d g 0 0 pch W=1u L=1u\\n")
    >>> sorted(apply_process(n, "level1").models)
    ['dmod', 'npn', 'pch']
    """
    proc = process(name)
    models = dict(netlist.models)
    added: dict[str, ModelCard] = {}

    def visit(devices: list[Device], scope: Subckt | None) -> list[Device]:
        out = []
        for dev in devices:
            if dev.kind in _KINDS_WITH_CARDS and dev.model:
                if netlist.find_model(dev.model, scope) is None:
                    key = dev.model if netlist.case_sensitive else dev.model.lower()
                    if key not in added:
                        polarity = None if dev.kind == "diode" else polarity_from_name(dev.kind, dev.model)
                        if dev.kind != "diode" and polarity is None:
                            raise ValidationError(
                                f"cannot tell the polarity of model {dev.model!r} of "
                                f"{dev.kind} {dev.name}: name it n*/p* (or define the model)",
                                dev.loc)
                        card = proc.card(dev.kind, polarity)
                        added[key] = ModelCard(dev.model, card.type, dict(card.params))
                if dev.kind == "mosfet" and size_unsized:
                    dev = _sized(dev, proc)
            out.append(dev)
        return out

    subckts = {}
    for sname, sub in netlist.subckts.items():
        subckts[sname] = _copy_subckt(sub, visit)
    devices = visit(list(netlist.devices), None)
    for key, card in added.items():
        models.setdefault(key, card)
    return dataclasses.replace(netlist, devices=devices, subckts=subckts, models=models,
                               params=dict(netlist.params), globals=list(netlist.globals),
                               ports=list(netlist.ports), statements=list(netlist.statements),
                               includes=list(netlist.includes), libraries=dict(netlist.libraries),
                               warnings=list(netlist.warnings))


def _copy_subckt(sub: Subckt, visit) -> Subckt:  # type: ignore[no-untyped-def]
    inner = {k: _copy_subckt(v, visit) for k, v in sub.subckts.items()}
    return dataclasses.replace(sub, devices=visit(list(sub.devices), sub), subckts=inner,
                               params=dict(sub.params), models=dict(sub.models),
                               statements=list(sub.statements))


def _sized(dev: Device, proc: Process) -> Device:
    params: Mapping[str, Value] = dev.params
    extra = {}
    if dev.param("w") is None:
        extra["W"] = Value.of(proc.default_w)
    if dev.param("l") is None:
        extra["L"] = Value.of(proc.default_l)
    if not extra:
        return dev
    return dataclasses.replace(dev, params={**params, **extra})
