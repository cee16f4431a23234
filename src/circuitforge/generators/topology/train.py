"""Training the topology model on the corpus, resumable, with atomic checkpoints.

Each epoch re-encodes every training circuit with a fresh renaming augmentation (random device
order, hence new internal-net numbers, and random R/C/L pin order), so the model sees many
spellings of one topology. Loss: next-token cross-entropy over everything after the type token.
The learning rate follows a cosine from ``lr`` to 5 % of it over the run, where the run's progress
is the larger of steps done / steps planned and time spent / ``time_limit``, so a run cut short by
its time limit still ends at a low rate. After every epoch the full state (weights, optimiser,
RNG, losses, seconds) is written atomically to ``<output>.state``
(:func:`circuitforge.core.checkpoint.save_checkpoint`); ``resume=True`` continues from it, a state
saved with another configuration or corpus is refused naming the differing fields unless
``restart=True``, and the finished run writes the shipped checkpoint (:mod:`.checkpoint`).

Reproduce the shipped weights (about 20 minutes on one CPU thread)::

    circuitforge train-generator
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from ...core.checkpoint import cosine_factor, load_checkpoint, python_rng_state, save_checkpoint
from ...core.progress import progress as show_progress
from .checkpoint import DEFAULT_WEIGHTS, save_generator
from .data import Circuit, TopologyCorpus, load_topology_corpus
from .errors import TopologyError
from .model import TopologyModel
from .slots import SLOTS, slot_ids
from .tokens import MAX_LEN, PAD, Vocab

__all__ = ["TrainConfig", "TrainResult", "train", "batches", "batch_tensors", "evaluate_loss", "run", "STATE_KIND"]

STATE_KIND = "topology-train-state"
"""The ``kind`` of the resumable training state."""


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Hyperparameters (fixed before looking at generation figures)."""

    d_model: int = 128
    """Width."""
    n_layers: int = 4
    """Transformer blocks."""
    n_heads: int = 4
    """Attention heads."""
    d_ff: int = 512
    """Feed-forward width."""
    dropout: float = 0.1
    """Dropout in every block."""
    epochs: int = 30
    """Passes over the training circuits (each with a fresh augmentation)."""
    batch: int = 32
    """Sequences per step."""
    lr: float = 2e-3
    """AdamW peak learning rate (after 50 warm-up steps)."""
    weight_decay: float = 0.01
    """AdamW weight decay."""
    time_limit: float = 22 * 60.0
    """Seconds of training after which no new epoch starts (0: none)."""
    seed: int = 0
    """Seed of initialisation, augmentation and shuffling."""


@dataclass(slots=True)
class TrainResult:
    model: TopologyModel
    losses: list[float] = field(default_factory=list)
    """Mean training loss per epoch."""
    val: list[float] = field(default_factory=list)
    """Validation loss per epoch (canonical sequences)."""
    seconds: float = 0.0
    epochs: int = 0
    stopped_by_time: bool = False


def batch_tensors(seqs: Sequence[Sequence[str]], vocab: Vocab) -> tuple[torch.Tensor, torch.Tensor]:
    """Token and slot id tensors ``[B, T]`` of ``seqs``, padded with ``<pad>`` (slot 0)."""
    width = max(len(s) for s in seqs)
    tok = torch.full((len(seqs), width), vocab.id(PAD), dtype=torch.long)
    slot = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        tok[i, : len(s)] = torch.tensor(vocab.ids(s))
        slot[i, : len(s)] = torch.tensor(slot_ids(s))
    return tok, slot


def batches(circuits: Sequence[Circuit], vocab: Vocab, batch: int, rng: random.Random | None,
            ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Token and slot tensors in batches of similar length (augmented and shuffled with ``rng``)."""
    seqs = [c.tokens(vocab, rng) for c in circuits]
    order = list(range(len(seqs)))
    if rng is not None:
        rng.shuffle(order)
    out = []
    chunk = batch * 8
    for k in range(0, len(order), chunk):
        group = sorted(order[k:k + chunk], key=lambda i: len(seqs[i]))
        out += [batch_tensors([seqs[i] for i in group[j:j + batch]], vocab) for j in range(0, len(group), batch)]
    if rng is not None:
        rng.shuffle(out)
    return out


def _loss(model: TopologyModel, tok: torch.Tensor, slot: torch.Tensor, pad: int) -> torch.Tensor:
    logits = model(tok[:, :-1], slot[:, :-1])[:, 1:]  # predictions from the type token on
    target = tok[:, 2:]
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=pad)


def evaluate_loss(model: TopologyModel, circuits: Sequence[Circuit], vocab: Vocab, batch: int = 64) -> float:
    """Mean per-token loss on the canonical sequences of ``circuits``."""
    if not circuits:
        return float("nan")
    was = model.training
    model.eval()
    pad = vocab.id(PAD)
    total = count = 0.0
    with torch.no_grad():
        for tok, slot in batches(circuits, vocab, batch, None):
            n = int((tok[:, 2:] != pad).sum())
            total += _loss(model, tok, slot, pad).item() * n
            count += n
    model.train(was)
    return total / max(count, 1)


def train(corpus: TopologyCorpus, config: TrainConfig = TrainConfig(), *, state_path: str | Path | None = None,
          resume: bool = True, progress: bool = False, log: Callable[[str], None] | None = None,
          max_steps: int | None = None, restart: bool = False) -> TrainResult:
    """Train a :class:`TopologyModel` on ``corpus.train`` (see the module docstring).

    A state at ``state_path`` saved with another configuration or corpus raises
    :class:`~circuitforge.core.errors.CheckpointError` naming the differing fields,
    unless ``restart`` (then training starts fresh). ``max_steps`` stops the run early (after that
    step's epoch is recorded) without changing the schedule, as an interruption would.
    """
    if not corpus.train:
        raise TopologyError("no training circuits")
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    vocab = corpus.vocab
    model = TopologyModel(len(vocab), len(SLOTS), d_model=config.d_model, n_layers=config.n_layers,
                          n_heads=config.n_heads, d_ff=config.d_ff, max_len=MAX_LEN, dropout=config.dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = sum(1 for _ in range(0, len(corpus.train), config.batch))
    planned = steps_per_epoch * config.epochs
    res = TrainResult(model)
    step, first_epoch, spent = 0, 0, 0.0
    key = {"config": asdict(config), "train": [c.id for c in corpus.train], "vocab": vocab.to_dict()}
    state_file = Path(state_path) if state_path is not None else None
    st = None
    if state_file is not None and resume:
        st = load_checkpoint(state_file, kind=STATE_KIND, config=key, restart=restart, missing_ok=True)
    if st is not None:
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        rng.setstate(python_rng_state(st["rng"]))
        torch.set_rng_state(st["torch_rng"])
        res.losses, res.val, step, first_epoch, spent = (st["losses"], st["val"], st["step"], st["epoch"],
                                                           st["seconds"])
        if log:
            log(f"resuming after epoch {first_epoch}/{config.epochs} ({spent:.0f} s) from {state_file}")
    pad = vocab.id(PAD)
    start = time.perf_counter() - spent

    def rate(step: int) -> float:
        frac = step / max(planned, 1)
        if config.time_limit:
            frac = max(frac, (time.perf_counter() - start) / config.time_limit)
        warm = min(1.0, (step + 1) / 50)
        return config.lr * warm * cosine_factor(frac, floor=0.05)

    model.train()
    last_epoch_s = 0.0
    for epoch in range(first_epoch, config.epochs):
        elapsed = time.perf_counter() - start
        if config.time_limit and epoch > first_epoch and elapsed + last_epoch_s > config.time_limit:
            res.stopped_by_time = True
            break
        t_epoch = time.perf_counter()
        data = batches(corpus.train, vocab, config.batch, rng)
        losses = []
        with show_progress(f"epoch {epoch + 1}/{config.epochs}", len(data), enabled=progress) as bar:
            for tok, slot in data:
                for g in opt.param_groups:
                    g["lr"] = rate(step)
                loss = _loss(model, tok, slot, pad)
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                step += 1
                losses.append(loss.item())
                bar.advance(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}", lr=f"{rate(step):.1e}")
                if max_steps is not None and step >= max_steps:
                    break
        res.losses.append(sum(losses) / len(losses))
        res.val.append(evaluate_loss(model, corpus.val, vocab))
        last_epoch_s = time.perf_counter() - t_epoch
        spent = time.perf_counter() - start
        if state_file is not None:
            save_checkpoint(state_file, {"model": model.state_dict(), "opt": opt.state_dict(),
                                         "rng": list(rng.getstate()), "torch_rng": torch.get_rng_state(),
                                         "losses": res.losses, "val": res.val, "step": step, "epoch": epoch + 1,
                                         "seconds": spent}, kind=STATE_KIND, config=key)
        if log:
            log(f"epoch {epoch + 1}/{config.epochs}: train loss {res.losses[-1]:.4f}, val loss {res.val[-1]:.4f} "
                f"({spent:.0f} s)")
        res.epochs = epoch + 1
        if max_steps is not None and step >= max_steps:
            break
    res.epochs = max(res.epochs, first_epoch)
    res.seconds = time.perf_counter() - start
    model.eval()
    return res


def run(corpus_root: str | Path | None = None, output: str | Path = DEFAULT_WEIGHTS,
        config: TrainConfig = TrainConfig(), *, resume: bool = False, threads: int = 1, progress: bool = True,
        log: Callable[[str], None] = print, restart: bool = False) -> TrainResult:
    """Load the corpus, train, write ``output`` (and the corpus hashes beside it); the body of
    ``circuitforge train-generator``. Without ``resume`` any saved state is discarded;
    with it, a state from another configuration is an error unless ``restart``."""
    torch.set_num_threads(max(1, threads))
    t0 = time.perf_counter()
    corpus = load_topology_corpus(corpus_root, progress=log)
    log(f"corpus read in {time.perf_counter() - t0:.1f} s; vocabulary {len(corpus.vocab)} tokens")
    state = Path(output).with_suffix(".state")
    if not resume:
        state.unlink(missing_ok=True)
    res = train(corpus, config, state_path=state, resume=resume, progress=progress, log=log, restart=restart)
    record = {"config": asdict(config), "train_circuits": len(corpus.train), "val_circuits": len(corpus.val),
              "excluded": dict(corpus.excluded), "epochs": res.epochs, "losses": [round(x, 4) for x in res.losses],
              "val_losses": [round(x, 4) for x in res.val], "seconds": round(res.seconds, 1),
              "stopped_by_time": res.stopped_by_time, "threads": threads}
    save_generator(output, res.model, corpus.vocab, record, corpus.hashes, corpus.lengths())
    if not res.stopped_by_time:
        state.unlink(missing_ok=True)  # finished: the resumable state is no longer needed
    log(f"trained {res.epochs} epochs in {res.seconds:.0f} s; final train loss {res.losses[-1]:.4f}, "
        f"val loss {res.val[-1]:.4f}; wrote {output} ({Path(output).stat().st_size // 1024} KiB)")
    return res

