"""Where parallel work runs: the one vocabulary (``local`` | ``ray``) and the Ray cluster's address.

Every parallel path of circuitforge (simulator pools, RF datasets, the design flow) takes
``backend="local"`` (processes on this machine, the default) or ``backend="ray"`` (Ray tasks or
actors on the cluster Ray is connected to). The cluster is, in this order: the one this program
already joined with ``ray.init(...)``, an ``address=`` given to the call, the
:data:`RAY_ADDRESS_ENV` environment variable, else a new local Ray instance.

This module only names things (no Ray import): each layer connects in its own code.

>>> RAY_ADDRESS_ENV
'CIRCUITFORGE_RAY_ADDRESS'
>>> resolve_address("head:6379", env={RAY_ADDRESS_ENV: "other:6379"})
'head:6379'
>>> resolve_address(None, env={RAY_ADDRESS_ENV: "other:6379"}), resolve_address(None, env={})
('other:6379', None)
>>> check_backend("ray"), CLUSTER_BACKENDS
('ray', ('local', 'ray'))
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, get_args

from .errors import CircuitforgeError

__all__ = ["RAY_ADDRESS_ENV", "ClusterBackend", "CLUSTER_BACKENDS", "BACKEND_HELP", "resolve_address",
           "check_backend"]

RAY_ADDRESS_ENV = "CIRCUITFORGE_RAY_ADDRESS"
"""Environment variable naming the Ray cluster to use (``ray://host:10001`` or ``host:6379``)."""

ClusterBackend = Literal["local", "ray"]
"""Where parallel work runs: ``local`` processes on this machine, or ``ray`` tasks/actors on a cluster."""

CLUSTER_BACKENDS: tuple[str, ...] = get_args(ClusterBackend)

BACKEND_HELP = ("local: worker processes on this machine (the default); ray: Ray tasks on the cluster named "
                f"by ${RAY_ADDRESS_ENV} (else a local Ray instance; needs pip install 'circuitforge[ray]').")
"""What each backend means, in one sentence (the CLI's ``--backend`` help)."""


def resolve_address(address: str | None = None, *, env: Mapping[str, str] | None = None) -> str | None:
    """The Ray cluster to connect to: ``address`` when given, else ``$CIRCUITFORGE_RAY_ADDRESS``,
    else ``None`` (start a local Ray instance). ``env`` defaults to :data:`os.environ`."""
    if address:
        return address
    return (os.environ if env is None else env).get(RAY_ADDRESS_ENV) or None


def check_backend(backend: str, what: str = "backend") -> str:
    """``backend`` when it is ``local`` or ``ray``; else a :class:`CircuitforgeError` naming ``what``
    and listing both.

    >>> check_backend("shared")
    Traceback (most recent call last):
    ...
    circuitforge.core.errors.CircuitforgeError: unknown backend 'shared': expected one of local, ray
    """
    if backend not in CLUSTER_BACKENDS:
        raise CircuitforgeError(f"unknown {what} {backend!r}: expected one of {', '.join(CLUSTER_BACKENDS)}")
    return backend
