"""Find port mentions in one file's text: walk each format, apply the rules of portrules.py.

A line carrying ``portsync: ignore`` holds no mentions (an example in a
comment, a port of some other system). In YAML, a value is found once,
where it is written: an alias or a ``<<`` merge does not repeat it.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace
from typing import Any

from portsync import yamlio
from portsync.adoption.portrules import (
    Hit,
    directive_hits,
    hits_in,
    is_address_key,
    is_port_key,
    key_words,
    mapping_hits,
    port_value,
)
from portsync.errors import PortsyncError, TargetError
from portsync.keypath import KeyPath
from portsync.targets import format_of

_SHELL = (".sh", ".bash", ".zsh", ".ps1", ".bat", ".cmd")
_MAPPING_LISTS = {"ports", "expose"}
_IGNORE = re.compile(r"portsync:[ \t]*ignore")
MERGE_KEY = "<<"


@dataclass(frozen=True, slots=True)
class Mention:
    """A number a file uses as a port.

    ``start``/``end`` index its digits in the file's text; in data files ``key``
    is the value's key path (None when no key path can reach it: through a
    ``<<`` merge, in a TOML array of tables) and ``value`` the whole scalar,
    the digits at ``offset`` inside it (``value`` is None when the source is
    not the literal value, e.g. an escaped string). ``selectors`` holds, for
    each list index of ``key``, the ``FIELD=VALUE`` condition that picks that
    item alone (or None); ``document`` is a YAML document's (kind, metadata.name).
    """

    path: str
    line: int
    start: int
    end: int
    port: int
    rule: str
    key: KeyPath | None = None
    value: str | None = None
    offset: int = 0
    host: str | None = None
    selectors: tuple[str | None, ...] = ()
    document: tuple[str, str] | None = None


def kind_of(path: str) -> str:
    """How a file is scanned: yaml, json, toml, env, dockerfile, nginx, shell, markdown, text."""
    fmt = format_of(path, None)
    name = path.rsplit("/", 1)[-1].lower()
    if fmt != "text":
        return fmt
    if name.startswith("dockerfile") or name.endswith(".dockerfile"):
        return "dockerfile"
    if name.endswith(".conf") or "/nginx/" in f"/{path.lower()}":
        return "nginx"
    if name.endswith(_SHELL) or name in ("makefile", "procfile", "justfile"):
        return "shell"
    if name.endswith((".md", ".markdown")):
        return "markdown"
    return "text"


def scan(path: str, text: str) -> list[Mention]:
    """Every port mention in one file's text (BOM already removed)."""
    found = _scan(path, text, _Lines(text))
    if _IGNORE.search(text) is None:
        return found
    ignored = {n for n, line in enumerate(text.splitlines(), 1) if _IGNORE.search(line)}
    return [m for m in found if m.line not in ignored]


class _Lines:
    """Line numbers of character indexes, in log time (a big file has thousands)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def of(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index)


def _scan(path: str, text: str, lines: _Lines) -> list[Mention]:
    kind = kind_of(path)
    if kind in ("yaml", "json"):
        try:
            documents = yamlio.compose_documents(text, path, TargetError)
        except PortsyncError:
            return list(_scan_lines(path, text, "text", lines))
        walker = _Walker(path, text, lines)
        found: list[Mention] = []
        chosen = _doc_selectors(documents)
        for index, document in enumerate(documents):
            walker.document_root(document)
            if len(documents) == 1:
                found += walker.walk(document, (), None, ())
            else:  # several documents: a list at the root, each picked by index or selector
                found += walker.walk(document, (index,), None, (chosen[index],))
        return found
    if kind == "env":
        return list(_scan_env(path, text, lines))
    if kind == "toml":
        return list(_scan_toml(path, text, lines))
    return list(_scan_lines(path, text, kind, lines))


def _mention(path: str, lines: _Lines, at: int, hit: Hit, key: KeyPath | None = None,
             value: str | None = None, **more: Any) -> Mention:
    return Mention(path, lines.of(at + hit.start), at + hit.start, at + hit.end, hit.port,
                   hit.rule, key, value, hit.start, hit.host, **more)


def _value_hits(name: str | None, value: str, in_list: str | None, item: bool = False
                ) -> list[Hit]:
    """The rules for one scalar under key ``name``.

    ``in_list``: the key of the list it sits in (``item``: directly, not in a mapping).
    """
    mapping_list = in_list in _MAPPING_LISTS
    if mapping_list and item:
        hits = mapping_hits(value)
        if hits:
            return hits
    long_form = mapping_list and name in ("published", "target", "host_ip")
    if (name is not None and is_port_key(name)) or long_form:
        port = port_value(value)
        if port is not None:
            lead = value.find(str(port))
            return [Hit(lead, lead + len(str(port)), port, "key")]
    return hits_in(value, address=name is not None and is_address_key(name))


_SELECTOR_PLAIN = re.compile(r"[^\s,=\[\]\"'{}]+")


def _child(node: Any, key: str) -> Any:
    """``node[key]`` of a mapping node, or None."""
    if type(node).__name__ != "MappingNode":
        return None
    return next((v for k, v in node.value if getattr(k, "value", None) == key), None)


def _scalar(node: Any, key: str) -> str | None:
    """The text of ``node[key]`` when node is a mapping and that value a non-empty scalar."""
    value = getattr(_child(node, key), "value", None)
    return value if isinstance(value, str) and value else None


def _quoted(value: str) -> str:
    if _SELECTOR_PLAIN.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _doc_selectors(documents: list[Any]) -> list[str | None]:
    """``kind=Deployment,metadata.name=cart`` for each document that it names alone."""
    chosen: list[str | None] = []
    for document in documents:
        kind, name = _scalar(document, "kind"), _scalar(_child(document, "metadata"), "name")
        chosen.append(f"kind={_quoted(kind)},metadata.name={_quoted(name)}"
                      if kind and name else None)
    return _unique(chosen)


def _item_selectors(items: list[Any]) -> list[str | None]:
    """For each item of a list, ``name=X`` when its ``name`` is unique among them."""
    names = [_scalar(item, "name") for item in items]
    return _unique([f"name={_quoted(n)}" if n is not None else None for n in names])


def _unique(selectors: list[str | None]) -> list[str | None]:
    counts = Counter(selectors)
    return [s if counts[s] == 1 else None for s in selectors]


class _Walker:
    """Yield the mentions of a YAML node tree, each written value once."""

    def __init__(self, path: str, text: str, lines: _Lines) -> None:
        self.path, self.text, self.lines = path, text, lines
        self.seen: set[int] = set()  # nodes already walked: an alias repeats none
        self.document: tuple[str, str] | None = None

    def document_root(self, node: Any) -> None:
        """Remember the (kind, metadata.name) of the document about to be walked."""
        kind, name = _scalar(node, "kind"), _scalar(_child(node, "metadata"), "name")
        self.document = (kind, name) if kind and name else None

    def walk(self, node: Any, key: KeyPath, in_list: str | None,
             selectors: tuple[str | None, ...], merged: bool = False) -> Iterator[Mention]:
        """The mentions under ``node`` at key path ``key`` (``merged``: below a ``<<``)."""
        if id(node) in self.seen:
            return
        self.seen.add(id(node))
        kind = type(node).__name__
        if kind == "MappingNode":
            # {name: HTTP_PORT, value: "8080"}: a Kubernetes env entry; its name names the value.
            named = _scalar(node, "name") if _child(node, "value") is not None else None
            for knode, vnode in node.value:
                if type(knode).__name__ != "ScalarNode":
                    continue
                sub = (*key, str(knode.value))
                if named is not None and knode.value == "value" and \
                        type(vnode).__name__ == "ScalarNode" and id(vnode) not in self.seen:
                    self.seen.add(id(vnode))
                    yield from self._scalar(vnode, sub, in_list, selectors, named, merged)
                else:
                    yield from self.walk(vnode, sub, in_list, selectors,
                                         merged or knode.value == MERGE_KEY)
        elif kind == "SequenceNode":
            name = next((k for k in reversed(key) if isinstance(k, str)), None)
            chosen = _item_selectors(node.value)
            for index, item in enumerate(node.value):
                yield from self.walk(item, (*key, index), name, (*selectors, chosen[index]),
                                     merged)
        elif kind == "ScalarNode":
            name = next((k for k in reversed(key) if isinstance(k, str)), None)
            yield from self._scalar(node, key, in_list, selectors, name, merged)

    def _scalar(self, node: Any, key: KeyPath, in_list: str | None,
                selectors: tuple[str | None, ...], name: str | None, merged: bool
                ) -> Iterator[Mention]:
        if not isinstance(node.value, str):
            return
        for m in self._hits(node, key, in_list, selectors, name):
            # A value written under a merge key has no key path an editor can follow.
            yield dataclass_replace(m, key=None, selectors=()) if merged else m

    def _hits(self, node: Any, key: KeyPath, in_list: str | None,
              selectors: tuple[str | None, ...], name: str | None) -> Iterator[Mention]:
        start, end = node.start_mark.index, node.end_mark.index
        at = self.text.find(node.value, start, end) if node.value else -1
        more: dict[str, Any] = {"selectors": selectors, "document": self.document}
        if at >= 0 and node.style not in ("|", ">"):
            item = bool(key) and isinstance(key[-1], int)
            for hit in _value_hits(name, node.value, in_list, item):
                yield _mention(self.path, self.lines, at, hit, key, node.value, **more)
        else:  # block or escaped scalar: the string rules on its source text
            for hit in hits_in(self.text[start:end]):
                yield _mention(self.path, self.lines, start, hit, key, **more)


_ENV_LINE = re.compile(r"^[ \t]*(?:export[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*"
                       r"(?P<rest>[^\r\n]*)", re.MULTILINE)


def _env_value(rest: str) -> tuple[int, str] | None:
    """Offset and text of a .env value: quoted, or unquoted up to `` #``."""
    if rest[:1] in ("'", '"'):
        close = rest.find(rest[0], 1)
        if close < 0 or "\\" in rest[:close]:
            return None
        return 1, rest[1:close]
    return 0, re.sub(r"\s+#.*$", "", rest).rstrip()


def _scan_env(path: str, text: str, lines: _Lines) -> Iterator[Mention]:
    for m in _ENV_LINE.finditer(text):
        found = _env_value(m.group("rest"))
        if found is None:
            continue
        offset, value = found
        at = m.start("rest") + offset
        for hit in _value_hits(m.group("key"), value, None):
            yield _mention(path, lines, at, hit, (m.group("key"),), value)


_TOML_TABLE = re.compile(r"^[ \t]*(?P<open>\[\[?)(?P<name>[^\]\r\n]+)\]\]?[ \t]*(?:#.*)?$",
                         re.MULTILINE)
_TOML_KEY = re.compile(r"^[ \t]*(?P<key>[A-Za-z0-9_\-.\"' ]+?)[ \t]*=[ \t]*"
                       r"(?P<val>\"[^\"\\\r\n]*\"|'[^'\r\n]*'|[+-]?[\d_]+)(?=[ \t]*(?:#|$))",
                       re.MULTILINE)


def _toml_keys(text: str) -> list[str]:
    return [k.strip().strip("\"'") for k in text.split(".")]


def _scan_toml(path: str, text: str, lines: _Lines) -> Iterator[Mention]:
    tables = [(m.start(), m) for m in _TOML_TABLE.finditer(text)]
    for m in _TOML_KEY.finditer(text):
        table = next((t for pos, t in reversed(tables) if pos < m.start()), None)
        prefix = _toml_keys(table.group("name")) if table else []
        array = table is not None and table.group("open") == "[["
        key: KeyPath | None = None if array else (*prefix, *_toml_keys(m.group("key")))
        raw = m.group("val")
        quoted = raw[:1] in ("'", '"')
        value = raw[1:-1] if quoted else raw
        at = m.start("val") + quoted
        name = _toml_keys(m.group("key"))[-1]
        for hit in _value_hits(name, value, None):
            yield _mention(path, lines, at, hit, key, value)


_TABLE_ROW = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_CELL_NUMBER = re.compile(r"(?<![\w.:/-])(?P<port>[1-9]\d{1,4})(?![\w.:-])")


def _scan_lines(path: str, text: str, kind: str, lines: _Lines) -> Iterator[Mention]:
    port_columns: set[int] = set()
    header: str | None = None
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        hits = directive_hits(body, kind)
        if kind == "markdown":
            row = _TABLE_ROW.match(body)
            if row is None:
                port_columns, header = set(), None
            elif _TABLE_RULE.match(body) and header is not None:
                port_columns = {i for i, c in enumerate(header.split("|"))
                                if "port" in key_words(c)}
            else:
                header = row.group("cells") if not port_columns else header
                hits = _table_hits(body, row, port_columns, hits)
        for hit in hits:
            yield _mention(path, lines, pos, hit)
        pos += len(line)


def _table_hits(body: str, row: re.Match[str], columns: set[int], hits: list[Hit]) -> list[Hit]:
    if not columns:
        return hits
    seen = {h.start for h in hits}
    at = row.start("cells")
    for index, cell in enumerate(row.group("cells").split("|")):
        if index in columns:
            for m in _CELL_NUMBER.finditer(cell):
                port = int(m.group("port"))
                if port <= 65535 and at + m.start() not in seen:
                    hits.append(Hit(at + m.start(), at + m.end(), port, "table"))
        at += len(cell) + 1
    return sorted(hits, key=lambda h: h.start)
