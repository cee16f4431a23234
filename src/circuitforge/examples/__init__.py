"""Example netlists shipped with circuitforge (used by ``circuitforge demo`` and the tests)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..netlists.errors import ResolutionError

__all__ = ["example_path", "example_names"]


def example_names() -> list[str]:
    """File names of the shipped examples."""
    root = resources.files(__name__)
    return sorted(p.name for p in root.iterdir() if p.name.endswith((".cir", ".scs", ".sp")))


def example_path(name: str) -> Path:
    """Path of a shipped example (``ota5t.cir``, ``miller2.cir``, ``ota5t.scs``, ``broken_amp.cir``)."""
    names = example_names()
    if name not in names:
        raise ResolutionError(name, names, "example")
    return Path(str(resources.files(__name__).joinpath(name)))
