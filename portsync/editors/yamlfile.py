"""YAML editor: the parser locates each scalar; only its bytes are replaced in the text.

libyaml (PyYAML's C parser) composes the node tree when it can, 25x faster than
ruamel.yaml; ruamel's round-trip composer takes over for documents with aliases
(it owns the alias-bomb guard), documents that might nest deep enough to crash
libyaml, and any document libyaml rejects, so every error message is ruamel's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from portsync import keypath, yamlio
from portsync.editors import Edited, Span, line_of, newline_of, splice
from portsync.errors import TargetError
from portsync.model import SetEdit, ValueChange

_PREFIX = re.compile(r"(?:[&!][^\s]*\s+)*")  # anchors and tags before a scalar
_SAFE_PLAIN = re.compile(r"[A-Za-z0-9_./~$(+=][A-Za-z0-9_./~$()+=:@%-]*")
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


@dataclass(frozen=True, slots=True)
class _Found:
    node: Any
    key_node: Any
    through_alias: bool


@dataclass(frozen=True, slots=True)
class _Missing:
    parent: Any  # the deepest existing mapping, or None for an empty document
    keys: tuple[str, ...]


def _kind(node: Any) -> str:
    return {"mapping": "mapping", "sequence": "list"}.get(node.id, "value")


def _text(node: Any) -> str:
    return str(node.value)


def _locate(root: Any, edit: SetEdit, label: str) -> _Found | _Missing:
    # Nodes are told apart by their ``id``, shared by ruamel's and libyaml's node trees.
    if root is None:  # an empty document: every key is missing
        if not all(isinstance(seg, str) for seg in edit.key):
            raise TargetError("list item does not exist and cannot be created", where=label,
                              key=edit.key_text)
        return _Missing(None, tuple(str(seg) for seg in edit.key))
    keys: dict[tuple[int, int], Any] = {}  # (parent, value) -> the value's key node

    def child(node: Any, seg: str | int) -> Any:
        if isinstance(seg, int):
            return node.value[seg] if seg < len(node.value) else None
        pairs = [p for p in node.value if p[0].id == "scalar" and p[0].value == seg]
        if not pairs:
            return None
        if len(pairs) > 1:  # YAML forbids it and parsers disagree on which one wins
            lines = " and ".join(str(p[0].start_mark.line + 1) for p in pairs)
            raise TargetError(f"duplicate key {seg!r} (lines {lines})",
                              where=f"{label}:{pairs[1][0].start_mark.line + 1}",
                              key=edit.key_text)
        keys[id(node), id(pairs[0][1])] = pairs[0][0]
        return pairs[0][1]

    nodes = keypath.Nodes(_kind, child, lambda n: f"{label}:{n.start_mark.line + 1}", _text)
    reached = keypath.walk(root, edit.key, nodes, edit.key_text)
    if reached.missing:
        return _Missing(reached.node, reached.missing)
    steps = [keys.get((id(a), id(b))) for a, b in pairwise(reached.trail)]
    # An alias's node is its anchor's, which stands before the key.
    through_alias = any(k is not None and node.start_mark.index < k.end_mark.index
                        for k, node in zip(steps, reached.trail[1:], strict=True))
    return _Found(reached.node, steps[-1] if steps else None, through_alias)


def _format_value(value: str, style: str | None, tag: str | None) -> str:
    if style == '"':
        return json.dumps(value, ensure_ascii=False)
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if value.isdigit() and (tag is None or tag in _NUMBER_TAGS):
        return value  # a number stays a number; a new key gets a number
    if _SAFE_PLAIN.fullmatch(value) and not value.endswith(":") and yamlio.resolves_to_str(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _scalar_span(text: str, node: Any) -> tuple[int, int]:
    start, end = node.start_mark.index, node.end_mark.index
    prefix = _PREFIX.match(text, start, end)
    return (prefix.end() if prefix else start), end


def _replacement(text: str, found: _Found, edit: SetEdit, label: str
                 ) -> tuple[tuple[int, int, str], ValueChange] | None:
    node = found.node
    current = str(node.value)
    if current == edit.value:
        return None
    line = node.start_mark.line + 1
    if found.through_alias:
        raise TargetError("the value comes from an anchor (*alias); point the target at the "
                          "anchor's own key", where=f"{label}:{line}", key=edit.key_text)
    if node.style in ("|", ">"):
        raise TargetError("block scalars (| or >) are not edited; use a plain or quoted value",
                          where=f"{label}:{line}", key=edit.key_text)
    start, end = _scalar_span(text, node)
    if start == end and found.key_node is not None:
        # `key:` with nothing after it: write the value after the colon.
        colon = text.index(":", found.key_node.end_mark.index)
        start = end = colon + 1
        new = " " + _format_value(edit.value, None, None)
    else:
        new = _format_value(edit.value, node.style, str(node.tag))
    return (start, end, new), ValueChange(edit.key_text, line, current, edit.value)


def _end_of(node: Any) -> int:
    """Index just past the last content of a (possibly nested) collection.

    A collection's own end mark may reach over trailing comments (libyaml's does),
    so only the last key and the last leaf count.
    """
    end: int = 0
    while node.id != "scalar" and node.value:
        last = node.value[-1]
        if isinstance(last, tuple):
            end = max(end, last[0].end_mark.index)
            last = last[1]
        node = last
    last_end: int = node.end_mark.index
    return max(end, last_end)


def _insert(text: str, missing: _Missing, edit: SetEdit) -> tuple[str, int]:
    nl = newline_of(text)
    keys = [_format_key(k) for k in missing.keys]
    value = _format_value(edit.value, None, None)
    parent = missing.parent
    if parent is not None and parent.flow_style:
        nested = value
        for key in reversed(keys[1:]):
            nested = f"{{{key}: {nested}}}"
        before = text[: text.rindex("}", 0, parent.end_mark.index)].rstrip()
        sep = "" if before.endswith("{") else ", "
        pos = len(before)
        return text[:pos] + sep + f"{keys[0]}: {nested}" + text[pos:], line_of(text, pos)
    indent = parent.value[0][0].start_mark.column if parent is not None and parent.value else 0
    lines = [f"{' ' * (indent + 2 * depth)}{key}:" for depth, key in enumerate(keys)]
    lines[-1] += f" {value}"
    block = nl.join(lines) + nl
    pos = len(text)
    if parent is not None:
        end = _end_of(parent)
        newline_at = text.find("\n", end)
        if end > 0 and text[end - 1] == "\n":
            pos = end
        elif newline_at >= 0:
            pos = newline_at + 1
    if pos > 0 and text[pos - 1] != "\n":
        block = nl + block
    line = line_of(text, pos) + block.startswith(nl) + len(keys) - 1
    return text[:pos] + block + text[pos:], line


def _format_key(key: str) -> str:
    if _SAFE_PLAIN.fullmatch(key) and ":" not in key and yamlio.resolves_to_str(key):
        return key
    return json.dumps(key, ensure_ascii=False)


def _compose(text: str, label: str) -> Any:
    """The node tree: libyaml's when it can (25x faster), else ruamel's (aliases, errors)."""
    if not text.strip():
        return None
    return yamlio.compose_quick(text) or yamlio.compose(text, label, TargetError)


def apply(text: str, edits: Sequence[SetEdit], label: str) -> Edited:
    """Set each key path to its value, touching only the bytes of changed scalars."""
    root = _compose(text, label)
    replacements = []
    changes: list[ValueChange] = []
    missing: list[SetEdit] = []
    for edit in edits:
        found = _locate(root, edit, label)
        if isinstance(found, _Missing):
            missing.append(edit)
            continue
        result = _replacement(text, found, edit, label)
        if result is not None:
            replacements.append(result[0])
            changes.append(result[1])
    text = splice(text, replacements)
    for edit in missing:
        # Rare (first run only): re-compose so each insertion sees the ones before it.
        root = _compose(text, label)
        found = _locate(root, edit, label)
        if isinstance(found, _Found):  # created by an earlier insertion of this loop
            result = _replacement(text, found, edit, label)
            if result is not None:
                text = splice(text, [result[0]])
            continue
        text, line = _insert(text, found, edit)
        changes.append(ValueChange(edit.key_text, line, None, edit.value))
    return Edited(text, tuple(changes))


def spans(text: str, edits: Sequence[SetEdit], label: str) -> list[Span]:
    """The span of each scalar the edits address (that exists) in ``text``."""
    root = _compose(text, label)
    return [(*_scalar_span(text, found.node), edit.key_text) for edit in edits
            if isinstance(found := _locate(root, edit, label), _Found)]
