"""Two targets writing one file: different keys merge, one key with two values is an error."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunCli, build_tree, snapshot

REGISTRY = """\
version: 1
services:
  api: 8000
  web: 8100
targets:
  - path: app.yaml
    set: {api: "{{ port('api') }}"}
  - path: app.yaml
    set: {web: "{{ port('web') }}", api: "{{ port(API) }}"}
"""


def test_same_key_same_value_is_one_edit(tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path, {"ports.yaml": REGISTRY.replace("API", "'api'"),
                          "app.yaml": "api: 1\nweb: 8100\n"})
    result = run_cli(cwd=tmp_path)
    assert result.code == 0, result
    assert (tmp_path / "app.yaml").read_text() == "api: 8000\nweb: 8100\n"


def test_same_key_two_values_names_both(tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path, {"ports.yaml": REGISTRY.replace("API", "'web'"),
                          "app.yaml": "api: 1\nweb: 8100\n"})
    before = snapshot(tmp_path)
    result = run_cli(cwd=tmp_path)
    assert result.code == 2, result
    assert result.err == ("ports.yaml:9:37: app.yaml: api: two values for one key: '8000' "
                          "(ports.yaml:7:11) and '8100'\n"), result
    assert snapshot(tmp_path) == before
