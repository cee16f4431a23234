"""The ``circuitforge`` commands, one module per area; each module has ``register(app)``.

- :mod:`.netlist`: ``convert``, ``validate``, ``info``;
- :mod:`.simulate`: ``simulate``;
- :mod:`.complete`: ``complete``, ``train-linkpred``;
- :mod:`.generate`: ``generate``, ``train-generator``, ``finetune-generator``;
- :mod:`.sizing`: ``size``, ``train-sizer``;
- :mod:`.rf`: the ``filter`` group (``design``, ``solve``, ``dataset``, ``train-surrogate``, ``train-policy``);
- :mod:`.design`: ``design``;
- :mod:`.demo`: ``demo``.

torch, PyTorch Geometric, stable-baselines3 and scikit-rf are imported inside the command bodies so
that ``circuitforge --help`` stays fast. The commands hold no logic of their own: they parse options,
call one library function and print.
"""

from __future__ import annotations

import typer

from . import complete, demo, design, generate, netlist, rf, simulate, sizing

__all__ = ["MODULES", "register_all"]

MODULES = (netlist, simulate, complete, generate, sizing, rf, design, demo)
"""The command modules in the order their commands appear in ``circuitforge --help``."""


def register_all(app: typer.Typer) -> None:
    """Add every command of every module in :data:`MODULES` to ``app``."""
    for module in MODULES:
        module.register(app)
