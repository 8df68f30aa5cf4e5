"""A YAML node tree built from parser events: character positions, aliases as nodes, bounded size.

One builder serves both parsers (libyaml's events and ruamel's are alike), so
the editor sees the same tree whichever parsed the file. It keeps no parser
marks (a fraction of the memory of a composed tree) and uses no recursion, so
no nesting depth can crash it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# A bound on work and memory: some two seconds and 150 MiB on a busy 2-core machine.
MAX_NODES = 500_000
# Deeper than any real file; tools that recurse (ruamel, other readers) would crash past it.
MAX_DEPTH = 1000
# Aliases may repeat a node; beyond this many extra nodes it is a "billion laughs" bomb,
# which would hang anything that walks the document (our checks, the user's other tools).
MAX_ALIAS_NODES = 100_000


class Node:
    """One node: ``id`` is "scalar", "mapping", "sequence" or "alias".

    ``value``: a scalar's text, a sequence's items, a mapping's (key, value)
    pairs, an alias's anchored node. ``start``/``end`` are character indexes of
    the node's text (an anchor or tag included), ``line``/``column`` 0-based.
    ``tag`` is the explicit tag, if any; ``style`` a scalar's quote or block
    indicator (None: plain); ``flow`` whether a collection is written in
    brackets.
    """

    __slots__ = ("column", "end", "flow", "id", "line", "start", "style", "tag", "value")

    def __init__(self, kind: str, value: Any, start: int, line: int, column: int,
                 tag: str | None = None, style: str | None = None, flow: bool = False) -> None:
        self.id = kind
        self.value = value
        self.start = self.end = start
        self.line = line
        self.column = column
        self.tag = tag
        self.style = style
        self.flow = flow

    def __repr__(self) -> str:
        return f"Node({self.id}, {self.start}:{self.end})"


class TreeError(Exception):
    """A document the builder refuses: ``mark`` is where (0-based line and column)."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None
                 ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.column = column


_SCALAR, _OPEN, _ALIAS, _CLOSE, _DOCUMENT, _OTHER = range(6)  # the first three make nodes
_EVENTS = {"ScalarEvent": _SCALAR, "MappingStartEvent": _OPEN, "SequenceStartEvent": _OPEN,
           "MappingEndEvent": _CLOSE, "SequenceEndEvent": _CLOSE, "AliasEvent": _ALIAS,
           "DocumentStartEvent": _DOCUMENT}


def _alias(event: Any, anchors: dict[str, Node]) -> Node:
    mark = event.start_mark
    target = anchors.get(event.anchor)
    if target is None:
        raise TreeError(f"found undefined alias *{event.anchor}", mark.line, mark.column)
    node = Node("alias", target, mark.index, mark.line, mark.column)
    node.end = event.end_mark.index
    return node


def _collection(event: Any, depth: int) -> Node:
    """The node a mapping or sequence starts, still empty, at ``depth`` open collections."""
    mark = event.start_mark
    node = Node("mapping" if "Mapping" in type(event).__name__ else "sequence", [],
                mark.index, mark.line, mark.column, event.tag, flow=bool(event.flow_style))
    if depth >= MAX_DEPTH:
        raise TreeError("nesting too deep", mark.line, mark.column)
    return node


def _too_many(mark: Any) -> TreeError:
    return TreeError(f"more than {MAX_NODES:,} values; portsync edits YAML files up to that "
                     "size", mark.line, mark.column)


def build(next_event: Callable[[], Any], text: str) -> list[Node]:
    """The root node of every document, from a parser's events (``next_event`` None: done).

    The hot loop of every YAML read: one branch per event, scalars first (most
    events are) and built in place; no other function call but a collection's.
    """
    docs: list[Node] = []
    stack: list[Node] = []
    items = docs  # where the next node goes: the open collection's list, or docs
    anchors: dict[str, Node] = {}
    kinds: dict[type, int] = {}
    count = 0
    aliases = False
    while (event := next_event()) is not None:
        kind = kinds.get(type(event))
        if kind is None:
            kind = kinds[type(event)] = _EVENTS.get(type(event).__name__, _OTHER)
        if kind <= _ALIAS:
            count += 1
            if count > MAX_NODES:
                raise _too_many(event.start_mark)
        if kind == _SCALAR:
            mark = event.start_mark
            style = event.style or None
            node = Node("scalar", event.value, mark.index, mark.line, mark.column, event.tag,
                        style)
            end = event.end_mark
            node.end = end.index
            if style is not None and style in "'\"" and text[end.index:end.index + 1] == "#":
                raise TreeError("a comment needs a space before its '#'", end.line, end.column)
            if event.anchor is not None:
                anchors[event.anchor] = node
            items.append(node)
        elif kind == _CLOSE:
            node = stack.pop()
            node.end = event.end_mark.index
            if node.id == "mapping":  # items were collected flat: key, value, key, value...
                node.value = list(zip(items[::2], items[1::2], strict=True))
            items = stack[-1].value if stack else docs
            items.append(node)
        elif kind == _OPEN:
            node = _collection(event, len(stack))
            stack.append(node)
            if event.anchor is not None:
                anchors[event.anchor] = node
            items = node.value
        elif kind == _ALIAS:
            items.append(_alias(event, anchors))
            aliases = True
        elif kind == _DOCUMENT:
            anchors = {}  # anchors are per document
    if aliases:
        _refuse_bombs(docs)
    return docs


def target(node: Node) -> Node:
    """The node itself, or the anchored node an alias names."""
    return node.value if node.id == "alias" else node


def children(node: Node) -> list[Node]:
    """A collection's keys, values and items (an alias's node), in order."""
    if node.id == "mapping":
        return [n for pair in node.value for n in pair]
    if node.id == "sequence":
        return list(node.value)
    return [node.value] if node.id == "alias" else []


def _refuse_bombs(docs: list[Node]) -> None:
    """Refuse documents whose aliases repeat too many nodes (linear: sizes are memoized)."""
    size: dict[int, int] = {}
    for doc in docs:
        before = len(size)
        # Post-order without recursion; a recursive alias counts once instead of looping.
        todo: list[tuple[Node, bool]] = [(doc, False)]
        while todo:
            node, done = todo.pop()
            if done:
                size[id(node)] = 1 + sum(size[id(c)] for c in children(node))
            elif id(node) not in size:
                size[id(node)] = 1  # provisional, so that a cycle ends
                todo.append((node, True))
                todo.extend((c, False) for c in children(node) if id(c) not in size)
        extra = size[id(doc)] - (len(size) - before)
        if extra > MAX_ALIAS_NODES:
            raise TreeError(f"aliases expand the document to {size[id(doc)]} nodes "
                            "(an alias bomb?); refusing it")
