"""Messages stay readable: huge values are cut, and a drifted file always has a drift line."""

from __future__ import annotations

from pathlib import Path

from portsync.drift import file_drifts
from portsync.errors import TargetError, clip
from portsync.mode import Action
from portsync.model import FileChange, ValueChange
from portsync.report import summary
from portsync.sync import SyncResult
from tests.conftest import RunCli, build_tree

HUGE = "v" * 100_000


def registry(value: str) -> str:
    return ("version: 1\nservices:\n  web: 8000\ntargets:\n  - path: app.yaml\n"
            f"    set: {{server.port: \"{value}\"}}\n")


def test_an_error_echoing_a_huge_value_is_cut(tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": registry("{{ port('" + HUGE + "') }}"),
                                 "app.yaml": "server:\n  port: 1\n"})
    result = run_cli(cwd=root)
    assert result.code == 2, result
    [line] = result.err.splitlines()
    assert len(line) < 400, line
    assert line.startswith("ports.yaml:6:11: server.port: unknown service 'vvvv"), line
    assert "characters cut]…" in line and line.endswith("vvv' (rendering app.yaml)"), line


def test_a_drift_line_with_a_huge_value_is_cut(tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": registry(HUGE),
                                 "app.yaml": "server:\n  port: 1\n"})
    result = run_cli("--check", cwd=root)
    assert result.code == 1, result
    drift = result.out.splitlines()[0]
    assert drift.startswith("app.yaml:2: server.port: found 1, expected vvvv"), drift
    assert len(drift) < 300 and "characters cut]" in drift, drift


def test_clip_keeps_short_text_and_both_ends_of_long_text() -> None:
    assert clip("short") == "short"
    assert clip("a" * 200 + "b" * 200) == "a" * 200 + "…[100 characters cut]…" + "b" * 100
    assert str(TargetError("x" * 1000, where="f.yaml:1")).startswith("f.yaml:1: xxx")


def test_a_changed_file_always_has_a_drift_line_and_a_summary() -> None:
    """A change whose value reads the same (only its text differs) once left the check's
    summary as " in 1 file, 0 already in sync"."""
    change = FileChange("app.toml", "/r/app.toml", "app.toml", "port = 8_000\n", "port = 8000\n",
                        (ValueChange("port", 1, "8000", "8000"),))
    drifts = file_drifts(change, "app.toml")
    assert [(d.path, d.message) for d in drifts] == [
        ("app.toml", "holds the right values, but not as portsync writes them")]
    result = SyncResult(Action.CHECK, ((change, "app.toml"),), tuple(drifts), (), ())
    assert summary(result).startswith("1 file out of date in 1 file, 0 already in sync")
