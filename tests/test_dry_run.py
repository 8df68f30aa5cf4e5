"""--dry-run's diff applies with ``git apply`` to exactly what a sync writes, also for files
whose last line has no newline (the diff must carry git's "No newline" marker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli, build_tree, git_apply, snapshot

REGISTRY = """\
version: 1
services:
  web: 8000
targets:
  - path: last.yaml
    set: {port: "{{ port('web') }}"}
  - path: middle.yaml
    set: {port: "{{ port('web') }}"}
  - path: crlf.env
    set: {PORT: "{{ port('web') }}"}
  - path: new.md
    template: new.j2
"""
FILES: dict[str, str | bytes] = {
    "ports.yaml": REGISTRY,
    "last.yaml": "name: web\nport: 1",  # the changed line is the last, without newline
    "middle.yaml": "port: 1\nname: web",  # the unchanged last line has none either
    "crlf.env": b"NAME=web\r\nPORT=1",
    "templates/new.j2": "port {{ port('web') }}",  # a created file without final newline
}


def test_the_no_newline_marker_goes_through_git_apply(tmp_path: Path, run_cli: RunCli,
                                                      tmp_path_factory: pytest.TempPathFactory
                                                      ) -> None:
    root = build_tree(tmp_path, FILES)
    copy = build_tree(tmp_path_factory.mktemp("copy"), dict(snapshot(root)))
    result = run_cli("--dry-run", cwd=root)
    assert result.code == 0, result
    assert result.out.count("\\ No newline at end of file\n") == 6, result.out
    assert snapshot(root) == snapshot(copy)
    assert run_cli(cwd=root).code == 0
    git_apply(copy, result.out)
    assert snapshot(copy) == snapshot(root)
    assert (root / "last.yaml").read_text() == "name: web\nport: 8000"
    assert (root / "crlf.env").read_bytes() == b"NAME=web\r\nPORT=8000"
    assert (root / "new.md").read_text() == "port 8000"
