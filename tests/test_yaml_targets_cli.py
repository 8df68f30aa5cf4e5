"""YAML targets end to end: selector paths in drift lines, one-line refusals, odd YAML as
targets and as ports.yaml (issues 12 and 16). Real files in tmp_path, whole bytes compared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli, build_tree, snapshot

ENV_KEY = ("[kind=Deployment,metadata.name=cart].spec.template.spec.containers[name=server]"
           ".env[name=PORT].value")
REGISTRY = """\
version: 1
environments:
  dev: {}
services:
  cart: 7071
targets:
  - path: k8s/cart.yaml
    set:
      "ENV_KEY": "{{ port('cart') }}"
      "[kind=Service,metadata.name=cart].spec.ports[name=http].targetPort": "{{ port('cart') }}"
  - path: compose.yaml
    set:
      services.cart.environment.PORT: "{{ port('cart') }}"
      services.cart.healthcheck.test: "curl -f http://localhost:{{ port('cart') }}/health || exit 1"
""".replace("ENV_KEY", ENV_KEY)
MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart}
spec:
  template:
    spec:
      containers:
        - name: server
          env:
            - name: PORT
              value: "7070"
---
apiVersion: v1
kind: Service
metadata: {name: cart}
spec:
  ports:
    - name: http
      port: 80
      targetPort: 7070
"""
COMPOSE = """\
services:
  cart:
    environment:
      - PORT=7070
    healthcheck:
      test: curl -f http://localhost:7070/health || exit 1
"""


def test_drift_lines_name_the_path_as_written_and_its_line(tmp_path: Path,
                                                           run_cli: RunCli) -> None:
    build_tree(tmp_path, {"ports.yaml": REGISTRY, "k8s/cart.yaml": MANIFEST,
                          "compose.yaml": COMPOSE})
    result = run_cli("--check", cwd=tmp_path)
    assert result.code == 1, result
    assert result.out.splitlines()[:4] == [
        f"k8s/cart.yaml:11: {ENV_KEY}: found 7070, expected 7071",
        "k8s/cart.yaml:20: [kind=Service,metadata.name=cart].spec.ports[name=http].targetPort: "
        "found 7070, expected 7071",
        "compose.yaml:4: services.cart.environment.PORT: found 7070, expected 7071",
        "compose.yaml:6: services.cart.healthcheck.test: found curl -f "
        "http://localhost:7070/health || exit 1, expected curl -f "
        "http://localhost:7071/health || exit 1",
    ], result
    assert run_cli(cwd=tmp_path).code == 0
    assert (tmp_path / "k8s/cart.yaml").read_text() == MANIFEST.replace("7070", "7071")
    assert (tmp_path / "compose.yaml").read_text() == COMPOSE.replace("7070", "7071")
    assert run_cli("--check", cwd=tmp_path).code == 0


def _refused(tmp_path: Path, run_cli: RunCli, files: dict[str, str | bytes]) -> str:
    """Run a sync that must be refused: exit 2, one line, nothing written; that line."""
    build_tree(tmp_path, files)
    before = snapshot(tmp_path)
    result = run_cli(cwd=tmp_path)
    lines = result.err.splitlines()
    assert result.code == 2 and len(lines) == 1 and result.out == "", result
    assert "Traceback" not in result.err and "internal error" not in result.err, result
    assert snapshot(tmp_path) == before
    return lines[0]


def _one_target(key: str) -> str:
    return ("version: 1\nenvironments: {dev: {}}\nservices: {cart: 7071}\ntargets:\n"
            f"  - path: t.yaml\n    set: {{'{key}': \"{{{{ port('cart') }}}}\"}}\n")


@pytest.mark.parametrize(("key", "target", "line"), [
    ("[kind=Ingress].spec.port", MANIFEST,
     "t.yaml:1: [kind=Ingress].spec.port: selector [kind=Ingress] matches no item of 2; "
     "candidates: [kind=Deployment], [kind=Service]"),
    ("[metadata.name=cart].spec.port", MANIFEST,
     "t.yaml:1: [metadata.name=cart].spec.port: selector [metadata.name=cart] matches 2 items "
     "(t.yaml:1, t.yaml:13)"),
    ("spec.port", MANIFEST,
     "t.yaml: spec.port: the file holds 2 YAML documents: start the path with [n] or a "
     "selector, such as '[kind=Deployment,metadata.name=NAME].spec.port'"),
    ("web.port", "base: &base\n  port: 1\nweb:\n  <<: *base\n",
     "t.yaml:4: web.port: 'port' comes only through the merge key (<<) from the mapping "
     "anchored at line 1 (&base): set it there, where it is written"),
    ("env[name=PORT].value", "env:\n  - {name: HOST, value: x}\n  - {name: DEBUG}\n",
     "t.yaml:2: env[name=PORT].value: selector [name=PORT] matches no item of 2; "
     "candidates: [name=HOST], [name=DEBUG]"),
])
def test_unaddressable_paths_are_one_line_errors(tmp_path: Path, run_cli: RunCli, key: str,
                                                 target: str, line: str) -> None:
    assert _refused(tmp_path, run_cli, {"ports.yaml": _one_target(key), "t.yaml": target}
                    ) == line


ODD = [
    ("%YAML 1.3\n---\n...\n", ":1:1: invalid YAML: unsupported version %YAML 1.3"),
    ('key: "value"# comment\n', ":1:13: invalid YAML: a comment needs a space before its '#'"),
    ("key: [1,\n", ":2:1: invalid YAML: "),
]


@pytest.mark.parametrize(("text", "message"), ODD)
def test_odd_yaml_targets_are_exit_2_at_their_line(tmp_path: Path, run_cli: RunCli,
                                                   text: str, message: str) -> None:
    line = _refused(tmp_path, run_cli, {"ports.yaml": _one_target("key"), "t.yaml": text})
    assert line.startswith("t.yaml" + message), line


@pytest.mark.parametrize(("text", "message"), [
    *ODD,
    ("[[a]]: 1\n", ":1:1: invalid YAML: a key holding a list or a mapping inside it"),
    ("version: 1\nservices: {[{a: 1}]: 8000}\n",
     ":2:12: invalid YAML: a key holding a list or a mapping inside it"),
    ("version: 1\nservices:\n  ? - - a\n  : 1\n",
     ":3:5: invalid YAML: a key holding a list or a mapping inside it"),
    ("key:    # Comment\n        # lines\n  value\n", ":1:1: unknown key 'key'"),
    # ruamel's constructor raises ValueError, IndexError, KeyError or AttributeError on these
    ("version: 1\nservices:\n  a: {port: 1, description: 2001-02-30}\n",
     ":3:29: invalid YAML: '2001-02-30' cannot be read as a timestamp (day is out of range"),
    ("version: 1\nservices:\n  a: {port: !!int x}\n",
     ":3:13: invalid YAML: 'x' cannot be read as an int ("),
    ("version: 1\nservices:\n  a: {port: !!float 1e}\n", ":3:13: invalid YAML: '1e' cannot be read"),
    ("version: 1\ndescription: !!bool x\n", ":2:14: invalid YAML: 'x' cannot be read as a bool"),
    ("version: 1\nservices: !!set x\n", ":2:11: invalid YAML: a scalar cannot be read as a set"),
])
def test_odd_yaml_registries_are_exit_2_at_their_line(tmp_path: Path, run_cli: RunCli,
                                                      text: str, message: str) -> None:
    build_tree(tmp_path, {"ports.yaml": text})
    result = run_cli("--check", cwd=tmp_path)
    assert result.code == 2, result
    assert result.err.startswith("ports.yaml" + message), result
    assert "internal error" not in result.err
