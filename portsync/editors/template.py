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


def _marker_lines(text: str, word: str, name: str) -> list[re.Match[str]]:
    """Every whole line that holds ``portsync:WORD NAME`` (NAME not followed by more name)."""
    marker = rf"portsync:{word}[ \t]+{re.escape(name)}(?![\w.-])"
    return list(re.finditer(rf"^[^\n]*{marker}[^\n]*(?:\n|\Z)", text, re.MULTILINE))


def _block_span(text: str, name: str, label: str) -> tuple[int, int, int]:
    """Start and end of the lines between the markers, and the begin marker's line."""
    where = f"block {name}"
    begins, ends = _marker_lines(text, "begin", name), _marker_lines(text, "end", name)
    for word, found in (("begin", begins), ("end", ends)):
        if not found:
            raise TargetError(f"no line holds the marker 'portsync:{word} {name}'",
                              where=label, key=where)
        if len(found) > 1:
            lines = ", ".join(str(line_of(text, m.start())) for m in found)
            raise TargetError(f"the marker 'portsync:{word} {name}' appears {len(found)} times "
                              f"(lines {lines})", where=label, key=where)
    begin, end = begins[0], ends[0]
    if end.start() < begin.end():
        raise TargetError(f"'portsync:end {name}' must be on a line after 'portsync:begin {name}'",
                          where=f"{label}:{line_of(text, end.start())}", key=where)
    return begin.end(), end.start(), line_of(text, begin.start())


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
