"""The console entry point: a cache hit printed before click loads, exactly as the CLI prints it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portsync import cache
from portsync.entry import SyncLine, parse_sync
from tests.conftest import RunCli, build_tree, snapshot

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
    (["--check"], {"check": True}),
    (["sync", "--check"], {"check": True}),
    (["--check", "sync"], None),
    (["--no-color", "--check"], {"check": True, "no_color": True}),
    (["-q", "-v", "sync", "--check"], {"check": True, "quiet": True, "verbose": True}),
    (["-r", "x/ports.yaml", "--check"], {"check": True, "registry": "x/ports.yaml"}),
    (["--registry=x", "sync", "--check", "-q"], {"check": True, "registry": "x",
                                                 "quiet": True}),
    (["--check", "-rx"], {"check": True, "registry": "x"}),
    (["--check", "--env", "a", "--env=b"], {"check": True, "envs": ("a", "b")}),
    (["--check", "--format", "json"], {"check": True, "output": "json"}),
    (["--check", "--format=github"], {"check": True, "output": "github"}),
    (["--check", "--format", "xml"], None),
    (["--check", "--format", "json", "--format", "text"], None),
    (["-r", "a", "--check", "-r", "b"], None),
    (["--check", "--env"], None),
    (["--check", "--env="], None),
    (["--check", "--no-cache"], {"check": True, "no_cache": True}),
    (["--check", "--fetch"], {"check": True, "fetch": True}),
    (["--check", "--dry-run"], None),
    (["--dry-run", "-q"], {"dry_run": True, "quiet": True}),
    (["--check", "-qv"], None),
    (["--check", "--help"], None),
    (["--version"], None),
    (["--check", "--"], None),
    (["validate"], None),
    (["sync", "sync"], None),
    (["--fetch", "sync"], None),
    (["sync"], {}),
    ([], {}),
    (["-q"], {"quiet": True}),
    (["--env", "a", "--check"], {"check": True, "envs": ("a",)}),
])
def test_only_sync_command_lines_are_run_here(argv: list[str],
                                              expected: dict[str, object] | None) -> None:
    line = parse_sync(argv)
    assert (None if line is None else line._asdict()) == (
        None if expected is None else {**SyncLine()._asdict(), **expected})


@pytest.mark.parametrize(("argv", "cacheable"), [
    (["--check"], True), (["--check", "--no-cache"], False), (["--check", "--fetch"], False),
    (["--dry-run"], False), ([], False)])
def test_only_checks_that_fetch_nothing_ask_the_cache(argv: list[str], cacheable: bool) -> None:
    line = parse_sync(argv)
    assert line is not None and line.cacheable is cacheable


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
    probe = ("import sys\nfrom portsync.entry import answer_from_cache, parse_sync\n"
             f"sys.exit(answer_from_cache(parse_sync({list(args)!r})) is None)\n")
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


DRIFTED = {"ports.yaml": REGISTRY, "api/production.yaml": "port: 81  # api\n",
           "api/development.yaml": "port: 1080\n"}
SYNC_LINES = [
    (), ("--check",), ("--check", "--no-cache"), ("sync", "--check", "-q"), ("--dry-run",),
    ("-q",), ("--check", "--format", "json", "--no-cache"), ("--check", "--format", "github"),
    ("--env", "development", "--check"), ("--env", "nowhere", "--check"),
    ("-r", "missing.yaml", "--check"), ("-v", "sync", "--check", "--no-color"),
    ("--dry-run", "--format", "json"), ("--check", "--fetch"),
]


@pytest.mark.parametrize("args", SYNC_LINES)
@pytest.mark.parametrize("color", ["NO_COLOR", "FORCE_COLOR"])
def test_the_sync_command_without_click_prints_and_writes_what_click_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        args: tuple[str, ...], color: str) -> None:
    """entry.main runs these lines itself: the same bytes out, the same files, the same code."""
    from portsync import cli, entry

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("PORTSYNC_REGISTRY", raising=False)
    monkeypatch.setenv(color, "1")
    assert entry.parse_sync(list(args)) is not None
    seen = []
    for name, main in (("click", cli.main), ("entry", entry.main)):
        root = build_tree(tmp_path / name, DRIFTED)
        monkeypatch.chdir(root)
        monkeypatch.setenv("PORTSYNC_CACHE_DIR", str(tmp_path / f"cache-{name}"))
        runs = []
        for _ in range(2):  # the second --check may be a cache hit
            capsys.readouterr()
            code = main(list(args))
            out, err = capsys.readouterr()
            runs.append((code, out, err))
        seen.append((runs, snapshot(root)))
    assert seen[0] == seen[1]


def test_a_check_a_drifted_check_and_a_sync_never_import_click(tmp_path: Path) -> None:
    root = build_tree(tmp_path, DRIFTED)
    probe = ("import sys\nfrom portsync.entry import main\ncodes = [main(a) for a in "
             "(['--check'], ['--check', '-q'], [], ['--check'], ['--check', '--no-cache'])]\n"
             "print(codes, sorted(m for m in sys.modules if m.split('.')[0] == 'click'))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, text=True,
                          capture_output=True, env=os.environ, check=False, timeout=60)
    assert done.stdout.splitlines()[-1] == "[1, 1, 0, 0, 0] []", done


def test_a_cached_answer_is_for_the_registry_the_run_uses(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          run_cli: RunCli) -> None:
    """$PORTSYNC_REGISTRY names another registry than the nearest one: never its answer."""
    here = build_tree(tmp_path / "here", {"ports.yaml": REGISTRY, "api/production.yaml":
                                          "port: 80\n", "api/development.yaml": "port: 1080\n"})
    other = build_tree(tmp_path / "other", DRIFTED)
    assert run_cli("--check", cwd=here).code == 0  # remembered
    monkeypatch.setenv("PORTSYNC_REGISTRY", str(other / "ports.yaml"))
    result = run_cli("--check", cwd=here)
    assert result.code == 1, result
    assert "port: found 81, expected 80" in result.out, result


def test_the_console_script_ends_without_teardown_yet_prints_everything(tmp_path: Path) -> None:
    """entry.run (the console script) flushes, then os._exit: the same bytes as python -m."""
    names = [f"f{i}.yaml" for i in range(400)]  # drift lines past any pipe's buffer
    targets = "".join(f"  - path: {n}\n    set: {{port: \"{{{{ port('api') }}}}\"}}\n"
                      for n in names)
    root = build_tree(tmp_path, {"ports.yaml": f"version: 1\nservices:\n  api: 8000\n"
                                               f"targets:\n{targets}",
                                 **dict.fromkeys(names, "port: 1\n")})
    script = "import sys\nfrom portsync.entry import run\nsys.argv[1:] = ['--check']\nrun()\n"
    via_run = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                             text=True, check=False, timeout=60)
    via_module = _run(root, "--check")
    assert (via_run.returncode, via_run.stdout, via_run.stderr) == via_module
    assert via_module[0] == 1 and via_module[1].count("found 1, expected 8000") == 400


def test_the_console_script_runs_the_collector_rarely_and_python_m_as_usual() -> None:
    """entry.run sets the garbage collector's thresholds before main; python -m keeps them."""
    show = "import gc, portsync.entry as e\ne.main = lambda: print(gc.get_threshold()) or 0\n"
    script = subprocess.run([sys.executable, "-c", show + "e.run()"], capture_output=True,
                            text=True, check=True, timeout=60)
    module = subprocess.run([sys.executable, "-c", show + "import runpy\n"
                             "runpy.run_module('portsync', run_name='__main__')"],
                            capture_output=True, text=True, check=False, timeout=60)
    default = subprocess.run([sys.executable, "-c", "import gc; print(gc.get_threshold())"],
                             capture_output=True, text=True, check=True, timeout=60)
    assert script.stdout == "(200000, 30, 30)\n"
    assert module.stdout == default.stdout != script.stdout
