#!/usr/bin/env python3
"""Benchmark portsync on synthetic repositories and on the bundled example.

Generates repositories of 10, 100 and 1000 services over three environments
(a YAML config per service and environment, a .env per service, a Kubernetes
manifest per service for two environments, one docker-compose file per
environment and, once the template editor exists, a README block), then times
each case as a subprocess, interleaved round by round, and prints medians:

- ``python -c pass`` (the floor every Python tool pays);
- ``portsync --check`` in sync, cold (cache removed) and warm;
- ``portsync --check`` with one drifted value;
- ``portsync`` (a full sync) after an environment's offset changed;
- a plain script loading and dumping every YAML file with ruamel.yaml round-trip
  (what the seeds' update_ports.py did), as the baseline to beat.

Peak memory is measured in one extra run per case, by a wrapper that reads the
process's own high-water mark (``VmHWM`` in /proc/self/status, Linux) at exit:
``wait4``'s ``ru_maxrss`` would include the benchmark's own memory, which a child
carries until it execs.

    python scripts/bench.py            # 10/100/1000 services, 7 rounds
    python scripts/bench.py --quick    # 10/100 services, 3 rounds
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENVIRONMENTS = (("production", 0), ("development", 1000), ("test", 2000))
CHANGED_OFFSET = ("  development: {offset: 1000}", "  development: {offset: 1500}")
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
                                    ".venv", ".hypothesis")
    shutil.copytree(REPO, target, ignore=ignore)


@dataclass(frozen=True, slots=True)
class Run:
    """One finished child process: wall seconds and exit code."""

    seconds: float
    code: int


def run_child(argv: Sequence[str], cwd: Path) -> Run:
    """Run one command, measuring its wall time."""
    env = {k: v for k, v in os.environ.items() if k != "PORTSYNC_REGISTRY"}
    with tempfile.TemporaryFile() as sink:
        start = time.perf_counter()
        code = subprocess.run(argv, cwd=cwd, stdout=sink, stderr=sink, env=env,
                              check=False).returncode
        seconds = time.perf_counter() - start
        sink.seek(0)
        output = sink.read().decode("utf-8", "replace")
    run = Run(seconds, code)
    if os.environ.get("BENCH_VERBOSE"):
        print(f"  {' '.join(argv)} -> {run.code} in {seconds:.3f}s\n{output}", file=sys.stderr)
    return run


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

    def once(self, argv: Sequence[str] | None = None) -> None:
        """Time one run, checking its exit code."""
        self.before()
        run = run_child(argv or self.argv, self.cwd)
        self.after()
        if run.code != self.expect:
            raise SystemExit(f"{self.label} ({self.size}): exit {run.code}, expected "
                             f"{self.expect}: {' '.join(argv or self.argv)} in {self.cwd}")
        if argv is None:
            self.runs.append(run)

    def measure_peak(self, work: Path) -> None:
        """One more run under the high-water-mark wrapper: peak resident MiB."""
        script = Path(self.argv[0])
        rest = ["-m", "portsync", *self.argv[1:]] if script.name == "portsync" else self.argv[1:]
        out = work / "peak.txt"
        self.once([sys.executable, str(work / "peak.py"), str(out), *rest])
        self.peak = int(out.read_text()) / 1024

    @property
    def median(self) -> float:
        """Median wall seconds."""
        return statistics.median(r.seconds for r in self.runs)



def portsync_command() -> list[str]:
    """The installed console script beside this interpreter (not a pyenv shim)."""
    script = Path(sys.executable).parent / "portsync"
    return [str(script)] if script.exists() else [sys.executable, "-m", "portsync"]


def _remove_cache(root: Path) -> Callable[[], None]:
    return lambda: shutil.rmtree(root / ".portsync-cache", ignore_errors=True)


def _offset_cases(root: Path, size: str, portsync: list[str]) -> Case:
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


def build_cases(work: Path, sizes: Sequence[int], portsync: list[str]) -> list[Case]:
    """Generate every repository and the cases timed on it."""
    check = [*portsync, "--check"]
    with_block = importlib.util.find_spec("portsync.editors.template") is not None
    (work / "baseline.py").write_text(BASELINE, encoding="utf-8")
    (work / "peak.py").write_text(PEAK, encoding="utf-8")
    cases = [Case("python -c pass", "-", [sys.executable, "-c", "pass"], work, 0)]
    example = work / "example"
    copy_example(example)
    cases += [Case("--check cold", "example", check, example, 0, before=_remove_cache(example)),
              Case("--check warm", "example", check, example, 0)]
    for n in sizes:
        size = f"{n} svc"
        clean, drifted, synced = (work / f"{kind}-{n}" for kind in ("clean", "drift", "sync"))
        for root in (clean, drifted, synced):
            generate(root, n, with_block)
            setup = run_child(portsync, root)  # fills the README block, if any
            if setup.code != 0:
                raise SystemExit(f"setup sync of {root} failed: exit {setup.code}")
        config = drifted / "services" / service_name(0) / "config" / "production.yaml"
        config.write_text(config.read_text().replace("port: 20000", "port: 20001"))
        files = sum(1 for p in clean.rglob("*") if p.is_file())
        print(f"generated {n} services: {files} files", file=sys.stderr)
        cases += [
            Case("--check cold", size, check, clean, 0, before=_remove_cache(clean)),
            Case("--check warm", size, check, clean, 0),
            Case("--check drift", size, check, drifted, 1),
            _offset_cases(synced, size, portsync),
            Case("baseline ruamel load+dump", size,
                 [sys.executable, str(work / "baseline.py"), str(clean)], work, 0),
        ]
    return cases


def _find(cases: Sequence[Case], label: str, size: str) -> Case | None:
    return next((c for c in cases if c.label == label and c.size == size), None)


def report(cases: Sequence[Case], sizes: Sequence[int]) -> None:
    """Print the table of medians and the goals of issue 7."""
    floor = cases[0].median
    print(f"{'case':28} {'repo':>8} {'median':>9} {'x floor':>8} {'peak MiB':>9}")
    for case in cases:
        print(f"{case.label:28} {case.size:>8} {case.median * 1000:7.0f}ms "
              f"{case.median / floor:7.1f}x {case.peak:8.1f}")
    goals: list[tuple[str, float, float]] = []
    for label, limit in (("--check warm", 4.0), ("--check cold", 12.0)):
        found = _find(cases, label, "example")
        if found:
            goals.append((f"example {label} (x floor)", found.median / floor, limit))
    big, mid = f"{max(sizes)} svc", "100 svc"
    for label, limit in (("--check cold", 5.0), ("--check warm", 0.5)):
        found = _find(cases, label, big)
        if found and max(sizes) >= 1000:
            goals.append((f"{big} {label} (s)", found.median, limit))
    cold_big, cold_mid = _find(cases, "--check cold", big), _find(cases, "--check cold", mid)
    if cold_big and cold_mid and big != mid:
        goals.append((f"{big} / {mid} cold --check", cold_big.median / cold_mid.median,
                      max(sizes) / 100 * 1.1))
    goals.append(("peak memory of any portsync run (MiB)",
                  max(c.peak for c in cases if c.label.startswith(("--", "sync"))), 150.0))
    for n in sizes:
        base, cold = (_find(cases, lbl, f"{n} svc")
                      for lbl in ("baseline ruamel load+dump", "--check cold"))
        if base and cold:
            goals.append((f"{n} svc: cold --check vs baseline (x faster)",
                          cold.median / base.median, 1 / 3))
    print("\ngoals (issue 7):")
    for name, value, limit in goals:
        if name.endswith("(x faster)"):
            shown, bound = f"{1 / value:.1f}", f">= {1 / limit:.0f}"
        else:
            shown, bound = f"{value:.2f}", f"<= {limit:g}"
        print(f"  {'ok  ' if value <= limit else 'MISS'} {name:45} {shown:>8} ({bound})")


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10 and 100 services, 3 rounds")
    parser.add_argument("--rounds", type=int, help="rounds per case (default 7, quick 3)")
    parser.add_argument("--sizes", help="comma-separated service counts (default 10,100,1000)")
    parser.add_argument("--keep", action="store_true", help="keep the generated repositories")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [10, 100] if args.quick else [10, 100, 1000])
    rounds = args.rounds or (3 if args.quick else 7)
    work = Path(tempfile.mkdtemp(prefix="portsync-bench-"))
    try:
        cases = build_cases(work, sizes, portsync_command())
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {rounds} rounds, "
              f"portsync = {' '.join(portsync_command())}", file=sys.stderr)
        for case in cases:  # warm-up: fills the warm caches and the OS page cache
            case.once()
            case.runs.clear()
        for _ in range(rounds):
            for case in cases:
                case.once()
        for case in cases:
            case.measure_peak(work)
        report(cases, sizes)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
