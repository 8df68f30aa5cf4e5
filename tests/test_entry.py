"""The console entry point: a cache hit printed before click loads, exactly as the CLI prints it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portsync import cache
from portsync.entry import parse_check
from tests.conftest import build_tree

REGISTRY = """\
version: 1
environments:
  production: {}
  development: {offset: 1000}
services:
  api: 80
targets:
  - path: api/{env}.yaml
    set: {port: "{{ port('api') }}"}
"""  # port 80 warns (privileged): the answer has a stderr line too


@pytest.mark.parametrize(("argv", "expected"), [
    (["--check"], {}),
    (["sync", "--check"], {}),
    (["--check", "sync"], None),
    (["--no-color", "--check"], {"no_color": True}),
    (["-q", "-v", "sync", "--check"], {"quiet": True, "verbose": True}),
    (["-r", "x/ports.yaml", "--check"], {"registry": "x/ports.yaml"}),
    (["--registry=x", "sync", "--check", "-q"], {"registry": "x", "quiet": True}),
    (["--check", "-rx"], {"registry": "x"}),
    (["--check", "--env", "a", "--env=b"], {"env": ["a", "b"]}),
    (["--check", "--format", "json"], {"format": "json"}),
    (["--check", "--format=github"], {"format": "github"}),
    (["--check", "--format", "xml"], None),
    (["--check", "--format", "json", "--format", "text"], None),
    (["-r", "a", "--check", "-r", "b"], None),
    (["--check", "--env"], None),
    (["--check", "--env="], None),
    (["--check", "--no-cache"], None),
    (["--check", "--dry-run"], None),
    (["--check", "-qv"], None),
    (["--check", "--help"], None),
    (["--check", "--"], None),
    (["validate"], None),
    (["sync"], None),
    ([], None),
    (["--env", "a", "--check"], {"env": ["a"]}),
])
def test_only_plain_check_command_lines_are_answered_here(
        argv: list[str], expected: dict[str, object] | None) -> None:
    defaults = {"registry": None, "env": [], "format": "text", "check": True, "quiet": False,
                "verbose": False, "no_color": False}
    assert parse_check(argv) == (None if expected is None else {**defaults, **expected})


def _run(root: Path, *args: str, **env: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "portsync", *args], cwd=root, text=True,
                          capture_output=True, env={**os.environ, **env}, check=False,
                          timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(("args", "color"), [
    *((args, "NO_COLOR") for args in (
        ("--check",), ("sync", "--check", "-q"), ("--check", "--format", "github"),
        ("--check", "--env", "development"), ("-v", "--check", "-r", "ports.yaml"))),
    *((args, "FORCE_COLOR") for args in (
        ("--check",), ("--no-color", "sync", "--check"), ("--check", "--format", "json"))),
])
def test_hit_prints_what_the_cold_run_printed(tmp_path: Path, args: tuple[str, ...],
                                              color: str) -> None:
    root = build_tree(tmp_path, {"ports.yaml": REGISTRY, "api/production.yaml": "port: 80\n",
                                 "api/development.yaml": "port: 1080\n"})
    env = {"NO_COLOR": "", "FORCE_COLOR": "", color: "1"}
    cold = _run(root, *args, **env)
    assert cold[0] == 0 and ("privileged" in cold[1] + cold[2]) == ("-q" not in args), cold
    plain = "--no-color" in args or "--format" in args or "-q" in args  # -q: prints nothing
    assert ("\x1b[" in cold[1] + cold[2]) == (color == "FORCE_COLOR" and not plain), cold
    probe = ("import sys\nfrom portsync.entry import answer_from_cache\n"
             f"sys.exit(answer_from_cache({list(args)!r}) is None)\n")
    hit = subprocess.run([sys.executable, "-c", probe], cwd=root, text=True,
                         capture_output=True, env={**os.environ, **env}, check=False)
    assert (hit.returncode, hit.stdout, hit.stderr) == cold, hit  # answered, identically
    assert _run(root, *args, **env) == cold


def test_guessed_folder_is_platformdirs_folder(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.delenv("PORTSYNC_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    for xdg in (None, str(tmp_path / "xdg"), "relative/cache", ""):
        if xdg is None:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CACHE_HOME", xdg)
        guessed = cache.guessed_folder(None)
        if sys.platform.startswith("linux"):
            assert guessed == cache.folder(None), xdg
        else:
            assert guessed is None
    assert cache.guessed_folder(str(tmp_path)) == cache.folder(str(tmp_path)) == str(
        tmp_path / "check")
