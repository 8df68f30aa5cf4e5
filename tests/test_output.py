"""Terminal output: colors on a terminal (or FORCE_COLOR), plain when piped, a progress bar."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import RunCli, build_tree, snapshot

from portsync import cli, runner

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
RED, GREEN, BOLD = "\x1b[31m", "\x1b[32m", "\x1b[1m"

REGISTRY = """\
version: 1
services:
  api: 8000
targets:
  - path: config.yaml
    set: {port: "{{ port('api') }}"}
"""


@pytest.fixture
def drifted(tmp_path: Path) -> Path:
    return build_tree(tmp_path, {"ports.yaml": REGISTRY, "config.yaml": "port: 8001  # api\n"})


@pytest.fixture
def forced(monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> RunCli:
    """run_cli with color forced on (run_cli itself sets NO_COLOR, so drop it afterwards)."""
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    return run_cli


def plain(text: str) -> str:
    return ANSI.sub("", text)


def test_check_is_colored_when_color_is_on(drifted: Path, forced: RunCli,
                                           run_cli: RunCli) -> None:
    colored = forced("--check", cwd=drifted)
    assert colored.code == 1, colored
    assert colored.out == (f"{BOLD}config.yaml:1:\x1b[0m port: found {RED}8001\x1b[0m, "
                           f"expected {GREEN}8000\x1b[0m\n"
                           f"{RED}{BOLD}1 value drifted in 1 file, 0 already in sync\x1b[0m\n"
                           "run `portsync` to update this file\n"), colored
    # Same words as the plain report, only decorated.
    assert plain(colored.out) == "config.yaml:1: port: found 8001, expected 8000\n" \
        "1 value drifted in 1 file, 0 already in sync\nrun `portsync` to update this file\n"


def test_dry_run_diff_is_colored(drifted: Path, forced: RunCli) -> None:
    result = forced("--dry-run", cwd=drifted)
    assert result.code == 0, result
    assert f"{BOLD}--- a/config.yaml\x1b[0m\n{BOLD}+++ b/config.yaml\x1b[0m\n" in result.out
    assert f"{RED}-port: 8001  # api\x1b[0m\n{GREEN}+port: 8000  # api\x1b[0m\n" in result.out
    assert result.err == f"{GREEN}{BOLD}1 file would be updated, 0 already in sync\x1b[0m\n"
    assert (drifted / "config.yaml").read_text() == "port: 8001  # api\n"


def test_sync_and_in_sync_summaries_are_green(drifted: Path, forced: RunCli) -> None:
    result = forced(cwd=drifted)
    assert result.out == (f"{GREEN}updated\x1b[0m {BOLD}config.yaml\x1b[0m\n"
                          f"{GREEN}{BOLD}1 file updated, 0 already in sync\x1b[0m\n"), result
    again = forced("--check", cwd=drifted)
    assert again.out == f"{GREEN}{BOLD}all 1 file in sync\x1b[0m\n", again


def test_errors_and_warnings_are_colored(tmp_path: Path, forced: RunCli) -> None:
    build_tree(tmp_path, {"ports.yaml": "version: 1\nservices:\n  api: 80\n  web: 'x'\n"})
    result = forced("validate", cwd=tmp_path)
    assert result.code == 2, result
    assert result.err == (f"{BOLD}ports.yaml:4:8:\x1b[0m {RED}services.web must be a port "
                          "number or a mapping\x1b[0m\n"), result


def test_piped_output_has_no_color(drifted: Path, run_cli: RunCli,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for args in (["--check"], ["--dry-run"], ["validate"]):
        result = run_cli(*args, cwd=drifted)
        assert not ANSI.search(result.out + result.err), result


@pytest.mark.parametrize("how", ["NO_COLOR", "--no-color", "json", "github"])
def test_no_color_wins_over_force_color(drifted: Path, forced: RunCli,
                                        monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    args = ["--check"]
    if how == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    elif how == "--no-color":
        args.insert(0, "--no-color")  # before the options of the default `sync` command
    else:
        args += ["--format", how]  # machine-read formats are never colored
    result = forced(*args, cwd=drifted)
    assert result.code == 1, result
    assert "8001" in result.out
    assert not ANSI.search(result.out + result.err), result


def _many(root: Path, count: int) -> Path:
    targets = "".join(f"  - path: d/f{i}.env\n    set: {{PORT: \"{{{{ port('api') }}}}\"}}\n"
                      for i in range(count))
    files: dict[str, str | bytes] = {f"d/f{i}.env": f"# {i}\nPORT=7999\n" for i in range(count)}
    files["ports.yaml"] = "version: 1\nservices:\n  api: 8000\ntargets:\n" + targets
    return build_tree(root, files)


def test_progress_bar_when_many_files_on_a_terminal(tmp_path: Path, run_cli: RunCli,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    count = runner.PROGRESS_THRESHOLD + 1
    root = _many(tmp_path, count)
    before = snapshot(root)
    monkeypatch.setattr(runner, "isatty", lambda stream: True)
    result = run_cli("-q", "--check", cwd=root)  # -q: no bar
    assert result.code == 1, result
    assert result.err == "", result
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert f"reading {count} files" in result.err, result
    assert f"writing {count} files" in result.err, result
    assert result.out.endswith(f"{count} files updated, 0 already in sync\n"), result
    expected = {p: d.replace(b"PORT=7999", b"PORT=8000") if p.endswith(".env") else d
                for p, d in before.items()}
    assert snapshot(root) == expected


def test_no_progress_bar_for_few_files_or_when_piped(tmp_path: Path, run_cli: RunCli,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = _many(tmp_path, runner.PROGRESS_THRESHOLD + 1)
    result = run_cli("--check", cwd=root)  # stderr is not a terminal
    assert result.code == 1
    assert result.err == "", result
    monkeypatch.setattr(runner, "isatty", lambda stream: True)
    items = list(range(runner.PROGRESS_THRESHOLD))
    assert cli.progress(items, "reading") is items


def test_cached_in_sync_answer_is_colored_like_a_computed_one(drifted: Path, forced: RunCli,
                                                              cache_dir: Path) -> None:
    (drifted / "config.yaml").write_text("port: 8000  # api\n")
    first = forced("--check", cwd=drifted)
    assert list(cache_dir.rglob("*.json"))  # the second run is answered from it
    second = forced("--check", cwd=drifted)
    assert first.code == second.code == 0
    assert first.out == second.out == f"{GREEN}{BOLD}all 1 file in sync\x1b[0m\n", second


def test_no_color_may_come_before_the_command(drifted: Path, forced: RunCli) -> None:
    validate = forced("--no-color", "validate", cwd=drifted)
    assert validate.code == 0 and validate.out.startswith("ports.yaml is valid"), validate
    assert ANSI.search(forced("validate", cwd=drifted).out)  # FORCE_COLOR alone colors it
    check = forced("--no-color", "--check", cwd=drifted)
    assert check.code == 1 and not ANSI.search(check.out), check
