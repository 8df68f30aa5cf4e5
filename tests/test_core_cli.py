"""End to end: the CLI on real files in tmp_path, whole-file bytes before and after."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RunCli, build_tree, snapshot

REGISTRY = """\
version: 1
project: lumiere
environments:
  production: {}
  development: {offset: 1000}
services:
  pourtier: 8000
  courier: {port: 8765, host: courier}
targets:
  - path: config/{env}.yaml
    set:
      server.port: "{{ port('pourtier') }}"
      courier_url: "{{ url('courier') }}"
  - path: .env
    environments: [development]
    set: {POURTIER_PORT: "{{ host_port('pourtier') }}"}
"""

PROD = '# Pourtier\nserver:\n  host: "0.0.0.0"\n  port: 8000  # API\ncourier_url: "http://courier:8765"\n'
DEV = '# Pourtier dev\r\nserver:\r\n  port: 9000\r\ncourier_url: http://courier:9765\r\n'
ENV = "\ufeffexport POURTIER_PORT=9000 # dev\nOTHER=1\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return build_tree(tmp_path, {"ports.yaml": REGISTRY, "config/production.yaml": PROD,
                                 "config/development.yaml": DEV, ".env": ENV})


def move_courier(repo: Path, port: int) -> None:
    text = (repo / "ports.yaml").read_text()
    (repo / "ports.yaml").write_text(text.replace("port: 8765", f"port: {port}"))


def test_in_sync_check_exits_0_and_writes_nothing(repo: Path, run_cli: RunCli) -> None:
    before = snapshot(repo)
    result = run_cli("--check", cwd=repo)
    assert result.code == 0, result
    assert result.out == "all 3 files in sync\n", result
    assert snapshot(repo) == before


def test_check_reports_each_drifted_value_and_exits_1(repo: Path, run_cli: RunCli) -> None:
    move_courier(repo, 8770)
    before = snapshot(repo)
    result = run_cli("--check", cwd=repo)
    assert result.code == 1, result
    assert result.out.splitlines() == [
        "config/production.yaml:5: courier_url: found http://courier:8765, "
        "expected http://courier:8770",
        "config/development.yaml:4: courier_url: found http://courier:9765, "
        "expected http://courier:9770",
        "2 values drifted in 2 files, 1 already in sync",
        "run `portsync` to update these files",
    ], result
    assert snapshot(repo) == before


def test_sync_rewrites_only_the_values_then_is_idempotent(repo: Path, run_cli: RunCli) -> None:
    move_courier(repo, 8770)
    registry = (repo / "ports.yaml").read_text().replace("pourtier: 8000", "pourtier: 8100")
    (repo / "ports.yaml").write_text(registry)
    result = run_cli(cwd=repo)
    assert result.code == 0, result
    assert (repo / "config/production.yaml").read_bytes() == PROD.replace(
        "port: 8000", "port: 8100").replace("courier:8765", "courier:8770").encode()
    assert (repo / "config/development.yaml").read_bytes() == DEV.replace(
        "port: 9000", "port: 9100").replace("courier:9765", "courier:9770").encode()
    assert (repo / ".env").read_bytes() == ENV.replace("=9000", "=9100").encode()
    assert "3 files updated, 0 already in sync" in result.out
    stamps = {p: p.stat().st_mtime_ns for p in repo.rglob("*") if p.is_file()}
    again = run_cli(cwd=repo)
    assert again.code == 0 and "0 files updated, 3 already in sync" in again.out, again
    assert {p: p.stat().st_mtime_ns for p in repo.rglob("*") if p.is_file()} == stamps


def test_dry_run_prints_a_diff_that_git_apply_accepts(repo: Path, run_cli: RunCli,
                                                      tmp_path_factory: pytest.TempPathFactory
                                                      ) -> None:
    move_courier(repo, 8770)
    copy = tmp_path_factory.mktemp("copy")
    build_tree(copy, dict(snapshot(repo)))
    result = run_cli("--dry-run", cwd=repo)
    assert result.code == 0, result
    assert "--- a/config/production.yaml\n+++ b/config/production.yaml\n" in result.out
    assert snapshot(repo) == snapshot(copy)  # nothing written
    run_cli(cwd=repo)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    subprocess.run(["git", "apply", "-"], cwd=copy, input=result.out.encode(), check=True)
    shutil.rmtree(copy / ".git")
    assert snapshot(copy) == snapshot(repo)


def test_one_bad_target_means_nothing_written_exit_2(repo: Path, run_cli: RunCli) -> None:
    move_courier(repo, 8770)
    registry = (repo / "ports.yaml").read_text() + (
        "  - path: missing/{env}.yaml\n    set: {a: 1}\n")
    (repo / "ports.yaml").write_text(registry)
    before = snapshot(repo)
    result = run_cli(cwd=repo)
    assert result.code == 2, result
    assert result.err.splitlines() == [
        "missing/production.yaml: file does not exist (add create: true to the target to "
        "create it)",
        "missing/development.yaml: file does not exist (add create: true to the target to "
        "create it)",
    ], result
    assert "Traceback" not in result.err
    assert snapshot(repo) == before


def test_create_true_creates_missing_file_and_check_reports_it(repo: Path,
                                                                run_cli: RunCli) -> None:
    registry = (repo / "ports.yaml").read_text() + (
        "  - path: gen/ports.env\n    environments: [production]\n    create: true\n"
        "    set: {PORT: \"{{ port('pourtier') }}\"}\n")
    (repo / "ports.yaml").write_text(registry)
    (repo / "gen").mkdir()
    check = run_cli("--check", cwd=repo)
    assert check.code == 1 and "gen/ports.env: missing" in check.out, check
    assert run_cli(cwd=repo).code == 0
    assert (repo / "gen/ports.env").read_bytes() == b"PORT=8000\n"


def test_registry_errors_are_one_line_each_with_position(repo: Path, run_cli: RunCli) -> None:
    (repo / "ports.yaml").write_text(REGISTRY.replace("pourtier: 8000", "pourtier: 8000a"))
    result = run_cli("--check", cwd=repo)
    assert result.code == 2, result
    assert result.err == ("ports.yaml:7:13: services.pourtier must be a port number or a "
                          "mapping\n"), result


def test_render_error_names_registry_position_and_key(repo: Path, run_cli: RunCli) -> None:
    (repo / "ports.yaml").write_text(REGISTRY.replace("url('courier')", "url('kourier')"))
    result = run_cli(cwd=repo)
    assert result.code == 2, result
    assert result.err.splitlines()[0] == ("ports.yaml:13:7: courier_url: unknown service 'kourier' "
                                          "(rendering config/production.yaml)")


def test_env_option_limits_targets(repo: Path, run_cli: RunCli) -> None:
    move_courier(repo, 8770)
    result = run_cli("--check", "--env", "production", cwd=repo)
    assert result.code == 1
    assert "development" not in result.out
    bad = run_cli("--check", "--env", "staging", cwd=repo)
    assert bad.code == 2 and "unknown environment 'staging'" in bad.err, bad


def test_registry_option_and_walk_up(repo: Path, run_cli: RunCli, tmp_path_factory:
                                     pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert run_cli("--check", "-r", str(repo / "ports.yaml"), cwd=elsewhere).code == 0
    assert run_cli("--check", cwd=repo / "config").code == 0
    missing = run_cli("--check", cwd=elsewhere)
    assert missing.code == 2 and "no ports.yaml" in missing.err, missing


def test_json_and_github_formats(repo: Path, run_cli: RunCli) -> None:
    move_courier(repo, 8770)
    doc = json.loads(run_cli("--check", "--format", "json", cwd=repo).out)
    assert doc["exit_code"] == 1 and doc["ok"] is False
    assert doc["drift"][0] == {"path": "config/production.yaml", "line": 5, "key": "courier_url",
                               "found": "http://courier:8765", "expected": "http://courier:8770",
                               "message": "courier_url: found http://courier:8765, expected "
                                          "http://courier:8770"}
    github = run_cli("--check", "--format", "github", cwd=repo)
    assert github.code == 1
    assert github.out.splitlines()[0] == (
        "::error file=config/production.yaml,line=5::courier_url: found http://courier:8765, "
        "expected http://courier:8770")


def test_internal_error_exits_3_never_1(repo: Path, run_cli: RunCli,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("kaputt")

    monkeypatch.setattr("portsync.sync.build_plan", boom)
    result = run_cli("--check", cwd=repo)
    assert result.code == 3, result
    assert result.err == ("portsync: internal error: RuntimeError: kaputt (run with -v for the "
                          "traceback)\n")
    verbose = run_cli("--check", "-v", cwd=repo)
    assert verbose.code == 3 and "Traceback" in verbose.err


def test_check_and_dry_run_exclude_each_other(repo: Path, run_cli: RunCli) -> None:
    result = run_cli("--check", "--dry-run", cwd=repo)
    assert result.code == 2


def test_validate(repo: Path, run_cli: RunCli) -> None:
    result = run_cli("validate", cwd=repo)
    assert result.code == 0, result
    assert result.out == "ports.yaml is valid: 2 services, 2 ports, 2 environments, 2 targets\n"


def test_python_dash_m_runs_in_a_subprocess(repo: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run([sys.executable, "-m", "portsync", "--check"], cwd=repo, env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "all 3 files in sync\n"


def test_bundled_registry_is_in_sync(run_cli: RunCli) -> None:
    root = Path(__file__).resolve().parents[1]
    result = run_cli("--check", cwd=root)
    assert result.code == 0, result


def test_template_creates_its_file_and_missing_folders(tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path, {
        "ports.yaml": "version: 1\nservices:\n  api: 8000\ntargets:\n"
                      "  - path: docs/generated/PORTS.txt\n    template: ports.txt.j2\n",
        "templates/ports.txt.j2": "{% for s in services %}{{ s.name }} {{ port(s.name) }}\n"
                                  "{% endfor %}",
    })
    check = run_cli("--check", cwd=tmp_path)
    assert check.code == 1 and check.out.startswith("docs/generated/PORTS.txt: missing\n"), check
    assert not (tmp_path / "docs").exists()
    assert run_cli(cwd=tmp_path).code == 0
    assert (tmp_path / "docs/generated/PORTS.txt").read_bytes() == b"api 8000\n"
    assert run_cli("--check", cwd=tmp_path).code == 0
