"""TOML editor: tomlkit finds and sets each value; only the value's own bytes are spliced.

tomlkit round-trips a document exactly, but it does not say where a value
sits. So each change is made in tomlkit, the new document compared with the
old text, and accepted only when the difference is the old value's text
replaced (or, for a new key, a pure insertion); that difference is spliced in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from portsync import keypath
from portsync.editors import Edited, line_of, newline_of, splice
from portsync.errors import TargetError
from portsync.model import SetEdit, ValueChange


def _parse(text: str, label: str) -> Any:
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        return tomlkit.parse(text)
    except ParseError as err:
        message = re.sub(r" at line \d+ col \d+$", "", str(err))
        raise TargetError(f"invalid TOML: {message}", where=f"{label}:{err.line}:{err.col}"
                          ) from None


def _kind(node: Any) -> str:
    if isinstance(node, dict):
        return "mapping"
    return "list" if isinstance(node, list) else "value"


def _child(node: Any, seg: str | int) -> Any:
    if isinstance(seg, int):
        return node[seg] if seg < len(node) else None
    return node.get(seg)


def _locate(doc: Any, edit: SetEdit, label: str) -> tuple[Any, tuple[str, ...]]:
    return keypath.descend(doc, edit.key, kind=_kind, child=_child, where=lambda _: label,
                           key=edit.key_text)


def _found(item: Any) -> str:
    from tomlkit.items import String

    return str(item) if isinstance(item, String) else str(item.as_string()).strip()


def _new_item(value: str, old: Any) -> Any:
    """The typed tomlkit item for ``value`` (SPEC §2 typing), in the old string's style."""
    import tomlkit
    from tomlkit.exceptions import InvalidStringError
    from tomlkit.items import String

    if not isinstance(old, String):
        return tomlkit.integer(int(value)) if value.isdigit() else tomlkit.string(value)
    try:
        return tomlkit.string(value, literal=old.type.is_literal(),
                              multiline=old.type.is_multiline())
    except InvalidStringError:  # a literal string cannot hold a quote: use a basic one
        return tomlkit.string(value, multiline=old.type.is_multiline())


def _difference(old: str, new: str) -> tuple[int, int, int]:
    """Common prefix length, and where the differing middle ends in ``old`` and ``new``."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    tail = 0
    while tail < limit - start and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return start, len(old) - tail, len(new) - tail


def _replace(text: str, doc: Any, edit: SetEdit, label: str) -> tuple[str, int]:
    """Set one existing value through tomlkit; return the text and the value's line."""
    reached = keypath.walk(doc, edit.key, keypath.Nodes(_kind, _child, lambda _: label),
                           edit.key_text)
    item, parent = reached.node, reached.trail[-2]
    old_text = item.as_string()
    parent[edit.key[-1]] = _new_item(edit.value, item)
    dumped = doc.as_string()
    start, old_end, new_end = _difference(text, dumped)
    # The old value's text must cover the whole difference: nothing else moved.
    at = text.find(old_text, max(0, old_end - len(old_text)), start + len(old_text))
    if at < 0:
        raise TargetError("tomlkit would rewrite more than this value; edit it by hand once",
                          where=label, key=edit.key_text)
    new_value = dumped[at:new_end + (at + len(old_text) - old_end)]
    return splice(text, [(at, at + len(old_text), new_value)]), line_of(text, at)


def _add(text: str, doc: Any, parent: Any, rest: tuple[str, ...], edit: SetEdit, label: str
         ) -> tuple[str, int]:
    """Add a missing key through tomlkit, keeping only the inserted lines."""
    value: Any = _new_item(edit.value, None)
    for key in reversed(rest[1:]):
        value = {key: value}
    parent[rest[0]] = value
    dumped = doc.as_string()
    start, old_end, new_end = _difference(text, dumped)
    removed = text[start:old_end]
    if removed.strip():
        raise TargetError("tomlkit would rewrite more than the new key; add it by hand once",
                          where=label, key=edit.key_text)
    nl = newline_of(text)
    # tomlkit writes "\n"; keep the file's own endings, and whitespace it dropped.
    added = dumped[start:new_end].replace("\r\n", "\n").replace("\n", nl)
    if start == len(text) and text and not text.endswith("\n"):
        added = added.removesuffix(nl)
    new_text = text[:start] + added + removed + text[old_end:]
    return new_text, line_of(new_text, start + len(added.rstrip()))  # the new value's line


def apply(text: str, edits: Sequence[SetEdit], label: str) -> Edited:
    """Set each key path to its value, touching only the bytes of changed values."""
    doc = _parse(text, label)
    changes: list[ValueChange] = []
    for edit in edits:
        item, rest = _locate(doc, edit, label)
        if not rest and _found(item) == edit.value:
            continue
        # Each change starts from a fresh parse of the text as edited so far.
        fresh = _parse(text, label)
        item, rest = _locate(fresh, edit, label)
        if rest:
            text, line = _add(text, fresh, item, rest, edit, label)
            changes.append(ValueChange(edit.key_text, line, None, edit.value))
        else:
            text, line = _replace(text, fresh, edit, label)
            changes.append(ValueChange(edit.key_text, line, _found(item), edit.value))
    return Edited(text, tuple(changes))
