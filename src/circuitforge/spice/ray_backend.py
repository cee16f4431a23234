"""Ray backend: simulation workers as Ray actors, on one machine or a cluster, behind the Simulator protocol.

Each actor hosts one simulator made by a factory, normally a one-worker
:class:`~circuitforge.spice.SharedSimulator`, so crash, hang and
non-convergence handling and the worker restart are the bridge's own code.
:meth:`RaySimulator.run_many` hands the batch to the actors in small calls,
at most ``max_in_flight`` calls queued per actor (back-pressure), and returns
the results in input order with per-item typed failures. An actor that dies
(node lost, ``ray.kill``) loses no result: it is replaced, and each of its
queued items runs again alone on an idle actor, up to ``max_retries`` times
per item, after which the item is reported as a :class:`SimulatorCrash`.

Ray is optional (``pip install 'circuitforge[ray]'``) and imported on first use.
The cluster is the one Ray is already connected to, else ``address=``, else
the ``CIRCUITFORGE_RAY_ADDRESS`` environment variable, else a new local instance.
Usually made through ``make_simulator("ray", workers=...)``.

>>> from circuitforge.spice import Op, ToySimulator
>>> RAY_ADDRESS_ENV
'CIRCUITFORGE_RAY_ADDRESS'
>>> SimActor(ToySimulator).run_many([("* d\\nV1 a 0 2\\nR1 a b 1k\\nR2 b 0 1k\\n.end\\n", [Op()])])[0].ok
True
"""

from __future__ import annotations

import os
import time
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..core.cluster import RAY_ADDRESS_ENV, resolve_address
from .analyses import Op
from .base import SimulatorBase, progress_bar
from .deck import to_deck
from .errors import DeckError, SimulationError, SimulatorCrash, SimulatorUnavailable
from .results import SimResult

if TYPE_CHECKING:
    from ..netlists import Netlist
    from .analyses import Analysis

__all__ = ["RaySimulator", "SimActor", "RAY_ADDRESS_ENV", "ray_module"]

_WARM_DECK = "* warm-up\nV1 a 0 1\nR1 a 0 1k\n.end\n"


def ray_module() -> ModuleType:
    """The ``ray`` package, or :class:`SimulatorUnavailable` naming the extra to install."""
    try:
        # imported here: Ray is an optional, heavy dependency
        import ray
    except ImportError as exc:
        raise SimulatorUnavailable(f"the Ray backend needs Ray ({exc}): pip install 'circuitforge[ray]'") from None
    return ray


class SimActor:
    """What runs inside one Ray actor: one simulator from ``factory``, fed batches of decks.

    Used undecorated here (the driver wraps it with ``ray.remote``), so it can be
    exercised without Ray:

    >>> from circuitforge.spice import ToySimulator
    >>> SimActor(ToySimulator).restarts()
    0
    """

    def __init__(self, factory: Callable[[], Any]):
        self.sim = factory()

    def run_many(self, jobs: Sequence[tuple[str, Sequence[Analysis]]], timeout: float = 30.0) -> list[SimResult]:
        """The hosted simulator's ``run_many`` (results in order, failures per item)."""
        return self.sim.run_many(list(jobs), timeout=timeout)

    def restarts(self) -> int:
        """How many times the hosted simulator restarted its worker."""
        return int(getattr(self.sim, "restarts", 0))

    def pid(self) -> int:
        """The actor's process id."""
        return os.getpid()

    def close(self) -> None:
        """Stop the hosted simulator's worker."""
        self.sim.close()


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message (Ray's are long), at most 200 characters."""
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else ""


@dataclass(slots=True)
class _Call:
    """One ``run_many`` call in flight on an actor."""

    slot: int
    generation: int
    indices: list[int]


class RaySimulator(SimulatorBase):
    """``workers`` Ray actors, each hosting one simulator made by ``factory``.

    ``factory`` is called inside each actor (e.g. ``functools.partial(SharedSimulator, 1)``;
    ``make_simulator("ray")`` passes that). ``batch`` items go in one actor call;
    ``max_in_flight`` calls are queued per actor at most. ``cpus_per_actor`` is the Ray
    CPU reservation of one actor (its ngspice worker process is the CPU user).
    ``restarts`` counts simulator worker restarts inside the actors (as
    :class:`SharedSimulator` does), ``actor_restarts`` the actors replaced after dying,
    ``retried`` the items run again because their actor died.

    Use as a context manager, or call :meth:`close`; a Ray instance started here is
    shut down by :meth:`close`, one found running is left alone.
    """

    progress_label = "simulating (ray)"

    def __init__(self, factory: Callable[[], Any], workers: int = 2, *, address: str | None = None,
                 batch: int = 4, max_in_flight: int = 2, max_retries: int = 3, cpus_per_actor: float = 1.0,
                 start_timeout: float = 120.0, init_options: dict[str, Any] | None = None):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if batch < 1 or max_in_flight < 1:
            raise ValueError(f"batch and max_in_flight must be >= 1, got {batch} and {max_in_flight}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self._ray = ray_module()
        self.factory = factory
        self.workers = workers
        self.batch = batch
        self.max_in_flight = max_in_flight
        self.max_retries = max_retries
        self.start_timeout = start_timeout
        self.cpus_per_actor = cpus_per_actor
        self.actor_restarts = 0
        self.retried = 0
        self._owns_ray = False
        if not self._ray.is_initialized():
            target = resolve_address(address)
            options = {"include_dashboard": False, "logging_level": "warning", **(init_options or {})}
            try:
                if target:
                    self._ray.init(address=target, **options)
                else:
                    self._ray.init(**options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = f"the Ray cluster at {target!r}" if target else "a local Ray instance"
                raise SimulatorUnavailable(f"cannot connect to {where}: {exc}") from None
            self._owns_ray = True
        self._remote = self._ray.remote(SimActor).options(num_cpus=cpus_per_actor, max_restarts=0,
                                                           scheduling_strategy="SPREAD")
        self.actors: list[Any] = []
        self._generation: list[int] = []
        self._answered: list[bool] = []  # has the actor in this slot answered a call (it is running)?

    def __repr__(self) -> str:
        return (f"RaySimulator(workers={self.workers}, actors={len(self.actors)}, batch={self.batch}, "
                f"max_in_flight={self.max_in_flight})")

    # -- actors --------------------------------------------------------------------------

    def _ensure(self) -> None:
        if not self.actors:
            cpus = self._ray.cluster_resources().get("CPU", 0.0)
            if self.workers * self.cpus_per_actor > cpus:
                warnings.warn(f"{self.workers} actors of {self.cpus_per_actor:g} CPU each need more than the "
                              f"{cpus:g} CPUs this Ray cluster has now: the rest wait for nodes to join "
                              "(and their items wait with them)", RuntimeWarning, stacklevel=3)
        while len(self.actors) < self.workers:
            self.actors.append(self._remote.remote(self.factory))
            self._generation.append(0)
            self._answered.append(False)

    def _replace(self, slot: int) -> None:
        old = self.actors[slot]
        try:
            self._ray.kill(old)
        except (ValueError, self._ray.exceptions.RayError):
            pass  # already gone
        self.actors[slot] = self._remote.remote(self.factory)
        self._generation[slot] += 1
        self._answered[slot] = False
        self.actor_restarts += 1

    def start(self) -> RaySimulator:
        """Start every actor and its simulator worker now (else on the first batch); returns self."""
        self._ensure()
        refs = [a.run_many.remote([(_WARM_DECK, [Op()])], 30.0) for a in self.actors]
        try:
            self._ray.get(refs, timeout=self.start_timeout)
        except (self._ray.exceptions.RayError, TimeoutError) as exc:
            raise SimulatorUnavailable(f"the {len(refs)} simulation actors did not all start within "
                                       f"{self.start_timeout:g} s: {type(exc).__name__}: {_first_line(exc)}"
                                       ) from None
        self._answered = [True] * len(self.actors)
        return self

    @property
    def restarts(self) -> int:
        """Simulator worker restarts inside the live actors (a replaced actor's count goes with it)."""
        total = 0
        for ref in [a.restarts.remote() for a in self.actors]:
            try:
                total += self._ray.get(ref, timeout=self.start_timeout)
            except self._ray.exceptions.RayActorError:
                pass  # a dead actor's count went with it
        return total

    def close(self) -> None:
        """Stop the actors' workers and the actors (and Ray, when this object started it)."""
        if self.actors and self._ray.is_initialized():
            # running actors stop their ngspice worker; one still waiting for a node is just killed
            refs = [a.close.remote() for a, up in zip(self.actors, self._answered) if up]
            try:
                self._ray.get(refs, timeout=30)
            except (self._ray.exceptions.RayError, TimeoutError):
                pass  # an actor already gone has nothing left to stop
            for a in self.actors:
                try:
                    self._ray.kill(a)
                except (ValueError, self._ray.exceptions.RayError):
                    pass
        self.actors.clear()
        self._generation.clear()
        self._answered.clear()
        if self._owns_ray and self._ray.is_initialized():
            self._ray.shutdown()
        self._owns_ray = False

    # -- the Simulator protocol ----------------------------------------------------------------

    def run(self, circuit: Netlist | str, analyses: Sequence[Analysis], *, timeout: float = 30.0) -> SimResult:
        return self.run_many([(circuit, analyses)], timeout=timeout)[0]

    def run_many(self, jobs: Sequence[tuple[Netlist | str, Sequence[Analysis]]], *, timeout: float = 30.0,
                 progress: bool = False, on_result: Callable[[int, SimResult], None] | None = None
                 ) -> list[SimResult]:
        """Run every job over the actors; results in input order; failures per item.

        ``on_result(index, result)`` is called in the driver as each result arrives.
        """
        ray = self._ray
        lost_errors = (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError)
        results: list[SimResult | None] = [None] * len(jobs)
        decks: dict[int, str] = {}
        attempts = [0] * len(jobs)
        queue: deque[int] = deque(range(len(jobs)))
        # items whose actor died: each runs again alone on an idle actor, so that an item that kills its
        # actor (or a node that keeps dying) is charged to itself and not to the items queued beside it
        retry: deque[int] = deque()
        bar = progress_bar(self.progress_label) if progress else None
        task = None
        if bar is not None:
            bar.start()
            task = bar.add_task("sim", total=len(jobs))

        def done(index: int, res: SimResult) -> None:
            results[index] = res
            decks.pop(index, None)
            if bar is not None:
                bar.advance(task)  # type: ignore[arg-type]
            if on_result is not None:
                on_result(index, res)

        def take(n: int) -> list[int]:
            # decks are written as actors free up, so that writing overlaps simulating
            chunk: list[int] = []
            while queue and len(chunk) < n:
                i = queue.popleft()
                if i not in decks:
                    try:
                        decks[i] = to_deck(jobs[i][0])
                    except SimulationError as exc:
                        done(i, SimResult(error=exc))
                        continue
                    except ValueError as exc:
                        done(i, SimResult(error=DeckError(str(exc))))
                        continue
                chunk.append(i)
            return chunk

        if jobs:
            self._ensure()
        inflight: dict[Any, _Call] = {}
        load = [0] * len(self.actors)
        solo = [False] * len(self.actors)
        # the longest an actor may go without answering: start-up plus its queued items, each up to `timeout`
        patience = self.start_timeout + timeout * self.batch * self.max_in_flight * 1.5 + 10.0
        progress_at = [time.monotonic()] * len(self.actors)
        try:
            while queue or retry or inflight:
                for slot, actor in enumerate(self.actors):
                    if retry and load[slot] == 0:
                        i = retry.popleft()
                        progress_at[slot] = time.monotonic()
                        ref = actor.run_many.remote([(decks[i], jobs[i][1])], timeout)
                        inflight[ref] = _Call(slot, self._generation[slot], [i])
                        load[slot], solo[slot] = 1, True
                        continue
                    while queue and not retry and not solo[slot] and load[slot] < self.max_in_flight:
                        chunk = take(self.batch)
                        if not chunk:
                            break
                        if load[slot] == 0:
                            progress_at[slot] = time.monotonic()
                        ref = actor.run_many.remote([(decks[i], jobs[i][1]) for i in chunk], timeout)
                        inflight[ref] = _Call(slot, self._generation[slot], chunk)
                        load[slot] += 1
                if not inflight:
                    continue
                ready, _ = ray.wait(list(inflight), num_returns=1, timeout=1.0)
                for ref in ready:
                    call = inflight.pop(ref)
                    current = call.generation == self._generation[call.slot]
                    if current:
                        load[call.slot] -= 1
                        solo[call.slot] = False
                        progress_at[call.slot] = time.monotonic()
                    try:
                        out = ray.get(ref)
                    except lost_errors as exc:
                        if current:
                            self._replace(call.slot)
                            load[call.slot] = 0
                            progress_at[call.slot] = time.monotonic()
                        self._requeue(call.indices, attempts, retry, done, exc)
                        continue
                    except ray.exceptions.RayTaskError as exc:
                        for i in call.indices:
                            done(i, SimResult(error=SimulatorCrash(
                                f"the simulation actor raised {type(exc.cause).__name__}: {exc.cause}")))
                        continue
                    if current:
                        self._answered[call.slot] = True
                    for i, res in zip(call.indices, out):
                        done(i, res)
                now = time.monotonic()
                for slot in range(len(self.actors)):
                    if load[slot] and now - progress_at[slot] > patience:
                        # an actor that stopped answering (its node froze): kill it; its calls fail and are retried
                        ray.kill(self.actors[slot])
                        progress_at[slot] = now
        finally:
            if bar is not None:
                bar.stop()
        return [r if r is not None else SimResult(error=DeckError("not run")) for r in results]

    def _requeue(self, indices: list[int], attempts: list[int], retry: deque[int],
                 done: Callable[[int, SimResult], None], exc: BaseException) -> None:
        """Put a dead actor's items in the retry queue, or report those past the retry limit."""
        for i in indices:
            attempts[i] += 1
            if attempts[i] > self.max_retries:
                done(i, SimResult(error=SimulatorCrash(
                    f"the simulation actor died {attempts[i]} times while running this item "
                    f"(retry limit {self.max_retries}): {type(exc).__name__}: {_first_line(exc)}")))
            else:
                self.retried += 1
                retry.append(i)
