"""The repository works as a pre-commit hook repository (real pre-commit, real venv build)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, build_tree

pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install '.[test]')")

REGISTRY = """\
version: 1
services:
  api: 8000
targets:
  - path: config.yaml
    set:
      port: "{{ port('api') }}"
"""


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                    "-c", "commit.gpgsign=false", *args],
                   cwd=cwd, check=True, capture_output=True)


def _commit(cwd: Path, message: str) -> None:
    _git(cwd, "add", "-A")
    _git(cwd, "commit", "-q", "-m", message)


def _head() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


def _try_repo(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PORTSYNC_REGISTRY"}
    # --ref HEAD: the committed tree, as a user's clone would see it; without it try-repo
    # would also pick up whatever uncommitted edits this checkout holds.
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO),
                           "portsync-check", "--ref", _head(), "--all-files"],
                          check=False, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def test_manifest_offers_both_hooks() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = {h["id"]: h for h in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    assert hooks["portsync-check"]["entry"] == "portsync --check"
    assert hooks["portsync"]["entry"] == "portsync"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["always_run"] is True


def test_project_config_runs_ruff_mypy_and_portsync_check() -> None:
    from pre_commit.clientlib import load_config

    config = load_config(str(REPO / ".pre-commit-config.yaml"))
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert set(hooks) == {"ruff", "mypy", "portsync-check"}
    assert all(repo["repo"] == "local" for repo in config["repos"])
    assert hooks["portsync-check"]["entry"] == "python -m portsync --check"
    assert hooks["portsync-check"]["always_run"] is True


def test_try_repo_passes_in_sync_and_fails_on_drift(tmp_path: Path) -> None:
    """Installs this repository's HEAD commit the way pre-commit does for a user."""
    build_tree(tmp_path, {"ports.yaml": REGISTRY, "config.yaml": "port: 8000  # api\n"})
    _git(tmp_path, "init", "-q")
    _commit(tmp_path, "in sync")

    ok = _try_repo(tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "portsync --check" in ok.stdout and "Passed" in ok.stdout, ok.stdout

    (tmp_path / "config.yaml").write_text("port: 8001  # api\n")
    _commit(tmp_path, "drift")
    drift = _try_repo(tmp_path)
    assert drift.returncode == 1, drift.stdout + drift.stderr
    assert "Failed" in drift.stdout, drift.stdout
    assert "config.yaml:1: port: found 8001, expected 8000\n" \
           "1 value drifted in 1 file, 0 already in sync\n" \
           "run `portsync` to update this file\n" in drift.stdout, drift.stdout
    # The check hook never writes.
    assert (tmp_path / "config.yaml").read_text() == "port: 8001  # api\n"


def test_the_readme_s_local_hook_works_as_copied(tmp_path: Path) -> None:
    """README's pre-commit snippet, pasted as is, fails on drift naming the fix."""
    from test_docs import blocks

    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    section = text[text.index("## pre-commit\n"):]
    config = next(b for b in blocks(readme, section) if b.lang == "yaml").body
    assert "repo: local" in config and "<" not in config, config
    build_tree(tmp_path / "repo", {".pre-commit-config.yaml": config, "ports.yaml": REGISTRY,
                                   "config.yaml": "port: 8001  # api\n"})
    repo = tmp_path / "repo"
    _git(repo, "init", "-q")
    _commit(repo, "drift")
    scripts = Path(sys.executable).parent  # `language: system` runs the portsync on PATH
    env = {**{k: v for k, v in os.environ.items() if k != "PORTSYNC_REGISTRY"},
           "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}",
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files",
                               "--color", "never"], cwd=repo, env=env, check=False,
                              capture_output=True, text=True, timeout=300)

    drift = hook()
    assert drift.returncode == 1, drift.stdout + drift.stderr
    assert "config.yaml:1: port: found 8001, expected 8000\n" \
           "1 value drifted in 1 file, 0 already in sync\n" \
           "run `portsync` to update this file\n" in drift.stdout, drift.stdout
    (repo / "config.yaml").write_text("port: 8000  # api\n")
    _commit(repo, "fixed")
    fixed = hook()
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "Passed" in fixed.stdout, fixed.stdout
