"""Resolution of ports per environment: offsets, pins, default, fixed, host ports (SPEC §1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portsync.registry.resolution import PortTable
from portsync.sync import load

REGISTRY = """\
version: 1
environments:
  production: {}
  development: {offset: 1000}
  test: {offset: -1000, range: 7000-7799}
services:
  pourtier: 8000
  token-engine:
    ports: {http: 8081, grpc: 50051}
    host_ports: {grpc: 60051}
    environments: [production, development]
  passeur:
    port: {production: 8766, development: 9766, test: 7766}
  web:
    port: {default: 7100, test: 7400}
  postgres:
    port: 5432
    fixed: true
    host_port: {test: 5433}
    environments: [development, test]
"""


@pytest.fixture
def table(tmp_path: Path) -> PortTable:
    (tmp_path / "ports.yaml").write_text(REGISTRY)
    return load(tmp_path / "ports.yaml").table


@pytest.mark.parametrize(("service", "name", "env", "port", "host"), [
    ("pourtier", "http", "production", 8000, 8000),
    ("pourtier", "http", "development", 9000, 9000),
    ("pourtier", "http", "test", 7000, 7000),
    ("token-engine", "grpc", "production", 50051, 60051),
    ("token-engine", "grpc", "development", 51051, 61051),
    ("passeur", "http", "development", 9766, 9766),
    ("web", "http", "production", 7100, 7100),
    ("web", "http", "development", 8100, 8100),
    ("web", "http", "test", 7400, 7400),
    ("postgres", "http", "development", 5432, 5432),
    ("postgres", "http", "test", 5432, 5433),
])
def test_resolution(table: PortTable, service: str, name: str, env: str, port: int,
                    host: int) -> None:
    resolved = table.lookup(service, name, env)
    assert (resolved.port, resolved.host_port) == (port, host)


@pytest.mark.parametrize(("service", "name", "env", "message"), [
    ("token-engine", "http", "test", "service 'token-engine' does not run in environment 'test'"),
    ("postgres", "http", "production", "does not run in environment 'production'"),
    ("nope", "http", "test", "unknown service 'nope'"),
    ("pourtier", "grpc", "test", "service 'pourtier' has no port 'grpc' (it has http)"),
    ("pourtier", "http", "staging", "unknown environment 'staging'"),
])
def test_lookup_explains_missing_ports(table: PortTable, service: str, name: str, env: str,
                                       message: str) -> None:
    with pytest.raises(LookupError, match=re.escape(message)):
        table.lookup(service, name, env)


def test_pinned_mapping_without_default_has_no_port_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "ports.yaml").write_text(
        "version: 1\nenvironments:\n  a: {}\n  b: {}\nservices:\n  s: {port: {a: 8000}}\n")
    table = load(tmp_path / "ports.yaml").table
    assert table.get("s", "http", "a") is not None
    assert table.get("s", "http", "b") is None
    with pytest.raises(LookupError, match="has no 'http' port in environment 'b'"):
        table.lookup("s", "http", "b")
