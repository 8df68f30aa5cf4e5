"""The YAML editor changes only the bytes of the values it rewrites."""

from __future__ import annotations

import pytest

from portsync.editors import yamlfile
from portsync.errors import TargetError
from portsync.model import SetEdit
from tests.editing import set_edits


def edit(key: str, value: str) -> SetEdit:
    return set_edits((key, value))[0]


def only(original: str, old: str, new: str) -> str:
    """Original with exactly one occurrence of ``old`` replaced (and it must be unique)."""
    assert original.count(old) == 1, f"{old!r} must be unique in the fixture"
    return original.replace(old, new)


DOC = """\
# Courier Development Configuration (Docker)

# Server settings (Docker needs 0.0.0.0)
host: "0.0.0.0"
port: 9765   # API

# Service Discovery (Docker DNS)
pourtier_url: "http://pourtier:9000"
passeur_url: 'http://passeur:9766'
bare_url: http://x:1
metrics: {port: 9790, enabled: true}
defaults: &defaults
  timeout: 30
  health: &health 9791
services:
  courier:
    ports:
      - "9765:9765"
      - 9790:9790
"""


@pytest.mark.parametrize(("key", "value", "old", "new"), [
    ("port", "9770", "port: 9765 ", "port: 9770 "),
    ("pourtier_url", "http://pourtier:9100", '"http://pourtier:9000"', '"http://pourtier:9100"'),
    ("passeur_url", "http://passeur:1", "'http://passeur:9766'", "'http://passeur:1'"),
    ("bare_url", "http://x:2", "http://x:1", "http://x:2"),
    ("metrics.port", "9999", "{port: 9790,", "{port: 9999,"),
    ("defaults.timeout", "31", "timeout: 30", "timeout: 31"),
    ("defaults.health", "9800", "&health 9791", "&health 9800"),
    ("services.courier.ports[0]", "1:2", '"9765:9765"', '"1:2"'),
    ("services.courier.ports[1]", "1:99", "- 9790:9790", "- 1:99"),
    # YAML 1.1 readers (PyYAML, older compose) take 1:2 for a base-60 number: quoted
    ("services.courier.ports[1]", "1:2", "- 9790:9790", '- "1:2"'),
    ("host", "8000", '"0.0.0.0"', '"8000"'),
])
def test_only_the_value_bytes_change(key: str, value: str, old: str, new: str) -> None:
    for newline in ("\n", "\r\n"):
        original = DOC.replace("\n", newline)
        result = yamlfile.apply(original, [edit(key, value)], "c.yaml")
        assert result.text == only(original, old, new)
        assert len(result.changes) == 1


def test_value_already_right_changes_nothing() -> None:
    result = yamlfile.apply(DOC, [edit("port", "9765"), edit("metrics.port", "9790")], "c.yaml")
    assert result.text == DOC
    assert result.changes == ()


def test_change_reports_line_found_and_expected() -> None:
    result = yamlfile.apply(DOC, [edit("pourtier_url", "http://pourtier:1")], "c.yaml")
    change = result.changes[0]
    assert (change.key, change.line, change.found, change.expected) == (
        "pourtier_url", 8, "http://pourtier:9000", "http://pourtier:1")


@pytest.mark.parametrize(("original", "key", "value", "expected"), [
    ("a: 1\n", "b", "2", "a: 1\nb: 2\n"),
    ("a: 1", "b", "2", "a: 1\nb: 2\n"),
    ("a: 1\r\nc: 3\r\n", "b.x", "http://h:2", "a: 1\r\nc: 3\r\nb:\r\n  x: http://h:2\r\n"),
    # after the comment lines under the previous sibling (they belong to its block)
    ("s:\n  a: 1\n  # tail comment\nt: 2\n", "s.b", "8", "s:\n  a: 1\n  # tail comment\n  b: 8\nt: 2\n"),
    ("s:\n    deep:\n        a: 1\nt: 2\n", "s.deep.b", "x y", "s:\n    deep:\n        a: 1\n        b: x y\nt: 2\n"),
    ("m: {a: 1}\n", "m.b", "2", "m: {a: 1, b: 2}\n"),
    ("m: {}\n", "m.b", "2", "m: {b: 2}\n"),
    ("", "a", "true", 'a: "true"\n'),
    ("# only a comment\n", "a.b", "7", "# only a comment\na:\n  b: 7\n"),
    ("a:\n", "a", "5", "a: 5\n"),
])
def test_missing_keys_are_added(original: str, key: str, value: str, expected: str) -> None:
    result = yamlfile.apply(original, [edit(key, value)], "c.yaml")
    assert result.text == expected
    assert result.changes[0].found is None or original.strip().endswith(":")


@pytest.mark.parametrize(("original", "value", "expected"), [
    ("p: 8000\n", "9000", "p: 9000\n"),          # number stays a number
    ("p: '8000'\n", "9000", "p: '9000'\n"),      # quoted string keeps its quotes
    ("p: \"8000\"\n", "9000", "p: \"9000\"\n"),
    ("p: abc\n", "9000", 'p: "9000"\n'),        # plain string must stay a string
    ("p: 8000\n", "yes please", "p: yes please\n"),  # plain reads back the same
    ("p: 8000\n", "yes", 'p: "yes"\n'),  # a boolean to YAML 1.1 readers
    ("p: abc\n", "null", 'p: "null"\n'),
    ("p: 'it''s'\n", "o'k", "p: 'o''k'\n"),
])
def test_typing_rules(original: str, value: str, expected: str) -> None:
    assert yamlfile.apply(original, [edit("p", value)], "c.yaml").text == expected


@pytest.mark.parametrize(("original", "key", "message"), [
    ("a: [1, 2]\n", "a.b", "c.yaml:1: a.b: runs into a list at a"),
    ("a: 1\n", "a.b", "c.yaml:1: a.b: runs into a value at a"),
    ("a: {b: 1}\n", "a", "c.yaml:1: a: holds a mapping, not a single value"),
    ("a: [1]\n", "a[3]", "c.yaml:1: a[3]: list has no item [3]"),
    ("a: 1\n", "b[0]", "c.yaml:1: b[0]: list item does not exist and cannot be created"),
    ("x: &p 1\ny: *p\n", "y", "c.yaml:2: y: the value comes from an anchor"),
    ("a: {multi\n  line}\n", "a.multi line", 'c.yaml:2: a["multi line"]: cannot place a value'),
    ("a: [\n", "a", "c.yaml:2:1: invalid YAML"),
    ("a: 1\nb: 2\na: 3\n", "a", "c.yaml:3: a: duplicate key 'a' (lines 1 and 3)"),
])
def test_errors_name_file_line_and_key(original: str, key: str, message: str) -> None:
    with pytest.raises(TargetError) as info:
        yamlfile.apply(original, [edit(key, "2")], "c.yaml")
    assert str(info.value).startswith(message), str(info.value)


def test_several_missing_siblings_share_one_new_parent() -> None:
    result = yamlfile.apply("a: 1\n", [edit("s.x", "1"), edit("s.z", "2")], "c.yaml")
    assert result.text == "a: 1\ns:\n  x: 1\n  z: 2\n"
