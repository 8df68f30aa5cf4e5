"""Loading and validating ports.yaml: schema, positions, policy (SPEC §1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from portsync.errors import PortsyncError
from portsync.registry.finding import find_registry, nearest_registry, registry_file
from portsync.registry.loading import load_registry
from portsync.sync import load


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # messages name the registry relative to the current folder


def _load_errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "ports.yaml"
    path.write_text(text)
    with pytest.raises(PortsyncError) as info:
        load(path)
    return info.value.lines()


def test_minimal_registry_has_one_default_environment(tmp_path: Path) -> None:
    (tmp_path / "ports.yaml").write_text("version: 1\nservices:\n  web: 8080\n")
    reg = load_registry(tmp_path / "ports.yaml")
    assert [e.name for e in reg.environments] == ["default"]
    assert reg.services[0].ports[0].name == "http"
    assert reg.services[0].ports[0].port.base == 8080


def test_all_schema_problems_reported_at_once_with_positions(tmp_path: Path) -> None:
    errors = _load_errors(tmp_path, (
        "project: x\n"
        "colour: blue\n"
        "environments:\n"
        "  dev: {offset: ten}\n"
        "services:\n"
        "  web:\n"
        "    port: 80a\n"
        "  api:\n"
        "    port: 70000\n"
        "    group: nowhere\n"
        "    environments: [prod]\n"
    ))
    assert errors == [
        "ports.yaml:1:1: missing required key 'version' (use version: 1)",
        "ports.yaml:2:1: unknown key 'colour' in ports.yaml (allowed: version, project, "
        "parallel_environments, environments, default_environment, ranges, services, targets, "
        "templates_dir, include)",
        "ports.yaml:4:17: environments.dev.offset must be an integer, not the string 'ten'",
        "ports.yaml:7:11: services.web.port must be an integer port, not the string '80a'",
        "ports.yaml:9:11: services.api.port = 70000 is not a port (1..65535)",
        "ports.yaml:10:12: services.api.group 'nowhere' names no range in ranges:",
        "ports.yaml:11:20: unknown environment 'prod' in services.api.environments",
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("version: 2\n", "ports.yaml:1:10: unsupported version 2 (this portsync reads 1)"),
    ("- version: 1\n", "ports.yaml:1:1: ports.yaml must be a mapping with 'version: 1', "
                       "not a list"),
    ("version: 1\nservices:\n  a: 0\n", "ports.yaml:3:6: services.a = 0 is not a port"),
    ("version: 1\nservices:\n  a: -1\n", "ports.yaml:3:6: services.a = -1 is not a port"),
    ("version: 1\nservices:\n  a: true\n", "services.a must be a port number or a mapping"),
    ("version: 1\nservices:\n  a: {port: 1, ports: {x: 2}}\n",
     "services.a needs exactly one of 'port' or 'ports'"),
    ("version: 1\nservices:\n  a: 1\n  a: 2\n", "ports.yaml:4:3: invalid YAML: found duplicate key \"a\""),
    ("version: 1\nservices: [\n", "ports.yaml:3:1: invalid YAML:"),
    ("version: 1\ntargets:\n  - set: {a: 1}\n", "targets[0] needs a 'path'"),
    ("version: 1\ntargets:\n  - {path: a.yaml, set: {a: 1}, template: t.j2}\n",
     "targets[0].template goes alone: it renders the file that set and replace would edit"),
    ("version: 1\ntargets:\n  - {path: a.yaml}\n", "targets[0] needs set, replace or template"),
    ("version: 1\ntargets:\n  - {path: a.txt, replace: [{pattern: 'x(', value: 1}]}\n",
     "targets[0].replace[0].pattern /x(/ is not a valid regex"),
    ("version: 1\nranges:\n  r: 9-1\n", "ranges.r 9-1 is not a valid port range"),
])
def test_bad_registries(tmp_path: Path, text: str, message: str) -> None:
    errors = _load_errors(tmp_path, text)
    assert any(message in e for e in errors), errors


def test_privileged_port_is_a_warning_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "ports.yaml").write_text("version: 1\nservices:\n  web: 80\n")
    reg = load(tmp_path / "ports.yaml").registry
    assert [str(w) for w in reg.warnings] == [
        "ports.yaml:3:8: services.web = 80 is a privileged port"]


COLLIDING = """\
version: 1
environments:
  prod: {}
  dev: {offset: 1000}
services:
  a: 8000
  b:
    ports: {http: 8100, admin: 9000}
"""


def test_collision_in_one_environment_names_both(tmp_path: Path) -> None:
    errors = _load_errors(tmp_path, COLLIDING.replace("9000", "8000"))
    assert errors == ["ports.yaml:8:25: host port 8000 collides: a.http and b.admin in prod",
                      "ports.yaml:8:25: host port 9000 collides: a.http and b.admin in dev"]


def test_parallel_environments_collide_across_environments(tmp_path: Path) -> None:
    path = tmp_path / "ports.yaml"
    path.write_text(COLLIDING)
    load(path)  # not parallel: dev's 9000 and prod's 9000 never run together
    errors = _load_errors(tmp_path, COLLIDING.replace("version: 1", "version: 1\n"
                                                      "parallel_environments: true"))
    assert errors == ["ports.yaml:9:25: host port 9000 collides: a.http (dev) and "
                      "b.admin (prod)"]


def test_fixed_service_is_one_process_shared_by_environments(tmp_path: Path) -> None:
    path = tmp_path / "ports.yaml"
    path.write_text("version: 1\nparallel_environments: true\nenvironments:\n  a: {}\n"
                    "  b: {offset: 10}\nservices:\n  pg: {port: 5432, fixed: true}\n")
    load(path)


def test_reserved_group_and_environment_ranges(tmp_path: Path) -> None:
    errors = _load_errors(tmp_path, """\
version: 1
environments:
  prod: {}
  test: {offset: -1000, range: 7000-7799}
ranges:
  reserved: {from: 8100, to: 8199, reserved: true}
  rt: 8760-8799
services:
  a: 8150
  b: {port: 8000, group: rt}
  c: 8900
  d: {port: {prod: 8950, test: 7950}}
  e: {port: 8950, fixed: true, host_port: 18900}
""")  # d is pinned and e is fixed: both exempt from test's range
    assert errors == [
        "ports.yaml:9:3: a.http port 8150 lies in reserved range reserved (8100-8199)",
        "ports.yaml:10:7: b.http port 8000 is outside its group rt (8760-8799)",
        "ports.yaml:11:3: c.http host port in test is 7900, outside the environment's "
        "range 7000-7799 (offset -1000)",
    ]


def test_registry_outside_the_current_folder_is_named_by_its_relative_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ports.yaml").write_text("version: 1\nservices:\n  web: x\n")
    with pytest.raises(PortsyncError) as info:
        load(tmp_path / "sub" / "ports.yaml")
    assert str(info.value).startswith("sub/ports.yaml:3:8: services.web must be")


def test_find_registry_walks_up_and_takes_the_environment_s_choice(tmp_path: Path) -> None:
    (tmp_path / "ports.yaml").write_text("version: 1\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_registry(None, None, deep) == tmp_path / "ports.yaml"
    other = tmp_path / "other.yaml"
    other.write_text("version: 1\n")
    assert find_registry(None, str(other), deep) == other
    assert find_registry(str(tmp_path), str(other), deep) == tmp_path / "ports.yaml"
    with pytest.raises(PortsyncError, match=r"registry not found: \S+missing.yaml$"):
        find_registry(str(tmp_path / "missing.yaml"), None, deep)
    with pytest.raises(PortsyncError, match=r"missing.yaml \(from \$PORTSYNC_REGISTRY\)$"):
        find_registry(None, str(tmp_path / "missing.yaml"), deep)


@pytest.mark.parametrize("given", [(None, None), ("ports.yaml", None), (".", None),
                                   (None, "ports.yaml"), ("../b/./", "x"), (None, "missing"),
                                   ("missing", None)])
@pytest.mark.parametrize("cwd", ["", "a", "a/b", "c"])
def test_registry_file_is_find_registry_as_text(tmp_path: Path, given: tuple[str | None, ...],
                                                cwd: str, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    # What a cache hit keys on (registry_file, found without pathlib) must be
    # what the full run's find_registry found, and a failure the same failure.
    for folder in ("a/b", "c"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "ports.yaml").write_text("version: 1\n")
    (tmp_path / "a" / "b" / "ports.yaml").write_text("version: 1\n")
    monkeypatch.chdir(tmp_path / cwd)
    try:
        expected: str = str(find_registry(*given))
    except PortsyncError as error:
        with pytest.raises(PortsyncError) as caught:
            registry_file(*given)
        assert str(caught.value) == str(error)
    else:
        assert registry_file(*given) == expected
        if given == (None, None):
            assert str(nearest_registry(Path.cwd())) == expected


def test_no_registry_anywhere_up_is_one_message(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if any((folder / "ports.yaml").is_file() for folder in (tmp_path, *tmp_path.parents)):
        pytest.skip("a ports.yaml above the temporary folder")
    for find in (registry_file, find_registry):
        with pytest.raises(PortsyncError, match=r"^no ports.yaml here or in any parent folder"):
            find(None, None)
    assert nearest_registry(tmp_path) is None
