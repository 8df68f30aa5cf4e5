"""End to end for JSON, TOML, replace and template targets: real files in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli, build_tree, git_apply, snapshot

REGISTRY = """\
version: 1
project: demo
environments:
  production: {}
  development: {offset: 1000}
services:
  web: {port: 3000, description: Web app}
  api: {ports: {http: 8080, metrics: 9100}, host: api, description: Backend API}
targets:
  - path: web/package.json
    environments: [development]
    set:
      config.port: "{{ port('web') }}"
      config.apiUrl: "http://localhost:{{ host_port('api') }}"
  - path: api/{env}.toml
    set:
      server.port: "{{ port('api') }}"
      metrics.port: "{{ port('api', 'metrics') }}"
  - path: nginx/site.conf
    environments: [production]
    replace:
      - pattern: 'server api:(?P<port>\\d+);  # backend'
        value: "{{ port('api') }}"
  - path: README.md
    environments: [production]
    template: ports-table.md.j2
    block: ports
"""
PATTERN = r"server api:(?P<port>\d+);  # backend"

PACKAGE = ('\ufeff{\r\n  "name": "web",\r\n  "scripts": {"dev": "vite --port 4000"},\r\n'
           '  "config": {\r\n    "port": 4000,\r\n    "apiUrl": "http://localhost:9080"\r\n'
           "  }\r\n}\r\n")
PROD = '# API production\n[server]\nhost = "0.0.0.0"\nport = 8080  # public\n\n[metrics]\nport = 9100\n'
DEV = "# API development\r\n[server]\r\nport = 9080\r\n\r\n[metrics]\r\nport = 10100\r\n"
NGINX = ("upstream backend {\n    server api:8080;  # backend\n    server api:8080;  # backend\n"
         "}\nserver { listen 80; location / { proxy_pass http://backend; } }\n")
TABLE = """\
| Service | Name | production | development | Group | Description |
|---------|------|------------|-------------|-------|-------------|
| web | http | 3000 | 4000 |  | Web app |
| api | http | {api} | {api_dev} |  | Backend API |
| api | metrics | 9100 | 10100 |  |  |
"""
README = "# Demo\n\n<!-- portsync:begin ports -->\n{table}<!-- portsync:end ports -->\nFooter.\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    return build_tree(tmp_path, {
        "ports.yaml": REGISTRY, "web/package.json": PACKAGE, "api/production.toml": PROD,
        "api/development.toml": DEV, "nginx/site.conf": NGINX,
        "README.md": README.format(table=TABLE.format(api=8080, api_dev=9080)),
    })


def move_api(repo: Path) -> None:
    text = (repo / "ports.yaml").read_text()
    (repo / "ports.yaml").write_text(text.replace("http: 8080", "http: 8081"))


def test_in_sync_check_exits_0(repo: Path, run_cli: RunCli) -> None:
    result = run_cli("--check", cwd=repo)
    assert (result.code, result.out) == (0, "all 5 files in sync\n"), result


def test_check_reports_every_drifted_value_and_block_and_exits_1(repo: Path,
                                                                  run_cli: RunCli) -> None:
    move_api(repo)
    before = snapshot(repo)
    result = run_cli("--check", cwd=repo)
    assert result.code == 1, result
    assert result.out.splitlines() == [
        "web/package.json:6: config.apiUrl: found http://localhost:9080, "
        "expected http://localhost:9081",
        "api/production.toml:4: server.port: found 8080, expected 8081",
        "api/development.toml:3: server.port: found 9080, expected 9081",
        f"nginx/site.conf:2: replace /{PATTERN}/: found 8080, expected 8081",
        f"nginx/site.conf:3: replace /{PATTERN}/: found 8080, expected 8081",
        "README.md:3: block ports is out of date",
        "5 values drifted and 1 block out of date in 5 files, 0 already in sync",
        "run `portsync` to update these files",
    ], result
    assert snapshot(repo) == before


def test_sync_rewrites_only_the_values_then_is_idempotent(repo: Path, run_cli: RunCli) -> None:
    move_api(repo)
    result = run_cli(cwd=repo)
    assert result.code == 0 and "5 files updated, 0 already in sync" in result.out, result
    files = snapshot(repo)
    assert files["web/package.json"] == PACKAGE.replace(":9080", ":9081").encode()  # BOM, CRLF
    assert files["api/production.toml"] == PROD.replace("8080", "8081").encode()
    assert files["api/development.toml"] == DEV.replace("9080", "9081").encode()
    assert files["nginx/site.conf"] == NGINX.replace("8080", "8081").encode()
    assert files["README.md"] == README.format(table=TABLE.format(api=8081, api_dev=9081)).encode()
    stamps = {p: p.stat().st_mtime_ns for p in repo.rglob("*") if p.is_file()}
    again = run_cli(cwd=repo)
    assert again.code == 0 and "0 files updated, 5 already in sync" in again.out, again
    assert {p: p.stat().st_mtime_ns for p in repo.rglob("*") if p.is_file()} == stamps


def test_dry_run_diff_applies_with_git_apply(repo: Path, run_cli: RunCli,
                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    move_api(repo)
    copy = build_tree(tmp_path_factory.mktemp("copy"), dict(snapshot(repo)))
    result = run_cli("--dry-run", cwd=repo)
    assert result.code == 0, result
    assert "--- a/nginx/site.conf\n+++ b/nginx/site.conf\n" in result.out
    assert snapshot(repo) == snapshot(copy)  # nothing written
    run_cli(cwd=repo)
    git_apply(copy, result.out)
    assert snapshot(copy) == snapshot(repo)


@pytest.mark.parametrize(("path", "text", "message"), [
    ("nginx/site.conf", "upstream backend {}\n",
     f"nginx/site.conf: replace pattern /{PATTERN}/ matches nothing"),
    ("README.md", "# Demo\n",
     "README.md: block ports: no line holds the marker 'portsync:begin ports'"),
    ("api/production.toml", "server = 1\n",
     "api/production.toml:1: server.port: runs into a value at server"),
    ("web/package.json", '{"config": [1]}', "web/package.json:1: config.port: runs into a list"),
])
def test_a_target_that_cannot_be_edited_exits_2_and_writes_nothing(
        repo: Path, run_cli: RunCli, path: str, text: str, message: str) -> None:
    move_api(repo)
    (repo / path).write_text(text)
    before = snapshot(repo)
    result = run_cli(cwd=repo)
    assert result.code == 2, result
    assert result.err.startswith(message), result
    assert snapshot(repo) == before


SNIPPETS = """\
  - path: docs/PORTS.md
    environments: [production]
    template: PORTS.md.j2
  - path: deploy/compose.ports.yaml
    environments: [development]
    template: compose-ports.yaml.j2
  - path: deploy/prometheus.yaml
    environments: [production]
    template: prometheus-scrape.yaml.j2
  - path: deploy/upstreams.conf
    environments: [production]
    template: nginx-upstreams.conf.j2
"""


def test_shipped_templates_create_their_files(repo: Path, run_cli: RunCli) -> None:
    (repo / "ports.yaml").write_text(REGISTRY + SNIPPETS)
    (repo / "docs").mkdir()
    (repo / "deploy").mkdir()
    check = run_cli("--check", cwd=repo)
    assert check.code == 1 and "docs/PORTS.md: missing\n" in check.out, check
    assert run_cli(cwd=repo).code == 0
    files = snapshot(repo)
    assert files["deploy/compose.ports.yaml"].decode() == (
        '# Generated by portsync from ports.yaml (development): "host:container" per port.\n'
        'services:\n  web:\n    ports:\n      - "4000:4000"  # http\n'
        '  api:\n    ports:\n      - "9080:9080"  # http\n      - "10100:10100"  # metrics\n')
    assert files["deploy/prometheus.yaml"].decode() == (
        '# Generated by portsync from ports.yaml (production): one job per port named '
        '"metrics".\nscrape_configs:\n  - job_name: api\n    static_configs:\n'
        '      - targets: ["api:9100"]\n')
    assert "upstream api {\n    server api:8080;\n}\n" in files["deploy/upstreams.conf"].decode()
    document = files["docs/PORTS.md"].decode()
    assert document.startswith("# Demo port allocation\n")
    assert TABLE.format(api=8080, api_dev=9080) in document
    (repo / "docs/PORTS.md").write_text(document.replace("| 8080 |", "| 8000 |"))
    stale = run_cli("--check", cwd=repo)
    assert stale.code == 1 and stale.out.startswith("docs/PORTS.md: out of date\n"), stale
