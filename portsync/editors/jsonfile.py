"""JSON editor: a small scanner records every value's span; only changed values are spliced.

Comments (``//``, ``/* */``) and trailing commas are tolerated, so JSONC files
such as ``tsconfig.json`` or ``devcontainer.json`` can be targets too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from portsync import keypath
from portsync.editors import Edited, Span, line_of, newline_of, splice
from portsync.errors import TargetError
from portsync.model import SetEdit, ValueChange

_SKIP = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_INT = re.compile(r"0|[1-9][0-9]*")  # digits that JSON reads as a number ("0800" is not)
_LITERAL = re.compile(r"true|false|null")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"')
_KINDS = {"object": "mapping", "array": "list"}


@dataclass(frozen=True, slots=True)
class _Node:
    kind: str  # object, array, string, number or literal
    start: int
    end: int
    value: str = ""  # a string's decoded text, a number's or literal's own text
    keys: tuple[tuple[str, int, int], ...] = ()  # object: each key and its span
    items: tuple[_Node, ...] = ()  # object: member values; array: items


class _Scanner:
    """Recursive-descent JSON reader keeping the [start, end) of every value."""

    def __init__(self, text: str, label: str) -> None:
        self.text = text
        self.label = label

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

    def value(self, pos: int) -> _Node:
        text = self.text
        char = text[pos:pos + 1]
        if char == "{":
            return self.container(pos, "object", "}")
        if char == "[":
            return self.container(pos, "array", "]")
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

    def container(self, start: int, kind: str, close: str) -> _Node:
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
            item = self.value(pos)
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


@dataclass(frozen=True, slots=True)
class _Layout:
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


def _locate(text: str, root: _Node | None, edit: SetEdit, label: str
            ) -> tuple[_Node | None, tuple[str, ...]]:
    if root is None:  # an empty file: every key is missing
        root = _Node("object", 0, 0)
    node, rest = keypath.descend(
        root, edit.key, kind=lambda n: _KINDS.get(n.kind, "value"), child=_child,
        where=lambda n: f"{label}:{line_of(text, n.start)}", key=edit.key_text,
        text=lambda n: n.value)  # a string's text, a number's or literal's as written
    return (None if node.end == 0 else node), rest


def _scan(text: str, label: str) -> _Node | None:
    return _Scanner(text, label).document() if text.strip() else None


def apply(text: str, edits: Sequence[SetEdit], label: str) -> Edited:
    """Set each key path to its value, touching only the bytes of changed values."""
    root = _scan(text, label)
    replacements: list[tuple[int, int, str]] = []
    changes: list[ValueChange] = []
    missing: list[SetEdit] = []
    for edit in edits:
        node, rest = _locate(text, root, edit, label)
        if rest:
            missing.append(edit)
        elif node is not None and node.value != edit.value:
            replacements.append((node.start, node.end, _format(edit.value, node)))
            changes.append(ValueChange(edit.key_text, line_of(text, node.start), node.value,
                                       edit.value))
    text = splice(text, replacements)
    for edit in missing:
        # Rare (first run only): re-scan so each insertion sees the ones before it.
        node, rest = _locate(text, _scan(text, label), edit, label)
        if node is not None and not rest:  # created by an earlier insertion of this loop
            text = splice(text, [(node.start, node.end, _format(edit.value, node))])
            continue
        splices, line = _insert(text, node, rest, _format(edit.value, None))
        text = splice(text, splices)
        changes.append(ValueChange(edit.key_text, line, None, edit.value))
    return Edited(text, tuple(changes))


def spans(text: str, edits: Sequence[SetEdit], label: str) -> list[Span]:
    """The span of each value the edits address (that exists) in ``text``."""
    root = _scan(text, label)
    return [(node.start, node.end, edit.key_text) for edit in edits
            if (found := _locate(text, root, edit, label))[0] is not None and not found[1]
            and (node := found[0]) is not None]
