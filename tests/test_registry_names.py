"""Names in ports.yaml are strings; privileged-port warnings: placed, acknowledged (SPEC §1)."""

from __future__ import annotations

import pytest

from tests.conftest import RunCli


@pytest.mark.parametrize(("text", "message"), [
    ("environments: {[a]: {}}\n",
     "ports.yaml:2:16: environment names must be strings, not a list"),
    ("environments:\n  1: {}\n", "ports.yaml:3:3: environment names must be strings, not 1"),
    ("environments:\n  null: {}\n",
     "ports.yaml:3:3: environment names must be strings, not nothing"),
    ("ranges: {[a]: 8000-8099}\n", "ports.yaml:2:10: range names must be strings, not a list"),
    ("services: {? {a: 1} : 8000}\n",
     "ports.yaml:2:14: service names must be strings, not a mapping"),
    ("services: {web: {ports: {[a]: 8000}}}\n",
     "ports.yaml:2:26: services.web.ports port names must be strings, not a list"),
    ("services: {web: {port: {[a]: 8000}}}\n",
     "ports.yaml:2:25: services.web.port environment names must be strings, not a list"),
    ("services: {web: {port: {false: 8000}}}\n",
     "ports.yaml:2:25: services.web.port environment names must be strings, "
     "not false (a boolean)"),
])
def test_a_name_that_is_not_a_string_is_an_error_at_its_line(tree, run_cli: RunCli, text: str,
                                                               message: str) -> None:
    root = tree({"ports.yaml": "version: 1\n" + text})
    result = run_cli("validate", cwd=root)
    assert (result.code, result.err) == (2, message + "\n"), result


LOW = "version: 1\nranges: {web: 80-89}\nservices:\n  nginx: {port: 80, group: web}\n"


def test_privileged_warning_is_placed_for_github(tree, run_cli: RunCli) -> None:
    root = tree({"ports.yaml": LOW})
    result = run_cli("--format", "github", cwd=root)
    assert result.code == 0, result
    # The range's bounds are not listening ports: only the service warns.
    assert result.out.splitlines() == [
        "::warning file=ports.yaml,line=4::services.nginx.port = 80 is a privileged port",
        "0 files updated, 0 already in sync"], result
    text = run_cli(cwd=root)
    assert text.err == "warning: ports.yaml:4:17: services.nginx.port = 80 is a privileged port\n"


def test_privileged_true_acknowledges_the_warning(tree, run_cli: RunCli) -> None:
    root = tree({"ports.yaml": LOW.replace("group: web}", "group: web, privileged: true}")})
    for args in (["validate"], ["--check"], ["table"]):
        result = run_cli(*args, cwd=root)
        assert (result.code, result.err) == (0, ""), result


def test_an_offset_that_makes_a_port_privileged_warns(tree, run_cli: RunCli) -> None:
    shifted = ("version: 1\nenvironments:\n  a: {}\n  b: {offset: -7500}\nservices:\n"
               "  x: 8080\n  z: {port: 8081, host_port: 9000}\n")
    root = tree({"ports.yaml": shifted})
    result = run_cli("validate", cwd=root)
    assert result.code == 0, result
    assert result.err.splitlines() == [
        "warning: ports.yaml:6:3: x.http in b is 580, a privileged port (offset -7500)",
        "warning: ports.yaml:7:7: z.http port in b is 581, a privileged port (offset -7500)"]
    (root / "ports.yaml").write_text(shifted.replace("  x: 8080", "  x: {port: 8080, "
                                                     "privileged: true}"))
    acknowledged = run_cli("validate", cwd=root)
    assert acknowledged.err.splitlines() == [
        "warning: ports.yaml:7:7: z.http port in b is 581, a privileged port (offset -7500)"]

