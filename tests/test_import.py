"""portsync import: on every example, the proposal passes --check at once and covers as much."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli, build_tree, snapshot

EXAMPLES = ("lumiere", "deltran", "trading", "driftos", "hypernode/Hypernode-Site-App")


def _git(root: Path) -> None:
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _copy_example(name: str, dest: Path) -> Path:
    """The example as its own repository; Lumiere's registry is the one at the project root."""
    if name == "lumiere":
        shutil.copytree(REPO / "examples" / "lumiere", dest / "examples" / "lumiere")
        shutil.copytree(REPO / "templates", dest / "templates")
        for file in ("ports.yaml", "README.md"):
            shutil.copy2(REPO / file, dest / file)
    else:  # hypernode/X: one of three sibling repositories, checked out beside the others
        system, _, repo = name.partition("/")
        shutil.copytree(REPO / "examples" / system, dest / system)
        dest = dest / system / repo
    _git(dest)
    return dest


def _coverage(run_cli: RunCli, root: Path) -> float:
    result = run_cli("audit", "--format", "json", cwd=root)
    assert result.code == 0, result
    return float(json.loads(result.out)["coverage"])


@pytest.mark.parametrize("name", EXAMPLES)
def test_import_passes_check_and_covers_as_much(name: str, tmp_path: Path,
                                                run_cli: RunCli) -> None:
    if not (REPO / "examples" / name / "ports.yaml").is_file() and name != "lumiere":
        pytest.skip(f"examples/{name} is not committed yet")
    root = _copy_example(name, tmp_path / name)
    hand = _coverage(run_cli, root)
    (root / "ports.yaml").unlink()
    before = snapshot(root)

    result = run_cli("import", "--write", cwd=root)
    assert result.code == 0, result
    assert snapshot(root).keys() - before.keys() == {"ports.yaml"}, "import writes only ports.yaml"
    check = run_cli("--check", cwd=root)
    assert check.code == 0, f"{check}\n--- proposal\n{(root / 'ports.yaml').read_text()}"
    imported = _coverage(run_cli, root)
    assert imported >= hand, f"import covers {imported}%, the hand-written registry {hand}%"


def test_import_prints_by_default_and_refuses_to_overwrite(tmp_path: Path,
                                                           run_cli: RunCli) -> None:
    build_tree(tmp_path, {
        "docker-compose.yml": "services:\n  web:\n    ports:\n      - \"8080:80\"\n",
        ".env": "WEB_URL=http://localhost:8080\nREQUEST_TIMEOUT=8000\n",
    })
    printed = run_cli("import", "-r", str(tmp_path))
    assert printed.code == 0, printed
    assert not (tmp_path / "ports.yaml").exists()
    assert "web:" in printed.out and "8000" not in printed.out, printed
    assert "WEB_URL: \"http://localhost:{{ host_port('web') }}\"" in printed.out, printed

    (tmp_path / "ports.yaml").write_text("version: 1\n")
    refused = run_cli("import", "--write", "-r", str(tmp_path))
    assert refused.code == 2, refused
    assert "already exists" in refused.err, refused
    assert (tmp_path / "ports.yaml").read_text() == "version: 1\n"


def test_import_infers_offsets_and_env_patterns(tmp_path: Path, run_cli: RunCli) -> None:
    files = {}
    for env, base in (("production", 8000), ("development", 9000), ("test", 7000)):
        files[f"config/{env}.yaml"] = (f"# {env}\nport: {base}\ncourier_url: "
                                       f"\"http://courier:{base + 765}\"\ntimeout: 8000\n")
        files[f"courier/config/{env}.yaml"] = f"port: {base + 765}\n"
    build_tree(tmp_path, files)
    _git(tmp_path)
    result = run_cli("import", "--write", cwd=tmp_path)
    assert result.code == 0, result
    text = (tmp_path / "ports.yaml").read_text()
    assert "development: {offset: 1000}" in text and "test: {offset: -1000}" in text, text
    assert "courier_url: \"http://courier:{{ port('courier') }}\"" in text, text
    assert "path: config/{env}.yaml" in text, text
    assert run_cli("--check", cwd=tmp_path).code == 0


def test_import_lists_collisions(tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path, {"docker-compose.yml": (
        "services:\n  api:\n    ports: [\"8080:8080\"]\n  admin:\n    ports: [\"8080:8080\"]\n")})
    _git(tmp_path)
    result = run_cli("import", cwd=tmp_path)
    assert result.code == 0, result
    assert "port 8080 (default) is used by several services: " in result.out, result


def test_an_enclosing_key_names_the_service(tmp_path: Path, run_cli: RunCli) -> None:
    # An old hand-kept registry nests ports under service names (lumiere-backend's did).
    build_tree(tmp_path, {
        "registry.yaml": "services:\n  pourtier:\n    api_port: 8000\n    health_port: 8091\n"
                         "  courier:\n    api_port: 8765\n",
        "courier/config.yaml": 'pourtier_url: "http://pourtier:8000"\n',
        "pourtier/config.yaml": 'courier_url: "http://courier:8765"\n',
    })
    _git(tmp_path)
    result = run_cli("import", cwd=tmp_path)
    assert result.code == 0, result
    services = result.out.split("services:\n", 1)[1].split("targets:", 1)[0]
    assert services.splitlines() == ["  courier:", "    port: 8765",
                                     "  pourtier:", "    ports: {http: 8000, health: 8091}"], \
        result.out
