"""What every simulator backend shares: context management and a sequential batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Self

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

if TYPE_CHECKING:
    from ..netlists import Netlist
    from .analyses import Analysis
    from .results import SimResult

__all__ = ["SimulatorBase", "progress_bar"]


def progress_bar(what: str) -> Progress:
    """The progress bar every batch of simulations shows."""
    return Progress(TextColumn(f"[bold]{what}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    transient=False)


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
        if not progress:
            return [self.run(c, a, timeout=timeout) for c, a in jobs]
        out: list[SimResult] = []
        with progress_bar(self.progress_label) as bar:
            task = bar.add_task("sim", total=len(jobs))
            for circuit, analyses in jobs:
                out.append(self.run(circuit, analyses, timeout=timeout))
                bar.advance(task)
        return out
