"""Key paths walked over a parsed document (dicts and lists), each node with its concrete path.

The JSON and TOML editors read a file with a fast parser first and resolve
selectors there; only then do they look in the text, for the concrete paths
(a string per key, an int per list item) that this walk yields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portsync import keypath
from portsync.model import SetEdit
from portsync.records import Record

Path = tuple[str | int, ...]
Node = tuple[Path, Any]  # a value of the document and its concrete path


class Place(Record):
    """Where an edit's path leads: the deepest existing node and the keys still missing."""

    edit: SetEdit
    path: Path
    missing: tuple[str, ...]
    value: Any


def text_of(value: object) -> str:
    """A parsed scalar as text, for selectors and comparisons: ``true``, ``8080``, ``null``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _kind(node: Node) -> str:
    value = node[1]
    if isinstance(value, dict):
        return "mapping"
    return "list" if isinstance(value, list) else "value"


def _child(node: Node, seg: str | int) -> Node | None:
    path, value = node
    if isinstance(seg, str):
        return ((*path, seg), value[seg]) if seg in value else None
    return ((*path, seg), value[seg]) if seg < len(value) else None


def locate(data: Any, edit: SetEdit, where: Callable[[Path], str]) -> Place:
    """Follow the edit's key path (selectors included) through ``data``.

    ``where`` gives a path's ``FILE:LINE`` for the error that names it.
    """
    nodes = keypath.Nodes(_kind, _child, lambda n: where(n[0]), lambda n: text_of(n[1]))
    root: Node = ((), data)
    reached = keypath.walk(root, edit.key, nodes, edit.key_text)
    path, value = reached.node
    return Place(edit, path, reached.missing, value)


def in_sync(value: Any, wanted: str) -> bool:
    """Whether a parsed value is the text ``wanted``: a string, an int, a boolean or null.

    Anything else (a float, a date) is not judged here: the caller reads its text.
    """
    return (value is None or isinstance(value, (str, int))) and text_of(value) == wanted
