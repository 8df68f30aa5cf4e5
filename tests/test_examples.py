"""The example repositories of examples/<system>/: in sync, and a moved port reaches every file."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli, snapshot

EXAMPLES = REPO / "examples"


@dataclass(frozen=True)
class Move:
    """Move one service: one line of ports.yaml rewritten, and the files that must follow."""

    example: str
    old_line: str
    new_line: str
    old: str
    new: str
    files: frozenset[str]
    lines: int  # how many lines change in those files, all told
    repo: str = "."  # the folder of the registry inside the example

    def __str__(self) -> str:
        return f"{self.example}:{self.old}->{self.new}"


MOVES = [
    Move("deltran",
         "    ports: {http: 8087, grpc: 50056}", "    ports: {http: 8091, grpc: 50056}",
         "8087", "8091",
         frozenset({"services/settlement-engine/.env", "services/gateway/.env",
                    "services/settlement-engine/config/default.toml",
                    "monitoring/prometheus.yml", "docs/PORTS.md"}), 7),
    Move("trading",
         "  grafana: {port: 3000, description: Monitoring Dashboard}",
         "  grafana: {port: 3001, description: Monitoring Dashboard}",
         "3000", "3001", frozenset({"docker-compose.yml", "README.md"}), 2),
    Move("hypernode",  # the automation engine's "# Changed from 3002" comment stays
         "    ports: {http: 3002, ws: 3003}  # REST API and its WebSocket server",
         "    ports: {http: 3012, ws: 3003}  # REST API and its WebSocket server",
         "3002", "3012",
         frozenset(f"Hypernode-Site-App/{p}" for p in (
             ".env", "api/.env", "api/config/default.json", "docker-compose.yml",
             "nginx/hypernode.conf", "README.md")), 8, "Hypernode-Site-App"),
    Move("hypernode", "    port: 3000", "    port: 3010", "3000", "3010",
         frozenset(f"Hypernode-Site-App/{p}" for p in (
             "package.json", "api/config/default.json", "docker-compose.yml",
             "nginx/hypernode.conf", "README.md")), 6, "Hypernode-Site-App"),
    # A port defined in one repository, used in another's files (templates name it).
    Move("hypernode", "    port: 3004", "    port: 3005", "3004", "3005",
         frozenset({"hypernode-automation-engine/.env"}), 1, "hypernode-automation-engine"),
    Move("driftos",
         "    host_port: 5433                # avoids a local PostgreSQL on 5432",
         "    host_port: 5434                # avoids a local PostgreSQL on 5432",
         "5433", "5434", frozenset({"docker/docker-compose.yml", ".env", "docs/PORTS.md",
                                    ".env.ci"}), 6),  # ci: 15433 -> 15434
    # Selectors and NAME=value lists: one manifest per service, compose for local runs.
    Move("kubernetes",
         "  cart: {ports: {grpc: 7070}, publish: false, description: Cart service (gRPC)}",
         "  cart: {ports: {grpc: 7071}, publish: false, description: Cart service (gRPC)}",
         "7070", "7071", frozenset({"k8s/cart.yaml", "k8s/checkout.yaml", "k8s/frontend.yaml",
                                    "docker-compose.yaml"}), 11),
    Move("kubernetes", "  frontend: {port: 8080, description: Web storefront}",
         "  frontend: {port: 8081, description: Web storefront}",
         "8080", "8081", frozenset({"k8s/frontend.yaml", "docker-compose.yaml"}), 7),
    Move("kubernetes",
         "  redis: {ports: {redis: 6379}, publish: false, description: Cart store}",
         "  redis: {ports: {redis: 6380}, publish: false, description: Cart store}",
         "6379", "6380", frozenset({"k8s/redis.yaml", "k8s/cart.yaml", "docker-compose.yaml"}),
         8),
]
# Every registry of the examples: hypernode is three repositories, each with its own.
REGISTRIES = sorted(p.parent.relative_to(EXAMPLES).as_posix()
                    for p in EXAMPLES.glob("**/ports.yaml"))


@dataclass(frozen=True)
class DocDrift:
    """A hand edit inside a managed block of a document, like the seeds' stale prose."""

    example: str
    path: str
    block: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.example}:{self.block}"


DOC_DRIFTS = [
    # Seed 000's dependency graph swaps the Settlement and Reporting ports.
    DocDrift("deltran", "docs/PORTS.md", "dependencies",
             "Reporting[Reporting Engine :8088]\n    Gateway --> Settlement[Settlement Engine :8087]",
             "Reporting[Reporting Engine :8087]\n    Gateway --> Settlement[Settlement Engine :8088]"),
    # Seed 003's notes still place the gateway on its old port 3003.
    DocDrift("driftos", "docs/PORTS.md", "notes",
             "The gateway (3000) is the main entry point", "The gateway (3003) is the main entry point"),
]


def copy_example(name: str, tmp_path: Path) -> Path:
    """A private copy of examples/NAME, so tests never touch the committed files."""
    root = tmp_path / name
    shutil.copytree(EXAMPLES / name, root)
    return root


def rewrite_line(path: Path, old: str, new: str) -> None:
    """Replace one whole line of a file, which must occur exactly once."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines.count(old) == 1, f"{path.name}: {old!r} occurs {lines.count(old)} times"
    path.write_text("\n".join(new if line == old else line for line in lines), encoding="utf-8")


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    """Paths whose bytes differ (or that appeared or vanished) between two snapshots."""
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def assert_only_values(path: str, before: bytes, after: bytes, old: str, new: str) -> int:
    """Every line stays byte-identical except lines where only ``old`` became ``new``.

    Returns how many lines changed.
    """
    a_lines = before.decode("utf-8").splitlines(keepends=True)
    b_lines = after.decode("utf-8").splitlines(keepends=True)
    assert len(a_lines) == len(b_lines), f"{path}: line count changed"
    differing = [(a, b) for a, b in zip(a_lines, b_lines, strict=True) if a != b]
    assert differing, f"{path}: expected a change"
    for a, b in differing:
        assert a.replace(old, new) == b, f"{path}: unexpected edit\n-{a!r}\n+{b!r}"
    return len(differing)


@pytest.mark.parametrize("registry", REGISTRIES)
def test_example_is_in_sync(registry: str, tmp_path: Path, run_cli: RunCli) -> None:
    system, _, repo = registry.partition("/")
    root = copy_example(system, tmp_path)
    here = root / repo
    before = snapshot(root)
    result = run_cli("--check", "-r", "ports.yaml", cwd=here)
    assert result.code == 0, result
    assert "in sync" in result.out, result
    validated = run_cli("validate", "-r", "ports.yaml", cwd=here)
    assert validated.code == 0, validated
    assert validated.err == "", validated  # no warnings either
    assert snapshot(root) == before


@pytest.mark.parametrize("move", MOVES, ids=str)
def test_moving_a_service_rewrites_exactly_its_files(move: Move, tmp_path: Path,
                                                     run_cli: RunCli) -> None:
    root = copy_example(move.example, tmp_path)
    here = root / move.repo
    rewrite_line(here / "ports.yaml", move.old_line, move.new_line)
    before = snapshot(root)

    drift = run_cli("--check", "-r", "ports.yaml", cwd=here)
    assert drift.code == 1, drift
    assert snapshot(root) == before, "--check wrote files"

    result = run_cli("-r", "ports.yaml", cwd=here)
    assert result.code == 0, result
    after = snapshot(root)
    changed = changed_files(before, after)
    assert changed == move.files, result
    lines = sum(assert_only_values(path, before[path], after[path], move.old, move.new)
                for path in sorted(changed))
    assert lines == move.lines, result

    again = run_cli("-r", "ports.yaml", cwd=here)
    assert again.code == 0, again
    assert "0 files updated" in again.out, again
    assert snapshot(root) == after
    assert run_cli("--check", "-r", "ports.yaml", cwd=here).code == 0


@pytest.mark.parametrize(("old_line", "new_line", "messages"), [
    ("  ml-ensemble: {port: 8021, group: ai, description: Ensemble Models (Python)}",
     "  ml-ensemble: {port: 8075, group: ai, description: Ensemble Models (Python)}",
     ["ml-ensemble.http port 8075 lies in reserved range reserved (8070-8085)",
      "ml-ensemble.http port 8075 is outside its group ai (8020-8029)"]),
    ("  kibana: {port: 5601, description: Log Visualization}",
     "  kibana: {port: 8095, description: Log Visualization}",
     ["kibana.http port 8095 lies in reserved range reserved-upper (8087-8099)"]),
], ids=["grouped", "ungrouped"])
def test_trading_rejects_a_service_moved_into_the_reserved_range(
        old_line: str, new_line: str, messages: list[str], tmp_path: Path,
        run_cli: RunCli) -> None:
    root = copy_example("trading", tmp_path)
    rewrite_line(root / "ports.yaml", old_line, new_line)
    line = (root / "ports.yaml").read_text().split("\n").index(new_line) + 1
    col = new_line.index("{port:") + 2
    before = snapshot(root)
    for args in (["validate"], ["--check"], []):
        result = run_cli(*args, "-r", "ports.yaml", cwd=root)
        assert result.code == 2, result
        assert result.err.splitlines() == [f"ports.yaml:{line}:{col}: {m}" for m in messages], result
        assert snapshot(root) == before


@pytest.mark.parametrize("drift", DOC_DRIFTS, ids=str)
def test_hand_edited_block_is_drift_and_sync_restores_it(drift: DocDrift, tmp_path: Path,
                                                         run_cli: RunCli) -> None:
    root = copy_example(drift.example, tmp_path)
    doc = root / drift.path
    committed = doc.read_bytes()
    text = committed.decode("utf-8")
    assert text.count(drift.old) == 1, drift.old
    doc.write_bytes(text.replace(drift.old, drift.new).encode("utf-8"))
    begin = next(n for n, line in enumerate(text.splitlines(), 1)
                 if f"portsync:begin {drift.block}" in line)

    result = run_cli("--check", "-r", "ports.yaml", cwd=root)
    assert result.code == 1, result
    assert result.out.splitlines()[::2] == \
        [f"{drift.path}:{begin}: block {drift.block} is out of date",
         "run `portsync -r ports.yaml` to update this file"], result

    fixed = run_cli("-r", "ports.yaml", cwd=root)
    assert fixed.code == 0, fixed
    assert fixed.out.splitlines()[:-1] == [f"updated {drift.path}"], fixed
    assert doc.read_bytes() == committed
    assert run_cli("--check", "-r", "ports.yaml", cwd=root).code == 0


def test_kubernetes_paths_do_not_depend_on_order(tmp_path: Path, run_cli: RunCli) -> None:
    """Selectors pick documents and list items by name: reordering them keeps a file in sync."""
    root = copy_example("kubernetes", tmp_path)
    manifest = root / "k8s/cart.yaml"
    deployment, service = manifest.read_text(encoding="utf-8").split("---\n")
    sidecar = ("        - name: istio-proxy  # the sidecar comes first: an index would point at it\n"
               "          image: istio/proxyv2:1.20.0\n")
    assert sidecar in deployment
    # The Service first, and the sidecar after the server container.
    deployment = deployment.replace(sidecar, "").replace(
        "            requests: {cpu: 100m, memory: 64Mi}\n",
        "            requests: {cpu: 100m, memory: 64Mi}\n" + sidecar)
    manifest.write_text(service + "---\n" + deployment, encoding="utf-8")
    assert manifest.read_text(encoding="utf-8").index("istio-proxy") > \
        manifest.read_text(encoding="utf-8").index("name: server")
    result = run_cli("--check", cwd=root)
    assert result.code == 0, result
