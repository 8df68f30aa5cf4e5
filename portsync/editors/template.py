"""Template editor: a rendered template becomes the whole file or one marked block.

A block lies between the lines holding ``portsync:begin NAME`` and
``portsync:end NAME``, in whatever comment syntax the file uses; the marker
lines themselves are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from portsync.editors import Edited, line_of, newline_of
from portsync.errors import TargetError
from portsync.model import RenderEdit, ValueChange


def _with_newlines(rendered: str, nl: str) -> str:
    return rendered.replace("\r\n", "\n").replace("\n", nl)


def _marker_lines(text: str, word: str, name: str) -> list[tuple[int, int]]:
    """Every whole line that holds ``portsync:WORD NAME`` (NAME not followed by more name).

    Start and end (past its newline) of each, as ``re.finditer`` finds them with
    :func:`_marker_pattern`; a usual NAME is found with ``str.find``, which
    spares a check compiling two patterns per block.
    """
    if not name or "\n" in name or name[0] in " \t":
        return [m.span() for m in re.finditer(_marker_pattern(word, name), text, re.MULTILINE)]
    marker = f"portsync:{word}"
    lines: list[tuple[int, int]] = []
    at = text.find(marker)
    while at >= 0:
        after = at + len(marker)
        name_at = after
        while text[name_at:name_at + 1] in (" ", "\t"):
            name_at += 1
        follows = text[name_at + len(name):name_at + len(name) + 1]
        if name_at > after and text.startswith(name, name_at) \
                and not (follows.isalnum() or follows in ("_", ".", "-")):
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", name_at)
            end = len(text) if end < 0 else end + 1
            if not lines or start >= lines[-1][1]:
                lines.append((start, end))
        at = text.find(marker, after)
    return lines


def _marker_pattern(word: str, name: str) -> str:
    """The lines _marker_lines finds, as a multi-line pattern."""
    marker = rf"portsync:{word}[ \t]+{re.escape(name)}(?![\w.-])"
    return rf"^[^\n]*{marker}[^\n]*(?:\n|\Z)"


def _block_span(text: str, name: str, label: str) -> tuple[int, int, int]:
    """Start and end of the lines between the markers, and the begin marker's line."""
    where = f"block {name}"
    begins, ends = _marker_lines(text, "begin", name), _marker_lines(text, "end", name)
    for word, found in (("begin", begins), ("end", ends)):
        if not found:
            raise TargetError(f"no line holds the marker 'portsync:{word} {name}'",
                              where=label, key=where)
        if len(found) > 1:
            lines = ", ".join(str(line_of(text, start)) for start, _ in found)
            raise TargetError(f"the marker 'portsync:{word} {name}' appears {len(found)} times "
                              f"(lines {lines})", where=label, key=where)
    begin, end = begins[0], ends[0]
    if end[0] < begin[1]:
        raise TargetError(f"'portsync:end {name}' must be on a line after 'portsync:begin {name}'",
                          where=f"{label}:{line_of(text, end[0])}", key=where)
    return begin[1], end[0], line_of(text, begin[0])


def _render_block(text: str, edit: RenderEdit, block: str, label: str
                  ) -> tuple[str, ValueChange | None]:
    start, end, line = _block_span(text, block, label)
    nl = newline_of(text)
    body = edit.text.rstrip("\r\n")
    content = _with_newlines(body, nl) + nl if body else ""
    if text[start:end] == content:
        return text, None
    change = ValueChange(None, line, None, None, label=f"block {block} is out of date")
    return text[:start] + content + text[end:], change


def apply_render(text: str, edits: Sequence[RenderEdit], label: str, *,
                 whole_file_missing: bool) -> Edited:
    """Render whole-file templates and marked blocks into ``text``.

    A missing file is already reported as missing by the plan, so its whole
    content is not reported again as out of date.
    """
    changes: list[ValueChange] = []
    for edit in edits:
        if edit.block is not None:
            continue
        new = _with_newlines(edit.text, newline_of(text) if text else "\n")
        if new != text:
            text = new
            if not whole_file_missing:
                changes.append(ValueChange(None, None, None, None, label="out of date"))
    for edit in edits:
        if edit.block is not None:
            text, change = _render_block(text, edit, edit.block, label)
            if change is not None:
                changes.append(change)
    return Edited(text, tuple(changes))
