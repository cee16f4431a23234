"""Checkpoints and resume, one policy for every training loop.

- :func:`save_checkpoint` writes ``{"kind", "config", ...state}`` with
  ``torch.save`` to a unique temporary file beside the target and renames it,
  so a crash never leaves half a checkpoint.
- :func:`load_checkpoint` always reads with ``torch.load(weights_only=True)``:
  tensors, numbers, strings and containers of them, never arbitrary pickled
  objects (a checkpoint from elsewhere cannot run code). Store configurations
  as plain dicts (:func:`plain`). Every failure is a :class:`CheckpointError`
  naming the file and what is wrong: missing, truncated or not a checkpoint,
  the wrong kind, refused objects.
- Resume: the saved ``config`` is the one resume key. When it differs from the
  requested one, :func:`load_checkpoint` raises :class:`CheckpointError`
  naming each differing field (saved vs requested), unless ``restart=True``
  (CLI ``--restart``): then the checkpoint is ignored and training starts
  fresh (a logged warning says so).
- :func:`cosine_schedule`: the one learning-rate schedule (linear warm-up, cosine
  decay to a floor), a ``LambdaLR`` whose state resumes with the optimiser's.

This module imports torch; it is imported only by the learned modules.

>>> import tempfile, torch
>>> p = Path(tempfile.mkdtemp()) / "run.pt"
>>> _ = save_checkpoint(p, {"epoch": 3, "w": torch.ones(2)}, kind="demo", config={"lr": 0.01})
>>> load_checkpoint(p, kind="demo", config={"lr": 0.01})["epoch"]
3
>>> load_checkpoint(p, kind="demo", config={"lr": 0.1})
Traceback (most recent call last):
...
circuitforge.core.errors.CheckpointError: ...run.pt: saved with another configuration: lr saved 0.01, requested 0.1 (pass restart=True, CLI --restart, to start fresh)
>>> load_checkpoint(p, kind="demo", config={"lr": 0.1}, restart=True) is None
True
"""

from __future__ import annotations

import dataclasses
import io
import logging
import math
import pickle
import re
import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from .errors import CheckpointError
from .files import write_atomic

__all__ = ["CHECKPOINT_VERSION", "save_checkpoint", "load_checkpoint", "config_diff", "plain",
           "cosine_factor", "cosine_schedule", "read_weights", "python_rng_state"]

log = logging.getLogger(__name__)

CHECKPOINT_VERSION = 1
"""Written under ``"circuitforge_checkpoint"`` in every checkpoint of :func:`save_checkpoint`."""


def plain(value: Any) -> Any:
    """``value`` as plain data a ``weights_only`` load accepts and JSON can write: dataclasses and
    mappings to dicts, tuples to lists, paths to strings, numpy scalars to Python numbers.

    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class C:
    ...     lr: float = 0.1
    ...     sizes: tuple = (1, 2)
    >>> plain(C())
    {'lr': 0.1, 'sizes': [1, 2]}
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        return value.item()
    return str(value)


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, Mapping):
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out if out or not prefix else {prefix[:-1]: {}}
    return {prefix[:-1] if prefix else "config": d}


_MISSING = "(absent)"


def config_diff(saved: Any, requested: Any) -> list[tuple[str, Any, Any]]:
    """``(field, saved, requested)`` for each field (dotted for nested dicts) that differs.

    >>> config_diff({"lr": 0.1, "arch": {"layers": 2}}, {"lr": 0.1, "arch": {"layers": 3}, "seed": 0})
    [('arch.layers', 2, 3), ('seed', '(absent)', 0)]
    """
    a, b = _flatten(plain(saved)), _flatten(plain(requested))
    return [(k, a.get(k, _MISSING), b.get(k, _MISSING)) for k in sorted(a.keys() | b.keys())
            if a.get(k, _MISSING) != b.get(k, _MISSING)]


def save_checkpoint(path: str | Path, state: Mapping[str, Any], *, kind: str,
                    config: Mapping[str, Any] | Any = None) -> Path:
    """Write ``state`` (tensors, state dicts, plain values) with its ``kind`` and ``config`` atomically.

    ``config`` (a dict or a dataclass) is stored as plain data (:func:`plain`);
    it is what :func:`load_checkpoint` compares before a resume.
    """
    for reserved in ("circuitforge_checkpoint", "kind", "config"):
        if reserved in state:
            raise CheckpointError(f"{path}: state may not hold the reserved key {reserved!r}")
    payload = {"circuitforge_checkpoint": CHECKPOINT_VERSION, "kind": kind,
               "config": None if config is None else plain(config), **state}
    buf = io.BytesIO()
    torch.save(payload, buf)
    return write_atomic(path, buf.getvalue())


def read_weights(path: str | Path, *, format: str | None = None) -> Any:
    """What ``torch.load(path, weights_only=True)`` returns (on the CPU), for model files of any
    layout; :class:`CheckpointError` naming the file when it is missing, truncated, not a torch
    file or holds arbitrary objects. With ``format``, the file must be a dict whose ``"format"``
    entry is that string (else "PATH: not a checkpoint of this kind (expected format ..., found ...)")."""
    path = Path(path)
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such checkpoint") from None
    except pickle.UnpicklingError as exc:
        text = str(exc)
        found = re.search(r"Unsupported global: GLOBAL (\S+)", text)
        if found:
            raise CheckpointError(f"{path}: holds a pickled object ({found.group(1)}), not only tensors and "
                                  "plain data; refused (weights_only loading: a checkpoint could otherwise "
                                  "run code)") from None
        detail = re.search(r"(Unsupported operand \S+|invalid load key[^\n]*)", text)
        raise CheckpointError(f"{path}: not a checkpoint ({detail.group(1) if detail else 'unreadable pickle'})"
                              ) from None
    except (RuntimeError, EOFError, ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError,
            struct.error, zipfile.BadZipFile) as exc:  # what the unpickler raises on garbage
        text = str(exc).strip()
        first = f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__
        raise CheckpointError(f"{path}: not a checkpoint, or truncated ({first})") from None
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if format is not None and (not isinstance(ck, dict) or ck.get("format") != format):
        found = ck.get("format") if isinstance(ck, dict) else type(ck).__name__
        raise CheckpointError(f"{path}: not a checkpoint of this kind (expected format {format}, found {found!r})")
    return ck


def _fmt(v: Any) -> str:
    text = v if v == _MISSING else repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def load_checkpoint(path: str | Path, *, kind: str | None = None, config: Mapping[str, Any] | Any = None,
                    restart: bool = False, missing_ok: bool = False) -> dict[str, Any] | None:
    """The saved state (a dict, with ``kind`` and ``config`` beside the saved keys), or None: start fresh.

    None when ``missing_ok`` and the file does not exist, or when ``restart``
    is set (the checkpoint is ignored, with a logged warning). With ``kind``, a
    checkpoint of another kind is refused. With ``config``, a checkpoint saved
    with another configuration is refused, the message listing each differing
    field saved vs requested. Raises :class:`CheckpointError` naming the file.
    """
    path = Path(path)
    if not path.exists():
        if missing_ok:
            return None
        raise CheckpointError(f"{path}: no such checkpoint")
    if restart:
        log.warning(f"{path}: restart requested; ignoring the saved checkpoint and starting fresh")
        return None
    state = read_weights(path)
    if not isinstance(state, dict) or state.get("circuitforge_checkpoint") is None:
        raise CheckpointError(f"{path}: not a circuitforge training checkpoint "
                              f"(expected a dict written by save_checkpoint, got {type(state).__name__})")
    if kind is not None and state.get("kind") != kind:
        raise CheckpointError(f"{path}: a {state.get('kind')!r} checkpoint, expected {kind!r}")
    if config is not None:
        diff = config_diff(state.get("config"), config)
        if diff:
            fields = "; ".join(f"{k} saved {_fmt(a)}, requested {_fmt(b)}" for k, a, b in diff)
            raise CheckpointError(f"{path}: saved with another configuration: {fields} "
                                  "(pass restart=True, CLI --restart, to start fresh)")
    return state


def cosine_factor(progress: float, *, floor: float = 0.05) -> float:
    """The cosine decay at ``progress`` (0 start, 1 end; clipped): from 1 down to ``floor``.

    For loops whose progress is not a step count (e.g. the larger of steps and time spent).

    >>> cosine_factor(0.0), cosine_factor(0.5, floor=0.0), cosine_factor(2.0, floor=0.05)
    (1.0, 0.5, 0.05)
    """
    p = min(max(progress, 0.0), 1.0)
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * p))


def cosine_schedule(optimizer: torch.optim.Optimizer, total_steps: int, *, warmup: int = 0,
                    floor: float = 0.05) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over ``warmup`` steps, then cosine decay from the optimiser's rate to
    ``floor`` times it at ``total_steps`` (held there after). Call ``.step()`` once per step.

    >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = cosine_schedule(opt, 10, floor=0.1)
    >>> for _ in range(10):
    ...     opt.step(); sched.step()
    >>> round(opt.param_groups[0]["lr"], 6)
    0.1
    """
    total = max(int(total_steps), 1)

    def factor(step: int) -> float:
        warm = min(1.0, (step + 1) / warmup) if warmup else 1.0
        return warm * cosine_factor(step / total, floor=floor)

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def python_rng_state(saved: Any) -> tuple:
    """A saved ``random.Random.getstate()`` back in the tuple form ``setstate`` wants (a checkpoint keeps lists).

    >>> import random
    >>> r = random.Random(1)
    >>> saved = [list(x) if isinstance(x, tuple) else x for x in r.getstate()]
    >>> r2 = random.Random()
    >>> r2.setstate(python_rng_state(saved))
    >>> r2.random() == r.random()
    True
    """
    version, internal, gauss = saved
    return version, tuple(internal), gauss
