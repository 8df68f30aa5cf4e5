"""Where things sit in a TOML document that tomllib has already accepted.

tomllib (the standard library's strict TOML 1.0 parser) decides validity and
gives the values; this scanner only walks the text once to find the spans of
the paths asked for, so it may trust the document's grammar. Paths are
concrete: a string per key, an int per item of an array or array of tables.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

Path = tuple[str | int, ...]

_WS = re.compile(r"[ \t]*")
_BLANK = re.compile(r"(?:[ \t]|\r?\n|#[^\r\n]*)*")  # inside arrays: comments and newlines too
_LINE_END = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r?\n|\Z)")
_KEY = re.compile(r"""[A-Za-z0-9_-]+|"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'""")
_DOT = re.compile(r"[ \t]*\.[ \t]*")
_EQUALS = re.compile(r"[ \t]*=[ \t]*")
_STRINGS = (
    ('"""', re.compile(r'"""(?:[^"\\]|\\[\s\S]|""?(?!"))*"{3,5}')),
    ("'''", re.compile(r"'''(?:[^']|''?(?!'))*'{3,5}")),
    ('"', re.compile(r'"(?:[^"\\\r\n]|\\.)*"')),
    ("'", re.compile(r"'[^'\r\n]*'")),
)
_SCALAR = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[Zz]|[+-]\d\d:\d\d)?"
                     r"|[^\s,\]}#]+")
_BARE_KEYS = r"[A-Za-z0-9_-]+(?:[ \t]*\.[ \t]*[A-Za-z0-9_-]+)*"
_SIMPLE_VALUE = (r"\"(?:[^\"\\\r\n]|\\.)*\"(?!\")|'[^'\r\n]*'(?!')"
                 r"|[0-9A-Za-z_.:+-]+(?: [0-9][0-9:.Za-z+-]*)?"
                 r"|\[[^\[\]{}\"'#\r\n]*\]")  # a one-line array of numbers, dates or booleans
_TAIL = r"[ \t]*(?:#[^\r\n]*)?"
# Most lines of a big file are these: one regex match each, no character-level walk.
_SIMPLE_LINE = re.compile(
    rf"[ \t]*(?:(?P<header>\[(?P<aot>\[)?[ \t]*(?P<table>{_BARE_KEYS})[ \t]*\]\]?)"
    rf"|(?P<keys>{_BARE_KEYS})[ \t]*=[ \t]*(?P<value>{_SIMPLE_VALUE}))?{_TAIL}(?:\r?\n|\Z)")


def _skipper(first_keys: Collection[str]) -> re.Pattern[str]:
    """Lines to skip, in one match, in a table that no wanted path leads into.

    Simple statements, and headers whose first key starts no wanted path: no
    other header can change where a wanted path lies. Possessive, so that the
    engine keeps no backtracking state over megabytes of lines.
    """
    wanted = "|".join(re.escape(k) for k in sorted(first_keys, key=len, reverse=True))
    other_header = (rf"\[\[?[ \t]*(?!(?:{wanted})[ \t]*[.\]])" if wanted else r"\[\[?[ \t]*"
                    ) + rf"{_BARE_KEYS}[ \t]*\]\]?"
    return re.compile(rf"(?:[ \t]*(?:{_BARE_KEYS}[ \t]*=[ \t]*(?:{_SIMPLE_VALUE})"
                      rf"|{other_header})?{_TAIL}\r?\n)*+")


_DOTS = re.compile(r"[ \t]*\.[ \t]*")
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|x([0-9A-Fa-f]{2})|(.))")
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\",
                   "e": "\x1b"}


def _end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where ``pattern`` (one that also matches the empty string) ends from ``pos``."""
    m = pattern.match(text, pos)
    assert m is not None, "the pattern matches the empty string"
    return m.end()


@dataclass(slots=True)
class Section:
    """Where a new ``key = value`` line of a table goes: after its last statement."""

    end: int  # just past the line end of the header or of the last statement
    indent: str = ""


@dataclass(slots=True)
class Found:
    """What one scan found for the paths asked for."""

    spans: dict[Path, tuple[int, int]] = field(default_factory=dict)  # value or header span
    sections: dict[Path, Section] = field(default_factory=dict)  # tables with a header (or root)
    dotted: dict[Path, tuple[Path, tuple[str, ...]]] = field(default_factory=dict)
    inline: dict[Path, tuple[int, int]] = field(default_factory=dict)  # an inline table's { }


def decode_key(raw: str) -> str:
    """A bare, basic or literal key's text."""
    if raw[0] == "'":
        return raw[1:-1]
    if raw[0] != '"':
        return raw

    def unescape(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2) or m.group(3)
        return chr(int(code, 16)) if code else _SIMPLE_ESCAPES.get(m.group(4), m.group(4))

    return _ESCAPE.sub(unescape, raw[1:-1])


class _Scanner:
    def __init__(self, text: str, wanted: Collection[Path]) -> None:
        self.text = text
        self.wanted = set(wanted)
        self.prefixes = {p[:i] for p in self.wanted for i in range(len(p) + 1)}
        self.skip = _skipper({p[0] for p in self.wanted if p and isinstance(p[0], str)})
        self.found = Found()
        self.tables: dict[Path, int] = {}  # array of tables -> items seen so far

    def keys(self, pos: int) -> tuple[list[str], int]:
        text = self.text
        keys = []
        while True:
            m = _KEY.match(text, pos)
            assert m is not None, "tomllib accepted the document"
            keys.append(decode_key(m.group()))
            dot = _DOT.match(text, m.end())
            if dot is None:
                return keys, m.end()
            pos = dot.end()

    def concrete(self, keys: list[str]) -> Path:
        """A header's path: every array of tables on the way means its last item."""
        path: Path = ()
        for key in keys:
            path += (key,)
            if path in self.tables:
                path += (self.tables[path] - 1,)
        return path

    def note(self, path: Path, start: int, end: int) -> None:
        if path in self.wanted and path not in self.found.spans:
            self.found.spans[path] = (start, end)

    def value(self, pos: int, path: Path) -> int:
        """Scan the value at ``pos``; the position just past it."""
        text = self.text
        char = text[pos]
        if char == "[":
            end = self.array(pos, path)
        elif char == "{":
            end = self.inline_table(pos, path)
        else:
            m = None
            for opener, pattern in _STRINGS:
                if text.startswith(opener, pos):
                    m = pattern.match(text, pos)
                    break
            else:
                m = _SCALAR.match(text, pos)
            assert m is not None, "tomllib accepted the document"
            end = m.end()
        self.note(path, pos, end)
        return end

    def array(self, start: int, path: Path) -> int:
        text = self.text
        pos = _end(_BLANK, text, start + 1)
        index = 0
        while text[pos] != "]":
            pos = self.value(pos, (*path, index))
            index += 1
            pos = _end(_BLANK, text, pos)
            if text[pos] == ",":
                pos = _end(_BLANK, text, pos + 1)
        return pos + 1

    def inline_table(self, start: int, path: Path) -> int:
        text = self.text
        pos = _end(_BLANK, text, start + 1)
        while text[pos] != "}":
            keys, pos = self.keys(pos)
            pos = _end(_EQUALS, text, pos)
            pos = self.value(pos, (*path, *keys))
            pos = _end(_BLANK, text, pos)
            if text[pos] == ",":
                pos = _end(_BLANK, text, pos + 1)
        if path in self.prefixes:
            self.found.inline[path] = (start, pos)
        return pos + 1

    def header(self, pos: int) -> tuple[Path, int]:
        text = self.text
        double = text.startswith("[[", pos)
        keys, end = self.keys(_end(_WS, text, pos + 1 + double))
        end = _end(_WS, text, end) + 1 + double
        return self.enter(keys, double, pos, end), end

    def enter(self, keys: list[str], double: bool, pos: int, end: int) -> Path:
        """The path of the table a header at [pos, end) opens (an item, for ``[[...]]``)."""
        if double:
            parent = (*self.concrete(keys[:-1]), keys[-1])
            count = self.tables.get(parent, 0)
            self.tables[parent] = count + 1
            self.note(parent, pos, end)
            path: Path = (*parent, count)
        else:
            path = self.concrete(keys)
        self.note(path, pos, end)
        return path

    def statement(self, pos: int, section: Path) -> int:
        keys, end = self.keys(pos)
        end = _end(_EQUALS, self.text, end)
        self.dotted(keys, section, pos, end)
        return self.value(end, (*section, *keys))

    def dotted(self, keys: list[str], section: Path, pos: int, end: int) -> None:
        """Note the tables that the dotted keys of a statement define."""
        for depth in range(1, len(keys)):
            table = (*section, *keys[:depth])
            self.note(table, pos, end)
            if table in self.prefixes and table not in self.found.dotted:
                self.found.dotted[table] = (section, tuple(keys[:depth]))

    def simple(self, m: re.Match[str], section: Path) -> Path | None:
        """Take in one line that _SIMPLE_LINE matched: the section after it, None to walk it."""
        sections = self.found.sections
        if m["header"] is not None:
            section = self.enter(_DOTS.split(m["table"]), m["aot"] is not None,
                                 m.start("header"), m.end())
            if section in self.prefixes:
                sections[section] = Section(m.end())
        elif m["keys"] is not None:
            keys = _DOTS.split(m["keys"])
            path = (*section, *keys)
            if m["value"][0] == "[" and path in self.prefixes:
                return None  # a path into the array: walk it item by item
            self.dotted(keys, section, m.start("keys"), m.start("value"))
            self.note(path, *m.span("value"))
            if section in sections:
                sections[section] = Section(m.end(), self.text[m.start():m.start("keys")])
        return section

    def run(self) -> Found:
        text = self.text
        section: Path = ()
        sections = self.found.sections
        sections[()] = Section(0)
        pos = 0
        while pos < len(text):
            if section not in self.prefixes:
                pos = _end(self.skip, text, pos)
            m = _SIMPLE_LINE.match(text, pos)
            after = self.simple(m, section) if m is not None else None
            if m is not None and after is not None:
                section, pos = after, m.end()
                continue
            start = _end(_WS, text, pos)  # quoted keys, multi-line values, inline tables
            if text[start] == "[":
                section, end = self.header(start)
                pos = _end(_LINE_END, text, end)
                if section in self.prefixes:
                    sections[section] = Section(pos)
                continue
            end = self.statement(start, section)
            pos = _end(_LINE_END, text, end)
            if section in sections:
                sections[section] = Section(pos, text[text.rfind("\n", 0, start) + 1:start])
        return self.found


def scan(text: str, wanted: Collection[Path]) -> Found:
    """Spans of the ``wanted`` paths (and their tables) in a valid TOML ``text``."""
    return _Scanner(text, wanted).run()
