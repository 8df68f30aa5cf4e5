"""default_environment and the environment of a target without {env} (SPEC v2 §1, §2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli, snapshot

ONE_ENV = """\
version: 1
services:
  api: 8000
  web: {port: 3000, host_port: 3100}
targets:
  - path: api.env
    set: {PORT: "{{ port('api') }}"}
  - path: README.md
    template: ports.md.j2
    block: ports
"""
# Every call passes env=: the block reads the same whatever the target's environment.
DOCS = ("{% for e in environments %}{{ e }}: api {{ port('api', env=e) }}, "
        "web {{ host_port('web', env=e) }}\n{% endfor %}")
README = "# x\n<!-- portsync:begin ports -->\n<!-- portsync:end ports -->\n"


def _repo(tree, registry: str) -> Path:
    root: Path = tree({"ports.yaml": registry, "api.env": "PORT=1\n", "README.md": README,
                       "templates/ports.md.j2": DOCS})
    return root


def test_adding_environments_never_breaks_targets_without_env(tree, run_cli: RunCli) -> None:
    root = _repo(tree, ONE_ENV)
    assert run_cli(cwd=root).code == 0
    assert (root / "api.env").read_text() == "PORT=8000\n"
    # A second and third environment: the targets keep working, rendered for the first.
    grown = ONE_ENV.replace("services:", "environments:\n  local: {}\n  ci: {offset: 10}\n"
                                         "services:")
    (root / "ports.yaml").write_text(grown)
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert (root / "api.env").read_text() == "PORT=8000\n"
    assert (root / "README.md").read_text() == (
        "# x\n<!-- portsync:begin ports -->\nlocal: api 8000, web 3100\n"
        "ci: api 8010, web 3110\n<!-- portsync:end ports -->\n")
    # default_environment moves the targets without {env}; the env= docs block stays the same.
    (root / "ports.yaml").write_text(grown.replace("services:", "default_environment: ci\n"
                                                                "services:"))
    readme = (root / "README.md").read_bytes()
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert (root / "api.env").read_text() == "PORT=8010\n"
    assert (root / "README.md").read_bytes() == readme


@pytest.mark.parametrize(("text", "message"), [
    (ONE_ENV.replace("services:", "default_environment: prod\nservices:"),
     "ports.yaml:2:22: default_environment 'prod' names no environment (ports.yaml has default)"),
    (ONE_ENV.replace("services:", "environments: {a: {}, b: {}}\nservices:").replace(
        "    set: {PORT", "    environments: [a, b]\n    set: {PORT"),
     "ports.yaml:7:5: target 'api.env' has no {env} in its path but names 2 environments: "
     "name one, or put {env} in the path"),
])
def test_bad_environment_choices(tree, run_cli: RunCli, text: str, message: str) -> None:
    root = _repo(tree, text)
    before = snapshot(root)
    result = run_cli(cwd=root)
    assert (result.code, result.err) == (2, message + "\n"), result
    assert snapshot(root) == before


def test_env_placeholder_with_an_empty_environment_list_expands_to_nothing(
        tree, run_cli: RunCli) -> None:
    root = tree({"ports.yaml": "version: 1\nenvironments: {a: {}, b: {}}\nservices: {x: 9000}\n"
                               "targets:\n  - path: '{env}.env'\n    environments: []\n"
                               "    create: true\n    set: {X: \"{{ port('x') }}\"}\n"})
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert not (root / "a.env").exists() and not (root / "b.env").exists()


def test_empty_services_list_expands_to_nothing(tree, run_cli: RunCli) -> None:
    root = tree({"ports.yaml": "version: 1\nservices: {x: 9000, y: 9001}\n"
                               "targets:\n  - path: '{service}.env'\n    services: []\n"
                               "    create: true\n    set: {X: \"{{ port(service) }}\"}\n"})
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert not (root / "x.env").exists() and not (root / "y.env").exists()
