"""A small decoder-only transformer over topology tokens, with a key/value cache for sampling.

Input at each position: token embedding + position embedding + the embedding of the slot the
next token fills (:mod:`.slots`: ``nmos.g``, ``res.n``, ``device``, ...), so the model knows
which terminal it is choosing a net for without role tokens in the sequence.

>>> import torch
>>> m = TopologyModel(vocab_size=20, n_slots=5, d_model=16, n_layers=1, n_heads=2, d_ff=32, max_len=8).eval()
>>> x = torch.zeros(2, 3, dtype=torch.long)
>>> m(x, x).shape
torch.Size([2, 3, 20])
>>> cache = m.new_cache(2)
>>> torch.allclose(m.step(x[:, 0], x[:, 0], cache, 0), m(x[:, :1], x[:, :1])[:, 0], atol=1e-5)
True
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["TopologyModel"]


class _Block(nn.Module):
    def __init__(self, d: int, heads: int, ff: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.GELU(), nn.Linear(ff, d))
        self.drop = nn.Dropout(dropout)
        self.p = dropout

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        shape = (b, t, self.heads, d // self.heads)
        return (q.view(shape).transpose(1, 2), k.view(shape).transpose(1, 2), v.view(shape).transpose(1, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self._split(x)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=self.p if self.training else 0.0)
        x = x + self.drop(self.proj(a.transpose(1, 2).reshape(x.shape)))
        return x + self.drop(self.ff(self.ln2(x)))

    def step(self, x: torch.Tensor, cache: tuple[torch.Tensor, torch.Tensor], pos: int) -> torch.Tensor:
        q, k, v = self._split(x)  # x: [B, 1, d]
        kc, vc = cache
        kc[:, :, pos] = k[:, :, 0]
        vc[:, :, pos] = v[:, :, 0]
        # one query: plain matmuls (strided cache slices send SDPA's CPU kernel down a slow path)
        att = (q @ kc[:, :, : pos + 1].transpose(2, 3)) * (q.shape[-1] ** -0.5)
        a = torch.softmax(att, dim=-1) @ vc[:, :, : pos + 1]
        x = x + self.proj(a.transpose(1, 2).reshape(x.shape))
        return x + self.ff(self.ln2(x))


class TopologyModel(nn.Module):
    """GPT-style decoder: pre-norm blocks, learned positions, tied output embedding."""

    def __init__(self, vocab_size: int, n_slots: int, *, d_model: int = 128, n_layers: int = 4, n_heads: int = 4,
                 d_ff: int = 512, max_len: int = 320, dropout: float = 0.1):
        super().__init__()
        self._config = dict(vocab_size=vocab_size, n_slots=n_slots, d_model=d_model, n_layers=n_layers,
                            n_heads=n_heads, d_ff=d_ff, max_len=max_len, dropout=dropout)
        self.tok = nn.Embedding(vocab_size, d_model)
        self.slot = nn.Embedding(n_slots, d_model)
        self.pos = nn.Embedding(max_len, d_model)
        self.blocks = nn.ModuleList(_Block(d_model, n_heads, d_ff, dropout) for _ in range(n_layers))
        self.ln = nn.LayerNorm(d_model)
        self.drop = nn.Dropout(dropout)
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def config(self) -> dict:
        return dict(self._config)

    def _embed(self, tokens: torch.Tensor, slots: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        return self.tok(tokens) + self.slot(slots) + self.pos(positions)

    def forward(self, tokens: torch.Tensor, slots: torch.Tensor) -> torch.Tensor:
        """Next-token logits ``[B, T, V]`` for ``tokens`` and ``slots`` ``[B, T]``."""
        pos = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.drop(self._embed(tokens, slots, pos))
        for b in self.blocks:
            x = b(x)
        return self.ln(x) @ self.tok.weight.T

    def new_cache(self, batch: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        c = self._config
        shape = (batch, c["n_heads"], c["max_len"], c["d_model"] // c["n_heads"])
        return [(torch.zeros(shape), torch.zeros(shape)) for _ in self.blocks]

    @torch.no_grad()
    def step(self, tokens: torch.Tensor, slots: torch.Tensor, cache: list, pos: int) -> torch.Tensor:
        """Logits ``[B, V]`` after feeding one token per sequence at position ``pos`` (eval mode)."""
        x = self._embed(tokens[:, None], slots[:, None], torch.tensor([pos]))
        for b, kv in zip(self.blocks, cache):
            x = b.step(x, kv, pos)
        return (self.ln(x) @ self.tok.weight.T)[:, 0]
