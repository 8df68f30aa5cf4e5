"""scripts/update_ports.py keeps the Lumiere seed's interface, run as a real script."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from conftest import REPO, snapshot

EXAMPLE = "examples/lumiere"
# courier's http port moves 8765 -> 8770: production, development (+1000), test (-1000).
MOVES = ((b"8765", b"8770"), (b"9765", b"9770"), (b"7765", b"7770"))


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_ports", REPO / "scripts/update_ports.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _copy_repo(dest: Path) -> Path:
    """The registry, its templates and example files, and the script, as a checkout has them."""
    for name in ("ports.yaml", "README.md", "scripts/update_ports.py"):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dest / name)
    for folder in ("templates", "examples"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, dest / folder)
    return dest


def _script(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Run from the checkout's root, as the seed's README tells people to.
    return subprocess.run([sys.executable, "scripts/update_ports.py", *args], cwd=root,
                          check=False, capture_output=True, text=True, timeout=60)


def _moved(data: bytes) -> bytes:
    for old, new in MOVES:
        data = data.replace(old, new)
    return data


def _show(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"


def test_arguments_translate_to_portsync() -> None:
    script = _load_script()
    registry = str(REPO / "ports.yaml")
    assert script.portsync_args([]) == ["sync", "-r", registry]
    assert script.portsync_args(["--check"]) == ["sync", "--check", "-r", registry]
    assert script.portsync_args(["--dry-run", "--env", "test"]) == \
        ["sync", "--dry-run", "-r", registry, "--env", "test"]
    assert script.portsync_args(["--check", "-r", "x/ports.yaml", "--format", "github"]) == \
        ["sync", "--check", "-r", "x/ports.yaml", "--format", "github"]


def test_check_and_dry_run_exclude_each_other(tmp_path: Path) -> None:
    root = _copy_repo(tmp_path)
    done = _script(root, "--check", "--dry-run")
    assert done.returncode == 2, _show(done)
    assert "not allowed with argument --check" in done.stderr


def test_seed_workflow_check_dry_run_sync(tmp_path: Path) -> None:
    root = _copy_repo(tmp_path)
    done = _script(root, "--check")
    assert done.returncode == 0, _show(done)
    assert done.stdout.endswith("in sync\n"), _show(done)

    # "1. Edit ports.yaml"
    registry = root / "ports.yaml"
    text = registry.read_text()
    assert "ports: {http: 8765," in text
    registry.write_text(text.replace("ports: {http: 8765,", "ports: {http: 8770,"))
    before = snapshot(root / EXAMPLE)

    done = _script(root, "--check")
    assert done.returncode == 1, _show(done)
    assert f"{EXAMPLE}/courier/config/production.yaml:5: port: found 8765, expected 8770" \
        in done.stdout, _show(done)

    done = _script(root, "--dry-run")
    assert done.returncode == 0, _show(done)
    assert f"--- a/{EXAMPLE}/courier/config/production.yaml" in done.stdout, _show(done)
    assert "-port: 8765\n+port: 8770\n" in done.stdout, _show(done)
    assert snapshot(root / EXAMPLE) == before  # a dry run writes nothing

    # "2. Sync configurations": exactly the courier port's bytes change, everywhere.
    done = _script(root)
    assert done.returncode == 0, _show(done)
    expected = {path: _moved(data) for path, data in before.items()}
    assert snapshot(root / EXAMPLE) == expected
    assert expected != before

    # "3. Verify consistency"
    done = _script(root, "--check")
    assert done.returncode == 0, _show(done)


def test_script_works_from_another_folder(tmp_path: Path) -> None:
    root = _copy_repo(tmp_path / "checkout")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, str(root / "scripts/update_ports.py"), "--check"],
                          cwd=elsewhere, check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, _show(done)
    assert done.stdout.endswith("in sync\n"), _show(done)
