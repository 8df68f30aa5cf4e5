"""Unified diffs of a plan that ``git apply`` accepts."""

from __future__ import annotations

import difflib

from portsync.model import FileChange

_NO_EOL = "\\ No newline at end of file\n"


def _lines(text: str | None) -> list[str]:
    return [] if not text else text.splitlines(keepends=True)


def unified_diff(change: FileChange, shown_path: str) -> str:
    """The diff turning the file's current text into the planned one."""
    before = _lines(change.before)
    after = _lines(change.after)
    old = "/dev/null" if change.before is None else f"a/{shown_path}"
    out = []
    for line in difflib.unified_diff(before, after, old, f"b/{shown_path}", n=3):
        if line.endswith("\n"):
            out.append(line)
        elif line.startswith(("---", "+++")):
            out.append(line + "\n")
        else:
            # difflib leaves a final line without newline as is; git wants the marker.
            out.append(line + "\n" + _NO_EOL)
    return "".join(out)
