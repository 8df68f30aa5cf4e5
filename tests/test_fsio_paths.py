"""fsio's shortcuts (folders resolved once per run, reads on the descriptor, display paths)
answer what the long way answers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portsync import fsio
from portsync.errors import TargetError
from tests.conftest import RunCli, build_tree, snapshot


def _registry(names: list[str]) -> str:
    targets = "".join(f"  - path: {n}\n    set: {{port: \"{{{{ port('api') }}}}\"}}\n"
                      for n in names)
    return "version: 1\nservices:\n  api: 8000\ntargets:\n" + targets


def test_a_link_among_files_of_one_folder_is_still_followed_and_refused(
        tmp_path: Path, run_cli: RunCli) -> None:
    """The folder is resolved once; each file's own last step is still looked at."""
    root = build_tree(tmp_path / "repo", {
        "ports.yaml": _registry(["d/a.yaml", "d/b.yaml", "d/c.yaml", "e/x.yaml"]),
        "d/a.yaml": "port: 1\n", "d/c.yaml": "port: 1\n", "e/x.yaml": "port: 1\n"})
    (tmp_path / "outside.yaml").write_text("port: 1\n")
    (root / "d" / "b.yaml").symlink_to(tmp_path / "outside.yaml")
    before = snapshot(tmp_path)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err == "d/b.yaml: path leads outside the registry's folder; refusing it\n"
    assert snapshot(tmp_path) == before
    (root / "d" / "b.yaml").unlink()
    (root / "d" / "b.yaml").symlink_to("c.yaml")  # inside: followed, the same file twice
    result = run_cli("--check", "--no-cache", cwd=root)
    assert result.code == 1, result
    assert result.out.count("port: found 1, expected 8000") == 4, result


def test_every_file_of_a_folder_linked_outside_is_refused(tmp_path: Path,
                                                          run_cli: RunCli) -> None:
    root = build_tree(tmp_path / "repo", {"ports.yaml": _registry(["l/a.yaml", "l/b.yaml"])})
    build_tree(tmp_path / "out", {"a.yaml": "port: 1\n", "b.yaml": "port: 1\n"})
    (root / "l").symlink_to(tmp_path / "out")
    result = run_cli("--check", "--no-cache", cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == [
        f"{name}: path leads outside the registry's folder; refusing it"
        for name in ("l/a.yaml", "l/b.yaml")]


def test_inside_answers_as_a_full_resolve_does(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "r", {"a/b.yaml": "x", "c.yaml": "x"})
    (root / "link").symlink_to(root / "a")
    (root / "a" / "to-c").symlink_to(root / "c.yaml")
    known: dict[str, str] = {}
    for relative in ("a/b.yaml", "a/./b.yaml", "a//b.yaml", "link/b.yaml", "a/to-c",
                     "link/to-c", "a/../c.yaml", "new/file.yaml", "a/b.yaml/x", "a/.."):
        expected = fsio.resolve(root / relative, relative)
        assert fsio.inside(root, relative, relative, known) == expected, relative
    with pytest.raises(TargetError, match="leads outside"):
        fsio.inside(root, "../r2/x.yaml", "x", known)


@pytest.mark.parametrize("size", [0, 1, 4095, 65536, 200_001])
def test_read_bytes_reads_files_whole(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f"
    data = bytes(i % 251 for i in range(size))
    path.write_bytes(data)
    assert fsio.read_bytes(path, "f") == data


def test_display_path_is_relpath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    for cwd in (real, real / "sub", tmp_path / "link", Path("/")):
        monkeypatch.chdir(cwd)
        for path in (real / "x.yaml", real / "sub" / "y", real, Path(f"{real}/./x"),
                     Path(f"{real}//x"), Path(f"{real}/sub/../x"), tmp_path / "link" / "x",
                     Path("/")):
            text = os.fspath(path)
            assert fsio.display_path(path) == os.path.relpath(text), (cwd, text)
