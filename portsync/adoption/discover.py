"""Find port mentions in a repository's files: list the files, walk each format, apply the rules."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portsync import fsio, yamlio
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
from portsync.editors import line_of
from portsync.errors import PortsyncError, TargetError
from portsync.keypath import KeyPath
from portsync.targets import format_of

SCAN_LIMIT = 2 * 1024 * 1024  # bigger files are data or generated, not configuration
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "dist", "build"}
_SHELL = (".sh", ".bash", ".zsh", ".ps1", ".bat", ".cmd")
_MAPPING_LISTS = {"ports", "expose"}


@dataclass(frozen=True, slots=True)
class Mention:
    """A number a file uses as a port.

    ``start``/``end`` index its digits in the file's text; in data files ``key``
    is the value's key path and ``value`` the whole scalar, the digits at
    ``offset`` inside it (``value`` is None when the source is not the literal
    value, e.g. an escaped string).
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


@dataclass(frozen=True, slots=True)
class RepoFiles:
    """The files to scan (relative posix paths) and a note on how they were listed."""

    paths: tuple[str, ...]
    note: str | None


def repo_files(root: Path) -> RepoFiles:
    """Files git tracks under root (plus new ones it does not ignore); else a plain walk."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root, capture_output=True, check=False)
    except OSError:
        done = None
    if done is not None and done.returncode == 0:
        names = sorted({n for n in done.stdout.decode("utf-8", "replace").split("\0") if n})
        return RepoFiles(tuple(n for n in names if (root / n).is_file()), None)
    walked = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        rel = Path(folder).relative_to(root)
        walked += [(rel / f).as_posix() for f in sorted(files)]
    return RepoFiles(tuple(walked), f"{root.name or root} is not a git repository: scanned every "
                                    f"file under it except {', '.join(sorted(_SKIP_DIRS))}")


def read_for_scan(root: Path, rel: str) -> str | None:
    """A file's text, or None when it is huge, binary, not UTF-8 or unreadable."""
    path = root / rel
    try:
        if path.is_symlink() or path.stat().st_size > SCAN_LIMIT:
            return None
        text = fsio.read_text(path, rel)
    except PortsyncError:
        return None
    return text.body if text is not None else None


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
    kind = kind_of(path)
    if kind in ("yaml", "json"):
        try:
            root = yamlio.compose(text, path, TargetError) if text.strip() else None
        except PortsyncError:
            return list(_scan_lines(path, text, "text"))
        return list(_walk(path, text, root, (), None))
    if kind == "env":
        return list(_scan_env(path, text))
    if kind == "toml":
        return list(_scan_toml(path, text))
    return list(_scan_lines(path, text, kind))


def _mention(path: str, text: str, at: int, hit: Hit, key: KeyPath | None = None,
             value: str | None = None) -> Mention:
    return Mention(path, line_of(text, at + hit.start), at + hit.start, at + hit.end, hit.port,
                   hit.rule, key, value, hit.start, hit.host)


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


def _walk(path: str, text: str, node: Any, key: KeyPath, in_list: str | None
          ) -> Iterator[Mention]:
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    if isinstance(node, MappingNode):
        for knode, vnode in node.value:
            if isinstance(knode, ScalarNode):
                yield from _walk(path, text, vnode, (*key, str(knode.value)), in_list)
    elif isinstance(node, SequenceNode):
        name = next((k for k in reversed(key) if isinstance(k, str)), None)
        for index, item in enumerate(node.value):
            yield from _walk(path, text, item, (*key, index), name)
    elif isinstance(node, ScalarNode) and isinstance(node.value, str):
        name = next((k for k in reversed(key) if isinstance(k, str)), None)
        start, end = node.start_mark.index, node.end_mark.index
        at = text.find(node.value, start, end) if node.value else -1
        if at >= 0 and node.style not in ("|", ">"):
            item = bool(key) and isinstance(key[-1], int)
            for hit in _value_hits(name, node.value, in_list, item):
                yield _mention(path, text, at, hit, key, node.value)
        else:  # block or escaped scalar: the string rules on its source text
            for hit in hits_in(text[start:end]):
                yield _mention(path, text, start, hit, key)


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


def _scan_env(path: str, text: str) -> Iterator[Mention]:
    for m in _ENV_LINE.finditer(text):
        found = _env_value(m.group("rest"))
        if found is None:
            continue
        offset, value = found
        at = m.start("rest") + offset
        for hit in _value_hits(m.group("key"), value, None):
            yield _mention(path, text, at, hit, (m.group("key"),), value)


_TOML_TABLE = re.compile(r"^[ \t]*(?P<open>\[\[?)(?P<name>[^\]\r\n]+)\]\]?[ \t]*(?:#.*)?$",
                         re.MULTILINE)
_TOML_KEY = re.compile(r"^[ \t]*(?P<key>[A-Za-z0-9_\-.\"' ]+?)[ \t]*=[ \t]*"
                       r"(?P<val>\"[^\"\\\r\n]*\"|'[^'\r\n]*'|[+-]?[\d_]+)(?=[ \t]*(?:#|$))",
                       re.MULTILINE)


def _toml_keys(text: str) -> list[str]:
    return [k.strip().strip("\"'") for k in text.split(".")]


def _scan_toml(path: str, text: str) -> Iterator[Mention]:
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
            yield _mention(path, text, at, hit, key, value)


_TABLE_ROW = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_CELL_NUMBER = re.compile(r"(?<![\w.:/-])(?P<port>[1-9]\d{1,4})(?![\w.:-])")


def _scan_lines(path: str, text: str, kind: str) -> Iterator[Mention]:
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
            yield _mention(path, text, pos, hit)
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
