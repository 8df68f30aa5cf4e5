"""The shipped JSON Schema of ports.yaml, and validate's json and github output formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from portsync.commands.schema import schema_text
from portsync.errors import RegistryError
from portsync.registry import reader, service_schema, target_schema
from portsync.registry import schema as reg
from portsync.yamlkit import parsers
from tests.conftest import REPO, RunCli, build_tree

jsonschema = pytest.importorskip("jsonschema")

REGISTRIES = sorted([REPO / "ports.yaml", REPO / "portsync" / "starter" / "ports.yaml",
                     *REPO.glob("examples/**/ports.yaml")])


def _data(text: str) -> Any:
    # Plain JSON types, as an editor's language server would see the document.
    return json.loads(json.dumps(parsers.load(text, "ports.yaml", RegistryError)))


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_command_prints_the_shipped_file(run_cli: RunCli, tmp_path: Path):
    result = run_cli("schema", cwd=tmp_path)
    assert result.code == 0, result
    assert result.out == (REPO / "portsync" / "schema.json").read_text(encoding="utf-8")
    assert json.loads(result.out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_example_registry_is_accepted(validator: Any):
    assert len(REGISTRIES) >= 3
    for path in REGISTRIES:
        errors = [e.message for e in validator.iter_errors(_data(path.read_text("utf-8")))]
        assert errors == [], path


BASE = "version: 1\nenvironments: {prod: {}}\nservices:\n  web: 8000\n"


@pytest.mark.parametrize("text", [
    "services: {web: 8000}\n",                                    # no version
    "version: 2\n",
    BASE + "colour: blue\n",                                      # unknown top key
    BASE + "  api: {port: 8001, colour: blue}\n",                 # unknown service key
    BASE + "  api: {port: 70000}\n",                              # out of range
    BASE + "  api: 0\n",
    BASE + "  api: {port: '8001'}\n",                             # wrong type
    BASE + "  api: {port: 8001, ports: {grpc: 9000}}\n",          # both port and ports
    BASE + "  api: {description: no port}\n",
    BASE + "  api: {port: 8001, host_ports: {http: 9000}}\n",
    BASE + "  api: {port: {prod: 99999}}\n",
    BASE + "  api: {port: 8001, fixed: yes please}\n",
    "version: 1\nenvironments: {prod: {offset: 1.5}}\n",
    "version: 1\nenvironments: {prod: {shift: 1}}\n",
    "version: 1\nranges: {a: 8000 to 8099}\n",
    "version: 1\nranges: {a: {from: 8000}}\n",
    "version: 1\nranges: {a: {from: 8000, to: 8099, private: true}}\n",
    BASE + "targets:\n  - path: a.yaml\n",                        # no set/template/replace
    BASE + "targets:\n  - path: a.yaml\n    set: {a: 1}\n    template: t.j2\n",
    BASE + "targets:\n  - path: a.yaml\n    set: {a: [1]}\n",
    BASE + "targets:\n  - path: a.yaml\n    set: {a: 1}\n    block: b\n",
    BASE + "targets:\n  - path: a.yaml\n    format: ini\n    set: {a: 1}\n",
    BASE + "targets:\n  - path: a.txt\n    replace: [{pattern: 'x'}]\n",
    BASE + "targets:\n  - set: {a: 1}\n",
    BASE + "targets: {path: a.yaml}\n",
    BASE + "  api: {port: 8001, publish: 'no'}\n",
    BASE + "  api: {port: 8001, privileged: 1}\n",
    "version: 1\nenvironments: {ci: {host_offset: lots}}\n",
    "version: 1\ndefault_environment: [a]\n",
    "version: 1\ninclude: [{git: https://example.com/x.git}]\n",            # no rev
    "version: 1\ninclude: [{path: ../x, rev: v1}]\n",
    "version: 1\ninclude: {path: ../x}\n",
])
def test_schema_rejects(validator: Any, text: str):
    assert list(validator.iter_errors(_data(text))), text


def test_schema_keys_match_the_registry_reader():
    schema = json.loads(schema_text())
    defs = schema["$defs"]
    assert set(schema["properties"]) == set(reg.TOP_KEYS)
    assert set(defs["environment"]["properties"]) == set(reg.ENV_KEYS)
    assert set(defs["range"]["oneOf"][1]["properties"]) == set(reader.RANGE_KEYS)
    assert set(defs["service"]["oneOf"][1]["properties"]) == set(service_schema.SERVICE_KEYS)
    assert set(defs["include"]["properties"]) == set(reg.INCLUDE_KEYS)
    assert set(defs["target"]["properties"]) == set(target_schema.TARGET_KEYS)
    rule = defs["target"]["properties"]["replace"]["items"]
    assert set(rule["properties"]) == set(target_schema.RULE_KEYS)
    assert defs["target"]["properties"]["format"]["enum"][:-1] == list(target_schema.FORMATS)


# -- validate --format json|github -----------------------------------------------------------

INVALID = "version: 1\nservices:\n  a: 8000\n  b: {port: 8000, colour: red}\n"


def test_validate_json_valid(tmp_path: Path, run_cli: RunCli):
    build_tree(tmp_path, {"ports.yaml": BASE + "  low: 80\n"})
    result = run_cli("validate", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result
    document = json.loads(result.out)
    assert document == {
        "portsync": 1, "ok": True, "exit_code": 0,
        "summary": "ports.yaml is valid: 2 services, 2 ports, 1 environment, 0 targets",
        "errors": [],
        "warnings": ["ports.yaml:5:8: services.low = 80 is a privileged port"],
        "included": [],
    }


def test_validate_json_invalid(tmp_path: Path, run_cli: RunCli):
    build_tree(tmp_path, {"ports.yaml": INVALID})
    result = run_cli("validate", "--format", "json", cwd=tmp_path)
    assert result.code == 2, result
    document = json.loads(result.out)
    assert document["ok"] is False and document["exit_code"] == 2
    assert document["errors"] == [{
        "file": "ports.yaml", "line": 4, "message": "unknown key 'colour' in services.b "
        "(allowed: port, ports, host_port, host_ports, description, host, group, fixed, "
        "environments, publish, privileged)"}], result


def test_validate_github_valid(tmp_path: Path, run_cli: RunCli):
    build_tree(tmp_path, {"ports.yaml": BASE + "  low: 80\n"})
    result = run_cli("validate", "--format", "github", cwd=tmp_path)
    assert result.code == 0, result
    assert result.out.splitlines() == [
        "::warning file=ports.yaml,line=5::services.low = 80 is a privileged port",
        "ports.yaml is valid: 2 services, 2 ports, 1 environment, 0 targets",
    ]


def test_validate_github_invalid(tmp_path: Path, run_cli: RunCli):
    build_tree(tmp_path, {"ports.yaml": "version: 1\nservices:\n  a: 8000\n  b: 8000\n"})
    result = run_cli("validate", "--format", "github", cwd=tmp_path)
    assert result.code == 2, result
    assert result.out.splitlines() == [
        "::error file=ports.yaml,line=4::host port 8000 collides: a.http and b.http in default"]


def test_error_without_a_place_is_not_parsed_as_a_file(tmp_path: Path, run_cli: RunCli):
    # "registry not found: PATH" has no file position; its first words are not a file name.
    github = run_cli("validate", "-r", "missing.yaml", "--format", "github", cwd=tmp_path)
    assert github.code == 2, github
    assert github.out == "::error::registry not found: missing.yaml\n", github
    result = run_cli("validate", "-r", "missing.yaml", "--format", "json", cwd=tmp_path)
    assert json.loads(result.out)["errors"] == [
        {"file": None, "line": None, "message": "registry not found: missing.yaml"}], result
