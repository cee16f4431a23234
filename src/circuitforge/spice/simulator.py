"""Simulators: ngspice's shared library in isolated worker processes, and ngspice batch mode.

>>> from circuitforge.spice import simulate, Op, AC
>>> res = simulate("* rc\\nV1 in 0 DC 1 AC 1\\nR1 in out 1k\\nC1 out 0 1n\\n.end\\n", [Op(), AC(1, 1e9, 10)])
>>> round(res["op"].value("out"), 6)
1.0
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Literal, Protocol, get_args, runtime_checkable

import numpy as np

from ..netlists import Netlist
from ..netlists.errors import ResolutionError
from .analyses import Analysis
from .base import SimulatorBase, progress_bar
from .classify import classify_failure
from .deck import to_deck
from .errors import DeckError, SimulationError, SimulationTimeout, SimulatorCrash, SimulatorUnavailable
from .rawfile import read_raw
from .ray_backend import RaySimulator
from .results import AnalysisResult, SimResult
from .toy import ToySimulator
from .worker import worker_main

__all__ = ["Simulator", "MeasurementPredictor", "SharedSimulator", "BatchSimulator", "simulate", "simulate_many", "Backend",
           "BACKENDS", "make_simulator", "Job"]

Backend = Literal["local", "batch", "toy", "ray"]
"""Simulator backends: ``local`` (ngspice's shared library in worker processes here; ``shared`` is its
former name, still accepted), ``batch`` (``ngspice -b``), ``toy`` (linear MNA) and ``ray`` (Ray actors)."""
BACKENDS: tuple[str, ...] = get_args(Backend)
_ALIASES = {"shared": "local"}
Job = tuple["Netlist | str", Sequence[Analysis]]


@runtime_checkable
class Simulator(Protocol):
    """Runs analyses on a netlist; never raises for a bad deck (the failure is in the result).

    :class:`SharedSimulator`, :class:`BatchSimulator` and :class:`ToySimulator`
    implement it (through :class:`~.base.SimulatorBase`); ``isinstance`` checks
    that the three methods are there.

    >>> isinstance(ToySimulator(), Simulator), isinstance(object(), Simulator)
    (True, False)
    """

    def run(self, circuit: Netlist | str, analyses: Sequence[Analysis], *, timeout: float = 30.0) -> SimResult:
        ...

    def run_many(self, jobs: Sequence[Job], *, timeout: float = 30.0, progress: bool = False) -> list[SimResult]:
        ...

    def close(self) -> None:
        ...


@runtime_checkable
class MeasurementPredictor(Protocol):
    """A learned stand-in for a simulator: predicts the measurements of sized netlists, without simulating.

    It has no waveforms, so it cannot run analyses (it is not a :class:`Simulator`);
    code that only needs the op-amp measurements (``gain`` dB, ``ugbw`` Hz, ``pm``
    deg, ``power`` W: the keys of :func:`~.measure.measure_opamp`) accepts either,
    e.g. ``circuitforge.rl.sizing`` evaluating designs. A quantity it does not
    predict is missing from the dict or NaN. The graph layer's
    ``PredictorBackend`` implements it structurally (``graph`` may not import
    ``spice``; a Protocol needs no import).

    >>> class Constant:
    ...     def predict(self, netlists):
    ...         return [{"gain": 60.0} for _ in netlists]
    >>> isinstance(Constant(), MeasurementPredictor), isinstance(ToySimulator(), MeasurementPredictor)
    (True, False)
    """

    def predict(self, netlists: Sequence[Netlist]) -> list[dict[str, float]]:
        ...


def _commands(analyses: Sequence[Analysis]) -> list[tuple[str, str]]:
    if not analyses:
        raise ValueError("no analyses to run (e.g. [Op(), AC(1, 1e9, 20)])")
    return [(a.kind, a.command()) for a in analyses]


def _result(kind_map: dict[str, tuple], log: str, elapsed: float) -> SimResult:
    analyses = {}
    for kind, (scale, vectors, units) in kind_map.items():
        sweep = np.real(vectors[scale]) if scale else np.array([])
        analyses[kind] = AnalysisResult(kind, sweep, scale, vectors, units)
    return SimResult(analyses, None, log, elapsed)


# ----------------------------------------------------------------------------------------
# shared library in worker processes
# ----------------------------------------------------------------------------------------

class _Worker:
    """One worker process and its pipe; restarted after a crash or a timeout."""

    def __init__(self, ctx: mp.context.BaseContext, start_timeout: float):
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_main, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.conn: Connection = parent
        if not parent.poll(start_timeout):
            self.kill()
            raise SimulatorUnavailable(f"the ngspice worker did not start within {start_timeout:.0f} s")
        try:
            status, message, _ = parent.recv()
        except EOFError:
            raise SimulatorUnavailable(f"the ngspice worker died while starting "
                                       f"(exit code {self.proc.exitcode})") from None
        if status != "ready":
            self.kill()
            raise SimulatorUnavailable(f"cannot load ngspice's shared library: {message} "
                                       "(install Debian's libngspice0-dev: `make install` does it)")
        self.started = 0.0
        self.job_index = -1

    def send(self, deck: str, commands: list[tuple[str, str]], index: int) -> None:
        self.conn.send((deck, commands))
        self.started = time.monotonic()
        self.job_index = index

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(2)
        self.conn.close()


class SharedSimulator(SimulatorBase):
    """ngspice's shared library (through PySpice) in ``workers`` isolated processes.

    A deck that crashes or hangs ngspice kills or times out only its worker,
    which is restarted; the caller gets a :class:`SimResult` whose ``error`` is
    a :class:`SimulatorCrash`, :class:`SimulationTimeout`,
    :class:`ConvergenceError` or :class:`DeckError` with ngspice's messages.

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, workers: int = 1, *, start_timeout: float = 60.0):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self._ctx = mp.get_context("spawn")
        self._start_timeout = start_timeout
        self._size = workers
        self._workers: list[_Worker] = []
        self.restarts = 0

    def _ensure(self, n: int) -> None:
        while len(self._workers) < min(n, self._size):
            self._workers.append(_Worker(self._ctx, self._start_timeout))

    def close(self) -> None:
        for w in self._workers:
            w.stop()
        self._workers.clear()

    def run(self, circuit: Netlist | str, analyses: Sequence[Analysis], *, timeout: float = 30.0) -> SimResult:
        return self.run_many([(circuit, analyses)], timeout=timeout)[0]

    def run_many(self, jobs: Sequence[Job], *, timeout: float = 30.0, progress: bool = False,
                 on_result: Callable[[int, SimResult], None] | None = None) -> list[SimResult]:
        """Run every job over the workers; results in input order; failures per item."""
        results: list[SimResult | None] = [None] * len(jobs)
        # decks are written as workers free up, so that writing overlaps simulating
        pending = list(reversed(range(len(jobs))))
        retry: list[tuple[int, str, list[tuple[str, str]]]] = []
        try:
            self._ensure(len(pending))
        except SimulationError as exc:
            return [SimResult(error=exc) for _ in jobs]
        bar = progress_bar(self.progress_label) if progress else None
        if bar is not None:
            bar.start()
            task = bar.add_task("sim", total=len(jobs))

        def done(index: int, res: SimResult) -> None:
            results[index] = res
            if bar is not None:
                bar.advance(task)
            if on_result is not None:
                on_result(index, res)

        busy: dict[Connection, _Worker] = {}
        idle = list(self._workers)
        try:
            while pending or retry or busy:
                while (pending or retry) and idle:
                    if retry:
                        index, deck, commands = retry.pop()
                    else:
                        index = pending.pop()
                        circuit, analyses = jobs[index]
                        try:
                            deck, commands = to_deck(circuit), _commands(analyses)
                        except (SimulationError, ValueError) as exc:
                            done(index, SimResult(error=exc if isinstance(exc, SimulationError)
                                                  else DeckError(str(exc))))
                            continue
                    w = idle.pop()
                    try:
                        w.send(deck, commands, index)
                    except (OSError, BrokenPipeError):
                        retry.append((index, deck, commands))
                        idle.append(self._replace(w))
                        continue
                    busy[w.conn] = w
                if not busy:
                    continue
                now = time.monotonic()
                wait_for = min(max(0.0, w.started + timeout - now) for w in busy.values())
                ready = wait(list(busy), timeout=wait_for + 0.01)
                for conn in ready:
                    w = busy.pop(conn)  # type: ignore[arg-type]
                    elapsed = time.monotonic() - w.started
                    try:
                        status, payload, log = w.conn.recv()
                    except (EOFError, OSError):
                        code = w.proc.exitcode if not w.proc.is_alive() else None
                        w.proc.join(1)
                        code = w.proc.exitcode
                        done(w.job_index, SimResult(error=SimulatorCrash(
                            f"ngspice crashed (worker exit code {code}); the worker was restarted"),
                            elapsed=elapsed))
                        idle.append(self._replace(w))
                        continue
                    if status == "ok":
                        done(w.job_index, _result(payload, log, elapsed))
                    else:
                        what = payload if payload != "exception" else "simulation"
                        err = classify_failure(log, what)
                        done(w.job_index, SimResult(error=err, log=log, elapsed=elapsed))
                    if status == "fail-restart":
                        idle.append(self._replace(w))
                        continue
                    idle.append(w)
                now = time.monotonic()
                for conn, w in list(busy.items()):
                    if now - w.started > timeout:
                        busy.pop(conn)
                        done(w.job_index, SimResult(error=SimulationTimeout(
                            f"simulation ran past {timeout:g} s; the worker was killed and restarted"),
                            elapsed=now - w.started))
                        idle.append(self._replace(w))
        finally:
            if bar is not None:
                bar.stop()
        return [r if r is not None else SimResult(error=DeckError("not run")) for r in results]

    def _replace(self, w: _Worker) -> _Worker:
        w.kill()
        self.restarts += 1
        new = _Worker(self._ctx, self._start_timeout)
        self._workers[self._workers.index(w)] = new
        return new


# ----------------------------------------------------------------------------------------
# batch mode: a new ngspice process per deck, results through a raw file
# ----------------------------------------------------------------------------------------

def _batch_env() -> dict[str, str]:
    # one OpenMP thread, as in the workers: ngspice's spinning BSIM4 threads would otherwise fight
    # whatever else runs on the machine
    return {**os.environ, "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}


class BatchSimulator(SimulatorBase):
    """``ngspice -b -r out.raw`` as a subprocess per simulation (the fallback, and a cross-check)."""

    progress_label = "ngspice -b"

    def __init__(self, executable: str = "ngspice"):
        path = shutil.which(executable)
        if path is None:
            raise SimulatorUnavailable(f"{executable!r} not found on PATH (install Debian's ngspice: "
                                       "`make install` does it)")
        self.executable = path

    def run(self, circuit: Netlist | str, analyses: Sequence[Analysis], *, timeout: float = 30.0) -> SimResult:
        t0 = time.monotonic()
        try:
            deck = to_deck(circuit)
            commands = _commands(analyses)
        except SimulationError as exc:
            return SimResult(error=exc)
        except ValueError as exc:
            return SimResult(error=DeckError(str(exc)))
        body = deck.rstrip().removesuffix(".end").rstrip()
        text = body + "\n" + "\n".join("." + cmd for _, cmd in commands) + "\n.end\n"
        with tempfile.TemporaryDirectory(prefix="cf-ngspice-") as tmp:
            deck_path = Path(tmp) / "deck.cir"
            raw_path = Path(tmp) / "out.raw"
            deck_path.write_text(text)
            try:
                proc = subprocess.run([self.executable, "-b", "-r", str(raw_path), str(deck_path)],
                                      capture_output=True, text=True, timeout=timeout, cwd=tmp,
                                      stdin=subprocess.DEVNULL, env=_batch_env())
            except subprocess.TimeoutExpired:
                return SimResult(error=SimulationTimeout(f"ngspice -b ran past {timeout:g} s and was killed"),
                                 elapsed=time.monotonic() - t0)
            log = proc.stdout + proc.stderr
            elapsed = time.monotonic() - t0
            if proc.returncode < 0:
                return SimResult(error=SimulatorCrash(f"ngspice -b died (signal {-proc.returncode})", log),
                                 log=log, elapsed=elapsed)
            plots = read_raw(raw_path) if raw_path.is_file() and raw_path.stat().st_size else []
        got: dict[str, AnalysisResult] = {}
        for p in plots:
            if p.kind == "noise_total" and "noise" in got:
                merged = {**got["noise"].vectors, **p.vectors}
                got["noise"] = AnalysisResult("noise", got["noise"].sweep, got["noise"].sweep_name, merged,
                                              {**got["noise"].units, **p.units})
                continue
            got.setdefault(p.kind, p)
        missing = [k for k, _ in commands if k not in got]
        if missing:
            return SimResult(error=classify_failure(log, missing[0]), log=log, elapsed=elapsed)
        return SimResult(got, None, log, elapsed)


def make_simulator(backend: str = "local", workers: int = 1, *, address: str | None = None
                   ) -> SharedSimulator | BatchSimulator | ToySimulator | RaySimulator:
    """A simulator by backend name: ``local`` (default: ``workers`` ngspice shared-library processes
    here; ``shared`` is accepted as its former name), ``batch``, ``toy`` (linear MNA, for tests), or
    ``ray`` (``workers`` Ray actors, each with a one-worker shared simulator, on the cluster at ``address``,
    else ``$CIRCUITFORGE_RAY_ADDRESS``, else a local Ray instance; needs ``circuitforge[ray]``).

    >>> type(make_simulator("toy")).__name__
    'ToySimulator'
    >>> make_simulator("spice")
    Traceback (most recent call last):
    ...
    circuitforge.netlists.errors.ResolutionError: Could not resolve simulator backend 'spice' among choices ['batch', 'local', 'ray', 'toy']
    """
    backend = _ALIASES.get(backend, backend)
    if backend == "ray":
        return RaySimulator(partial(SharedSimulator, 1), workers, address=address)
    if backend == "local":
        return SharedSimulator(workers)
    if backend == "batch":
        return BatchSimulator()
    if backend == "toy":
        return ToySimulator()
    raise ResolutionError(backend, BACKENDS, "simulator backend")


class _Default:
    """The lazily started single-worker simulator behind :func:`simulate` (closed at exit)."""

    def __init__(self) -> None:
        self.sim: SharedSimulator | None = None

    def get(self) -> SharedSimulator:
        if self.sim is None:
            self.sim = SharedSimulator(1)
            atexit.register(self.sim.close)
        return self.sim


_DEFAULT = _Default()


def simulate(circuit: Netlist | str, analyses: Sequence[Analysis], *, timeout: float = 30.0,
             backend: str = "local") -> SimResult:
    """Simulate one circuit. Failures are returned in ``result.error``, never raised."""
    if _ALIASES.get(backend, backend) == "local":
        return _DEFAULT.get().run(circuit, analyses, timeout=timeout)
    with make_simulator(backend) as sim:
        return sim.run(circuit, analyses, timeout=timeout)


def simulate_many(jobs: Iterable[Job], *, workers: int = 2, timeout: float = 30.0, backend: str = "local",
                  progress: bool = True) -> list[SimResult]:
    """Simulate many circuits over ``workers`` processes; results in input order, failures per item."""
    items = list(jobs)
    with make_simulator(backend, workers) as sim:
        return sim.run_many(items, timeout=timeout, progress=progress)
