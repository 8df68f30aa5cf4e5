"""Reading target files safely and writing them atomically; the only module that does IO."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path

from portsync.errors import PortsyncError, TargetError
from portsync.records import Record

MAX_BYTES = 16 * 1024 * 1024
TEMP_SUFFIX = ".portsync"  # temporary files are ".NAME.RANDOM.portsync" beside NAME
BOM = "\ufeff"
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer
_BINARY = getattr(os, "O_BINARY", 0)


class FileText(Record):
    """A decoded text file: its body without BOM, and whether it had one."""

    body: str
    bom: bool

    @property
    def full(self) -> str:
        """The text exactly as stored, BOM included."""
        return BOM + self.body if self.bom else self.body


class Write(Record):
    """One file to write: the text it must still hold (None: it must not exist) and the new one."""

    path: Path
    before: str | None
    after: str
    label: str


class Staged(Record):
    """A write whose new text waits on disk in ``temp``, beside its file."""

    write: Write
    temp: Path


# Every file portsync reads goes through decode: targets, registries, templates, the journal.
_TEXT_ONLY = "; portsync reads UTF-8 text only"


def decode(data: bytes, label: str, error_type: type[PortsyncError] = TargetError) -> FileText:
    """Decode UTF-8 (BOM allowed and remembered); refuse binary and other encodings."""
    if b"\0" in data:
        raise error_type(f"binary file (it holds NUL bytes){_TEXT_ONLY}", where=label)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error_type(
            f"not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}){_TEXT_ONLY}",
            where=label,
        ) from err
    if text.startswith(BOM):
        return FileText(text[1:], True)
    return FileText(text, False)


def _open_error(path: str | Path, err: OSError, label: str, error_type: type[PortsyncError]
                ) -> PortsyncError:
    if err.errno == errno.ENOTDIR:
        return error_type(f"{_blocking_parent(Path(path))} is not a folder", where=label)
    if err.errno == errno.ELOOP:
        return error_type("is a symlink loop", where=label)
    return error_type(f"cannot read: {err.strerror or err}", where=label)


def _blocking_parent(path: Path) -> str:
    """The first ancestor of ``path`` that exists but is not a folder (how messages name it)."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            return parent.name
    return path.parent.name


def read_bytes(path: str | Path, label: str, error_type: type[PortsyncError] = TargetError
               ) -> bytes | None:
    """The bytes of a regular file of at most MAX_BYTES, or None when it does not exist.

    The file is opened first and checked through its descriptor, so a file
    swapped for a FIFO or a huge one after a check is never read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _BINARY)
    except FileNotFoundError:
        return None
    except IsADirectoryError as err:  # Windows cannot open a folder
        raise error_type("is a folder, not a file", where=label) from err
    except OSError as err:
        raise _open_error(path, err, label, error_type) from err
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error_type("is a folder, not a file", where=label)
        if not stat.S_ISREG(info.st_mode):  # reading a FIFO or a device would block or never end
            raise error_type("is not a regular file (a pipe or a device?); refusing it",
                             where=label)
        if info.st_size > MAX_BYTES:
            raise error_type(f"file is {info.st_size} bytes, over the {MAX_BYTES >> 20} MiB limit",
                             where=label)
        data = _read_all(fd, info.st_size)
    except OSError as err:
        raise error_type(f"cannot read: {err.strerror or err}", where=label) from err
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:  # it grew after the check
        raise error_type(f"file is over the {MAX_BYTES >> 20} MiB limit", where=label)
    return data


def _read_all(fd: int, size: int) -> bytes:
    """Everything up to end of file (at most MAX_BYTES + 1 bytes), read on the descriptor.

    A file of ``size`` bytes takes two reads, the second finding its end: no
    file object is made (thousands of small target files per run).
    """
    parts = []
    total = 0
    while total <= MAX_BYTES:
        part = os.read(fd, max(size + 1 - total, 1 << 16))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_text(path: str | Path, label: str, error_type: type[PortsyncError] = TargetError
              ) -> FileText | None:
    """The file's text, or None when it does not exist. Newlines are kept as stored."""
    data = read_bytes(path, label, error_type)
    return None if data is None else decode(data, label, error_type)


def display_path(path: str | Path) -> str:
    """How messages name a file: relative to the current folder, with forward slashes."""
    text = os.fspath(path)
    if os.sep == "/":  # relpath's answer for a normalized path under the current folder
        cwd = os.getcwd()
        if text.startswith(cwd) and text[len(cwd):len(cwd) + 1] == "/" and cwd != "/" \
                and len(text) > len(cwd) + 1 and os.path.normpath(text) == text:
            return text[len(cwd) + 1:]
    try:
        return os.path.relpath(text).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return Path(text).as_posix()


def shown(path_text: str) -> str:
    """A path as written, printable: a NUL byte becomes a backslash and 0."""
    return path_text.replace("\0", "\\0")


def resolve(path: Path, label: str, error_type: type[PortsyncError] = TargetError) -> Path:
    """``path`` with every link resolved; a symlink loop or a NUL byte is an error."""
    if "\0" in str(path):
        raise error_type("the path holds a NUL byte; refusing it", where=shown(label))
    real = os.path.realpath(path)  # a string: pathlib's resolve() cost 2 Path objects a call
    try:
        os.stat(real)  # realpath() does not raise on a loop (before 3.13); stat() does
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise error_type("is a symlink loop", where=label) from err
    return Path(real)


def inside(root: Path, relative: str, label: str, known: dict[str, str] | None = None
           ) -> Path:
    """``root / relative`` with every link resolved, refusing anything outside root.

    ``known`` remembers, for one run, the real path of each folder resolved so
    far (relative to root): thousands of targets share a few folders, so each
    path costs one look at its last step, and a new folder one more.
    """
    return Path(real_inside(root, relative, label, known))


def real_inside(root: Path, relative: str, label: str, known: dict[str, str] | None = None
                ) -> str:
    """What inside() answers, as text (a Path costs more than resolving it, for a plan)."""
    if not relative or os.path.isabs(relative) or os.path.splitdrive(relative)[0]:
        raise TargetError("target paths must be relative to the registry's folder",
                          where=shown(label))
    if known is None:
        known = {}
    real_root = known.get("")
    if real_root is None:
        real_root = known[""] = os.path.realpath(root)
    resolved = _resolve_below(root, real_root, relative, label, known)
    if not (resolved == real_root or resolved.startswith(real_root.rstrip(os.sep) + os.sep)):
        raise TargetError("path leads outside the registry's folder; refusing it", where=label)
    return resolved


def _resolve_below(root: Path, real_root: str, relative: str, label: str,
                   known: dict[str, str]) -> str:
    """What resolve(root / relative) answers, one step at a time from the folders in ``known``.

    A step that is a link (or a ``..``, or anything on Windows) resolves the
    whole path the long way; any other step only extends its folder's real path,
    as realpath() would.
    """
    parts = [p for p in relative.split("/") if p and p != "."]
    if os.sep != "/" or "\0" in relative or not parts or ".." in parts:
        return str(resolve(root / relative, label))
    folder = "/".join(parts[:-1])
    real = known.get(folder) if folder else real_root
    if real is None:  # a folder not met yet: each of its steps not met yet
        real, prefix = real_root, ""
        for name in parts[:-1]:
            prefix = f"{prefix}/{name}" if prefix else name
            found = known.get(prefix)
            if found is None:
                found = _step(real, name)
                if found is None:
                    return str(resolve(root / relative, label))
                known[prefix] = found
            real = found
    found = _step(real, parts[-1])
    return str(resolve(root / relative, label)) if found is None else found


def _step(real: str, name: str) -> str | None:
    """The real path of ``name`` in the real folder ``real``; None if it is a link."""
    candidate = os.path.join(real, name)
    try:
        if stat.S_ISLNK(os.lstat(candidate).st_mode):
            return None
    except OSError:
        pass  # missing (realpath keeps the name), or not a folder: as realpath does
    return candidate


def _writable_bits(path: Path) -> bool:
    # Root may write anything; portsync still honours the bits the user set.
    return bool(path.stat().st_mode & stat.S_IWUSR) and os.access(path, os.W_OK)


def check_writable(path: Path, label: str) -> None:
    """Refuse, before anything is written, a file or folder we must not write."""
    folder = path.parent
    if path.exists() and not _writable_bits(path):
        raise TargetError("file is read-only; refusing to write it", where=label)
    while not folder.exists():  # a file to create in folders to create (templates, create:)
        folder = folder.parent
    if not folder.is_dir():
        raise TargetError(f"{folder.name} is not a folder", where=label)
    if not _writable_bits(folder):
        raise TargetError(f"folder {display_path(folder)} is not writable; refusing to write",
                          where=label)


def _missing_parents(path: Path) -> list[Path]:
    """The folders above ``path`` that do not exist yet, outermost first."""
    return [p for p in reversed(path.parents) if not p.exists()]


def stage(path: Path, text: str) -> Path:
    """A temporary file beside ``path`` holding ``text`` with ``path``'s mode, on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only a writing run needs it (start-up time)

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


def stage_all(writes: Iterable[Write]) -> list[Staged]:
    """Stage every write; on any failure remove what was staged and raise (nothing changed)."""
    staged: list[Staged] = []
    label = ""
    try:
        for write in writes:
            label = write.label
            staged.append(Staged(write, stage(write.path, write.after)))
    except OSError as err:
        discard(staged)
        raise TargetError(f"cannot write: {err.strerror or err}", where=label) from err
    except BaseException:
        discard(staged)
        raise
    return staged


def discard(staged: Iterable[Staged]) -> None:
    """Remove temporary files that were not renamed."""
    for item in staged:
        item.temp.unlink(missing_ok=True)


def holds(path: Path, text: str | None) -> bool:
    """Whether ``path`` holds exactly ``text`` (None: whether it does not exist)."""
    try:
        data = read_bytes(path, path.name)
    except PortsyncError:  # now a folder, a FIFO, too big...: not what was read
        return False
    if data is None:
        return text is None and not os.path.lexists(path)
    return text is not None and data == text.encode("utf-8")


def check_unchanged(writes: Sequence[Write]) -> None:
    """Refuse (naming every such file) if a file changed since the plan read it."""
    problems = [TargetError("changed on disk since portsync read it; not overwritten, nothing "
                            "written (run portsync again)", where=w.label)
                for w in writes if not holds(w.path, w.before)]
    if len(problems) == 1:
        raise problems[0]
    if problems:
        from portsync.errors import ProblemList

        raise ProblemList(problems)


def sync_folders(paths: Iterable[Path]) -> None:
    """Make renames in the folders of ``paths`` durable (a no-op where folders cannot be opened)."""
    for folder in {p.parent for p in paths}:
        with suppress(OSError):
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def write_all(writes: Sequence[Write]) -> None:
    """Stage every file, check none changed since it was read, then rename them one by one.

    A failure before the renames leaves every file as it was. The renames are
    not one atomic step: callers that write several files under the sync lock
    record them in the journal first (``journal.py``).
    """
    staged = stage_all(writes)
    try:
        check_unchanged(writes)
        rename_all(staged)
    finally:
        discard(staged)


def rename_all(staged: list[Staged], recheck: bool = False) -> list[TargetError]:
    """Rename each staged file over its target, in order; stop at the first failure.

    ``recheck``: compare each file with what was read once more, just before
    its own rename. The check before all the renames leaves a window of the
    whole commit (a few milliseconds for 200 files) in which a program that
    ignores the sync lock could save an edit that the rename then replaces;
    this narrows it to one comparison and one rename. A file that changed
    keeps its edit (its staged text is dropped) and comes back as a problem.
    """
    paths = [item.write.path for item in staged]
    problems: list[TargetError] = []
    while staged:
        item = staged[0]
        if recheck and not holds(item.write.path, item.write.before):
            problems.append(TargetError("changed on disk while portsync wrote the other files; "
                                        "not overwritten (run portsync again)",
                                        where=item.write.label))
            with suppress(OSError):
                item.temp.unlink()
            staged.pop(0)
            continue
        try:
            os.replace(item.temp, item.write.path)
        except OSError as err:
            raise TargetError(f"cannot write: {err.strerror or err}",
                              where=item.write.label) from err
        staged.pop(0)
    sync_folders(paths)
    return problems


def create_all(files: Sequence[tuple[Path, str, str]]) -> None:
    """Create each ``(path, text, label)`` file, none of which may exist: all of them or none.

    Each file appears whole or not at all (a hard link of a complete temporary
    file), and an existing file is never replaced, even one created meanwhile.
    """
    made: list[Path] = []
    folders = [f for path, _, _ in files for f in _missing_parents(path)]
    try:
        for path, text, label in files:
            _create(path, text, label)
            made.append(path)
    except BaseException:
        for path in made:
            path.unlink(missing_ok=True)
        for folder in reversed(folders):
            with suppress(OSError):
                folder.rmdir()
        raise


def _create(path: Path, text: str, label: str) -> None:
    try:
        temp = stage(path, text)
    except OSError as err:
        raise TargetError(f"cannot write: {err.strerror or err}", where=label) from err
    try:
        os.link(temp, path)
    except FileExistsError as err:
        raise TargetError("already exists; refusing to overwrite it (nothing written)",
                          where=label) from err
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
            raise TargetError(f"cannot write: {err.strerror or err}", where=label) from err
        _create_in_place(path, text, label)  # a file system without hard links
    finally:
        temp.unlink(missing_ok=True)
    sync_folders([path])


def _create_in_place(path: Path, text: str, label: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
    except FileExistsError as err:
        raise TargetError("already exists; refusing to overwrite it (nothing written)",
                          where=label) from err
    except OSError as err:
        raise TargetError(f"cannot write: {err.strerror or err}", where=label) from err
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as err:
        path.unlink(missing_ok=True)
        raise TargetError(f"cannot write: {err.strerror or err}", where=label) from err


def create_new(path: Path, text: str, label: str) -> None:
    """Create ``path`` holding ``text``; refuse (writing nothing) if it exists."""
    create_all([(path, text, label)])


def replace_locked(path: Path, before: str, after: str, label: str,
                   lock_folder: Path | None = None) -> None:
    """Replace the text of an existing file under the sync lock, if it still holds ``before``.

    ``before`` is the text as read (BOM included). A symlink is written
    through: the file it leads to is replaced and the link stays. The lock is
    the one of ``lock_folder`` (default: the folder of ``path``, where the sync
    lock of a registry lives); without it nothing is written.
    """
    from portsync import lock

    real = resolve(path, label)
    check_writable(real, label)
    with lock.exclusive(lock_folder or path.parent) as refused:
        if refused is not None:
            raise TargetError(f"cannot take the sync lock ({refused}); refusing to write "
                              "(nothing written)", where=label)
        write_all([Write(real, before, after, label)])


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` whatever it holds (no lock, no check: see replace_locked)."""
    staged = stage_all([Write(path, None, text, path.name)])
    try:
        rename_all(staged)
    finally:
        discard(staged)


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
