"""portsync status: registry ports listening on this host, found with a socket we bind."""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import RunCli, build_tree

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads sockets without privileges on Linux")


@pytest.fixture
def listening() -> Iterator[int]:
    """A TCP port this test process listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed, never listened: nobody else picks an ephemeral port this fast


def _me() -> str:
    return psutil.Process(os.getpid()).name()


def _registry(tmp_path: Path, services: str) -> Path:
    return build_tree(tmp_path, {"ports.yaml": "version: 1\nenvironments:\n  dev: {}\n"
                                               f"  test: {{offset: 1}}\nservices:\n{services}"})


def _ports(tmp_path: Path, run_cli: RunCli, *args: str) -> dict[tuple[str, int], dict]:
    result = run_cli("status", "--format", "json", *args, cwd=tmp_path)
    assert result.code == 0, result
    document = json.loads(result.out)
    return {(p["service"], p["port"]): p for p in document["ports"]}


def test_listening_port_reports_this_pid(tmp_path: Path, run_cli: RunCli, listening: int,
                                         free_port: int):
    _registry(tmp_path, f"  svc: {{port: {listening}, environments: [dev]}}\n"
                        f"  idle: {{port: {free_port}, environments: [dev]}}\n")
    ports = _ports(tmp_path, run_cli)
    mine = ports[("svc", listening)]
    assert mine["state"] == "listening"
    assert [x["pid"] for x in mine["listeners"]] == [os.getpid()]
    assert mine["listeners"][0]["process"] == _me()
    assert mine["conflict"] is True  # this process is not called "svc"
    assert ports[("idle", free_port)]["state"] == "free"
    assert ports[("idle", free_port)]["listeners"] == []


def test_matching_process_name_is_no_conflict(tmp_path: Path, run_cli: RunCli, listening: int):
    _registry(tmp_path, f"  {_me()}: {{port: {listening}, environments: [dev]}}\n")
    row = _ports(tmp_path, run_cli)[(_me(), listening)]
    assert row["state"] == "listening" and row["conflict"] is False, row


def test_text_output(tmp_path: Path, run_cli: RunCli, listening: int):
    _registry(tmp_path, f"  svc: {{port: {listening}, environments: [dev]}}\n")
    result = run_cli("status", cwd=tmp_path)
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0].split() == ["PORT", "SERVICE", "ENVIRONMENTS", "STATE", "PID", "PROCESS",
                                "NOTE"]
    assert lines[1].split()[:6] == [str(listening), "svc", "dev", "CONFLICT", str(os.getpid()),
                                    _me()], result
    assert "1 ports: 1 listening, 0 free, 1 conflict" in lines, result
    assert any(line.startswith("note: conflicts are a guess") for line in lines), result


def test_port_of_another_environment_is_reported(tmp_path: Path, run_cli: RunCli,
                                                 listening: int):
    # In test the base port shifts by +1; the dev port (base) is held by this process.
    _registry(tmp_path, f"  svc: {listening}\n")
    ports = _ports(tmp_path, run_cli, "--env", "test")
    assert ports[("svc", listening + 1)]["selected"] is True
    other = ports[("svc", listening)]
    assert other["selected"] is False and other["environments"] == ["dev"]
    assert other["state"] == "listening"
    result = run_cli("status", "--env", "test", cwd=tmp_path)
    assert "Listening on ports the registry gives to other environments:" in result.out, result


def test_port_shared_with_another_service_is_noted(tmp_path: Path, run_cli: RunCli,
                                                   listening: int):
    # Without parallel environments one host port may serve two services in two environments.
    _registry(tmp_path, f"  a: {{port: {listening}, environments: [dev]}}\n"
                        f"  b: {{port: {{test: {listening}}}, environments: [test]}}\n")
    row = _ports(tmp_path, run_cli)[("a", listening)]
    assert "the registry also gives this port to b (test)" in row["notes"], row


def test_access_denied_falls_back_to_processes(tmp_path: Path, run_cli: RunCli,
                                               listening: int,
                                               monkeypatch: pytest.MonkeyPatch):
    def refuse(kind: str = "inet") -> list[object]:
        raise psutil.AccessDenied()

    monkeypatch.setattr(psutil, "net_connections", refuse)
    _registry(tmp_path, f"  svc: {{port: {listening}, environments: [dev]}}\n")
    result = run_cli("status", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result
    document = json.loads(result.out)
    row = document["ports"][0]
    assert [x["pid"] for x in row["listeners"]] == [os.getpid()], result
    assert any("system-wide socket list needs root" in n for n in document["notes"]), result


def test_unknown_environment_exits_2(tmp_path: Path, run_cli: RunCli):
    _registry(tmp_path, "  svc: 8000\n")
    result = run_cli("status", "--env", "prod", cwd=tmp_path)
    assert result.code == 2, result
    assert "unknown environment 'prod'" in result.err, result
