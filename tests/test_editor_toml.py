"""The TOML editor keeps comments and layout: only the value's bytes change."""

from __future__ import annotations

import pytest

from portsync.editors import Edited, tomlfile
from portsync.errors import TargetError
from tests.editing import assert_only_value_changes, set_edits


def run(text: str, *pairs: tuple[str, str]) -> Edited:
    return tomlfile.apply(text, set_edits(*pairs), "app.toml")


DOC = """\
# API settings
title = "api"   # shown in logs

[server]
host = '0.0.0.0'
port = 8080     # public port
url = "http://courier:8765"
inline = { port = 9100, path = "/metrics" }
limits.port = 7000

[database]
  # indented table
  port = 5432

[[workers]]
port = 8101
[[workers]]
port = 8102
ports = [8103,   8104] # pool
"""


@pytest.mark.parametrize(("key", "value", "old", "new"), [
    ("server.port", "8081", "port = 8080 ", "port = 8081 "),
    ("server.url", "http://courier:1", '"http://courier:8765"', '"http://courier:1"'),
    ("server.host", "127.0.0.1", "'0.0.0.0'", "'127.0.0.1'"),
    ("server.host", "it's", "'0.0.0.0'", '"it\'s"'),
    ("server.inline.port", "9", "port = 9100", "port = 9"),
    ("server.limits.port", "7001", "limits.port = 7000", "limits.port = 7001"),
    ("database.port", "5433", "port = 5432", "port = 5433"),
    ("workers[1].port", "1", "port = 8102", "port = 1"),
    ("workers[1].ports[1]", "2", "8104]", "2]"),
    ("server.port", "localhost:1", "port = 8080 ", 'port = "localhost:1" '),
])
def test_only_the_value_bytes_change(key: str, value: str, old: str, new: str) -> None:
    assert_only_value_changes(lambda text: run(text, (key, value)), DOC, old, new)


def test_value_already_right_changes_nothing() -> None:
    result = run(DOC, ("server.port", "8080"), ("server.host", "0.0.0.0"), ("title", "api"))
    assert result.text == DOC
    assert result.changes == ()


def test_changes_report_line_found_and_expected() -> None:
    changes = run(DOC, ("database.port", "1"), ("server.url", "x")).changes
    assert [(c.key, c.line, c.found, c.expected) for c in changes] == [
        ("database.port", 13, "5432", "1"), ("server.url", 7, "http://courier:8765", "x")]


def test_a_string_that_holds_digits_stays_a_string() -> None:
    assert run('[a]\nport = "8080"\n', ("a.port", "8081")).text == '[a]\nport = "8081"\n'


@pytest.mark.parametrize(("original", "key", "value", "expected"), [
    ("[a]\nx = 1\n\n[b]\nz = 1\n", "a.y", "2", "[a]\nx = 1\ny = 2\n\n[b]\nz = 1\n"),
    ("[a]\r\nx = 1\r\n\r\n[b]\r\n", "a.y", "h", '[a]\r\nx = 1\r\ny = "h"\r\n\r\n[b]\r\n'),
    ("[a]\nx = 1", "a.y", "2", "[a]\nx = 1\ny = 2"),
    ("a = { x = 1 }\n", "a.y", "2", "a = { x = 1, y = 2 }\n"),
    ("x = 1\n", "a.b.c", "1", "x = 1\n\n[a.b]\nc = 1\n"),
    ("", "port", "80", "port = 80\n"),
])
def test_missing_keys_are_added(original: str, key: str, value: str, expected: str) -> None:
    result = run(original, (key, value))
    assert result.text == expected
    assert [c.found for c in result.changes] == [None]


@pytest.mark.parametrize(("original", "key", "message"), [
    ("p = [80, 80]\n", "p.x", "app.toml: p.x: runs into a list at p"),
    ("p = 1\n", "p.x", "app.toml: p.x: runs into a value at p"),
    ("[p]\na = 1\n", "p", "app.toml: p: holds a mapping, not a single value"),
    ("p = [1]\n", "p[4]", "app.toml: p[4]: list has no item [4]"),
    ("p = = 1\n", "p", "app.toml:1:4: invalid TOML: Unexpected character: '='"),
])
def test_errors_name_file_and_key(original: str, key: str, message: str) -> None:
    with pytest.raises(TargetError) as info:
        run(original, (key, "2"))
    assert str(info.value) == message
