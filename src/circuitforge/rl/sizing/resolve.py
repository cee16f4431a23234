"""Which sizing problem a name or a netlist path means: a built-in one or one derived from the file.

The built-in problems (``miller45``, ``foldedcascode45``) carry hand-chosen parameters; giving the
shipped example file of one of them (byte for byte) selects the built-in problem too. Any other
existing file is derived with :meth:`SizingProblem.from_netlist`. An unknown name that is not a
file raises :class:`~circuitforge.netlists.errors.ResolutionError` listing the valid choices.

>>> resolve_problem("miller45").name
'miller45'
>>> resolve_problem("no-such-amp")
Traceback (most recent call last):
...
circuitforge.netlists.errors.ResolutionError: Could not resolve sizing problem (a built-in name or a netlist file) 'no-such-amp' among choices ['foldedcascode45', 'miller45']
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...examples import example_path
from ...netlists.errors import ResolutionError
from ..errors import ProblemError
from ...spice import Simulator
from .problem import SizingProblem, folded_cascode_problem, miller_problem

__all__ = ["BUILTIN_PROBLEMS", "resolve_problem"]

BUILTIN_PROBLEMS: dict[str, tuple[Callable[[], SizingProblem], str]] = {
    "miller45": (miller_problem, "opamp_miller45.cir"),
    "foldedcascode45": (folded_cascode_problem, "opamp_foldedcascode45.cir"),
}
"""Built-in problem name → (factory, the shipped example file it sizes)."""


def resolve_problem(name_or_path: str | Path, *, subckt: str | None = None,
                    simulator: Simulator | None = None, process: str = "generic45") -> SizingProblem:
    """The sizing problem for a built-in name or a netlist file.

    ``subckt`` picks the op-amp subcircuit of a derived problem (and names it); ``simulator`` is
    passed to :meth:`SizingProblem.from_netlist` for the simulations that derivation runs, and
    ``process`` (model cards and supply) too. The built-in problems are generic45 only: another
    ``process`` with a built-in name is a :class:`ProblemError`.
    """
    text = str(name_or_path)
    if text in BUILTIN_PROBLEMS:
        if process != "generic45":
            raise ProblemError(f"the built-in problem {text!r} is sized on generic45 (got process {process!r}); "
                               f"size its netlist file ({BUILTIN_PROBLEMS[text][1]}) to use another process")
        return BUILTIN_PROBLEMS[text][0]()
    path = Path(text)
    if not path.is_file():
        raise ResolutionError(text, tuple(BUILTIN_PROBLEMS), what="sizing problem (a built-in name or a netlist file)")
    data = path.read_bytes()
    for factory, example in BUILTIN_PROBLEMS.values():
        if process == "generic45" and data == example_path(example).read_bytes():
            return factory()
    return SizingProblem.from_netlist(path, subckt=subckt, simulator=simulator, name=subckt or path.stem,
                                      process=process)
