"""CLI commands for this area (filled in by its issue)."""

from __future__ import annotations

__all__ = ["register"]


def register(app: object) -> None:
    """Add this module's commands to app."""
