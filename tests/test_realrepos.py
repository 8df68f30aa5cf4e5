"""import and audit on real public repositories (their config files, vendored in tests/realrepos/).

For each: import proposes the service names its maintainers use (compose
service keys, Kubernetes objects), the proposal validates and is in sync at
once, and audit's coverage after import stays high. Figures per repository:
``python -m pytest tests/test_realrepos.py -s`` prints them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import LONG, REPO, SHARED, RunCli

REAL = REPO / "tests" / "realrepos"
NEVER = {"test", "tests", "endpoint", "targets", "otel-exporter-otlp-traces-endpoint",
         "k8s-specifications", "kubernetes-manifests", "development", "production", "app"}
CASES = {
    # repository: (services a maintainer would name, lowest coverage after import)
    "example-voting-app": ({"vote", "result", "db", "redis"}, 100.0),
    "microservices-demo": ({"adservice", "cartservice", "checkoutservice", "currencyservice",
                            "emailservice", "frontend", "paymentservice",
                            "productcatalogservice", "recommendationservice", "redis-cart",
                            "shippingservice"}, 95.0),
    "opentelemetry-demo": ({"ad", "cart", "checkout", "currency", "email", "flagd", "frontend",
                            "frontend-proxy", "grafana", "jaeger", "kafka", "otel-collector",
                            "prometheus", "valkey-cart"}, 95.0),
}


def _repository(name: str, dest: Path) -> Path:
    shutil.copytree(REAL / name, dest, ignore=shutil.ignore_patterns("NOTE", "LICENSE"))
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=dest, check=True, capture_output=True)
    return dest


def _audit(run_cli: RunCli, root: Path) -> dict[str, object]:
    result = run_cli("audit", "--format", "json", cwd=root)
    assert result.code == 0, result
    document: dict[str, object] = json.loads(result.out)
    return document


@pytest.mark.parametrize("name", sorted(CASES))
def test_import_names_services_as_their_maintainers_do(name: str, tmp_path: Path,
                                                       run_cli: RunCli) -> None:
    expected, floor = CASES[name]
    root = _repository(name, tmp_path / name)
    baseline = _audit(run_cli, root)
    assert baseline["baseline"] is True and baseline["managed"] == 0, baseline["summary"]

    written = run_cli("import", "--write", cwd=root)
    assert written.code == 0, written
    proposal = (root / "ports.yaml").read_text()
    assert str(tmp_path) not in written.out + written.err + proposal, \
        "a message or a note in the proposal names a temporary path"
    validated = run_cli("validate", cwd=root)
    assert validated.code == 0, validated
    check = run_cli("--check", cwd=root)
    assert check.code == 0, f"{check}\n{(root / 'ports.yaml').read_text()}"

    from ruamel.yaml import YAML

    registry = YAML(typ="safe").load((root / "ports.yaml").read_text())
    services = set(registry["services"])
    assert expected <= services, f"missing {sorted(expected - services)} in {sorted(services)}"
    assert not services & NEVER, sorted(services & NEVER)
    assert "environments" not in registry, "no file set here repeats per environment"

    after = _audit(run_cli, root)
    print(f"\n{name}: {len(services)} services ({', '.join(sorted(services))}); "
          f"audit before import {baseline['summary']}; after {after['summary']}")
    assert float(str(after["coverage"])) >= floor, after["summary"]


COMPOSE = SHARED / "corpora" / "awesome-compose"
_SAMPLE = ("nginx-golang-postgres", "prometheus-grafana", "react-express-mongodb")


def _projects() -> list[str]:
    if not COMPOSE.is_dir():
        return []
    every = sorted(p.name for p in COMPOSE.iterdir() if p.is_dir())
    return every if LONG else [p for p in every if p in _SAMPLE]


@pytest.mark.skipif(not COMPOSE.is_dir(), reason=f"{COMPOSE} is not here")
@pytest.mark.parametrize("name", _projects())
def test_each_awesome_compose_project_is_imported_in_sync(name: str, tmp_path: Path,
                                                          run_cli: RunCli) -> None:
    root = tmp_path / name
    shutil.copytree(COMPOSE / name, root)
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    written = run_cli("import", "--write", cwd=root)
    assert written.code == 0, written
    if not (root / "ports.yaml").exists():
        assert "nothing to propose" in written.err, written
        return
    assert run_cli("--check", cwd=root).code == 0, (root / "ports.yaml").read_text()
    assert _audit(run_cli, root)["coverage"] == 100.0
