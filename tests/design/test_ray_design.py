"""The design flow's jobs on Ray: the dispatchers (order, failures, Ray's own retries of a killed worker),
one backend vocabulary, and a tiny seeded design run that ranks the same on Ray as on the local pool."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from circuitforge.cli import app
from circuitforge.core.cluster import RAY_ADDRESS_ENV, check_backend, resolve_address
from circuitforge.design.dispatch import JobFailure, LocalDispatcher, RayDispatcher, make_dispatcher
from circuitforge.design.pipeline import design
from circuitforge.netlists import CircuitforgeError
from circuitforge.spice import SharedSimulator, make_simulator
from circuitforge.spice.ray_backend import RAY_ADDRESS_ENV as SPICE_ENV

ray = pytest.importorskip("ray", reason="the Ray backend needs circuitforge[ray]")

SPEC = "gain>=40dB,ugbw>=10MHz,pm>=45deg,power<=1mW"


@pytest.fixture(scope="module")
def local_ray():
    """One small Ray instance for this module (no dashboard), shut down after (as tests/spice/test_ray_backend.py)."""
    ray.init(num_cpus=4, include_dashboard=False, logging_level="error", log_to_driver=False,
             object_store_memory=100 * 1024**2)
    # the toy jobs below travel to the workers by value (the workers cannot import this file)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield ray
    ray.shutdown()


def square(x: int) -> int:
    return x * x


def die_once(marker: str, x: int) -> int:
    """Kills its own worker process the first time (no exception: the process is gone), then answers."""
    if not Path(marker).exists():
        Path(marker).write_text("died")
        os._exit(1)
    return -x


def always_die() -> int:
    os._exit(1)


def boom(x: int) -> int:
    raise ZeroDivisionError(f"job {x} divided by zero")


# ------------------------------------------------------------------------------------------------
# one vocabulary
# ------------------------------------------------------------------------------------------------
def test_one_vocabulary_and_one_address_variable(monkeypatch):
    assert SPICE_ENV is RAY_ADDRESS_ENV == "CIRCUITFORGE_RAY_ADDRESS"
    monkeypatch.setenv(RAY_ADDRESS_ENV, "head:6379")
    assert resolve_address() == "head:6379" and resolve_address("other:1") == "other:1"
    assert isinstance(make_simulator("local"), SharedSimulator)
    assert isinstance(make_simulator("shared"), SharedSimulator)  # the former name, still accepted
    assert isinstance(make_dispatcher("local", 2), LocalDispatcher)
    assert isinstance(make_dispatcher("ray", 2), RayDispatcher)
    with pytest.raises(CircuitforgeError, match="unknown design backend 'shared': expected one of local, ray"):
        make_dispatcher("shared")
    with pytest.raises(CircuitforgeError, match="unknown design backend 'dask'"):
        design(SPEC, n=0, backend="dask")  # type: ignore[arg-type]
    assert check_backend("local") == "local"


@pytest.mark.parametrize("cmd", [["design", "-n", "0"], ["size", "miller45", "--spec", "gain>=40dB"],
                                 ["filter", "dataset", "-n", "1"], ["simulate", "x.cir"]])
def test_cli_backend_option_names_the_choices(cmd, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.cir").write_text("* x\nV1 a 0 1\nR1 a 0 1k\n.end\n")
    help_text = CliRunner().invoke(app, [*cmd[:2 if cmd[0] == "filter" else 1], "--help"]).output
    assert "--backend" in help_text and "ray" in help_text
    r = CliRunner().invoke(app, [*cmd, "--backend", "dask"])
    assert r.exit_code == 2 and "dask" in r.output, r.output


# ------------------------------------------------------------------------------------------------
# dispatchers
# ------------------------------------------------------------------------------------------------
def test_local_dispatcher_keeps_order_and_records_a_lost_worker():
    with LocalDispatcher(2) as jobs:
        assert jobs.map(square, [((i,), {}) for i in range(5)]) == [0, 1, 4, 9, 16]
        got = jobs.map(os._exit, [((1,), {})])
    assert isinstance(got[0], JobFailure) and got[0].reason.startswith("worker failed: ")


def test_ray_dispatcher_keeps_order_and_reports_each_job(local_ray):
    seen: list[int] = []
    with RayDispatcher(workers=2) as jobs:
        got = jobs.map(square, [((i,), {}) for i in range(7)], on_done=lambda i, r: seen.append(i))
        assert got == [i * i for i in range(7)] and sorted(seen) == list(range(7))
        failed = jobs.map(boom, [((3,), {})])
    assert isinstance(failed[0], JobFailure)
    assert "ray task failed" in failed[0].reason and "ZeroDivisionError" in failed[0].reason
    assert ray.is_initialized(), "a Ray connection found open is left open"


def test_ray_retries_a_killed_worker_then_reports_it(local_ray, tmp_path):
    marker = str(tmp_path / "died")
    with RayDispatcher(workers=2, max_retries=1) as jobs:
        got = jobs.map(die_once, [((marker, 5), {})])
        assert got == [-5] and Path(marker).exists(), "the task ran again after its worker died"
        lost = jobs.map(always_die, [((), {})])
    assert isinstance(lost[0], JobFailure) and "ray task failed" in lost[0].reason


# ------------------------------------------------------------------------------------------------
# the design flow on Ray
# ------------------------------------------------------------------------------------------------
def _summary(run):
    return [(c.name, c.origin, c.hash, c.stage, c.reason, c.method, c.sims, c.met, c.clauses_met,
             round(c.worst_margin, 6), {k: round(v, 9) for k, v in c.x.items()}) for c in run.candidates]


@pytest.mark.slow
def test_design_on_ray_ranks_as_the_local_pool(local_ray):
    kwargs = dict(n=1, budget=10, method="random", seed=2, max_draws=16, workers=2)
    local = design(SPEC, **kwargs)
    on_ray = design(SPEC, backend="ray", **kwargs)
    assert on_ray.settings["backend"] == "ray" and local.settings["backend"] == "local"
    assert sorted(c.origin for c in local.candidates) == ["generated", "reference", "reference"]
    assert all(c.ok for c in local.candidates if c.origin == "reference"), [c.reason for c in local.candidates]
    assert _summary(on_ray) == _summary(local)
    assert on_ray.rejected_draws == local.rejected_draws
