"""Which files ``import`` and ``audit`` read, and why any of them was not read."""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from portsync import fsio
from portsync.errors import PortsyncError, UsageError

SCAN_LIMIT = 2 * 1024 * 1024  # bigger files are data or generated, not configuration
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "dist", "build"}


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that was listed but not read, and why.

    ``kind``: ``unread`` (too big, not UTF-8, unreadable: it may hold ports),
    ``symlink`` (read where it leads, if that is inside the repository) or
    ``binary``.
    """

    path: str
    reason: str
    kind: str = "unread"


@dataclass(frozen=True, slots=True)
class RepoFiles:
    """The files to scan (relative posix paths), folders that could not be listed, a note."""

    paths: tuple[str, ...]
    unlisted: tuple[Skipped, ...]
    note: str | None


def _check_root(root: Path) -> None:
    """An unreadable or missing root is a usage error (exit 2), not an empty repository."""
    try:
        os.listdir(root)
    except OSError as err:
        raise UsageError(f"cannot read folder {fsio.display_path(root)}: "
                         f"{err.strerror or err}") from err


def _git_files(root: Path) -> list[str] | None:
    try:
        done = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root, capture_output=True, check=False)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return sorted({n for n in done.stdout.decode("utf-8", "replace").split("\0") if n})


def repo_files(root: Path) -> RepoFiles:
    """Files git tracks under root (plus new ones it does not ignore); else a plain walk."""
    _check_root(root)
    names = _git_files(root)
    if names is not None:
        # A tracked file deleted from the work tree is not there to read: not a skip.
        return RepoFiles(tuple(n for n in names if os.path.lexists(root / n)), (), None)
    walked: list[str] = []
    unlisted: list[Skipped] = []

    def refused(err: OSError) -> None:
        rel = Path(str(err.filename)).relative_to(root).as_posix()
        unlisted.append(Skipped(rel + "/", f"folder not readable: {err.strerror or err}"))

    for folder, dirs, files in os.walk(root, onerror=refused):  # never follows folder links
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        rel = Path(folder).relative_to(root)
        walked += [(rel / f).as_posix() for f in sorted(files)]
    note = (f"{root.name or root} is not a git repository: scanned every file under it "
            f"except {', '.join(sorted(_SKIP_DIRS))}")
    return RepoFiles(tuple(walked), tuple(unlisted), note)


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def read_for_scan(root: Path, rel: str) -> str | Skipped:
    """A file's text (BOM removed), or why it was not read.

    Symlinks are not followed: one leading inside the repository is read
    where it leads, one leading out of it is not the repository's.
    """
    path = root / rel
    try:
        info = path.lstat()
    except OSError as err:
        return Skipped(rel, f"unreadable: {err.strerror or err}")
    if stat.S_ISLNK(info.st_mode):
        return Skipped(rel, "a symlink (not followed)", "symlink")
    if not stat.S_ISREG(info.st_mode):
        return Skipped(rel, "not a regular file")
    if info.st_size > SCAN_LIMIT:
        return Skipped(rel, f"{_mib(info.st_size)}, over the {_mib(SCAN_LIMIT)} scan limit")
    try:
        data = path.read_bytes()
    except OSError as err:
        return Skipped(rel, f"unreadable: {err.strerror or err}")
    if b"\0" in data:
        return Skipped(rel, "binary (it holds NUL bytes)", "binary")
    try:
        return fsio.decode(data, rel).body
    except PortsyncError as err:
        return Skipped(rel, err.message.split(";")[0])
