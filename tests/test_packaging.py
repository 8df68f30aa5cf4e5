"""The wheel a release would upload builds, installs into a clean venv and runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO

import portsync


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # The venv must see only its own packages and the system's, not a PYTHONPATH checkout.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(a) for a in args], check=False, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, REPO,
         cwd=tmp_path)
    wheel = next(dist.glob("portsync-*.whl"))
    version = portsync.__version__
    assert wheel.name == f"portsync-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        meta = archive.read(f"portsync-{version}.dist-info/METADATA").decode()
        entry_points = archive.read(f"portsync-{version}.dist-info/entry_points.txt").decode()
    assert f"portsync-{version}.dist-info/licenses/LICENSE" in names
    assert {"portsync/__main__.py", "portsync/py.typed", "portsync/cli.py"} <= names
    assert not any(n.startswith(("tests/", "examples/", "scripts/")) for n in names), names
    assert "License-Expression: Apache-2.0" in meta
    assert f"Version: {version}" in meta
    assert "portsync = portsync.entry:run" in entry_points

    # A venv of its own, made from the base interpreter (not this test's venv): the wheel's
    # declared dependencies come from the package index, so a missing or wrong requirement
    # fails here as it would for a user. Nothing of this process's site-packages is visible.
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    scripts = venv / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel,
         cwd=tmp_path)
    for module in ("portsync", "click", "ruamel.yaml"):  # all from the new venv, none shared
        where = _run(python, "-c", f"import {module}; print({module}.__file__)", cwd=tmp_path)
        assert Path(where.stdout.strip()).is_relative_to(venv), (module, where.stdout)

    assert _run(scripts / "portsync", "--version", cwd=tmp_path).stdout == \
        f"portsync, version {version}\n"
    check = _run(python, "-m", "portsync", "--check", "-r", REPO / "ports.yaml", cwd=tmp_path)
    assert check.stdout.rstrip().endswith("in sync"), check.stdout

    # Data files travel in the wheel: the starter registry and the JSON Schema.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    _run(scripts / "portsync", "init", cwd=fresh)
    assert _run(scripts / "portsync", "validate", cwd=fresh).stdout.startswith("ports.yaml is valid")
    schema = json.loads(_run(scripts / "portsync", "schema", cwd=fresh).stdout)
    assert "services" in schema["properties"]
