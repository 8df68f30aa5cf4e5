"""How a YAML value is rewritten: in its own style, plain whenever plain reads back the same."""

from __future__ import annotations

import re

from portsync import lazyre
from portsync.editors import common_ends, newline_of, yamlblock
from portsync.errors import TargetError
from portsync.records import Record
from portsync.yamlkit import parsers, resolver
from portsync.yamlkit.nodetree import Node

_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_INDICATORS = frozenset(",[]{}")
# Characters YAML may not hold raw: the complement of its "printable" set, plus
# YAML 1.1's line breaks and the BOM. Spelled as a positive class: the negated
# class over the whole of Unicode took 5 ms to compile, on every run.
_NOT_PRINTABLE = lazyre.Lazy("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
                            "\ufeff\ufffe\uffff]")
# Anchors and tags before a value, and what may separate them from it (line breaks, comments).
_PROPERTIES = lazyre.Lazy(r"(?:[&!](?:<[^>\s]*>|[^\s,\[\]{}]*)(?:\s+(?:#[^\n]*)?)*)*")
_VALUE_INDICATOR = lazyre.Lazy(r"(?:\s|#[^\n]*)*:(?=[\s,\]}]|$)")  # the ':' after a key
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_NULL_TAG = "tag:yaml.org,2002:null"
_DQ_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


class Spot(Record):
    """A located scalar: ``key`` its key node (a mapping value), ``flow`` inside brackets.

    ``entry`` is the NAME when the value is the text after ``NAME=`` in a
    list item (compose's list form of ``environment:``); ``alias`` is the last
    alias the path passes through (the value is written at its anchor).
    """

    node: Node
    key: Node | None
    parent: Node | None
    flow: bool
    entry: str | None = None
    alias: Node | None = None


def plain_ok(value: str, *, flow: bool, tagged: bool = False, old: str | None = None) -> bool:
    """Whether ``value`` written as a plain scalar reads back as that same string.

    ``flow``: inside ``[]``/``{}``, where ``,[]{}`` end a plain scalar; ``tagged``:
    an explicit tag decides the type, not the value's look. ``old``: the plain
    value it replaces; a YAML 1.1 reader may take both for something else
    (``9790:9790`` is a base-60 number to it), which the file already accepts.
    """
    if not value or value != value.strip(" ") or _NOT_PRINTABLE.search(value) \
            or any(c in value for c in "\t\n\r"):
        return False
    first = value[0]
    if first in _INDICATORS and (first not in "-?:" or len(value) == 1 or value[1] == " "
                                 or (flow and value[1] in _FLOW_INDICATORS)):
        return False
    if value.startswith(("---", "...")) or ": " in value or " #" in value \
            or value.endswith(":"):
        return False
    if flow and any(c in _FLOW_INDICATORS for c in value):
        return False
    if tagged:
        return True
    if old is not None and resolver.resolve(value) == resolver.STR:
        return resolver.resolve(value, (1, 1)) in (resolver.STR, resolver.resolve(old, (1, 1)))
    return parsers.resolves_to_str(value)


def double_quoted(value: str) -> str:
    """``value`` as a double-quoted scalar (every character YAML may not hold raw escaped)."""
    out = [_DQ_ESCAPES.get(c) or (c if not _NOT_PRINTABLE.match(c) else _escape(c))
           for c in value]
    return '"' + "".join(out) + '"'


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def single_quoted(value: str) -> str | None:
    """``value`` as a single-quoted scalar, or None when it holds what only escapes can write."""
    if _NOT_PRINTABLE.search(value) or "\n" in value or "\r" in value:
        return None  # a line break in single quotes folds into a space
    return "'" + value.replace("'", "''") + "'"


def quoted(value: str, quote: str) -> str:
    """``value`` quoted with ``quote`` (' or "), double quotes when single ones cannot hold it."""
    return (single_quoted(value) if quote == "'" else None) or double_quoted(value)


def new_scalar(value: str, *, flow: bool, quote: str) -> str:
    """A value for a new key or a null one: a number if all digits, else plain when it can be."""
    if _digits(value) or plain_ok(value, flow=flow):
        return value
    return quoted(value, quote)


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _tag(node: Node) -> str:
    if node.tag is not None:
        return node.tag
    return resolver.resolve(node.value) if node.style is None else resolver.STR


def is_null(node: Node) -> bool:
    """Whether a scalar holds no value: nothing at all, or a plain null (``~``, ``null``)."""
    return node.style is None and (node.value == "" or _tag(node) == _NULL_TAG)


def _styled(value: str, node: Node, flow: bool, quote: str) -> str:
    """``value`` in the style of the scalar ``node`` (SPEC §2 typing)."""
    if node.style == '"':
        return double_quoted(value)
    if node.style == "'":
        return quoted(value, "'")
    if _digits(value) and _tag(node) in (*_NUMBER_TAGS, _NULL_TAG):
        return value  # a number stays a number
    if plain_ok(value, flow=flow, tagged=node.tag is not None, old=node.value):
        return value
    return quoted(value, quote)  # plain would change its meaning (or its type)


def current(spot: Spot) -> str | None:
    """The value a spot holds, as compared with the registry's (None: nothing there)."""
    node = spot.node
    if spot.entry is not None:
        _, sep, after = node.value.partition("=")
        return after if sep else None
    if node.style in ("|", ">"):
        return str(node.value).rstrip("\n")
    return None if node.style is None and node.value == "" else str(node.value)


def holds(spot: Spot, value: str) -> bool:
    """Whether the spot already holds ``value`` (a block scalar's final newlines aside)."""
    if spot.node.style in ("|", ">") and spot.entry is None:
        return current(spot) == value.rstrip("\n")
    return current(spot) == value


def value_start(text: str, node: Node) -> int:
    """Where a scalar's own text starts, after its anchor or tag and what follows them."""
    value = node.value
    if node.style is None and value and node.end - len(value) >= node.start \
            and text[node.end - len(value):node.end] == value:
        return node.end - len(value)  # a plain scalar on one line: its text ends the node
    props = _PROPERTIES.match(text, node.start, node.end)
    return props.end() if props else node.start


def value_span(text: str, spot: Spot) -> tuple[int, int]:
    """[start, end) of the value's own text: its anchor or tag aside, a block's header too."""
    node = spot.node
    start = value_start(text, node)
    if node.style in ("|", ">"):
        header = yamlblock.HEADER.match(text, start)
        start = header.end() if header else start
    return start, node.end


def rewrite(text: str, spot: Spot, value: str, quote: str, where: str, key: str
            ) -> tuple[int, int, str]:
    """The splice (start, end, new text) that makes the spot hold ``value``."""
    node = spot.node
    start = value_start(text, node)
    if spot.entry is not None:
        return start, node.end, _styled(f"{spot.entry}={value}", node, spot.flow, quote)
    if "\n" in text[start:node.end] and (kept := _in_place(text, spot, value)) is not None:
        return kept
    if node.style in ("|", ">"):
        if spot.key is not None:
            context, indent = "k: ", key_column(text, spot.key)
        elif spot.parent is not None and (dash := _dash_before(text, spot, node)) is not None:
            context, indent = "- ", dash - (text.rfind("\n", 0, dash) + 1)
        else:
            context, indent = "", -1
        return yamlblock.rewrite(text, node, start, value, context, indent, where, key)
    if start >= node.end or (node.value == "" and node.style is None):
        return _fill(text, spot, max(start, node.start), value, quote, where, key)
    if start > node.start and not text[start - 1].isspace():
        # libyaml reads `&an:chor x` as anchor `an`, value `:chor x`: YAML 1.2 does not
        raise TargetError("cannot tell where this value starts: its anchor or tag runs into "
                          "it; write it by hand once", where=where, key=key)
    return start, node.end, _styled(value, node, spot.flow, quote)


# What may change in place inside a value of several lines: a word, never a space
# or a line break (which folding rewrites), a quote or an escape.
_WORD = lazyre.Lazy(r"[\w.:/@%+=~-]+")


def _in_place(text: str, spot: Spot, value: str) -> tuple[int, int, str] | None:
    """The splice changing only the differing word of a value written on several lines.

    A block scalar (``command: >-`` over three lines) or a multi-line plain or
    quoted scalar would otherwise be written again in one piece, its layout
    lost. The word that differs (``8000`` for ``4242``) is replaced where the
    file has it, when it stands exactly once in the value and in the value's
    text: folding only rewrites spaces and line breaks, so that one place is
    the value's. None: write the value again whole.
    """
    node = spot.node
    block = node.style in ("|", ">")
    old = current(spot)
    if old is None or (block and value != value.rstrip("\n")):
        return None
    common, tail = common_ends(old, value)
    while common and _WORD.match(old, common - 1):  # widen to the whole word
        common -= 1
    while tail and _WORD.match(old, len(old) - tail):
        tail -= 1
    before, after = old[common:len(old) - tail], value[common:len(value) - tail]
    start, end = value_span(text, spot)
    source = text[start:end]
    if not _WORD.fullmatch(before) or not _WORD.fullmatch(after) \
            or old.count(before) != 1 or source.count(before) != 1 \
            or (node.style == '"' and "\\" in source) \
            or (node.style is None and not plain_ok(value, flow=spot.flow,
                                                    tagged=node.tag is not None, old=node.value)):
        return None
    at = start + source.index(before)
    return at, at + len(before), after


def _fill(text: str, spot: Spot, at: int, value: str, quote: str, where: str, key: str
          ) -> tuple[int, int, str]:
    """Write a value where there is none: ``key:``, ``- # note``, ``&anchor``, ``? key``."""
    new = new_scalar(value, flow=spot.flow, quote=quote)
    node = spot.node
    if node.end > node.start and text[node.start] in "&!":
        return node.end, node.end, " " + new  # after the anchor or tag
    if spot.key is not None:
        if spot.key.value == "" or "\n" in text[spot.key.start:spot.key.end]:
            raise TargetError("cannot place a value after an empty key or one written over "
                              "several lines; write it by hand once", where=where, key=key)
        m = _VALUE_INDICATOR.match(text, spot.key.end)
        if m is not None:
            return m.end(), m.end(), " " + new
        if spot.flow:  # {port, host: db}: the key has no ':' yet
            return spot.key.end, spot.key.end, ": " + new
        # `? key` with no `: value` line: add one under the `?`
        at = line_end(text, spot.key.end)
        indent = " " * key_column(text, spot.key)
        return at, at, f"{indent}: {new}{newline_of(text)}"
    dash = _dash_before(text, spot, node)
    if dash is None:
        raise TargetError("cannot place a value in this empty list item; write one by hand "
                          "once", where=where, key=key)
    return dash + 1, dash + 1, " " + new


def _dash_before(text: str, spot: Spot, node: Node) -> int | None:
    """The ``-`` of the block sequence item ``node`` (it is empty, so its mark may be off)."""
    parent = spot.parent
    if parent is None or parent.id != "sequence" or parent.flow:
        return None
    index = next(i for i, item in enumerate(parent.value) if item is node)
    pos = parent.start if index == 0 else parent.value[index - 1].end
    m = re.compile(r"(?:\s|#[^\n]*)*-(?=\s|$)").match(text, pos)
    return m.end() - 1 if m else None


def key_column(text: str, key: Node) -> int:
    """The column a mapping's keys stand at: a ``? key``'s question mark, else the key's own."""
    line_start = text.rfind("\n", 0, key.start) + 1
    before = text[line_start:key.start].rstrip(" \t")
    return len(before) - 1 if before.endswith("?") else key.column


def line_end(text: str, index: int) -> int:
    """The index just past the newline of the line holding ``index`` (or the end of the text)."""
    if index > 0 and text[index - 1] == "\n":
        return index  # already at the start of a line (a block scalar ends there)
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def block_keeps(text: str, node: Node) -> bool:
    """Whether a block scalar keeps its final line breaks (``|+``): they are its content."""
    return yamlblock.keeps(text, value_start(text, node))
