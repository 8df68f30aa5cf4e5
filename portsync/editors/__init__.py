"""Editors: pure ``apply(text, edits, label) -> Edited`` functions, one module per format.

Each editor changes only the bytes of the values it rewrites; modules are
imported on first use so a run pays only for the formats it meets.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from portsync.model import SetEdit, ValueChange
from portsync.records import Record


class Edited(Record):
    """An editor's result: the new text and every value it found different."""

    text: str
    changes: tuple[ValueChange, ...]


SetEditor = Callable[[str, Sequence[SetEdit], str], Edited]
Span = tuple[int, int, str]  # [start, end) of a text and what goes there (or what it holds)

_SET_EDITORS = {
    "yaml": "portsync.editors.yamlfile",
    "env": "portsync.editors.envfile",
    "json": "portsync.editors.jsonfile",
    "toml": "portsync.editors.tomlfile",
}


SpanFinder = Callable[[str, Sequence[SetEdit], str], list[Span]]


def set_editor(fmt: str) -> SetEditor:
    """The ``set:`` editor of a format."""
    editor: SetEditor = importlib.import_module(_SET_EDITORS[fmt]).apply
    return editor


def set_spans(fmt: str) -> SpanFinder:
    """A format's ``spans(text, edits, label)``: where each value a ``set`` manages sits."""
    finder: SpanFinder = importlib.import_module(_SET_EDITORS[fmt]).spans
    return finder


def line_of(text: str, index: int) -> int:
    """1-based line number of a character index."""
    return text.count("\n", 0, index) + 1


def newline_of(text: str) -> str:
    """The file's own line ending (CRLF if it uses any, else LF)."""
    return "\r\n" if "\r\n" in text else "\n"


def common_ends(old: Sequence[object], new: Sequence[object]) -> tuple[int, int]:
    """How many leading and trailing items two sequences share (the two never overlap)."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, tail


def splice(text: str, replacements: Sequence[Span]) -> str:
    """Replace non-overlapping [start, end) spans, leaving every other byte alone."""
    out = []
    last = 0
    for start, end, new in sorted(replacements):
        out.append(text[last:start])
        out.append(new)
        last = end
    out.append(text[last:])
    return "".join(out)
