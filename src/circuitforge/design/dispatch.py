"""Where the design flow's jobs run: worker processes here, or Ray tasks on a cluster.

The flow has one function per job (the generator's functional screen, one candidate's
sizing and verification); a dispatcher runs a list of calls of one such function and returns
the results in input order. A call that fails (its worker died, its node was lost, its result
could not travel back) comes back as a :class:`JobFailure` with the reason, in its place; the
other calls are unaffected.

- :class:`LocalDispatcher`: ``workers`` spawned processes (or this process when ``workers`` is 1).
- :class:`RayDispatcher`: Ray tasks on the cluster Ray is connected to, else ``address=``, else
  ``$CIRCUITFORGE_RAY_ADDRESS``, else a new local instance (:mod:`circuitforge.core.cluster`);
  at most ``workers`` in flight. A task whose worker process dies is run again by Ray itself
  (``max_retries``), then reported.

>>> with make_dispatcher("local", workers=1) as jobs:
...     jobs.map(divmod, [((7, 2), {}), ((9, 4), {})])
[(3, 1), (2, 1)]
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from ..core.cluster import ClusterBackend, check_backend, resolve_address
from ..netlists import CircuitforgeError

__all__ = ["JobFailure", "Dispatcher", "LocalDispatcher", "RayDispatcher", "make_dispatcher", "Call"]

Call = tuple[tuple[Any, ...], dict[str, Any]]
"""One call of a job function: ``(args, kwargs)``."""


@dataclass(frozen=True, slots=True)
class JobFailure:
    """A job that returned nothing: ``reason`` says why (the worker or the task failed, not the job's own logic).

    >>> JobFailure("worker failed: BrokenProcessPool: ...").reason.split(":")[0]
    'worker failed'
    """

    reason: str


class Dispatcher(Protocol):
    """Runs calls of one job function; results (or :class:`JobFailure`) in input order."""

    def start(self) -> Dispatcher: ...

    def map(self, fn: Callable[..., Any], calls: Sequence[Call],
            on_done: Callable[[int, Any], None] | None = None) -> list[Any]: ...

    def close(self) -> None: ...


def _first_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (Ray's messages are long), at most 300 characters."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0][:300] if text else ''}"


class _Context:
    """``with`` support for dispatchers: start on enter, close on exit."""

    def start(self) -> Any:
        return self

    def close(self) -> None:
        pass

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalDispatcher(_Context):
    """``workers`` spawned worker processes (each with single-threaded torch), made on first use;
    with ``workers`` 1 the jobs run in this process, one after the other.

    >>> LocalDispatcher(2)
    LocalDispatcher(workers=2)
    """

    def __init__(self, workers: int = 1):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __repr__(self) -> str:
        return f"LocalDispatcher(workers={self.workers})"

    def map(self, fn: Callable[..., Any], calls: Sequence[Call],
            on_done: Callable[[int, Any], None] | None = None) -> list[Any]:
        """Every call of ``fn``; ``on_done(index, result)`` as each finishes."""
        done = on_done or (lambda i, r: None)
        if self.workers == 1:
            out = []
            for i, (args, kwargs) in enumerate(calls):
                out.append(fn(*args, **kwargs))
                done(i, out[-1])
            return out
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_worker_init,
                                             mp_context=multiprocessing.get_context("spawn"))
        futures: list[Future] = [self._pool.submit(fn, *args, **kwargs) for args, kwargs in calls]
        results: list[Any] = []
        for i, fut in enumerate(futures):
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker fails its job, recorded, not the run
                res = JobFailure(f"worker failed: {_first_line(exc)}")
            results.append(res)
            done(i, res)
        return results

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _worker_init() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch  # noqa: PLC0415 - heavy: only the design flow's workers pay for it

    torch.set_num_threads(1)


def _ray_module() -> ModuleType:
    """The ``ray`` package, or a :class:`CircuitforgeError` naming the extra to install."""
    try:
        import ray  # noqa: PLC0415 - Ray is an optional, heavy dependency
    except ImportError as exc:
        raise CircuitforgeError(f"backend='ray' needs Ray ({exc}): pip install 'circuitforge[ray]'") from None
    return ray


class RayDispatcher(_Context):
    """Each call a Ray task (``num_cpus`` each, at most ``workers`` in flight), on the cluster Ray is
    connected to, else ``address``, else ``$CIRCUITFORGE_RAY_ADDRESS``, else a new local instance
    (shut down by :meth:`close`). A task whose worker dies is retried by Ray up to ``max_retries``
    times; a task that still fails is a :class:`JobFailure`.

    >>> RayDispatcher(4, address="head:6379")
    RayDispatcher(workers=4, address='head:6379', max_retries=3)
    """

    def __init__(self, workers: int = 2, *, address: str | None = None, max_retries: int = 3,
                 num_cpus: float = 1.0):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self.workers = workers
        self.address = address
        self.max_retries = max_retries
        self.num_cpus = num_cpus
        self._ray: ModuleType | None = None
        self._owns_ray = False

    def __repr__(self) -> str:
        return f"RayDispatcher(workers={self.workers}, address={self.address!r}, max_retries={self.max_retries})"

    def start(self) -> RayDispatcher:
        """Connect to Ray now (a missing Ray or an unreachable cluster is an error before any work)."""
        if self._ray is not None:
            return self
        ray = _ray_module()
        if not ray.is_initialized():
            target = resolve_address(self.address)
            try:
                ray.init(address=target, include_dashboard=False, logging_level="warning")
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = f"the Ray cluster at {target!r}" if target else "a local Ray instance"
                raise CircuitforgeError(f"cannot connect to {where}: {exc}") from None
            self._owns_ray = True
        self._ray = ray
        return self

    def map(self, fn: Callable[..., Any], calls: Sequence[Call],
            on_done: Callable[[int, Any], None] | None = None) -> list[Any]:
        """Every call of ``fn`` as a Ray task; ``on_done(index, result)`` as each finishes."""
        ray = self.start()._ray
        assert ray is not None  # set by start()
        task = ray.remote(fn).options(num_cpus=self.num_cpus, max_retries=self.max_retries,
                                      retry_exceptions=False)
        results: list[Any] = [None] * len(calls)
        waiting = deque(range(len(calls)))
        running: dict[Any, int] = {}
        while waiting or running:
            while waiting and len(running) < self.workers:
                i = waiting.popleft()
                args, kwargs = calls[i]
                running[task.remote(*args, **kwargs)] = i
            ready, _ = ray.wait(list(running), num_returns=1)
            i = running.pop(ready[0])
            try:
                results[i] = ray.get(ready[0])
            except ray.exceptions.RayError as exc:  # worker died past its retries, node lost, result lost...
                results[i] = JobFailure(f"ray task failed: {_first_line(exc)}")
            if on_done is not None:
                on_done(i, results[i])
        return results

    def close(self) -> None:
        """Shut Ray down when :meth:`start` started it (a connection found open is left alone)."""
        if self._owns_ray and self._ray is not None and self._ray.is_initialized():
            self._ray.shutdown()
        self._owns_ray = False
        self._ray = None


def make_dispatcher(backend: ClusterBackend | str = "local", workers: int = 1, *,
                    address: str | None = None) -> LocalDispatcher | RayDispatcher:
    """A dispatcher by backend name (``local`` or ``ray``; :mod:`circuitforge.core.cluster`).

    >>> make_dispatcher("ray", 2)
    RayDispatcher(workers=2, address=None, max_retries=3)
    """
    if check_backend(backend, "design backend") == "ray":
        return RayDispatcher(workers, address=address)
    return LocalDispatcher(workers)
