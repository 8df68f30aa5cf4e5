"""The --check cache: a warm answer only while every input is byte-identical, never for drift.

Entries live in the user's cache folder ($PORTSYNC_CACHE_DIR: a tmp folder per
test, see conftest.cache_dir), never under the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import portsync.cache
import portsync.sync
from tests.conftest import RunCli, build_tree, snapshot

REGISTRY = """\
version: 1
environments:
  production: {}
  development: {offset: 1000}
services:
  api: 8000
  web: {port: 8100, host: web}
targets:
  - path: svc/{service}/{env}.yaml
    set:
      port: "{{ port(service) }}"
  - path: .env
    environments: [development]
    set: {API_PORT: "{{ port('api') }}"}
  - path: README.md
    environments: [production]
    template: ports.md.j2
    block: ports
"""
TEMPLATE = "{% for s in services %}- {{ s.name }}: {{ s.ports.http.production }}\n{% endfor %}"
README = "# Demo\n<!-- portsync:begin ports -->\n- api: 8000\n- web: 8100\n<!-- portsync:end ports -->\n"


def _files() -> dict[str, str | bytes]:
    return {
        "ports.yaml": REGISTRY, "templates/ports.md.j2": TEMPLATE, "README.md": README,
        "svc/api/production.yaml": "# api\nport: 8000\n",
        "svc/api/development.yaml": "# api\nport: 9000\n",
        "svc/web/production.yaml": "port: 8100  # web\n",
        "svc/web/development.yaml": "port: 9100  # web\n",
        ".env": "API_PORT=9000\n",
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    build_tree(tmp_path, _files())
    # Files modified within 2 s of a run are not trusted (coarse file-system clocks).
    for path in tmp_path.rglob("*"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 60 * 10**9))
    return tmp_path


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the full pipeline runs: a cache hit adds none."""
    calls: list[int] = []
    real = portsync.sync.run

    def counting(*args: Any, **kwargs: Any) -> portsync.sync.SyncResult:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(portsync.sync, "run", counting)
    yield calls


def warm(run_cli: RunCli, repo: Path, runs: list[int], *args: str) -> None:
    """Fill the cache and prove the second identical check is answered from it."""
    first = run_cli("--check", *args, cwd=repo)
    assert first.code == 0, first
    second = run_cli("--check", *args, cwd=repo)
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err), second
    assert len(runs) == 1, "the second check should not have run the pipeline"
    runs.clear()


def edit_keeping_stat(path: Path, old: str, new: str) -> None:
    """Change bytes without changing size or mtime (what a stat-only cache would miss)."""
    before = path.stat()
    text = path.read_text()
    assert len(old) == len(new) and old in text
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def _entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "check").glob("*.json"))


def test_warm_check_replays_the_answer_and_writes_nothing_under_the_root(
        repo: Path, run_cli: RunCli, runs: list[int], cache_dir: Path) -> None:
    before = snapshot(repo)
    warm(run_cli, repo, runs)
    again = run_cli("--check", cwd=repo)
    assert (again.code, again.out) == (0, "all 6 files in sync\n"), again
    assert runs == []
    assert snapshot(repo) == before
    assert sorted(p.name for p in repo.iterdir()) == sorted(
        [".env", "README.md", "ports.yaml", "svc", "templates"])
    assert len(_entries(cache_dir)) == 1


def test_no_cache_neither_reads_nor_writes_it(repo: Path, run_cli: RunCli, runs: list[int],
                                             cache_dir: Path) -> None:
    for _ in range(2):
        result = run_cli("--check", "--no-cache", cwd=repo)
        assert (result.code, result.out) == (0, "all 6 files in sync\n"), result
    assert len(runs) == 2
    assert _entries(cache_dir) == []
    runs.clear()
    warm(run_cli, repo, runs)
    assert run_cli("--check", "--no-cache", cwd=repo).code == 0
    assert len(runs) == 1


def test_warm_check_imports_neither_click_nor_the_registry_nor_a_parser(repo: Path) -> None:
    heavy = ("click", "ruamel", "yaml", "jinja2", "deepdiff", "dotenv", "platformdirs",
             "portsync.cli", "portsync.registry.loading", "portsync.model")
    probe = ("import sys\nfrom portsync.entry import main\ncode = main(['--check'])\n"
             f"print(sorted(m for m in {heavy!r} if m in sys.modules))\nsys.exit(code)\n")
    runs = [subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True,
                           text=True, check=False) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs
    assert runs[0].stdout.splitlines()[-1] != "[]", runs[0]  # the cold run needed them
    assert runs[1].stdout == "all 6 files in sync\n[]\n", runs[1]


def test_target_edited_with_same_size_and_mtime_is_drift(
        repo: Path, run_cli: RunCli, runs: list[int]) -> None:
    warm(run_cli, repo, runs)
    edit_keeping_stat(repo / "svc/web/development.yaml", "9100", "9101")
    result = run_cli("--check", cwd=repo)
    assert result.code == 1, result
    assert "svc/web/development.yaml:1: port: found 9101, expected 9100" in result.out, result


def test_registry_edit_is_recomputed(repo: Path, run_cli: RunCli, runs: list[int]) -> None:
    warm(run_cli, repo, runs)
    edit_keeping_stat(repo / "ports.yaml", "api: 8000", "api: 8001")
    result = run_cli("--check", cwd=repo)
    assert result.code == 1, result
    assert "svc/api/production.yaml:2: port: found 8000, expected 8001" in result.out, result


def test_harmless_registry_edit_recomputes_once(repo: Path, run_cli: RunCli,
                                                runs: list[int]) -> None:
    warm(run_cli, repo, runs)
    (repo / "ports.yaml").write_text(REGISTRY + "# a comment\n")
    assert run_cli("--check", cwd=repo).code == 0
    assert run_cli("--check", cwd=repo).code == 0
    assert len(runs) == 1


@pytest.mark.parametrize("change", ["edit", "new file"])
def test_template_folder_change_is_recomputed(repo: Path, run_cli: RunCli, runs: list[int],
                                              change: str) -> None:
    warm(run_cli, repo, runs)
    if change == "edit":
        edit_keeping_stat(repo / "templates/ports.md.j2", "- {{", "* {{")
    else:
        (repo / "templates/extra.j2").write_text("unused\n")
    result = run_cli("--check", cwd=repo)
    assert len(runs) == 1
    if change == "edit":
        assert (result.code, result.out.splitlines()[0]) == (
            1, "README.md:2: block ports is out of date"), result
    else:
        assert result.code == 0, result


def test_template_modified_just_now_is_not_remembered(repo: Path, run_cli: RunCli,
                                                     runs: list[int]) -> None:
    (repo / "templates/ports.md.j2").write_text(TEMPLATE)  # mtime: now (racy)
    for _ in range(2):
        assert run_cli("--check", cwd=repo).code == 0
    assert len(runs) == 2


def test_deleted_target_is_an_error(repo: Path, run_cli: RunCli, runs: list[int]) -> None:
    warm(run_cli, repo, runs)
    (repo / ".env").unlink()
    result = run_cli("--check", cwd=repo)
    assert result.code == 2, result
    assert ".env" in result.err and "does not exist" in result.err, result


@pytest.mark.parametrize("port", ["8200", "8201"])
def test_new_service_file_is_checked(repo: Path, run_cli: RunCli, runs: list[int],
                                     port: str) -> None:
    warm(run_cli, repo, runs)
    (repo / "ports.yaml").write_text(REGISTRY.replace("  web:", "  db: 8200\n  web:"))
    build_tree(repo, {"svc/db/production.yaml": f"port: {port}\n",
                      "svc/db/development.yaml": "port: 9200\n",
                      "README.md": README.replace("- web", "- db: 8200\n- web")})
    result = run_cli("--check", cwd=repo)
    if port == "8200":
        assert (result.code, result.out) == (0, "all 8 files in sync\n"), result
    else:
        assert result.code == 1, result
        assert "svc/db/production.yaml:1: port: found 8201, expected 8200" in result.out


def test_new_tool_version_is_recomputed(repo: Path, run_cli: RunCli, runs: list[int],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    warm(run_cli, repo, runs)
    monkeypatch.setattr(portsync.cache, "__version__", "999.0")
    assert run_cli("--check", cwd=repo).code == 0
    assert len(runs) == 1


def test_env_selection_is_part_of_the_key(repo: Path, run_cli: RunCli,
                                          runs: list[int]) -> None:
    (repo / ".env").write_text("API_PORT=9999\n")  # drift in development only
    warm(run_cli, repo, runs, "--env", "production")
    result = run_cli("--check", cwd=repo)
    assert result.code == 1, result
    assert ".env:1: API_PORT: found 9999, expected 9000" in result.out, result
    assert run_cli("--check", "--env", "development", cwd=repo).code == 1


def test_output_options_are_part_of_the_key(repo: Path, run_cli: RunCli,
                                            runs: list[int]) -> None:
    warm(run_cli, repo, runs)
    result = run_cli("--check", "--format", "json", cwd=repo)
    assert json.loads(result.out)["summary"] == "all 6 files in sync", result
    assert run_cli("--check", "-q", cwd=repo).out == ""
    sub = run_cli("--check", "--format", "json", cwd=repo / "svc")
    assert {f["path"] for f in json.loads(sub.out)["files"]} >= {"api/production.yaml"}, sub


def test_drift_is_never_cached(repo: Path, run_cli: RunCli, runs: list[int],
                               cache_dir: Path) -> None:
    (repo / "svc/api/production.yaml").write_text("# api\nport: 8001\n")
    for _ in range(2):
        result = run_cli("--check", cwd=repo)
        assert result.code == 1, result
        assert "svc/api/production.yaml:2: port: found 8001, expected 8000" in result.out
    assert len(runs) == 2
    assert _entries(cache_dir) == []


def test_sync_and_dry_run_never_use_the_cache(repo: Path, run_cli: RunCli,
                                              runs: list[int]) -> None:
    warm(run_cli, repo, runs)
    (repo / ".env").write_text("API_PORT=1\n")
    assert "+API_PORT=9000" in run_cli("--dry-run", cwd=repo).out
    assert run_cli(cwd=repo).code == 0
    assert (repo / ".env").read_text() == "API_PORT=9000\n"
    assert len(runs) == 2


def _reseal(entry: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in entry.items() if k != "seal"}
    return {**body, "seal": portsync.cache._seal(body)}


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],
    lambda text: "[]",
    lambda text: json.dumps({**json.loads(text), "files": []}),
    lambda text: json.dumps({**json.loads(text), "registries": []}),
    lambda text: json.dumps({**json.loads(text), "seal": None}),
    lambda text: json.dumps(_reseal({**json.loads(text), "files": [["README.md", None, 1]]})),
    lambda text: json.dumps(_reseal({**json.loads(text), "answer": {"stdout": [1, 2]}})),
    lambda text: json.dumps(_reseal({**json.loads(text), "templates_dir": None})),
    lambda text: "\udcff",
], ids=["truncated", "not-a-mapping", "files-emptied", "registries-emptied", "no-seal",
        "resealed-bad-file-row", "resealed-bad-lines", "resealed-bad-folder", "not-utf8"])
def test_damaged_cache_means_recompute(repo: Path, run_cli: RunCli, runs: list[int],
                                       damage: Callable[[str], str], cache_dir: Path) -> None:
    warm(run_cli, repo, runs)
    (entry,) = _entries(cache_dir)
    entry.write_bytes(damage(entry.read_text()).encode("utf-8", "surrogateescape"))
    result = run_cli("--check", cwd=repo)
    assert (result.code, result.out) == (0, "all 6 files in sync\n"), result
    assert len(runs) == 1


def test_edited_entry_never_hides_drift(repo: Path, run_cli: RunCli, runs: list[int],
                                        cache_dir: Path) -> None:
    warm(run_cli, repo, runs)
    (entry,) = _entries(cache_dir)
    entry.write_text(json.dumps({**json.loads(entry.read_text()), "files": []}))
    (repo / "svc/api/production.yaml").write_text("# api\nport: 8001\n")
    result = run_cli("--check", cwd=repo)
    assert result.code == 1, result
    assert "svc/api/production.yaml:2: port: found 8001, expected 8000" in result.out, result


def test_unwritable_cache_folder_is_harmless(repo: Path, run_cli: RunCli, runs: list[int],
                                             cache_dir: Path) -> None:
    (cache_dir / "check").write_text("a file where the folder should be\n")
    for _ in range(2):
        result = run_cli("--check", cwd=repo)
        assert (result.code, result.out) == (0, "all 6 files in sync\n"), result
    assert len(runs) == 2
