"""Shared fixtures: the AnalogGenie corpus (skipped with a clear message where absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("CIRCUITFORGE_ANALOGGENIE", REPO.parent / "shared" / "datasets" / "analoggenie"))


@pytest.fixture(scope="session")
def corpus_root() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"AnalogGenie corpus not found at {CORPUS} (set CIRCUITFORGE_ANALOGGENIE)")
    return CORPUS
