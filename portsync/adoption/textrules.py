"""The ``replace`` rules import proposes for text mentions: one regex each, unique in its file."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from portsync.adoption.mentions import Mention

_CONTEXT_LINES = 3  # how many lines above a mention a pattern may include to be unique


def _escape(text: str) -> str:
    return re.escape(text).replace("\\ ", " ")


def _line(text: str, start: int, end: int, mentions: Sequence[Mention], target: Mention | None
          ) -> str:
    r"""One line as a regex: every port in it ``\\d+``, the target's the ``port`` group."""
    pieces, pos = [], start
    for m in sorted(mentions, key=lambda x: x.start):
        if start <= m.start and m.end <= end and m.start >= pos:
            pieces += [_escape(text[pos:m.start]), r"(?P<port>\d+)" if m is target else r"\d+"]
            pos = m.end
    pieces.append(_escape(text[pos:end]))
    return "".join(pieces)


def pattern_for(text: str, target: Mention, mentions: Sequence[Mention],
                same: Collection[int]) -> str | None:
    """A regex whose ``port`` group matches the target's digits and nowhere else.

    ``same``: the starts of mentions that get the same value, which the
    pattern may match too. None when even a few lines of context are not enough.
    """
    bounds = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        bounds.append((pos + len(body) - len(body.lstrip()), pos + len(body.rstrip())))
        pos += len(line)
    index = target.line - 1
    for context in range(_CONTEXT_LINES + 1):
        first = max(0, index - context)
        pattern = r"[ \t]*\r?\n[ \t]*".join(
            _line(text, a, b, mentions, target if k == index else None)
            for k, (a, b) in enumerate(bounds[first:index + 1], first))
        starts = {m.start("port") for m in re.finditer(pattern, text, re.MULTILINE)}
        if target.start in starts and starts <= set(same) | {target.start}:
            return pattern
        if first == 0:
            break
    return None
