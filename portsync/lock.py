"""The sync lock: ``.portsync.lock`` beside ports.yaml, held while a run plans and writes.

Two writing runs at once would each plan from the files as they were and then
both write; with the lock the second waits, plans from what the first wrote and
finds everything in sync. Holding it also makes any temporary file left beside a
target certainly stale (from a killed run), so it can be removed, and lets the
journal of a killed run be finished (``journal.py``). Without the lock (a
read-only checkout) nothing may be written or removed at all.

The lock is an OS lock (``flock`` / ``msvcrt.locking``) on the file, so the kernel
releases it when a holder dies, even by SIGKILL. The file is removed on release
while still locked; a waiter that then locks the removed file notices (its inode
is no longer the path's) and locks the new one.
"""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from portsync.errors import TargetError

LOCK_NAME = ".portsync.lock"
WAIT_SECONDS = 60.0
_POLL_SECONDS = 0.02


def _try_lock(fd: int) -> bool:
    """Take the lock without blocking; False when another process holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    return True


def _is_current(fd: int, path: Path) -> bool:
    """Whether the locked file is still the one at ``path`` (not removed by its last holder)."""
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


@contextmanager
def exclusive(folder: Path, wait: float | None = None) -> Iterator[str | None]:
    """Hold the sync lock of ``folder``; wait for another run's up to ``wait`` seconds.

    Yields None while the lock is held. In a folder that refuses to create it
    (a read-only checkout) it yields the reason instead: the caller may still
    read and plan, but must write nothing. ``wait`` defaults to WAIT_SECONDS.
    """
    path = folder / LOCK_NAME
    wait = WAIT_SECONDS if wait is None else wait
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                yield f"{LOCK_NAME}: {err.strerror}"
                return
            raise TargetError(f"cannot create the lock file: {err.strerror}",
                              where=LOCK_NAME) from err
        if _try_lock(fd) and _is_current(fd, path):
            break
        os.close(fd)
        if time.monotonic() > deadline:
            raise TargetError(f"another portsync run has held this lock for over {wait:g} s "
                              "(delete the file if no portsync is running)", where=LOCK_NAME)
        time.sleep(_POLL_SECONDS)
    try:
        yield None
    finally:
        with suppress(OSError):  # Windows cannot remove an open file: it stays, unlocked
            path.unlink()
        os.close(fd)
