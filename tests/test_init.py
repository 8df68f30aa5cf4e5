"""portsync init: a starter that validates and checks clean at once, never overwriting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli, build_tree, snapshot

STARTER = REPO / "portsync" / "starter"


def test_init_writes_the_starter_which_validates_and_checks(tmp_path: Path, run_cli: RunCli):
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 0, result
    assert result.out.splitlines()[:2] == ["created ports.yaml",
                                           "created templates/ports-table.md.j2"], result
    assert snapshot(tmp_path) == {
        "ports.yaml": (STARTER / "ports.yaml").read_bytes(),
        "templates/ports-table.md.j2": (STARTER / "templates" / "ports-table.md.j2").read_bytes(),
    }
    validate = run_cli("validate", cwd=tmp_path)
    assert validate.code == 0, validate
    assert validate.err == "", validate  # no warnings either
    check = run_cli("--check", cwd=tmp_path)
    assert check.code == 0, check
    table = run_cli("table", cwd=tmp_path)
    assert table.code == 0 and "PostgreSQL" in table.out, table


@pytest.mark.parametrize("existing", ["ports.yaml", "templates/ports-table.md.j2"])
def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, run_cli: RunCli,
                                                      existing: str):
    build_tree(tmp_path, {existing: "mine\n"})
    before = snapshot(tmp_path)
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 2, result
    assert f"{existing} already exists" in result.err, result
    assert snapshot(tmp_path) == before


def test_starter_template_renders_every_port(tmp_path: Path, run_cli: RunCli):
    # Use the starter's commented-out whole-file template target, as a new user would.
    assert run_cli("init", cwd=tmp_path).code == 0
    registry = tmp_path / "ports.yaml"
    registry.write_text(registry.read_text() + "  - path: PORTS.md\n"
                        "    environments: [production]\n"
                        "    template: ports-table.md.j2\n")
    result = run_cli(cwd=tmp_path)
    assert result.code == 0, result
    assert (tmp_path / "PORTS.md").read_text() == (
        "| Service | Port | production | development | Description |\n"
        "|---|---|---:|---:|---|\n"
        "| web | http | 8000 | 9000 |  |\n"
        "| api | http | 8080 | 9080 | Public API |\n"
        "| db | http | 5432 | 5432 | PostgreSQL |\n")
    assert run_cli("--check", cwd=tmp_path).code == 0
