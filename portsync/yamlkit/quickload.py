"""ports.yaml read by libyaml into dicts and lists that know their positions, as ruamel's do.

ruamel's pure-Python parser took a third of a cold ``--check`` of a large
registry (1,000 services: about a second). libyaml composes the same node tree
with the same marks some 25 times faster; this module builds from it what
ruamel's round-trip loader would have given the registry reader: the same
values under YAML 1.2's resolution (``yes`` is a string, ``true`` a bool) and
the same ``.lc`` answers (``line``, ``col``, ``key(k)``, ``value(k)``,
``item(i)``, 0-based). It answers only documents where that is certain, and
returns None for everything else, so that ruamel reads it as before, errors
included: anchors and aliases, tags, directives, duplicate or non-scalar keys,
any plain scalar that YAML 1.2 reads as other than a string, a decimal int, a
bool or null (floats, ``0x1F``, ``1_000``, dates, ``<<``), YAML 1.1 line
breaks, documents libyaml refuses or that might nest deep enough to crash it.
"""

from __future__ import annotations

import re
from typing import Any

from portsync.errors import PortsyncError
from portsync.yamlkit import libyaml, nodetree, parsers, resolver

_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
         "FALSE": False}
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")
_MAX_DEPTH = 200  # deeper documents go to ruamel, which owns "nesting too deep"


class _Unsure(Exception):
    """The document has something this module does not decide: ruamel reads it."""


class _Document:
    """The text, and ruamel's reading of it when a position only ruamel can tell is asked."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._exact: Any = None

    def exact(self, path: tuple[Any, ...]) -> Any:
        """The container at ``path`` as ruamel loads it (once, on first use: error paths only)."""
        if self._exact is None:
            self._exact = parsers.load(self.text, "ports.yaml", PortsyncError)
        node = self._exact
        for step in path:
            node = node[step]
        return node


class LineCol:
    """ruamel's ``.lc``: 0-based positions of a container, its keys, values and items.

    libyaml and ruamel place an empty value (``key:`` with nothing after it)
    differently (after the colon, or at the next token): for those the
    position is asked of ruamel itself, when someone needs it.
    """

    __slots__ = ("col", "data", "document", "empty", "line", "path")

    def __init__(self, line: int, col: int, document: _Document, path: tuple[Any, ...]) -> None:
        self.line = line
        self.col = col
        self.data: dict[Any, list[int]] = {}
        self.empty: set[Any] = set()  # keys (or indexes) whose value is empty
        self.document = document
        self.path = path

    def key(self, k: Any) -> tuple[int, int]:
        """Where key ``k`` starts."""
        data = self.data[k]
        return data[0], data[1]

    def value(self, k: Any) -> tuple[int, int]:
        """Where the value of key ``k`` starts."""
        data = self.data[k]
        return self._exact(k, "value") if k in self.empty else (data[2], data[3])

    def item(self, idx: Any) -> tuple[int, int]:
        """Where item ``idx`` (or key ``idx`` of a mapping) starts."""
        data = self.data[idx]
        if idx in self.empty and len(data) == 2:
            return self._exact(idx, "item")
        return data[0], data[1]

    def _exact(self, k: Any, kind: str) -> tuple[int, int]:
        try:
            exact: tuple[int, int] = getattr(self.document.exact(self.path).lc, kind)(k)
        except (PortsyncError, NotImplementedError):  # ruamel fails on this document
            data = self.data[k]
            return data[-2], data[-1]
        return exact


class PositionedMap(dict[Any, Any]):
    """A mapping that knows where it and its keys and values stand."""

    lc: LineCol


class PositionedList(list[Any]):
    """A sequence that knows where it and its items stand."""

    lc: LineCol


def plain_value(text: str) -> Any:
    """A plain scalar as YAML 1.2 (ruamel) reads it; _Unsure for types this module leaves."""
    tag = resolver.resolve(text)
    if tag == resolver.STR:
        return text
    if tag == "tag:yaml.org,2002:bool":
        return _BOOL[text]
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:int" and _DECIMAL.fullmatch(text):
        return int(text)
    raise _Unsure(text)  # floats, 0x1F, 1_000, 0123, dates, <<, =: ruamel constructs them


def _scalar(event: Any) -> tuple[Any, bool]:
    """(value, empty): ``empty`` for an implicit null with nothing written."""
    if event.anchor is not None or event.tag not in (None, "!"):
        raise _Unsure("an anchor or a tag")
    if event.style in ("|", ">"):
        raise _Unsure("a block scalar")  # libyaml accepts indentation ruamel refuses
    if event.style:
        return event.value, False
    return plain_value(event.value), event.value == ""


class _Builder:
    """Containers from libyaml's events; one open container per nesting level."""

    def __init__(self, document: _Document) -> None:
        self.document = document
        # Each open container, its pending [key, line, col] (mappings), its path and size.
        self.stack: list[tuple[Any, list[Any], tuple[Any, ...], list[int]]] = []
        self.root: Any = None
        self.done = False
        self.anchors: dict[str, Any] = {}
        self.sizes: dict[int, int] = {}  # id(container) -> nodes with aliases expanded
        self.extra = 0  # nodes that aliases repeat

    def add(self, value: Any, mark: Any, empty: bool = False) -> None:
        """Put a value (scalar, a container just opened, an alias) where it belongs."""
        line, col = mark.line, mark.column
        if not self.stack:
            self.root, self.done = value, not isinstance(value, dict | list)
            return
        container, pending, _, size = self.stack[-1]
        size[0] += self.sizes.get(id(value), 1)
        if isinstance(container, PositionedList):
            if empty:
                container.lc.empty.add(len(container))
            container.lc.data[len(container)] = [line, col]
            container.append(value)
        elif not pending:
            if isinstance(value, dict | list):
                raise _Unsure("a key that is a mapping or a list")
            if empty or value in container:
                raise _Unsure("an empty or duplicate key")  # ruamel's error names both lines
            pending[:] = [value, mark.line, mark.column]
        else:
            key, key_line, key_col = pending
            if empty:
                container.lc.empty.add(key)
            container[key] = value
            container.lc.data[key] = [key_line, key_col, line, col]
            pending.clear()

    def open(self, container: Any, event: Any) -> None:
        """A mapping or sequence starts."""
        if event.tag not in (None, "!"):
            raise _Unsure("a tag")
        if len(self.stack) >= _MAX_DEPTH:
            raise _Unsure("deep nesting")
        path: tuple[Any, ...] = ()
        if self.stack:
            parent, pending, parent_path, _ = self.stack[-1]
            if isinstance(parent, PositionedMap) and not pending:
                raise _Unsure("a key that is a mapping or a list")
            path = (*parent_path, len(parent) if isinstance(parent, list) else pending[0])
        mark = event.start_mark
        container.lc = LineCol(mark.line, mark.column, self.document, path)
        self.add(container, mark)
        self.stack.append((container, [], path, [1]))
        if event.anchor is not None:
            self.anchors[event.anchor] = container

    def alias(self, event: Any) -> None:
        """``*name``: the anchored container itself, placed where the anchor stands (as ruamel)."""
        container = self.anchors.get(event.anchor)
        if container is None or id(container) not in self.sizes:
            raise _Unsure("an alias of a scalar, or of a container still open")
        self.extra += self.sizes[id(container)]
        if self.extra > nodetree.MAX_ALIAS_NODES // 2:
            raise _Unsure("many aliased nodes")  # ruamel decides on an alias bomb
        self.add(container, _Mark(container.lc.line, container.lc.col))

    def close(self) -> None:
        """The innermost container ends."""
        container, _, _, size = self.stack.pop()
        self.sizes[id(container)] = size[0]
        if self.stack:
            self.stack[-1][3][0] += size[0] - 1  # add() counted it as one node
        self.done = not self.stack


class _Mark:
    """A position, as libyaml's marks give it."""

    __slots__ = ("column", "line")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


def load(text: str) -> Any | None:
    """The document as ruamel's round-trip loader would give it, or None to let ruamel read it."""
    if not text.strip() or any(c in text for c in "\t\x85\u2028\u2029"):
        return None  # empty: ruamel's None; NEL, LS, PS break lines in YAML 1.1 only; tabs:
        # libyaml accepts some (after a value) that ruamel refuses
    yaml = libyaml.binding()
    if yaml is None:
        return None
    builder = _Builder(_Document(text))
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            kind = type(event).__name__
            if kind == "ScalarEvent":
                end = event.end_mark.index
                if event.style in ("'", '"') and text[end:end + 1] == "#":
                    return None  # "x"# c: not YAML, but libyaml takes it; parsers.py refuses it
                builder.add(*_fold(event))
            elif kind == "MappingStartEvent":
                builder.open(PositionedMap(), event)
            elif kind == "SequenceStartEvent":
                builder.open(PositionedList(), event)
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                builder.close()
            elif kind == "DocumentStartEvent" and (builder.done or event.version or event.tags):
                return None  # a second document, or a %YAML / %TAG directive
            elif kind == "AliasEvent":
                builder.alias(event)
    except (_Unsure, yaml.YAMLError, ValueError):
        return None
    return builder.root


def _fold(event: Any) -> tuple[Any, Any, bool]:
    value, empty = _scalar(event)
    return value, event.start_mark, empty
