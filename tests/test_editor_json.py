"""The JSON editor changes only the bytes of the values it rewrites."""

from __future__ import annotations

import json

import pytest

from portsync.editors import Edited, jsonfile
from portsync.errors import TargetError
from tests.editing import assert_only_value_changes, set_edits


def run(text: str, *pairs: tuple[str, str]) -> Edited:
    return jsonfile.apply(text, set_edits(*pairs), "app.json")


DOC = """\
{
  "name": "web",
  "port": 3000,
  "apiUrl": "http://localhost:8080",
  "note": "caf\\u00e9 \\"quoted\\" \\/ path",
  "scripts": {"dev": "vite --port 3000", "build": "vite build"},
  "upstreams": [
    {"host": "a", "port": 8081},
    {"host": "b", "port": 8082}
  ],
  "nested": {
      "deep": {"port": 1}
  },
  "flag": true,
  "float": 8080.0,
  "a.b": {"port": 5}
}
"""


@pytest.mark.parametrize(("key", "value", "old", "new"), [
    ("port", "3001", '"port": 3000', '"port": 3001'),
    ("apiUrl", "http://localhost:9", '"http://localhost:8080"', '"http://localhost:9"'),
    ("scripts.dev", "vite --port 1", '"vite --port 3000"', '"vite --port 1"'),
    ("upstreams[1].port", "9", '"port": 8082', '"port": 9'),
    ("nested.deep.port", "2", '{"port": 1}', '{"port": 2}'),
    ('["a.b"].port', "6", '{"port": 5}', '{"port": 6}'),
    ("flag", "8000", "true", "8000"),
    ("float", "8080", "8080.0", "8080"),
    ("name", "say \"hi\" é", '"web"', '"say \\"hi\\" é"'),
])
def test_only_the_value_bytes_change(key: str, value: str, old: str, new: str) -> None:
    assert_only_value_changes(lambda text: run(text, (key, value)), DOC, old, new)


def test_value_already_right_changes_nothing_and_escapes_stay() -> None:
    result = run(DOC, ("port", "3000"), ("note", 'café "quoted" / path'), ("float", "8080.0"))
    assert result.text == DOC
    assert result.changes == ()


def test_change_reports_line_found_and_expected() -> None:
    change = run(DOC, ("upstreams[0].port", "1"), ("apiUrl", "x")).changes
    assert [(c.key, c.line, c.found, c.expected) for c in change] == [
        ("upstreams[0].port", 8, "8081", "1"), ("apiUrl", 4, "http://localhost:8080", "x")]


@pytest.mark.parametrize(("original", "value", "expected"), [
    ('{"p": 8000}', "9000", '{"p": 9000}'),          # number stays a number
    ('{"p": "8000"}', "9000", '{"p": "9000"}'),      # string stays a string
    ('{"p": 8000}', "localhost:1", '{"p": "localhost:1"}'),
    ('{"p": null}', "1", '{"p": 1}'),
    ('{"p": "x"}', "a\\b\n", '{"p": "a\\\\b\\n"}'),
])
def test_typing_rules(original: str, value: str, expected: str) -> None:
    assert run(original, ("p", value)).text == expected


@pytest.mark.parametrize(("original", "key", "value", "expected"), [
    ('{\n  "a": 1\n}\n', "b", "2", '{\n  "a": 1,\n  "b": 2\n}\n'),
    ('{\n    "a": 1\n}', "b.c", "x", '{\n    "a": 1,\n    "b": {\n        "c": "x"\n    }\n}'),
    ('{\r\n\t"a": 1\r\n}\r\n', "b", "2", '{\r\n\t"a": 1,\r\n\t"b": 2\r\n}\r\n'),
    ('{"a": 1}', "b.c", "2", '{"a": 1, "b": {"c": 2}}'),
    ('{"a":1}', "b", "2", '{"a":1, "b":2}'),
    ("{}", "a", "1", '{"a": 1}'),
    ('{\n  "s": {}\n}\n', "s.p", "1", '{\n  "s": {\n    "p": 1\n  }\n}\n'),
    ('{\n  "a": 1, // one\n  "b": 2 // two\n}\n', "c", "3",
     '{\n  "a": 1, // one\n  "b": 2, // two\n  "c": 3\n}\n'),
    ('{\n  "a": 1,\n}\n', "b", "2", '{\n  "a": 1,\n  "b": 2\n}\n'),    # trailing comma (JSONC)
    ("", "a.b", "1", '{\n  "a": {\n    "b": 1\n  }\n}\n'),
    ('{\n  "s": {"x": 1}\n}\n', "s.y", "2", '{\n  "s": {"x": 1, "y": 2}\n}\n'),
])
def test_missing_keys_are_added_in_the_files_layout(original: str, key: str, value: str,
                                                   expected: str) -> None:
    result = run(original, (key, value))
    assert result.text == expected
    assert [c.found for c in result.changes] == [None]


def test_several_missing_keys_share_new_parents_and_stay_valid_json() -> None:
    result = run('{\n  "a": 1\n}\n', ("s.x", "1"), ("s.y", "h"), ("a", "2"))
    assert result.text == '{\n  "a": 2,\n  "s": {\n    "x": 1,\n    "y": "h"\n  }\n}\n'
    assert json.loads(result.text) == {"a": 2, "s": {"x": 1, "y": "h"}}


def test_duplicate_keys_last_one_wins() -> None:
    assert run('{"p": 1, "p": 2}', ("p", "3")).text == '{"p": 1, "p": 3}'


@pytest.mark.parametrize(("original", "key", "message"), [
    ('{"a": [1, 2]}', "a.b", "app.json:1: a.b: runs into a list at a"),
    ('{\n"a": 1}', "a.b", "app.json:2: a.b: runs into a value at a"),
    ('{"a": {"b": 1}}', "a", "app.json:1: a: holds a mapping, not a single value"),
    ("[1]", "a", "app.json:1: a: runs into a list at the document root"),
    ('{"a": [1]}', "a[3]", "app.json:1: a[3]: list has no item [3]"),
    ('{"a": {}}', "a.b[0]", "app.json:1: a.b[0]: list item does not exist"),
    ('{"a": 1,,}', "a", "app.json:1:9: invalid JSON: expected a key in double quotes"),
    ('{"a": "\\x"}', "a", "app.json:1:7: invalid JSON: unterminated string or bad escape"),
    ('{"a": 1} x', "a", "app.json:1:10: invalid JSON: extra data after the document"),
    ('{\n"a": 1', "a", "app.json:2:7: invalid JSON: expected ',' or '}'"),
    ("[" * 5000, "a", "app.json:1:1: invalid JSON: nested too deeply"),
])
def test_errors_name_file_line_and_key(original: str, key: str, message: str) -> None:
    with pytest.raises(TargetError) as info:
        run(original, (key, "2"))
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize(("key", "old", "new"), [
    ("upstreams[host=b].port", '"port": 8082', '"port": 9'),
    ('upstreams[host="a",port=8081].port', '"port": 8081', '"port": 9'),
])
def test_selectors_pick_an_array_item_by_its_fields(key: str, old: str, new: str) -> None:
    assert_only_value_changes(lambda text: run(text, (key, "9")), DOC, old, new)


def test_a_selector_matching_nothing_names_the_candidates() -> None:
    with pytest.raises(TargetError) as info:
        run(DOC, ("upstreams[host=c].port", "9"))
    assert str(info.value) == ("app.json:7: upstreams[host=c].port: selector [host=c] matches "
                               "no item of 2; candidates: [host=a], [host=b]")


@pytest.mark.parametrize("value", ["0800", "\u0661\u0662", "12a"])
def test_text_that_is_not_a_json_number_is_written_as_a_string(value: str) -> None:
    result = run('{"port": 1}', ("port", value))
    assert json.loads(result.text) == {"port": value}
