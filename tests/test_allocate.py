"""portsync allocate: the lowest free port in every environment, and --write keeping bytes.

Most cases ask for a published port (--publish): host ports are where collisions live.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from portsync.commands.allocate import insert_service
from tests.conftest import RunCli, build_tree, snapshot

REGISTRY = """\
# Team ports: keep this comment
version: 1
parallel_environments: true
environments:
  production: {}
  development: {offset: 1000, range: 9000-9799}
  test: {offset: -1000, range: 7000-7799}

ranges:
  api:  {from: 8000, to: 8009}     # public APIs
  vendor: {from: 8100, to: 8199, reserved: true}

services:
  users: {port: 8000, group: api}
  orders:
    port: 8002          # orders API
    group: api
  pypi: {port: 9001, fixed: true}   # blocks 8001 in development

targets: []
"""


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return build_tree(tmp_path, {"ports.yaml": REGISTRY})


def test_lowest_port_free_in_every_environment(registry: Path, run_cli: RunCli):
    # 8001 would be 9001 in development, pypi's fixed port: skipped. 8002 is taken.
    result = run_cli("allocate", "--publish", "billing", "--group", "api", cwd=registry)
    assert result.code == 0, result
    assert result.out == "8003\n", result
    assert "production 8003, development 9003, test 7003" in result.err, result
    assert (registry / "ports.yaml").read_text() == REGISTRY  # nothing written


def test_without_group_skips_named_and_reserved_ranges(registry: Path, run_cli: RunCli):
    # Environment ranges allow bases 8000-8799; api is 8000-8009, vendor 8100-8199.
    result = run_cli("allocate", "--publish", "billing", cwd=registry)
    assert result.code == 0, result
    assert result.out == "8010\n", result


def test_env_limits_the_environments_checked(registry: Path, run_cli: RunCli):
    result = run_cli("allocate", "--publish", "billing", "--group", "api", "--env", "production",
                     cwd=registry)
    assert result.code == 0, result
    assert result.out == "8001\n", result


def test_full_range_exits_1(tmp_path: Path, run_cli: RunCli):
    build_tree(tmp_path, {"ports.yaml": "version: 1\nranges:\n  tiny: 8000-8001\nservices:\n"
                                        "  a: {port: 8000, group: tiny}\n"
                                        "  b: {port: 8001, group: tiny}\n"})
    before = snapshot(tmp_path)
    result = run_cli("allocate", "--publish", "c", "--group", "tiny", "--write", cwd=tmp_path)
    assert result.code == 1, result
    assert result.out == ""
    assert "no free port for c in group tiny (8000-8001)" in result.err, result
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(("args", "message"), [
    (("users",), "service 'users' already exists"),
    (("x", "--group", "vendor"), "--group 'vendor' is a reserved range (groups: api)"),
    (("x", "--group", "nope"), "--group 'nope' names no range of ports.yaml"),
    (("x", "--env", "staging"), "unknown environment 'staging'"),
    (("true",), "service name 'true' reads as a boolean in YAML, not as a name"),
    # Valid characters, but YAML 1.1 tools read them as no name: say so, not "use letters".
    (("n",), "service name 'n' reads as a boolean in YAML, not as a name: choose another name"),
    (("on",), "service name 'on' reads as a boolean in YAML"),
    (("1e3",), "service name '1e3' reads as a number in YAML"),
    (("2024-01-01",), "service name '2024-01-01' reads as a date in YAML"),
    (("a/b",), "service name 'a/b': use letters, digits, '.', '_' and '-', starting with"),
])
def test_usage_errors_exit_2(registry: Path, run_cli: RunCli, args: tuple[str, ...],
                             message: str):
    result = run_cli("allocate", "--publish", *args, "--write", cwd=registry)
    assert result.code == 2, result
    assert message in result.err, result
    assert (registry / "ports.yaml").read_text() == REGISTRY


def test_write_adds_one_line_and_keeps_every_other_byte(registry: Path, run_cli: RunCli):
    result = run_cli("allocate", "--publish", "billing", "--group", "api", "--write", cwd=registry)
    assert result.code == 0, result
    anchor = "  pypi: {port: 9001, fixed: true}   # blocks 8001 in development\n"
    expected = REGISTRY.replace(anchor, anchor + "  billing: {port: 8003, group: api}\n")
    assert (registry / "ports.yaml").read_text() == expected
    assert result.err.endswith(" to ports.yaml:19\n"), result
    again = run_cli("validate", cwd=registry)
    assert again.code == 0, again


def test_write_plain_port_and_env_list(registry: Path, run_cli: RunCli):
    result = run_cli("allocate", "--publish", "docs", "--env", "production", "--env", "test", "--write",
                     cwd=registry)
    assert result.code == 0, result
    anchor = "  pypi: {port: 9001, fixed: true}   # blocks 8001 in development\n"
    expected = REGISTRY.replace(
        anchor, anchor + "  docs: {port: 8010, environments: [production, test]}\n")
    assert (registry / "ports.yaml").read_text() == expected


def test_write_keeps_crlf_bom_and_missing_final_newline(tmp_path: Path, run_cli: RunCli):
    original = "\ufeffversion: 1\r\nservices:\r\n  a:\r\n    port: 8000\r\n    # note"
    build_tree(tmp_path, {"ports.yaml": original})
    result = run_cli("allocate", "--publish", "b", "--write", cwd=tmp_path)
    assert result.code == 0, result
    # After the comment under the last service (it belongs to that service's block).
    assert (tmp_path / "ports.yaml").read_bytes() == (original + "\r\n  b: 1024").encode("utf-8")


@pytest.mark.parametrize(("before", "after"), [
    ("version: 1\nservices: {a: 1}\n", "version: 1\nservices: {a: 1, new: 9}\n"),
    ("version: 1\nservices: {}\n", "version: 1\nservices: {new: 9}\n"),
    ("version: 1\nservices:\n", "version: 1\nservices:\n  new: 9\n"),
    ("version: 1\nservices: ~  # none yet\n", "version: 1\nservices:  # none yet\n  new: 9\n"),
    ("version: 1", "version: 1\nservices:\n  new: 9"),
    ("services:\n    a: 1\n    b: 2\n# end\n", "services:\n    a: 1\n    b: 2\n    new: 9\n# end\n"),
    ("x: &x {port: 5}\nservices:\n  a: *x\nz: 1\n",
     "x: &x {port: 5}\nservices:\n  a: *x\n  new: 9\nz: 1\n"),
    ("services:\n  a:\n    description: |\n      two\n      lines\n  # c\nz: 1\n",
     "services:\n  a:\n    description: |\n      two\n      lines\n  # c\n  new: 9\nz: 1\n"),
])
def test_insert_service_shapes(before: str, after: str):
    text, _line = insert_service(before, "new", "9", "ports.yaml")
    assert text == after


def test_parallel_environments_with_one_offset_explain_themselves(tmp_path: Path,
                                                                 run_cli: RunCli):
    build_tree(tmp_path, {"ports.yaml": "version: 1\nparallel_environments: true\n"
                                        "environments: {a: {}, b: {}}\nservices: {}\n"})
    result = run_cli("allocate", "--publish", "x", cwd=tmp_path)
    assert result.code == 2, result
    assert "shift host ports by +0 alike" in result.err, result


MIXED = """\
version: 1
environments:
  dev: {}
  staging: {host_offset: 10000}
services:
  cart: {port: 8080, publish: false}     # container-only: its own address
  web: 8081
  edge: {port: 8090, host_port: 18082}
"""


def test_a_container_only_port_by_default_avoids_every_number_in_use(tmp_path: Path,
                                                                      run_cli: RunCli):
    build_tree(tmp_path, {"ports.yaml": MIXED.replace("8080", "1024")})
    result = run_cli("allocate", "worker", "--write", cwd=tmp_path)
    assert result.code == 0, result
    assert result.out == "1025\n", result  # 1024 is cart's, although not published
    assert "container-only (publish: false; --publish for a host port)" in result.err
    assert "  worker: {port: 1025, publish: false}\n" in (tmp_path / "ports.yaml").read_text()
    assert run_cli("validate", cwd=tmp_path).code == 0


def test_a_published_port_is_asked_for_and_ignores_unpublished_ones(tmp_path: Path,
                                                                     run_cli: RunCli):
    build_tree(tmp_path, {"ports.yaml": MIXED})
    # 8080 is free on the host (cart is not published); staging publishes it at 18080.
    result = run_cli("allocate", "api", "--group", "x", cwd=tmp_path)
    assert result.code == 2, result  # no such group: the flags still parse
    text = MIXED.replace("services:", "ranges: {web: 8080-8089}\nservices:")
    (tmp_path / "ports.yaml").write_text(text)
    published = run_cli("allocate", "api", "--group", "web", "--publish", cwd=tmp_path)
    assert published.out == "8080\n", published
    assert "dev 8080, staging 18080); lowest free port in group web (8080-8089), published" \
        in published.err, published
    contained = run_cli("allocate", "api", "--group", "web", cwd=tmp_path)
    assert contained.out == "8082\n", contained  # 8080 is cart's number, 8081 web's


# -- --write after `portsync init`, through a symlink, under the lock --------------------------


def test_write_after_init_keeps_commented_examples_with_their_service(tmp_path: Path,
                                                                       run_cli: RunCli):
    """Uncommenting db's `host_port` example after an allocate must give valid YAML."""
    assert run_cli("init", cwd=tmp_path).code == 0
    starter = (tmp_path / "ports.yaml").read_text()
    result = run_cli("allocate", "search", "--group", "web", "--publish", "--write",
                     cwd=tmp_path)
    assert result.code == 0, result
    # The new service goes after the last commented-out service example, not between db
    # and its commented lines.
    last = "  #   # port: {default: 8765, development: 9700}    # `default:` = base of the others\n"
    assert starter.count(last) == 1
    expected = starter.replace(last, last + "  search: {port: 8001, group: web}\n")
    assert (tmp_path / "ports.yaml").read_text() == expected
    line = expected[:expected.index("  search:")].count("\n") + 1
    assert result.err.endswith(f"added search: {{port: 8001, group: web}} to ports.yaml:{line}\n")

    commented = "    # host_port: {development: 5433}"
    text = expected.replace(commented, "    host_port: {development: 5433}")
    (tmp_path / "ports.yaml").write_text(text)
    validate = run_cli("validate", cwd=tmp_path)
    assert validate.code == 0, validate
    table = run_cli("table", cwd=tmp_path)
    assert "db             5432  5432 (host 5433)" in table.out, table
    assert "search         8001              9001  web" in table.out, table


def test_write_goes_through_a_symlinked_registry(tmp_path: Path, run_cli: RunCli):
    real = build_tree(tmp_path, {"shared/ports.yaml": "version: 1\nservices:\n  a: 8000\n"})
    (real / "ports.yaml").symlink_to("shared/ports.yaml")
    result = run_cli("allocate", "b", "--publish", "--write", cwd=tmp_path)
    assert result.code == 0, result
    assert (tmp_path / "ports.yaml").is_symlink()  # the link stays a link...
    assert (tmp_path / "shared/ports.yaml").read_text() == \
        "version: 1\nservices:\n  a: 8000\n  b: 1024\n"  # ...and the real file changed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ports.yaml", "shared"]


def test_write_waits_for_the_sync_lock_and_gives_up_writing_nothing(
        registry: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch):
    from portsync import lock

    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
    before = snapshot(registry)
    with lock.exclusive(registry) as refused:  # another portsync run holds it
        assert refused is None
        result = run_cli("allocate", "billing", "--write", cwd=registry)
    assert result.code == 2, result
    assert "another portsync run has held this lock" in result.err, result
    assert snapshot(registry) == before


def test_write_never_overwrites_an_edit_made_meanwhile(registry: Path, run_cli: RunCli,
                                                       monkeypatch: pytest.MonkeyPatch):
    from portsync.commands import allocate as module

    real_load = module.load

    def load_then_someone_saves(path: Path, *args: object, **kwargs: object) -> object:
        loaded = real_load(path, *args, **kwargs)  # type: ignore[arg-type]
        if kwargs.get("proposed") is not None:  # between the plan and the write
            with path.open("a", encoding="utf-8") as handle:
                handle.write("# saved in an editor\n")
        return loaded

    monkeypatch.setattr(module, "load", load_then_someone_saves)
    result = run_cli("allocate", "billing", "--write", cwd=registry)
    assert result.code == 2, result
    assert "ports.yaml" in result.err, result
    assert (registry / "ports.yaml").read_text() == REGISTRY + "# saved in an editor\n"


def test_write_to_a_bad_registry_is_one_line_and_writes_nothing(tmp_path: Path,
                                                                  run_cli: RunCli):
    # `services` twice: YAML parsers disagree on which wins, so it is refused at its line.
    original = "version: 1\nservices:\n  a: 8000\nservices: {}\n"
    build_tree(tmp_path, {"ports.yaml": original})
    result = run_cli("allocate", "b", "--write", cwd=tmp_path)
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and result.err.startswith("ports.yaml:"), result
    assert (tmp_path / "ports.yaml").read_text() == original
