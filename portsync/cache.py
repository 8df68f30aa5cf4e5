"""A content-hash cache of in-sync ``--check`` answers, kept in the user's cache folder.

Only a run that found every file in sync is remembered: drift is always
recomputed and reported precisely. An entry is keyed by the request (tool
version, registry path, ``--env``, output options, working folder) and lists
every input the run read: each registry file (own and included), every file
of the templates folder, every target file, each with the hash of its bytes.
A later ``--check`` replays the answer only after reading every one of them
again under a cold run's guards (a regular file, inside the root, within the
size limit, never blocking on a FIFO) and finding the same bytes. The entry
is sealed by a hash over its whole content, so an entry that was edited or
damaged (``files: []``) is ignored, never trusted. The standard library only,
and no pathlib or dataclasses: a cache hit is answered before click loads.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from collections.abc import Sequence

from portsync import __version__

try:  # hashlib's own blake2b, without hashlib loading OpenSSL for the others (2 ms of start-up)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

SCHEMA = 3
MAX_BYTES = 16 * 1024 * 1024  # fsio.MAX_BYTES: what a cold run refuses, the cache never reads
# Templates are hashed after the run: one modified this close to its start may
# have changed while it was read, so such a run is not remembered.
_RACY_NS = 2_000_000_000
_MAX_TEMPLATE_FILES = 5_000  # a templates folder larger than this is not worth caching
_NONBLOCK = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def root(explicit: str | None) -> str:
    """The cache folder: ``$PORTSYNC_CACHE_DIR`` (given by the caller), else the platform's.

    Entries live in its ``check/``, git includes in its ``includes/``.
    """
    if not explicit:
        from platformdirs import user_cache_dir  # only when the variable is unset

        explicit = user_cache_dir("portsync", appauthor=False)
    return os.path.abspath(explicit)


def folder(explicit: str | None) -> str:
    """Where entries live: ``check/`` in the cache folder."""
    return os.path.join(root(explicit), "check")


def place(explicit: str | None) -> str:
    """``folder()``, found without importing platformdirs (~10 ms) where its rule is simple."""
    return guessed_folder(explicit) or folder(explicit)


def guessed_folder(explicit: str | None) -> str | None:
    """``folder()`` without importing platformdirs where its rule is simple, else None.

    Linux's XDG rule only (``tests/test_entry.py`` compares it with platformdirs').
    """
    if explicit:
        return folder(explicit)
    home = os.environ.get("HOME", "")
    if not sys.platform.startswith("linux") or not os.path.isabs(home):
        return None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = xdg if os.path.isabs(xdg) else os.path.join(home, ".cache")
    return os.path.join(base, "portsync", "check")


def digest(data: bytes) -> str:
    """A short content hash."""
    return blake2b(data, digest_size=16).hexdigest()


def read_regular(path: str) -> bytes | None:
    """The bytes of a regular file within MAX_BYTES, else None (a FIFO or device is not opened)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | _NONBLOCK)  # a FIFO swapped in meanwhile cannot block
    except (OSError, ValueError):  # missing, a symlink loop, a NUL byte in the name...
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        return None  # it grew past the limit while being read
    except OSError:
        return None
    finally:
        os.close(fd)


class _Root:
    """Resolves paths under the registry's folder, refusing any that lead outside it."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.real = os.path.realpath(root)
        self._folders: dict[str, str] = {}

    def inside(self, real: str) -> bool:
        """Whether a resolved path lies inside the root."""
        return real == self.real or real.startswith(self.real.rstrip(os.sep) + os.sep)

    def resolve(self, relative: str) -> str | None:
        """``root/relative`` with links resolved, or None when it leads outside the root."""
        if not relative or os.path.isabs(relative):
            return None
        path = os.path.join(self.root, relative)
        parent, name = os.path.split(path)
        real_parent = self._folders.get(parent)
        if real_parent is None:
            real_parent = self._folders[parent] = os.path.realpath(parent)
        try:
            linked = stat.S_ISLNK(os.lstat(path).st_mode)
        except (OSError, ValueError):
            return None
        real = os.path.realpath(path) if linked else os.path.join(real_parent, name)
        return real if self.inside(real) else None


def tree_digest(top: str, root: _Root, racy_after: int | None = None) -> str | None:
    """Hash of a folder's file names and bytes, "-" if absent; None if it cannot be trusted.

    Untrusted: a file that is not regular, over the limit, leading outside the
    root, modified after ``racy_after``, or too many files.
    """
    real_top = os.path.realpath(top)
    if not os.path.isdir(real_top):
        return "-"
    if not root.inside(real_top):
        return None
    combined = blake2b(digest_size=16)
    seen: set[str] = set()
    count = 0
    for dirpath, dirnames, filenames in os.walk(top, followlinks=True):
        real = os.path.realpath(dirpath)
        if not root.inside(real):
            return None
        if real in seen:  # a link loop
            dirnames.clear()
            continue
        seen.add(real)
        dirnames.sort()
        for name in sorted(filenames):
            count += 1
            path = os.path.join(dirpath, name)
            if count > _MAX_TEMPLATE_FILES or not root.inside(os.path.realpath(path)):
                return None
            if racy_after is not None and os.stat(path).st_mtime_ns >= racy_after:
                return None
            data = read_regular(path)
            if data is None:
                return None
            combined.update(f"{os.path.relpath(path, top)}\0{digest(data)}\n".encode())
    return combined.hexdigest()


def request_key(registry: str, envs: Sequence[str] | None, output: str, quiet: bool,
                verbose: bool, cwd: str) -> list[object]:
    """What an answer depends on besides its inputs (and the tool version).

    The CLI and the entry point both build it; ``envs`` is normalized here (no
    ``--env``: None) so that the two always name the same entry.
    """
    return [SCHEMA, __version__, registry, list(envs) if envs else None, output, quiet,
            verbose, cwd]


def entry_path(cache_folder: str, key: list[object]) -> str:
    """The file holding the answer to one request."""
    name = digest(json.dumps(key).encode())
    return os.path.join(cache_folder, f"{name}.json")


class Answer:
    """A remembered in-sync answer: the report's lines, and the lines as each stream showed them.

    ``shown`` maps "out" and "err" to [plain lines, colored lines], exactly as
    printed with colors off and on, so the entry point can print them without click.
    """

    __slots__ = ("headline", "shown", "stderr", "stdout")

    def __init__(self, stdout: list[str], stderr: list[str], headline: str | None,
                 shown: dict[str, list[list[str]]]) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.headline = headline
        self.shown = shown

    def to_json(self) -> dict[str, object]:
        """The answer as stored."""
        return {"stdout": self.stdout, "stderr": self.stderr, "headline": self.headline,
                "shown": self.shown}

    @classmethod
    def from_json(cls, data: object) -> Answer | None:
        """The stored answer, or None if it is not of the stored shape."""
        if not isinstance(data, dict):
            return None
        stdout, stderr, headline, shown = (data.get(k) for k in
                                           ("stdout", "stderr", "headline", "shown"))
        if not (_lines(stdout) and _lines(stderr) and isinstance(headline, str | None)
                and isinstance(shown, dict) and sorted(shown) == ["err", "out"]
                and all(isinstance(v, list) and len(v) == 2 and all(_lines(x) for x in v)
                        for v in shown.values())):
            return None
        return cls(stdout, stderr, headline, shown)  # type: ignore[arg-type]


def _seal(body: dict[str, object]) -> str:
    return digest(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def _lines(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(line, str) for line in value)


def lookup(cache_folder: str, key: list[object]) -> Answer | None:
    """The remembered answer to ``key`` if its seal holds and every input reads the same."""
    try:
        path = entry_path(cache_folder, key)
        with open(path, "rb") as handle:
            entry = json.loads(handle.read())
        if not isinstance(entry, dict) or entry.pop("seal", None) != _seal(entry):
            return None  # damaged, edited or foreign
        if entry["key"] != key:
            return None
        root = _Root(os.path.dirname(str(key[2])))
        for registry, expected in entry["registries"]:
            data = read_regular(registry)
            if data is None or digest(data) != expected:
                return None
        if tree_digest(entry["templates_dir"], root) != entry["templates"]:
            return None
        for relative, expected in entry["files"]:
            real = root.resolve(relative)
            data = read_regular(real) if real is not None else None
            if data is None or digest(data) != expected:
                return None
        return Answer.from_json(entry["answer"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # unreadable or of an unexpected shape: recompute


class Recorder:
    """Collects a cold ``--check``'s inputs and stores its answer if everything was in sync."""

    def __init__(self, cache_folder: str, key: list[object]) -> None:
        self.cache_folder = cache_folder
        self.key = key
        self.started = time.time_ns()
        registry = str(key[2])
        data = read_regular(registry)
        self.registry_digest = digest(data) if data is not None else None

    def store(self, registries: list[tuple[str, str]], templates_dir: str,
              files: list[tuple[str, str | None]], answer: Answer) -> None:
        """Remember an in-sync answer.

        ``registries`` are (path, digest of the bytes read) of every registry
        file, own and included; ``files`` (path as written, text read or None)
        of every target. Nothing is stored when an input cannot be trusted
        (the registry changed during the run, a template modified just now or
        not a regular file). Failures are silent.
        """
        rows = dict(registries)
        own = str(self.key[2])
        if self.registry_digest is None or \
                rows.setdefault(own, self.registry_digest) != self.registry_digest:
            return  # the registry changed during the run
        templates = tree_digest(templates_dir, _Root(os.path.dirname(own)),
                                self.started - _RACY_NS)
        if templates is None or any(text is None for _, text in files):
            return
        body: dict[str, object] = {
            "key": self.key, "registries": sorted([p, d] for p, d in rows.items()),
            "templates_dir": templates_dir, "templates": templates, "answer": answer.to_json(),
            "files": [[rel, digest(text.encode("utf-8"))] for rel, text in files
                      if text is not None],
        }
        body["seal"] = _seal(body)
        self._write(json.dumps(body, separators=(",", ":")))

    def _write(self, text: str) -> None:
        target = entry_path(self.cache_folder, self.key)
        temporary = f"{target}.{os.getpid()}.tmp"
        try:
            os.makedirs(self.cache_folder, exist_ok=True)
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, target)
        except OSError:
            return  # a read-only or full disk only costs later runs the shortcut
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
