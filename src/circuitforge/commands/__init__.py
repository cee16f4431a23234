"""CLI command groups that live outside ``cli.py``, one module per area.

Each module has ``register(app)`` adding its commands to the Typer app, and imports torch, PyTorch
Geometric, stable-baselines3 or scikit-rf only inside the command bodies so that ``circuitforge --help``
stays fast. Like ``cli.py`` they hold no logic of their own: they parse options, call the library and
print.
"""

from . import design, generate, rf, sizing

__all__ = ["design", "generate", "rf", "sizing", "register_all"]


def register_all(app: object) -> None:
    """Add every command group to ``app`` (a ``typer.Typer``)."""
    for module in (generate, sizing, rf, design):
        module.register(app)
