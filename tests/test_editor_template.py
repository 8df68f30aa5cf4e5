"""Templates: a whole file, or only the lines between portsync:begin/end markers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portsync.editors import Edited, template
from portsync.editors.template import apply_render
from portsync.errors import TargetError
from portsync.model import RenderEdit, Source

TABLE = "| api | 8081 |\n| web | 3000 |\n"


def run(text: str, rendered: str = TABLE, block: str | None = "ports", *,
        missing: bool = False) -> Edited:
    edit = RenderEdit("table.md.j2", block, rendered, Source("ports.yaml", 5, 5))
    return apply_render(text, [edit], "README.md", whole_file_missing=missing)


@pytest.mark.parametrize(("begin", "end"), [
    ("<!-- portsync:begin ports -->", "<!-- portsync:end ports -->"),
    ("# portsync:begin ports", "# portsync:end ports"),
    ("  // portsync:begin ports (generated)", "  // portsync:end ports"),
])
def test_only_the_lines_between_the_markers_change(begin: str, end: str) -> None:
    for newline in ("\n", "\r\n"):
        head = f"# Title{newline}{newline}intro{newline}{begin}{newline}"
        tail = f"{end}{newline}footer{newline}"
        original = f"{head}| api | 8080 |{newline}stale{newline}{tail}"
        result = run(original)
        assert result.text == head + TABLE.replace("\n", newline) + tail
        assert [(c.key, c.line, c.label) for c in result.changes] == [
            (None, 4, "block ports is out of date")]


@pytest.mark.parametrize("rendered", [TABLE, TABLE.rstrip("\n"), TABLE + "\n\n"])
def test_the_block_ends_in_exactly_one_newline(rendered: str) -> None:
    original = f"<!-- portsync:begin ports -->\n{TABLE}<!-- portsync:end ports -->\n"
    result = run(original, rendered)
    assert result.text == original
    assert result.changes == ()


def test_an_empty_block_is_filled_and_an_empty_rendering_empties_it() -> None:
    empty = "a\n# portsync:begin ports\n# portsync:end ports"
    filled = run(empty)
    assert filled.text == f"a\n# portsync:begin ports\n{TABLE}# portsync:end ports"
    assert run(filled.text, "").text == empty


def test_only_the_named_block_changes() -> None:
    original = ("# portsync:begin ports-extra\nkeep\n# portsync:end ports-extra\n"
                "# portsync:begin ports\nold\n# portsync:end ports\n")
    assert run(original).text == original.replace("old\n", TABLE)


@pytest.mark.parametrize(("text", "message"), [
    ("no markers\n", "README.md: block ports: no line holds the marker 'portsync:begin ports'"),
    ("# portsync:begin ports\n", "README.md: block ports: no line holds the marker "
                                 "'portsync:end ports'"),
    ("# portsync:begin ports\n# portsync:end ports\n# portsync:begin ports\n",
     "README.md: block ports: the marker 'portsync:begin ports' appears 2 times (lines 1, 3)"),
    ("x\n# portsync:end ports\n# portsync:begin ports\n",
     "README.md:2: block ports: 'portsync:end ports' must be on a line after "
     "'portsync:begin ports'"),
    ("<!-- portsync:begin ports --><!-- portsync:end ports -->\n",
     "README.md:1: block ports: 'portsync:end ports' must be on a line after"),
])
def test_missing_duplicated_or_misordered_markers_are_errors(text: str, message: str) -> None:
    with pytest.raises(TargetError) as info:
        run(text)
    assert str(info.value).startswith(message), str(info.value)


def test_whole_file_out_of_date_keeps_its_line_endings() -> None:
    result = run("old\r\n", "line 1\nline 2\n", block=None)
    assert result.text == "line 1\r\nline 2\r\n"
    assert [(c.key, c.line, c.label) for c in result.changes] == [(None, None, "out of date")]
    assert run(result.text, "line 1\nline 2\n", block=None).changes == ()


def test_a_missing_file_is_created_and_reported_once_by_the_plan() -> None:
    result = run("", "# Ports\n", block=None, missing=True)
    assert result.text == "# Ports\n"
    assert result.changes == ()  # plan.py already reports it as missing


# --- markers are found with str.find; the pattern says which lines they are ---

def _by_pattern(text: str, word: str, name: str) -> list[tuple[int, int]]:
    pattern = template._marker_pattern(word, name)
    return [m.span() for m in re.finditer(pattern, text, re.MULTILINE)]


@pytest.mark.parametrize(("text", "lines"), [
    ("a\n# portsync:begin ports\nb\n", [(2, 25)]),
    ("# portsync:begin ports", [(0, 22)]),  # the last line, no newline after it
    ("portsync:begin\t \tports -->\n", [(0, 27)]),
    ("x portsync:begin ports portsync:begin ports\n", [(0, 44)]),  # one line, once
    ("portsync:begin portsx\nportsync:begin ports.md\nportsync:begin ports-2\n", []),
    ("portsync:begin portsé\nportsync:begin ports_\nportsync:begin ports1\n", []),
    ("portsync:beginports\nportsync:begin\nports\n", []),  # a blank between, on the line
    ("portsync:begin ports\r\nportsync:begin ports!\n", [(0, 22), (22, 44)]),
])
def test_marker_lines_are_the_lines_the_pattern_finds(
        text: str, lines: list[tuple[int, int]]) -> None:
    assert template._marker_lines(text, "begin", "ports") == lines
    assert _by_pattern(text, "begin", "ports") == lines


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["portsync:begin", "portsync:end", " ", "\t", "\n", "\r",
                                 "ports", "p", ".", "-", "_", "é", "1", "x", "#"]),
                max_size=14).map("".join),
       st.sampled_from(["begin", "end"]),
       st.sampled_from(["ports", "p", "p.x", "é", "ports-1", " p", "p\nq", "", "\tp"]))
def test_marker_lines_agree_with_the_pattern(text: str, word: str, name: str) -> None:
    assert template._marker_lines(text, word, name) == _by_pattern(text, word, name)
