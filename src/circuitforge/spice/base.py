"""What every simulator backend shares: context management and a sequential batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Self

from ..core.progress import progress_bar, track

if TYPE_CHECKING:
    from ..netlists import Netlist
    from .analyses import Analysis
    from .results import SimResult

__all__ = ["SimulatorBase", "progress_bar"]  # progress_bar: from core.progress, kept here for the backends


class SimulatorBase:
    """A backend gives :meth:`run`; it inherits ``with`` support and a one-by-one :meth:`run_many`."""

    progress_label = "simulating"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release workers or files (nothing for stateless backends)."""

    def run(self, circuit: Netlist | str, analyses: Sequence[Analysis], *, timeout: float = 30.0) -> SimResult:
        raise NotImplementedError

    def run_many(self, jobs: Sequence[tuple[Netlist | str, Sequence[Analysis]]], *, timeout: float = 30.0,
                 progress: bool = False) -> list[SimResult]:
        """Run every job in turn; results in input order, failures per item."""
        return [self.run(c, a, timeout=timeout)
                for c, a in track(jobs, self.progress_label, enabled=progress)]
