"""``circuitforge generate`` and ``circuitforge train-generator``: the grammar-guided topology generator.

torch is imported inside the command bodies only, so that ``circuitforge --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..netlists.errors import CircuitforgeError
from ..core.files import write_atomic
from .console import err, fail, out

__all__ = ["register"]


def generate_cmd(
    circuit_type: Annotated[str, typer.Option("--type", "-t", help="Circuit family: opamp, lna, mixer, oscillator, "
                                              "bandgap, comparator, ldo, power_converter, sc_sampler, pa, pll, "
                                              "current_mirror, amplifier, filter, switched_capacitor, "
                                              "data_converter, other.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the netlists and summary.json.")],
    n: Annotated[int, typer.Option("-n", help="How many topologies to sample.")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Sampling seed (same seed, same topologies).")] = 0,
    temperature: Annotated[float, typer.Option("--temperature", help="Softmax temperature (> 0; lower: "
                                               "closer to the corpus, higher: more varied).")] = 1.0,
    unconstrained: Annotated[bool, typer.Option("--unconstrained", help="Sample without the grammar's mask "
                                                "(for comparison: samples may be malformed).")] = False,
    check_op: Annotated[bool, typer.Option("--check-op", help="Also run each biased netlist's DC operating point "
                                           "in ngspice and record whether it converges within the rails.")] = False,
    process: Annotated[str, typer.Option("--process", help="Process for bias_default: generic45, generic180, "
                                         "level1.")] = "generic45",
    weights: Annotated[Optional[Path], typer.Option("--weights", help="Generator checkpoint (default: the "
                                                    "shipped weights).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
) -> None:
    """Sample new circuit topologies of one family from the learned, grammar-guided generator.

    Every sample is structurally valid by construction (each terminal on one net, no dangling
    internal net, VDD/VSS present, every port used). Each is written as an ngspice netlist sized
    and biased by bias_default (supplies, inputs, bias sources, loads; see `circuitforge simulate
    --bias`) to OUT/<type>_<i>.cir, and OUT/summary.json lists per sample its canonical hash,
    novelty against the AnalogGenie corpus, the structural check and the bias choices.

    Example: circuitforge generate --type opamp -n 100 --seed 1 --out gen/opamp
    """
    import torch  # noqa: PLC0415 - heavy: only this command pays for it

    from ..generators.topology import generate, load_generator  # noqa: PLC0415
    from ..generators.topology.evaluate import ngspice_valid  # noqa: PLC0415
    from ..netlists.writers import write  # noqa: PLC0415
    from ..spice.bias import bias_default  # noqa: PLC0415
    from ..spice.models import PROCESSES  # noqa: PLC0415

    if n < 1:
        raise fail(f"-n must be at least 1 (got {n})")
    if temperature <= 0:
        raise fail(f"--temperature must be > 0 (got {temperature})")
    if process not in PROCESSES:
        raise fail(f"unknown process {process!r} (choices: {', '.join(PROCESSES)})")
    if out_dir.exists() and not out_dir.is_dir():
        raise fail(f"--out {out_dir} exists and is not a folder")
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    try:
        gen = load_generator(weights)
        samples = generate(circuit_type, n, seed=seed, temperature=temperature, constrained=not unconstrained,
                           model=gen, progress=not as_json)
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    t_sample = time.perf_counter() - t0
    family = samples[0].circuit_type
    out_dir.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(n - 1)))
    records = []
    for i, s in enumerate(samples):
        name = f"{family}_{i:0{width}d}.cir"
        rec: dict = {"file": name, "hash": s.hash, "novel": s.novel, "structurally_valid": s.structurally_valid,
                     "problems": list(s.problems), "devices": len(s.netlist.devices), "ports": list(s.netlist.ports),
                     "tokens": " ".join(s.tokens)}
        try:
            b = bias_default(s.netlist, process)
            text = write(b.netlist, "ngspice")
            rec["bias"] = [str(c) for c in b.choices]
        except CircuitforgeError as exc:
            text = write(s.netlist, "ngspice")
            rec["bias_error"] = str(exc)
        write_atomic(out_dir / name, text)
        records.append(rec)
    if check_op:
        verdicts = ngspice_valid([s.netlist for s in samples], process=process, progress=not as_json)
        for rec, (ok, outcome) in zip(records, verdicts):
            rec["ngspice_valid"], rec["op_outcome"] = ok, outcome
    summary = {
        "type": family, "n": n, "seed": seed, "temperature": temperature, "constrained": not unconstrained,
        "weights": str(weights) if weights else "shipped", "process": process,
        "structurally_valid": sum(s.structurally_valid for s in samples) / n,
        "novel": sum(s.novel for s in samples) / n,
        "unique": len({s.hash for s in samples}) / n,
        "sample_seconds": round(t_sample, 2),
        "samples": records,
    }
    if check_op:
        summary["ngspice_valid"] = sum(r["ngspice_valid"] for r in records) / n
    write_atomic(out_dir / "summary.json", json.dumps(summary, indent=2))
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        return
    t = Table(title=f"{n} generated {family} topologies ({'grammar-guided' if not unconstrained else 'unconstrained'})")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k in ("structurally_valid", "ngspice_valid", "novel", "unique"):
        if k in summary:
            t.add_row(k.replace("_", " "), f"{100 * summary[k]:.1f}%")
    t.add_row("mean devices", f"{sum(len(s.netlist.devices) for s in samples) / n:.1f}")
    t.add_row("sampling time", f"{t_sample:.1f} s")
    out.print(t)
    err.print(escape(f"wrote {n} netlists and summary.json to {out_dir}"), highlight=False)


def train_cmd(
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="AnalogGenie corpus folder (default: "
                                                   "../shared/datasets/analoggenie or $CIRCUITFORGE_ANALOGGENIE).")]
    = None,
    output: Annotated[Optional[Path], typer.Option("--out", "-o", help="Checkpoint to write (default: the shipped "
                                                   "weights); corpus_hashes.json is written beside it.")] = None,
    epochs: Annotated[int, typer.Option("--epochs", help="Passes over the training circuits.")] = 30,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Minutes after which no new epoch starts "
                                              "(0: no limit); the learning rate decays over this time too.")] = 22.0,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from <out>.state, written after every "
                                         "epoch, when it matches this configuration.")] = False,
    threads: Annotated[int, typer.Option("--threads", help="torch CPU threads.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Initialisation, augmentation and shuffling seed.")] = 0,
) -> None:
    """Train the topology generator on the AnalogGenie corpus (reproduces the shipped weights).

    Each epoch re-encodes every circuit with a random device order and internal-net numbering
    (renaming augmentation). A progress bar shows the loss; after every epoch the training state is
    written atomically to <out>.state, so an interrupted run continues with --resume.

    Example: circuitforge train-generator --time-limit 20 --out my_generator.pt
    """
    from ..generators.topology.checkpoint import DEFAULT_WEIGHTS  # noqa: PLC0415
    from ..generators.topology.train import TrainConfig, run  # noqa: PLC0415

    if epochs < 1:
        raise fail(f"--epochs must be at least 1 (got {epochs})")
    if time_limit < 0:
        raise fail(f"--time-limit must be >= 0 (got {time_limit})")
    cfg = TrainConfig(epochs=epochs, time_limit=time_limit * 60, seed=seed)
    try:
        run(corpus, output or DEFAULT_WEIGHTS, cfg, resume=resume, threads=threads,
            log=lambda s: err.print(escape(s), highlight=False))
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None


def register(app: typer.Typer) -> None:
    """Add ``generate`` and ``train-generator`` to ``app``."""
    app.command(name="generate")(generate_cmd)
    app.command(name="train-generator")(train_cmd)
