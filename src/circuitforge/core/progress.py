"""Progress bars: one library (rich), one look, and nothing at all when switched off.

:func:`progress` is a context manager giving a :class:`Bar` with one task;
:func:`track` wraps an iterable. Both are no-ops when ``enabled`` is False or
standard error is not a terminal (a log file gets no bar fragments), so
callers pass their ``progress`` flag straight through. Bars draw on standard
error, leaving standard output to results.

>>> with progress("measuring", total=3, enabled=False) as bar:
...     for _ in range(3):
...         bar.advance(loss="0.1")
>>> bar.completed
3
>>> list(track(range(3), "counting", enabled=False))
[0, 1, 2]
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

__all__ = ["Bar", "progress", "progress_bar", "track", "bars_visible", "sb3_progress_callback"]

T = TypeVar("T")


def bars_visible(enabled: bool = True) -> bool:
    """Whether a bar would draw: ``enabled`` and standard error is a terminal."""
    return bool(enabled) and sys.stderr.isatty()


def progress_bar(what: str, *, info: bool = False) -> Progress:
    """A rich :class:`~rich.progress.Progress` with the project's columns, drawing on standard error
    (for callers that manage tasks themselves; most want :func:`progress`). ``info`` adds a column
    showing the task's ``info`` field (a running loss, say)."""
    columns = [TextColumn(f"[bold]{what}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    if info:
        columns.append(TextColumn("[cyan]{task.fields[info]}"))
    return Progress(*columns, console=Console(stderr=True), transient=False)


class Bar:
    """One progress task; every method is a no-op on a disabled bar (``completed`` still counts)."""

    def __init__(self, rich: Progress | None, task: TaskID | None, completed: int = 0):
        self._rich = rich
        self._task = task
        self.completed = completed

    def advance(self, n: int = 1, *, info: str | None = None, **fields: object) -> None:
        """Add ``n`` done steps; ``info`` (or ``key=value`` fields, joined) shows beside the bar."""
        self.completed += n
        if self._rich is None or self._task is None:
            return
        if fields and info is None:
            info = " ".join(f"{k} {v}" for k, v in fields.items())
        if info is None:
            self._rich.advance(self._task, n)
        else:
            self._rich.update(self._task, advance=n, info=info)

    def describe(self, what: str) -> None:
        """Change the label (e.g. the epoch number)."""
        if self._rich is not None and self._task is not None:
            self._rich.update(self._task, description=what)


@contextmanager
def progress(what: str, total: int | None, *, enabled: bool = True, completed: int = 0) -> Iterator[Bar]:
    """A bar for ``total`` steps (``completed`` already done, e.g. on resume), closed on exit."""
    if not bars_visible(enabled):
        yield Bar(None, None, completed)
        return
    rich = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), TextColumn("[cyan]{task.fields[info]}"),
                    console=Console(stderr=True), transient=False)
    with rich:
        task = rich.add_task(what, total=total, completed=completed, info="")
        yield Bar(rich, task, completed)


def track(items: Iterable[T], what: str, *, total: int | None = None, enabled: bool = True) -> Iterator[T]:
    """Yield ``items`` while a bar counts them (``total`` defaults to ``len(items)`` where known)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with progress(what, total, enabled=enabled) as bar:
        for item in items:
            yield item
            bar.advance()


def sb3_progress_callback(what: str, *, enabled: bool = True) -> Any:
    """A stable-baselines3 callback drawing this module's bar over ``model.learn`` (instead of
    SB3's own ``progress_bar=True``, which needs tqdm); pass it in ``callback=[...]``."""
    # stable-baselines3 is a heavy optional dependency: imported only when a policy is trained
    from stable_baselines3.common.callbacks import BaseCallback  # noqa: PLC0415

    class _ProgressCallback(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self._stack = ExitStack()
            self._bar: Bar | None = None

        def _on_training_start(self) -> None:
            total = int(self.locals["total_timesteps"]) - int(self.model.num_timesteps)
            self._bar = self._stack.enter_context(progress(what, total, enabled=enabled))

        def _on_step(self) -> bool:
            if self._bar is not None:
                self._bar.advance(int(self.training_env.num_envs))
            return True

        def _on_training_end(self) -> None:
            self._stack.close()
            self._bar = None

    return _ProgressCallback()
