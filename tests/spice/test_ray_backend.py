"""The Ray backend on a local Ray instance started here: same results as the local pool, typed failures,
and no result lost when an actor is killed."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from stable_baselines3 import PPO

from circuitforge.rf.dataset import build_dataset, load_dataset
from circuitforge.rf.errors import RFError
from circuitforge.rl import SizingVecEnv, miller_problem, parse_spec
from circuitforge.spice import (
    AC,
    Op,
    RaySimulator,
    SharedSimulator,
    Simulator,
    SimulatorCrash,
    SimulatorUnavailable,
    ToySimulator,
    Tran,
    make_simulator,
)
from circuitforge.spice.ray_backend import ray_module

ray = pytest.importorskip("ray", reason="the Ray backend needs circuitforge[ray]")

RC = "* rc\nV1 in 0 DC 1 AC 1\nR1 in out {r}\nC1 out 0 1n\nR2 out 0 {r2}\n.end\n"
DIODE_AMP = """* diode and bjt
VCC vcc 0 5
VIN in 0 DC 0.7 AC 1
RB in b 10k
Q1 c b 0 qn
RC vcc c 2k
.model qn npn bf=100 is=1e-15 vaf=50
.end
"""
CRASH = "* recursive function: ngspice 39 overflows its stack\n.func f(x) {f(x)+1}\nV1 a 0 {f(1)}\nR1 a 0 1k\n.end\n"
HANG = "* femtosecond steps for a second\nV1 a 0 SIN(0 1 1meg)\nR1 a b 1k\nC1 b 0 1n\n.end\n"
NO_SOLUTION = "* no DC solution exists\nB1 b 0 I = v(b) > 0.5 ? 1 : -1\nR1 b 0 1k\n.end\n"


@pytest.fixture(scope="module")
def local_ray():
    """One small Ray instance for this module (no dashboard), shut down after.

    4 logical CPUs on the 2-core machine: the module's 2 ngspice actors hold 2, the dataset tasks use the others.
    """
    ray.init(num_cpus=4, include_dashboard=False, logging_level="error", log_to_driver=False,
             object_store_memory=100 * 1024**2)
    # the test's own simulator classes travel to the actors by value (the workers cannot import this file)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def ray_sim(local_ray):
    with make_simulator("ray", workers=2) as sim:
        yield sim.start()


def _rc(i: int) -> str:
    return RC.format(r=f"{1 + i}k", r2=f"{2 + i % 3}k")


def test_same_results_as_the_local_pool_in_order(ray_sim):
    assert isinstance(ray_sim, RaySimulator) and isinstance(ray_sim, Simulator) and len(ray_sim.actors) == 2
    jobs = [(_rc(i), [Op(), AC(1, 1e6, 5)]) for i in range(6)] + [(DIODE_AMP, [Op()])]
    got = ray_sim.run_many(jobs, timeout=10)
    with SharedSimulator(1) as local:
        want = local.run_many(jobs, timeout=10)
    assert all(r.ok for r in got), [r.error for r in got]
    for i in range(6):
        r1, r2 = 1e3 * (1 + i), 1e3 * (2 + i % 3)
        assert got[i]["op"].value("out") == pytest.approx(r2 / (r1 + r2))
        np.testing.assert_allclose(got[i]["ac"]["out"], want[i]["ac"]["out"], rtol=1e-12)
    assert got[6]["op"].value("c") == pytest.approx(want[6]["op"].value("c"), rel=1e-12)


def test_crash_hang_and_nonconvergence_are_typed_like_the_local_pool(ray_sim):
    good = (_rc(0), [Op()])
    jobs = [good, (CRASH, [Op()]), good, (HANG, [Tran(1e-15, 1.0)]), (NO_SOLUTION, [Op()]), good,
            ("* x\nR1 a\n", [Op()]), good]
    before = ray_sim.restarts
    results = ray_sim.run_many(jobs, timeout=3.0)
    kinds = [type(r.error).__name__ if r.error else "ok" for r in results]
    assert kinds == ["ok", "SimulatorCrash", "ok", "SimulationTimeout", "ConvergenceError", "ok", "DeckError", "ok"]
    assert ray_sim.restarts - before == 2  # one crash, one timeout: the workers inside the actors restarted
    assert ray_sim.actor_restarts == 0  # ... and no actor was lost
    assert 'node "b"' in results[4].error.message and results[4].error.log


def test_a_killed_actor_loses_no_result(ray_sim):
    jobs = [(_rc(i), [Op(), Tran(1e-8, 2e-4)]) for i in range(24)]
    killed: list[int] = []

    def kill_first_actor(index: int, result: object) -> None:
        if not killed:  # mid-batch, with calls still queued on both actors
            killed.append(index)
            ray.kill(ray_sim.actors[0])

    results = ray_sim.run_many(jobs, timeout=20, on_result=kill_first_actor)
    assert killed and ray_sim.actor_restarts == 1 and ray_sim.retried >= 1
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    for i, r in enumerate(results):
        r1, r2 = 1e3 * (1 + i), 1e3 * (2 + i % 3)
        assert r["op"].value("out") == pytest.approx(r2 / (r1 + r2))
    assert len({ray.get(a.pid.remote()) for a in ray_sim.actors}) == 2  # a new actor took its place


class _DiesOnMarkedDecks(ToySimulator):
    """A toy simulator whose process exits on a deck whose title says ``die`` (an actor that always dies)."""

    def run(self, circuit, analyses, *, timeout=30.0):
        if isinstance(circuit, str) and circuit.startswith("* die"):
            os._exit(1)
        return super().run(circuit, analyses, timeout=timeout)


def test_an_item_that_kills_every_actor_is_reported_after_the_retry_limit(local_ray):
    good = "* ok\nV1 a 0 2\nR1 a b 1k\nR2 b 0 1k\n.end\n"
    jobs = [(good, [Op()]), ("* die\nV1 a 0 1\nR1 a 0 1k\n.end\n", [Op()]), (good, [Op()])]
    # cpus_per_actor=0: the module's ngspice actors hold both CPUs, and toy actors need none
    with RaySimulator(_DiesOnMarkedDecks, workers=2, batch=1, max_retries=2, cpus_per_actor=0) as sim:
        results = sim.run_many(jobs)
        assert sim.actor_restarts == 3  # the first try and two retries each took an actor down
    assert results[0].ok and results[2].ok and results[0]["op"].value("b") == pytest.approx(1.0)
    assert isinstance(results[1].error, SimulatorCrash) and "retry limit 2" in results[1].error.message


def test_bad_arguments_name_the_value(local_ray):
    with pytest.raises(ValueError, match="workers must be >= 1, got 0"):
        RaySimulator(ToySimulator, workers=0)
    with RaySimulator(ToySimulator, workers=1, cpus_per_actor=0) as sim:
        assert sim.run_many([]) == []
        assert repr(sim).startswith("RaySimulator(workers=1, actors=0")
    with RaySimulator(ToySimulator, workers=3, cpus_per_actor=2) as sim:  # 6 CPUs wanted, the module has 4
        with pytest.warns(RuntimeWarning, match="3 actors of 2 CPU each need more than the 4 CPUs"):
            sim._ensure()


def test_rf_dataset_chunks_as_ray_tasks_same_files_and_resumable(local_ray, tmp_path):
    local = build_dataset("lowpass", 6, tmp_path / "local", chunk=2, progress=False)
    on_ray = build_dataset("lowpass", 6, tmp_path / "ray", chunk=2, progress=False, backend="ray")
    assert ray.is_initialized()  # the module's instance was used and left running
    (on_ray / "chunk_00001.npz").unlink()
    build_dataset("lowpass", 6, on_ray, chunk=2, progress=False, backend="ray")  # resumes: only chunk 1 again
    for a, b in zip(load_dataset(local), load_dataset(on_ray)):
        np.testing.assert_array_equal(a, b)
    assert (local / "meta.json").read_text() == (on_ray / "meta.json").read_text()


def test_sb3_trains_a_few_steps_on_the_vectorised_sizing_env_over_ray(ray_sim):
    env = SizingVecEnv(miller_problem(), [parse_spec("gain>=90dB")], 2, simulator=ray_sim, seed=0, horizon=2)
    try:
        model = PPO("MlpPolicy", env, n_steps=4, batch_size=8, n_epochs=1, seed=0, device="cpu")
        model.learn(total_timesteps=8)
        assert env.sims >= 8 and env.episodes >= 2
    finally:
        env.close()  # the simulator is the module's: closing the env leaves it running
    assert ray_sim.run(_rc(0), [Op()]).ok


def test_without_ray_the_error_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(SimulatorUnavailable, match=r"pip install 'circuitforge\[ray\]'"):
        ray_module()
    with pytest.raises(SimulatorUnavailable, match="circuitforge"):
        make_simulator("ray", workers=2)
    with pytest.raises(RFError, match=r"circuitforge\[ray\]"):
        build_dataset("lowpass", 2, tmp_path, chunk=2, progress=False, backend="ray")
    with pytest.raises(RFError, match="unknown dataset backend 'dask'; expected one of \\['local', 'ray'\\]"):
        build_dataset("lowpass", 2, tmp_path, chunk=2, progress=False, backend="dask")
