"""A YAML block scalar (``|``, ``>``) that is the value, rewritten in its own style.

The header (indicator, chomping, indentation indicator, comment) and the lines
after the content (a kept ``|+`` tail, blank lines) stay; the content lines are
written at the block's own indentation. The new block is read back in the same
context before it is accepted: a value the style cannot hold (a first line
starting with a space under auto-detected indentation, say) is an error.
"""

from __future__ import annotations

import re

from portsync import lazyre
from portsync.editors import newline_of
from portsync.errors import TargetError
from portsync.yamlkit import parsers
from portsync.yamlkit.nodetree import Node

HEADER = lazyre.Lazy(r"([|>])([1-9]?)([-+]?)([1-9]?)([ \t]*(?:#[^\r\n]*)?)(\r?\n|$)")


def keeps(text: str, start: int) -> bool:
    """Whether the block whose header starts at ``start`` keeps its final line breaks (``|+``)."""
    header = HEADER.match(text, start)
    return header is not None and header.group(3) == "+"


def _content_lines(body: str, indent: int) -> int:
    """How many of the body's lines hold content (the rest are blank or the kept tail)."""
    lines = body.split("\n")
    filled = [i for i, line in enumerate(lines)
              if line.strip(" \r") or len(line.rstrip("\r")) > indent]
    return filled[-1] + 1 if filled else 0


def _folded(lines: list[str]) -> list[str]:
    """Value lines as folded-style lines.

    Between two lines of text a line break folds into a space, so each gap
    gets one blank line more; not where either line starts with white space
    (a "more indented" line), whose line breaks are kept as they are.
    """
    out: list[str] = []
    previous = ""
    for line in lines:
        if line and previous and not line[0].isspace() and not previous[0].isspace():
            out.append("")
        out.append(line)
        previous = line or previous
    return out


def rewrite(text: str, node: Node, start: int, value: str, context: str, parent_indent: int,
            where: str, key: str) -> tuple[int, int, str]:
    """The splice writing ``value`` as the block scalar ``node`` whose header is at ``start``.

    ``context`` is what stands before the header on a line of its own (``"k: "``,
    ``"- "`` or nothing), ``parent_indent`` the indentation of the collection
    holding the block (-1 at the document root): together they rebuild the
    block's surroundings, so that the new text is read back as the file reads it.
    """
    header = HEADER.match(text, start)
    if header is None:
        raise TargetError("cannot read this block scalar's header", where=where, key=key)
    style, chomp = header.group(1), header.group(3)
    explicit = int(header.group(2) or header.group(4) or 0)
    body_start = header.end()
    body = text[body_start:node.end]
    lines = body.split("\n")
    # Blank lines just after the block: content once the block has any, if indented enough.
    after = re.compile(r"(?:[ \t]*\r?\n)*[ \t]*(?=\r?\n|$)").match(text, node.end)
    tail_end = after.end() if after else node.end
    if explicit:
        indent = max(parent_indent + 1, 1) + explicit - 1
    else:
        first = next((line for line in lines if line.strip(" \r")), None)
        blank = max(len(line.rstrip("\r")) for line in text[body_start:tail_end].split("\n"))
        indent = len(first) - len(first.lstrip(" ")) if first \
            else max(parent_indent + 2, blank, 1)
    count = _content_lines(body, indent)
    content_end = body_start + len("\n".join(lines[:count]).rstrip("\r")) if count else body_start
    wanted = value if chomp == "-" else value.rstrip("\n")
    new_lines = wanted.split("\n") if style == "|" else _folded(wanted.split("\n"))
    nl = newline_of(text)
    new = nl.join(" " * indent + line if line else "" for line in new_lines)
    if not count:
        new += nl
    head = text[start:header.end(5)]
    snippet = f"{' ' * max(parent_indent, 0)}{context}{head}\n{new}{text[content_end:tail_end]}"
    if not _reads(snippet, context, wanted):
        raise TargetError(f"the new value cannot be written as this {style} block scalar; "
                          "write it by hand once, or use a quoted value", where=where, key=key)
    return body_start, content_end, new


def _reads(snippet: str, context: str, wanted: str) -> bool:
    """Whether the block in ``snippet`` reads back as ``wanted`` (final line breaks aside)."""
    try:
        docs = parsers.documents(snippet, "", TargetError)
    except TargetError:
        return False
    if len(docs) != 1:
        return False
    node = docs[0]
    if context and node.id == "mapping" and node.value:
        node = node.value[0][1]
    elif context and node.id == "sequence" and node.value:
        node = node.value[0]
    read = node.value if node.id == "scalar" else None
    return isinstance(read, str) and (read == wanted or read.rstrip("\n") == wanted)
