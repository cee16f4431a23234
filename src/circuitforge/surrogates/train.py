"""Training the EM surrogate on solver data, its checkpoint (written atomically) and loading it.

The split is by chunk: the last ``test_chunks`` chunks of a dataset are held out (never seen in
training or model selection). Training state is written atomically every ``save_every`` epochs and
a run that finds it resumes from it; a state saved with another configuration or data size is
refused naming the differing fields, unless ``restart=True`` (CLI ``--restart``) starts fresh
(:mod:`circuitforge.core.checkpoint`).

Reproduce the shipped weights::

    circuitforge filter dataset --type lowpass -n 12000 --out out/rf/lowpass-skrf
    circuitforge filter train-surrogate out/rf/lowpass-skrf      # a few minutes, one thread

The band-pass weights use the ``freq`` layout (``arch="auto"``) with the clipped loss, 128 wide,
batch 128: ``train_surrogate("bandpass", x[train], s[train], TrainConfig(hidden=128, epochs=60,
batch=128))`` (about 15 minutes on one thread), then fine-tuned from those weights (``init=``) at lower
learning rates; the record in the checkpoint lists every stage (``stages``).
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.checkpoint import cosine_schedule, load_checkpoint, read_weights, save_checkpoint
from ..core.errors import CheckpointError
from ..core.files import write_atomic
from ..rf.geometry import FilterFamily, family
from .errors import SurrogateError
from .model import DB_FLOOR, EMSurrogateNet, targets_from_s

__all__ = ["TrainConfig", "train_surrogate", "save_surrogate", "load_surrogate", "weights_path", "WEIGHTS_DIR",
           "split_by_chunk", "LoadedSurrogate", "resolve_arch"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
FORMAT = "circuitforge.em_surrogate/1"
STATE_KIND = "em-surrogate-train-state"
"""The ``kind`` of the resumable training state."""


def weights_path(kind: str) -> Path:
    """The shipped checkpoint of filter ``kind``."""
    return WEIGHTS_DIR / f"em_{kind}.pt"


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Hyperparameters (fixed before looking at test figures)."""

    hidden: int = 384
    layers: int = 4
    epochs: int = 300
    batch: int = 256
    lr: float = 2e-3
    """Adam learning rate, cosine decay to 2%."""
    phase_weight: float = 0.5
    """Weight of the phasor loss (weighted by the target's linear magnitude)."""
    seed: int = 0
    save_every: int = 20
    arch: str = "auto"
    """Network layout (see :data:`.model.ARCHS`); ``auto``: ``freq`` for the band-pass, ``grid`` for the low-pass."""
    clip_loss: bool | None = None
    """Score the dB outputs as the benchmark does (a prediction below -60 dB where the truth is clipped there
    costs nothing); ``None``: on for the ``freq`` layout."""


@dataclass(slots=True)
class LoadedSurrogate:
    net: EMSurrogateNet
    family: FilterFamily
    record: dict


def split_by_chunk(n: int, chunk: int, test_chunks: int,
                   chunk_ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices of train and held-out samples (the last ``test_chunks`` chunks held out). With
    ``chunk_ids`` (each row's chunk, :func:`~circuitforge.rf.dataset.load_dataset` ``with_chunks``)
    the split follows them, so that failed geometries left out of a chunk do not move it.

    >>> split_by_chunk(6, 2, 1)[1].tolist(), split_by_chunk(5, 2, 1, np.array([0, 0, 1, 2, 2]))[1].tolist()
    ([4, 5], [3, 4])
    """
    if chunk_ids is not None:
        held = np.unique(chunk_ids)[-test_chunks:] if test_chunks > 0 else np.array([], int)
        test = np.isin(chunk_ids, held)
        return np.nonzero(~test)[0], np.nonzero(test)[0]
    cut = max(0, n - test_chunks * chunk)
    return np.arange(cut), np.arange(cut, n)


def resolve_arch(kind: str, config: TrainConfig) -> tuple[str, bool]:
    """The layout and whether the loss is clipped, ``auto`` and ``None`` resolved for ``kind``."""
    arch = config.arch if config.arch != "auto" else ("freq" if kind == "bandpass" else "grid")
    return arch, (arch == "freq") if config.clip_loss is None else config.clip_loss


def _loss(net: EMSurrogateNet, xu, db_n, cs, w, phase_weight, floor=None):  # noqa: ANN001, ANN202
    out = net(xu).view(-1, 6, net.n_freq)
    err = out[:, :2] - db_n
    if floor is not None:  # targets at the -60 dB floor: only a prediction above it is an error
        at = db_n <= floor + 1e-4
        err = torch.where(at, torch.relu(err), err)
    l_db = (err ** 2).mean()
    l_ph = (((out[:, 2:] - cs) ** 2) * w).mean()
    return l_db + phase_weight * l_ph


def train_surrogate(kind: str, x: np.ndarray, s: np.ndarray, config: TrainConfig = TrainConfig(), *,
                    state_path: str | Path | None = None, progress: Callable[[str], None] | None = None,
                    init: EMSurrogateNet | None = None, restart: bool = False) -> tuple[EMSurrogateNet, dict]:
    """Train on parameters ``x (n, dim)`` and S-parameters ``s (n, F, 2, 2)``; returns the net and a record.

    A state at ``state_path`` from another configuration raises
    :class:`~circuitforge.core.errors.CheckpointError` unless ``restart``. With ``init`` the net
    starts from those weights and keeps their scalings (fine-tuning).
    """
    fam = family(kind)
    torch.manual_seed(config.seed)
    db, ph = targets_from_s(s)
    n_freq = db.shape[-1]
    arch, clip = resolve_arch(kind, config)
    if init is not None:
        net = init
    else:
        net = EMSurrogateNet(fam.dim, n_freq, config.hidden, config.layers, arch)
        net.x_low.copy_(torch.tensor(fam.low, dtype=torch.float32))
        net.x_high.copy_(torch.tensor(fam.high, dtype=torch.float32))
        net.db_mean.copy_(torch.tensor(db.mean(0)))
        net.db_std.copy_(torch.tensor(db.std(0) + 0.5))
    xt = net.scale_x(torch.tensor(x, dtype=torch.float32))
    db_n = (torch.tensor(db) - net.db_mean) / net.db_std
    cs = torch.stack([torch.tensor(np.cos(ph[:, 0])), torch.tensor(np.sin(ph[:, 0])),
                      torch.tensor(np.cos(ph[:, 1])), torch.tensor(np.sin(ph[:, 1]))], 1)
    floor = (DB_FLOOR - net.db_mean) / net.db_std if clip else None
    mag = torch.tensor(10 ** (db / 20))
    w = torch.stack([mag[:, 0], mag[:, 0], mag[:, 1], mag[:, 1]], 1)
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    steps = config.epochs * math.ceil(len(x) / config.batch)
    sched = cosine_schedule(opt, steps, floor=0.02)
    key = {"kind": kind, "config": {k: getattr(config, k) for k in config.__slots__}, "n": len(x)}
    first, losses = 0, []
    gen = torch.Generator().manual_seed(config.seed)
    state_file = Path(state_path) if state_path else None
    st = None
    if state_file is not None:
        st = load_checkpoint(state_file, kind=STATE_KIND, config=key, restart=restart, missing_ok=True)
    if st is not None:
        net.load_state_dict(st["net"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        gen.set_state(st["gen"])
        first, losses = st["epoch"], st["losses"]
        if progress:
            progress(f"resuming after epoch {first}/{config.epochs} from {state_file}")
    t0 = time.perf_counter()
    net.train()
    for epoch in range(first, config.epochs):
        perm = torch.randperm(len(x), generator=gen)
        tot = 0.0
        for k in range(0, len(x), config.batch):
            i = perm[k:k + config.batch]
            loss = _loss(net, xt[i], db_n[i], cs[i], w[i], config.phase_weight, floor)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(i)
        losses.append(tot / len(x))
        last = epoch + 1 == config.epochs
        if state_file is not None and ((epoch + 1) % config.save_every == 0 or last):
            save_checkpoint(state_file, {"net": net.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                                         "gen": gen.get_state(), "epoch": epoch + 1, "losses": losses},
                            kind=STATE_KIND, config=key)
        if progress and ((epoch + 1) % 10 == 0 or last):
            progress(f"epoch {epoch + 1}/{config.epochs}: loss {losses[-1]:.4f} ({time.perf_counter() - t0:.0f} s)")
    net.eval()
    return net, {"kind": kind, "epochs": config.epochs, "final_loss": losses[-1] if losses else None,
                 "train_samples": len(x), "seconds": time.perf_counter() - t0,
                 "config": {k: getattr(config, k) for k in config.__slots__}}


def save_surrogate(path: str | Path, net: EMSurrogateNet, kind: str, record: dict) -> Path:
    """Weights (float16) + config + scalings + record, written atomically."""
    state = {k: (v.to(torch.float16) if v.is_floating_point() and k.startswith("net.") else v)
             for k, v in net.state_dict().items()}
    buf = io.BytesIO()
    torch.save({"format": FORMAT, "kind": kind, "config": net.config(), "record": record, "state": state}, buf)
    return write_atomic(path, buf.getvalue())


def load_surrogate(kind_or_path: str | Path) -> LoadedSurrogate:
    """The surrogate at a path, or the shipped one of a filter kind ("lowpass", "bandpass")."""
    p = Path(kind_or_path)
    if str(kind_or_path) in ("lowpass", "bandpass"):
        p = weights_path(str(kind_or_path))
    try:
        ck = read_weights(p, format=FORMAT)
    except CheckpointError as exc:
        raise SurrogateError(f"cannot read EM surrogate checkpoint {exc}") from None
    net = EMSurrogateNet(**ck["config"])
    net.load_state_dict({k: v.float() for k, v in ck["state"].items()})
    net.eval()
    return LoadedSurrogate(net, family(ck["kind"]), ck.get("record", {}))
