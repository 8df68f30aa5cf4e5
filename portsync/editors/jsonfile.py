"""JSON editor: a small scanner records every value's span; only changed values are spliced.

Comments (``//``, ``/* */``) and trailing commas are tolerated, so JSONC files
such as ``tsconfig.json`` or ``devcontainer.json`` can be targets too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

from portsync import keypath
from portsync.editors import Edited, Span, line_of, newline_of, splice
from portsync.editors.datatree import Path, Place, in_sync, locate
from portsync.errors import TargetError
from portsync.model import SetEdit, ValueChange
from portsync.records import Record

_SKIP = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_INT = re.compile(r"0|[1-9][0-9]*")  # digits that JSON reads as a number ("0800" is not)
_LITERAL = re.compile(r"true|false|null")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"')
_KINDS = {"object": "mapping", "array": "list"}


def _reject(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # json accepts NaN and Infinity: JSON does not


_DECODER = json.JSONDecoder(parse_constant=_reject)


class _Node(Record):
    kind: str  # object, array, string, number or literal
    start: int
    end: int
    value: str = ""  # a string's decoded text, a number's or literal's own text
    keys: tuple[tuple[str, int, int], ...] = ()  # object: each key and its span
    items: tuple[_Node, ...] = ()  # object: member values; array: items


class _Scanner:
    """Recursive-descent JSON reader keeping the [start, end) of every value.

    With ``wanted`` (concrete paths), a value that leads to none of them is
    skipped by the C decoder: it gets its span, not its contents.
    """

    def __init__(self, text: str, label: str, wanted: Collection[Path] | None = None) -> None:
        self.text = text
        self.label = label
        self.prefixes = None if wanted is None else {
            p[:i] for p in wanted for i in range(len(p) + 1)}

    def fail(self, pos: int, message: str) -> TargetError:
        line = line_of(self.text, pos)
        col = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        return TargetError(f"invalid JSON: {message}", where=f"{self.label}:{line}:{col}")

    def skip(self, pos: int) -> int:
        m = _SKIP.match(self.text, pos)
        return m.end() if m else pos

    def document(self) -> _Node:
        try:
            node = self.value(self.skip(0))
        except RecursionError:
            raise self.fail(0, "nested too deeply") from None
        end = self.skip(node.end)
        if end < len(self.text):
            raise self.fail(end, "extra data after the document")
        return node

    def value(self, pos: int, path: Path = ()) -> _Node:
        text = self.text
        char = text[pos:pos + 1]
        if char in ("{", "[") and self.prefixes is not None and path not in self.prefixes:
            try:
                end = _DECODER.raw_decode(text, pos)[1]
                return _Node("object" if char == "{" else "array", pos, end)
            except (ValueError, RecursionError):  # comments, trailing commas: walk it
                pass
        if char == "{":
            return self.container(pos, "object", "}", path)
        if char == "[":
            return self.container(pos, "array", "]", path)
        if char == '"':
            return self.string(pos)
        for kind, pattern in (("number", _NUMBER), ("literal", _LITERAL)):
            m = pattern.match(text, pos)
            if m:
                return _Node(kind, pos, m.end(), m.group())
        raise self.fail(pos, "expected a value" if char else "unexpected end of file")

    def string(self, pos: int) -> _Node:
        m = _STRING.match(self.text, pos)
        if m is None:
            raise self.fail(pos, "unterminated string or bad escape")
        raw = m.group()
        # Most strings hold no escape: skip the decoder for them (big files scan 2x faster).
        return _Node("string", pos, m.end(), json.loads(raw) if "\\" in raw else raw[1:-1])

    def container(self, start: int, kind: str, close: str, path: Path) -> _Node:
        keys: list[tuple[str, int, int]] = []
        items: list[_Node] = []
        pos = self.skip(start + 1)
        while self.text[pos:pos + 1] != close:
            if kind == "object":
                if self.text[pos:pos + 1] != '"':
                    raise self.fail(pos, "expected a key in double quotes")
                key = self.string(pos)
                keys.append((key.value, pos, key.end))
                pos = self.skip(key.end)
                if self.text[pos:pos + 1] != ":":
                    raise self.fail(pos, "expected ':' after the key")
                pos = self.skip(pos + 1)
            item = self.value(pos, (*path, keys[-1][0] if kind == "object" else len(items)))
            items.append(item)
            pos = self.skip(item.end)
            if self.text[pos:pos + 1] == ",":
                pos = self.skip(pos + 1)
            elif self.text[pos:pos + 1] != close:
                raise self.fail(pos, f"expected ',' or '{close}'")
        return _Node(kind, start, pos + 1, keys=tuple(keys), items=tuple(items))


def _child(node: _Node, seg: str | int) -> _Node | None:
    if isinstance(seg, int):
        return node.items[seg] if seg < len(node.items) else None
    # Duplicate keys: the last one wins, as every JSON reader does.
    found = [item for (key, _, _), item in zip(node.keys, node.items, strict=True) if key == seg]
    return found[-1] if found else None


def _format(value: str, existing: _Node | None) -> str:
    if _INT.fullmatch(value) and (existing is None or existing.kind != "string"):
        return value  # a number stays a number; a new key gets a number
    return json.dumps(value, ensure_ascii=False)


def _line_indent(text: str, pos: int) -> str:
    line = text[text.rfind("\n", 0, pos) + 1:pos]
    return line[:len(line) - len(line.lstrip(" \t"))]


class _Layout(Record):
    """The file's own newline, indentation step and key separator (``": "`` or ``":"``)."""

    nl: str
    unit: str
    colon: str

    @classmethod
    def of(cls, text: str, parent: _Node | None) -> _Layout:
        m = re.search(r"^([ \t]+)\S", text, re.MULTILINE)
        colon = ": "
        if parent is not None and parent.items:
            found = text[parent.keys[0][2]:parent.items[0].start]
            colon = found if re.fullmatch(r"[ \t]*:[ \t]*", found) else colon
        return cls(newline_of(text), m.group(1) if m else "  ", colon)

    def member(self, keys: tuple[str, ...], value: str, indent: str | None) -> str:
        """``"a": {"b": value}`` for the missing keys; ``indent`` None: on one line."""
        body = value
        for depth in range(len(keys) - 1, 0, -1):
            name = json.dumps(keys[depth], ensure_ascii=False)
            if indent is None:
                body = f"{{{name}{self.colon}{body}}}"
            else:
                inner = indent + self.unit * depth
                body = (f"{{{self.nl}{inner}{name}{self.colon}{body}"
                        f"{self.nl}{inner[:-len(self.unit)]}}}")
        return f"{json.dumps(keys[0], ensure_ascii=False)}{self.colon}{body}"


def _insert(text: str, parent: _Node | None, keys: tuple[str, ...], value: str
            ) -> tuple[list[tuple[int, int, str]], int]:
    """Splices adding the missing keys under ``parent``, and the line of the new value."""
    lay = _Layout.of(text, parent)
    nl = lay.nl
    if parent is None:  # an empty file
        member = lay.member(keys, value, lay.unit)
        return [(0, len(text), f"{{{nl}{lay.unit}{member}{nl}}}{nl}")], 1 + len(keys)
    close = parent.end - 1
    one_line = "\n" not in text[parent.start:parent.end]
    if parent.items:
        last = parent.items[-1]
        comma = "" if text[last.end:close].lstrip().startswith(",") else ","
        if one_line or line_of(text, last.end) == line_of(text, close):
            member = lay.member(keys, value, None)
            return [(last.end, last.end, f"{comma} {member}")], line_of(text, last.end)
        indent = _line_indent(text, parent.keys[0][1])
        # After the rest of the last member's line, so a trailing // comment stays with it.
        eol = text.find("\n", last.end)
        eol -= text[eol - 1] == "\r"
        new = f"{nl}{indent}{lay.member(keys, value, indent)}"
        if eol == last.end:
            return [(eol, eol, comma + new)], line_of(text, eol) + len(keys)
        return [(last.end, last.end, comma), (eol, eol, new)], line_of(text, eol) + len(keys)
    if one_line and "\n" not in text.strip():
        return [(parent.start + 1, close, lay.member(keys, value, None))], line_of(text, close)
    indent = _line_indent(text, parent.start) + lay.unit
    new_text = f"{nl}{indent}{lay.member(keys, value, indent)}{nl}{indent[:-len(lay.unit)]}"
    return [(parent.start + 1, close, new_text)], line_of(text, parent.start) + len(keys)


def _python(node: _Node) -> Any:
    """The value a fully scanned node stands for (JSONC, which json.loads refuses)."""
    if node.kind == "object":
        return {key: _python(item) for (key, _, _), item in zip(node.keys, node.items,
                                                                 strict=True)}
    if node.kind == "array":
        return [_python(item) for item in node.items]
    return node.value if node.kind == "string" else json.loads(node.value)


def _data(text: str, label: str) -> Any:
    """The document: json.loads when it can (C speed), else the scanner's (JSONC, errors)."""
    try:
        return json.loads(text, parse_constant=_reject)
    except (ValueError, RecursionError):  # the scanner says where, or reads the JSONC
        return _python(_Scanner(text, label).document())


def _where(text: str, label: str) -> Callable[[Path], str]:
    def where(path: Path) -> str:  # only for errors: scan the text down to that one path
        node = _at(_Scanner(text, label, [path]).document(), path)
        return f"{label}:{line_of(text, node.start)}" if node is not None else label

    return where


def _at(node: _Node | None, path: Path) -> _Node | None:
    for seg in path:
        node = _child(node, seg) if node is not None else None
    return node


def _places(text: str, edits: Sequence[SetEdit], label: str) -> list[Place]:
    if not text.strip():  # an empty file (a new one): every key is missing
        if any(not isinstance(seg, str) for e in edits for seg in e.key):
            raise TargetError("list item does not exist and cannot be created", where=label)
        return [Place(e, (), tuple(str(s) for s in e.key), {}) for e in edits]
    data = _data(text, label)
    where = _where(text, label)
    return [locate(data, edit, where) for edit in edits]


def _tree(text: str, label: str, paths: Collection[Path]) -> _Node | None:
    """The scanned document, in full only along ``paths``."""
    return _Scanner(text, label, paths).document() if text.strip() else None


def apply(text: str, edits: Sequence[SetEdit], label: str) -> Edited:
    """Set each key path to its value, touching only the bytes of changed values."""
    todo = [p for p in _places(text, edits, label)
            if p.missing or not in_sync(p.value, p.edit.value)]
    if not todo:
        return Edited(text, ())
    root = _tree(text, label, [p.path for p in todo])
    replacements: list[Span] = []
    changes: list[ValueChange] = []
    for place in todo:
        node = _at(root, place.path)
        if place.missing or node is None or node.value == place.edit.value:
            continue  # missing keys are added below; a float written as the value is in sync
        replacements.append((node.start, node.end, _format(place.edit.value, node)))
        changes.append(ValueChange(place.edit.key_text, line_of(text, node.start), node.value,
                                   place.edit.value))
    text = splice(text, replacements)
    for place in (p for p in todo if p.missing):
        # Rare (first run only): re-scan so each insertion sees the ones before it.
        full = (*place.path, *place.missing)
        root = _tree(text, label, [full])
        parent, rest = place.path, place.missing
        while rest and _at(root, (*parent, rest[0])) is not None:  # added by an earlier one
            parent, rest = (*parent, rest[0]), rest[1:]
        node = _at(root, parent)
        if not rest:
            assert node is not None
            text = splice(text, [(node.start, node.end, _format(place.edit.value, node))])
            continue
        if node is not None and node.kind != "object":
            raise TargetError(f"runs into a {_KINDS.get(node.kind, 'value')} at "
                              f"{keypath.render(parent)}", where=f"{label}:"
                              f"{line_of(text, node.start)}", key=place.edit.key_text)
        splices, line = _insert(text, node, rest, _format(place.edit.value, None))
        text = splice(text, splices)
        changes.append(ValueChange(place.edit.key_text, line, None, place.edit.value))
    return Edited(text, tuple(changes))


def spans(text: str, edits: Sequence[SetEdit], label: str) -> list[Span]:
    """The span of each value the edits address (that exists) in ``text``."""
    places = [p for p in _places(text, edits, label) if not p.missing]
    root = _tree(text, label, [p.path for p in places])
    return [(node.start, node.end, p.edit.key_text) for p in places
            if (node := _at(root, p.path)) is not None]
