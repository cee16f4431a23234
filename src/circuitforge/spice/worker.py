"""The process that hosts ngspice's shared library (one per worker).

It loads libngspice through PySpice once, then runs jobs sent over a pipe:
``(deck_text, [commands])`` → ``("ok", {plot kind: (sweep name, vectors, units)}, log)``
or ``("fail", kind_hint, log)``. A deck that crashes ngspice kills only this
process; the parent restarts it.

A worker never outlives its parent: an idle one sees the pipe close, and a busy one (ngspice
inside a long or hung analysis does not read the pipe) is ended by a watchdog thread that checks
every :data:`PARENT_POLL` seconds whether the process was re-parented. Without it, a parent killed
by a signal during a hung simulation left the worker running at full CPU.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi

__all__ = ["PARENT_POLL", "worker_main", "run_job", "VECTOR_UNITS"]

PARENT_POLL = 1.0
"""Seconds between the watchdog's checks that the parent is alive (module docstring)."""

# ngspice's simvectype enum (sharedspice.h) → unit
VECTOR_UNITS = {0: "", 1: "s", 2: "Hz", 3: "V", 4: "A", 5: "V^2/Hz", 6: "V", 7: "V^2/Hz", 8: "V",
                9: "", 10: "", 11: "", 12: "K", 13: "Ohm", 14: "Ohm", 15: "S", 16: "W", 17: "deg",
                18: "dB", 19: "F", 20: "C"}
_SCALES = ("frequency", "time")


def _quiet() -> None:
    # PySpice 1.5 warns "Unsupported Ngspice version 39" and logs every ngspice stderr line as
    # an error; neither is an error for us (we classify ngspice's messages ourselves).
    logging.getLogger("PySpice").setLevel(logging.CRITICAL + 1)
    warnings.filterwarnings("ignore")


def _engine() -> Any:
    _quiet()
    return NgSpiceShared.new_instance()


def _plot_names(ng: Any) -> list[str]:
    return list(ng.plot_names)


def _read_plot(ng: Any, plot: str) -> tuple[str, dict[str, np.ndarray], dict[str, str]]:
    lib = ng._ngspice_shared
    names_c = lib.ngSpice_AllVecs(plot.encode())
    vectors: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    i = 0
    while names_c[i] != ffi.NULL:
        name = ffi.string(names_c[i]).decode("utf-8", "replace")
        i += 1
        info = lib.ngGet_Vec_Info(f"{plot}.{name}".encode())
        if info == ffi.NULL:
            continue
        n = info.v_length
        if info.v_compdata != ffi.NULL:
            arr = np.frombuffer(ffi.buffer(info.v_compdata, n * 16), dtype=np.complex128).copy()
        elif info.v_realdata != ffi.NULL:
            arr = np.frombuffer(ffi.buffer(info.v_realdata, n * 8), dtype=np.float64).copy()
        else:
            continue
        key = name.lower()
        vectors[key] = arr
        units[key] = VECTOR_UNITS.get(info.v_type, "")
    scale = next((s for s in _SCALES if s in vectors), "")
    if not scale:
        scale = next((k for k in vectors if k.endswith("sweep")), "")
    return scale, vectors, units


def run_job(ng: Any, deck: str, commands: list[tuple[str, str]]) -> tuple:
    """Load ``deck``, run each (kind, command), and return the plots it made."""
    lib = ng._ngspice_shared
    ng.clear_output()
    lines = [ln for ln in deck.splitlines() if ln.strip()] + [""]
    keep = [ffi.new("char[]", ln.encode("utf-8")) for ln in lines] + [ffi.NULL]
    lib.ngSpice_Circ(ffi.new("char *[]", keep))
    results: dict[str, tuple] = {}
    try:
        for kind, cmd in commands:
            before = set(_plot_names(ng))
            lib.ngSpice_Command(cmd.encode("ascii"))
            new = [p for p in _plot_names(ng) if p not in before]
            if not new:
                return ("fail", kind, _log(ng))
            if "simulation(s) aborted" in _log(ng).lower():
                return ("fail", kind, _log(ng))
            plots = [_read_plot(ng, plot) for plot in new]
            if any(not v or all(a.size == 0 for a in v.values()) for _, v, _ in plots):
                return ("fail", kind, _log(ng))
            # noise makes two plots (spectra, integrated totals): the one with a sweep leads
            plots.sort(key=lambda p: p[0] == "")
            scale, vectors, units = plots[0]
            for _, more, more_units in plots[1:]:
                for k, v in more.items():
                    vectors.setdefault(k, v)
                    units.setdefault(k, more_units.get(k, ""))
            results.setdefault(kind, (scale, vectors, units))
        return ("ok", results, _log(ng))
    finally:
        lib.ngSpice_Command(b"destroy all")
        lib.ngSpice_Command(b"remcirc")


def _log(ng: Any) -> str:
    return "\n".join([*ng._stdout, *ng._stderr])


def _watch_parent(parent: int, poll: float) -> None:
    """End this process at once when ``parent`` is no longer its parent (it died: the process
    was re-parented to init or a subreaper)."""
    while True:
        time.sleep(poll)
        if os.getppid() != parent:
            os._exit(1)


def worker_main(conn: Connection) -> None:
    """Serve jobs until the pipe closes or ``None`` arrives (or the parent dies: module docstring)."""
    threading.Thread(target=_watch_parent, args=(os.getppid(), PARENT_POLL), daemon=True,
                     name="parent-watchdog").start()
    # one ngspice thread per worker: the workers are the parallelism (Debian builds ngspice with
    # OpenMP for BSIM4 and it defaults to 2 threads; two workers would fight over the cores)
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        ng = _engine()
        ng._ngspice_shared.ngSpice_Command(b"set num_threads=1")
    except Exception as exc:  # noqa: BLE001 - report why ngspice could not be loaded
        conn.send(("unavailable", f"{type(exc).__name__}: {exc}", ""))
        return
    conn.send(("ready", "", ""))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        deck, commands = job
        try:
            reply = run_job(ng, deck, commands)
        except Exception as exc:  # noqa: BLE001 - a Python-side failure is reported, not fatal
            reply = ("fail", "exception", f"{type(exc).__name__}: {exc}\n{_log(ng)}")
        if "cannot recover" in reply[2]:
            # ngspice's shared library is unusable after such an error: answer, then make way
            # for a fresh worker (the parent restarts it when it sees the status)
            conn.send(("fail-restart", reply[1], reply[2]))
            return
        conn.send(reply)
