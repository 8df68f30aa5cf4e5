"""TOML editor: rtoml reads and checks the document, a scanner finds each value's bytes.

rtoml (the Rust ``toml`` crate) is a strict TOML 1.1 reader, 10x faster than
tomllib on big files: duplicate keys, redefined tables and stray control
characters are refused at their line. Values are compared as it reads them,
so a file in sync costs one parse; only a drifted or missing value makes
``tomlscan`` walk the text to find the bytes to replace, or where a new key goes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from portsync.editors import Edited, Span, line_of, newline_of, splice
from portsync.editors.datatree import Place, in_sync, locate
from portsync.errors import TargetError
from portsync.model import SetEdit, ValueChange

if TYPE_CHECKING:
    from portsync.editors.tomlscan import Found, Path

_INT = re.compile(r"0|[1-9][0-9]*")
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_MULTILINE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_WHERE = re.compile(r" at line (\d+) column (\d+)$")


def _parse(text: str, label: str) -> dict[str, Any]:
    import rtoml

    if text.startswith("\ufeff"):  # the reader takes a first BOM, which fsio already took
        raise TargetError("invalid TOML: a second byte order mark", where=f"{label}:1:1")
    try:
        return rtoml.loads(text)
    except rtoml.TomlParsingError as err:
        message = str(err).strip()
        m = _WHERE.search(message)
        where = f"{label}:{m[1]}:{m[2]}" if m else label
        raise TargetError(f"invalid TOML: {message[:m.start()] if m else message}",
                          where=where) from None


def _scan(text: str, paths: Collection[Path]) -> Found:
    """tomlscan.scan, imported here: a file in sync needs no scan (start-up time)."""
    from portsync.editors.tomlscan import scan

    return scan(text, paths)


def _where(text: str, label: str) -> Callable[[Path], str]:
    def where(path: Path) -> str:  # only for errors: scan the text for that one path
        span = _scan(text, {path}).spans.get(path)
        return f"{label}:{line_of(text, span[0])}" if span else label

    return where


def _basic(value: str, multiline: bool) -> str:
    control = _MULTILINE_CONTROL if multiline else _CONTROL
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return control.sub(lambda m: _ESCAPES.get(m[0], f"\\u{ord(m[0]):04x}"), escaped)


def _string(value: str, raw: str) -> str:
    """``value`` as a TOML string in the quote style of ``raw`` where it can hold it."""
    opener = raw[:3] if raw[:3] in ('"""', "'''") else raw[:1]
    multiline = len(opener) == 3
    if multiline:  # a newline right after the opener is not part of the value: keep it
        opener += "\r\n" if raw[3:5] == "\r\n" else "\n" if raw[3:4] == "\n" else ""
    literal_ok = not (_MULTILINE_CONTROL if multiline else _CONTROL).search(value) and (
        "'''" not in value and not value.endswith("'") if multiline else "'" not in value)
    if opener.startswith("'") and literal_ok:
        return f"{opener}{value}{opener[:3]}"
    if multiline:
        return f'"""{opener[3:]}{_basic(value, True)}"""'
    return f'"{_basic(value, False)}"'


def _format(value: str, node: Any, raw: str | None) -> str:
    """The new value's text (SPEC §2 typing); ``node`` None: a new key."""
    if isinstance(node, str) and raw is not None:
        return _string(value, raw)
    if isinstance(node, bool) and value in ("true", "false"):
        return value
    return value if _INT.fullmatch(value) else f'"{_basic(value, False)}"'


def _key_text(keys: Sequence[str | int]) -> str:
    return ".".join(k if _BARE.fullmatch(k) else f'"{_basic(k, False)}"'
                    for k in map(str, keys))


class _Additions:
    """New keys: lines added to a table's section, members of an inline table, new tables."""

    def __init__(self, text: str, found: Found, label: str) -> None:
        self.text = text
        self.found = found
        self.label = label
        self.nl = newline_of(text)
        self.at: dict[int, list[str]] = {}  # position -> texts inserted there, in order
        self.tables: dict[Path, list[str]] = {}  # new [table] at the end -> its lines

    def add(self, place: Place) -> None:
        """Plan the insertion of one missing key."""
        parent, missing = place.path, place.missing
        value = _format(place.edit.value, None, None)
        found = self.found
        nameable = all(isinstance(k, str) for k in parent)  # a [header] can name it
        # Inside an inline table (perhaps through its dotted keys): a member of the nearest one.
        inline = next((parent[:i] for i in range(len(parent), 0, -1)
                       if parent[:i] in found.inline), None)
        if inline is not None:
            start, close = found.inline[inline]
            inner = self.text[start + 1:close]
            member = f"{_key_text((*parent[len(inline):], *missing))} = {value}"
            before = inner.rstrip()
            sep = " " if before.endswith(",") else ", " if before.strip() else ""  # 1.1: a, }
            self.at.setdefault(start + 1 + len(before), []).append(sep + member)
        elif len(missing) > 1 and nameable and (parent == () or parent in found.sections):
            self.tables.setdefault((*parent, *missing[:-1]), []).append(
                f"{_key_text(missing[-1:])} = {value}")
        elif parent in found.sections or parent in found.dotted:
            section, prefix = found.dotted.get(parent, (parent, ()))
            place_at = found.sections[section]
            line = f"{place_at.indent}{_key_text((*prefix, *missing))} = {value}"
            at_end = place_at.end == len(self.text) and not self.text.endswith("\n")
            self.at.setdefault(place_at.end, []).append(
                self.nl + line if at_end and self.text else line + self.nl)
        elif nameable:  # a table that only its sub-tables define: give it a header
            self.tables.setdefault(parent, []).append(f"{_key_text(missing)} = {value}")
        else:
            span = found.spans.get(parent)
            where = f"{self.label}:{line_of(self.text, span[0])}" if span else self.label
            raise TargetError("cannot add a key to this table; add it by hand once",
                              where=where, key=place.edit.key_text)

    def splices(self) -> list[Span]:
        """The insertions, as zero-width splices of the original text."""
        text, nl = self.text, self.nl
        out: list[Span] = [(pos, pos, "".join(parts)) for pos, parts in self.at.items()]
        if self.tables:
            body = nl.join(f"[{_key_text(table)}]{nl}" + "".join(m + nl for m in members)
                           for table, members in self.tables.items())
            if not text:
                out.append((0, 0, body))
            elif text.endswith("\n"):
                out.append((len(text), len(text), nl + body))
            else:  # keep the file's missing final newline missing
                out.append((len(text), len(text), nl + nl + body.removesuffix(nl)))
        return out


def _lines(text: str, positions: Sequence[int]) -> dict[int, int]:
    """1-based line of each position, in one pass over the text (big files, many values)."""
    lines: dict[int, int] = {}
    line, last = 1, 0
    for pos in sorted(set(positions)):
        line += text.count("\n", last, pos)
        lines[pos], last = line, pos
    return lines


def _drifted(text: str, edits: Sequence[SetEdit], label: str) -> list[Place]:
    """The edits whose value differs or is missing (the parsed document is freed on return)."""
    data = _parse(text, label)
    where = _where(text, label)
    return [place for edit in edits if (place := locate(data, edit, where)).missing
            or not in_sync(place.value, edit.value)]


def apply(text: str, edits: Sequence[SetEdit], label: str) -> Edited:
    """Set each key path to its value, touching only the bytes of changed values."""
    todo = _drifted(text, edits, label)
    if not todo:
        return Edited(text, ())
    found = _scan(text, {p.path for p in todo})
    additions = _Additions(text, found, label)
    replacements: list[Span] = []
    changed: list[tuple[int, Place, str]] = []
    for place in todo:
        if place.missing:
            additions.add(place)
            continue
        start, end = found.spans[place.path]
        raw = text[start:end]
        if raw != place.edit.value:  # a float or a date written as the value itself is in sync
            replacements.append((start, end, _format(place.edit.value, place.value, raw)))
            changed.append((start, place, place.value if isinstance(place.value, str) else raw))
    new_text = splice(text, replacements + additions.splices())
    lines = _lines(text, [pos for pos, _, _ in changed])
    changes = [ValueChange(p.edit.key_text, lines[pos], old, p.edit.value)
               for pos, p, old in changed]
    if additions.at or additions.tables:
        changes += _added(new_text, [p for p in todo if p.missing], label)
    return Edited(new_text, tuple(changes))


def _added(text: str, places: Sequence[Place], label: str) -> list[ValueChange]:
    """Check that every new key reads back as its value; the changes, with their lines."""
    try:
        data = _parse(text, label)
    except TargetError as err:  # our insertion broke the document: never write that
        raise TargetError(f"cannot add {', '.join(p.edit.key_text for p in places)} without "
                          f"breaking the file ({err.message}); add it by hand once",
                          where=label) from None
    where = _where(text, label)
    found = _scan(text, [p.path + p.missing for p in places])
    changes = []
    for place in places:
        back = locate(data, place.edit, where)
        span = found.spans.get(place.path + place.missing)
        if back.missing or not in_sync(back.value, place.edit.value) or span is None:
            raise TargetError("cannot add this key here without changing the document's "
                              "meaning; add it by hand once", where=label,
                              key=place.edit.key_text)
        changes.append(ValueChange(place.edit.key_text, line_of(text, span[0]), None,
                                   place.edit.value))
    return changes


def spans(text: str, edits: Sequence[SetEdit], label: str) -> list[Span]:
    """The span of each value the edits address (that exists) in ``text``."""
    data = _parse(text, label)
    where = _where(text, label)
    places = [p for e in edits if not (p := locate(data, e, where)).missing]
    found = _scan(text, {p.path for p in places})
    return [(*found.spans[p.path], p.edit.key_text) for p in places]
