"""benchmarks/emerge_crosscheck.py without its EMerge venv: a clear skip, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "emerge_crosscheck.py"


def test_missing_emerge_venv_is_a_clear_skip(tmp_path):
    r = subprocess.run([sys.executable, str(SCRIPT), "--emerge-python", str(tmp_path / "nope" / "python"),
                        "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0
    assert "skipped: no EMerge python at" in r.stderr and "pip install emerge" in r.stderr
    assert "Traceback" not in r.stderr
