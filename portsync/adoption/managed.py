"""Which spans of each target file the registry's targets rewrite, learnt from the pipeline.

A ``set`` value's span is where its format's editor locates it (``spans()``),
narrowed, when its template writes digits of its own, to the digits that change
when every port moves (``PortTable.moved``).
For ``replace`` rules and templates, every rendered value (or block text) is
replaced by a unique sentinel number and planned as usual: the spans of the
original text that the editors rewrote are the managed ones.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections import defaultdict
from pathlib import Path

from portsync import fsio
from portsync.editors import common_ends, set_spans
from portsync.errors import PortsyncError, raise_all
from portsync.fsio import BOM
from portsync.model import Edit, FileJob, RenderEdit, SetEdit
from portsync.plan import build_plan
from portsync.sync import Loaded
from portsync.targets import expand_targets

_SENTINEL_HEAD = "48151623420"
_SENTINEL = re.compile(r"[\"']?" + _SENTINEL_HEAD + r"\d{5}[\"']?")
Span = tuple[int, int]


def _stamped(jobs: list[FileJob]) -> list[FileJob]:
    """The jobs with every value (or rendered text) replaced by its own sentinel."""
    count = 0
    out = []
    for job in jobs:
        edits: list[Edit] = []
        for edit in job.edits:
            count += 1
            sentinel = f"{_SENTINEL_HEAD}{count:05d}"
            if isinstance(edit, RenderEdit):
                edits.append(edit._replace(text=sentinel + "\n"))
            else:
                edits.append(edit._replace(value=sentinel))
        out.append(job._replace(edits=tuple(edits)))
    return out


def _in_line(before: str, after: str) -> list[Span]:
    """The spans of one line that the sentinels replaced (the whole line if unsure)."""
    chunks = _SENTINEL.split(after)
    whole = [(0, len(before.rstrip("\r\n")))]
    if len(chunks) < 2 or not before.startswith(chunks[0]):
        return whole
    spans = []
    start = len(chunks[0])
    for index, chunk in enumerate(chunks[1:], 1):
        if index == len(chunks) - 1:
            end = len(before) - len(chunk)
            if not before.endswith(chunk) or end < start:
                return whole
        elif not chunk:
            continue  # two sentinels side by side: one span
        else:
            end = before.find(chunk, start)
            if end < 0:
                return whole
        spans.append((start, end))
        start = end + len(chunk)
    return spans


def _opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """The differing line runs, cheaply: most edits keep the line count and touch few lines."""
    if len(old) == len(new):
        return [("replace", i, i + 1, i, i + 1)
                for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    head, tail = common_ends(old, new)
    matcher = difflib.SequenceMatcher(None, old[head:len(old) - tail],
                                      new[head:len(new) - tail], autojunk=False)
    return [(tag, i1 + head, i2 + head, j1 + head, j2 + head)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def changed_spans(before: str, after: str) -> list[Span]:
    """Character spans of ``before`` that differ in ``after`` (sentinels mark the values)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))
    spans: list[Span] = []
    for tag, i1, i2, j1, j2 in _opcodes(old, new):
        if tag == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                spans += [(starts[i1 + k] + a, starts[i1 + k] + b)
                          for a, b in _in_line(old[i1 + k], new[j1 + k])]
        elif i2 > i1:  # a block or a whole rendered file: every line it covers
            spans.append((starts[i1], starts[i2]))
    return spans


_EXPRESSION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_LITERAL_DIGIT = re.compile(r"\d")


def _moved_values(job: FileJob | None) -> dict[str, str]:
    """Each ``set`` value of a file rendered with every port moved (``PortTable.moved``)."""
    edits = job.edits if job is not None else ()
    return {e.key_text: e.value for e in edits if isinstance(e, SetEdit)}


def _port_parts(text: str, start: int, end: int, sets: list[SetEdit], key: str,
                moved: dict[str, str]) -> list[Span]:
    """The digits of a ``set`` value that its ports render; else the whole value.

    A ``http://b:9000`` written in the template is no port the registry moves.
    """
    value = next((e.value for e in sets if e.key_text == key), None)
    other = moved.get(key)
    if value is None or other is None or len(other) != len(value) or \
            text[start:end] != value:
        # no digit written in the template, or quoted, escaped or drifted: the whole value
        return [(start, end)]
    parts: list[Span] = []
    for index in (i for i, (a, b) in enumerate(zip(value, other, strict=True)) if a != b):
        if parts and start + index < parts[-1][1]:
            continue
        lo, hi = index, index + 1
        while lo > 0 and value[lo - 1].isdigit():
            lo -= 1
        while hi < len(value) and value[hi].isdigit():
            hi += 1
        parts.append((start + lo, start + hi))
    return parts


def managed_spans(loaded: Loaded) -> dict[str, list[Span]]:
    """For each existing target file, the spans of its text that the targets rewrite."""
    registry = loaded.registry
    root = registry.root
    real_root = root.resolve()
    spans: dict[str, list[Span]] = defaultdict(list)
    rewritten: list[FileJob] = []
    problems: list[PortsyncError] = []
    jobs = expand_targets(registry, loaded.table)
    literal = tuple(t for t in registry.targets if any(_LITERAL_DIGIT.search(
        _EXPRESSION.sub("", v.value)) for v in t.sets))  # the only values worth a second render
    moved: dict[str, FileJob] = {}
    with contextlib.suppress(PortsyncError):  # failing on moved ports: values count whole
        moved = {job.path: job for job in expand_targets(registry._replace(targets=literal),
                                                         loaded.table.moved())} if literal else {}
    for job in jobs:
        sets = [e for e in job.edits if isinstance(e, SetEdit)]
        others = tuple(e for e in job.edits if not isinstance(e, SetEdit))
        if others:
            rewritten.append(job._replace(edits=others))
        if not sets:
            continue
        try:
            absolute = fsio.inside(root, job.path, job.path)
            label = fsio.display_path(absolute)
            current = fsio.read_text(absolute, label)
            if current is not None:
                found = set_spans(job.format)(current.body, sets, label)
                other = _moved_values(moved.get(job.path))
                spans[absolute.relative_to(real_root).as_posix()] += [
                    part for a, b, key in found
                    for part in _port_parts(current.body, a, b, sets, key, other)]
        except PortsyncError as err:
            problems.append(err)
    raise_all(problems)
    for change in build_plan(root, _stamped(rewritten)).files:
        if change.before is not None:
            rel = Path(change.absolute).relative_to(real_root).as_posix()
            spans[rel] += changed_spans(change.before.removeprefix(BOM),
                                        change.after.removeprefix(BOM))
    return dict(spans)
