"""A content-hash cache of in-sync ``--check`` answers in ``.portsync-cache/`` beside ports.yaml.

Only a run that found every file in sync is remembered: drift is always
recomputed and reported precisely. An entry holds the hash of every input the
run read (the registry's bytes, every file of the templates folder, every
target file's bytes) and the lines it printed; it is keyed by the tool version,
the registry's path, the ``--env`` selection, the output options and the
working folder. A later ``--check`` whose inputs all hash the same replays the
answer without importing ruamel, jinja2 or deepdiff. This module imports only
the standard library, and any problem reading the cache means "recompute".
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portsync import __version__

if TYPE_CHECKING:
    from portsync.mode import Mode
    from portsync.report import Output
    from portsync.sync import SyncResult

CACHE_DIR = ".portsync-cache"
_SCHEMA = 2
# A template modified this close to the run may have changed while it rendered
# (file systems with coarse timestamps included): such a run is not remembered.
_RACY_NS = 2_000_000_000
_MISSING = "-"


@dataclass(frozen=True, slots=True)
class Answer:
    """A remembered in-sync answer: the lines printed, the exit code and the headline."""

    stdout: tuple[str, ...]
    stderr: tuple[str, ...]
    code: int
    headline: str | None


@dataclass(frozen=True, slots=True)
class Request:
    """One ``--check`` as asked: registry, environments, output options, working folder."""

    registry: Path
    envs: tuple[str, ...] | None
    output: str
    quiet: bool
    cwd: str

    @property
    def folder(self) -> Path:
        """The cache folder beside the registry."""
        return self.registry.parent / CACHE_DIR

    @property
    def entry(self) -> Path:
        """The file holding this request's remembered answer."""
        key = json.dumps([_SCHEMA, __version__, str(self.registry), self.envs, self.output,
                          self.quiet, self.cwd])
        return self.folder / f"check-{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def digest(data: bytes) -> str:
    """A short content hash."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _file_digest(path: Path | str) -> str:
    try:
        with open(path, "rb") as handle:
            return digest(handle.read())
    except FileNotFoundError:
        return _MISSING


def _tree_files(folder: Path) -> Iterator[str]:
    """Every file under folder (links followed, loops skipped), in a stable order."""
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames.clear()
            continue
        seen.add(real)
        dirnames.sort()
        for name in sorted(filenames):
            yield os.path.join(dirpath, name)


def tree_digest(folder: Path, racy_after: int | None = None) -> str | None:
    """Hash of a folder's file names and bytes; None if a file changed after ``racy_after``."""
    if not folder.is_dir():
        return _MISSING
    combined = hashlib.blake2b(digest_size=16)
    for path in _tree_files(folder):
        if racy_after is not None and os.stat(path).st_mtime_ns >= racy_after:
            return None
        combined.update(f"{os.path.relpath(path, folder)}\0{_file_digest(path)}\n".encode())
    return combined.hexdigest()


class CheckCache:
    """One ``--check``'s use of the cache: ``answer()`` first, ``remember()`` after a run."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.started = time.time_ns()
        self.registry_digest = _file_digest(request.registry)

    def _entry(self) -> dict[str, Any] | None:
        data = json.loads(self.request.entry.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("schema") != _SCHEMA:
            return None
        if data.get("version") != __version__ or data.get("registry") != self.registry_digest:
            return None
        return data

    def answer(self) -> Answer | None:
        """The remembered answer if every input hashes as it did, else None."""
        try:
            data = self._entry()
            if data is None:
                return None
            if tree_digest(Path(data["templates_dir"])) != data["templates"]:
                return None
            root = self.request.registry.parent
            for relative, expected in data["files"]:
                if _file_digest(root / relative) != expected:
                    return None
            answer = Answer(tuple(data["stdout"]), tuple(data["stderr"]), data["code"],
                            data["headline"])
            if not all(isinstance(line, str) for line in answer.stdout + answer.stderr) or \
                    not isinstance(answer.headline, str | None):
                return None
            return answer if answer.code == 0 else None
        except (OSError, ValueError, TypeError, KeyError):
            return None  # unreadable, foreign or corrupt: recompute

    def remember(self, result: SyncResult, answer: Answer) -> None:
        """Store an in-sync answer (anything else is ignored); failures are silent."""
        if answer.code != 0 or result.changed or result.templates_dir is None:
            return
        with contextlib.suppress(OSError):  # a read-only disk only costs later runs the shortcut
            self._store(result, result.templates_dir, answer)

    def _store(self, result: SyncResult, templates_dir: Path, answer: Answer) -> None:
        if _file_digest(self.request.registry) != self.registry_digest:
            return  # the registry changed during the run
        templates = tree_digest(templates_dir, self.started - _RACY_NS)
        if templates is None:
            return
        files = [[change.path, _MISSING if change.before is None
                  else digest(change.before.encode("utf-8"))] for change, _ in result.files]
        entry = {"schema": _SCHEMA, "version": __version__, "registry": self.registry_digest,
                 "templates_dir": str(templates_dir), "templates": templates, "files": files,
                 "stdout": list(answer.stdout), "stderr": list(answer.stderr),
                 "code": answer.code, "headline": answer.headline}
        folder = self.request.folder
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# written by portsync: nothing here belongs in git\n*\n",
                              encoding="utf-8")
        temporary = self.request.entry.with_suffix(f".{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps(entry, separators=(",", ":")), encoding="utf-8")
            os.replace(temporary, self.request.entry)
        finally:
            temporary.unlink(missing_ok=True)


def cached_check(registry: Path, mode: Mode, compute: Callable[[], tuple[SyncResult, Output]]
                 ) -> Output:
    """A ``--check`` answered from the cache if no input changed, else computed and remembered."""
    from portsync.report import Output  # already imported by the CLI that calls this

    cache = CheckCache(Request(registry.absolute(), mode.envs, mode.output, mode.quiet,
                               os.getcwd()))
    hit = cache.answer()
    if hit is not None:
        return Output(list(hit.stdout), list(hit.stderr), hit.code, hit.headline)
    result, output = compute()
    cache.remember(result, Answer(tuple(output.stdout), tuple(output.stderr), output.code,
                                  output.headline))
    return output
