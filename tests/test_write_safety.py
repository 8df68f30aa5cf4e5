"""The write path (SPEC §4): no lost update, no write without the lock, a crash between
renames finished by the next run, and fsio's primitives for creating and replacing files."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from portsync import fsio, journal, lock
from portsync.errors import TargetError
from tests.conftest import RunCli, build_tree, snapshot

APP = "# keep me\nserver:\n  port: 1\n"
NEW = "# keep me\nserver:\n  port: 8000\n"


def registry(*paths: str) -> str:
    targets = "".join(f"  - path: {p}\n    set: {{server.port: \"{{{{ port('web') }}}}\"}}\n"
                      for p in paths)
    return f"version: 1\nservices:\n  web: 8000\ntargets:\n{targets}"


NAMES = [f"t{n}.yaml" for n in range(5)]


def repo(tmp_path: Path) -> Path:
    return build_tree(tmp_path, {"ports.yaml": registry(*NAMES), **dict.fromkeys(NAMES, APP)})


# -- an edit saved between plan and write ---------------------------------------------------


def test_a_file_edited_after_the_plan_read_it_is_not_overwritten(
        tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path)
    real_stage_all = fsio.stage_all

    def stage_then_edit(writes):  # type: ignore[no-untyped-def]
        staged = real_stage_all(writes)
        with open(root / "t3.yaml", "a") as handle:  # another process saves its edit now
            handle.write("extra: 1\n")
        return staged

    monkeypatch.setattr(fsio, "stage_all", stage_then_edit)
    before = snapshot(root)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == ["t3.yaml: changed on disk since portsync read it; not "
                                       "overwritten, nothing written (run portsync again)"], result
    assert snapshot(root) == {**before, "t3.yaml": (APP + "extra: 1\n").encode()}
    assert sorted(p.name for p in root.iterdir()) == sorted([*NAMES, "ports.yaml"])


def test_a_file_created_after_the_plan_found_it_missing_is_not_overwritten(
        tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = build_tree(tmp_path, {"ports.yaml": "version: 1\nservices: {web: 8000}\ntargets:\n"
                                 "  - path: PORTS.md\n    template: t.j2\n",
                                 "templates/t.j2": "{{ port('web') }}\n"})
    real_stage_all = fsio.stage_all

    def stage_then_create(writes):  # type: ignore[no-untyped-def]
        staged = real_stage_all(writes)
        (root / "PORTS.md").write_text("mine\n")
        return staged

    monkeypatch.setattr(fsio, "stage_all", stage_then_create)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert "PORTS.md: changed on disk since portsync read it" in result.err, result
    assert (root / "PORTS.md").read_text() == "mine\n"


# -- without the lock, nothing is written or removed ----------------------------------------


def refuse_lock(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    real_open = os.open

    def fake_open(path, flags, *args):  # type: ignore[no-untyped-def]
        if str(path).endswith(lock.LOCK_NAME):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", fake_open)


@pytest.mark.parametrize("code", [errno.EACCES, errno.EPERM, errno.EROFS])
def test_without_the_lock_nothing_is_written(tmp_path: Path, run_cli: RunCli,
                                              monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    root = repo(tmp_path)
    (root / "sub").mkdir()
    stale = root / ".t0.yaml.abc123.portsync"  # looks like a killed run's temporary file
    stale.write_text("half")
    before = snapshot(root)
    refuse_lock(monkeypatch, code)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == [
        f".: cannot take the sync lock (.portsync.lock: {os.strerror(code)}); refusing to write "
        "5 files (nothing written)"], result
    assert snapshot(root) == before, "no file written, no temporary file removed"


def test_without_the_lock_an_in_sync_repository_is_still_fine(
        tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = build_tree(tmp_path, {"ports.yaml": registry(*NAMES), **dict.fromkeys(NAMES, NEW)})
    refuse_lock(monkeypatch, errno.EROFS)
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert result.out.splitlines()[-1] == "0 files updated, 5 already in sync", result


def test_the_lock_wait_times_out_with_a_clear_error(tmp_path: Path, run_cli: RunCli,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    fcntl = pytest.importorskip("fcntl")
    root = repo(tmp_path)
    before = snapshot(root)
    fd = os.open(root / lock.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another run holds it
        monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
        result = run_cli(cwd=root)
    finally:
        os.close(fd)
    assert result.code == 2, result
    assert result.err.splitlines() == [".portsync.lock: another portsync run has held this lock "
                                       "for over 0.3 s (delete the file if no portsync is "
                                       "running)"], result
    assert {k: v for k, v in snapshot(root).items() if k != lock.LOCK_NAME} == before


# -- a run interrupted between two renames --------------------------------------------------


def test_a_file_edited_while_the_others_are_renamed_keeps_its_edit(
        tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that ignores the lock saves t3.yaml after the check, while t1 is renamed."""
    root = repo(tmp_path)
    real_replace = os.replace

    def replace_then_edit(src, dst):  # type: ignore[no-untyped-def]
        real_replace(src, dst)
        if Path(dst).name == "t1.yaml":
            with open(root / "t3.yaml", "a") as handle:
                handle.write("extra: 1\n")

    monkeypatch.setattr(os, "replace", replace_then_edit)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == ["t3.yaml: changed on disk while portsync wrote the other "
                                       "files; not overwritten (run portsync again)"], result
    assert [(root / n).read_text() for n in NAMES] == [NEW, NEW, NEW, APP + "extra: 1\n", NEW]
    assert sorted(p.name for p in root.iterdir()) == sorted([*NAMES, "ports.yaml"])
    monkeypatch.undo()
    again = run_cli(cwd=root)
    assert again.code == 0, again
    assert (root / "t3.yaml").read_text() == NEW + "extra: 1\n"


def interrupt_after(monkeypatch: pytest.MonkeyPatch, renames: int,
                    error: BaseException) -> None:
    """os.replace works ``renames`` times for targets, then raises ``error``."""
    real_replace = os.replace
    done = []

    def replace(src, dst):  # type: ignore[no-untyped-def]
        if Path(dst).name.startswith("t"):
            if len(done) == renames:
                raise error
            done.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def test_a_run_killed_between_renames_is_finished_by_the_next(
        tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path)
    with monkeypatch.context() as patch:
        interrupt_after(patch, 2, KeyboardInterrupt())
        result = run_cli(cwd=root)
    assert result.code == 130, result
    assert [(root / n).read_text() for n in NAMES] == [NEW, NEW, APP, APP, APP]
    assert (root / journal.JOURNAL_NAME).exists()
    pending = json.loads((root / journal.JOURNAL_NAME).read_text())["renames"]
    assert [e["path"] for e in pending] == NAMES

    check = run_cli("--check", cwd=root)
    assert "an interrupted portsync run left 3 of 5 files to write" in check.err, check
    assert (root / journal.JOURNAL_NAME).exists(), "--check takes no lock and changes nothing"

    (root / "ports.yaml").write_text(registry(*NAMES).replace("8000", "9000"))
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert ("warning: .portsync.journal: finished the writes of an interrupted run: "
            "t2.yaml, t3.yaml, t4.yaml") in result.err, result
    # The journal was finished first, then the new registry planned from what it wrote.
    assert [(root / n).read_text() for n in NAMES] == [NEW.replace("8000", "9000")] * 5
    assert sorted(p.name for p in root.iterdir()) == sorted([*NAMES, "ports.yaml"])


def test_a_pending_write_over_a_file_edited_since_is_dropped(
        tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path)
    with monkeypatch.context() as patch:
        interrupt_after(patch, 1, KeyboardInterrupt())
        run_cli(cwd=root)
    (root / "t3.yaml").write_text("server:\n  port: 7\n")  # the user edits it meanwhile
    (root / "ports.yaml").write_text(registry(*[n for n in NAMES if n != "t3.yaml"]))
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert "pending write was dropped, the file changed since: t3.yaml" in result.err, result
    assert (root / "t3.yaml").read_text() == "server:\n  port: 7\n"
    assert [(root / n).read_text() for n in NAMES if n != "t3.yaml"] == [NEW] * 4


def test_a_failed_rename_midway_is_reported_and_finished_by_the_next_run(
        tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path)
    with monkeypatch.context() as patch:
        interrupt_after(patch, 3, OSError(errno.EBUSY, os.strerror(errno.EBUSY)))
        result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == [
        "t3.yaml: cannot write: Device or resource busy; 3 of 5 files written, the other 2 "
        "wait in .portsync.journal: run portsync again to finish"], result
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert "finished the writes of an interrupted run: t3.yaml, t4.yaml" in result.err, result
    assert [(root / n).read_text() for n in NAMES] == [NEW] * 5
    assert not (root / journal.JOURNAL_NAME).exists()


def test_a_journal_entry_leading_outside_the_root_is_refused(tmp_path: Path,
                                                             run_cli: RunCli) -> None:
    root = repo(tmp_path / "repo")
    (tmp_path / "victim.yaml").write_text("precious\n")
    (tmp_path / ".victim.yaml.x.portsync").write_text("evil\n")
    (root / journal.JOURNAL_NAME).write_text(json.dumps({"portsync_journal": 1, "renames": [
        {"temp": "../.victim.yaml.x.portsync", "path": "../victim.yaml", "before": None,
         "after": "0"}]}))
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert "is not a portsync rename" in result.err, result
    assert (tmp_path / "victim.yaml").read_text() == "precious\n"


# -- fsio's primitives for init, allocate --write and import --write ------------------------


def test_create_all_never_replaces_a_file_created_meanwhile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_stage = fsio.stage

    def stage_then_race(path: Path, text: str) -> Path:
        temp = real_stage(path, text)
        if path.name == "b.txt":
            path.write_text("theirs\n")  # appears between the check and the write
        return temp

    monkeypatch.setattr(fsio, "stage", stage_then_race)
    with pytest.raises(TargetError, match="already exists; refusing to overwrite it"):
        fsio.create_all([(tmp_path / "a.txt", "mine\n", "a.txt"),
                         (tmp_path / "sub/b.txt", "mine\n", "sub/b.txt")])
    assert snapshot(tmp_path) == {"sub/b.txt": b"theirs\n"}, "a.txt is rolled back"


def test_init_refuses_a_starter_file_created_while_it_runs(
        tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    real_stage = fsio.stage

    def stage_then_race(path: Path, text: str) -> Path:
        temp = real_stage(path, text)
        if path.name == "ports-table.md.j2":
            path.write_text("theirs\n")
        return temp

    monkeypatch.setattr(fsio, "stage", stage_then_race)
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 2, result
    assert result.err.splitlines() == ["templates/ports-table.md.j2: already exists; refusing "
                                       "to overwrite it (nothing written)"], result
    assert snapshot(tmp_path) == {"templates/ports-table.md.j2": b"theirs\n"}


def test_replace_locked_writes_through_a_symlink(tmp_path: Path) -> None:
    real = build_tree(tmp_path, {"shared/ports.yaml": "a\n"}) / "shared/ports.yaml"
    (tmp_path / "ports.yaml").symlink_to("shared/ports.yaml")
    fsio.replace_locked(tmp_path / "ports.yaml", "a\n", "b\n", "ports.yaml")
    assert (tmp_path / "ports.yaml").is_symlink()
    assert real.read_text() == "b\n"
    assert not (tmp_path / lock.LOCK_NAME).exists()


def test_replace_locked_refuses_a_changed_file_and_a_missing_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = build_tree(tmp_path, {"ports.yaml": "edited\n"}) / "ports.yaml"
    with pytest.raises(TargetError, match="changed on disk since portsync read it"):
        fsio.replace_locked(path, "a\n", "b\n", "ports.yaml")
    refuse_lock(monkeypatch, errno.EROFS)
    with pytest.raises(TargetError, match=r"cannot take the sync lock \(.portsync.lock: "
                                          r"Read-only file system\)"):
        fsio.replace_locked(path, "edited\n", "b\n", "ports.yaml")
    assert path.read_text() == "edited\n"


def test_replace_locked_takes_the_sync_lock(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = build_tree(tmp_path, {"ports.yaml": "a\n"}) / "ports.yaml"
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.1)
    with lock.exclusive(tmp_path), pytest.raises(TargetError, match="another portsync run"):
        fsio.replace_locked(path, "a\n", "b\n", "ports.yaml")  # a sync is running
    assert path.read_text() == "a\n"
    fsio.replace_locked(path, "a\n", "b\n", "ports.yaml")
    assert path.read_text() == "b\n"


# -- reading and folders --------------------------------------------------------------------


def test_a_read_error_is_exit_2_naming_the_file(tmp_path: Path, run_cli: RunCli,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path)
    real_open = os.open

    def fake_open(path, flags, *args):  # type: ignore[no-untyped-def]
        if str(path).endswith("t2.yaml"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", fake_open)
    before = snapshot(root)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == ["t2.yaml: cannot read: Permission denied"], result
    assert snapshot(root) == before


def test_a_parent_that_is_not_a_folder(tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": registry("sub/app.yaml").replace(
        "port('web') }}\"}", "port('web') }}\"}\n    create: true"), "sub": "a file\n"})
    before = snapshot(root)
    for args in ((), ("--check",)):
        result = run_cli(*args, cwd=root)
        assert result.code == 2, result
        assert result.err.splitlines() == ["sub/app.yaml: sub is not a folder"], result
    assert snapshot(root) == before


def test_a_folder_that_is_not_writable(tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": registry("t0.yaml", "ro/app.yaml"),
                                 "t0.yaml": APP, "ro/app.yaml": APP})
    os.chmod(root / "ro", 0o555)  # root could still write there: portsync checks the bits
    try:
        before = snapshot(root)
        result = run_cli(cwd=root)
    finally:
        os.chmod(root / "ro", 0o755)
    assert result.code == 2, result
    assert result.err.splitlines() == ["ro/app.yaml: folder ro is not writable; refusing "
                                       "to write"], result
    assert snapshot(root) == before
