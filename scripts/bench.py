#!/usr/bin/env python3
"""Benchmark portsync against the parse floor, on generated repositories and real ones.

Generates repositories of N services over three environments (a YAML config
per service and environment, a .env per service, a Kubernetes manifest per
service for two environments, one docker-compose file per environment and a
README block rendered from a template), then runs each case as a subprocess,
interleaved round by round, and prints medians of **CPU time** (user + system
of the child: the machine is shared, and wall time mostly measures the others)
beside wall time:

- ``python -c pass``: the floor every Python tool pays, for the bundled example;
- ``import yaml, jinja2``: the floor of a check with template files, the two
  libraries it parses and renders with (not a goal: where the example's goal
  leaves room);
- the **parse floor** of a generated repository: a script that reads every file
  and parses every YAML file with libyaml (and, below it, one that only reads);
- ``portsync --check`` in sync: cold (no cache) and warm (a cache hit);
- ``portsync --check`` with one drifted value;
- ``portsync`` (a full sync) after development's offset changed: every
  development file is rewritten;
- the naive ruamel.yaml load-and-dump script (what the seeds' update_ports.py did);
- on lumiere-backend (``../shared/realworld``, when present), ``--check`` with
  its drift against a hand-written check script of the kind it replaced.

Then the ratios and the goals of issue 15, and the load average before and
after (other sessions' work shows there first). Peak memory is measured in one
extra run per case, by a wrapper that reads the process's own high-water mark
(``VmHWM`` in /proc/self/status, Linux) at exit: ``wait4``'s ``ru_maxrss`` would
include the benchmark's own memory, which a child carries until it execs.

    python scripts/bench.py                  # 100 and 1000 services, 5 rounds
    python scripts/bench.py --quick          # 100 services, 3 rounds
    python scripts/bench.py --profile cold   # where a cold 1000-service --check spends its time
    python scripts/bench.py --no-bytecode    # portsync's modules compiled on every run

Every child keeps compiled bytecode in the benchmark's own folder
(``PYTHONPYCACHEPREFIX``), as an installed portsync has it: pip compiles it at
install. An editable install run with ``PYTHONDONTWRITEBYTECODE=1`` instead
compiles every portsync module on every run (some 50 ms); ``--no-bytecode``
times that.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REALWORLD = REPO.parent / "shared" / "realworld" / "lumiere-backend"
MIGRATED = REPO / "docs" / "lumiere-realworld.ports.yaml"
ENVIRONMENTS = (("production", 0), ("development", 1000), ("test", 2000))
CHANGED_OFFSET = ("  development: {offset: 1000}", "  development: {offset: 1500}")
READ_ALL = '''\
"""Read every file of a repository (the floor below the parse floor)."""
import os, sys

for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        with open(os.path.join(folder, name), "rb") as handle:
            handle.read()
'''
PARSE_FLOOR = '''\
"""The parse floor: read every file, parse every YAML file with libyaml (C)."""
import os, sys
import yaml

for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        with open(os.path.join(folder, name), "rb") as handle:
            data = handle.read()
        if name.endswith((".yaml", ".yml")):
            yaml.load(data.decode("utf-8"), Loader=yaml.CSafeLoader)
'''
# What a check of a repository with template files cannot do without: the two
# libraries it parses and renders with, imported, and the process ended as
# portsync's console script ends it (no interpreter teardown).
STACK_IMPORTS = "import os, yaml, jinja2.sandbox; os._exit(0)"
BASELINE = '''\
"""What the seeds' update_ports.py did: load and dump every YAML file (round-trip)."""
import io, sys
from pathlib import Path
from ruamel.yaml import YAML

yaml = YAML()
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    data = yaml.load(path.read_text())
    out = io.StringIO()
    yaml.dump(data, out)
'''
HAND = '''\
"""A hand-written check of lumiere-backend's ports, as its own scripts/update_ports.py did it.

Loads its registry (ports.yaml v1.1) and every config with PyYAML, compares the
keys it knows, prints each drift and exits 1 if any.
"""
import sys
from pathlib import Path
import yaml

KEYS = {"pourtier": {"API_PORT": "api_port", "METRICS_PORT": "metrics_port",
                     "HEALTH_CHECK_PORT": "health_port"},
        "courier": {"port": "api_port", "METRICS_PORT": "metrics_port",
                    "HEALTH_PORT": "health_port"},
        "passeur": {"api_port": "api_port", "bridge_port": "api_port"}}
root = Path(sys.argv[1])
registry = yaml.safe_load((root / "ports.v1.1.yaml").read_text())
drift = 0
for env, services in registry["environments"].items():
    for service, ports in services.items():
        if service not in KEYS:
            continue
        for name in (env, "default") if env == "production" else (env,):
            path = root / service / "config" / f"{name}.yaml"
            config = yaml.safe_load(path.read_text()) or {}
            for key, field in KEYS[service].items():
                if key in config and config[key] != ports[field]:
                    print(f"{path.relative_to(root)}: {key}: {config[key]} != {ports[field]}")
                    drift += 1
for line in (root / ".env.production").read_text().splitlines():
    name, _, value = line.partition("=")
    if name.endswith("_PORT") and not value.strip().isdigit():
        print(f".env.production: {name}: {value!r} is not a port")
        drift += 1
sys.exit(1 if drift else 0)
'''
PEAK = '''\
"""Run ``-c CODE``, ``-m MODULE`` or a script, then write this process's peak RSS (KiB)."""
import atexit, resource, runpy, sys

out, rest = sys.argv[1], sys.argv[2:]

def report():
    try:
        with open("/proc/self/status") as status:
            kib = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    except OSError:  # not Linux: an upper bound
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(out, "w") as handle:
        handle.write(str(kib))

atexit.register(report)
if rest[0] == "-c":
    sys.argv = ["-c"]
    exec(rest[1])
elif rest[0] == "-m":
    sys.argv = [rest[1], *rest[2:]]
    runpy.run_module(rest[1], run_name="__main__", alter_sys=True)
else:
    sys.argv = rest
    runpy.run_path(rest[0], run_name="__main__")
'''
README_TEMPLATE = """\
| Service | {% for env in environments %}{{ env }} | {% endfor %}
|---|{% for env in environments %}---|{% endfor %}
{% for s in services %}
| {{ s.name }} | {% for env in environments %}{{ s.ports.http[env] }} | {% endfor %}
{% endfor %}
"""


def service_name(i: int) -> str:
    """The i-th synthetic service."""
    return f"svc-{i:04d}"


def _registry(n: int, with_block: bool) -> str:
    lines = ["# Synthetic portsync benchmark registry.", "version: 1", "project: bench",
             "environments:"]
    lines += [f"  {env}: {{offset: {offset}}}" for env, offset in ENVIRONMENTS]
    lines.append("services:")
    lines += [f"  {service_name(i)}: {{ports: {{http: {20000 + i}, metrics: {30000 + i}}}}}"
              for i in range(n)]
    lines += [
        "targets:",
        "  - path: services/{service}/config/{env}.yaml",
        "    set:",
        "      server.port: \"{{ port(service) }}\"",
        "      metrics.port: \"{{ port(service, 'metrics') }}\"",
        f"      upstream_url: \"{{{{ url('{service_name(0)}') }}}}\"",
        "  - path: services/{service}/.env",
        "    environments: [development]",
        "    set: {HTTP_PORT: \"{{ host_port(service) }}\", "
        "METRICS_PORT: \"{{ port(service, 'metrics') }}\"}",
        "  - path: services/{service}/k8s/{env}.yaml",
        "    environments: [production, test]",
        "    set:",
        "      'spec.containers[0].ports[0].containerPort': \"{{ port(service) }}\"",
        "  - path: docker-compose.{env}.yaml",
        "    set:",
        "      services.{service}.ports[0]: \"{{ host_port(service) }}:{{ port(service) }}\"",
    ]
    if with_block:
        lines += ["  - path: README.md", "    environments: [production]",
                  "    template: ports-table.md.j2", "    block: ports"]
    return "\n".join(lines) + "\n"


def _config(name: str, http: int, metrics: int, upstream: int) -> str:
    return (f"# {name} configuration\nserver:\n  host: 0.0.0.0\n  port: {http}  # API\n"
            f"  workers: 4\nmetrics:\n  enabled: true\n  port: {metrics}\n"
            f"upstream_url: \"http://localhost:{upstream}\"\nlog_level: info\n"
            "features: [auth, audit]\n")


def _manifest(name: str, http: int) -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels: {{app: {name}}}\n"
            f"spec:\n  containers:\n    - name: {name}\n      image: example/{name}:1.0\n"
            f"      ports:\n        - containerPort: {http}\n          protocol: TCP\n")


def generate(root: Path, n: int, with_block: bool) -> None:
    """Write a synthetic repository of ``n`` services, every file already in sync."""
    files: dict[str, str] = {"ports.yaml": _registry(n, with_block)}
    for env, offset in ENVIRONMENTS:
        compose = [f"# docker compose -f docker-compose.{env}.yaml up", f"name: bench-{env}",
                   "services:"]
        for i in range(n):
            name, http, metrics = service_name(i), 20000 + i + offset, 30000 + i + offset
            base = f"services/{name}"
            files[f"{base}/config/{env}.yaml"] = _config(name, http, metrics, 20000 + offset)
            if env != "development":
                files[f"{base}/k8s/{env}.yaml"] = _manifest(name, http)
            else:
                files[f"{base}/.env"] = (f"# {name} local settings\nexport HTTP_PORT={http}\n"
                                         f"METRICS_PORT={metrics}  # scraped\nDEBUG=1\n")
            compose += [f"  {name}:", f"    image: example/{name}:1.0", "    ports:",
                        f"      - \"{http}:{http}\"  # API", "    restart: unless-stopped"]
        files[f"docker-compose.{env}.yaml"] = "\n".join(compose) + "\n"
    if with_block:
        files["templates/ports-table.md.j2"] = README_TEMPLATE
        files["README.md"] = ("# Bench\n\nPorts:\n\n<!-- portsync:begin ports -->\n"
                              "<!-- portsync:end ports -->\n\nMore text.\n")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def copy_example(target: Path) -> None:
    """Copy the bundled example (the repository's ports.yaml and its files) to ``target``."""
    ignore = shutil.ignore_patterns(".git", "__pycache__", ".*cache", "*.egg-info", "build",
                                    ".venv", ".hypothesis", ".portsync.lock")
    shutil.copytree(REPO, target, ignore=ignore)


def copy_lumiere(target: Path) -> None:
    """lumiere-backend's files with the migrated registry as ports.yaml (its own kept aside)."""
    shutil.copytree(REALWORLD, target)
    for path in (target, *target.rglob("*")):  # the shared copy is read-only
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    (target / "ports.yaml").rename(target / "ports.v1.1.yaml")
    shutil.copyfile(MIGRATED, target / "ports.yaml")


@dataclass(frozen=True, slots=True)
class Run:
    """One finished child process: CPU seconds (user + system), wall seconds, exit code."""

    cpu: float
    wall: float
    code: int


def child_env(cache: Path, bytecode: Path | None) -> dict[str, str]:
    """The environment of every child: no registry override, the cache in the bench's folder.

    ``bytecode``: the folder Python keeps every module's compiled bytecode in
    (``PYTHONPYCACHEPREFIX``), filled by the warm-up round, as an installed
    portsync has it (pip compiles it at install); None: the environment as
    inherited, with ``PYTHONDONTWRITEBYTECODE=1``, where an editable install
    compiles portsync's modules from source on every run.
    """
    drop = ("PORTSYNC_REGISTRY", "NO_COLOR", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PORTSYNC_CACHE_DIR"] = str(cache)
    if bytecode is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return env


def run_child(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> Run:
    """Run one command, measuring its CPU and wall time."""
    with tempfile.TemporaryFile() as sink:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        code = subprocess.run(argv, cwd=cwd, stdout=sink, stderr=sink, env=env,
                              check=False).returncode
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        sink.seek(0)
        output = sink.read().decode("utf-8", "replace")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if os.environ.get("BENCH_VERBOSE"):
        print(f"  {' '.join(argv)} -> {code} in {cpu:.3f}s CPU\n{output}", file=sys.stderr)
    return Run(cpu, wall, code)


@dataclass
class Case:
    """A command timed once per round; ``before`` prepares and ``after`` restores state."""

    label: str
    size: str
    argv: list[str]
    cwd: Path
    expect: int
    before: Callable[[], None] = lambda: None
    after: Callable[[], None] = lambda: None
    runs: list[Run] = field(default_factory=list)
    peak: float = 0.0

    def once(self, env: dict[str, str], argv: Sequence[str] | None = None) -> None:
        """Time one run, checking its exit code."""
        self.before()
        run = run_child(argv or self.argv, self.cwd, env)
        self.after()
        if run.code != self.expect:
            raise SystemExit(f"{self.label} ({self.size}): exit {run.code}, expected "
                             f"{self.expect}: {' '.join(argv or self.argv)} in {self.cwd}")
        if argv is None:
            self.runs.append(run)

    def measure_peak(self, work: Path, env: dict[str, str]) -> None:
        """One more run under the high-water-mark wrapper: peak resident MiB."""
        script = Path(self.argv[0])
        rest = ["-m", "portsync", *self.argv[1:]] if script.name == "portsync" else self.argv[1:]
        out = work / "peak.txt"
        self.once(env, [sys.executable, str(work / "peak.py"), str(out), *rest])
        self.peak = int(out.read_text()) / 1024

    @property
    def cpu(self) -> float:
        """Median CPU seconds."""
        return statistics.median(r.cpu for r in self.runs)

    @property
    def wall(self) -> float:
        """Median wall seconds."""
        return statistics.median(r.wall for r in self.runs)


def portsync_command() -> list[str]:
    """The installed console script beside this interpreter (not a pyenv shim)."""
    script = Path(sys.executable).parent / "portsync"
    return [str(script)] if script.exists() else [sys.executable, "-m", "portsync"]


def _remove_cache(root: Path, cache: Path) -> Callable[[], None]:
    def remove() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(root / ".portsync-cache", ignore_errors=True)  # portsync <= 0.1.0's place
    return remove


def _offset_case(root: Path, size: str, portsync: list[str]) -> Case:
    """A full sync after development's offset changed; every file restored afterwards."""
    registry = root / "ports.yaml"
    original = registry.read_text(encoding="utf-8")
    changed = original.replace(*CHANGED_OFFSET)
    if changed == original:
        raise SystemExit("benchmark registry lacks the development offset line")
    saved = {p: p.read_bytes() for p in root.rglob("*")
             if p.is_file() and ".portsync-cache" not in p.parts}

    def restore() -> None:
        for path, data in saved.items():
            if path.read_bytes() != data:
                path.write_bytes(data)

    def change() -> None:
        registry.write_text(changed, encoding="utf-8")

    return Case("sync after offset change", size, [*portsync, "-q"], root, 0,
                before=change, after=restore)


def _script(work: Path, name: str, text: str) -> str:
    path = work / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def build_cases(work: Path, sizes: Sequence[int], portsync: list[str], env: dict[str, str],
                adoption: bool = False) -> list[Case]:
    """Generate every repository and the cases timed on it (``adoption``: audit, import too)."""
    check = [*portsync, "--check"]
    cache = Path(env["PORTSYNC_CACHE_DIR"])
    scripts = {name: _script(work, f"{name}.py", text) for name, text in (
        ("read_all", READ_ALL), ("parse_floor", PARSE_FLOOR), ("baseline", BASELINE),
        ("hand", HAND), ("peak", PEAK))}
    python = sys.executable
    cases = [Case("python -c pass", "-", [python, "-c", "pass"], work, 0),
             Case("import yaml, jinja2", "-", [python, "-c", STACK_IMPORTS], work, 0)]
    example = work / "example"
    copy_example(example)
    cases += [Case("--check cold", "example", check, example, 0,
                   before=_remove_cache(example, cache)),
              Case("--check warm", "example", check, example, 0)]
    if REALWORLD.is_dir():
        lumiere = work / "lumiere"
        copy_lumiere(lumiere)
        cases += [Case("--check drift", "lumiere", check, lumiere, 1),
                  Case("hand-written check", "lumiere", [python, scripts["hand"], str(lumiere)],
                       work, 1)]
    for n in sizes:
        size = f"{n} svc"
        clean, drifted, synced = (work / f"{kind}-{n}" for kind in ("clean", "drift", "sync"))
        for root in (clean, drifted, synced):
            generate(root, n, with_block=True)
            setup = run_child(portsync, root, env)  # fills the README block
            if setup.code != 0:
                raise SystemExit(f"setup sync of {root} failed: exit {setup.code}")
        config = drifted / "services" / service_name(0) / "config" / "production.yaml"
        config.write_text(config.read_text().replace("port: 20000", "port: 20001"))
        files = sum(1 for p in clean.rglob("*") if p.is_file())
        print(f"generated {n} services: {files} files", file=sys.stderr)
        cases += [
            Case("read every file", size, [python, scripts["read_all"], str(clean)], work, 0),
            Case("parse floor (libyaml)", size, [python, scripts["parse_floor"], str(clean)],
                 work, 0),
            Case("--check cold", size, check, clean, 0, before=_remove_cache(clean, cache)),
            Case("--check warm", size, check, clean, 0),
            Case("--check drift", size, check, drifted, 1),
            _offset_case(synced, size, portsync),
            Case("naive ruamel load+dump", size, [python, scripts["baseline"], str(clean)],
                 work, 0),
        ]
        if adoption:  # issue 14: audit the repository, import it without its ports.yaml
            bare = work / f"bare-{n}"
            shutil.copytree(clean, bare)
            (bare / "ports.yaml").unlink()
            cases += [Case("audit", size, [*portsync, "audit"], clean, 0),
                      Case("import", size, [*portsync, "import"], bare, 0)]
    return cases


def _find(cases: Sequence[Case], label: str, size: str) -> Case | None:
    return next((c for c in cases if c.label == label and c.size == size), None)


def _floor_of(cases: Sequence[Case], case: Case) -> Case:
    """What a case is compared with: its repository's parse floor, else ``python -c pass``."""
    return _find(cases, "parse floor (libyaml)", case.size) or cases[0]


def goals(cases: Sequence[Case], sizes: Sequence[int]) -> list[tuple[str, float, float]]:
    """(goal, measured, limit) for each goal of issue 15 the cases can answer."""
    found: list[tuple[str, float, float]] = []
    floor = cases[0]
    for label, limit in (("--check warm", 3.0), ("--check cold", 10.0)):
        case = _find(cases, label, "example")
        if case:
            found.append((f"example {label} / python -c pass", case.cpu / floor.cpu, limit))
    for n in sizes:
        size = f"{n} svc"
        parse = _find(cases, "parse floor (libyaml)", size)
        for label, limit in (("--check cold", 2.0), ("sync after offset change", 3.0)):
            case = _find(cases, label, size)
            if case and parse:
                found.append((f"{size} {label} / parse floor", case.cpu / parse.cpu, limit))
    cold = {n: _find(cases, "--check cold", f"{n} svc") for n in sizes}
    if 100 in sizes and 1000 in sizes and cold[100] and cold[1000]:
        found.append(("cold --check 1000 svc / 100 svc", cold[1000].cpu / cold[100].cpu, 10.0))
    peaks = [c.peak for c in cases if c.label.startswith(("--", "sync"))]
    found.append(("peak memory of any portsync run (MiB)", max(peaks), 100.0))
    ours, hand = _find(cases, "--check drift", "lumiere"), _find(cases, "hand-written check",
                                                                  "lumiere")
    if ours and hand:
        found.append(("lumiere --check drift / hand-written check", ours.cpu / hand.cpu, 1.0))
    return found


def report(cases: Sequence[Case], sizes: Sequence[int]) -> None:
    """Print the table of medians, the ratios and the goals of issue 15."""
    print(f"{'case':28} {'repo':>8} {'CPU':>9} {'wall':>9} {'x floor':>8} {'peak MiB':>9}")
    for case in cases:
        floor = _floor_of(cases, case)
        print(f"{case.label:28} {case.size:>8} {case.cpu * 1000:7.0f}ms {case.wall * 1000:7.0f}ms"
              f" {case.cpu / floor.cpu:7.2f}x {case.peak:8.1f}")
    print("\n(x floor: CPU time over the repository's parse floor; for the example and"
          " lumiere, over python -c pass)")
    print("\ngoals (issue 15, CPU time):")
    for name, value, limit in goals(cases, sizes):
        print(f"  {'ok  ' if value <= limit else 'MISS'} {name:48} {value:8.2f} (<= {limit:g})")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (the machine is shared)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


PROFILE_CASES = {"cold": ("clean", ["--check", "--no-cache"], 0),
                 "drift": ("drift", ["--check", "--no-cache"], 1),
                 "sync": ("sync", ["-q"], 0)}


def profile(work: Path, n: int, which: str, env: dict[str, str], portsync: list[str]) -> None:
    """Run one case of an ``n``-service repository under cProfile and print where time goes."""
    import pstats

    kind, args, expect = PROFILE_CASES[which]
    root = work / f"{kind}-{n}"
    generate(root, n, with_block=True)
    if run_child(portsync, root, env).code != 0:
        raise SystemExit(f"setup sync of {root} failed")
    if which == "drift":
        config = root / "services" / service_name(0) / "config" / "production.yaml"
        config.write_text(config.read_text().replace("port: 20000", "port: 20001"))
    if which == "sync":
        registry = root / "ports.yaml"
        registry.write_text(registry.read_text().replace(*CHANGED_OFFSET))
    out = work / "profile.out"
    run = run_child([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "portsync", *args],
                    root, env)
    if run.code != expect:
        raise SystemExit(f"profiled run exited {run.code}, expected {expect}")
    print(f"{which} on {n} services: {run.cpu:.2f}s CPU under the profiler "
          f"(load average {load_average()})\n")
    stats = pstats.Stats(str(out))
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="100 services, 3 rounds")
    parser.add_argument("--rounds", type=int, help="rounds per case (default 5, quick 3)")
    parser.add_argument("--sizes", help="comma-separated service counts (default 100,1000)")
    parser.add_argument("--keep", action="store_true", help="keep the generated repositories")
    parser.add_argument("--adoption", action="store_true",
                        help="also time audit and import (import on a copy without ports.yaml)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="no bytecode cache: portsync's modules compiled on every run")
    parser.add_argument("--profile", choices=sorted(PROFILE_CASES),
                        help="profile one case on the largest size instead of timing")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [100] if args.quick else [100, 1000])
    rounds = args.rounds or (3 if args.quick else 5)
    work = Path(tempfile.mkdtemp(prefix="portsync-bench-"))
    env = child_env(work / "cache", None if args.no_bytecode else work / "bytecode")
    portsync = portsync_command()
    try:
        if args.profile:
            profile(work, max(sizes), args.profile, env, portsync)
            return 0
        cases = build_cases(work, sizes, portsync, env, args.adoption)
        load_before = load_average()
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {rounds} rounds, "
              f"portsync = {' '.join(portsync)}", file=sys.stderr)
        for case in cases:  # warm-up: fills the warm caches, the bytecode and the page cache
            case.once(env)
            case.runs.clear()
        for _ in range(rounds):
            # Untimed: the first process after the previous round's longest case came out
            # a third slower in every round, and the first case is python -c pass, the
            # example's floor.
            run_child([sys.executable, "-c", "pass"], work, env)
            for case in cases:
                case.once(env)
        for case in cases:
            case.measure_peak(work, env)
        report(cases, sizes)
        print(f"\nload average (1, 5, 15 min) before: {load_before}, after: {load_average()}"
              f" on {os.cpu_count()} CPUs; bytecode "
              + ("compiled on every run (--no-bytecode)" if args.no_bytecode else "cached"))
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
