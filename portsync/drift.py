"""Semantic drift for --check: what a file holds versus what the registry implies."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from portsync.model import FileChange, ValueChange

_BREAKS_LINE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class Drift:
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
    """A value as a drift line shows it: quoted if it holds a line break or a control character."""
    if value is not None and _BREAKS_LINE.search(value):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _value_drifts(path: str, values: list[ValueChange]) -> list[Drift]:
    """Compare held and implied values per key with deepdiff (imported only on drift)."""
    from deepdiff import DeepDiff

    # Keyed by position: one replace pattern can drift at several lines under one key.
    held = {i: c.found for i, c in enumerate(values)}
    implied = {i: c.expected for i, c in enumerate(values)}
    diff = DeepDiff(held, implied, view="tree")
    drifts = []
    for kind in ("values_changed", "type_changes"):
        for level in diff.get(kind, ()):
            change = values[level.path(output_format="list")[0]]
            drifts.append(Drift(path, change.line, change.key, change.found, change.expected))
    return sorted(drifts, key=lambda d: (d.line or 0, d.key or ""))


def file_drifts(change: FileChange, shown_path: str) -> list[Drift]:
    """Every drift in one planned file, values first by line, then blocks and the file."""
    values = [c for c in change.changes if c.key is not None]
    others = [Drift(shown_path, c.line, None, None, None, c.label)
              for c in change.changes if c.key is None]
    return others + (_value_drifts(shown_path, values) if values else [])


def plan_drifts(files: Iterable[tuple[FileChange, str]]) -> list[Drift]:
    """Drifts of every changed file, each with the path it is shown under."""
    return [d for f, p in files if f.changed for d in file_drifts(f, p)]
