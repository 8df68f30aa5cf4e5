"""Shared test helpers: build a file tree, run the CLI in-process and capture its output."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from portsync.entry import main  # the console script: sync here, the rest in cli.main

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
# Nightly-sized modes (thousands of fuzz cases, stress trials): PORTSYNC_LONG_TESTS=1.
LONG = os.environ.get("PORTSYNC_LONG_TESTS") == "1"
long_only = pytest.mark.skipif(not LONG, reason="set PORTSYNC_LONG_TESTS=1")


def build_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``{relative path: text or bytes}`` under root (text written byte-exact)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def git_apply(folder: Path, diff: str) -> None:
    """Apply a unified diff with ``git apply`` in a folder that is not a repository."""
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    subprocess.run(["git", "apply", "-"], cwd=folder, input=diff.encode(), check=True)
    shutil.rmtree(folder / ".git")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (relative posix path -> bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass
class Result:
    """Exit code and captured output of one CLI run."""

    code: int
    out: str
    err: str

    def __str__(self) -> str:  # shown in assertion messages
        return f"exit {self.code}\n--- stdout\n{self.out}--- stderr\n{self.err}"


RunCli = Callable[..., Result]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
              ) -> Path:
    """Every test's --check cache in a folder of its own, never the user's (nor the repo)."""
    folder = tmp_path_factory.mktemp("portsync-cache")
    monkeypatch.setenv("PORTSYNC_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """Run ``portsync ARGS`` in-process in folder ``cwd`` (default: the current one)."""
    monkeypatch.delenv("PORTSYNC_REGISTRY", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args: str, cwd: Path | None = None) -> Result:
        capsys.readouterr()
        old = Path.cwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            code = main(list(args))
        finally:
            os.chdir(old)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[Callable[[dict[str, str | bytes]], Path]]:
    """``tree({path: text})`` builds files in tmp_path and returns tmp_path."""
    yield lambda files: build_tree(tmp_path, files)
