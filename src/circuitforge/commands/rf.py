"""CLI: ``filter`` (RF microstrip filters): ``design``, ``solve``, ``dataset``, ``train-surrogate``, ``train-policy``.

scikit-rf, torch and stable-baselines3 are imported inside the command bodies so that
``circuitforge --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..core.cluster import BACKEND_HELP
from ..netlists.errors import CircuitforgeError
from ..rf.errors import RFError
from .console import (
    UNITS_HELP,
    OverwriteShippedOpt,
    RestartOpt,
    check_not_shipped,
    err,
    fail,
    out,
    training_output,
)

__all__ = ["register"]

filter_app = typer.Typer(help="RF microstrip filters: scikit-rf/openEMS solvers, neural EM surrogate, RL design.",
                         no_args_is_help=True)

TypeOpt = Annotated[str, typer.Option("--type", help="Filter type: lowpass or bandpass.")]


def _kind(kind: str) -> str:
    if kind not in ("lowpass", "bandpass"):
        raise fail(f"Could not resolve filter type {kind!r} among choices ['lowpass', 'bandpass']")
    return kind


@filter_app.command("design")
def design(kind: TypeOpt = "lowpass",
           fc: Annotated[Optional[str], typer.Option("--fc", help="Low-pass passband edge, e.g. 3GHz. "
                                                             + UNITS_HELP)] = None,
           f0: Annotated[Optional[str], typer.Option("--f0", help="Band-pass centre, e.g. 5GHz.")] = None,
           bw: Annotated[Optional[str], typer.Option("--bw", help="Band-pass bandwidth, e.g. 500MHz.")] = None,
           rejection: Annotated[str, typer.Option("--rejection", help="LEVEL@FREQ: low-pass stopband from FREQ; "
                                                  "band-pass upper stopband edge FREQ (lower one mirrored).")] = "20dB@6GHz",
           il: Annotated[float, typer.Option("--il", help="Largest passband insertion loss (dB).")] = 3.0,
           rl: Annotated[float, typer.Option("--rl", help="Smallest return loss (dB).")] = 10.0,
           verify: Annotated[str, typer.Option("--verify", help="Re-simulate in skrf (always) and openems.")] = "skrf",
           rollouts: Annotated[int, typer.Option(help="Policy rollouts (x20 surrogate evaluations).")] = 8,
           seed: Annotated[int, typer.Option(help="Seed of the stochastic rollouts.")] = 0,
           out_dir: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("filter-design")) -> None:
    """Design a filter for a spec with the shipped PPO policy in the EM surrogate; re-simulate it.

    Frequencies take SI prefixes as people write them: M and meg are mega, m is milli (500MHz).
    """
    from ..rf.measure import FilterSpec, parse_frequency, parse_level_at

    kind = _kind(kind)
    if verify not in ("skrf", "openems"):
        raise fail(f"Could not resolve verifier {verify!r} among choices ['skrf', 'openems']")
    try:
        level, fstop = parse_level_at(rejection)
        if kind == "lowpass":
            if fc is None:
                raise fail("--fc is required for a low-pass")
            spec = FilterSpec("lowpass", f_pass=parse_frequency(fc), f_stop=fstop, il_db=il, rl_db=rl, rejection_db=level)
            if spec.f_stop <= spec.f_pass:
                raise fail(f"stopband {fstop / 1e9:g} GHz must lie above the cutoff {spec.f_pass / 1e9:g} GHz")
        else:
            if f0 is None or bw is None:
                raise fail("--f0 and --bw are required for a band-pass")
            c = parse_frequency(f0)
            spec = FilterSpec("bandpass", f0=c, bw=parse_frequency(bw), stop_offset=abs(fstop - c), il_db=il,
                              rl_db=rl, rejection_db=level)
    except RFError as exc:
        raise fail(str(exc)) from None
    from ..rl.filters.agent import design_filter
    try:
        rep = design_filter(spec, out_dir, verify=verify, rollouts=rollouts, seed=seed)
    except RFError as exc:
        raise fail(str(exc), 3) from None
    out.print(spec.describe(), highlight=False)
    g = rep["geometry"]
    out.print("geometry (mm): " + ", ".join(f"{k}={v}" for k, v in g.items() if k not in ("kind", "substrate")),
              highlight=False)
    for name in ("surrogate", "skrf", "openems"):
        if name in rep:
            r = rep[name]
            ok = r.get("met", r.get("claimed"))
            m = ", ".join(f"{lab} {v:+.1f} dB" for lab, v in zip(("IL", "RL", "rejection"), r["margins_db"]))
            out.print(f"{name:9s} {'met' if ok else 'NOT met'} (margins {m})", highlight=False)
    out.print(f"wrote {', '.join(rep['files'])} to {out_dir}", highlight=False)


@filter_app.command("solve")
def solve(geometry: Annotated[Path, typer.Argument(help="Geometry JSON (as written by filter design).")],
          solver: Annotated[str, typer.Option(help="skrf (default), openems or surrogate.")] = "skrf",
          out_path: Annotated[Path, typer.Option("--out", help="Touchstone file to write.")] = Path("filter.s2p"),
          cells: Annotated[float, typer.Option(help="openEMS cells per wavelength.")] = 20.0,
          timeout: Annotated[float, typer.Option(help="openEMS time limit (s).")] = 600.0) -> None:
    """Simulate one geometry and write its Touchstone file."""
    from ..rf.geometry import geometry_from_dict
    from ..rf.solver import make_solver
    try:  # a missing or non-UTF-8 file ends in main() with a message naming it
        g = geometry_from_dict(json.loads(geometry.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise fail(f"cannot read geometry {geometry}: {exc}") from None
    except RFError as exc:
        raise fail(f"{geometry}: {exc}") from None
    try:
        if solver == "surrogate":
            from ..surrogates.surrogate import EMSurrogate
            net = EMSurrogate.load(g.kind).solve(g)
        else:
            opts = {"cells_per_wavelength": cells, "timeout_s": timeout} if solver == "openems" else {}
            net = make_solver(solver, **opts).solve(g)
    except RFError as exc:
        raise fail(str(exc), 3) from None
    stem = str(out_path)[:-4] if str(out_path).endswith(".s2p") else str(out_path)
    net.write_touchstone(stem)
    out.print(f"{g!r}: wrote {stem}.s2p ({solver})", highlight=False)


@filter_app.command("dataset")
def dataset(kind: TypeOpt = "lowpass",
            n: Annotated[int, typer.Option("-n", help="Number of geometries.")] = 12000,
            out_dir: Annotated[Path, typer.Option("--out", help="Dataset directory (resumable).")] = Path("out/rf/lowpass-skrf"),
            solver: Annotated[str, typer.Option(help="skrf or openems.")] = "skrf",
            workers: Annotated[int, typer.Option(help="Parallel worker processes (with --backend ray: "
                                                 "chunks in flight / 2).")] = 1,
            backend: Annotated[str, typer.Option(help="Where the chunks are solved: " + BACKEND_HELP)] = "local",
            seed: Annotated[int, typer.Option(help="Dataset seed.")] = 0,
            chunk: Annotated[int, typer.Option(help="Geometries per stored chunk.")] = 500,
            touchstone: Annotated[bool, typer.Option(help="Also write a Touchstone file per geometry.")] = False,
            cells: Annotated[float, typer.Option(help="openEMS cells per wavelength.")] = 20.0,
            retries: Annotated[int, typer.Option(help="Extra attempts for a geometry whose solve fails "
                                                 "(then it is recorded in manifest.json and left out).")] = 1,
            as_json: Annotated[bool, typer.Option("--json", help="Print the manifest's totals as JSON.")] = False
            ) -> None:
    """Solve many seeded geometries into a resumable dataset (arrays, and Touchstone on request).

    A geometry whose solve fails (error, time limit, or a response that is not physical) is retried,
    then left out and counted by type in OUT/manifest.json (small: commit it for a set built across
    sessions); the build goes on.
    """
    from ..rf.dataset import build_dataset, read_manifest
    opts = {"cells_per_wavelength": cells} if solver == "openems" else None
    if retries < 0:
        raise fail(f"--retries must be 0 or more, got {retries}")
    try:
        p = build_dataset(_kind(kind), n, out_dir, solver=solver, seed=seed, chunk=chunk, workers=workers,
                          touchstone=touchstone, solver_options=opts, backend=backend, retries=retries,
                          progress=not as_json)
        man = read_manifest(p)
    except RFError as exc:
        raise fail(str(exc)) from None
    totals = {"dataset": str(p), "done": man["done"], "solved": man["solved"], "failed": man["failed"]}
    if as_json:
        out.print_json(json.dumps(totals))
        return
    failed = ", ".join(f"{k} {v}" for k, v in man["failed"].items()) or "none"
    out.print(f"dataset in {p}: {man['solved']} of {man['done']} geometries solved; failed after retries: "
              f"{failed} (see {p / 'manifest.json'})", highlight=False)


@filter_app.command("train-surrogate")
def train_surrogate_cmd(data: Annotated[Path, typer.Argument(help="Dataset directory (filter dataset).")],
                        out_path: Annotated[Optional[Path], typer.Option("--out", help="Checkpoint (default: "
                                                                         "out/rf/em_KIND.pt).")] = None,
                        epochs: Annotated[int, typer.Option(help="Training epochs.")] = 150,
                        hidden: Annotated[int, typer.Option(help="MLP width.")] = 384,
                        test_chunks: Annotated[int, typer.Option(help="Last chunks held out.")] = 2,
                        threads: Annotated[int, typer.Option(help="torch threads.")] = 1,
                        restart: RestartOpt = False,
                        overwrite_shipped: OverwriteShippedOpt = False) -> None:
    """Train the EM surrogate (resumable), then report held-out errors beside baselines."""
    import torch  # noqa: PLC0415 - heavy: only this command pays for it

    from ..surrogates.pipeline import train_and_evaluate  # noqa: PLC0415 - imports torch

    torch.set_num_threads(threads)
    if out_path is not None:
        check_not_shipped(out_path, overwrite_shipped)
    try:
        rep = train_and_evaluate(data, out_path, epochs=epochs, hidden=hidden, test_chunks=test_chunks,
                                 restart=restart, log=lambda m: err.print(m, highlight=False))
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    for name, r in rep.heldout.items():
        out.print(f"{name:10s} " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                             for k, v in r.items()), highlight=False)
    out.print(f"wrote {rep.path}", highlight=False)


@filter_app.command("train-policy")
def train_policy_cmd(kind: TypeOpt = "lowpass",
                     timesteps: Annotated[int, typer.Option("--timesteps", min=1, help="PPO environment steps.")]
                     = 150_000,
                     seed: Annotated[int, typer.Option(help="Training seed.")] = 0,
                     out_path: Annotated[Optional[Path], typer.Option("--out", help="Policy .zip to write (default: "
                                                                      "runs/filters/filter_KIND.zip).")] = None,
                     progress: Annotated[bool, typer.Option("--progress/--no-progress",
                                                            help="Show a progress bar.")] = False,
                     overwrite_shipped: OverwriteShippedOpt = False) -> None:
    """Train the PPO filter-design policy in the shipped EM surrogate (what `filter design` uses).

    Example: circuitforge filter train-policy --type bandpass --timesteps 150000 --out runs/filters/bp.zip
    """
    # stable-baselines3 and torch are slow to import: only this command pays for them
    from ..rl.filters.agent import policy_path, train_policy  # noqa: PLC0415

    kind = _kind(kind)
    shipped = policy_path(kind)
    target = training_output(out_path, Path("runs/filters") / shipped.name, shipped, overwrite_shipped)
    try:
        path = train_policy(kind, timesteps, seed=seed, out=target, progress=progress)
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    out.print(f"wrote {path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``filter`` command group to ``app``."""
    app.add_typer(filter_app, name="filter")
