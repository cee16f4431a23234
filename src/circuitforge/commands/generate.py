"""``circuitforge generate``, ``train-generator`` and ``finetune-generator``: the grammar-guided topology generator.

torch is imported inside the command bodies only, so that ``circuitforge --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..core.units import UnitError, parse_quantity
from ..netlists.errors import CircuitforgeError
from .console import PACKAGE_DIR, OverwriteShippedOpt, RestartOpt, err, fail, out, training_output

__all__ = ["register"]

SHIPPED_WEIGHTS = PACKAGE_DIR / "generators" / "topology" / "weights" / "topology.pt"
"""The shipped generator checkpoint (``generators.topology.DEFAULT_WEIGHTS``, named here without importing
torch)."""


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
    plain_grammar: Annotated[bool, typer.Option("--plain-grammar", help="Grammar only: no family interface "
                                                "or electrical rules (op-amps: VIN1/VIN2 on gates with a "
                                                "signal path to VOUT1, VOUT1 pulled both ways...) and no "
                                                "corpus length prior.")] = False,
    check_op: Annotated[bool, typer.Option("--check-op", help="Also run each biased netlist's DC operating point "
                                           "in ngspice and record whether it converges within the rails.")] = False,
    process: Annotated[str, typer.Option("--process", help="Process for bias_default: generic45, generic180, "
                                         "level1.")] = "generic45",
    weights: Annotated[Optional[Path], typer.Option("--weights", help="Generator checkpoint (default: the "
                                                    "shipped weights; for op-amps and comparators the ones "
                                                    "fine-tuned with an ngspice reward, see finetune-generator).")] = None,
    pretrained: Annotated[bool, typer.Option("--pretrained", help="Sample the corpus-trained weights even where "
                                             "a fine-tuned checkpoint ships (op-amps, comparators).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
) -> None:
    """Sample new circuit topologies of one family from the learned, grammar-guided generator.

    Every sample is structurally valid by construction (each terminal on one net, no dangling
    internal net, VDD/VSS present, every port used). Op-amps also have their interface and a few
    electrical rules by construction (VIN1, VIN2 on transistor gates, each with a signal path to
    VOUT1; VOUT1 on exactly two DC terminals, one pulling up and one down; no transistor with drain
    = source; no internal node with a single DC path; only VB/IB bias ports besides); comparators
    the same interface with clock ports allowed; LDOs VIN1, VOUT1, VREF1 and a pass device first.
    Every sample's length is drawn from the corpus circuits of its family, and op-amps and
    comparators are sampled from weights fine-tuned with an ngspice reward (finetune-generator;
    --pretrained for the corpus-trained ones). Each is written as an ngspice netlist sized
    and biased by bias_default (supplies, inputs, bias sources, loads; see `circuitforge simulate
    --bias`) to OUT/<type>_<i>.cir, and OUT/summary.json lists per sample its canonical hash,
    novelty against the AnalogGenie corpus, the structural check and the bias choices.

    Example: circuitforge generate --type opamp -n 100 --seed 1 --out gen/opamp
    """
    import torch  # noqa: PLC0415 - heavy: only this command pays for it

    from ..generators.topology.batch import generate_to_dir  # noqa: PLC0415

    torch.set_num_threads(1)
    if pretrained and weights is not None:
        raise fail("--pretrained and --weights choose the checkpoint twice: pass one")
    if pretrained:
        weights = SHIPPED_WEIGHTS
    try:
        summary = generate_to_dir(circuit_type, out_dir, n=n, seed=seed, temperature=temperature,
                                  constrained=not unconstrained, interface=not plain_grammar, check_op=check_op, process=process,
                                  weights=weights, progress=not as_json)
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        return
    t = Table(title=f"{n} generated {summary['type']} topologies "
              f"({'grammar-guided' if not unconstrained else 'unconstrained'})")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k in ("structurally_valid", "ngspice_valid", "novel", "unique"):
        if k in summary:
            t.add_row(k.replace("_", " "), f"{100 * summary[k]:.1f}%")
    t.add_row("mean devices", f"{sum(r['devices'] for r in summary['samples']) / n:.1f}")
    t.add_row("sampling time", f"{summary['sample_seconds']:.1f} s")
    out.print(t)
    err.print(escape(f"wrote {n} netlists and summary.json to {out_dir}"), highlight=False)


def train_cmd(
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="AnalogGenie corpus folder (default: "
                                                   "../shared/datasets/analoggenie or $CIRCUITFORGE_ANALOGGENIE).")]
    = None,
    output: Annotated[Optional[Path], typer.Option("--out", "-o", help="Checkpoint to write (default: "
                                                   "runs/generator/generator.pt; the shipped weights only with "
                                                   "--overwrite-shipped); corpus_hashes.json is written beside "
                                                   "it.")] = None,
    epochs: Annotated[int, typer.Option("--epochs", help="Passes over the training circuits.")] = 30,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Minutes after which no new epoch starts "
                                              "(0: no limit); the learning rate decays over this time too.")] = 22.0,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from <out>.state, written after every "
                                         "epoch, when it matches this configuration.")] = False,
    restart: RestartOpt = False,
    threads: Annotated[int, typer.Option("--threads", help="torch CPU threads.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Initialisation, augmentation and shuffling seed.")] = 0,
    overwrite_shipped: OverwriteShippedOpt = False,
) -> None:
    """Train the topology generator on the AnalogGenie corpus (reproduces the shipped weights).

    Each epoch re-encodes every circuit with a random device order and internal-net numbering
    (renaming augmentation). A progress bar shows the loss; after every epoch the training state is
    written atomically to <out>.state, so an interrupted run continues with --resume (--restart
    discards a saved state that does not match).

    Example: circuitforge train-generator --time-limit 20 --out runs/generator/generator.pt
    """
    from ..generators.topology.train import TrainConfig, run  # noqa: PLC0415 - torch is slow to import

    if epochs < 1:
        raise fail(f"--epochs must be at least 1 (got {epochs})")
    if time_limit < 0:
        raise fail(f"--time-limit must be >= 0 (got {time_limit})")
    target = training_output(output, Path("runs/generator/generator.pt"), SHIPPED_WEIGHTS, overwrite_shipped)
    cfg = TrainConfig(epochs=epochs, time_limit=time_limit * 60, seed=seed)
    try:
        run(corpus, target, cfg, resume=resume, restart=restart, threads=threads,
            log=lambda s: err.print(escape(s), highlight=False))
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None


SHIPPED_FINETUNED = SHIPPED_WEIGHTS.with_name("topology_opamp_rl.pt")
"""The shipped op-amp fine-tuned checkpoint (``generators.topology.FINETUNED["opamp"]``)."""


def finetune_cmd(
    output: Annotated[Optional[Path], typer.Option("--out", "-o", help="Checkpoint to write (default: "
                                                   "runs/generator/finetuned.pt; the shipped op-amp weights only "
                                                   "with --overwrite-shipped).")] = None,
    weights: Annotated[Optional[Path], typer.Option("--weights", help="Generator to start from (default: the "
                                                    "shipped corpus-trained weights).")] = None,
    steps: Annotated[int, typer.Option("--steps", help="Policy-gradient steps.")] = 300,
    batch: Annotated[int, typer.Option("--batch", help="Samples per step.")] = 32,
    budget: Annotated[int, typer.Option("--budget", help="ngspice simulations per reward (CMA-ES).")] = 60,
    family: Annotated[str, typer.Option("--family", help="Family sampled and rewarded: opamp, ldo or comparator "
                                        "(each has an interface grammar and a sizing testbench).")] = "opamp",
    spec: Annotated[Optional[str], typer.Option("--spec", help="Spec the reward sizes for (default: the family's "
                                                "modest spec, circuitforge.rl.sizing.quick.FAMILY_SPECS: "
                                                "gain>=40dB,ugbw>=10MHz,pm>=45deg for op-amps, "
                                                "decision>=1,delay<=5ns for comparators).")] = None,
    process: Annotated[str, typer.Option("--process", help="Process cards: generic45, generic180, level1.")]
    = "generic180",
    lr: Annotated[float, typer.Option("--lr", help="Adam learning rate.")] = 1e-4,
    kl: Annotated[float, typer.Option("--kl", help="Weight of the KL divergence from the starting model.")] = 0.05,
    replay: Annotated[int, typer.Option("--replay", help="Functional sequences found so far replayed in each "
                                        "step's batch (0: none).")] = 8,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Minutes after which no new step starts "
                                              "(0: no limit).")] = 60.0,
    shaping: Annotated[str, typer.Option("--shaping", help="How close the best design came enters the reward: "
                                         "linear (1 - objective/floor) or exp (exp(objective): steeper, for "
                                         "a spec the samples are far from).")] = "linear",
    offset_max: Annotated[Optional[str], typer.Option("--offset-max", help="Op-amps: a design that meets the "
                                                      "spec must also have at most this systematic offset as a "
                                                      "unity-gain follower, e.g. 20mV (default: no check).")] = None,
    workers: Annotated[int, typer.Option("--workers", help="ngspice worker processes.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Sampling and CMA-ES seed.")] = 1,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from <out>.state, written after every "
                                         "step, when it matches this configuration.")] = False,
    restart: RestartOpt = False,
    overwrite_shipped: OverwriteShippedOpt = False,
) -> None:
    """Fine-tune the op-amp (or LDO, or comparator) generator with an ngspice reward (reproduces the shipped op-amp weights).

    Policy gradient over the grammar-masked sampler: every step samples --batch circuits, sizes
    each with one seeded CMA-ES run of --budget ngspice simulations for --spec, and raises the
    probability of those that did better than the batch (reward: how close the best design came,
    plus a bonus for meeting the spec with a novel topology that shrinks each time that topology
    is found again). The functional samples found so far are kept and --replay of them rejoin
    every batch (experience replay). A KL penalty keeps the model near the corpus-trained one. The state is
    written after every step to <out>.state (kept); --resume continues an interrupted run, or extends
    a finished one with a larger --steps.

    Example: circuitforge finetune-generator --steps 300 --out runs/generator/finetuned.pt
    (the first of the three runs behind the shipped op-amp weights: circuitforge.rl.topology's docstring
    lists them; the next two start from the one before with --weights, the medium spec and --shaping exp,
    the last with --offset-max 20mV).
    """
    from ..rl.topology import SHAPINGS, FinetuneConfig, run  # noqa: PLC0415 - torch is slow to import

    for name, v in (("steps", steps), ("batch", batch), ("budget", budget), ("workers", workers)):
        if v < 1:
            raise fail(f"--{name} must be at least 1 (got {v})")
    if replay < 0:
        raise fail(f"--replay must be >= 0 (got {replay})")
    if time_limit < 0:
        raise fail(f"--time-limit must be >= 0 (got {time_limit})")
    if shaping not in SHAPINGS:
        raise fail(f"--shaping must be one of {', '.join(SHAPINGS)} (got {shaping!r})")
    from ..rl.sizing.quick import FAMILY_SPECS  # noqa: PLC0415

    if family not in FAMILY_SPECS:
        raise fail(f"--family must be one of {', '.join(FAMILY_SPECS)} (got {family!r})")
    if spec is None:
        spec = FAMILY_SPECS[family][0]
    offset = None
    if offset_max is not None:
        try:
            offset = parse_quantity(offset_max, "V", what="--offset-max")
        except UnitError as exc:
            raise fail(str(exc)) from None
        if not offset > 0 or family != "opamp":
            raise fail(f"--offset-max must be a positive voltage and is for op-amps (got {offset_max!r}, "
                       f"--family {family})")
    target = training_output(output, Path("runs/generator/finetuned.pt"), SHIPPED_FINETUNED, overwrite_shipped)
    cfg = FinetuneConfig(family=family, spec=spec, offset_max=offset, process=process, budget=budget, batch=batch, steps=steps, lr=lr, kl=kl,
                         replay=replay, time_limit=time_limit * 60, shaping=shaping, seed=seed)
    try:
        run(target, cfg, weights=weights, workers=workers, resume=resume, restart=restart,
            log=lambda s: err.print(escape(s), highlight=False))
    except CircuitforgeError as exc:
        raise fail(str(exc)) from None


def register(app: typer.Typer) -> None:
    """Add ``generate``, ``train-generator`` and ``finetune-generator`` to ``app``."""
    app.command(name="generate")(generate_cmd)
    app.command(name="train-generator")(train_cmd)
    app.command(name="finetune-generator")(finetune_cmd)
