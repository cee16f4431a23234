"""Datasets of (geometry parameters, S-parameters) over many seeded geometries.

Stored as chunks ``chunk_00000.npz`` (``x``: parameters ``(n, dim)``, ``s``: complex64 ``(n, F, 2, 2)``,
``f``: the grid) in one directory with a ``meta.json``; a run that finds finished chunks skips them
(resumable), and each chunk's geometries come from its own seed, so the result does not depend on
the number of workers or on interruptions. Touchstone files are written beside them on request.
With ``backend="ray"`` the chunks are Ray tasks on the cluster Ray is connected to (else
``$CIRCUITFORGE_RAY_ADDRESS``, else a local instance); the directory and manifest are the same,
and a task lost with its node is run again by Ray.

>>> import tempfile
>>> d = build_dataset("lowpass", 4, tempfile.mkdtemp(), chunk=2, progress=False)
>>> x, s, f = load_dataset(d)
>>> x.shape, s.shape
((4, 10), (4, 96, 2, 2))
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import get_args

import numpy as np

from ..core.cluster import ClusterBackend, resolve_address
from ..core.files import write_atomic
from ..core.progress import progress as show_progress
from .errors import RFError
from .geometry import family
from .solver import frequency_grid, make_solver

__all__ = ["build_dataset", "load_dataset", "solve_chunk", "DatasetBackend"]

DatasetBackend = ClusterBackend


def solve_chunk(kind: str, solver: str, seed: int, index: int, size: int, touchstone_dir: str | None = None,
                solver_options: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Parameters and S-parameters of chunk ``index`` (its geometries drawn from seed ``(seed, index)``)."""
    fam = family(kind)
    rng = np.random.default_rng([seed, index])
    x = fam.sample(rng, size)
    sol = make_solver(solver, **(solver_options or {}))
    freq = frequency_grid()
    s = np.empty((size, freq.npoints, 2, 2), np.complex64)
    for k, v in enumerate(x):
        net = sol.solve(fam.build(v), freq)
        s[k] = net.s
        if touchstone_dir:
            net.write_touchstone(str(Path(touchstone_dir) / f"{kind}_{index:05d}_{k:04d}"))
    return x, s


def _npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _ray() -> tuple[ModuleType, bool]:
    """Ray, connected (``True`` when this call started it), or :class:`RFError` naming the extra."""
    try:
        # imported here: Ray is an optional, heavy dependency
        import ray
    except ImportError as exc:
        raise RFError(f"backend='ray' needs Ray ({exc}): pip install 'circuitforge[ray]'") from None
    if ray.is_initialized():
        return ray, False
    ray.init(address=resolve_address(), include_dashboard=False, logging_level="warning")
    return ray, True


def build_dataset(kind: str, n: int, out_dir: str | Path, *, solver: str = "skrf", seed: int = 0, chunk: int = 250,
                  workers: int = 1, touchstone: bool = False, progress: bool = True,
                  solver_options: dict | None = None, backend: DatasetBackend = "local") -> Path:
    """Solve ``n`` seeded geometries of ``kind`` into ``out_dir`` (resumable; returns ``out_dir``).

    ``backend="local"``: ``workers`` processes here; ``"ray"``: one Ray task per chunk, at most
    ``2 * workers`` queued at a time (back-pressure), saved as they finish.
    """
    if backend not in get_args(DatasetBackend):
        raise RFError(f"unknown dataset backend {backend!r}; expected one of {list(get_args(DatasetBackend))}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"kind": kind, "solver": solver, "seed": seed, "chunk": chunk, "n": n,
            "names": list(family(kind).names), "solver_options": solver_options or {}}
    mpath = out / "meta.json"
    if mpath.is_file():
        try:
            old = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RFError(f"cannot read {mpath}: {exc} (expected a dataset's meta.json)") from None
        same = ("kind", "solver", "seed", "chunk")
        if not isinstance(old, dict) or {k: old.get(k) for k in same} != {k: meta[k] for k in same}:
            raise RFError(f"{out} holds a different dataset ({old}); choose another directory")
    write_atomic(mpath, json.dumps(meta, indent=1))
    ts_dir = None
    if touchstone:
        ts_dir = out / "touchstone"
        ts_dir.mkdir(exist_ok=True)
    todo = [(i, min(chunk, n - i * chunk)) for i in range((n + chunk - 1) // chunk)
            if not (out / f"chunk_{i:05d}.npz").is_file()]
    f = frequency_grid().f
    with show_progress(f"{kind} ({solver})", n, enabled=progress, completed=n - sum(sz for _, sz in todo)) as bar:
        def save(i: int, res: tuple[np.ndarray, np.ndarray]) -> None:
            write_atomic(out / f"chunk_{i:05d}.npz", _npz(x=res[0], s=res[1], f=f))
            bar.advance(len(res[0]))

        args = [(kind, solver, seed, i, sz, str(ts_dir) if ts_dir else None, solver_options) for i, sz in todo]
        if backend == "ray":
            _solve_on_ray(args, save, max(2, 2 * workers))
        elif workers <= 1:
            for a in args:
                save(a[3], solve_chunk(*a))
        else:
            with ProcessPoolExecutor(workers) as pool:
                futs = {pool.submit(solve_chunk, *a): a[3] for a in args}
                for fut in futs:
                    save(futs[fut], fut.result())
    return out


def _solve_on_ray(args: list[tuple], save: Callable[[int, tuple[np.ndarray, np.ndarray]], None],
                  in_flight: int) -> None:
    """Each chunk as a Ray task, at most ``in_flight`` at once, saved as it finishes."""
    ray, started = _ray()
    try:
        task = ray.remote(solve_chunk).options(num_cpus=1)
        waiting = list(reversed(args))
        running: dict = {}
        while waiting or running:
            while waiting and len(running) < in_flight:
                a = waiting.pop()
                running[task.remote(*a)] = a[3]
            ready, _ = ray.wait(list(running), num_returns=1)
            save(running.pop(ready[0]), ray.get(ready[0]))
    finally:
        if started:
            ray.shutdown()


def load_dataset(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, s, f)`` of every chunk in ``path``, in chunk order."""
    files = sorted(Path(path).glob("chunk_*.npz"))
    if not files:
        raise RFError(f"no dataset chunks (chunk_*.npz) in {path}")
    xs, ss, f = [], [], None
    for p in files:
        with np.load(p) as z:
            xs.append(z["x"])
            ss.append(z["s"])
            f = z["f"]
    return np.concatenate(xs), np.concatenate(ss), f
