"""Key paths such as ``services.web.ports[0]``, ``routes["a.b"].upstream`` or ``env[name=PORT]``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Generic, TypeVar

from portsync import lazyre
from portsync.errors import PortsyncError, TargetError
from portsync.records import Record


class Selector(Record):
    """``[FIELD=VALUE,...]``: the one list item whose every FIELD (a dotted path) reads VALUE.

    ``text`` is the selector as the user wrote it, between the brackets, so that
    messages and drift lines name the path the way it stands in ports.yaml; it
    takes no part in comparisons.
    """

    conditions: tuple[tuple[tuple[str, ...], str], ...]
    text: str = ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Selector) and self.conditions == other.conditions

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.conditions)

    def __str__(self) -> str:
        if self.text:
            return f"[{self.text}]"
        return "[" + ",".join(_render_field(f) + "=" + _selector_value(v)
                              for f, v in self.conditions) + "]"


Segment = str | int | Selector
KeyPath = tuple[Segment, ...]
N = TypeVar("N")

_TOKEN = lazyre.Lazy(
    r"""
      \[\s*(?P<index>\d+)\s*\]                 # [3]
    | \[\s*"(?P<dq>(?:[^"\\]|\\.)*)"\s*\]      # ["a.b"]
    | \[\s*'(?P<sq>(?:[^'\\]|\\.)*)'\s*\]      # ['a.b']
    | (?P<name>[^.\[\]]+)                      # plain key
    | (?P<dot>\.)
    | (?P<selector>\[)                         # [name=web,kind="a,b"]
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_ESCAPE = lazyre.Lazy(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
# FIELD: plain keys between dots, or ["a.b"] / ['a.b'] for a key holding dots
_FIELD = lazyre.Lazy(r"""\s*((?:[^=\[\]"',]
                            |\[\s*"(?:[^"\\]|\\.)*"\s*\]
                            |\[\s*'(?:[^'\\]|\\.)*'\s*\])+?)\s*=\s*""", re.VERBOSE)
_PLAIN_FIELD = lazyre.Lazy(r"[^.\[\]\"'\s=,\x00-\x1f\x7f]+")
_QUOTED = lazyre.Lazy(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'", re.DOTALL)
_BARE_VALUE = lazyre.Lazy(r"[^,\]\"']*")
_PLAIN_KEY = lazyre.Lazy(r"[^.\[\]\"'\s\x00-\x1f\x7f]+")
_PLAIN_VALUE = lazyre.Lazy(r"[^,\]\"'\s](?:[^,\]\"']*[^,\]\"'\s])?")


def _plain_key(key: str) -> bool:
    """Whether render() may write ``key`` unquoted (``_PLAIN_KEY``)."""
    # An identifier (a '-' read as '_') holds none of the characters that need
    # quotes: the usual key is answered without compiling _PLAIN_KEY.
    return key.replace("-", "_").isidentifier() or _PLAIN_KEY.fullmatch(key) is not None


def _unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        return chr(int(code[1:], 16)) if len(code) == 5 else _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, text) if "\\" in text else text


def _quote(text: str) -> str:
    """``"text"`` with the escapes parse() reads back: a drift line stays on one line."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    out = out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", out) + '"'


def _render_field(names: tuple[str, ...]) -> str:
    parts = [name if _PLAIN_FIELD.fullmatch(name) else f"[{_quote(name)}]" for name in names]
    return "".join(part if i == 0 or part.startswith("[") else "." + part
                   for i, part in enumerate(parts))


def _selector_value(value: str) -> str:
    return value if _PLAIN_VALUE.fullmatch(value) else _quote(value)


def _bad(text: str, pos: int, why: str = "") -> PortsyncError:
    return PortsyncError(f"bad key path {text!r}" + (f": {why}" if why else "")
                         + f" at character {pos + 1}")


def _field(field: str, text: str, pos: int) -> tuple[str, ...]:
    """The keys of a selector's FIELD (``metadata.name``, ``labels["app.kubernetes.io/name"]``)."""
    if "[" not in field:
        names = tuple(part.strip() for part in field.split("."))
    else:
        try:
            names = tuple(str(seg) for seg in parse(field))
        except PortsyncError:
            names = ()
    if not all(names):
        raise _bad(text, pos, "empty field name in selector")
    return names


def _selector(text: str, start: int) -> tuple[Selector, int]:
    """The selector whose ``[`` is at ``start``, and the index just past its ``]``."""
    conditions: list[tuple[tuple[str, ...], str]] = []
    pos = start + 1
    while True:
        m = _FIELD.match(text, pos)
        if m is None:
            raise _bad(text, pos, "expected [n], [\"key\"] or [FIELD=VALUE]")
        names = _field(m.group(1), text, m.start(1))
        pos = m.end()
        quoted = _QUOTED.match(text, pos)
        if quoted is not None:
            raw = quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
            value = _unescape(raw)
            pos = quoted.end()
            while text[pos:pos + 1].isspace():
                pos += 1
        else:
            bare = _BARE_VALUE.match(text, pos)
            assert bare is not None  # the pattern matches the empty string too
            value = bare.group().strip()
            pos = bare.end()
        conditions.append((names, value))
        char = text[pos:pos + 1]
        if char == "]":
            return Selector(tuple(conditions), text[start + 1:pos].strip()), pos + 1
        if char != ",":
            raise _bad(text, pos, "expected ',' or ']' in selector")
        pos += 1


def parse(text: str) -> KeyPath:
    """Split a key path into keys (str), list indexes (int) and selectors."""
    plain = _plain_path(text)
    return _tokens(text) if plain is None else plain


def _plain_path(text: str) -> KeyPath | None:
    """The usual ``services.web.ports[0]`` read without _TOKEN, or None for any other path.

    Keys between dots, each perhaps followed by one ``[N]`` (ASCII digits): what
    _tokens reads there too. Anything else (an empty key, spaces in brackets,
    quotes, selectors) is left to _tokens, which also says where a path is bad.
    """
    segments: list[Segment] = []
    for part in text.split("."):
        key, bracket, index = part.partition("[")
        if key:
            if "]" in key:
                return None
            segments.append(key)
        if bracket:
            digits = index[:-1]
            if not (index.endswith("]") and digits.isascii() and digits.isdigit()):
                return None
            segments.append(int(digits))
        elif not key:
            return None
    return tuple(segments)


def _tokens(text: str) -> KeyPath:
    """parse() for any key path, token by token."""
    segments: list[Segment] = []
    pos = 0
    expect_key = True
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _bad(text, pos)
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
        elif m.group("selector") is not None:
            selector, pos = _selector(text, m.start())
            segments.append(selector)
        else:
            quoted = m.group("dq") if m.group("dq") is not None else m.group("sq")
            segments.append(_unescape(quoted))
        expect_key = False
    if not segments or expect_key:
        raise PortsyncError(f"bad key path {text!r}")
    return tuple(segments)


def render(path: KeyPath) -> str:
    """The text of a key path as the user wrote it (selectors included), for reports.

    Keys that need it are quoted the way parse() reads them, so a key holding a
    newline, a tab or spaces never breaks a ``PATH:LINE: KEY: ...`` line.
    """
    out = []
    for seg in path:
        if isinstance(seg, int):
            out.append(f"[{seg}]")
        elif isinstance(seg, Selector):
            out.append(str(seg))
        elif _plain_key(seg):
            out.append(f".{seg}" if out else seg)
        else:
            out.append(f"[{_quote(seg)}]")
    return "".join(out)


class Reached(Record, Generic[N]):
    """How far a key path leads: the deepest node, the keys still missing below it.

    ``trail`` holds every node from the root to ``node``; ``entry`` is the NAME
    when the path ends in a ``NAME=value`` item of a list (compose's list form
    of ``environment:``): then ``node`` is that item, or the list when no item
    has the NAME yet.
    """

    node: N
    missing: tuple[str, ...]
    trail: tuple[N, ...]
    entry: str | None = None


class Nodes(Record, Generic[N]):
    """How to read one format's node tree.

    ``kind`` names a node "mapping", "list" or "value"; ``child`` is a key's
    value or a list's item (None: no such key or item); ``where`` is a node's
    ``FILE:LINE``; ``text`` a value's text, for selectors and ``NAME=value``
    items (None: that format takes neither); ``fillable`` whether a value may
    take missing keys in its place (YAML's ``key:`` with nothing after it);
    ``field`` a key's value as a selector's condition reads it (YAML: merged
    keys too, which ``child`` refuses since they cannot be written there).
    """

    kind: Callable[[N], str]
    child: Callable[[N, str | int], N | None]
    where: Callable[[N], str]
    text: Callable[[N], str] | None = None
    fillable: Callable[[N], bool] | None = None
    field: Callable[[N, str], N | None] | None = None

    def items(self, node: N) -> list[N]:
        """Every item of a list node, in order."""
        found: list[N] = []
        while (item := self.child(node, len(found))) is not None:
            found.append(item)
        return found


def walk(root: N, path: KeyPath, nodes: Nodes[N], key: str, *, entries: bool = False
         ) -> Reached[N]:
    """Follow ``path`` from ``root`` as far as it exists.

    Running into a list or a value, a missing list item, a selector that picks
    no item or several, or a path ending on a collection is a TargetError
    naming ``key``. With ``entries``, a key into a list of ``NAME=value``
    strings picks the item holding NAME (see Reached).
    """
    node = root
    trail = [root]
    for depth, seg in enumerate(path):
        node_kind = nodes.kind(node)
        if isinstance(seg, str):
            if node_kind == "list" and entries and nodes.text is not None \
                    and (named := _named_items(node, nodes)) is not None:
                return _entry(node, named, path, depth, nodes, key, trail)
            if node_kind == "value" and nodes.fillable is not None and nodes.fillable(node):
                found = None
            elif node_kind != "mapping":
                raise _runs_into(node, node_kind, path, depth, nodes, key)
            else:
                found = nodes.child(node, seg)
        elif node_kind != "list":
            raise _runs_into(node, node_kind, path, depth, nodes, key)
        elif isinstance(seg, int):
            found = nodes.child(node, seg)
            if found is None:
                raise TargetError(f"list has no item [{seg}]", where=nodes.where(node), key=key)
        else:
            found = select(node, seg, nodes, key)
        if found is None:
            rest = path[depth:]
            if not all(isinstance(s, str) for s in rest):
                raise TargetError("list item does not exist and cannot be created",
                                  where=nodes.where(node), key=key)
            return Reached(node, tuple(str(s) for s in rest), tuple(trail))
        node = found
        trail.append(node)
    if nodes.kind(node) != "value":
        raise TargetError(f"holds a {nodes.kind(node)}, not a single value",
                          where=nodes.where(node), key=key)
    return Reached(node, (), tuple(trail))


def _runs_into(node: N, node_kind: str, path: KeyPath, depth: int, nodes: Nodes[N],
               key: str) -> TargetError:
    at = render(path[:depth]) or "the document root"
    return TargetError(f"runs into a {node_kind} at {at}", where=nodes.where(node), key=key)


def _field_text(item: N, names: tuple[str, ...], nodes: Nodes[N]) -> str | None:
    """The text of a selector's FIELD in one list item (None: the item has no such value)."""
    node: N | None = item
    for name in names:
        if node is None or nodes.kind(node) != "mapping":
            return None
        node = nodes.field(node, name) if nodes.field is not None else nodes.child(node, name)
    if node is None or nodes.kind(node) != "value" or nodes.text is None:
        return None
    return nodes.text(node)


_MAX_CANDIDATES = 8


def select(node: N, selector: Selector, nodes: Nodes[N], key: str) -> N:
    """The one item of list ``node`` that ``selector`` picks; TargetError for none or several."""
    if nodes.text is None:
        raise TargetError(f"selector {selector} is not supported in this format",
                          where=nodes.where(node), key=key)
    items = nodes.items(node)
    seen = [tuple(_field_text(item, names, nodes) for names, _ in selector.conditions)
            for item in items]
    wanted = tuple(value for _, value in selector.conditions)
    matches = [item for item, values in zip(items, seen, strict=True) if values == wanted]
    if len(matches) == 1:
        return matches[0]
    if matches:
        at = ", ".join(nodes.where(item) for item in matches)
        raise TargetError(f"selector {selector} matches {len(matches)} items ({at})",
                          where=nodes.where(node), key=key)
    names = [names for names, _ in selector.conditions]
    shown = [str(Selector(tuple((n, v) for n, v in zip(names, values, strict=True)
                                if v is not None)))
             for values in seen if any(v is not None for v in values)]
    listed = ", ".join(shown[:_MAX_CANDIDATES]) or "none"
    more = f" and {len(shown) - _MAX_CANDIDATES} more" if len(shown) > _MAX_CANDIDATES else ""
    raise TargetError(f"selector {selector} matches no item of {len(items)}; "
                      f"candidates: {listed}{more}", where=nodes.where(node), key=key)


_NAME_VALUE = lazyre.Lazy(r"([^=\s]+)(=|$)", re.DOTALL)


def _named_items(node: N, nodes: Nodes[N]) -> list[tuple[str, N]] | None:
    """(NAME, item) for a list of ``NAME=value`` strings; None for any other list."""
    assert nodes.text is not None
    named = []
    has_value = False
    for item in nodes.items(node):
        m = _NAME_VALUE.match(nodes.text(item)) if nodes.kind(item) == "value" else None
        if m is None:
            return None
        has_value |= bool(m.group(2))
        named.append((m.group(1), item))
    return named if has_value else None


def _entry(node: N, named: list[tuple[str, N]], path: KeyPath, depth: int, nodes: Nodes[N],
           key: str, trail: list[N]) -> Reached[N]:
    name = path[depth]
    assert isinstance(name, str)
    if depth + 1 < len(path):
        raise _runs_into(node, "list of NAME=value strings", path, depth + 1, nodes, key)
    found = [item for n, item in named if n == name]
    if len(found) > 1:
        at = ", ".join(nodes.where(item) for item in found)
        raise TargetError(f"{name} is set {len(found)} times in this list ({at})",
                          where=nodes.where(node), key=key)
    if not found:
        return Reached(node, (name,), tuple(trail), entry=name)
    return Reached(found[0], (), (*trail, found[0]), entry=name)
