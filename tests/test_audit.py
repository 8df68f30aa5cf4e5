"""portsync audit: which port mentions a target manages, and the "is it a port?" rules."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from portsync.adoption.discover import scan
from tests.conftest import RunCli, build_tree

REGISTRY = """\
version: 1
environments: {production: {}, development: {offset: 1000}}
services: {courier: 8765}
targets:
  - path: config/{env}.yaml
    set: {port: "{{ port('courier') }}"}
  - path: .env
    environments: [development]
    set: {COURIER_URL: "http://courier:{{ port('courier') }}"}
"""
FILES = {
    "ports.yaml": REGISTRY,
    ".gitignore": "local.env\n",
    "config/production.yaml": "port: 8765   # managed\nrequest_timeout: 8765\n",
    "config/development.yaml": "port: 9765\n",
    ".env": "COURIER_URL=http://courier:9765\nCOURIER_PORT=9765\n",
    "nginx/site.conf": "server {\n    listen 9765;\n}\n",
    "Dockerfile": "FROM python:3.11\nEXPOSE 8765\n",
    "README.md": "Since 8765 BC; version 1.8765; open http://localhost:9765/ now.\n",
    "local.env": "PORT=8765\n",
}


def _repo(root: Path, files: dict[str, str | bytes], git: bool = True) -> Path:
    build_tree(root, files)
    if git:
        for args in (["init", "-q"], ["add", "-A"]):
            subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return root


def test_audit_lists_hard_coded_mentions_and_coverage(tmp_path: Path, run_cli: RunCli) -> None:
    root = _repo(tmp_path, FILES)
    result = run_cli("audit", cwd=root)
    assert result.code == 0, result
    assert result.out.splitlines() == [
        ".env:2: 9765 (courier, development)",
        "Dockerfile:2: 8765 (courier, production)",
        "README.md:1: 9765 (courier, development)",
        "nginx/site.conf:2: 9765 (courier, development)",
        "3 of 7 port mentions managed (42.9%)",
    ], result


def test_strict_fails_while_hard_coded_and_json_lists_every_mention(tmp_path: Path,
                                                                     run_cli: RunCli) -> None:
    root = _repo(tmp_path, FILES)
    assert run_cli("audit", "--strict", cwd=root).code == 1
    result = run_cli("audit", "--strict", "--format", "json", cwd=root)
    assert result.code == 1, result
    document = json.loads(result.out)
    assert (document["total"], document["managed"], document["coverage"]) == (7, 3, 42.9)
    managed = {(m["path"], m["line"]) for m in document["mentions"] if m["managed"]}
    assert managed == {("config/production.yaml", 1), ("config/development.yaml", 1),
                       (".env", 1)}


def test_strict_passes_when_everything_is_managed(tmp_path: Path, run_cli: RunCli) -> None:
    files = {k: v for k, v in FILES.items()
             if k in ("ports.yaml", "config/production.yaml", "config/development.yaml")}
    root = _repo(tmp_path, {**files, ".env": "COURIER_URL=http://courier:9765\n"})
    result = run_cli("audit", "--strict", cwd=root)
    assert (result.code, result.out) == (0, "3 of 3 port mentions managed (100.0%)\n"), result


def test_without_git_every_file_is_walked_with_a_note(tmp_path: Path, run_cli: RunCli) -> None:
    root = _repo(tmp_path, FILES, git=False)
    result = run_cli("audit", cwd=root)
    assert result.code == 0, result
    assert "local.env:1: 8765 (courier, production)" in result.out, result
    assert "is not a git repository" in result.err, result


def test_audit_of_a_broken_registry_is_exit_2(tmp_path: Path, run_cli: RunCli) -> None:
    root = _repo(tmp_path, {"ports.yaml": "version: 1\nservices: {a: 99999}\n"})
    result = run_cli("audit", cwd=root)
    assert result.code == 2, result
    assert "ports.yaml:2" in result.err, result


def _ports(path: str, text: str) -> list[tuple[int, int, str]]:
    return [(m.line, m.port, m.rule) for m in scan(path, text)]


@pytest.mark.parametrize(("path", "text"), [
    ("a.yaml", "request_timeout: 8000\nport_timeout: 8000\nyear: 2024\nversion: 8.0.1\n"),
    ("a.yaml", "image: nginx:1.25\nsupport: 8080\ntransport: 8080\nreport: 3000\n"),
    ("a.env", "TIMEOUT_MS=8000\nYEAR=2024\nVERSION=5432\nMAX_PORTS=abc\n"),
    ("a.json", '{"timeout": 8000, "version": "3.8000", "copyright": "2024"}'),
    ("a.toml", "timeout = 8000\nyear = 2024\n"),
    ("README.md", "Founded 2024; build 8000; v1.8080; ratio 16:9 and 10:30 am.\n"),
    ("run.sh", "sleep 8000\nmkdir -p build\ntar -xzf a.tgz\n"),
    ("a.yaml", "port: 0\nhttp_port: 70000\nother_port: 08080\n"),
])
def test_numbers_that_are_not_ports_are_not_reported(path: str, text: str) -> None:
    assert _ports(path, text) == []


@pytest.mark.parametrize(("path", "text", "expected"), [
    ("a.yaml", "server:\n  port: 8000\n  httpPort: '8001'\n", [(2, 8000, "key"), (3, 8001, "key")]),
    ("a.yaml", "db_url: postgres://u:p@db:5432/x\nupstream: api:8080\n",
     [(1, 5432, "url"), (2, 8080, "address")]),
    ("docker-compose.yml", 'services:\n  w:\n    ports:\n      - "9000:8000"\n',
     [(4, 9000, "host"), (4, 8000, "container")]),
    ("a.env", "export API_PORT=8081  # api\nGRPC_PORT='50051'\n",
     [(1, 8081, "key"), (2, 50051, "key")]),
    ("pyproject.toml", "[tool.app]\nport = 8000\nurl = \"http://localhost:8001\"\n",
     [(2, 8000, "key"), (3, 8001, "url")]),
    ("package.json", '{"scripts": {"dev": "vite --port 3000", "x": "PORT=3001 node s"}}',
     [(1, 3000, "flag"), (1, 3001, "assign")]),
    ("nginx/site.conf", "listen 80;\nserver api:8080;\nproxy_pass http://localhost:3000;\n",
     [(1, 80, "listen"), (2, 8080, "address"), (3, 3000, "url")]),
    ("Dockerfile", "EXPOSE 8000/tcp 8001\nCMD uvicorn app --port 8002\n",
     [(1, 8000, "expose"), (1, 8001, "expose"), (2, 8002, "flag")]),
    ("PORTS.md", "| Service | HTTP Port | Year |\n|---|---|---|\n| api | 8080 | 2024 |\n",
     [(3, 8080, "table")]),
])
def test_ports_are_found_from_their_context(path: str, text: str,
                                            expected: list[tuple[int, int, str]]) -> None:
    assert _ports(path, text) == expected


def test_without_a_registry_every_mention_is_the_unmanaged_baseline(tmp_path: Path,
                                                                    run_cli: RunCli) -> None:
    files = {k: v for k, v in FILES.items() if k != "ports.yaml"}
    root = _repo(tmp_path, files)
    result = run_cli("audit", cwd=root)
    assert result.code == 0, result
    assert result.out.splitlines() == [
        ".env:1: 9765",
        ".env:2: 9765",
        "Dockerfile:2: 8765",
        "README.md:1: 9765",
        "config/development.yaml:1: 9765",
        "config/production.yaml:1: 8765",
        "nginx/site.conf:2: 9765",
        "0 of 7 port mentions managed (0.0%)",
    ], result
    assert "no ports.yaml here or above" in result.err, result
    assert run_cli("audit", "--strict", cwd=root).code == 1
    document = json.loads(run_cli("audit", "--format", "json", cwd=root).out)
    assert (document["baseline"], document["total"], document["managed"]) == (True, 7, 0)


def test_an_explicit_registry_that_is_missing_is_still_an_error(tmp_path: Path,
                                                                run_cli: RunCli) -> None:
    root = _repo(tmp_path, {"a.env": "PORT=8000\n"})
    result = run_cli("audit", "-r", str(root / "nope.yaml"), cwd=root)
    assert result.code == 2, result


def test_a_line_marked_portsync_ignore_holds_no_port(tmp_path: Path, run_cli: RunCli) -> None:
    root = _repo(tmp_path, {
        "app.yaml": "port: 8000\n# e.g. port: 9000  portsync: ignore\nother_port: 9001 "
                    "# portsync:ignore\n",
        "README.md": "Open http://localhost:8000/ <!-- portsync: ignore -->\nor localhost:8001\n",
    })
    result = run_cli("audit", cwd=root)
    assert result.out.splitlines() == ["README.md:2: 8001", "app.yaml:1: 8000",
                                       "0 of 2 port mentions managed (0.0%)"], result


def test_a_value_merged_or_aliased_is_counted_once_where_it_is_written(tmp_path: Path) -> None:
    text = ("x-base: &base\n  port: 8000\n  url: http://api:8001\nweb:\n  <<: *base\n"
            "api:\n  <<: *base\n  admin_port: &admin 8002\nworker:\n  admin_port: *admin\n")
    found = scan("docker-compose.yml", text)
    assert [(m.line, m.port, m.key) for m in found] == [
        (2, 8000, ("x-base", "port")), (3, 8001, ("x-base", "url")),
        (8, 8002, ("api", "admin_port"))]
    inline = scan("a.yaml", "web:\n  <<: {port: 8000}\n")
    assert [(m.port, m.key) for m in inline] == [(8000, None)], "no key path runs through <<"


MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart}
spec:
  template:
    spec:
      containers:
        - name: server
          ports: [{containerPort: 7070}]
          env:
            - {name: PORT, value: "7070"}
---
apiVersion: v1
kind: Service
metadata:
  name: cart
spec:
  ports:
    - name: grpc
      port: 7070
      targetPort: 7070
"""


def test_every_document_of_a_multi_document_yaml_is_read(tmp_path: Path, run_cli: RunCli) -> None:
    found = scan("k8s/cart.yaml", MANIFEST)
    assert [(m.line, m.key, tuple(s and str(s) for s in m.selectors),
             m.document and (m.document.kind, m.document.name)) for m in found] == [
        (9, (0, "spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"),
         ("[kind=Deployment,metadata.name=cart]", "[name=server]", None), ("Deployment", "cart")),
        (11, (0, "spec", "template", "spec", "containers", 0, "env", 0, "value"),
         ("[kind=Deployment,metadata.name=cart]", "[name=server]", "[name=PORT]"),
         ("Deployment", "cart")),
        (20, (1, "spec", "ports", 0, "port"),
         ("[kind=Service,metadata.name=cart]", "[name=grpc]"), ("Service", "cart")),
        (21, (1, "spec", "ports", 0, "targetPort"),
         ("[kind=Service,metadata.name=cart]", "[name=grpc]"), ("Service", "cart")),
    ]
    root = _repo(tmp_path, {"k8s/cart.yaml": MANIFEST})
    result = run_cli("audit", cwd=root)
    assert result.out.splitlines()[-1] == "0 of 4 port mentions managed (0.0%)", result


def test_a_line_with_several_mentions_is_printed_once(tmp_path: Path, run_cli: RunCli) -> None:
    root = _repo(tmp_path, {
        "ports.yaml": "version: 1\nservices:\n  grafana: {port: 3000, host_port: 3010}\n",
        "README.md": "| Service | Port | URL |\n|---|---|---|\n"
                     "| grafana | 3010 | http://localhost:3010 (container 3000) |\n",
    })
    result = run_cli("audit", cwd=root)
    assert result.out.splitlines() == ["README.md:3: 3010 (grafana, default)",
                                       "0 of 2 port mentions managed (0.0%)"], result


def test_files_not_read_are_listed_with_why(tmp_path: Path, run_cli: RunCli) -> None:
    root = _repo(tmp_path, {
        "ports.yaml": "version: 1\nservices: {api: 8000}\n",
        "app.env": "API_PORT=8000\n",
        "latin1.env": b"API_PORT=8000 # caf\xe9\n",
        "big.json": '{"port": 8000, "pad": "' + "x" * (3 * 1024 * 1024) + '"}',
        "logo.png": b"\x89PNG\r\n\x1a\n\0\0\0",
    })
    (root / "link.env").symlink_to("app.env")
    (root / "loop-a").symlink_to("loop-b")
    (root / "loop-b").symlink_to("loop-a")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    result = run_cli("audit", cwd=root)
    assert result.code == 0, result
    assert result.out.splitlines() == [
        "app.env:1: 8000 (api, default)",
        "big.json: not read: 3.0 MiB, over the 2.0 MiB scan limit",
        "latin1.env: not read: not UTF-8 (byte 0xe9 at offset 19)",
        "link.env: not read: a symlink (not followed)",
        "loop-a: not read: a symlink (not followed)",
        "loop-b: not read: a symlink (not followed)",
        "0 of 1 port mentions managed (0.0%); 2 files not read",
    ], result
    assert "note: 1 binary file not read" in result.err, result
    strict = run_cli("audit", "--strict", "-r", str(root / "ports.yaml"), "--format", "json")
    assert strict.code == 1, strict
    assert {s["path"]: s["kind"] for s in json.loads(strict.out)["skipped"]} == {
        "big.json": "unread", "latin1.env": "unread", "link.env": "symlink",
        "loop-a": "symlink", "loop-b": "symlink", "logo.png": "binary"}


def test_a_data_file_that_does_not_parse_keeps_its_port_keys(tmp_path: Path,
                                                             run_cli: RunCli) -> None:
    # A Helm template is no YAML until rendered; a JSON file may be cut short. Their
    # `port: N` lines are still hard-coded ports, read line by line.
    helm = ("apiVersion: v1\nkind: Service\n{{- if .Values.enabled }}\nspec:\n  ports:\n"
            "    - port: 8080\n      targetPort: \"8081\"  # the container's\n"
            "{{- end }}\nrequest_timeout: 8000\n")
    assert [(m.line, m.port, m.rule) for m in scan("chart/templates/svc.yaml", helm)] == [
        (6, 8080, "key"), (7, 8081, "key")]
    assert [(m.line, m.port) for m in scan("a.json", '{"port": 8005,\n"url": "x",\n')] == [
        (1, 8005)]
    root = _repo(tmp_path, {"chart/templates/svc.yaml": helm})
    result = run_cli("audit", cwd=root)
    assert result.out.splitlines()[-1] == "0 of 2 port mentions managed (0.0%)", result
    assert run_cli("import", "--write", cwd=root).code == 0
    assert run_cli("--check", cwd=root).code == 0, (root / "ports.yaml").read_text()
    result = run_cli("audit", cwd=root)
    assert result.out.splitlines()[-1] == "2 of 2 port mentions managed (100.0%)", result


def test_a_port_written_into_a_set_template_is_not_managed(tmp_path: Path,
                                                            run_cli: RunCli) -> None:
    # b's 9000 is copied into the template: changing b in ports.yaml would not move it.
    root = _repo(tmp_path, {
        "ports.yaml": "version: 1\nservices: {a: 8000, b: 9000}\ntargets:\n"
                      "  - path: .env\n    set:\n"
                      "      URLS: \"http://a:{{ port('a') }},http://b:9000\"\n"
                      "  - path: app.yaml\n    set:\n"
                      "      b.url: \"http://b:{{ port('b') }}/x\"\n",
        ".env": "URLS=http://a:8000,http://b:9000\n",
        "app.yaml": "b:\n  url: 'http://b:9000/x'\n",
    })
    assert run_cli("--check", cwd=root).code == 0
    result = run_cli("audit", cwd=root)
    assert result.out.splitlines() == [".env:1: 9000 (b, default)",
                                       "2 of 3 port mentions managed (66.7%)"], result
