r"""Atomic file replacement: a reader sees the old file or the new one, never half of one.

The bytes go to a temporary file in the target's folder (same file system, so the rename is
atomic), which is flushed and ``fsync``-ed; ``os.replace`` swaps it in; then the folder is
``fsync``-ed so the rename itself survives a power cut. A writer killed at any point leaves the
previous file intact (and at worst a stray ``.<name>.*.tmp`` file beside it).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _fsync_dir(folder: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:  # pragma: no cover - platforms that cannot open a folder (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems that refuse to sync a folder
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, private: bool = True) -> Path:
    r"""Write ``data`` to ``path`` atomically; return the path.

    ``private=False`` gives a new file the mode an ordinary ``open()`` would (0666 less the
    umask), for files meant to be shared such as the lab's report.

    Raises
    ------
    FileNotFoundError
        If the folder of ``path`` does not exist.

    Notes
    -----
    The file is created by :func:`tempfile.mkstemp`, so by default a new file is readable by
    its owner only (mode 0600; checkpoints); replacing an existing file keeps that file's mode.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = atomic_write_bytes(pathlib.Path(d) / "a.txt", b"hi")
    ...     p.read_bytes()
    b'hi'
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"folder {str(folder)!r} of {str(target)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        if not private and hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))
