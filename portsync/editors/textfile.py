"""Plain-text editor: the ``port`` group (or group 1) of every match of a regex is rewritten."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from portsync.editors import Edited, line_of, splice
from portsync.errors import TargetError
from portsync.model import ReplaceEdit, ValueChange


def _compile(edit: ReplaceEdit) -> tuple[re.Pattern[str], str | int]:
    """The pattern (multi-line: ^ and $ match at every line) and the group to rewrite."""
    try:
        regex = re.compile(edit.pattern, re.MULTILINE)
    except re.error as err:
        raise TargetError(f"pattern /{edit.pattern}/ is not a valid regex: {err}",
                          where=str(edit.source)) from None
    if "port" in regex.groupindex:
        return regex, "port"
    if regex.groups:
        return regex, 1
    raise TargetError(f"pattern /{edit.pattern}/ needs a group (?P<port>...)",
                      where=str(edit.source))


def apply_replace(text: str, edits: Sequence[ReplaceEdit], label: str) -> Edited:
    """Rewrite the port group of every match of each pattern; a pattern must match."""
    spans: dict[tuple[int, int], ReplaceEdit] = {}
    changes: list[ValueChange] = []
    for edit in edits:
        regex, group = _compile(edit)
        matched = False
        for m in regex.finditer(text):
            start, end = m.span(group)
            if start < 0:  # the group sits in a branch this match did not take
                continue
            matched = True
            other = spans.setdefault((start, end), edit)
            if other.value != edit.value:
                raise TargetError(f"patterns /{other.pattern}/ and /{edit.pattern}/ rewrite the "
                                  f"same text to {other.value!r} and {edit.value!r}",
                                  where=f"{label}:{line_of(text, start)}")
            if other is edit and m.group(group) != edit.value:
                changes.append(ValueChange(f"replace /{edit.pattern}/", line_of(text, start),
                                           m.group(group), edit.value))
        if not matched:
            raise TargetError(f"replace pattern /{edit.pattern}/ matches nothing", where=label)
    for (_, end), (start, _) in pairwise(sorted(spans)):
        if start < end:
            raise TargetError("two replace patterns match overlapping text",
                              where=f"{label}:{line_of(text, start)}")
    replacements = [(s, e, edit.value) for (s, e), edit in spans.items()
                    if text[s:e] != edit.value]
    return Edited(splice(text, replacements), tuple(changes))
