"""Semantic drift for --check: what a file holds versus what the registry implies."""

from __future__ import annotations

from collections.abc import Iterable

from portsync import lazyre
from portsync.errors import clip
from portsync.model import FileChange, ValueChange
from portsync.records import Record

# A file whose text would change while none of its values does (its values are right, but
# written otherwise): rare, and never reported as a generated file.
TEXT_DIFFERS = "holds the right values, but not as portsync writes them"
_BREAKS_LINE = lazyre.Lazy(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


class Drift(Record):
    """One drifted value, block or file, ready to be reported."""

    path: str
    line: int | None
    key: str | None
    found: str | None
    expected: str | None
    label: str | None = None

    @property
    def message(self) -> str:
        """The part after ``PATH:LINE:``."""
        if self.key is None:
            return self.label or "out of date"
        found = "nothing (missing)" if self.found is None else _shown(self.found)
        return f"{self.key}: found {found}, expected {_shown(self.expected)}"


def _shown(value: str | None) -> str:
    """A value as a drift line shows it: quoted if it breaks the line, cut to a readable length."""
    if value is not None and _BREAKS_LINE.search(value):
        import json  # lazy: only a value holding a line break needs it

        return clip(json.dumps(value, ensure_ascii=False), 200)
    return clip(str(value), 200)


def _value_drifts(path: str, values: list[ValueChange]) -> list[Drift]:
    """Every value whose held and implied forms differ: first in value, then in type.

    These are flat pairs of strings (or None for a missing key), so a direct
    comparison gives what deepdiff's values_changed and type_changes gave, in
    the same order, without its import (about 100 ms on every check that drifts).
    """
    changed = [c for c in values if type(c.found) is type(c.expected) and c.found != c.expected]
    retyped = [c for c in values if type(c.found) is not type(c.expected)]
    drifts = [Drift(path, c.line, c.key, c.found, c.expected) for c in changed + retyped]
    return sorted(drifts, key=lambda d: (d.line or 0, d.key or ""))


def file_drifts(change: FileChange, shown_path: str) -> list[Drift]:
    """Every drift in one planned file, values first by line, then blocks and the file.

    A file that would change always has at least one: when no value differs as
    a value (only its text would change), the file is out of date as a whole.
    """
    values = [c for c in change.changes if c.key is not None]
    others = [Drift(shown_path, c.line, None, None, None, c.label)
              for c in change.changes if c.key is None]
    found = others + (_value_drifts(shown_path, values) if values else [])
    if not found and change.changed:
        found = [Drift(shown_path, None, None, None, None, TEXT_DIFFERS)]
    return found


def plan_drifts(files: Iterable[tuple[FileChange, str]]) -> list[Drift]:
    """Drifts of every changed file, each with the path it is shown under."""
    return [d for f, p in files if f.changed for d in file_drifts(f, p)]
