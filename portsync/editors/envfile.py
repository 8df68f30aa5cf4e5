""".env editor: python-dotenv splits the bindings; only the value's bytes are replaced.

``export KEY=`` and an inline `` # comment`` are kept; an unquoted value ends
before `` #``, as dotenv reads it.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from portsync import lazyre
from portsync.editors import Edited, Span, newline_of, splice
from portsync.errors import TargetError
from portsync.model import SetEdit, ValueChange
from portsync.records import Record

# A binding's value as any text has it; a plain file's (_plain_parse) needs none of these.
_ASSIGN = lazyre.Lazy(r"\s*(?:export[ \t]+)?(?P<key>'[^'\r\n]*'|[^=\s]+)[ \t]*(?P<eq>=[ \t]*)?")
_QUOTED = {"'": lazyre.Lazy(r"'(?:\\'|[^'])*'"), '"': lazyre.Lazy(r'"(?:\\"|[^"])*"')}
_UNQUOTED = lazyre.Lazy(r"[^\r\n]*")
_COMMENT = lazyre.Lazy(r"\s+#.*")
_NEEDS_QUOTES = lazyre.Lazy(r"[\s#'\"\\$`]")
# A new name dotenv reads back as itself when written bare (no quote first, no space, = or #).
_NAME = lazyre.Lazy(r"[^\s=#'\"\\][^\s=#\\]*")


# Where a binding's value is in its text: start, end, and its quote character (None:
# unquoted; "=": no "=" yet).
ValueSpan = tuple[int, int, str | None]
# (name, value, the binding's text, its value's span: None to be found from the text)
Binding = tuple[str | None, str | None, str, ValueSpan | None]


def _value_span(chunk: str) -> ValueSpan | None:
    """Span of the value in one binding's text and its quote character (None: unquoted)."""
    m = _ASSIGN.match(chunk)
    if m is None:
        return None
    start = m.end()
    if m.group("eq") is None:
        return start, start, "="  # `KEY` alone: no '=' yet
    quote = chunk[start:start + 1]
    if quote in _QUOTED:
        q = _QUOTED[quote].match(chunk, start)
        if q is not None:
            return start, q.end(), quote
    raw = _UNQUOTED.match(chunk, start)
    assert raw is not None  # matches the empty string at least
    value = _COMMENT.sub("", raw.group()).rstrip()
    return start, start + len(value), None


def _quoted(value: str, quote: str | None) -> str:
    if quote == "'" and "'" not in value and "\\" not in value:  # dotenv unescapes \\ in '...'
        return f"'{value}'"
    if quote == "=":
        return "=" + _quoted(value, None)
    if quote is None and not _NEEDS_QUOTES.search(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class _Binding(Record):
    """One assignment of a wanted variable: its value as dotenv reads it, and where it is."""

    edit: SetEdit
    found: str
    start: int
    end: int
    quote: str | None
    line: int


def _wanted(edits: Sequence[SetEdit], label: str) -> dict[str, SetEdit]:
    wanted: dict[str, SetEdit] = {}
    for edit in edits:
        if len(edit.key) != 1 or not isinstance(edit.key[0], str):
            raise TargetError("in a .env file the key is a variable name", where=label,
                              key=edit.key_text)
        wanted[edit.key[0]] = edit
    return wanted


@functools.cache
def _dotenv_parser() -> Any:
    """python-dotenv's parser module, loaded by itself.

    The package's ``__init__`` imports its command-line helpers (logging,
    tempfile, shutil: some 20 ms of start-up, a fifth of a small check);
    ``dotenv/parser.py`` needs only the standard library. Anywhere that
    cannot be done, the package is imported as usual.
    """
    import importlib.util
    import os

    try:
        spec = importlib.util.find_spec("dotenv")
        folders = list(spec.submodule_search_locations or ()) if spec is not None else []
        alone = importlib.util.spec_from_file_location(
            "portsync.editors._dotenv_parser", os.path.join(folders[0], "parser.py"))
        if alone is None or alone.loader is None:
            raise ImportError("dotenv/parser.py not found")
        module = importlib.util.module_from_spec(alone)
        alone.loader.exec_module(module)
        if not callable(getattr(module, "parse_stream", None)):
            raise ImportError("dotenv/parser.py has no parse_stream")
    except (ImportError, IndexError, OSError, SyntaxError):
        import dotenv.parser as module
    return module


# A line whose reading by dotenv is plain: a comment, blank, or NAME= a word, or quoted text
# without a backslash, then maybe a comment. Each of dotenv's steps is one greedy match that
# never gives back: ``export `` once read is not a key (``export =`` is dotenv's error), nor
# are the blanks after ``=`` (``A=  # c`` holds "# c"). The lookaheads say so; possessive
# quantifiers would too, but Python 3.11.2's re (Debian 12's) gets an optional possessive
# group wrong.
_PLAIN_LINE = re.compile(
    r"[ \t]*(?:(?:export[ \t]+|(?!export[ \t]))(?P<key>[A-Za-z_][A-Za-z0-9_]*)[ \t]*="
    r"[ \t]*(?![ \t])(?:(?P<word>[^\s#'\"\\]*)(?:[ \t]+(?:#.*)?)?"
    r"|(?P<quoted>\"[^\"\\\n]*\"|'[^'\\\n]*')[ \t]*(?:#.*)?)|(?:#.*)?)")


def _plain_parse(text: str) -> list[Binding] | None:
    """What dotenv's parser reads in a file of plain lines only, else None.

    (name, value, the binding's text) per assignment or comment, the blank
    lines before it included, as ``parse_stream`` gives them, and the value's
    span as _value_span finds it; without dotenv's reader, which costs most of
    a small file's planning.
    """
    if "\r" in text:  # a line end to dotenv, even inside a comment
        return None
    found: list[Binding] = []
    begin = pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = _PLAIN_LINE.fullmatch(text, pos, end)
        if line is None:
            return None
        if line.group().strip(" \t"):  # a blank line belongs to the next binding
            stop = min(end + 1, len(text))
            quoted = line["quoted"]
            value = line["word"] if quoted is None else quoted[1:-1]
            span = None
            if line["key"] is not None:
                group = "word" if quoted is None else "quoted"
                span = (line.start(group) - begin, line.end(group) - begin,
                        None if quoted is None else quoted[0])
            found.append((line["key"], value, text[begin:stop], span))
            begin = stop
        pos = end + 1
    return found


def _parse(text: str) -> Iterable[Binding]:
    """Each binding, as python-dotenv's parser reads them."""
    plain = _plain_parse(text)
    if plain is not None:
        return plain
    return ((b.key, b.value, b.original.string, None)
            for b in _dotenv_parser().parse_stream(io.StringIO(text)))


def _bindings(text: str, wanted: dict[str, SetEdit]) -> Iterator[_Binding]:
    """Every assignment of a wanted variable, in file order."""
    offset = 0
    line = 1  # counted here: dotenv's own line numbers drift after blank lines
    for key, value, chunk, known in _parse(text):
        match = wanted.get(key or "")
        span = (known or _value_span(chunk)) if match is not None else None
        if match is not None and span is not None:
            start, end, quote = span
            yield _Binding(match, value if value is not None else "",
                           offset + start, offset + end, quote,
                           line + chunk.count("\n", 0, start))
        offset += len(chunk)
        line += chunk.count("\n")


def apply(text: str, edits: Sequence[SetEdit], label: str) -> Edited:
    """Set each variable (the key path is the variable name) in a .env file."""
    wanted = _wanted(edits, label)
    replacements = []
    changes: list[ValueChange] = []
    seen: set[str] = set()
    for found in _bindings(text, wanted):
        edit = found.edit
        seen.add(edit.key_text)
        if found.found != edit.value:
            replacements.append((found.start, found.end, _quoted(edit.value, found.quote)))
            changes.append(ValueChange(edit.key_text, found.line, found.found, edit.value))
    text = splice(text, replacements)
    additions = [(name, e) for name, e in wanted.items() if e.key_text not in seen]
    if additions:
        nl = newline_of(text)
        if text and not text.endswith("\n"):
            text += nl
        for name, edit in additions:
            if not _NAME.fullmatch(name) or name == "export":
                raise TargetError("in a .env file the key is a variable name: this one cannot "
                                  "be added (dotenv would read it back as another)", where=label,
                                  key=edit.key_text)
            line = text.count("\n") + 1
            text += f"{name}={_quoted(edit.value, None)}{nl}"
            changes.append(ValueChange(edit.key_text, line, None, edit.value))
    return Edited(text, tuple(changes))


def spans(text: str, edits: Sequence[SetEdit], label: str) -> list[Span]:
    """The span of each value the edits address (every assignment of it) in ``text``."""
    return [(b.start, b.end, b.edit.key_text) for b in _bindings(text, _wanted(edits, label))]
