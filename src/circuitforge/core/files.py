"""Writing files so that a crash never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: str | Path, data: bytes | str, *, fsync: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it and a rename (text as UTF-8).

    The temporary file has a unique name in the same directory, so two writers
    never share it and the rename never crosses a file system. With
    ``fsync=True`` the data is flushed to disk before the rename. Parent
    directories are created. Returns ``path``.

    >>> p = write_atomic(Path(tempfile.mkdtemp()) / "sub" / "x.txt", "hello")
    >>> p.read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp_name, _mode_for(path))  # mkstemp makes 0o600: not what a written report should be
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def _mode_for(path: Path) -> int:
    """The mode of the file being replaced, else ``0o666`` less the process umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where the system says it (Linux), else set and restored."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask
