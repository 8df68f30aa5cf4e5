"""Find port mentions in one file's text: read each format, apply the rules of portrules.py.

A line carrying ``portsync: ignore`` holds no mentions (an example in a
comment, a port of some other system). YAML and JSON are walked by
``yamlwalk.py``; .env, TOML and text files (Markdown tables, nginx,
Dockerfiles, scripts) line by line here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portsync.adoption.compose import ComposeFile, compose_file
from portsync.adoption.files import Skipped, read_for_scan
from portsync.adoption.mentions import Lines, Mention, mention, value_hits
from portsync.adoption.portrules import Hit, directive_hits, key_words
from portsync.adoption.workers import chunked_map
from portsync.adoption.yamlwalk import scan_documents
from portsync.errors import PortsyncError, TargetError
from portsync.keypath import KeyPath
from portsync.targets import format_of
from portsync.yamlkit import parsers

_SHELL = (".sh", ".bash", ".zsh", ".ps1", ".bat", ".cmd")
_IGNORE = re.compile(r"portsync:[ \t]*ignore")


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


@dataclass(frozen=True, slots=True)
class Scanned:
    """One file read and scanned: its text and mentions, or why it was not read."""

    path: str
    text: str | Skipped
    mentions: tuple[Mention, ...] = ()
    compose: ComposeFile | None = None


def scan_files(items: Sequence[tuple[Path, str]]) -> list[Scanned]:
    """Read and scan each ``(root, relative path)`` (module level: workers run it)."""
    out = []
    for root, rel in items:
        text = read_for_scan(root, rel)
        if isinstance(text, Skipped):
            out.append(Scanned(rel, text))
        else:
            found, compose = scan_file(rel, text)
            out.append(Scanned(rel, text, tuple(found), compose))
    return out


def scan_all(root: Path, paths: Sequence[str]) -> list[Scanned]:
    """Every file read and scanned, in order; spread over the cores when there are many."""
    return chunked_map(scan_files, [(root, rel) for rel in paths])


def scan(path: str, text: str) -> list[Mention]:
    """Every port mention in one file's text (BOM already removed)."""
    return scan_file(path, text)[0]


def scan_file(path: str, text: str) -> tuple[list[Mention], ComposeFile | None]:
    """The port mentions of one file, and its services if it is a docker compose file."""
    lines = Lines(text)
    documents: list[Any] = []
    kind = kind_of(path)
    if kind in ("yaml", "json"):
        try:
            documents = parsers.documents(text, path, TargetError)
        except PortsyncError:
            kind = "unparsed"  # a Helm or Jinja template, a cut file: read line by line
    if kind in ("yaml", "json"):
        found = scan_documents(path, text, lines, documents)
    elif kind == "env":
        found = list(_scan_env(path, text, lines))
    elif kind == "toml":
        found = list(_scan_toml(path, text, lines))
    else:
        found = list(_scan_lines(path, text, kind, lines))
    if _IGNORE.search(text) is not None:
        ignored = {n for n, line in enumerate(text.split("\n"), 1) if _IGNORE.search(line)}
        found = [m for m in found if m.line not in ignored]
    return found, compose_file(path, documents)


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


def _scan_env(path: str, text: str, lines: Lines) -> Iterator[Mention]:
    for m in _ENV_LINE.finditer(text):
        found = _env_value(m.group("rest"))
        if found is None:
            continue
        offset, value = found
        at = m.start("rest") + offset
        for hit in value_hits(m.group("key"), value, None):
            yield mention(path, lines, at, hit, (m.group("key"),), value)


_TOML_TABLE = re.compile(r"^[ \t]*(?P<open>\[\[?)(?P<name>[^\]\r\n]+)\]\]?[ \t]*(?:#.*)?$",
                         re.MULTILINE)
_TOML_KEY = re.compile(r"^[ \t]*(?P<key>[A-Za-z0-9_\-.\"' ]+?)[ \t]*=[ \t]*"
                       r"(?P<val>\"[^\"\\\r\n]*\"|'[^'\r\n]*'|[+-]?[\d_]+)(?=[ \t]*(?:#|$))",
                       re.MULTILINE)


def _toml_keys(text: str) -> list[str]:
    return [k.strip().strip("\"'") for k in text.split(".")]


def _scan_toml(path: str, text: str, lines: Lines) -> Iterator[Mention]:
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
        for hit in value_hits(name, value, None):
            yield mention(path, lines, at, hit, key, value)


_TABLE_ROW = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_CELL_NUMBER = re.compile(r"(?<![\w.:/-])(?P<port>[1-9]\d{1,4})(?![\w.:-])")


_NAME_HEADERS = {"service", "services", "name", "component", "app", "application", "container",
                 "process", "server", "system"}


def _name_column(header: str, ports: set[int]) -> int:
    """The column of a table that names each row's service: "Service", else the first other."""
    cells = header.split("|")
    named = [i for i, c in enumerate(cells) if set(key_words(c)) & _NAME_HEADERS]
    others = [i for i in range(len(cells)) if i not in ports]
    return (named or others or [0])[0]


def _scan_lines(path: str, text: str, kind: str, lines: Lines) -> Iterator[Mention]:
    port_columns: set[int] = set()
    name_column = 0
    header: str | None = None
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        hits = directive_hits(body, kind)
        if kind == "unparsed":
            hits = _key_line_hits(body, hits)
        label = None
        if kind == "markdown":
            row = _TABLE_ROW.match(body)
            if row is None:
                port_columns, header = set(), None
            elif _TABLE_RULE.match(body) and header is not None:
                port_columns = {i for i, c in enumerate(header.split("|"))
                                if "port" in key_words(c)}
                name_column = _name_column(header, port_columns)
            else:
                header = row.group("cells") if not port_columns else header
                hits = _table_hits(body, row, port_columns, hits)
                cells = row.group("cells").split("|")
                if name_column < len(cells):
                    label = cells[name_column].strip(" `*") or None
        for hit in hits:
            yield mention(path, lines, pos, hit, label=label)
        pos += len(line)


_KEY_LINE = re.compile(r"""^[\s{,]*(?:-\s+)?(?P<q>["']?)(?P<key>[A-Za-z_][\w.-]*)(?P=q)\s*:\s*"""
                       r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<plain>[^\s#,{}\[\]]+))""")


def _key_line_hits(body: str, hits: list[Hit]) -> list[Hit]:
    """``port: 8080`` on a line of a YAML or JSON file that does not parse: the key rule."""
    m = _KEY_LINE.match(body)
    if m is None:
        return hits
    group = next(g for g in ("dq", "sq", "plain") if m.group(g) is not None)
    at = m.start(group)
    seen = {h.start for h in hits}
    found = [Hit(at + h.start, at + h.end, h.port, h.rule)
             for h in value_hits(m.group("key"), m.group(group), None)
             if h.rule == "key" and at + h.start not in seen]
    return sorted(hits + found, key=lambda h: h.start) if found else hits


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
