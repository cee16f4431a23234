"""The base layer: what every other layer shares and nothing of the project below it.

- :mod:`.errors` — :class:`CircuitforgeError` (root of every deliberate error),
  :class:`CheckpointError`, :class:`UnitError`.
- :mod:`.files` — :func:`write_atomic` (a crash never leaves half a file).
- :mod:`.units` — the one number grammar: SPICE/Spectre netlist values
  (:func:`parse_number`, :func:`format_number`) and quantities a person types
  (:func:`parse_quantity`, :func:`format_quantity`).
- :mod:`.progress` — progress bars (one library, rich), a no-op when disabled.
- :mod:`.cluster` — where parallel work runs: ``local`` | ``ray`` and the Ray cluster's address
  (``CIRCUITFORGE_RAY_ADDRESS``); import it explicitly.
- :mod:`.checkpoint` — atomic, ``weights_only`` checkpoints with one resume
  policy (imports torch; import it explicitly, it is not re-exported here).

This package imports nothing else of circuitforge; only :mod:`.checkpoint` imports torch.

>>> from circuitforge.core import parse_quantity
>>> parse_quantity("10MHz", "Hz")
10000000.0
"""

from __future__ import annotations

from .errors import CheckpointError, CircuitforgeError, UnitError
from .files import write_atomic
from .units import format_number, format_quantity, parse_number, parse_quantity

__all__ = [
    "CircuitforgeError",
    "CheckpointError",
    "UnitError",
    "write_atomic",
    "parse_number",
    "format_number",
    "parse_quantity",
    "format_quantity",
]
