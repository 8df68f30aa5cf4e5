"""portsync table: every port per environment as text, markdown, json and csv."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.conftest import RunCli, build_tree

REGISTRY = """\
version: 1
project: shop
environments:
  production: {}
  development: {offset: 1000}
  test: {offset: -1000}
ranges:
  web: 8000-8099
services:
  web: {port: 8000, group: web, description: "Storefront | main"}
  api:
    ports: {http: 8010, grpc: 50051}
    environments: [production, development]
  postgres:
    port: 5432
    fixed: true
    host_port: {test: 5433}
    environments: [development, test]
"""


def _registry(tmp_path: Path) -> Path:
    return build_tree(tmp_path, {"ports.yaml": REGISTRY})


def test_text_is_aligned_with_host_ports_and_missing_cells(tmp_path: Path, run_cli: RunCli):
    result = run_cli("table", cwd=_registry(tmp_path))
    assert result.code == 0, result
    assert result.out.splitlines() == [
        "SERVICE   production  development              test  GROUP  DESCRIPTION",
        "--------  ----------  -----------  ----------------  -----  -----------------",
        "web             8000         9000              7000  web    Storefront | main",
        "api             8010         9010                 -",
        "api.grpc       50051        51051                 -",
        "postgres           -         5432  5432 (host 5433)",
    ], result


def test_env_filter_keeps_only_those_columns_and_rows(tmp_path: Path, run_cli: RunCli):
    result = run_cli("table", "--env", "test", "--format", "csv", cwd=_registry(tmp_path))
    assert result.code == 0, result
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows == [
        ["service", "port_name", "test", "group", "description"],
        ["web", "http", "7000", "web", "Storefront | main"],
        ["postgres", "http", "5432 (host 5433)", "", ""],
    ]


def test_markdown_escapes_pipes(tmp_path: Path, run_cli: RunCli):
    result = run_cli("table", "--format", "markdown", "--env", "production",
                     cwd=_registry(tmp_path))
    assert result.code == 0, result
    assert result.out.splitlines() == [
        "| Service | production | Group | Description |",
        "| --- | ---: | --- | --- |",
        "| web | 8000 | web | Storefront \\| main |",
        "| api | 8010 |   |   |",
        "| api.grpc | 50051 |   |   |",
    ]


def test_json_document(tmp_path: Path, run_cli: RunCli):
    result = run_cli("table", "--format", "json", cwd=_registry(tmp_path))
    assert result.code == 0, result
    document = json.loads(result.out)
    assert document["portsync"] == 1
    assert document["project"] == "shop"
    assert document["environments"] == ["production", "development", "test"]
    assert document["ports"][-1] == {
        "service": "postgres", "name": "http", "group": None, "description": "",
        "registry": None, "environments": {"development": {"port": 5432, "host_port": 5432},
                         "test": {"port": 5432, "host_port": 5433}},
    }
    assert [(p["service"], p["name"]) for p in document["ports"]] == [
        ("web", "http"), ("api", "http"), ("api", "grpc"), ("postgres", "http")]


def test_unknown_environment_is_a_usage_error(tmp_path: Path, run_cli: RunCli):
    result = run_cli("table", "--env", "staging", cwd=_registry(tmp_path))
    assert result.code == 2, result
    assert "unknown environment 'staging'" in result.err, result


def test_invalid_registry_exits_2(tmp_path: Path, run_cli: RunCli):
    build_tree(tmp_path, {"ports.yaml": "version: 1\nservices:\n  a: 8000\n  b: 8000\n"})
    result = run_cli("table", cwd=tmp_path)
    assert result.code == 2, result
    assert "ports.yaml:4:" in result.err and "collides" in result.err, result
