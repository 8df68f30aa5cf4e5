"""Where and how a new YAML key (or ``NAME=value`` list item) is written.

The placement rule: a new key of a mapping goes after the last line that
belongs to its previous sibling's block, comment lines under that block
included. A team's commented-out example lines (``# ports: ["8080:80"]``
under a service) belong to the entry above them; putting the new key between
that entry and its comments would separate them, and a new service would
land between another service and its notes.
"""

from __future__ import annotations

from portsync.editors import Span, line_of, newline_of
from portsync.editors.yamlscalar import block_keeps, key_column, line_end, plain_ok, quoted
from portsync.errors import TargetError
from portsync.yamlkit.nodetree import Node

_INDENT_STEP = 2


def content_end(text: str, node: Node) -> int:
    """Index just past the last character of a node's own text, nested values included.

    A block collection's end mark may reach over the comment lines after it,
    and a clipped block scalar's over the blank lines after it, so both are
    followed down to their last leaf.
    """
    end = node.start
    while node.id in ("mapping", "sequence") and not node.flow and node.value:
        last = node.value[-1]
        if node.id == "mapping":
            end = max(end, last[0].end)
            last = last[1]
        node = last
    if node.id == "scalar" and node.style is None and node.value == "":
        own = text[node.start:node.end].rstrip()  # an anchor or tag, or nothing
        return max(end, node.start + len(own)) if own[:1] in ("&", "!") else end
    if node.id == "scalar" and node.style in ("|", ">") and not block_keeps(text, node):
        return max(end, node.start + len(text[node.start:node.end].rstrip()))
    return max(end, node.end)


def after_block(text: str, end: int, column: int) -> int:
    """Just past the line holding ``end``, then past comment lines indented at least ``column``.

    Blank lines between such comments are taken along; blank lines after the
    last one stay where they are, separating what follows.
    """
    pos = scan = line_end(text, end)
    while scan < len(text):
        following = text.find("\n", scan) + 1 or len(text)
        line = text[scan:following].rstrip("\r\n")
        body = line.lstrip(" \t")
        if body.startswith("#") and len(line) - len(body) >= column:
            pos = following
        elif body:
            break
        scan = following
    return pos


def _nested(keys: list[str], value: str, indent: int, nl: str) -> str:
    lines = [f"{' ' * (indent + _INDENT_STEP * depth)}{key}:" for depth, key in enumerate(keys)]
    lines[-1] += f" {value}"
    return nl.join(lines) + nl


def add_keys(text: str, parent: Node | None, key_node: Node | None, keys: list[str],
             value: str, where: str, key: str) -> tuple[list[Span], int]:
    """Spans adding ``keys`` (formatted) with ``value`` under ``parent``; the new value's line.

    ``parent`` None: the file holds no document yet. A scalar ``parent`` is an
    empty or null value (``services:``) that becomes a mapping; ``key_node``
    is its key.
    """
    nl = newline_of(text)
    if parent is not None and parent.id == "mapping" and parent.flow:
        return _add_flow(text, parent, keys, value, where, key)
    splices: list[Span] = []
    if parent is None:
        pos, indent = len(text), 0
    elif parent.id == "scalar":
        assert key_node is not None
        if parent.end > parent.start and parent.value:  # `key: ~`: the null goes
            start = parent.start
            while start > key_node.end and text[start - 1] in " \t":
                start -= 1
            splices.append((start, parent.end, ""))
        pos = line_end(text, max(key_node.end, parent.end))
        indent = key_column(text, key_node) + _INDENT_STEP
    else:
        first_key: Node = parent.value[0][0]
        last_key, last = parent.value[-1]
        indent = key_column(text, first_key)
        pos = after_block(text, max(last_key.end, content_end(text, last)), indent)
    block = _nested(keys, value, indent, nl)
    if pos > 0 and text[pos - 1] != "\n":
        block = nl + block
    splices.append((pos, pos, block))
    return splices, line_of(text, pos) + block.startswith(nl) + len(keys) - 1


def _add_flow(text: str, parent: Node, keys: list[str], value: str, where: str, key: str
              ) -> tuple[list[Span], int]:
    brace = _past_properties(text, parent.start)
    if text[brace:brace + 1] != "{":
        raise TargetError("cannot add a key to a one-pair mapping inside a flow list "
                          "([a: 1]); write it by hand once", where=where, key=key)
    nested = value
    for name in reversed(keys[1:]):
        nested = f"{{{name}: {nested}}}"
    entry = f"{keys[0]}: {nested}"
    if not parent.value:
        return [(brace + 1, brace + 1, entry)], line_of(text, brace)
    pos = content_end(text, parent.value[-1][1])
    return [(pos, pos, ", " + entry)], line_of(text, pos)


def _past_properties(text: str, pos: int) -> int:
    """Where a node's content starts: past its anchor and tag (``&x !!map {``), if any."""
    while text.startswith(("&", "!"), pos):
        while pos < len(text) and not text[pos].isspace():
            pos += 1
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return pos


def add_item(text: str, parent: Node, item: str, quote: str) -> tuple[list[Span], int]:
    """Spans adding a ``NAME=value`` item to a list of them, in the style of its last item."""
    last = parent.value[-1]
    if last.style in ('"', "'"):
        new = quoted(item, last.style)
    else:
        new = item if plain_ok(item, flow=parent.flow) else quoted(item, quote)
    if parent.flow:
        pos = content_end(text, last)
        return [(pos, pos, ", " + new)], line_of(text, pos)
    line_start = text.rfind("\n", 0, last.start) + 1
    dash = text.rfind("-", line_start, last.start)
    column = dash - line_start if dash >= 0 else last.column
    pos = after_block(text, content_end(text, last), column)
    nl = newline_of(text)
    block = f"{' ' * column}- {new}{nl}"
    if pos > 0 and text[pos - 1] != "\n":
        block = nl + block
    return [(pos, pos, block)], line_of(text, pos) + block.startswith(nl)


def format_key(name: str, quote: str) -> str:
    """A new key as YAML text: plain when it reads back as that string, else quoted."""
    return name if plain_ok(name, flow=False) and ":" not in name else quoted(name, quote)
