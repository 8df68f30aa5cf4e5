"""Mutation fuzzing of registries, targets, templates and the file tree around them.

A case is a base repository (a small one written here, or a real one from
examples/), one mutation (of bytes, of the registry's structure, a target
swapped for a file of a public parser test suite, a file-system trap) and a
command line. It runs ``portsync`` in a forked child, so that a hang is
killed at a deadline and a crash cannot take pytest down, and reports what
broke an invariant: an exit code other than 0, 1 or 2, a traceback, a hang, a
write on exit 2 or in ``--check``/``--dry-run``, a drift exit without drift.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import random
import re
import shutil
import signal
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import REPO, SHARED, build_tree

MINI: dict[str, str | bytes] = {
    "ports.yaml": """\
version: 1
project: mini
environments:
  production: {}
  development: {offset: 1000}
ranges:
  api: {from: 8000, to: 8099}
services:
  web: {port: 8000, group: api, description: Web front}
  api:
    ports: {http: 8080, grpc: 50051}
    host: api
  db: {port: 5432, fixed: true, host_port: {development: 5433}}
targets:
  - path: config/{env}.yaml
    set:
      server.port: "{{ port('web') }}"
      upstream: "{{ url('api') }}"
  - path: app.json
    environments: [production]
    set: {listen.port: "{{ port('api', 'grpc') }}"}
  - path: app.toml
    environments: [production]
    set: {server.port: "{{ port('web') }}"}
  - path: 'svc/{service}.env'
    services: [web, api]
    environments: [development]
    set: {PORT: "{{ port(service) }}"}
  - path: nginx.conf
    environments: [production]
    replace:
      - pattern: 'listen (?P<port>\\d+);'
        value: "{{ port('web') }}"
  - path: README.md
    environments: [production]
    template: table.md.j2
    block: ports
  - path: PORTS.md
    environments: [development]
    template: full.md.j2
""",
    "config/production.yaml": "# web\nserver:\n  port: 1  # here\nupstream: 'x'\n",
    "config/development.yaml": "server: {port: 1}\nupstream: x\n",
    "app.json": '{\n  "listen": {"port": 1, "host": "0.0.0.0"}\n}\n',
    "app.toml": "[server]\nport = 1 # p\nhost = \"x\"\n",
    "svc/web.env": "export PORT=1 # web\nOTHER='a'\n",
    "svc/api.env": "PORT=\"1\"\n",
    "nginx.conf": "server {\n  listen 1;\n}\n",
    "README.md": "# Mini\n<!-- portsync:begin ports -->\nold\n<!-- portsync:end ports -->\n",
    "templates/table.md.j2": "| service | port |\n|---|---|\n{% for s in services %}"
                             "| {{ s.name }} | {{ s.ports.http[env] if 'http' in s.ports else '' }}"
                             " |\n{% endfor %}",
    "templates/full.md.j2": "{% include 'table.md.j2' %}\n{{ services|map(attribute='name')"
                            "|join(', ') }} {{ url('web', path='/x') }}\n",
}
EXAMPLES = ["deltran", "driftos", "trading", "hypernode/Hypernode-Site-App", "lumiere"]

TOKENS = [b"\0", b"\xff", b"\xef\xbb\xbf", b"\t", b"\r\n", b"\r", b"{", b"}", b"[", b"]",
          b": ", b"- ", b"#", b"'", b'"', b"\\", b"&a ", b"*a", b"<<: *a\n", b"---\n", b"...\n",
          b"%YAML 1.3\n", b"!!binary ", b"? ", b"|\n", b">-\n", b"{{ ", b" }}", b"{% ", b" %}",
          b"{{ port('x') }}", b"{{ ''.__class__ }}", b"{env}", b"{service}", b"../", b"=",
          b"[[a]]", b"\xc3\x28", b"\n  ", b"99999999999999999999", b"1e400", b"0x1F", b"inf",
          b"~", b"null", b"true", b"portsync:begin ports", b"portsync:end ports", b",", b"\x0b",
          b"\xd9\xa3", b"\n", b" ", b"a = {b = 1, b = 2}\n", b"[a]\nb = 1\n[a.b]\nc = 2\n"]
VALUES: list[Any] = [
    0, -1, 1, 80, 1023, 65535, 65536, 70000, 2**64, 8000.5, True, False, None, "", "x", "8000",
    "a" * 300, [], {}, [1, 2], {"a": 1}, [[]], [{}], {"production": 1}, {"default": 8000},
    "{{ port('web') }}", "{{ port('nope') }}", "{{ url(service) }}", "{{ ''.__class__ }}",
    "{{ 'x' * 10**9 }}", "{{ 'x'|center(10**9) }}", "{{ services|tojson }}", "{{ env }}",
    "{% include 'table.md.j2' %}", "{% include '../ports.yaml' %}", "{{", "{% for %}",
    "../outside.txt", "/etc/passwd", "a\0b", "{env}", "{service}", "{env}/{service}.yaml",
    "a.b[0]", "a[x=1]", "[0]", "a..b", "(?P<port>\\d+)", "(a+)+$", "(", "*", "production",
    "default", "templates", "..", ".", "yaml", "toml", "json", "env", "text", "nonsense",
    "-1000", {"offset": 100000}, {"from": 1, "to": 0}, "1-2", "9000-8000", {"[a]": {}},
    {"port": 8000, "publish": False}, {"ports": {"http": 8000}, "host_ports": {"http": 1}}]
SLOW_VALUES = ["{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"]
KEYS = ["version", "project", "environments", "ranges", "services", "targets", "templates_dir",
        "default_environment", "parallel_environments", "include", "path", "set", "replace",
        "template", "block", "services", "environments", "create", "format", "port", "ports",
        "host_port", "host_ports", "fixed", "group", "host", "publish", "offset", "host_offset",
        "range", "pattern", "value", "optional", "unknown", "", "web"]
MODES = [[], ["--check"], ["--dry-run"], ["--check", "--format", "json"], ["validate"],
         ["--format", "github"], ["-q"], ["--check", "--no-cache"], ["table"]]
FORMAT_CORPUS = {
    ".yaml": ("yaml-test-suite", "in.yaml"), ".yml": ("yaml-test-suite", "in.yaml"),
    ".json": ("JSONTestSuite", ".json"), ".toml": ("toml-test", ".toml"),
    ".env": ("python-dotenv", ".env")}


@dataclass(frozen=True)
class Base:
    """A repository to mutate: where its files come from and which file is the registry."""

    name: str
    copy: Callable[[Path], Path]  # builds the base under a folder, returns its root


def base_tree(into: Path) -> Path:
    """The small repository under ``into``."""
    return build_tree(into / "repo", MINI)


def run_here(root: Path, args: list[str]) -> int:
    """``portsync ARGS`` in this process, its output dropped (to warm up imports)."""
    from portsync.entry import main

    old = Path.cwd()
    os.chdir(root)
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), \
                contextlib.redirect_stderr(sink):
            return main(args)
    finally:
        os.chdir(old)


def bases(long: bool) -> list[Base]:
    """The mini repository, and in the long mode every example too."""
    found = [Base("mini", base_tree)]
    for name in EXAMPLES if long else []:
        found.append(Base(name, functools.partial(_copy_example, name)))
    return found


def _copy_example(name: str, into: Path) -> Path:
    if name == "lumiere":  # driven by the repository's own ports.yaml
        root = into / "repo"
        root.mkdir()
        shutil.copy(REPO / "ports.yaml", root / "ports.yaml")
        shutil.copytree(REPO / "templates", root / "templates", symlinks=True)
        shutil.copytree(REPO / "examples/lumiere", root / "examples/lumiere", symlinks=True)
        return root
    top = name.split("/", maxsplit=1)[0]
    shutil.copytree(REPO / "examples" / top, into / top, symlinks=True)
    return into / name


@dataclass(frozen=True)
class Case:
    """One fuzz case, fully decided by its number."""

    number: int
    base: Base
    mutation: str
    args: tuple[str, ...]


def corpus_files(extension: str) -> list[Path]:
    """Files of the shared corpora a target with this extension may be swapped for."""
    folder, suffix = FORMAT_CORPUS.get(extension, ("yaml-test-suite", "in.yaml"))
    root = SHARED / "corpora" / folder
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(suffix)) \
        if root.is_dir() else []


# -- mutations ------------------------------------------------------------------------------


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """One random edit of the bytes: a flip, a token, a cut, a copy, a swap of lines."""
    pos = rng.randrange(len(data) + 1)
    kind = rng.randrange(7)
    if kind == 0 and data:
        pos = min(pos, len(data) - 1)
        return data[:pos] + bytes([rng.randrange(256)]) + data[pos + 1:]
    if kind == 1:
        return data[:pos] + rng.choice(TOKENS) + data[pos:]
    if kind == 2:
        return data[:pos] + data[pos + rng.randrange(1, 30):]
    if kind == 3:
        return data[:pos] + data[pos:pos + rng.randrange(1, 60)] * rng.randrange(2, 4) + data[pos:]
    if kind == 4:
        return data[:pos]
    if kind == 5:
        lines = data.split(b"\n")
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines)
    digits = [i for i, b in enumerate(data) if 48 <= b <= 57]
    if not digits:
        return data + rng.choice(TOKENS)
    at = rng.choice(digits)
    return data[:at] + str(rng.choice(VALUES[:10])).encode() + data[at + 1:]


def _nodes(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _nodes(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _nodes(value, (*path, i))


def mutate_structure(rng: random.Random, text: bytes, values: list[Any]) -> bytes | None:
    """One edit of the registry as data: a node replaced, a key dropped or added, an item
    doubled; dumped back as YAML. None when the text is not YAML PyYAML can read."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError):
        return None
    if not isinstance(data, (dict, list)):
        return None
    path = rng.choice(list(_nodes(data)))
    if not path:
        return None
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    kind = rng.randrange(4)
    if kind == 0:
        parent[last] = rng.choice(values)
    elif kind == 1:
        del parent[last]
    elif kind == 2 and isinstance(parent, dict):
        parent[rng.choice(KEYS)] = rng.choice(values)
    elif isinstance(parent, list):
        parent.insert(last, parent[last])
    else:
        parent[str(rng.choice(values))] = parent.pop(last)
    dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True,
                            default_flow_style=rng.choice([False, None]))
    return dumped.encode("utf-8")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()
                  and p.name != "ports.yaml")


def apply(rng: random.Random, root: Path, long: bool) -> str:
    """Mutate the tree under root in one of many ways; a description of what was done."""
    registry = root / "ports.yaml"
    files = _files(root)
    kind = rng.choices(["registry-bytes", "registry-structure", "target-bytes", "target-corpus",
                        "template-bytes", "file-system", "journal"],
                       weights=[20, 25, 20, 12, 8, 10, 5])[0]
    if kind == "registry-bytes" or (kind == "target-bytes" and not files):
        registry.write_bytes(mutate_bytes(rng, registry.read_bytes()))
        return "registry bytes"
    if kind == "registry-structure":
        mutated = mutate_structure(rng, registry.read_bytes(),
                                   VALUES + (SLOW_VALUES if long else []))
        if mutated is not None:
            registry.write_bytes(mutated)
            return "registry structure"
        registry.write_bytes(mutate_bytes(rng, registry.read_bytes()))
        return "registry bytes"
    target = rng.choice(files) if files else registry
    rel = target.relative_to(root).as_posix()
    if kind == "target-corpus":
        pool = corpus_files(target.suffix)
        if pool:
            source = rng.choice(pool)
            target.write_bytes(source.read_bytes())
            return f"{rel} := {source.relative_to(SHARED).as_posix()}"
        kind = "target-bytes"
    if kind == "template-bytes":
        templates = [f for f in files if f.suffix == ".j2"] or files
        target = rng.choice(templates)
        rel = target.relative_to(root).as_posix()
        target.write_bytes(mutate_bytes(rng, target.read_bytes()))
        return f"{rel} bytes"
    if kind == "target-bytes":
        for _ in range(rng.randrange(1, 4)):
            target.write_bytes(mutate_bytes(rng, target.read_bytes()))
        return f"{rel} bytes"
    if kind == "journal":
        journal = root / ".portsync.journal"
        good = (b'{"portsync_journal": 1, "renames": [{"temp": ".%s.x.portsync", "path": "%s",'
                b' "before": null, "after": "0"}]}' % (target.name.encode(), rel.encode()))
        journal.write_bytes(mutate_bytes(rng, good) if rng.random() < 0.7 else good)
        return "journal"
    return _trap(rng, root, target, rel)


def _trap(rng: random.Random, root: Path, target: Path, rel: str) -> str:
    """A file-system trap at a target's path."""
    trap = rng.randrange(9)
    if trap == 8:
        os.chmod(target, 0o444)
        return f"{rel} read-only"
    target.unlink()
    if trap == 0:
        target.symlink_to(target.name)
        return f"{rel} -> itself"
    if trap == 1:
        other = target.with_name(target.name + ".b")
        target.symlink_to(other.name)
        other.symlink_to(target.name)
        return f"{rel} -> loop"
    if trap == 2:
        target.symlink_to(root.parent / "outside.txt")
        return f"{rel} -> outside"
    if trap == 3:
        target.symlink_to("/dev/zero")
        return f"{rel} -> /dev/zero"
    if trap == 4:
        os.mkfifo(target)
        return f"{rel} fifo"
    if trap == 5:
        target.mkdir()
        return f"{rel} folder"
    if trap == 6 and target.parent != root:
        shutil.rmtree(target.parent)
        target.parent.write_text("a file\n")
        return f"{rel}: parent is a file"
    (target.parent / f".{target.name}.abc.portsync").write_text("stale")
    target.write_text("")
    return f"{rel} emptied, a stale temp beside it"


# -- running one case -----------------------------------------------------------------------


def tree_state(folder: Path) -> dict[str, tuple[str, str]]:
    """Everything under folder by lstat: file digests, link targets, other kinds (no reads of
    FIFOs or devices)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel.split("/")[0] == "cache":  # the user's cache folder, outside the root
            continue
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            found[rel] = ("link", os.readlink(path))
        elif stat.S_ISREG(info.st_mode):
            found[rel] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            found[rel] = ("dir" if stat.S_ISDIR(info.st_mode) else "special", "")
    return found


@dataclass
class Outcome:
    """What one run did."""

    code: int | None  # None: killed at the deadline
    out: str
    err: str
    seconds: float
    signal: int | None = None


def run_forked(root: Path, args: list[str], cache: Path, timeout: float) -> Outcome:
    """``portsync ARGS`` in root, in a forked child with its output in files."""
    out_path, err_path = cache / "stdout", cache / "stderr"
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 99
        try:
            os.chdir(root)
            for fd, path in ((1, out_path), (2, err_path)):
                handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(handle, fd)
                os.close(handle)
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            os.environ.update({"NO_COLOR": "1", "PORTSYNC_CACHE_DIR": str(cache)})
            os.environ.pop("PORTSYNC_REGISTRY", None)
            from portsync.entry import main

            code = main(args)
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code if isinstance(code, int) else 98)
    deadline = start + timeout
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.002)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    seconds = time.monotonic() - start
    out = out_path.read_text(errors="replace") if out_path.exists() else ""
    err = err_path.read_text(errors="replace") if err_path.exists() else ""
    if status is None:
        return Outcome(None, out, err, seconds)
    if os.WIFSIGNALED(status):
        return Outcome(None, out, err, seconds, os.WTERMSIG(status))
    return Outcome(os.WEXITSTATUS(status), out, err, seconds)


def problems_of(args: list[str], outcome: Outcome, before: dict[str, tuple[str, str]],
                after: dict[str, tuple[str, str]]) -> list[str]:
    """Every invariant the run broke."""
    found = []
    if outcome.signal is not None:
        found.append(f"killed by signal {outcome.signal}")
    elif outcome.code is None:
        found.append(f"hung (killed after {outcome.seconds:.0f} s)")
    elif outcome.code not in (0, 1, 2):
        found.append(f"exit {outcome.code}")
    text = outcome.out + outcome.err
    if "Traceback" in text or "internal error" in text:
        found.append("a traceback or an internal error")
    writes = args and args[0] in ("--check", "--dry-run", "validate", "table")
    if (outcome.code == 2 or writes) and after != before:
        changed = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
        found.append(f"wrote {', '.join(changed[:5])} on exit {outcome.code}")
    checking = "--check" in args
    if outcome.code == 1 and not checking:
        found.append("exit 1 without --check")
    if outcome.code == 1 and checking and "--format" not in args:
        lines = outcome.out.splitlines()
        summary = next((i for i, line in enumerate(lines) if _SUMMARY.match(line)), None)
        if summary is None or not any(": " in line for line in lines[:summary]):
            found.append("drift exit without drift lines and a summary")
    return found


_SUMMARY = re.compile(r"\d+ (values?|blocks?|generated files?|files?) \w")
