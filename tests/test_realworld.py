"""The migration guide's claims, run on the real lumiere-backend files (docs/migrating-lumiere.md)."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli, snapshot

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
BACKEND = REALWORLD / "lumiere-backend"
REGISTRY = REPO / "docs" / "lumiere-realworld.ports.yaml"

pytestmark = pytest.mark.skipif(not BACKEND.is_dir(), reason=f"{BACKEND} is not here")

PASSEUR = "    ports: {http: 8766, bridge: 8768, metrics: 8792, health: 8793}"
# The old registry, number for number: passeur's production metrics on courier's 8790.
PASSEUR_LITERAL = ("    ports: {http: 8766, bridge: 8768, "
                   "metrics: {default: 8792, production: 8790}, health: 8793}")
# ...and its metrics_mapping "8792:8792" kept as the published port.
PASSEUR_MAPPED = PASSEUR_LITERAL + "\n    host_ports: {metrics: {production: 8792}}"
BRIDGE = "      bridge_port: \"{{ port('passeur', 'bridge') }}\""
BRIDGE_AS_API = "      bridge_port: \"{{ port('passeur') }}\""  # what the old script compared

POURTIER_DRIFT = [
    "pourtier/config/test.yaml:57: HEALTH_CHECK_PORT: found 8080, expected 7091",
    "pourtier/config/test.yaml:61: METRICS_PORT: found 9090, expected 7090",
    "pourtier/config/default.yaml:58: HEALTH_CHECK_PORT: found 8080, expected 8091",
    "pourtier/config/default.yaml:61: METRICS_PORT: found 9090, expected 8090",
]


@pytest.fixture
def backend(tmp_path: Path) -> Path:
    """A writable copy of lumiere-backend with the migrated registry as its ports.yaml."""
    root = tmp_path / "lumiere-backend"
    shutil.copytree(BACKEND, root)
    for path in (root, *root.rglob("*")):  # the shared copy is read-only
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    (root / "ports.yaml").rename(root / "ports.v1.1.yaml")
    shutil.copyfile(REGISTRY, root / "ports.yaml")
    return root


def edit_registry(root: Path, old: str, new: str) -> None:
    """Replace one exact fragment of the registry (it must occur once)."""
    path = root / "ports.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_migrated_registry_is_valid(backend: Path, run_cli: RunCli) -> None:
    result = run_cli("validate", cwd=backend)
    assert result.code == 0, result
    assert result.out == "ports.yaml is valid: 7 services, 14 ports, 3 environments, 8 targets\n"


def test_check_finds_the_drifted_pourtier_ports(backend: Path, run_cli: RunCli) -> None:
    before = snapshot(backend)
    result = run_cli("--check", cwd=backend)
    assert result.code == 1, result
    assert result.out.splitlines() == [*POURTIER_DRIFT,
                                       "4 values drifted in 2 files, 11 already in sync",
                                       "run `portsync` to update these files"], result
    assert snapshot(backend) == before


def test_sync_rewrites_only_the_drifted_values(backend: Path, run_cli: RunCli) -> None:
    before = snapshot(backend)
    result = run_cli(cwd=backend)
    assert result.code == 0, result
    after = snapshot(backend)
    changed = {p for p in before if before[p] != after[p]}
    assert changed == {"pourtier/config/test.yaml", "pourtier/config/default.yaml"}
    fixes = {"test": (b"7091", b"7090"), "default": (b"8091", b"8090")}
    for name, (health, metrics) in fixes.items():
        path = f"pourtier/config/{name}.yaml"
        expected = before[path].replace(b"HEALTH_CHECK_PORT: 8080\n",
                                        b"HEALTH_CHECK_PORT: " + health + b"\n")
        expected = expected.replace(b"METRICS_PORT: 9090\n", b"METRICS_PORT: " + metrics + b"\n")
        assert after[path] == expected, path
    again = run_cli("--check", cwd=backend)
    assert again.code == 0, again
    assert again.out == "all 13 files in sync\n"


def test_literal_translation_shows_the_metrics_collision(backend: Path,
                                                         run_cli: RunCli) -> None:
    edit_registry(backend, PASSEUR, PASSEUR_LITERAL)
    before = snapshot(backend)
    for args in (["validate"], ["--check"]):
        result = run_cli(*args, cwd=backend)
        assert result.code == 2, result
        assert result.err == ("ports.yaml:34:39: host port 8790 collides: courier.metrics "
                              "(production) and passeur.metrics (production)\n"), result
    assert snapshot(backend) == before


def test_kept_mapping_contradicts_passeurs_config(backend: Path, run_cli: RunCli) -> None:
    edit_registry(backend, PASSEUR, PASSEUR_MAPPED)
    assert run_cli("validate", cwd=backend).code == 0  # host ports 8790 and 8792 differ...
    result = run_cli("--check", cwd=backend)
    assert result.code == 1, result
    assert result.out.splitlines()[4:] == [  # ...but passeur listens on 8792, not 8790
        "passeur/config/production.yaml:78: metrics.port: found 8792, expected 8790",
        "passeur/config/default.yaml:78: metrics.port: found 8792, expected 8790",
        "6 values drifted in 4 files, 9 already in sync",
        "run `portsync` to update these files",
    ], result


def test_bridge_modelled_as_the_api_port_is_false_drift(backend: Path,
                                                        run_cli: RunCli) -> None:
    edit_registry(backend, BRIDGE, BRIDGE_AS_API)
    result = run_cli("--check", cwd=backend)
    assert result.code == 1, result
    assert result.out.splitlines()[4:] == [
        "passeur/config/production.yaml:6: bridge_port: found 8768, expected 8766",
        "passeur/config/development.yaml:5: bridge_port: found 9768, expected 9766",
        "passeur/config/test.yaml:5: bridge_port: found 7768, expected 7766",
        "passeur/config/default.yaml:6: bridge_port: found 8768, expected 8766",
        "8 values drifted in 6 files, 7 already in sync",
        "run `portsync` to update these files",
    ], result
