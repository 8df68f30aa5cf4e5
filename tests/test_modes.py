"""File modes and refusals (SPEC §4): a rewrite keeps permissions and links, a read-only
target or a failed write means exit 2 and no file written at all."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import RunCli, build_tree

APP = "# keep me\nserver:\n  port: 1  # the port\n"
NEW = "# keep me\nserver:\n  port: 8000  # the port\n"


def registry(*paths: str, create: bool = False) -> str:
    targets = "".join(f"  - path: {p}\n    set: {{server.port: \"{{{{ port('web') }}}}\"}}\n"
                      + ("    create: true\n" if create else "") for p in paths)
    return f"version: 1\nservices:\n  web: 8000\ntargets:\n{targets}"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def state(root: Path) -> dict[str, tuple[bytes, int, int, int]]:
    """Bytes, mode, mtime and inode of every file: any rewrite changes the inode."""
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode,
                                              p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("perm", [0o600, 0o640, 0o755, 0o700, 0o664])
def test_rewrite_keeps_the_files_mode(perm: int, tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": registry("app.yaml"), "app.yaml": APP})
    os.chmod(root / "app.yaml", perm)
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert (root / "app.yaml").read_text() == NEW
    assert mode(root / "app.yaml") == perm


def test_created_file_follows_the_umask(tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": registry("new.yaml", create=True)})
    old = os.umask(0o027)
    try:
        result = run_cli(cwd=root)
    finally:
        os.umask(old)
    assert result.code == 0, result
    assert mode(root / "new.yaml") == 0o640


def test_symlink_inside_the_root_stays_a_link(tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": registry("link.yaml"), "real/app.yaml": APP})
    os.chmod(root / "real/app.yaml", 0o600)
    (root / "link.yaml").symlink_to("real/app.yaml")
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert (root / "link.yaml").is_symlink()
    assert (root / "real/app.yaml").read_text() == NEW
    assert mode(root / "real/app.yaml") == 0o600


@pytest.mark.parametrize("position", ["first", "middle", "last"])
def test_read_only_target_writes_nothing(position: str, tmp_path: Path,
                                         run_cli: RunCli) -> None:
    names = [f"t{n}.yaml" for n in range(5)]
    locked = {"first": names[0], "middle": names[2], "last": names[-1]}[position]
    root = build_tree(tmp_path, {"ports.yaml": registry(*names), **dict.fromkeys(names, APP)})
    os.chmod(root / locked, 0o444)  # tests may run as root: portsync checks the bits itself
    before = state(root)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == [f"{locked}: file is read-only; refusing to write it"], result
    assert state(root) == before
    assert sorted(p.name for p in root.iterdir()) == sorted([*names, "ports.yaml"])


def test_a_failed_write_midway_writes_nothing(tmp_path: Path, run_cli: RunCli,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Disk full on the third file: the two before it must not have been replaced."""
    names = [f"t{n}.yaml" for n in range(5)]
    root = build_tree(tmp_path, {"ports.yaml": registry(*names), **dict.fromkeys(names, APP)})
    before = state(root)
    calls = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == ["t2.yaml: cannot write: No space left on device"], result
    assert state(root) == before
    assert sorted(p.name for p in root.iterdir()) == sorted([*names, "ports.yaml"]), \
        "temporary files must be removed"
