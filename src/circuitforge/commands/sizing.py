"""CLI: ``size`` (size an op-amp for a spec), ``train-sizer`` (train a sizing policy for one op-amp) and
``train-gnn-sizer`` (train the transferable graph policy on the corpus op-amps) and
``finetune-gnn-sizer`` (fine-tune it on one op-amp with a simulation budget).

The sizing layer (gymnasium, stable-baselines3, torch) is imported inside the
command bodies so that ``circuitforge --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..core.cluster import BACKEND_HELP, check_backend
from ..core.files import write_atomic
from ..netlists import CircuitforgeError
from ..spice import SharedSimulator, make_simulator
from .console import OverwriteShippedOpt, check_not_shipped, err, fail, out

__all__ = ["register"]


def size_cmd(
    netlist: Annotated[str, typer.Argument(help="Op-amp netlist (.subckt with ports inp inn out vdd vss, or an "
                                           "AnalogGenie-style circuit), or a built-in problem: miller45, "
                                           "foldedcascode45.")],
    spec: Annotated[str, typer.Option("--spec", help="Target, e.g. \"gain>=60dB,ugbw>=10MHz,pm>=60deg,"
                                      "power<=1mW\".")],
    method: Annotated[str, typer.Option("--method", help="ppo (the shipped Miller policy or --policy, "
                                        "for the problem it was trained on), gnn-ppo (the transferable graph "
                                        "policy, any op-amp of up to 32 sizing parameters), gnn-ppo+cmaes (its "
                                        "first 6 simulations, then CMA-ES from its best), cmaes, bo, random "
                                        "or local.")] = "ppo",
    budget: Annotated[int, typer.Option("--budget", help="Simulations at most.")] = 100,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Sized netlist to write (default: "
                                                   "NAME_sized.cir here); the Bode plot goes beside it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    policy: Annotated[Path | None, typer.Option("--policy", help="Policy .zip (default: the shipped "
                                                   "Miller policy for ppo, the shipped graph policy for "
                                                   "gnn-ppo).")] = None,
    tolerance: Annotated[float, typer.Option("--tolerance", help="Count a clause met within this fraction "
                                             "of its bound (AutoCkt: 0.02); 0 is strict.")] = 0.0,
    workers: Annotated[int, typer.Option("--workers", help="ngspice worker processes (Ray actors with "
                                         "--backend ray).")] = 1,
    backend: Annotated[str, typer.Option("--backend", help="Where the simulations run: " + BACKEND_HELP)
                       ] = "local",
    subckt: Annotated[str | None, typer.Option("--subckt", help="Which subcircuit is the op-amp.")] = None,
    process: Annotated[str, typer.Option("--process", help="Model cards and supply for a netlist's sizing "
                                         "problem: generic45 (1 V) or generic180 (1.8 V); the built-in "
                                         "problems are generic45.")] = "generic45",
    plot: Annotated[bool, typer.Option("--plot/--no-plot", help="Write the Bode plot PNG.")] = True,
) -> None:
    """Size an op-amp's devices for a target spec; write the sized netlist, a before/after report and a Bode plot.

    Example: circuitforge size miller45 --spec "gain>=50dB,ugbw>=30MHz,pm>=60deg,power<=200uW" --budget 30
    """
    # the sizing layer imports gymnasium, stable-baselines3 and torch: only this command pays for them
    from ..rl import METHODS, parse_spec, size
    from ..rl.sizing.resolve import resolve_problem
    from ..rl.sizing.report import bode_plot, open_loop_response, spec_rows

    if method not in METHODS:
        raise fail(f"unknown method {method!r} (choose among {', '.join(METHODS)})")
    if budget < 1:
        raise fail(f"--budget must be at least 1, got {budget}")
    try:
        target = parse_spec(spec, tolerance=tolerance)
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    try:
        check_backend(backend, "--backend")
        with make_simulator(backend, max(1, workers)) as sim:
            problem = resolve_problem(netlist, subckt=subckt, simulator=sim, process=process)
            result = size(problem, target, method=method, budget=budget, seed=seed, simulator=sim,
                          policy=policy, workers=workers)
            if all(v is None for v in result.measured.values()):
                raise fail(f"every simulation failed for {problem.name}; the last reason is in the JSON "
                           "(check the netlist with `circuitforge simulate`)", 3)
            dest = output or Path(f"{problem.name}_sized.cir")
            write_atomic(dest, problem.sized_text(result.x))
            png = None
            if plot:
                curves = {"before": open_loop_response(problem, problem.default_x, sim),
                          f"after ({method})": open_loop_response(problem, result.x, sim)}
                png = bode_plot(dest.with_name(dest.stem + "_bode.png"), curves,
                                title=f"{problem.name}: {target}")
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        data = {**result.to_dict(), "problem": problem.name, "netlist": str(dest),
                "bode": str(png) if png else None, "budget": budget}
        out.print_json(json.dumps(data, default=float))
    else:
        from rich.table import Table

        table = Table(title=f"{problem.name}: {method}, {result.sims_used} simulations"
                      f"{'' if result.met else ' (budget spent)'}")
        for col in ("spec", "target", "before", "after", "met"):
            table.add_column(col)
        for name, bound, before, after, ok in spec_rows(target, result.start, result.measured):
            table.add_row(name, bound, before, after, "[green]yes[/]" if ok else "[red]no[/]")
        out.print(table)
        out.print(("[green]met[/]" if result.met else "[red]not met[/]") + f": sized netlist {dest}"
                  + (f", Bode plot {png}" if png else ""))
    if not result.met:
        raise typer.Exit(1)


def train_cmd(
    netlist: Annotated[str, typer.Argument(help="Op-amp netlist or built-in problem (miller45, foldedcascode45).")],
    sims: Annotated[int, typer.Option("--sims", help="Training budget in simulations (targets + steps).")] = 50_000,
    algo: Annotated[str, typer.Option("--algo", help="ppo, sac, td3 or a2c.")] = "ppo",
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Checkpoint directory.")] = Path("sizer-run"),
    resume: Annotated[bool, typer.Option("--resume", help="Continue from OUT/latest.zip.")] = False,
    envs: Annotated[int, typer.Option("--envs", help="Parallel episodes.")] = 8,
    workers: Annotated[int, typer.Option("--workers", help="ngspice worker processes.")] = 2,
    targets: Annotated[int, typer.Option("--targets", help="Training targets (feasible, simulated).")] = 1000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    action_mode: Annotated[str, typer.Option("--action-mode", help="continuous or discrete.")] = "continuous",
    subckt: Annotated[str | None, typer.Option("--subckt")] = None,
    process: Annotated[str, typer.Option("--process", help="Model cards and supply for a netlist's sizing "
                                         "problem: generic45 (1 V) or generic180 (1.8 V); the built-in "
                                         "problems are generic45.")] = "generic45",
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    overwrite_shipped: OverwriteShippedOpt = False,
) -> None:
    """Train a sizing policy (stable-baselines3) on an op-amp; checkpoints, resume and TensorBoard logs in OUT.

    Example: circuitforge train-sizer miller45 --sims 50000 --out runs/miller
    """
    # the sizing layer imports gymnasium, stable-baselines3 and torch: only this command pays for them
    from ..rl import ACTION_MODES
    from ..rl.sizing.resolve import resolve_problem
    from ..rl.sizing.train import ALGOS, train_sizer

    check_not_shipped(out_dir, overwrite_shipped)
    if algo not in ALGOS:
        raise fail(f"unknown algorithm {algo!r} (choose among {', '.join(ALGOS)})")
    if action_mode not in ACTION_MODES:
        raise fail(f"unknown action mode {action_mode!r} (choose among {', '.join(ACTION_MODES)})")
    try:
        with SharedSimulator(max(1, workers)) as sim:
            problem = resolve_problem(netlist, subckt=subckt, simulator=sim, process=process)
            err.print(f"training {algo} on {problem.name} ({problem.dim} parameters) for {sims} simulations "
                      f"into {out_dir}", highlight=False)
            r = train_sizer(problem, total_sims=sims, algo=algo, n_envs=envs, workers=workers,  # type: ignore[arg-type]
                            checkpoint_dir=out_dir, resume=resume, seed=seed, n_targets=targets,
                            progress=progress, action_mode=action_mode, simulator=sim,
                            log=lambda m: err.print(m, highlight=False))
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    out.print(f"policy {r.policy_path} ({r.sims} simulations: {r.target_sims} for targets; "
              f"{r.episodes} episodes, last success rate {r.success_rate_last:.1%}, {r.seconds:.0f} s); "
              f"TensorBoard: tensorboard --logdir {out_dir / 'tb'}")


def train_gnn_cmd(
    corpus: Annotated[Path | None, typer.Option("--corpus", help="AnalogGenie corpus folder (default: "
                                                  "$CIRCUITFORGE_ANALOGGENIE or "
                                                  "../shared/datasets/analoggenie).")] = None,
    sims: Annotated[int, typer.Option("--sims", help="Training budget in simulations (target pools + "
                                      "steps).")] = 300_000,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Checkpoint directory.")] = Path("gnn-sizer-run"),
    resume: Annotated[bool, typer.Option("--resume", help="Continue from OUT/latest.zip.")] = False,
    envs: Annotated[int, typer.Option("--envs", help="Parallel episodes (over random training "
                                      "topologies).")] = 32,
    workers: Annotated[int, typer.Option("--workers", help="ngspice worker processes.")] = 2,
    targets: Annotated[int, typer.Option("--targets", help="Feasible targets per training topology.")] = 16,
    limit: Annotated[int, typer.Option("--limit", help="At most N training topologies (0: all).")] = 0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    process: Annotated[str, typer.Option("--process", help="Model cards and supply of the training "
                                         "problems: generic45 or generic180.")] = "generic45",
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    overwrite_shipped: OverwriteShippedOpt = False,
) -> None:
    """Train the transferable graph sizing policy (gnn-ppo) on the train split of the corpus op-amps.

    The op-amps are split by canonical hash (70 % train, 10 % validation, 20 % test); only the train
    topologies are used. Reproduces the shipped policy with the defaults.

    Example: circuitforge train-gnn-sizer --sims 300000 --out runs/gnn
    """
    from ..rl.sizing.transfer import corpus_problems, train_transfer

    check_not_shipped(out_dir, overwrite_shipped)
    try:
        with SharedSimulator(max(1, workers)) as sim:
            items = list(corpus_problems(corpus, process=process, splits=("train",), simulator=sim))
            probs = [it.problem for it in items if it.problem is not None and not it.reason]
            if limit:
                probs = probs[:limit]
            err.print(f"{len(probs)} of {len(items)} training op-amps have a sizing problem that fits; "
                      f"training gnn-ppo for {sims} simulations into {out_dir}", highlight=False)
            r = train_transfer(probs, total_sims=sims, n_envs=envs, workers=workers, checkpoint_dir=out_dir,
                               resume=resume, seed=seed, n_targets=targets, progress=progress, simulator=sim,
                               log=lambda m: err.print(m, highlight=False))
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    out.print(f"policy {r.policy_path} ({r.topologies} topologies, {r.sims} simulations: {r.target_sims} for "
              f"targets; {r.episodes} episodes, last success rate {r.success_rate_last:.1%}, {r.seconds:.0f} s)")


def finetune_gnn_cmd(
    netlist: Annotated[str, typer.Argument(help="Op-amp netlist (or a built-in problem: miller45, "
                                           "foldedcascode45) to fine-tune the graph policy on.")],
    sims: Annotated[int, typer.Option("--sims", help="Simulations in all (the target pool + PPO "
                                      "steps).")] = 2_000,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Where the fine-tuned policy goes "
                                          "(OUT/latest.zip, for size --method gnn-ppo --policy).")
                       ] = Path("gnn-finetune"),
    policy: Annotated[Path | None, typer.Option("--policy", help="Graph policy to start from (default: the "
                                                   "shipped one).")] = None,
    envs: Annotated[int, typer.Option("--envs", help="Parallel episodes.")] = 8,
    workers: Annotated[int, typer.Option("--workers", help="ngspice worker processes.")] = 2,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    subckt: Annotated[str | None, typer.Option("--subckt", help="Which subcircuit is the op-amp.")] = None,
    process: Annotated[str, typer.Option("--process", help="Model cards and supply: generic45 (1 V) or "
                                         "generic180 (1.8 V).")] = "generic45",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    overwrite_shipped: OverwriteShippedOpt = False,
) -> None:
    """Few-shot: fine-tune the transferable graph policy on one op-amp, for sizing it for many specs.

    Spends --sims simulations: random designs of the op-amp give a pool of feasible targets, then
    PPO trains on that op-amp alone from the shipped (or --policy) weights. Use the result with
    `circuitforge size NETLIST --method gnn-ppo --policy OUT/latest.zip`.

    Example: circuitforge finetune-gnn-sizer my_ota.cir --sims 2000 --out runs/ota-ft
    """
    from ..rl.sizing.resolve import resolve_problem
    from ..rl.sizing.transfer import finetune_transfer

    check_not_shipped(out_dir, overwrite_shipped)
    try:
        with SharedSimulator(max(1, workers)) as sim:
            problem = resolve_problem(netlist, subckt=subckt, simulator=sim, process=process)
            if not as_json:
                err.print(f"fine-tuning gnn-ppo on {problem.name} ({problem.dim} parameters) for {sims} "
                          f"simulations into {out_dir}", highlight=False)
            r = finetune_transfer(problem, sims=sims, policy=policy, n_envs=envs, seed=seed,
                                  checkpoint_dir=out_dir, progress=progress and not as_json, simulator=sim,
                                  log=None if as_json else (lambda m: err.print(m, highlight=False)))
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        out.print_json(json.dumps({"policy": str(r.policy_path), "problem": problem.name, "sims": r.sims,
                                   "target_sims": r.target_sims, "episodes": r.episodes,
                                   "success_rate": r.success_rate_last, "seconds": round(r.seconds, 1)}))
        return
    out.print(f"policy {r.policy_path} ({r.sims} simulations: {r.target_sims} for targets; {r.episodes} "
              f"episodes, success rate {r.success_rate_last:.1%}, {r.seconds:.0f} s); size with: circuitforge "
              f"size {netlist} --method gnn-ppo --policy {r.policy_path} --spec ...")


def register(app: typer.Typer) -> None:
    """Add ``size``, ``train-sizer``, ``train-gnn-sizer`` and ``finetune-gnn-sizer`` to ``app``."""
    app.command(name="size")(size_cmd)
    app.command(name="train-sizer")(train_cmd)
    app.command(name="train-gnn-sizer")(train_gnn_cmd)
    app.command(name="finetune-gnn-sizer")(finetune_gnn_cmd)
