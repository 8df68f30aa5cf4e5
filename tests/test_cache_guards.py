"""A cached answer only after a cold run's checks (SPEC §4): regular files, inside the root, sizes.

Each case warms the cache with an in-sync check, swaps a target for something a
cold run refuses, and expects the cold run's answer: exit 2 naming the file,
never a hang, never "in sync". The runs go through ``python -m portsync`` (the
entry point that answers cache hits) with a timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from portsync import cache, fsio
from tests.conftest import build_tree

REGISTRY = """\
version: 1
services:
  api: 8000
targets:
  - path: api.yaml
    set: {port: "{{ port('api') }}"}
  - path: web.env
    set: {API_PORT: "{{ port('api') }}"}
"""
API = "# api\nport: 8000\n"


def portsync(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "portsync", *args], cwd=root, text=True,
                          capture_output=True, timeout=60, check=False)


@pytest.fixture
def warmed(tmp_path: Path) -> Path:
    root = build_tree(tmp_path / "repo", {"ports.yaml": REGISTRY, "api.yaml": API,
                                          "web.env": "API_PORT=8000\n"})
    for _ in range(2):
        done = portsync(root, "--check")
        assert (done.returncode, done.stdout) == (0, "all 2 files in sync\n"), done
    return root


def _fifo(path: Path, outside: Path) -> None:
    os.mkfifo(path)


def _link_out_same_bytes(path: Path, outside: Path) -> None:
    outside.write_text(API)
    path.symlink_to(outside)


def _dev_zero(path: Path, outside: Path) -> None:
    path.symlink_to("/dev/zero")


def _huge(path: Path, outside: Path) -> None:
    with path.open("ab") as handle:  # sparse: a gigabyte that costs no disk
        handle.truncate(1 << 30)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
@pytest.mark.parametrize(("swap", "message"), [
    (_fifo, "not a regular file"),
    (_link_out_same_bytes, "outside the registry's folder"),
    (_dev_zero, "outside the registry's folder"),
    (_huge, "over the 16 MiB limit"),
], ids=["fifo", "symlink-out-same-bytes", "dev-zero", "one-gigabyte"])
def test_cached_answer_gets_a_cold_runs_refusal(warmed: Path, tmp_path: Path,
                                                swap: Callable[[Path, Path], None],
                                                message: str) -> None:
    target = warmed / "api.yaml"
    if swap is not _huge:
        target.rename(tmp_path / "api.yaml.saved")
    swap(target, tmp_path / "outside.yaml")
    if swap is _link_out_same_bytes:
        assert target.read_bytes() == API.encode()
    done = portsync(warmed, "--check")
    assert done.returncode == 2, done
    assert "api.yaml" in done.stderr and message in done.stderr, done


def test_registry_replaced_by_a_fifo_is_never_read(warmed: Path) -> None:
    (warmed / "ports.yaml").unlink()
    os.mkfifo(warmed / "ports.yaml")
    done = portsync(warmed, "--check", "-r", "ports.yaml")
    assert done.returncode == 2, done


def test_reads_refuse_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge"
    with huge.open("wb") as handle:
        handle.truncate(fsio.MAX_BYTES + 1)
    os.mkfifo(tmp_path / "fifo")
    assert cache.read_regular(str(huge)) is None
    assert cache.read_regular(str(tmp_path / "fifo")) is None  # returns at once
    assert cache.read_regular("/dev/zero") is None
    assert cache.read_regular(str(tmp_path / "missing")) is None
    assert cache.read_regular(str(tmp_path / "nul\0byte")) is None
    (tmp_path / "ok").write_bytes(b"x" * fsio.MAX_BYTES)
    assert cache.read_regular(str(tmp_path / "ok")) == b"x" * fsio.MAX_BYTES


def test_size_limit_is_the_cold_runs(tmp_path: Path) -> None:
    assert cache.MAX_BYTES == fsio.MAX_BYTES


def test_templates_folder_with_a_fifo_is_not_cached(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "repo", {
        "ports.yaml": REGISTRY + "  - path: README.md\n    template: t.md.j2\n",
        "templates/t.md.j2": "api {{ port('api') }}\n", "api.yaml": API,
        "web.env": "API_PORT=8000\n", "README.md": "api 8000\n"})
    old = os.stat(root / "templates/t.md.j2").st_mtime_ns - 60 * 10**9
    os.utime(root / "templates/t.md.j2", ns=(old, old))
    assert portsync(root, "--check").returncode == 0
    entries = list((Path(os.environ["PORTSYNC_CACHE_DIR"]) / "check").glob("*.json"))
    assert len(entries) == 1  # an ordinary templates folder is cached
    os.mkfifo(root / "templates/pipe")
    entries[0].unlink()
    for _ in range(2):
        done = portsync(root, "--check")
        assert done.returncode == 0, done
    assert not list((Path(os.environ["PORTSYNC_CACHE_DIR"]) / "check").glob("*.json"))


def _answer() -> cache.Answer:
    lines = ["all 0 files in sync"]
    return cache.Answer(lines, [], lines[0], {"out": [lines, lines], "err": [[], []]})


def test_every_registry_file_read_is_verified(tmp_path: Path) -> None:
    own, other = tmp_path / "ports.yaml", tmp_path / "../other.yaml"
    own.write_text("version: 1\n")
    other.write_text("version: 1\nservices: {db: 5432}\n")
    key = cache.request_key(str(own), None, "text", False, False, str(tmp_path))
    folder = str(tmp_path / "cache")
    recorder = cache.Recorder(folder, key)
    read = [(str(p), cache.digest(p.read_bytes())) for p in (own, other)]
    recorder.store(read, str(tmp_path / "templates"), [], _answer())
    assert cache.lookup(folder, key) is not None
    other.write_text("version: 1\nservices: {db: 5433}\n")  # an included registry changed
    assert cache.lookup(folder, key) is None


def test_registry_changed_during_the_run_is_not_remembered(tmp_path: Path) -> None:
    own = tmp_path / "ports.yaml"
    own.write_text("version: 1\n")
    key = cache.request_key(str(own), None, "text", False, False, str(tmp_path))
    folder = str(tmp_path / "cache")
    recorder = cache.Recorder(folder, key)
    own.write_text("version: 1\nservices: {db: 5432}\n")  # after the run started
    recorder.store([(str(own), cache.digest(own.read_bytes()))], str(tmp_path / "t"), [],
                   _answer())
    assert not os.path.exists(folder)
