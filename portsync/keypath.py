"""Key paths such as ``services.web.ports[0]`` or ``routes["a.b"].upstream``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from portsync.errors import PortsyncError, TargetError

Segment = str | int
KeyPath = tuple[Segment, ...]
N = TypeVar("N")

_TOKEN = re.compile(
    r"""
      \[\s*(?P<index>\d+)\s*\]                 # [3]
    | \[\s*"(?P<dq>(?:[^"\\]|\\.)*)"\s*\]      # ["a.b"]
    | \[\s*'(?P<sq>(?:[^'\\]|\\.)*)'\s*\]      # ['a.b']
    | (?P<name>[^.\[\]]+)                      # plain key
    | (?P<dot>\.)
    """,
    re.VERBOSE,
)


def parse(text: str) -> KeyPath:
    """Split a key path into keys (str) and list indexes (int)."""
    segments: list[Segment] = []
    pos = 0
    expect_key = True
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise PortsyncError(f"bad key path {text!r} at character {pos + 1}")
        pos = m.end()
        if m.group("dot") is not None:
            if expect_key:
                raise PortsyncError(f"bad key path {text!r}: empty key at character {pos}")
            expect_key = True
            continue
        if m.group("name") is not None:
            if not expect_key:
                raise PortsyncError(
                    f"bad key path {text!r}: missing '.' at character {m.start() + 1}")
            segments.append(m.group("name"))
        elif m.group("index") is not None:
            segments.append(int(m.group("index")))
        else:
            quoted = m.group("dq") if m.group("dq") is not None else m.group("sq")
            segments.append(re.sub(r"\\(.)", r"\1", quoted))
        expect_key = False
    if not segments or expect_key:
        raise PortsyncError(f"bad key path {text!r}")
    return tuple(segments)


def render(path: KeyPath) -> str:
    """The canonical text of a key path, as reports print it."""
    out = []
    for seg in path:
        if isinstance(seg, int):
            out.append(f"[{seg}]")
        elif re.fullmatch(r"[^.\[\]\"']+", seg):
            out.append(f".{seg}" if out else seg)
        else:
            out.append('["' + seg.replace("\\", "\\\\").replace('"', '\\"') + '"]')
    return "".join(out)


def descend(root: N, path: KeyPath, *, kind: Callable[[N], str],
            child: Callable[[N, Segment], N | None], where: Callable[[N], str],
            key: str) -> tuple[N, tuple[str, ...]]:
    """Follow ``path`` from ``root`` as far as it exists: (deepest node, keys still missing).

    ``kind`` names a node "mapping", "list" or "value"; ``where`` is a node's
    ``FILE:LINE``. Running into a list or a value, a missing list item, or a
    path ending on a collection is a TargetError naming ``key``.
    """
    node = root
    for depth, seg in enumerate(path):
        wanted = "mapping" if isinstance(seg, str) else "list"
        if kind(node) != wanted:
            at = render(path[:depth]) or "the document root"
            raise TargetError(f"runs into a {kind(node)} at {at}", where=where(node), key=key)
        found = child(node, seg)
        if found is None:
            rest = path[depth:]
            if isinstance(seg, int):
                raise TargetError(f"list has no item [{seg}]", where=where(node), key=key)
            if any(isinstance(s, int) for s in rest):
                raise TargetError("list item does not exist and cannot be created",
                                  where=where(node), key=key)
            return node, tuple(str(s) for s in rest)
        node = found
    if kind(node) != "value":
        raise TargetError(f"holds a {kind(node)}, not a single value", where=where(node), key=key)
    return node, ()
