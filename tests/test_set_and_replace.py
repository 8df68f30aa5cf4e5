"""One target with both ``set`` and ``replace`` (SPEC v2 §2): spans apart, kinds per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli, build_tree, snapshot

COMPOSE = """\
services:
  web:
    image: nginx
    ports:
      - "8080:80"
      # - "8001:8081"   (the debug port, when needed)
    command: >-
      run
      -metricsPort=9091
      --verbose
"""
REGISTRY = """\
version: 1
services:
  web: {ports: {http: 8100, debug: 8101, metrics: 9191}}
targets:
  - path: compose.yaml
    set:
      services.web.ports[0]: "{{ port('web') }}:80"
    replace:
      - pattern: '# - "(\\d+):8081"'
        value: "{{ port('web', 'debug') }}"
      - pattern: '-metricsPort=(?P<port>\\d+)'
        value: "{{ port('web', 'metrics') }}"
"""


def test_set_and_replace_on_one_yaml_file_change_only_their_values(
        tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path, {"ports.yaml": REGISTRY, "compose.yaml": COMPOSE})
    check = run_cli("--check", cwd=tmp_path)
    assert check.code == 1, check
    assert "compose.yaml:5: services.web.ports[0]: found 8080:80, expected 8100:80" in check.out
    assert "compose.yaml:6: replace /# - \"(\\d+):8081\"/: found 8001, expected 8101" in check.out
    assert "compose.yaml:9: replace /-metricsPort=(?P<port>\\d+)/: found 9091, expected 9191" \
        in check.out
    result = run_cli(cwd=tmp_path)
    assert result.code == 0, result
    expected = (COMPOSE.replace('"8080:80"', '"8100:80"').replace('"8001:8081"', '"8101:8081"')
                .replace("=9091", "=9191"))
    assert (tmp_path / "compose.yaml").read_text() == expected
    before = snapshot(tmp_path)
    again = run_cli(cwd=tmp_path)
    assert again.code == 0 and "0 files updated" in again.out, again
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(("pattern", "line"), [
    ('"(\\d+):80"', 5),          # the value set manages
    ("- (\\S+)\\s+# -", 5),       # a match that starts in it
])
def test_a_replace_reaching_into_a_set_value_is_an_error_naming_both(
        tmp_path: Path, run_cli: RunCli, pattern: str, line: int) -> None:
    registry = REGISTRY.replace("'# - \"(\\d+):8081\"'", f"'{pattern}'")
    files = build_tree(tmp_path, {"ports.yaml": registry, "compose.yaml": COMPOSE})
    before = snapshot(files)
    result = run_cli(cwd=tmp_path)
    assert result.code == 2, result
    assert result.err.startswith(
        f"compose.yaml:{line}: replace /{pattern}/ (ports.yaml:9:9) matches text of the value "
        "that set services.web.ports[0] manages (line 5)"), result
    assert snapshot(files) == before


def test_the_same_file_in_two_targets_of_different_kinds_is_an_error_naming_both(
        tmp_path: Path, run_cli: RunCli) -> None:
    registry = """\
version: 1
services:
  web: 8100
targets:
  - path: compose.yaml
    set: {'services.web.ports[0]': "{{ port('web') }}:80"}
  - path: compose.yaml
    replace: [{pattern: '-metricsPort=(\\d+)', value: 1}]
"""
    build_tree(tmp_path, {"ports.yaml": registry, "compose.yaml": COMPOSE})
    result = run_cli("--check", cwd=tmp_path)
    assert result.code == 2, result
    assert result.err.startswith(
        "ports.yaml:7:5: compose.yaml is named by two targets of different kinds: set "
        "(ports.yaml:5:5) and replace; give the file one target"), result


def test_two_targets_of_one_kind_may_still_share_a_file(tmp_path: Path, run_cli: RunCli) -> None:
    registry = """\
version: 1
services:
  web: 8100
  api: 8200
targets:
  - {path: .env, set: {WEB_PORT: "{{ port('web') }}"}}
  - {path: .env, set: {API_PORT: "{{ port('api') }}"}}
"""
    build_tree(tmp_path, {"ports.yaml": registry, ".env": "WEB_PORT=1\nAPI_PORT=2\n"})
    assert run_cli(cwd=tmp_path).code == 0
    assert (tmp_path / ".env").read_text() == "WEB_PORT=8100\nAPI_PORT=8200\n"


@pytest.mark.parametrize(("name", "text", "key", "old", "new"), [
    (".env", "# PORT=8000   (example)\nPORT=8000\n", "PORT", "PORT=8000\n", "PORT=8100\n"),
    ("app.json", '{\n  // "port": 8000\n  "port": 8000\n}\n', "port", '"port": 8000\n',
     '"port": 8100\n'),
    ("app.toml", "# port = 8000\nport = 8000\n", "port", "\nport = 8000", "\nport = 8100"),
])
def test_a_commented_example_line_beside_a_set_value_in_every_format(
        tmp_path: Path, run_cli: RunCli, name: str, text: str, key: str, old: str, new: str
) -> None:
    comment = text.split("\n", 1)[0]
    registry = f"""\
version: 1
services:
  web: 8100
targets:
  - path: {name}
    set: {{{key}: "{{{{ port('web') }}}}"}}
    replace: [{{pattern: '^\\s*(?:#|//).*?(\\d+)', value: "{{{{ port('web') }}}}"}}]
"""
    build_tree(tmp_path, {"ports.yaml": registry, name: text})
    result = run_cli(cwd=tmp_path)
    assert result.code == 0, result
    assert (tmp_path / name).read_text() == text.replace(old, new).replace(
        comment, comment.replace("8000", "8100"))


@pytest.mark.parametrize("text", ["", "  \n"])
def test_an_empty_json_file_is_refused_but_a_missing_one_is_created(
        tmp_path: Path, run_cli: RunCli, text: str) -> None:
    registry = ("version: 1\nservices:\n  web: 8100\ntargets:\n"
                "  - {path: app.json, create: true, set: {port: \"{{ port('web') }}\"}}\n")
    build_tree(tmp_path, {"ports.yaml": registry, "app.json": text})
    result = run_cli(cwd=tmp_path)
    assert result.code == 2, result
    assert result.err.startswith("app.json: invalid JSON: the file is empty"), result
    assert (tmp_path / "app.json").read_text() == text
    (tmp_path / "app.json").unlink()
    assert run_cli(cwd=tmp_path).code == 0
    assert (tmp_path / "app.json").read_text() == '{\n  "port": 8100\n}\n'
