"""portsync import: on every example, the proposal passes --check at once and covers as much."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, RunCli, build_tree, snapshot

EXAMPLES = ("lumiere", "deltran", "trading", "driftos", "kubernetes",
            "hypernode/Hypernode-Site-App", "hypernode/hypernode-automation-engine",
            "hypernode/hypernode-llm-deployer")


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
    assert imported >= hand - 5, f"import covers {imported}%, the hand-written registry {hand}%"


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
    assert "left out (host port 8080 collides: admin.http and api.http in default); it is " \
           "in docker-compose.yml" in result.out, result
    assert result.out.startswith("# ports.yaml proposed by `portsync import` from 2 of 4 port "
                                 "mentions in 1 file.\n"), result


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


def _import(run_cli: RunCli, root: Path) -> str:
    """Write the proposal; it must validate and pass --check at once. Returns its text."""
    _git(root)
    result = run_cli("import", "--write", cwd=root)
    assert result.code == 0, result
    text = (root / "ports.yaml").read_text()
    assert run_cli("validate", cwd=root).code == 0, text
    check = run_cli("--check", cwd=root)
    assert check.code == 0, f"{check}\n--- proposal\n{text}"
    return text


def _services(text: str) -> set[str]:
    from ruamel.yaml import YAML

    return set(YAML(typ="safe").load(text)["services"])


def test_strings_with_quotes_and_backslashes_are_written_as_valid_yaml(tmp_path: Path,
                                                                      run_cli: RunCli) -> None:
    build_tree(tmp_path, {"docker-compose.yml": (
        "services:\n  search:\n    image: elasticsearch:8\n    ports: [\"9200:9200\"]\n"
        "    healthcheck:\n      test: [\"CMD-SHELL\", \"curl -s http://localhost:9200/_cluster/"
        "health | grep -E '\\\"status\\\":\\\"(green|yellow)\\\"'\"]\n"
        "    environment:\n      BANNER: 'say \"hi\" \\ on port 9200'\n"
        "      SEARCH_URL: \"http://localhost:9200/a\\\\b\"\n")})
    text = _import(run_cli, tmp_path)
    assert _services(text) == {"search"}, text


def test_names_come_from_services_never_from_keys_that_are_not(tmp_path: Path,
                                                               run_cli: RunCli) -> None:
    build_tree(tmp_path, {
        "docker-compose.yml": (
            "services:\n  web:\n    build: ./web\n    ports: [\"8080:80\"]\n"
            "    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:80/\"]\n"
            "    environment:\n      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: http://localhost:8080/t\n"
            "  prometheus:\n    image: prom/prometheus\n    ports: [\"9091:9090\"]\n"),
        "prometheus.yml": "scrape_configs:\n  - static_configs:\n      - targets: "
                          "['localhost:9090', 'web:80']\n",
        "otel.yaml": "exporters:\n  otlp:\n    endpoint: localhost:9091\n",
        "web/Dockerfile": "FROM nginx\nEXPOSE 80\n",
        "k8s-specifications/web.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
                                       "spec:\n  ports:\n    - {port: 8080, targetPort: 80}\n",
        "api/.env": "PORT=3000\nREDIS_PORT=6379\n",
    })
    text = _import(run_cli, tmp_path)
    assert _services(text) == {"web", "prometheus", "api", "redis"}, text
    assert "host_port: 8080" in text and "host_port: 9091" in text, text


def test_environments_come_only_from_file_sets_that_repeat(tmp_path: Path,
                                                           run_cli: RunCli) -> None:
    build_tree(tmp_path, {
        "docker-compose.yml": "services:\n  api:\n    image: a\n    ports: [\"8000:8000\"]\n",
        "docker-compose.test.yml": "services:\n  api:\n    image: a\n    ports: [\"7000:8000\"]\n",
        "docs/development-guide.md": "Run it, then open http://localhost:8000/.\n",
    })
    text = _import(run_cli, tmp_path)
    assert "environments:" not in text, text
    repeated = tmp_path / "repeated"
    build_tree(repeated, {f"config/{env}.yaml": f"port: {port}\nmetrics_port: {port + 90}\n"
                          for env, port in (("prod", 8000), ("dev", 9000))})
    text = _import(run_cli, repeated)
    assert "  prod: {}\n  dev: {offset: 1000}\n" in text and "path: config/{env}.yaml" in text, \
        text


def test_a_value_merged_by_a_merge_key_is_set_where_it_is_written(tmp_path: Path,
                                                                  run_cli: RunCli) -> None:
    build_tree(tmp_path, {"docker-compose.yml": (
        "x-api: &api\n  image: api\n  environment:\n    API_PORT: 8000\n"
        "services:\n  api:\n    <<: *api\n    ports: [\"8000:8000\"]\n"
        "  worker:\n    <<: *api\n")})
    text = _import(run_cli, tmp_path)
    assert "x-api.environment.API_PORT" in text and "<<" not in text, text


def test_a_stack_published_on_other_host_ports_is_covered_as_by_hand(tmp_path: Path,
                                                                      run_cli: RunCli) -> None:
    # The fixture: Grafana, Prometheus and Postgres published on other host ports.
    build_tree(tmp_path, {
        "docker-compose.yml": (
            "services:\n  grafana:\n    image: grafana/grafana\n    ports: [\"3010:3000\"]\n"
            "    environment:\n      GF_SERVER_ROOT_URL: http://localhost:3010\n"
            "  prometheus:\n    image: prom/prometheus\n    ports: [\"9091:9090\"]\n"
            "  postgres:\n    image: postgres\n    ports: [\"5433:5432\"]\n"),
        "grafana/datasource.yml": "datasources:\n  - name: Prometheus\n"
                                  "    url: http://prometheus:9090\n",
        ".env": "DATABASE_URL=postgresql://u:p@localhost:5433/db\nGRAFANA_PORT=3010\n",
        "README.md": "| Service | Port | URL |\n|---|---|---|\n"
                     "| grafana | 3010 | http://localhost:3010 |\n"
                     "| prometheus | 9091 | http://localhost:9091 |\n"
                     "| postgres | 5433 | localhost:5433 |\n",
    })
    _git(tmp_path)
    baseline = run_cli("audit", cwd=tmp_path).out.splitlines()
    assert baseline[-1] == "0 of 16 port mentions managed (0.0%)", baseline
    assert len([line for line in baseline if line.startswith("README.md:")]) == 3, baseline
    text = _import(run_cli, tmp_path)
    assert _services(text) == {"grafana", "prometheus", "postgres"}, text
    assert _coverage(run_cli, tmp_path) == 100.0


@pytest.mark.parametrize("files", [
    {},
    {"README.md": "No ports here; version 1.8080, timeout 8000.\n"},
    {"logo.png": b"\x89PNG\r\n\x1a\n\0\0\0 port: 8000"},
    {"huge.yaml": "port: 8000\n" + "# padding\n" * 300_000},
])
def test_nothing_to_propose_is_one_line_and_writes_nothing(files: dict[str, str | bytes],
                                                           tmp_path: Path,
                                                           run_cli: RunCli) -> None:
    build_tree(tmp_path, files)
    if (tmp_path / "README.md").exists():
        (tmp_path / "loop").symlink_to("loop")
    before = snapshot(tmp_path)
    result = run_cli("import", "--write", "-r", str(tmp_path))
    assert (result.code, result.out) == (0, ""), result
    assert len(result.err.splitlines()) == 1 and "nothing to propose" in result.err, result
    assert snapshot(tmp_path) == before


def test_an_unreadable_root_is_exit_2(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "file").write_text("x")
    for root in (tmp_path / "missing", tmp_path / "file"):
        result = run_cli("import", "-r", str(root))
        assert result.code == 2, result
        assert len(result.err.splitlines()) == 1 and "cannot read folder" in result.err, result


def test_write_never_replaces_a_registry_created_meanwhile(tmp_path: Path, run_cli: RunCli,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    from portsync.adoption import proof

    build_tree(tmp_path, {".env": "API_PORT=8000\n"})
    real = proof.prove

    def racing(inferred: proof.Inferred) -> proof.Proposal:
        (tmp_path / "ports.yaml").write_text("version: 1  # written meanwhile\n")
        return real(inferred)

    monkeypatch.setattr("portsync.commands.importer.prove", racing)
    result = run_cli("import", "--write", "-r", str(tmp_path))
    assert result.code == 2 and "already exists" in result.err, result
    assert (tmp_path / "ports.yaml").read_text() == "version: 1  # written meanwhile\n"


def test_workers_give_the_same_proposal_and_audit(tmp_path: Path, run_cli: RunCli,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from portsync.adoption import workers

    root = tmp_path / "repo"
    shutil.copytree(REPO / "tests" / "realrepos" / "example-voting-app", root)
    _git(root)
    serial = run_cli("import", cwd=root)
    baseline = run_cli("audit", cwd=root)
    monkeypatch.setattr(workers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(workers, "_free_cores", lambda: 2)
    parallel = run_cli("import", cwd=root)
    assert (parallel.code, parallel.out) == (serial.code, serial.out), parallel
    assert run_cli("audit", cwd=root).out == baseline.out


def test_a_services_mapping_whose_ports_are_a_mapping_is_read_without_a_crash(
        tmp_path: Path, run_cli: RunCli) -> None:
    # A registry-like or Helm-like file: `ports:` maps names to numbers, it is no compose list.
    build_tree(tmp_path, {
        "docs/example.ports.yaml": "services:\n  web:\n    image: nginx\n"
                                   "    ports: {http: 8000}\n",
        ".env": "WEB_PORT=8000\n",
    })
    _git(tmp_path)
    audit = run_cli("audit", cwd=tmp_path)
    assert audit.code == 0 and audit.out.endswith("0 of 1 port mentions managed (0.0%)\n"), audit
    written = run_cli("import", "--write", cwd=tmp_path)
    assert written.code == 0, written
    assert run_cli("--check", cwd=tmp_path).code == 0
    assert _coverage(run_cli, tmp_path) == 100.0


def test_a_url_to_a_compose_service_with_a_generic_name_is_that_service_s_port(
        tmp_path: Path, run_cli: RunCli) -> None:
    # awesome-compose's wasmedge stacks: `db` is a generic word, but here it is a service key.
    build_tree(tmp_path, {"compose.yml": (
        "services:\n  etl:\n    image: etl\n    environment:\n"
        "      DATABASE_URL: mysql://root:pw@db:3306/mysql\n  db:\n    image: mariadb:10.9\n")})
    text = _import(run_cli, tmp_path)
    assert _services(text) == {"db"}, text
    assert run_cli("--check", cwd=tmp_path).code == 0
    after = json.loads(run_cli("audit", "--format", "json", cwd=tmp_path).out)
    assert (after["managed"], after["summary"]) == (1, "1 of 1 port mentions managed (100.0%)")


@pytest.mark.parametrize("text", ["a\x85b", "x\u2028y", "tab\there", "it's", "k: v", "café",
                                  "{{ port('a') }}", "8080", "yes", "-lead", "#x"])
def test_a_proposed_string_reads_back_as_itself(text: str) -> None:
    from portsync.adoption.proposal import yaml_string

    assert yaml.safe_load(f"k: {yaml_string(text)}\n") == {"k": text}
    assert yaml.safe_load(f"k: {{a: {yaml_string(text)}}}\n") == {"k": {"a": text}}
