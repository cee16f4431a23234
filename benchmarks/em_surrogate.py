"""Neural EM surrogate: speed against scikit-rf and openEMS, and held-out errors beside baselines.

Protocol: each filter type's dataset (12,000 seeded scikit-rf geometries in chunks of 500) is split
by chunk; the last 2 chunks (1,000 geometries) are held out from training. Every held-out geometry
counts. Errors in dB with both sides clipped at -60 dB. Baselines: the training-mean response and
the nearest training geometry (unit box). Times: surrogate forward pass at batch 1 (median of 300
calls) and batch 1024 (per design), the scikit-rf model (median of 50), and openEMS at its default
mesh (20 cells per wavelength) on a few geometries. Multi-fidelity: the low-pass surrogate before
and after fine-tuning on the first 20 of 30 openEMS runs (16 cells per wavelength), scored on the
other 10; runs that fail (no transmission at 0.5 GHz) are left out and counted.

Reproduce:
    circuitforge filter dataset --type lowpass -n 12000 --workers 2 --out out/rf/lowpass-skrf
    circuitforge filter dataset --type bandpass -n 12000 --workers 2 --out out/rf/bandpass-skrf
    circuitforge filter train-surrogate out/rf/lowpass-skrf --out src/circuitforge/surrogates/weights/em_lowpass.pt
    circuitforge filter train-surrogate out/rf/bandpass-skrf --out src/circuitforge/surrogates/weights/em_bandpass.pt
    circuitforge filter dataset --type lowpass -n 30 --solver openems --chunk 5 --seed 7 --cells 16 --touchstone \
        --out out/rf/lowpass-openems
    .venv/bin/python benchmarks/em_surrogate.py [--openems-runs 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from circuitforge.rf.dataset import load_dataset
from circuitforge.rf.errors import SolverResultError
from circuitforge.rf.solver import check_response
from circuitforge.rf.geometry import family
from circuitforge.rf.openems_solver import OpenEMSSolver, openems_available
from circuitforge.rf.skrf_solver import SkrfSolver
from circuitforge.surrogates.evaluate import baseline_mean, baseline_nearest, evaluate_methods, score_db
from circuitforge.surrogates.model import targets_from_s
from circuitforge.surrogates.multifidelity import finetune
from circuitforge.surrogates.surrogate import EMSurrogate
from circuitforge.surrogates.train import split_by_chunk


def _pred(sur: EMSurrogate):
    def fn(x):
        p = sur.predict(x)
        return np.stack([p.s11_db, p.s21_db], 1)
    return fn


def _time(fn, reps: int) -> float:
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def _row(name: str, r: dict, kind: str) -> str:
    extra = (f"{r['fc_err_pct']:.2f} | {r['fc_missed']}/{r['with_cutoff']}" if kind == "lowpass" else
             f"{r['f0_err_pct']:.2f} / {r['bw_err_pct']:.1f} | {r['band_missed']}/{r['with_band']} (+{r['band_false']} false)")
    return (f"| {name} | {r['n']} | {r['s21_rmse_db']:.3f} | {r['s21_median_db']:.3f} | {r['s21_worst_db']:.2f} | "
            f"{r['s11_rmse_db']:.3f} | {extra} |")


def _physical(kind: str, s: np.ndarray) -> bool:
    try:
        check_response(kind, s)
    except SolverResultError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="out/rf")
    ap.add_argument("--openems-runs", type=int, default=3)
    ap.add_argument("--test-chunks", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(1)
    t_start = time.perf_counter()
    skrf_solver = SkrfSolver()
    timing = {}
    for kind in ("lowpass", "bandpass"):
        sur = EMSurrogate.load(kind)
        fam = family(kind)
        data = Path(args.data) / f"{kind}-skrf"
        x, s, f, chunk_ids = load_dataset(data, with_chunks=True)
        tr, te = split_by_chunk(len(x), 500, args.test_chunks, chunk_ids)
        db_tr, _ = targets_from_s(s[tr])
        res = evaluate_methods(kind, f, x[te], s[te], {
            "surrogate": _pred(sur), "nearest neighbour": baseline_nearest(fam, x[tr], db_tr),
            "training mean": baseline_mean(db_tr)})
        head = ("-3 dB cutoff err % | no cutoff predicted" if kind == "lowpass"
                else "centre / BW err % | no band predicted")
        print(f"\n## {kind}: held-out geometries ({len(te)} of {len(x)}; trained on {len(tr)}; "
              f"record: {sur.record.get('epochs')} epochs, {sur.record.get('seconds', 0):.0f} s)")
        print(f"| method | n | S21 RMSE dB | S21 median dB | S21 worst dB | S11 RMSE dB | {head} |")
        print("|---|---|---|---|---|---|---|---|")
        for name, r in res.items():
            print(_row(name, r, kind))
        rng = np.random.default_rng(1)
        x1 = fam.sample(rng, 1).astype(np.float32)
        xb = fam.sample(rng, 1024).astype(np.float32)
        sur.predict(xb)
        t1 = _time(lambda: sur.predict(x1), 300)
        tb = _time(lambda: sur.predict(xb), 20) / 1024
        geoms = [fam.build(v) for v in fam.sample(rng, 50)]
        ts = _time(lambda it=iter(geoms * 2): skrf_solver.solve(next(it)), 50)
        timing[kind] = (t1, tb, ts)
    ok, why = openems_available()
    t_oe = []
    if ok and args.openems_runs > 0:
        fam = family("lowpass")
        for v in fam.sample(np.random.default_rng(3), args.openems_runs):
            t = time.perf_counter()
            OpenEMSSolver(cells_per_wavelength=20).solve(fam.build(v))
            t_oe.append(time.perf_counter() - t)
    oe = float(np.median(t_oe)) if t_oe else float("nan")
    print(f"\n## time per design (one CPU thread; openEMS: median of {len(t_oe)} low-pass runs at 20 cells per "
          f"wavelength, {oe:.1f} s{'' if ok else ', unavailable: ' + why})")
    print("| filter | surrogate batch 1 | surrogate batch 1024 | scikit-rf | openEMS | "
          "speed-up vs scikit-rf (b1 / b1024) | speed-up vs openEMS (b1 / b1024) |")
    print("|---|---|---|---|---|---|---|")
    for kind, (t1, tb, ts) in timing.items():
        print(f"| {kind} | {t1 * 1e6:.0f} µs | {tb * 1e6:.2f} µs | {ts * 1e3:.2f} ms | {oe:.1f} s | "
              f"{ts / t1:.0f}x / {ts / tb:.0f}x | {oe / t1:,.0f}x / {oe / tb:,.0f}x |")

    hf = Path(args.data) / "lowpass-openems"
    if hf.is_dir() and list(hf.glob("chunk_*.npz")):
        xh, sh, fh = load_dataset(hf)
        n_all = len(xh)
        n_tr = min(30, n_all * 2 // 3)
        # chunks built before failures were recorded keep failed runs as rows: the same rule finds them
        valid = np.array([_physical("lowpass", v) for v in sh])
        failed = {"train": int((~valid[:n_tr]).sum()), "test": int((~valid[n_tr:]).sum())}
        keep_tr = np.nonzero(valid[:n_tr])[0]
        keep_te = n_tr + np.nonzero(valid[n_tr:])[0]
        xh, sh = np.concatenate([xh[keep_tr], xh[keep_te]]), np.concatenate([sh[keep_tr], sh[keep_te]])
        n_tr = len(keep_tr)
        sur = EMSurrogate.load("lowpass")
        tuned = EMSurrogate(finetune(sur.net, xh[:n_tr], sh[:n_tr]), sur.family)
        db_te, _ = targets_from_s(sh[n_tr:])
        sk = np.stack([skrf_solver.solve(sur.family.build(v)).s for v in xh[n_tr:]])
        db_sk, _ = targets_from_s(sk)
        rows = {"scikit-rf model itself": db_sk, "surrogate (scikit-rf data only)": _pred(sur)(xh[n_tr:]),
                f"surrogate fine-tuned on {n_tr} openEMS runs": _pred(tuned)(xh[n_tr:]),
                f"nearest of the {n_tr} openEMS runs": baseline_nearest(sur.family, xh[:n_tr], targets_from_s(sh[:n_tr])[0])(xh[n_tr:])}
        print(f"\n## multi-fidelity (low-pass): error against {len(xh) - n_tr} held-out openEMS runs "
              f"({n_all} openEMS runs at 16 cells per wavelength in all; failed runs left out: {failed['train']} of "
              f"the training ones, {failed['test']} of the held-out ones)")
        print("| predictor | n | S21 RMSE dB | S21 median dB | S21 worst dB | S11 RMSE dB | -3 dB cutoff err % | no cutoff predicted |")
        print("|---|---|---|---|---|---|---|---|")
        for name, db in rows.items():
            print(_row(name, score_db("lowpass", fh, db_te, db), "lowpass"))
    else:
        print(f"\n(no openEMS dataset at {hf}: multi-fidelity table skipped)")
    print(f"\nwall time {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
