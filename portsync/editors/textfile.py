"""Plain-text editor: the ``port`` group (or group 1) of every match of a regex is rewritten.

With a ``set`` on the same file, the spans of the values it manages are
``protected``: a match that reaches into one is an error naming both, since
each run would rewrite what the other wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from portsync import patterns
from portsync.editors import Edited, Span, line_of, splice
from portsync.errors import PortsyncError, TargetError
from portsync.model import ReplaceEdit, ValueChange


def _compile(edit: ReplaceEdit) -> patterns.Pattern:
    try:
        return patterns.compile_pattern(edit.pattern)
    except PortsyncError as err:
        raise TargetError(err.message, where=str(edit.source)) from None


def _overlap(start: int, end: int, protected: Sequence[Span]) -> Span | None:
    """The first protected span that [start, end) reaches into."""
    return next((p for p in protected if start < p[1] and p[0] < end), None)


class _Lines:
    """Line numbers of increasing positions, counted incrementally (many matches, big files)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def of(self, pos: int) -> int:
        """1-based line of ``pos``."""
        if pos < self.pos:
            self.pos, self.line = 0, 1
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


def _rewrite(text: str, edit: ReplaceEdit, pattern: patterns.Pattern, protected: Sequence[Span],
             spans: dict[tuple[int, int], ReplaceEdit], changes: list[ValueChange], label: str
             ) -> bool:
    """Record the group of every match of one pattern in ``spans``; whether any matched."""
    matched = False
    lines = _Lines(text)
    for m in patterns.matches(pattern, text):
        start, end = m.span(pattern.group)
        if start < 0:  # the group sits in a branch this match did not take
            continue
        matched = True
        hit = _overlap(*m.span(), protected)
        if hit is not None:
            raise TargetError(f"replace /{edit.pattern}/ ({edit.source}) matches text of "
                              f"the value that set {hit[2]} manages (line "
                              f"{line_of(text, hit[0])}): make the pattern skip it",
                              where=f"{label}:{line_of(text, m.start())}")
        other = spans.setdefault((start, end), edit)
        if other.value != edit.value:
            raise TargetError(f"patterns /{other.pattern}/ and /{edit.pattern}/ rewrite the "
                              f"same text to {other.value!r} and {edit.value!r}",
                              where=f"{label}:{line_of(text, start)}")
        if other is edit and m.group(pattern.group) != edit.value:
            changes.append(ValueChange(f"replace /{edit.pattern}/", lines.of(start),
                                       m.group(pattern.group), edit.value))
    return matched


def apply_replace(text: str, edits: Sequence[ReplaceEdit], label: str,
                  protected: Sequence[Span] = ()) -> Edited:
    """Rewrite the port group of every match of each pattern; a pattern must match."""
    spans: dict[tuple[int, int], ReplaceEdit] = {}
    changes: list[ValueChange] = []
    for edit in edits:
        pattern = _compile(edit)
        try:
            matched = _rewrite(text, edit, pattern, protected, spans, changes, label)
        except patterns.PatternTimeout as err:
            raise TargetError(f"replace {err.message} ({edit.source})", where=label) from None
        if not matched and not edit.optional:
            raise TargetError(f"replace pattern /{edit.pattern}/ matches nothing "
                              "(add optional: true to the rule if that is fine)", where=label)
    for (_, end), (start, _) in pairwise(sorted(spans)):
        if start < end:
            raise TargetError("two replace patterns match overlapping text",
                              where=f"{label}:{line_of(text, start)}")
    replacements = [(s, e, edit.value) for (s, e), edit in spans.items()
                    if text[s:e] != edit.value]
    return Edited(splice(text, replacements), tuple(changes))
