"""The command line itself: options before or after the command, help, unknown commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli, build_tree, snapshot

REGISTRY = """\
version: 1
services:
  api: 8000
  web: 8001   # privileged ports would warn; none here
targets:
  - path: config.yaml
    set: {port: "{{ port('api') }}"}
"""
IN_SYNC = "port: 8000  # api\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A registry in ``other/`` (so -r is needed from tmp_path) and its one target."""
    return build_tree(tmp_path, {"other/ports.yaml": REGISTRY, "other/config.yaml": IN_SYNC})


VALID = "other/ports.yaml is valid: 2 services, 2 ports, 1 environment, 1 target\n"


@pytest.mark.parametrize("args", [
    ("-r", "other/ports.yaml", "validate"),
    ("validate", "-r", "other/ports.yaml"),
    ("--registry", "other", "validate"),
    ("-v", "-r", "other/ports.yaml", "--no-color", "validate"),
])
def test_registry_before_or_after_the_command(repo: Path, run_cli: RunCli,
                                              args: tuple[str, ...]) -> None:
    result = run_cli(*args, cwd=repo)
    assert (result.code, result.out, result.err) == (0, VALID, ""), result


def test_an_option_after_the_command_wins_over_one_before(repo: Path,
                                                          run_cli: RunCli) -> None:
    (repo / "ports.yaml").write_text("version: 1\nservices: {}\n")
    after = run_cli("-r", "ports.yaml", "validate", "-r", "other/ports.yaml", cwd=repo)
    assert (after.code, after.out) == (0, VALID), after
    before = run_cli("-r", "ports.yaml", "validate", cwd=repo)
    assert before.out.startswith("ports.yaml is valid: 0 services"), before


@pytest.mark.parametrize("args", [
    ("-q", "--check", "-r", "other/ports.yaml"),
    ("-r", "other/ports.yaml", "-q", "--check"),
    ("sync", "--check", "-q", "-r", "other/ports.yaml"),
    ("-q", "-r", "other/ports.yaml", "sync", "--check"),
])
def test_quiet_check_prints_only_drift(repo: Path, run_cli: RunCli,
                                       args: tuple[str, ...]) -> None:
    in_sync = run_cli(*args, cwd=repo)
    assert (in_sync.code, in_sync.out, in_sync.err) == (0, "", ""), in_sync
    (repo / "other/config.yaml").write_text("port: 8009  # api\n")
    before = snapshot(repo)
    drift = run_cli(*args, cwd=repo)
    assert (drift.code, drift.out, drift.err) == (
        1, "other/config.yaml:1: port: found 8009, expected 8000\n", ""), drift
    assert snapshot(repo) == before


def test_bare_portsync_still_syncs(repo: Path, run_cli: RunCli) -> None:
    (repo / "other/config.yaml").write_text("port: 8009  # api\n")
    result = run_cli(cwd=repo / "other")
    assert (result.code, result.out) == (
        0, "updated config.yaml\n1 file updated, 0 already in sync\n"), result
    assert (repo / "other/config.yaml").read_text() == IN_SYNC


def test_quiet_before_validate_and_allocate(repo: Path, run_cli: RunCli) -> None:
    validate = run_cli("-q", "validate", cwd=repo / "other")
    assert (validate.code, validate.out, validate.err) == (0, "", ""), validate
    allocate = run_cli("-q", "allocate", "db", cwd=repo / "other")
    assert (allocate.code, allocate.out, allocate.err) == (0, "1024\n", ""), allocate
    loud = run_cli("allocate", "db", cwd=repo / "other")
    assert (loud.out, loud.err) == (
        "1024\n", "db: 1024 (default 1024); lowest free port in 1024-65535 outside named "
                  "ranges, container-only (publish: false; --publish for a host port)\n"), loud


@pytest.mark.parametrize(("args", "message"), [
    (("vaildate",), "no such command 'vaildate'; did you mean 'validate'?"),
    (("tabel",), "no such command 'tabel'; did you mean 'table'?"),
    (("-q", "allocat", "x"), "no such command 'allocat'; did you mean 'allocate'?"),
    (("--check", "frobnicate"),
     "no such command 'frobnicate'; commands: allocate, audit, help, import, init, schema, "
     "status, sync, table, validate"),
    (("-q", "table"), "-q/--quiet does not apply to table"),
    (("-r", "ports.yaml", "init"), "-r/--registry does not apply to init"),
    (("--check", "validate"),
     "--check is an option of sync: before a command only -r, -q, -v and --no-color may come"),
    (("--format", "json", "table"),
     "--format is an option of sync: before a command only -r, -q, -v and --no-color may come"),
    (("--check", "--dry-run"), "--check and --dry-run exclude each other"),
])
def test_usage_errors_are_one_line_exit_2_and_write_nothing(repo: Path, run_cli: RunCli,
                                                            args: tuple[str, ...],
                                                            message: str) -> None:
    (repo / "other/config.yaml").write_text("port: 8009  # api\n")
    before = snapshot(repo)
    result = run_cli(*args, cwd=repo / "other")
    assert result.code == 2, result
    assert result.out == ""
    assert result.err == f"portsync: error: {message} (see `portsync --help`)\n", result
    assert snapshot(repo) == before


def test_an_unknown_word_is_never_taken_for_sync(repo: Path, run_cli: RunCli) -> None:
    (repo / "other/config.yaml").write_text("port: 8009  # api\n")
    before = snapshot(repo)
    result = run_cli("config.yaml", cwd=repo / "other")
    assert result.code == 2, result
    assert result.err.startswith("portsync: error: no such command 'config.yaml'"), result
    assert snapshot(repo) == before


def test_help_shows_sync_options_and_whole_command_summaries(run_cli: RunCli) -> None:
    result = run_cli("--help")
    assert result.code == 0, result
    text = result.out
    assert text.startswith("Usage: portsync [OPTIONS] [COMMAND] [ARGS]...\n"), text
    options, commands = text.split("\nOptions:\n")[1].split("\nCommands:\n")
    for option in ("--check", "--dry-run", "--env NAME", "--format [text|json|github]",
                   "-r, --registry PATH", "-q, --quiet", "-v, --verbose", "--no-color",
                   "--version"):
        assert f"  {option} " in options, options
    assert "..." not in commands, commands  # nothing cut off
    flat = " ".join(commands.split())
    for summary in ("status Which registry ports are listening on this host now, and by which "
                    "process.",
                    "allocate The lowest free port for a new SERVICE; exit 1 when the range is "
                    "full.",
                    "validate Check ports.yaml only: schema, ranges, collisions.",
                    "help Show portsync's help, or a COMMAND's."):
        assert summary in flat, flat
    assert run_cli("help").out == text
    assert run_cli("-h").out == text


def test_help_command_shows_one_command(run_cli: RunCli) -> None:
    result = run_cli("help", "allocate")
    assert result.code == 0, result
    assert result.out == run_cli("allocate", "--help").out
    assert result.out.startswith("Usage: portsync allocate [OPTIONS] SERVICE\n"), result
    wrong = run_cli("help", "alocate")
    assert (wrong.code, wrong.err) == (
        2, "portsync: error: no such command 'alocate'; did you mean 'allocate'? "
           "(see `portsync --help`)\n"), wrong


def test_schema_accepts_verbose(run_cli: RunCli) -> None:
    result = run_cli("-v", "schema")
    assert result.code == 0, result
    assert result.out.startswith("{") and result.out.endswith("}\n"), result.out[-20:]


@pytest.mark.parametrize(("args", "fix"), [
    (("--check", "-r", "other/ports.yaml"), "portsync -r other/ports.yaml"),
    (("-r", "other", "--check", "--env", "default"), "portsync -r other --env default"),
    (("-r", "other dir/../other", "sync", "--check"), "portsync -r 'other dir/../other'"),
])
def test_a_failed_check_ends_with_the_command_that_fixes_it(repo: Path, run_cli: RunCli,
                                                            args: tuple[str, ...],
                                                            fix: str) -> None:
    (repo / "other dir").mkdir()
    (repo / "other/config.yaml").write_text("port: 8009  # api\n")
    result = run_cli(*args, cwd=repo)
    assert (result.code, result.err) == (1, ""), result
    assert result.out == ("other/config.yaml:1: port: found 8009, expected 8000\n"
                          "1 value drifted in 1 file, 0 already in sync\n"
                          f"run `{fix}` to update this file\n"), result
    # The command it names does fix it.
    import shlex

    assert run_cli(*shlex.split(fix)[1:], cwd=repo).code == 0
    assert (repo / "other/config.yaml").read_text() == IN_SYNC
    assert run_cli(*args, cwd=repo).out == "all 1 file in sync\n"


def test_the_fix_in_github_and_json_formats(repo: Path, run_cli: RunCli) -> None:
    import json

    (repo / "other/config.yaml").write_text("port: 8009  # api\n")
    github = run_cli("-r", "other", "--check", "--format", "github", cwd=repo)
    assert github.out.splitlines()[-2:] == ["1 value drifted in 1 file, 0 already in sync",
                                            "run `portsync -r other` to update this file"]
    document = json.loads(run_cli("-r", "other", "--check", "--format", "json", cwd=repo).out)
    assert document["fix"] == "portsync -r other"
    for args in (("--dry-run",), ()):  # only a failed check names a fix
        document = json.loads(run_cli("-r", "other", *args, "--format", "json", cwd=repo).out)
        assert document["fix"] is None, document
    assert json.loads(run_cli("-r", "other", "--check", "--format", "json",
                              cwd=repo).out)["fix"] is None


def test_a_dry_run_names_no_fix(repo: Path, run_cli: RunCli) -> None:
    (repo / "other/config.yaml").write_text("port: 8009  # api\n")
    result = run_cli("-r", "other", "--dry-run", cwd=repo)
    assert result.err == "1 file would be updated, 0 already in sync\n", result


def test_registry_from_the_environment(repo: Path, run_cli: RunCli,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTSYNC_REGISTRY", str(repo / "other"))
    result = run_cli("validate", cwd=repo)
    assert (result.code, result.out) == (0, VALID), result
    monkeypatch.setenv("PORTSYNC_REGISTRY", "nowhere/ports.yaml")
    missing = run_cli("validate", cwd=repo)
    assert (missing.code, missing.err) == (
        2, "portsync: error: registry not found: nowhere/ports.yaml (from $PORTSYNC_REGISTRY)\n")
    assert run_cli("-r", "other", "validate", cwd=repo).code == 0  # -r comes first


def test_only_the_cli_imports_click_or_reads_the_environment() -> None:
    """The core is plain functions: flags, colors and $VARIABLES are the CLI's business."""
    import re

    # entry.py answers a cached check before click loads: it reads what cli.py reads.
    # cache.py finds the platform's cache folder as platformdirs does, from HOME/XDG.
    allowed = {"cli.py": None, "entry.py": None, "cache.py": {"HOME", "XDG_CACHE_HOME"}}
    package = Path(__file__).resolve().parents[1] / "portsync"
    offenders = []
    for module in sorted(package.rglob("*.py")):
        text = module.read_text(encoding="utf-8")
        name = module.relative_to(package).as_posix()
        if name != "cli.py" and re.search(r"^\s*(import|from) click\b", text, re.M):
            offenders.append(f"{name}: imports click")
        if name in allowed and allowed[name] is None:
            continue
        reads = re.findall(r"os\.environ(?:\.get\(|\[)\s*[\"']([A-Z_]+)", text)
        handed_down = text.count("os.environ.items()")  # a child process's environment
        if len(reads) + handed_down != text.count("os.environ") or "getenv(" in text or \
                set(reads) - (allowed.get(name) or set()):
            offenders.append(f"{name}: reads the environment ({', '.join(reads) or '?'})")
    assert offenders == []
