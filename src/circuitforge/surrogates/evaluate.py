"""Held-out evaluation of EM surrogates beside trivial baselines, every sample counted.

Metrics per method on the same held-out geometries:

- ``s21_rmse_db`` / ``s11_rmse_db``: RMSE in dB over all samples and frequencies (both sides
  clipped at -60 dB), and ``s21_worst_db``: the largest per-sample RMSE;
- low-pass: ``fc_err_pct``: mean |error| of the -3 dB cutoff in % of the truth, over samples whose
  truth has a cutoff on the grid; a predicted response without one counts as ``fc_missed``;
- band-pass: ``f0_err_pct`` and ``bw_err_pct`` (centre and -3 dB bandwidth) likewise, with
  ``band_missed`` counting samples where the prediction has no passband but the truth does.

Baselines: ``mean`` (the training-mean dB response) and ``nearest`` (the training geometry nearest
in the unit box).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..rf import measure
from ..rf.geometry import FilterFamily
from .model import DB_FLOOR, targets_from_s

__all__ = ["score_db", "evaluate_methods", "baseline_mean", "baseline_nearest"]


def score_db(kind: str, f: np.ndarray, true_db: np.ndarray, pred_db: np.ndarray) -> dict:
    """Metrics of predicted ``(n, 2, F)`` dB [S11, S21] against the truth."""
    t, p = np.maximum(true_db, DB_FLOOR), np.maximum(pred_db, DB_FLOOR)
    err21 = p[:, 1] - t[:, 1]
    per = np.sqrt((err21 ** 2).mean(1))
    out = {"n": int(len(t)), "s21_rmse_db": float(np.sqrt((err21 ** 2).mean())),
           "s11_rmse_db": float(np.sqrt(((p[:, 0] - t[:, 0]) ** 2).mean())),
           "s21_worst_db": float(per.max()), "s21_median_db": float(np.median(per))}
    if kind == "lowpass":
        ft, fp = measure.cutoff_3db((f, t[:, 1])), measure.cutoff_3db((f, p[:, 1]))
        has = np.isfinite(ft)
        both = has & np.isfinite(fp)
        out.update(with_cutoff=int(has.sum()), fc_missed=int((has & ~np.isfinite(fp)).sum()),
                   fc_err_pct=float(np.mean(np.abs(fp[both] - ft[both]) / ft[both]) * 100) if both.any() else float("nan"))
    else:
        (f0t, bwt), (f0p, bwp) = measure.center_bandwidth((f, t[:, 1])), measure.center_bandwidth((f, p[:, 1]))
        has = np.isfinite(f0t)
        both = has & np.isfinite(f0p)
        out.update(with_band=int(has.sum()), band_missed=int((has & ~np.isfinite(f0p)).sum()),
                   band_false=int((~has & np.isfinite(f0p)).sum()),
                   f0_err_pct=float(np.mean(np.abs(f0p[both] - f0t[both]) / f0t[both]) * 100) if both.any() else float("nan"),
                   bw_err_pct=float(np.mean(np.abs(bwp[both] - bwt[both]) / bwt[both]) * 100) if both.any() else float("nan"))
    return out


def baseline_mean(train_db: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Predicts the training-mean dB response for every geometry."""
    m = train_db.mean(0)
    return lambda x: np.broadcast_to(m, (len(x),) + m.shape).copy()


def baseline_nearest(family: FilterFamily, train_x: np.ndarray, train_db: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Predicts the response of the nearest training geometry (Euclidean in the unit box)."""
    u = family.to_unit(train_x)

    def pred(x: np.ndarray) -> np.ndarray:
        q = family.to_unit(x)
        out = np.empty((len(q),) + train_db.shape[1:], train_db.dtype)
        for k in range(0, len(q), 256):
            d = ((q[k:k + 256, None, :] - u[None]) ** 2).sum(-1)
            out[k:k + 256] = train_db[d.argmin(1)]
        return out
    return pred


def evaluate_methods(kind: str, f: np.ndarray, test_x: np.ndarray, test_s: np.ndarray,
                     methods: dict[str, Callable[[np.ndarray], np.ndarray]]) -> dict[str, dict]:
    """``{method: metrics}`` on the held-out set; each method maps ``x (n, dim)`` to dB ``(n, 2, F)``."""
    true_db, _ = targets_from_s(test_s)
    return {name: score_db(kind, f, true_db, fn(test_x)) for name, fn in methods.items()}
