"""Reading target files safely and writing them atomically; the only module that does IO."""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from portsync.errors import PortsyncError, TargetError

MAX_BYTES = 16 * 1024 * 1024
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
    if path.exists():
        if not path.stat().st_mode & stat.S_IWUSR:
            raise TargetError("file is read-only; refusing to write it", where=label)
    elif not folder.is_dir():
        raise TargetError(f"folder {folder.name}/ does not exist", where=label)
    if not os.access(folder, os.W_OK):
        raise TargetError("folder is not writable", where=label)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) via a temp file and a rename, keeping its mode."""
    data = text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".portsync")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
