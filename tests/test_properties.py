"""Property tests of SPEC §4: only a value's bytes change, setting it back restores the file,
and a second sync through the CLI writes nothing.

Documents are generated with comments, blank lines, quoting styles, nesting,
dotted keys, LF or CRLF (and a BOM through the CLI). Each generator returns the
text and the [start, end) span of the target value, so the expected result is
exactly ``text[:start] + new + text[end:]``.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from portsync import keypath
from portsync.editors import Edited, set_editor
from tests.conftest import RunCli, build_tree
from tests.editing import set_edits

EDITOR_SETTINGS = settings(max_examples=120, deadline=None)
CLI_SETTINGS = settings(max_examples=25, deadline=None,
                        suppress_health_check=[HealthCheck.function_scoped_fixture])

# -- values ---------------------------------------------------------------------------------

ports = st.integers(1, 65535).map(str)
words = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6)
urls = st.builds(lambda host, port, path: f"http://{host}:{port}/{path}", words, ports, words)
# Comments hold the characters that confuse naive editors: quotes, colons, '#', '=' and digits.
comment_text = st.text("abc xyz:=#'\"0123456789{}[],", max_size=20)
KINDS = ("int", "dq", "sq", "plain")


@dataclass(frozen=True)
class Value:
    """A scalar as written: int, "double", 'single' or plain, and its string value."""

    kind: str
    value: str

    def text(self, fmt: str) -> str:
        """How the value is written in a file of format ``fmt``."""
        if self.kind == "dq":
            return json.dumps(self.value)
        if self.kind == "sq":
            return f"'{self.value}'"
        return self.value  # int, or plain (YAML plain scalar, unquoted .env value)


def values_of(kind: str) -> st.SearchStrategy[str]:
    """Values an editor writes back in the same style: digits for ints, URLs for plain text."""
    return {"int": ports, "plain": urls}.get(kind, st.one_of(ports, urls))


def scalars(fmt: str) -> st.SearchStrategy[Value]:
    """Filler scalars; quoted ones may hold characters that need the quotes."""
    quoted = st.text("abc :#,=-/0123456789", max_size=10)
    kinds = [st.builds(Value, st.just("int"), ports), st.builds(Value, st.just("dq"), quoted)]
    if fmt != "json":
        kinds.append(st.builds(Value, st.just("sq"), quoted))
    if fmt in ("yaml", "env"):
        kinds.append(st.builds(Value, st.just("plain"), words.map(lambda w: "w" + w)))
    return st.one_of(kinds)


@dataclass(frozen=True)
class Filler:
    """A line around the target: a comment, a blank line or another key's entry."""

    kind: str  # "comment", "blank" or "entry"
    text: str = ""
    value: Value | None = None


def fillers(fmt: str) -> st.SearchStrategy[list[Filler]]:
    entry = st.builds(Filler, st.just("entry"), st.just(""), scalars(fmt))
    comment = st.builds(Filler, st.just("comment"), comment_text)
    choices = [entry] if fmt == "json" else [entry, comment, st.just(Filler("blank"))]
    return st.lists(st.one_of(choices), max_size=4)


@dataclass(frozen=True)
class Doc:
    """A generated document: the target's key path, old value and everything around it."""

    fmt: str
    path: tuple[str, ...]
    old: Value
    before: tuple[list[Filler], ...]  # per nesting level
    after: tuple[list[Filler], ...]
    trailing: str | None  # a comment after the target value
    newline: str
    indent: int
    flow: bool  # YAML: innermost mapping in flow style; JSON: all on one line
    anchor: bool  # YAML: an &anchor before the value
    export: bool  # .env: `export KEY=`


@st.composite
def docs(draw: st.DrawFn, fmt: str, quoted_only: bool = False) -> Doc:
    if fmt == "env":
        depth = 1
        key_names = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=8)
    else:
        depth = draw(st.integers(1, 3))
        key_names = st.one_of(words, st.builds(lambda a, b: f"{a}.{b}", words, words))
    path = tuple(f"k{level}{draw(key_names)}" for level in range(depth))
    kinds = {"json": ("int", "dq"), "toml": ("int", "dq", "sq")}.get(fmt, KINDS)
    if quoted_only:
        kinds = tuple(k for k in kinds if k in ("dq", "sq"))
    kind = draw(st.sampled_from(kinds))
    old = Value(kind, draw(values_of(kind)))
    flow = draw(st.booleans())
    return Doc(
        fmt=fmt, path=path, old=old,
        before=tuple(draw(fillers(fmt)) for _ in path),
        after=tuple(draw(fillers(fmt)) for _ in path),
        trailing=draw(st.none() | comment_text) if fmt != "json" else None,
        newline=draw(st.sampled_from(["\n", "\r\n"])),
        indent=draw(st.sampled_from([2, 4])),
        flow=flow, anchor=fmt == "yaml" and draw(st.booleans()),
        export=fmt == "env" and draw(st.booleans()),
    )


class Builder:
    """Text built piece by piece, remembering where the target value sits."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.span = (0, 0)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def target(self, text: str) -> None:
        self.span = (self.size, self.size + len(text))
        self.add(text)

    def text(self) -> str:
        return "".join(self.parts)


def filler_key(level: int, index: int, before: bool) -> str:
    # Distinct from every path key (those start with "k") and from each other.
    return f"{'b' if before else 'a'}{level}x{index}"


def render_yaml(doc: Doc) -> Builder:
    out, nl = Builder(), doc.newline
    last = len(doc.path) - 1

    def line_fillers(level: int, items: list[Filler], before: bool) -> None:
        pad = " " * (doc.indent * level)
        for i, item in enumerate(items):
            if item.kind == "comment":
                out.add(f"{pad}# {item.text}{nl}")
            elif item.kind == "blank":
                out.add(nl)
            else:
                assert item.value is not None
                out.add(f"{pad}{filler_key(level, i, before)}: {item.value.text('yaml')}{nl}")

    value = ("&anchor " if doc.anchor else "")
    for level, key in enumerate(doc.path):
        pad = " " * (doc.indent * level)
        if level == last and doc.flow:
            entries = [f"{filler_key(level, i, True)}: {f.value.text('yaml')}"
                       for i, f in enumerate(doc.before[level]) if f.value is not None]
            out.add(f"{pad}{{" + "".join(e + ", " for e in entries) + f"{key}: {value}")
            out.target(doc.old.text("yaml"))
            entries = [f"{filler_key(level, i, False)}: {f.value.text('yaml')}"
                       for i, f in enumerate(doc.after[level]) if f.value is not None]
            out.add("".join(", " + e for e in entries) + "}")
            out.add(f"  # {doc.trailing}{nl}" if doc.trailing is not None else nl)
            break
        line_fillers(level, doc.before[level], True)
        if level < last:
            out.add(f"{pad}{key}:{nl}")
        else:
            out.add(f"{pad}{key}: {value}")
            out.target(doc.old.text("yaml"))
            out.add(f"  # {doc.trailing}{nl}" if doc.trailing is not None else nl)
    for level in reversed(range(len(doc.path) - (1 if doc.flow else 0))):
        line_fillers(level, doc.after[level], False)
    return out


def render_env(doc: Doc) -> Builder:
    out, nl = Builder(), doc.newline

    def lines(items: list[Filler], before: bool) -> None:
        for i, item in enumerate(items):
            if item.kind == "comment":
                out.add(f"# {item.text}{nl}")
            elif item.kind == "blank":
                out.add(nl)
            else:
                assert item.value is not None
                out.add(f"{filler_key(0, i, before).upper()}={item.value.text('env')}{nl}")

    lines(doc.before[0], True)
    out.add(("export " if doc.export else "") + doc.path[0] + "=")
    out.target(doc.old.text("env"))
    out.add(f" # {doc.trailing}{nl}" if doc.trailing is not None else nl)
    lines(doc.after[0], False)
    return out


def render_json(doc: Doc) -> Builder:
    out = Builder()
    nl = "" if doc.flow else doc.newline
    sep = " " if doc.flow else ""

    def pad(level: int) -> str:
        return "" if doc.flow else " " * (doc.indent * level)

    def members(level: int) -> None:
        items: list[Callable[[], None]] = []
        for before in (True, False):
            group = doc.before[level] if before else doc.after[level]
            for i, f in enumerate(group):
                assert f.value is not None
                text = f'{pad(level + 1)}"{filler_key(level, i, before)}": {f.value.text("json")}'
                items.append(lambda text=text: out.add(text))
            if before:
                items.append(lambda: target(level))
        for i, item in enumerate(items):
            if i:
                out.add("," + (nl or sep))
            item()

    def target(level: int) -> None:
        out.add(f"{pad(level + 1)}{json.dumps(doc.path[level])}: ")
        if level == len(doc.path) - 1:
            out.target(doc.old.text("json"))
        else:
            out.add("{" + (nl or sep))
            members(level + 1)
            out.add((nl or sep) + pad(level + 1) + "}")

    out.add("{" + (nl or sep))
    members(0)
    out.add((nl or sep) + "}" + doc.newline)
    return out


def toml_key(key: str) -> str:
    return json.dumps(key) if "." in key else key


def render_toml(doc: Doc) -> Builder:
    out, nl = Builder(), doc.newline
    *tables, leaf = doc.path

    def lines(level: int, items: list[Filler], before: bool) -> None:
        for i, item in enumerate(items):
            if item.kind == "comment":
                out.add(f"# {item.text}{nl}")
            elif item.kind == "blank":
                out.add(nl)
            else:
                assert item.value is not None
                out.add(f"{filler_key(level, i, before)} = {item.value.text('toml')}{nl}")

    lines(0, doc.before[0], True)
    if tables:
        lines(0, doc.after[0], False)  # top-level keys must come before any table
        out.add(f"{nl}[{'.'.join(toml_key(k) for k in tables)}]{nl}")
        lines(len(tables), doc.before[-1], True)
    out.add(f"{toml_key(leaf)} = ")
    out.target(doc.old.text("toml"))
    out.add(f"  # {doc.trailing}{nl}" if doc.trailing is not None else nl)
    lines(len(tables), doc.after[-1] if tables else doc.after[0], False)
    out.add(f"{nl}[zz_other]{nl}port = 1{nl}")
    return out


RENDER = {"yaml": render_yaml, "env": render_env, "json": render_json, "toml": render_toml}


def load(fmt: str, text: str) -> object:
    """The document as an independent reader sees it."""
    if fmt == "yaml":
        from ruamel.yaml import YAML

        return YAML(typ="safe", pure=True).load(text)
    if fmt == "env":
        from dotenv import dotenv_values

        # The literal text: `${X}` expansion is the reader's business, not the file's bytes.
        return dotenv_values(stream=io.StringIO(text), interpolate=False)
    if fmt == "json":
        return json.loads(text)
    return tomllib.loads(text)


def value_at(data: object, path: tuple[str, ...]) -> object:
    for key in path:
        assert isinstance(data, dict), data
        data = data[key]
    return data


def expected_text(doc: Doc, new: str) -> str:
    """The new value in the old one's style (SPEC §2 typing)."""
    return Value(doc.old.kind, new).text(doc.fmt)


def key_text(doc: Doc) -> str:
    return doc.path[0] if doc.fmt == "env" else keypath.render(doc.path)


def apply(doc: Doc, text: str, value: str) -> Edited:
    return set_editor(doc.fmt)(text, set_edits((key_text(doc), value)), f"file.{doc.fmt}")


def check_only_the_value_changes(doc: Doc, new: str) -> None:
    built = RENDER[doc.fmt](doc)
    text, (start, end) = built.text(), built.span
    assert text[start:end] == doc.old.text(doc.fmt)
    # The generated document is valid and holds the old value where we think it does.
    assert str(value_at(load(doc.fmt, text), doc.path)) == doc.old.value, text

    unchanged = apply(doc, text, doc.old.value)
    assert unchanged.text == text
    assert unchanged.changes == ()

    edited = apply(doc, text, new)
    assert edited.text == text[:start] + expected_text(doc, new) + text[end:]
    assert [(c.found, c.expected) for c in edited.changes] == [(doc.old.value, new)]
    assert str(value_at(load(doc.fmt, edited.text), doc.path)) == new

    restored = apply(doc, edited.text, doc.old.value)
    assert restored.text == text


@pytest.mark.parametrize("fmt", ["yaml", "env", "json", "toml"])
@EDITOR_SETTINGS
@given(data=st.data())
def test_setting_a_value_changes_only_its_bytes_and_back(fmt: str, data: st.DataObject) -> None:
    doc = data.draw(docs(fmt), label="doc")
    new = data.draw(values_of(doc.old.kind), label="new")
    assume(new != doc.old.value)
    check_only_the_value_changes(doc, new)


# Quotes, backslashes, '#', '=', '$', tabs and non-ASCII: what a rendered URL or template
# could hold. (No newlines: a value is one line.)
tricky = st.text("ab 09#\"'\\:={}[],$`\u00e9\t", max_size=12)


@pytest.mark.parametrize("fmt", ["yaml", "env", "json", "toml"])
@EDITOR_SETTINGS
@given(data=st.data())
def test_any_string_keeps_its_quotes_and_round_trips(fmt: str, data: st.DataObject) -> None:
    doc = data.draw(docs(fmt, quoted_only=True), label="doc")
    # A single-quoted string cannot hold a single quote in .env or TOML (YAML doubles it), nor
    # a backslash in .env (dotenv unescapes it there): those values move to double quotes.
    banned = {"yaml": "", "env": "'\\", "toml": "'"}.get(fmt, "") if doc.old.kind == "sq" else ""
    alphabet = tricky.filter(lambda v: not any(c in v for c in banned))
    new = data.draw(alphabet, label="new")
    assume(new != doc.old.value)
    # Known gap (reported): dotenv's own grammar misreads `KEY="x\\" # "` (a value ending in
    # a backslash, then a comment holding a quote); no quoting can express it.
    assume(not (fmt == "env" and new.endswith("\\") and doc.trailing))
    built = RENDER[fmt](doc)
    text, (start, end) = built.text(), built.span
    edited = apply(doc, text, new).text
    tail = len(text) - end
    assert edited[:start] == text[:start]
    assert edited[len(edited) - tail:] == text[end:]
    middle = edited[start:len(edited) - tail]
    quote = text[start]
    assert middle[0] == quote and middle[-1] == quote, middle
    assert value_at(load(fmt, edited), doc.path) == new
    assert apply(doc, edited, doc.old.value).text == text


# -- through the CLI: BOM, CRLF, several formats in one run, idempotent second run -----------

def stamps(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Bytes, mtime and inode of every file: an atomic rewrite changes the inode."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(root.iterdir()) if p.is_file()}


def registry_for(files: dict[str, tuple[Doc, str]]) -> str:
    lines = ["version: 1", "services: {web: 8000}", "targets:"]
    for name, (doc, value) in files.items():
        lines += [f"  - path: {name}", f"    set: {{{json.dumps(key_text(doc))}: "
                                          f"{json.dumps(value)}}}"]
    return "\n".join(lines) + "\n"


NAMES = {"yaml": "app.yaml", "env": "app.env", "json": "app.json", "toml": "app.toml"}


@CLI_SETTINGS
@given(data=st.data())
def test_sync_sets_values_keeps_bom_and_is_idempotent(data: st.DataObject,
                                                      run_cli: RunCli) -> None:
    fmts = data.draw(st.lists(st.sampled_from(list(NAMES)), min_size=1, max_size=4,
                              unique=True), label="formats")
    docs_ = {NAMES[f]: data.draw(docs(f), label=f) for f in fmts}
    news = {name: data.draw(values_of(doc.old.kind), label=f"new {name}")
            for name, doc in docs_.items()}
    boms = {name: data.draw(st.booleans(), label=f"bom {name}") for name in docs_}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        originals = {}
        for name, doc in docs_.items():
            built = RENDER[doc.fmt](doc)
            originals[name] = ("\ufeff" if boms[name] else "") + built.text()
        build_tree(root, {**originals,
                          "ports.yaml": registry_for({n: (d, news[n]) for n, d in docs_.items()})})

        first = run_cli(cwd=root)
        assert first.code == 0, first
        for name, doc in docs_.items():
            built = RENDER[doc.fmt](doc)
            text, (start, end) = built.text(), built.span
            expected = text[:start] + expected_text(doc, news[name]) + text[end:]
            bom = "\ufeff" if boms[name] else ""
            assert (root / name).read_bytes() == (bom + expected).encode(), name

        # Old mtimes make a rewrite visible even within the clock's resolution.
        for path in root.iterdir():
            os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
        before = stamps(root)
        second = run_cli(cwd=root)
        assert second.code == 0, second
        assert "0 files updated" in second.out, second
        assert stamps(root) == before

        (root / "ports.yaml").write_text(
            registry_for({n: (d, d.old.value) for n, d in docs_.items()}))
        back = run_cli(cwd=root)
        assert back.code == 0, back
        for name, original in originals.items():
            assert (root / name).read_bytes() == original.encode(), name
