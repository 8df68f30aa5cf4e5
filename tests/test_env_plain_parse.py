"""The .env editor's reading of plain files (``envfile._plain_parse``) is python-dotenv's own.

Whenever the shortcut answers, it must give exactly the names, values and
binding texts that dotenv's ``parse_stream`` gives, and the value spans that
``envfile._value_span`` finds in those texts: over the dotenv corpora
and over generated files of lines that are plain, almost plain, or not at all.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portsync import fsio
from portsync.editors import envfile
from portsync.errors import TargetError
from tests.conftest import SHARED

CORPORA = SHARED / "corpora"


def _dotenv(text: str) -> list[tuple[str | None, str | None, str]]:
    stream = envfile._dotenv_parser().parse_stream(io.StringIO(text))
    return [(b.key, b.value, b.original.string) for b in stream]


def _agrees(text: str) -> bool:
    """Whether the shortcut gives dotenv's answer; True if it answered at all."""
    plain = envfile._plain_parse(text)
    if plain is None:
        return False
    # The blank lines ending a file make one more binding in dotenv, named by no one.
    expected = _dotenv(text)
    if expected and expected[-1][0] is None and not expected[-1][2].strip():
        expected.pop()
    assert [binding[:3] for binding in plain] == expected, text
    # the value's span the shortcut gives is the one found from the binding's text
    for name, _, chunk, span in plain:
        assert span == (None if name is None else envfile._value_span(chunk)), (text, chunk)
    return True


def test_plain_files_read_as_dotenv_reads_them() -> None:
    assert _agrees("# local\nexport A=1\n\n  B = two  # note\nC=\nD=   \n\n")
    assert _agrees("A=http://h:1/p?q=1&r\n#\n   # x\nexport=3\nexport  E=4")
    assert envfile._plain_parse("A=1 2\n") is None  # dotenv keeps the space: its reader
    assert _agrees("A='1'\nB=\"it's # not a comment\"#but this is\nC=\"\" \n")
    assert envfile._plain_parse('A="1\\n"\n') is None  # dotenv decodes escapes: its reader
    assert envfile._plain_parse("A=1\r\n") is None
    # dotenv never gives back what one step read: "export " is no key, the blanks after "="
    # are not the blanks before a comment (it reads "# c" as the value)
    assert envfile._plain_parse("export =\n") is None
    assert envfile._plain_parse("A=  # c\n") is None
    assert _agrees("export=3\nexportB=1\nA=  x  # c\n")


def test_the_corpora_read_as_dotenv_reads_them() -> None:
    folders = [CORPORA / "motdotla-dotenv", CORPORA / "compose-go", CORPORA / "python-dotenv"]
    files = [p for folder in folders if folder.is_dir() for p in sorted(folder.rglob("*"))
             if p.is_file() and ".env" in p.name]
    if not files:
        pytest.skip("no dotenv corpus here")
    answered = 0
    for file in files:
        try:
            text = fsio.decode(file.read_bytes(), file.name).body
        except TargetError:
            continue
        answered += _agrees(text)
        for line in text.splitlines(keepends=True):  # a file of one line each, too
            answered += _agrees(line)
    assert answered > 50


_space = st.sampled_from(["", " ", "\t", "  ", "\u00a0", "\v"])
# Each slot of NAME=value, with what is plain there and what only nearly is.
_line = st.tuples(
    _space, st.sampled_from(["", "export", "export ", "export\t", "export  "]), _space,
    st.sampled_from(["", "A", "b_2", "_", "9x", "KEY", "a.b", "é", "export", "'K'", "#"]), _space,
    st.sampled_from(["=", "", "=="]), _space,
    st.sampled_from(["", "1", "http://h:8/x?a=b", "a-b", "#c", "'q'", '"d"', "\\n", "$V",
                     "x y", "é", "1#2", '"a # b"', "''", '""', "'a\"b'", '"a\\"b"', "'a\\'b'", "'a\\\\b'",
                     '"two\nlines"', "'x", '"é \u00a0"', '"$V"']),
    _space, st.sampled_from(["", "#", "# c", "#'", "\ufeff", "\f", "#\rB=2", "y", "'"]),
).map("".join)
_files = st.tuples(st.lists(_line, max_size=6), st.sampled_from(["\n", "\n\n", "\r\n"]),
                   st.sampled_from(["", "\n", "  ", "\ufeff"]))


@settings(max_examples=800, deadline=None)
@given(_files)
def test_generated_files_read_as_dotenv_reads_them(
        parts: tuple[list[str], str, str]) -> None:
    lines, newline, end = parts
    for line in lines:  # alone, each line is plain more often than a whole file is
        _agrees(line + end)
    _agrees(newline.join(lines) + end)
