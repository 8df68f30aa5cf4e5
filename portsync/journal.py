"""The journal of pending renames: a write of several files is finished even across a crash.

A writing run stages every new text in a temporary file beside its target,
then records the renames it is about to make in ``.portsync.journal`` beside
the sync lock (written atomically and fsynced), renames the files one after
another, and removes the journal. A run killed between two renames leaves some
targets new and the others old (each one whole), the temporary files of the
old ones, and the journal. The next writing run, under the lock and before it
plans, finishes every recorded rename whose target still holds what the killed
run read, and reports the ones whose target changed since (their pending text
is dropped: an edit made meanwhile is never overwritten). ``--check`` and
``--dry-run`` take no lock: they report a pending journal without touching it.
"""

from __future__ import annotations

import os
import re
from contextlib import suppress
from pathlib import Path

from portsync import fsio
from portsync.errors import TargetError, raise_all
from portsync.model import Notice, Source

JOURNAL_NAME = ".portsync.journal"


def _sha256(data: bytes) -> str:
    import hashlib  # here: a check without a pending journal needs none of this module's work

    return hashlib.sha256(data).hexdigest()


def _digest(text: str | None) -> str | None:
    return None if text is None else _sha256(text.encode("utf-8"))


def _file_digest(path: Path) -> str | None:
    data = fsio.read_bytes(path, path.name)
    return None if data is None else _sha256(data)


def commit(folder: Path, staged: list[fsio.Staged]) -> None:
    """Record the renames of ``staged``, make them in order, then drop the record.

    Each file is compared with what the plan read just before its rename: one
    changed meanwhile (by a program that ignores the sync lock) keeps that edit
    and is refused once the others are written. If a rename fails or the run
    is interrupted, the journal and the temporary files not yet renamed stay
    for the next run (``staged`` is emptied: they are no longer the caller's
    to remove).
    """
    import json

    root = folder.resolve()
    entries = [{"temp": s.temp.relative_to(root).as_posix(),
                "path": s.write.path.relative_to(root).as_posix(),
                "before": _digest(s.write.before), "after": _digest(s.write.after)}
               for s in staged]
    journal = folder / JOURNAL_NAME
    fsio.write_atomic(journal, json.dumps({"portsync_journal": 1, "renames": entries}) + "\n")
    total = len(staged)
    try:
        problems = fsio.rename_all(staged, recheck=True)
    except TargetError as err:
        left = len(staged)
        staged.clear()
        raise TargetError(f"{err.message}; {total - left} of {total} files written, the other "
                          f"{left} wait in {JOURNAL_NAME}: run portsync again to finish",
                          where=err.where) from err
    except BaseException:
        staged.clear()  # interrupted: the next run finishes from the journal
        raise
    journal.unlink()
    fsio.sync_folders([journal])
    raise_all(list(problems))


def _entries(folder: Path) -> list[dict[str, str | None]] | None:
    label = fsio.display_path(folder / JOURNAL_NAME)
    data = fsio.read_text(folder / JOURNAL_NAME, label)
    if data is None:
        return None
    import json

    try:
        document = json.loads(data.body)
        renames = document["renames"]
        if document.get("portsync_journal") != 1 or not isinstance(renames, list):
            raise ValueError("not a portsync journal")
        return [_entry(item) for item in renames]
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise TargetError("unreadable journal of an interrupted run; check the files it "
                          "names, then delete it", where=label) from err


def _entry(item: object) -> dict[str, str | None]:
    if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("temp", "path", "after")) or \
            not isinstance(item.get("before"), (str, type(None))):
        raise ValueError("a malformed entry")
    return {k: item[k] for k in ("temp", "path", "before", "after")}


def _notice(folder: Path, message: str) -> Notice:
    return Notice(Source(fsio.display_path(folder / JOURNAL_NAME), 0, 0), message)


def pending(folder: Path) -> list[Notice]:
    """A warning when an interrupted run left renames to finish (read only, no lock needed)."""
    try:
        entries = _entries(folder)
    except TargetError as err:
        return [_notice(folder, err.message)]
    if entries is None:
        return []
    waiting = [e for e in entries if (folder.resolve() / str(e["temp"])).exists()]
    return [_notice(folder, f"an interrupted portsync run left {len(waiting)} of {len(entries)} "
                            "files to write; run portsync to finish it")]


def _temp_of(root: Path, entry: dict[str, str | None]) -> tuple[Path, Path]:
    """The temp file and target of an entry, both checked to lie inside root, side by side."""
    path, temp = root / str(entry["path"]), root / str(entry["temp"])
    shape = rf"\.{re.escape(path.name)}\.[^/\\]+{re.escape(fsio.TEMP_SUFFIX)}"
    if temp.parent != path.parent or not re.fullmatch(shape, temp.name) or \
            not fsio.resolve(path.parent, JOURNAL_NAME).is_relative_to(root):
        raise TargetError(f"journal entry {entry['path']!r} is not a portsync rename; check "
                          "the files it names, then delete it", where=JOURNAL_NAME)
    return temp, path


def recover(folder: Path) -> list[Notice]:
    """Finish the renames an interrupted run left (call under the sync lock); what was done."""
    entries = _entries(folder)
    if entries is None:
        return []
    root = folder.resolve()
    done, dropped = [], []
    for entry in entries:
        temp, path = _temp_of(root, entry)
        if not temp.exists():
            continue  # renamed before the run stopped
        shown = fsio.display_path(path)
        if _file_digest(temp) == entry["after"] and _file_digest(path) == entry["before"]:
            os.replace(temp, path)
            done.append(shown)
        else:
            temp.unlink()
            dropped.append(shown)
    fsio.sync_folders([root / str(e["path"]) for e in entries])
    with suppress(FileNotFoundError):
        (folder / JOURNAL_NAME).unlink()
    notes = []
    if done:
        notes.append(_notice(folder, f"finished the writes of an interrupted run: "
                                     f"{', '.join(done)}"))
    if dropped:
        notes.append(_notice(folder, "an interrupted run's pending write was dropped, the file "
                                     f"changed since: {', '.join(dropped)}"))
    return notes
