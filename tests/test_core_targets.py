"""Targets: format detection, key paths, {env}/{service} expansion, -q (SPEC §2, §3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from portsync import keypath
from portsync.errors import PortsyncError
from portsync.targets import format_of
from tests.conftest import RunCli, build_tree


@pytest.mark.parametrize(("path", "fmt"), [
    ("a/config.yaml", "yaml"), ("b.YML", "yaml"), ("package.json", "json"),
    ("pyproject.toml", "toml"), (".env", "env"), (".env.production", "env"),
    ("api/.env.test", "env"), ("prod.env", "env"), ("nginx/site.conf", "text"),
    ("Dockerfile", "text"), ("README.md", "text"),
])
def test_format_from_the_file_name(path: str, fmt: str) -> None:
    assert format_of(path, None) == fmt
    assert format_of(path, "json") == "json"  # format: wins


@pytest.mark.parametrize(("text", "path"), [
    ("server.port", ("server", "port")),
    ("services.web.ports[0]", ("services", "web", "ports", 0)),
    ('routes["a.b"].upstream', ("routes", "a.b", "upstream")),
    ("routes['x[1]'][2]", ("routes", "x[1]", 2)),
    ("HTTP_PORT", ("HTTP_PORT",)),
])
def test_key_paths_parse_and_render_back(text: str, path: keypath.KeyPath) -> None:
    assert keypath.parse(text) == path
    assert keypath.parse(keypath.render(path)) == path


@pytest.mark.parametrize("text", ["", "a..b", ".a", "a.", "a[x]", 'a["b"c', "a[0]b"])
def test_bad_key_paths_are_refused(text: str) -> None:
    with pytest.raises(PortsyncError, match="bad key path"):
        keypath.parse(text)


REGISTRY = """\
version: 1
templates_dir: tpl
environments:
  prod: {}
  dev: {offset: 1000}
services:
  web: 8000
  api: {port: 8080, environments: [prod]}
targets:
  - path: svc.conf
    format: env
    environments: [dev]
    set: {"{service}_PORT": "{{ port(service) }}"}
  - path: all.yaml
    environments: [prod]
    set: {"ports.{env}.{service}": "{{ port(service) }}"}
  - path: NOTES.txt
    environments: [prod]
    template: notes.j2
"""


def test_expansion_format_override_and_templates_dir(tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path, {"ports.yaml": REGISTRY, "svc.conf": "# by hand\nweb_PORT=1\n",
                          "all.yaml": "ports: {}\n",
                          "tpl/notes.j2": "{{ project or 'no project' }}: {{ environments|join(',') }}"
                                          " {{ ranges|length }}\n"})
    result = run_cli("-q", cwd=tmp_path)
    assert (result.code, result.out) == (0, ""), result
    # api does not run in dev: {service} skips it instead of failing.
    assert (tmp_path / "svc.conf").read_text() == "# by hand\nweb_PORT=9000\n"
    assert (tmp_path / "all.yaml").read_text() == "ports: {prod: {web: 8000, api: 8080}}\n"
    assert (tmp_path / "NOTES.txt").read_text() == "no project: prod,dev 0\n"
    assert run_cli("--check", "-q", cwd=tmp_path).out == ""


def test_path_without_env_names_at_most_one_environment(tmp_path: Path,
                                                      run_cli: RunCli) -> None:
    build_tree(tmp_path, {"ports.yaml": REGISTRY.replace("    environments: [dev]\n",
                                                         "    environments: [dev, prod]\n"),
                          "svc.conf": "", "all.yaml": "ports: {}\n", "tpl/notes.j2": ""})
    result = run_cli("--check", cwd=tmp_path)
    assert result.code == 2, result
    assert result.err == ("ports.yaml:10:5: target 'svc.conf' has no {env} in its path but "
                          "names 2 environments: name one, or put {env} in the path\n"), result


def test_set_on_a_text_file_needs_a_format(tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path, {"ports.yaml": REGISTRY.replace("    format: env\n", ""),
                          "svc.conf": "", "all.yaml": "ports: {}\n", "tpl/notes.j2": ""})
    result = run_cli("--check", cwd=tmp_path)
    assert result.code == 2 and "svc.conf: set needs a yaml, json, toml or env file" in \
        result.err, result
