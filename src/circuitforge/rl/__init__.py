"""RL and classical design: ``sizing/`` (op-amp device sizing: specs, sizing problems, gymnasium
environments, SB3 agents, baselines) and ``filters/`` (microstrip filter design in the EM surrogate).

The sizing API is re-exported here.

Imports any lower layer (``netlists``, ``spice``, ``graph``). The parts that
need stable-baselines3 and torch (:class:`SizingVecEnv`, :func:`make_vec_env`,
:func:`train_sizer`, :func:`load_policy`) are imported on first use.

>>> from circuitforge.rl import parse_spec, miller_problem
>>> parse_spec("gain>=60dB,ugbw>=10MHz,pm>=60deg,power<=1mW").names
('gain', 'ugbw', 'pm', 'power')
>>> miller_problem().dim
8
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .sizing.env import ACTION_MODES, ActionMode, SizingEnv, SizingTask
from .errors import PolicyMismatch, ProblemError, SizingError, SpecError
from .sizing.problem import (
    MEASURES,
    SizingParam,
    SizingProblem,
    folded_cascode_problem,
    miller_problem,
)
from .sizing.search import BASELINES, METHODS, Method, objective
from .sizing.size import SizingResult, size
from .sizing.spec import AUTOCKT_TOLERANCE, SPEC_NAMES, Clause, Spec, parse_spec
from .sizing.targets import feasible_targets, target_from, uniform_targets

__all__ = [
    "ACTION_MODES",
    "AUTOCKT_TOLERANCE",
    "BASELINES",
    "MEASURES",
    "METHODS",
    "SPEC_NAMES",
    "ActionMode",
    "Clause",
    "Method",
    "PolicyMismatch",
    "ProblemError",
    "SizingEnv",
    "SizingError",
    "SizingParam",
    "SizingProblem",
    "SizingResult",
    "SizingTask",
    "SizingVecEnv",
    "Spec",
    "SpecError",
    "feasible_targets",
    "folded_cascode_problem",
    "load_policy",
    "make_vec_env",
    "miller_problem",
    "objective",
    "parse_spec",
    "shipped_policy_path",
    "size",
    "target_from",
    "train_sizer",
    "uniform_targets",
]

_LAZY = {"SizingVecEnv": ".sizing.vec_env", "make_vec_env": ".sizing.vec_env", "train_sizer": ".sizing.train",
         "load_policy": ".sizing.train", "shipped_policy_path": ".sizing.train"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
