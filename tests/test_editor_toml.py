"""The TOML editor keeps comments and layout: only the value's bytes change."""

from __future__ import annotations

import tomllib

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
    ("a = { x = 1, }\n", "a.y", "2", "a = { x = 1, y = 2 }\n"),
    ("a = {}\n", "a.y", "2", "a = {y = 2}\n"),
    ("a = { b.c = 1 }\n", "a.b.d", "2", "a = { b.c = 1, b.d = 2 }\n"),
    ("[[w]]\nt = {a.b=1}\n[[w]]\nt = {a.b=2}\n", "w[1].t.a.c", "3",
     "[[w]]\nt = {a.b=1}\n[[w]]\nt = {a.b=2, a.c = 3}\n"),
    ("[a.b.c]\nx = 1\n", "a.b.y", "2", "[a.b.c]\nx = 1\n\n[a.b]\ny = 2\n"),
    ("a.b = 1\n[t]\n", "a.c", "2", "a.b = 1\na.c = 2\n[t]\n"),
    ("[t]\n  # indented\n  x = 1\n\n[u]\n", "t.y", "2",
     "[t]\n  # indented\n  x = 1\n  y = 2\n\n[u]\n"),
])
def test_missing_keys_are_added(original: str, key: str, value: str, expected: str) -> None:
    result = run(original, (key, value))
    assert result.text == expected
    assert [c.found for c in result.changes] == [None]


@pytest.mark.parametrize(("original", "key", "message"), [
    ("p = [80, 80]\n", "p.x", "app.toml:1: p.x: runs into a list at p"),
    ("p = 1\n", "p.x", "app.toml:1: p.x: runs into a value at p"),
    ("[p]\na = 1\n", "p", "app.toml:1: p: holds a mapping, not a single value"),
    ("p = [1]\n", "p[4]", "app.toml:1: p[4]: list has no item [4]"),
    ("# x\n\n[a]\nb = 1\n\n[a.c]\nd = [\n  1,\n]\n", "a.c.d.e",
     "app.toml:7: a.c.d.e: runs into a list at a.c.d"),
    ("[[w]]\nport = 1\n[[w]]\nport = 2\n", "w[1].port.x", "app.toml:4: w[1].port.x: runs into "
     "a value at w[1].port"),
    ("p = = 1\n", "p", "app.toml:1:5: invalid TOML: extra `=`, expected nothing"),
])
def test_errors_name_file_line_and_key(original: str, key: str, message: str) -> None:
    with pytest.raises(TargetError) as info:
        run(original, (key, "2"))
    assert str(info.value) == message


@pytest.mark.parametrize(("original", "message"), [
    ("a = {b = 1, b = 2}\n", "app.toml:1:13: invalid TOML: duplicate key"),
    ("[a]\nb = 1\n\n[a.b]\nc = 2\n", "app.toml:4:4: invalid TOML: duplicate key"),
    ("[server]\nport = 8000\nport = 8000\n", "app.toml:3:1: invalid TOML: duplicate key"),
    ("[server]\nport = 1\x0b\n", "app.toml:2:8: invalid TOML: string values must be quoted"),
    ("[server]\nport = \u0661\u0662\n", "app.toml:2:8: invalid TOML: string values must be "),
    ("\ufeffa = 1\n", "app.toml:1:1: invalid TOML: a second byte order mark"),
])
def test_input_that_toml_forbids_is_refused_at_its_line(original: str, message: str) -> None:
    with pytest.raises(TargetError) as info:
        run(original, ("server.port", "2"))
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize(("original", "value", "expected"), [
    ("debug = true\n", "false", "debug = false\n"),
    ("debug = true\n", "8080", "debug = 8080\n"),
    ("debug = true  # on\n", "on", 'debug = "on"  # on\n'),
    ("when = 1979-05-27 07:32:00Z\n", "8080", "when = 8080\n"),
    ("ratio = 0.5\n", "1", "ratio = 1\n"),
])
def test_a_value_that_is_not_a_string_or_number_is_replaced_in_place(
        original: str, value: str, expected: str) -> None:
    key = original.split(" ", 1)[0]
    result = run(original, (key, value))
    assert result.text == expected
    assert len(result.changes) == 1


def test_a_bool_already_right_is_in_sync() -> None:
    assert run("debug = true\n", ("debug", "true")).changes == ()


@pytest.mark.parametrize(("old", "value", "new"), [
    ('"a"', 'x"y\\z', '"x\\"y\\\\z"'),
    ("'a'", "it's", '"it\'s"'),
    ("'a'", "tab\there", "'tab\there'"),
    ("'a'", "new\nline", '"new\\nline"'),
    ('"""\na"""', "b\nc", '"""\nb\nc"""'),
    ("\'\'\'a\'\'\'", "b'", '"""b\'"""'),
    ("\'\'\'\na\'\'\'", "b", "\'\'\'\nb\'\'\'"),
    ('"a"', "\x7f\x00", '"\\u007f\\u0000"'),
])
def test_strings_keep_their_quote_style_where_it_can_hold_the_value(
        old: str, value: str, new: str) -> None:
    original = f"k = {old}\n"
    result = run(original, ("k", value))
    assert result.text == f"k = {new}\n"
    assert tomllib.loads(result.text)["k"] == value


def test_hex_and_underscored_numbers_are_compared_by_value() -> None:
    assert run("a = 0x1F90\nb = 8_080\n", ("a", "8080"), ("b", "8080")).changes == ()


SERVERS = """\
[[servers]]
name = "web"
port = 8000

[[servers]]
name = "api"   # the backend
port = 8080
extra = { tags = [{ name = "x", port = 1 }, { name = "y", port = 2 }] }
"""


@pytest.mark.parametrize(("key", "old", "new"), [
    ("servers[name=api].port", "port = 8080", "port = 9"),
    ('servers[name="web"].port', "port = 8000", "port = 9"),
    ("servers[name=api].extra.tags[name=y].port", "port = 2", "port = 9"),
    ("servers[port=8000,name=web].port", "port = 8000", "port = 9"),
])
def test_selectors_pick_an_array_of_tables_item_by_its_fields(key: str, old: str, new: str
                                                             ) -> None:
    assert_only_value_changes(lambda text: run(text, (key, "9")), SERVERS, old, new)


@pytest.mark.parametrize(("key", "message"), [
    ("servers[name=db].port",
     'app.toml:1: servers[name=db].port: selector [name=db] matches no item of 2; '
     'candidates: [name=web], [name=api]'),
    ("servers[port=8000].name.x", "app.toml:2: servers[port=8000].name.x: runs into a value "
     "at servers[port=8000].name"),
])
def test_selector_errors_name_the_line_and_the_candidates(key: str, message: str) -> None:
    with pytest.raises(TargetError) as info:
        run(SERVERS, (key, "9"))
    assert str(info.value) == message


def test_a_key_added_under_a_selected_item_goes_into_its_section() -> None:
    result = run(SERVERS, ("servers[name=web].host", "db"))
    assert result.text == SERVERS.replace("port = 8000\n", 'port = 8000\nhost = "db"\n')
    assert [(c.key, c.line) for c in result.changes] == [("servers[name=web].host", 4)]
