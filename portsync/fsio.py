"""Reading target files safely and writing them atomically; the only module that does IO."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from portsync.errors import PortsyncError, TargetError

MAX_BYTES = 16 * 1024 * 1024
TEMP_SUFFIX = ".portsync"  # temporary files are ".NAME.RANDOM.portsync" beside NAME
BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class FileText:
    """A decoded text file: its body without BOM, and whether it had one."""

    body: str
    bom: bool

    @property
    def full(self) -> str:
        """The text exactly as stored, BOM included."""
        return BOM + self.body if self.bom else self.body


def decode(data: bytes, label: str, error_type: type[PortsyncError] = TargetError) -> FileText:
    """Decode UTF-8 (BOM allowed and remembered); refuse binary and other encodings."""
    if b"\0" in data:
        raise error_type("binary file (it holds NUL bytes); refusing to edit it", where=label)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error_type(
            f"not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); refusing to edit it",
            where=label,
        ) from err
    if text.startswith(BOM):
        return FileText(text[1:], True)
    return FileText(text, False)


def read_text(path: Path, label: str, error_type: type[PortsyncError] = TargetError
              ) -> FileText | None:
    """The file's text, or None when it does not exist. Newlines are kept as stored."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise error_type(f"cannot read: {err.strerror}", where=label) from err
    size = info.st_size
    if stat.S_ISDIR(info.st_mode):
        raise error_type("is a folder, not a file", where=label)
    if not stat.S_ISREG(info.st_mode):  # reading a FIFO or a device would block or never end
        raise error_type("is not a regular file (a pipe or a device?); refusing it", where=label)
    if size > MAX_BYTES:
        raise error_type(f"file is {size} bytes, over the {MAX_BYTES >> 20} MiB limit",
                         where=label)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise error_type(f"cannot read: {err.strerror}", where=label) from err
    return decode(data, label, error_type)


def display_path(path: Path) -> str:
    """How messages name a file: relative to the current folder, with forward slashes."""
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def inside(root: Path, relative: str, label: str) -> Path:
    """``root / relative`` with every link resolved, refusing anything outside root."""
    if not relative or Path(relative).is_absolute() or Path(relative).drive:
        raise TargetError("target paths must be relative to the registry's folder", where=label)
    real_root = root.resolve()
    resolved = (root / relative).resolve()
    if not resolved.is_relative_to(real_root):
        raise TargetError("path leads outside the registry's folder; refusing it", where=label)
    return resolved


def check_writable(path: Path, label: str) -> None:
    """Refuse, before anything is written, a file or folder we must not write."""
    folder = path.parent
    if path.exists() and not path.stat().st_mode & stat.S_IWUSR:
        raise TargetError("file is read-only; refusing to write it", where=label)
    while not folder.exists():  # a file to create in folders to create (templates, create:)
        folder = folder.parent
    if not folder.is_dir():
        raise TargetError(f"{folder.name} is not a folder", where=label)
    if not os.access(folder, os.W_OK):
        raise TargetError("folder is not writable", where=label)


def _stage(path: Path, text: str) -> Path:
    """A temporary file beside ``path`` holding ``text`` with ``path``'s mode, on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_all(files: Iterable[tuple[Path, str, str]]) -> None:
    """Write ``(path, text, label)`` files: every temporary file first, then the renames.

    A failure while writing (disk full, permissions) leaves every file as it was;
    a crash at any moment leaves each file wholly old or wholly new.
    """
    staged: list[tuple[Path, Path, str]] = []
    label = ""
    try:
        for path, text, label in files:
            staged.append((_stage(path, text), path, label))
        while staged:
            tmp, path, label = staged[0]
            os.replace(tmp, path)
            staged.pop(0)
    except OSError as err:
        raise TargetError(f"cannot write: {err.strerror or err}", where=label) from err
    finally:
        for tmp, _, _ in staged:
            tmp.unlink(missing_ok=True)


def remove_stale_temps(paths: Iterable[Path]) -> None:
    """Remove temporary files a killed run left beside ``paths`` (only under the sync lock)."""
    folders: dict[Path, set[str]] = {}
    for path in paths:
        folders.setdefault(path.parent, set()).add(path.name)
    for folder, names in folders.items():
        with suppress(OSError):
            for entry in os.listdir(folder):
                if entry.startswith(".") and entry.endswith(TEMP_SUFFIX) and \
                        entry[1:-len(TEMP_SUFFIX)].rpartition(".")[0] in names:
                    (folder / entry).unlink(missing_ok=True)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) via a temp file and a rename, keeping its mode."""
    write_all([(path, text, path.name)])
