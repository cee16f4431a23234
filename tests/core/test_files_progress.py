"""write_atomic and the progress helper."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from circuitforge.core.files import write_atomic
from circuitforge.core.progress import progress, track


def test_write_atomic_text_bytes_and_parents(tmp_path: Path) -> None:
    p = write_atomic(tmp_path / "a" / "b" / "x.txt", "héllo")
    assert p.read_text(encoding="utf-8") == "héllo"
    write_atomic(p, b"\x00\x01", fsync=True)
    assert p.read_bytes() == b"\x00\x01"
    assert sorted(os.listdir(p.parent)) == ["x.txt"]  # no temporary left behind


def test_write_atomic_failure_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    p = write_atomic(tmp_path / "x.txt", "old")

    class Boom(str):
        def encode(self, *a: object) -> bytes:  # noqa: ARG002
            raise KeyboardInterrupt

    try:
        write_atomic(p, Boom("new"))
    except KeyboardInterrupt:
        pass
    assert p.read_text() == "old"
    assert os.listdir(tmp_path) == ["x.txt"]


def test_concurrent_writers_do_not_share_a_temp_file(tmp_path: Path) -> None:
    p = tmp_path / "x.bin"
    payloads = [bytes([i]) * 100_000 for i in range(8)]
    threads = [threading.Thread(target=write_atomic, args=(p, d)) for d in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert p.read_bytes() in payloads
    assert os.listdir(tmp_path) == ["x.bin"]


def test_progress_disabled_is_a_no_op_that_still_counts(capsys) -> None:  # noqa: ANN001
    with progress("work", total=5, enabled=False, completed=2) as bar:
        bar.advance()
        bar.advance(2, loss="0.1")
        bar.describe("other")
    assert bar.completed == 5
    assert list(track(iter(range(4)), "x", enabled=False)) == [0, 1, 2, 3]
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_progress_is_silent_when_stderr_is_not_a_terminal() -> None:
    code = ("from circuitforge.core.progress import track\n"
            "print(sum(track(range(50), 'x', enabled=True)))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert r.stdout.strip() == "1225" and r.stderr == ""


def test_core_imports_no_torch_and_nothing_of_the_project() -> None:
    code = ("import sys, circuitforge.core, circuitforge.core.progress\n"
            "bad = [m for m in sys.modules if m == 'torch' or (m.startswith('circuitforge.') "
            "and not m.startswith('circuitforge.core'))]\n"
            "print(bad)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert r.stdout.strip() == "[]"


def test_sb3_progress_callback_runs_with_learn() -> None:
    import gymnasium as gym  # heavy optional dependencies: only this test needs them
    from stable_baselines3 import PPO

    from circuitforge.core.progress import sb3_progress_callback

    model = PPO("MlpPolicy", gym.make("CartPole-v1"), n_steps=32, batch_size=32, n_epochs=1, verbose=0, seed=0)
    cb = sb3_progress_callback("training", enabled=True)  # not a TTY here: a no-op bar that still counts
    model.learn(total_timesteps=64, callback=cb)
    assert model.num_timesteps >= 64


def test_write_atomic_gives_the_mode_open_would(tmp_path):
    import os
    import stat

    from circuitforge.core.files import write_atomic

    old = os.umask(0o022)
    try:
        p = write_atomic(tmp_path / "report.html", "<html/>")
        assert stat.S_IMODE(p.stat().st_mode) == 0o644  # not mkstemp's 0o600
        p.chmod(0o640)
        write_atomic(p, "again")
        assert stat.S_IMODE(p.stat().st_mode) == 0o640  # a replaced file keeps its mode
    finally:
        os.umask(old)
