"""Datasets of (geometry parameters, S-parameters) over many seeded geometries.

Stored as chunks ``chunk_00000.npz`` (``x``: parameters ``(n, dim)``, ``s``: complex64 ``(n, F, 2, 2)``,
``f``: the grid, ``ok``: which geometries were solved) in one directory with a ``meta.json``; a run
that finds finished chunks skips them (resumable), and each chunk's geometries come from its own
seed, so the result does not depend on the number of workers or on interruptions. Touchstone files
are written beside them on request.

A geometry whose solve fails (:class:`~.errors.SolverError`: the tool exits with an error, runs past
its time limit, or returns a response :func:`~.solver.check_response` rejects) is retried
``retries`` times; if it still fails, its row is marked not ``ok`` (NaN), the chunk goes on, and the
failure is recorded by type. ``manifest.json`` (small: commit it, not the chunks, for a set built
across sessions) lists every finished chunk with its SHA-256, its solved count and its failures;
:func:`load_dataset` returns the solved rows only.
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

import hashlib
import io
import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

import numpy as np

from ..core.cluster import ClusterBackend, resolve_address
from ..core.files import write_atomic
from ..core.progress import progress as show_progress
from .errors import RFError, SolverError, SolverUnavailable
from .geometry import family
from .solver import check_response, frequency_grid, make_solver

__all__ = ["build_dataset", "load_dataset", "solve_chunk", "DatasetBackend", "Chunk", "read_manifest"]

DatasetBackend = ClusterBackend


RETRIES = 1
"""Extra attempts for a geometry whose solve fails (openEMS's end criterion is checked at wall-clock
intervals, so a run under load can stop at another time step)."""


@dataclass
class Chunk:
    """One solved chunk: parameters, S-parameters (NaN where not ``ok``), and the failures."""

    x: np.ndarray
    s: np.ndarray
    ok: np.ndarray
    failures: list[dict] = field(default_factory=list)
    """``{"row", "type", "message", "attempts"}`` per geometry that failed every attempt."""


def solve_chunk(kind: str, solver: str, seed: int, index: int, size: int, touchstone_dir: str | None = None,
                solver_options: dict | None = None, retries: int = RETRIES) -> Chunk:
    """Chunk ``index`` (its geometries drawn from seed ``(seed, index)``), each failed geometry retried
    ``retries`` times and then recorded, not raised; :class:`~.errors.SolverUnavailable` (the tool is
    missing: every geometry would fail) is raised."""
    fam = family(kind)
    rng = np.random.default_rng([seed, index])
    x = fam.sample(rng, size)
    sol = make_solver(solver, **(solver_options or {}))
    freq = frequency_grid()
    s = np.full((size, freq.npoints, 2, 2), np.nan, np.complex64)
    ok = np.zeros(size, bool)
    failures: list[dict] = []
    for k, v in enumerate(x):
        geometry = fam.build(v)
        for attempt in range(retries + 1):
            try:
                net = sol.solve(geometry, freq)
                check_response(kind, net.s)
            except SolverUnavailable:
                raise
            except SolverError as exc:
                last = exc
                continue
            s[k], ok[k] = net.s, True
            if touchstone_dir:
                net.write_touchstone(str(Path(touchstone_dir) / f"{kind}_{index:05d}_{k:04d}"))
            break
        else:
            failures.append({"row": k, "type": type(last).__name__, "message": str(last)[:400],
                             "attempts": retries + 1})
    return Chunk(x, s, ok, failures)


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
                  solver_options: dict | None = None, backend: DatasetBackend = "local",
                  retries: int = RETRIES) -> Path:
    """Solve ``n`` seeded geometries of ``kind`` into ``out_dir`` (resumable; returns ``out_dir``).

    ``backend="local"``: ``workers`` processes here; ``"ray"``: one Ray task per chunk, at most
    ``2 * workers`` queued at a time (back-pressure), saved as they finish. Failed geometries are
    retried, then counted (module docstring; :func:`read_manifest` sums them).
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
        manifest = _manifest_entries(out)

        def save(i: int, res: Chunk) -> None:
            data = _npz(x=res.x, s=res.s, f=f, ok=res.ok, failures=np.array(json.dumps(res.failures)))
            write_atomic(out / f"chunk_{i:05d}.npz", data)
            manifest[f"chunk_{i:05d}.npz"] = {"n": int(len(res.x)), "solved": int(res.ok.sum()),
                                              "sha256": hashlib.sha256(data).hexdigest(), "failures": res.failures}
            write_atomic(out / "manifest.json", json.dumps(_manifest(meta, manifest), indent=1))
            bar.advance(len(res.x))

        args = [(kind, solver, seed, i, sz, str(ts_dir) if ts_dir else None, solver_options, retries)
                for i, sz in todo]
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


def _manifest_entries(out: Path) -> dict[str, dict]:
    """The chunk entries of ``out/manifest.json``, rebuilt from the chunks where it is missing."""
    path = out / "manifest.json"
    if path.is_file():
        try:
            return dict(json.loads(path.read_text(encoding="utf-8"))["chunks"])
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
            pass  # rebuilt below from the chunks themselves
    entries = {}
    for p in sorted(out.glob("chunk_*.npz")):
        ok, failures = _chunk_status(p)
        entries[p.name] = {"n": int(len(ok)), "solved": int(ok.sum()),
                           "sha256": hashlib.sha256(p.read_bytes()).hexdigest(), "failures": failures}
    return entries


def _manifest(meta: dict, chunks: dict[str, dict]) -> dict:
    by_type: dict[str, int] = {}
    for c in chunks.values():
        for fail in c["failures"]:
            by_type[fail["type"]] = by_type.get(fail["type"], 0) + 1
    return {**meta, "done": sum(c["n"] for c in chunks.values()), "solved": sum(c["solved"] for c in chunks.values()),
            "failed": by_type, "chunks": dict(sorted(chunks.items()))}


def _solved(z: Any) -> np.ndarray:
    """The ``ok`` mask of an open chunk (all solved in chunks written before failures were recorded)."""
    return z["ok"].astype(bool) if "ok" in z.files else np.ones(len(z["x"]), bool)


def _chunk_status(path: Path) -> tuple[np.ndarray, list[dict]]:
    with np.load(path) as z:
        ok = _solved(z)
        failures = json.loads(str(z["failures"])) if "failures" in z.files else []
    return ok, failures


def read_manifest(path: str | Path) -> dict:
    """``manifest.json`` of a dataset folder: ``done``, ``solved``, ``failed`` (count per error type)
    and the chunks (rebuilt from the chunks when the file is missing)."""
    out = Path(path)
    meta_path = out / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RFError(f"cannot read {meta_path}: {exc} (expected a dataset's meta.json)") from None
    return _manifest(meta, _manifest_entries(out))


def _solve_on_ray(args: list[tuple], save: Callable[[int, Chunk], None],
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


def load_dataset(path: str | Path, *, with_chunks: bool = False) -> tuple[np.ndarray, ...]:
    """``(x, s, f)`` of the solved geometries of every chunk in ``path``, in chunk order (failed ones
    left out: :func:`read_manifest` counts them); with ``with_chunks``, also each row's chunk index
    (for a split by chunk that failures do not shift)."""
    files = sorted(Path(path).glob("chunk_*.npz"))
    if not files:
        raise RFError(f"no dataset chunks (chunk_*.npz) in {path}")
    xs, ss, ids, f = [], [], [], None
    for p in files:
        try:
            with np.load(p) as z:
                ok = _solved(z)
                xs.append(z["x"][ok])
                ss.append(z["s"][ok])
                f = z["f"]
        except (OSError, ValueError, KeyError) as exc:
            raise RFError(f"cannot read dataset chunk {p}: {exc}") from None
        ids.append(np.full(int(ok.sum()), int(p.stem.split("_")[1])))
    out = (np.concatenate(xs), np.concatenate(ss), f)
    return (*out, np.concatenate(ids)) if with_chunks else out
