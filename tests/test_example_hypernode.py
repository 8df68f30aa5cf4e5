"""examples/hypernode: three repositories that include each other (seed 004, SPEC v2 §1)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunCli, snapshot
from tests.test_examples import copy_example, rewrite_line

SITE, LLM, ENGINE = "Hypernode-Site-App", "hypernode-llm-deployer", "hypernode-automation-engine"


def test_the_historic_3002_collision_is_caught_from_every_side(tmp_path: Path,
                                                               run_cli: RunCli) -> None:
    root = copy_example("hypernode", tmp_path)
    # Before "Changed from 3002 to avoid conflict": the engine on the backend API's port.
    rewrite_line(root / ENGINE / "ports.yaml", "    port: 3004", "    port: 3002")
    before = snapshot(root)
    engine = f"../{ENGINE}/ports.yaml:14:5"
    site = f"../{SITE}/ports.yaml:25:13"
    expected = {
        ENGINE: f"ports.yaml:14:5: host port 3002 collides: automation-engine.http and "
                f"backend-api.http ({site}) in default",
        SITE: f"ports.yaml:25:13: host port 3002 collides: backend-api.http and "
              f"automation-engine.http ({engine}) in default",
        # Neither side is this repository's own: placed in the engine's registry.
        LLM: f"{engine}: host port 3002 collides: backend-api.http ({site}) and "
             "automation-engine.http in default",
    }
    for repo, line in expected.items():
        for args in (["validate"], ["--check"], []):
            result = run_cli(*args, cwd=root / repo)
            assert (result.code, result.err) == (2, line + "\n"), (repo, args, result)
    assert snapshot(root) == before


def test_a_port_moved_in_one_repository_is_drift_in_the_others(tmp_path: Path,
                                                               run_cli: RunCli) -> None:
    root = copy_example("hypernode", tmp_path)
    rewrite_line(root / SITE / "ports.yaml",
                 "    ports: {http: 3002, ws: 3003}  # REST API and its WebSocket server",
                 "    ports: {http: 3012, ws: 3003}  # REST API and its WebSocket server")
    assert run_cli(cwd=root / SITE).code == 0
    # The llm-deployer's app calls the backend API: its own --check now fails, and its
    # own run fixes it.
    result = run_cli("--check", cwd=root / LLM)
    assert result.code == 1, result
    assert result.out.splitlines()[0] == ("hypernode-app/.env:3: NEXT_PUBLIC_API_URL: found "
                                          "http://localhost:3002, expected http://localhost:3012")
    assert run_cli(cwd=root / LLM).code == 0
    assert "NEXT_PUBLIC_API_URL=http://localhost:3012\n" in \
        (root / LLM / "hypernode-app" / ".env").read_text()
    assert run_cli("--check", cwd=root / ENGINE).code == 0  # it uses no backend-api port
