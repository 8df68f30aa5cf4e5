"""Hostile input (SPEC §4): exit 2, one clear line, nothing written, and no hang.

Cases that could hang or eat memory run ``python -m portsync`` in a subprocess
with a timeout, so a regression fails the test instead of stalling the suite.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import RunCli, build_tree

REGISTRY = """\
version: 1
services:
  web: 8000
targets:
  - path: app.yaml
    set: {server.port: "{{ port('web') }}"}
"""
APP = "server:\n  port: 1\n"


def bomb(levels: int = 9) -> str:
    """A YAML "billion laughs": each level is a list of nine aliases of the one before."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def with_port(text: str) -> str:
    """REGISTRY with web's port written as ``text``."""
    return REGISTRY.replace("web: 8000", f"web: {text}")


def with_value(template: str) -> str:
    """REGISTRY whose one set value is ``template`` (YAML single-quoted)."""
    quoted = "'" + template.replace("'", "''") + "'"
    return REGISTRY.replace('"{{ port(\'web\') }}"', quoted)


def with_path(path: str) -> str:
    """REGISTRY whose target path is ``path``."""
    return REGISTRY.replace("path: app.yaml", f"path: '{path}'")


def sparse(size: int) -> Callable[[Path], None]:
    """Make ``app.yaml`` a valid start followed by a hole: ``size`` bytes in no time."""
    def make(root: Path) -> None:
        (root / "app.yaml").write_text(APP)
        os.truncate(root / "app.yaml", size)
    return make


def symlink(name: str, to: str) -> Callable[[Path], None]:
    """A link ``name`` in the root pointing at ``to`` (relative to the root)."""
    return lambda root: (root / name).symlink_to(root / to)


def loop(*names: str) -> Callable[[Path], None]:
    """Symlinks leading from each name to the next, the last one back to the first."""
    def make(root: Path) -> None:
        for name, to in zip(names, (*names[1:], names[0]), strict=True):
            (root / name).symlink_to(to)
    return make


def fifo(root: Path) -> None:
    """``app.yaml`` as a named pipe: reading it would block forever."""
    os.mkfifo(root / "app.yaml")


@dataclass(frozen=True)
class Case:
    """One hostile input: files (root = ``repo/``), the message expected, how to run it."""

    id: str
    files: dict[str, str | bytes]
    expect: str  # a regex the one stderr line must match
    prepare: Callable[[Path], None] | None = None
    hang: bool = False  # True: run in a subprocess with a timeout
    outside: dict[str, str] = field(default_factory=dict)  # files beside repo/, must survive


def registry_case(id: str, registry: str | bytes, expect: str, **kw: object) -> Case:
    return Case(id, {"ports.yaml": registry, "app.yaml": APP}, expect, **kw)  # type: ignore[arg-type]


def target_case(id: str, target: str | bytes, expect: str, **kw: object) -> Case:
    return Case(id, {"ports.yaml": REGISTRY, "app.yaml": target}, expect, **kw)  # type: ignore[arg-type]


DEEP = r"^app\.yaml:\d+:\d+: invalid YAML: (nesting too deep|exceeded maximum nesting depth)"
CASES = [
    # -- malformed or hostile YAML ----------------------------------------------------------
    registry_case("malformed-registry", "version: 1\nservices: {web: 8000\n",
                  r"^ports\.yaml:3:1: invalid YAML: expected ',' or '}'"),
    registry_case("tab-indent", REGISTRY.replace("  web", "\tweb"),
                  r"^ports\.yaml:3:1: invalid YAML: found character '\\t'"),
    target_case("malformed-target", "server:\n  port: [1\n",
                r"^app\.yaml:3:1: invalid YAML: expected ',' or ']'"),
    registry_case("alias-bomb-registry", REGISTRY + bomb(),
                  r"^ports\.yaml: invalid YAML: aliases expand the document to \d+ nodes",
                  hang=True),
    registry_case("alias-bomb-in-version", "ranges:\n" + "".join(
        f"  {line}\n" for line in bomb().splitlines()) + "version: *l8\nservices: {web: 8000}\n",
                  r"^ports\.yaml: invalid YAML: aliases expand the document to \d+ nodes",
                  hang=True),
    target_case("alias-bomb-target", APP + bomb(),
                r"^app\.yaml: invalid YAML: aliases expand the document to \d+ nodes", hang=True),
    registry_case("duplicate-service", with_port("8000\n  web: 8001"),
                  r'^ports\.yaml:4:3: invalid YAML: found duplicate key "web"'),
    registry_case("duplicate-top-key", REGISTRY + "version: 1\n",
                  r'^ports\.yaml:7:1: invalid YAML: found duplicate key "version"'),
    registry_case("registry-is-a-list", "- version: 1\n- services: {web: 8000}\n",
                  r"^ports\.yaml:1:1: ports\.yaml must be a mapping .* not a list"),
    registry_case("registry-is-a-string", "hello\n", r"^ports\.yaml:1:1: .* not the string"),
    registry_case("registry-is-empty", "", r"^ports\.yaml:1:1: .* not nothing"),
    registry_case("targets-is-a-mapping", REGISTRY.partition("targets:")[0] + "targets: {a: 1}\n",
                  r"^ports\.yaml:4:10: targets must be a list"),
    registry_case("deep-flow-registry", REGISTRY + "project: " + "[" * 600 + "]" * 600 + "\n",
                  r"^ports\.yaml: invalid YAML: nesting too deep", hang=True),
    target_case("deep-block-target", APP + "".join(" " * i + f"k{i}:\n" for i in range(3000)),
                DEEP, hang=True),
    # Deep enough to crash a recursive composer (libyaml's C one: SIGSEGV near 25,000 levels).
    target_case("libyaml-crash-flow-target", APP + "x: " + "[" * 40000 + "]" * 40000 + "\n",
                DEEP, hang=True),
    target_case("libyaml-crash-dash-target", APP + "x:\n" + "- " * 40000 + "1\n",
                DEEP, hang=True),
    # -- files that are not text, too big, or not files -------------------------------------
    target_case("50-MB-target", APP, r"^app\.yaml: file is 52428800 bytes, over the 16 MiB limit",
                prepare=sparse(50 * 1024 * 1024)),
    target_case("binary-target", b"server:\n  port: 1\n\x00\x01\x02",
                r"^app\.yaml: binary file"),
    target_case("latin-1-target", "server:\n  port: 1\nname: caf\xe9\n".encode("latin-1"),
                r"^app\.yaml: not UTF-8 \(byte 0xe9 at offset 27\)"),
    target_case("utf-16-target", APP.encode("utf-16"), r"^app\.yaml: (binary file|not UTF-8)"),
    registry_case("latin-1-registry", (REGISTRY + "project: caf\xe9\n").encode("latin-1"),
                  r"^ports\.yaml: not UTF-8"),
    registry_case("binary-registry", b"\x89PNG\r\n\x1a\n\x00\x00", r"^ports\.yaml: binary file"),
    Case("folder-target", {"ports.yaml": REGISTRY, "app.yaml/inner": "x"},
         r"^app\.yaml: is a folder, not a file"),
    Case("fifo-target", {"ports.yaml": REGISTRY}, r"^app\.yaml: is not a regular file",
         prepare=fifo, hang=True),
    # -- paths leaving the root ------------------------------------------------------------
    registry_case("dotdot-path", with_path("../outside.yaml"),
                  r"^\.\./outside\.yaml: path leads outside", outside={"outside.yaml": APP}),
    registry_case("dotdot-inside-path", with_path("sub/../../outside.yaml"),
                  r"^sub/\.\./\.\./outside\.yaml: path leads outside",
                  outside={"outside.yaml": APP}),
    registry_case("absolute-path", with_path("/etc/portsync-test.yaml"),
                  r"^/etc/portsync-test\.yaml: target paths must be relative"),
    registry_case("env-name-dotdot", with_path("{env}/outside.yaml").replace(
        "version: 1\n", "version: 1\nenvironments: {'..': {}}\n"),
                  r"^\.\./outside\.yaml: path leads outside", outside={"outside.yaml": APP}),
    Case("symlinked-folder-out", {"ports.yaml": with_path("link/outside.yaml")},
         r"^link/outside\.yaml: path leads outside", prepare=symlink("link", ".."),
         outside={"outside.yaml": APP}),
    Case("symlink-loop", {"ports.yaml": REGISTRY}, r"^app\.yaml: is a symlink loop$",
         prepare=loop("app.yaml", "b.yaml")),
    Case("symlink-to-itself", {"ports.yaml": REGISTRY}, r"^app\.yaml: is a symlink loop$",
         prepare=loop("app.yaml")),
    Case("symlink-loop-folder", {"ports.yaml": with_path("d/app.yaml")},
         r"^d/app\.yaml: is a symlink loop$", prepare=loop("d", "e")),
    registry_case("nul-in-path", REGISTRY.replace("path: app.yaml", 'path: "app\\0.yaml"'),
                  r"^app\\0\.yaml: the path holds a NUL byte; refusing it$"),
    registry_case("nul-in-env-name", REGISTRY.replace("path: app.yaml", "path: '{env}.yaml'")
                  .replace("version: 1\n", 'version: 1\nenvironments: {"a\\0": {}}\n'),
                  r"^a\\0\.yaml: the path holds a NUL byte; refusing it$"),
    Case("symlinked-file-out", {"ports.yaml": REGISTRY},
         r"^app\.yaml: path leads outside", prepare=symlink("app.yaml", "../outside.yaml"),
         outside={"outside.yaml": APP}),
    # -- templates trying to escape the sandbox, or never to end ---------------------------
    registry_case("mro-escape", with_value("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
                  r"^ports\.yaml:6:11: server\.port: template blocked by the sandbox: "
                  r"access to attribute '__class__'"),
    registry_case("attr-filter-escape", with_value("{{ ''|attr('__class__') }}"),
                  r"template blocked by the sandbox"),
    registry_case("format-escape", with_value("{{ '{0.__class__}'.format('') }}"),
                  r"template blocked by the sandbox"),
    registry_case("globals-escape", with_value("{{ port.__globals__ }}"),
                  r"template blocked by the sandbox: access to attribute '__globals__'"),
    registry_case("self-escape", with_value("{{ self.__init__.__globals__ }}"),
                  r"template blocked by the sandbox"),
    registry_case("list-mutation", with_value("{{ [].append(1) }}"),
                  r"template blocked by the sandbox: access to attribute 'append'"),
    registry_case("include-outside", with_value("{% include '../ports.yaml' %}"),
                  r"template '\.\./ports\.yaml' not found in templates/"),
    registry_case("include-absolute", with_value("{% include '/etc/passwd' %}"),
                  r"template '/etc/passwd' not found in templates/"),
    registry_case("for-bomb", with_value(
        "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}"),
                  r"template stopped: a template ran for over 5 seconds", hang=True),
    registry_case("string-bomb", with_value("{{ 'x' * 10**10 }}"),
                  r"template stopped: repeating a value 10000000000 times", hang=True),
    registry_case("power-bomb", with_value("{{ 10 ** (10 ** 10) }}"),
                  r"template stopped: 10 \*\* 10000000000 is too large", hang=True),
    registry_case("doubling-bomb", with_value(
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
        "{% endfor %}{{ ns.s }}"), r"template stopped: joining makes a value over", hang=True),
    registry_case("huge-output", with_value("{{ 'x'|center(20000000) }}"),
                  r"template stopped: \|center would build a text of 20000000 characters "
                  r"\(the limit is 16777216\) \(rendering app\.yaml\)$", hang=True),
    # C-level builders are sized before they allocate (center(4e8) took 28 s and 1.5 GB).
    registry_case("center-400M", with_value("{{ 'x'|center(400000000) }}"),
                  r"\|center would build a text of 400000000 characters", hang=True),
    registry_case("ljust-method", with_value("{{ 'x'.ljust(10**9) }}"),
                  r"ljust\(\) would build a text of 1000000000 characters", hang=True),
    registry_case("format-width", with_value("{{ '{:>1000000000}'.format(1) }}"),
                  r"format\(\) would build a text of 1000000000 characters", hang=True),
    registry_case("format-nested-spec", with_value("{{ '{:{}}'.format(1, 10**9) }}"),
                  r"a format field with a nested field in its spec is not allowed"),
    registry_case("percent-width", with_value("{{ '%1000000000d' % 1 }}"),
                  r"a % format would build a text of 1000000000 characters", hang=True),
    registry_case("percent-named-width", with_value("{{ '%(a)1000000000s' % {'a': 1} }}"),
                  r"a % format would build a text of 1000000000 characters", hang=True),
    registry_case("markup-replace-bomb", with_value(
        "{{ (('x' * 100000)|safe).replace('x', '\"' * 100) }}"),
                  r"replace\(\) would build a text of \d+ characters", hang=True),
    registry_case("format-filter-width", with_value("{{ '%1000000000d'|format(1) }}"),
                  r"a % format would build a text of 1000000000 characters", hang=True),
    registry_case("join-bomb", with_value("{{ range(100000)|join('x' * 10000) }}"),
                  r"\|join would build a text of \d+ characters", hang=True),
    registry_case("join-method-bomb", with_value("{{ ('x' * 10000).join(range(100000)|map("
                                                 "'string')) }}"),
                  r"join\(\) would build a text of \d+ characters", hang=True),
    registry_case("replace-bomb", with_value("{{ ('x' * 1000000).replace('x', 'y' * 1000) }}"),
                  r"replace\(\) would build a text of 1000000000 characters", hang=True),
    registry_case("replace-filter-bomb", with_value(
        "{{ ('x' * 1000000)|replace('x', 'y' * 1000) }}"),
                  r"\|replace would build a text of 1000000000 characters", hang=True),
    registry_case("translate-bomb", with_value(
        "{{ ('x' * 100000).translate({120: 'y' * 100000}) }}"),
                  r"translate\(\) would build a text of 10000000000 characters", hang=True),
    registry_case("expandtabs-bomb", with_value("{{ ('\\t' * 1000000).expandtabs(100000) }}"),
                  r"expandtabs\(\) would build a text of \d+ characters", hang=True),
    registry_case("indent-bomb", with_value("{{ ('x\\n' * 1000000)|indent(1000) }}"),
                  r"\|indent would build a text of \d+ characters", hang=True),
    registry_case("wordwrap-bomb", with_value(
        "{{ ('a ' * 1000000)|wordwrap(1, wrapstring='x' * 1000) }}"),
                  r"\|wordwrap would build a text of \d+ characters", hang=True),
    registry_case("batch-bomb", with_value("{{ [1]|batch(10**9)|list }}"),
                  r"\|batch\(1000000000\) would build a list of 1000000000 items", hang=True),
    registry_case("to-bytes-bomb", with_value("{{ (1).to_bytes(10**9, 'big') }}"),
                  r"to_bytes\(\) would build a text of 1000000000 characters", hang=True),
    registry_case("tilde-doubling", with_value(
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s }}"), r"joining with ~ makes a text over 16777216", hang=True),
    registry_case("macro-output-bomb", with_value(
        "{% macro m() %}{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}{% endmacro %}"
        "{{ m() }}"), r"a block's output is over 16777216 characters", hang=True),
    registry_case("set-block-bomb", with_value(
        "{% set s %}{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}{% endset %}"),
                  r"a block's output is over 16777216 characters", hang=True),
    # Shared parts count each time they appear: a repr, a hash, json or == of them is C work.
    registry_case("alias-list-bomb", with_value(
        "{% set a = [1] * 1000000 %}{% set b = [a] * 1000000 %}{{ b }}"),
                  r"a value whose text would be over 16777216 characters", hang=True),
    registry_case("doubling-list-json", with_value(
        "{% set ns = namespace(x=[1]) %}{% for i in range(64) %}{% set ns.x = [ns.x, ns.x] %}"
        "{% endfor %}{{ ns.x|tojson }}"),
                  r"a value whose text would be over 16777216 characters", hang=True),
    registry_case("doubling-list-compare", with_value(
        "{% set ns = namespace(x=[1], y=[1]) %}{% for i in range(64) %}"
        "{% set ns.x = [ns.x, ns.x] %}{% set ns.y = [ns.y, ns.y] %}{% endfor %}"
        "{{ ns.x == ns.y }}"), r"a value whose text would be over 16777216 characters",
                  hang=True),
    # Hashing a tuple nested 100,000 deep overflows CPython's C stack (a segfault).
    registry_case("deep-tuple-hash", with_value(
        "{% set ns = namespace(t=()) %}{% for i in range(100000) %}{% set ns.t = (ns.t,) %}"
        "{% endfor %}{{ {ns.t: 1} }}"), r"a value nested over 100 levels deep", hang=True),
    registry_case("deep-tuple-include", with_value(
        "{% set ns = namespace(t=()) %}{% for i in range(100000) %}{% set ns.t = (ns.t,) %}"
        "{% endfor %}{% include [ns.t] %}"), r"template 'a tuple, not a name' not found",
                  hang=True),
    registry_case("lipsum-loop", with_value("{{ lipsum(10**9) }}"),
                  r"template error: 'lipsum' is undefined", hang=True),
    registry_case("macro-recursion", with_value(
        "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"),
                  r"template failed: maximum recursion depth"),
    # -- ports that are not ports ----------------------------------------------------------
    registry_case("port-70000", with_port("70000"), r"^ports\.yaml:3:8: .*70000 is not a port"),
    registry_case("port-0", with_port("0"), r"^ports\.yaml:3:8: .*= 0 is not a port"),
    registry_case("port-minus-1", with_port("-1"), r"^ports\.yaml:3:8: .*-1 is not a port"),
    registry_case("port-80a", with_port("80a"), r"^ports\.yaml:3:8: services\.web must be"),
    registry_case("port-quoted-80", with_port('"80"'), r"^ports\.yaml:3:8: services\.web must be"),
    registry_case("port-float", with_port("8000.5"), r"^ports\.yaml:3:8: services\.web must be"),
    registry_case("port-bool", with_port("true"), r"^ports\.yaml:3:8: services\.web must be"),
    registry_case("named-port-70000", with_port("{ports: {http: 70000}}"),
                  r"^ports\.yaml:3:23: services\.web\.ports\.http = 70000 is not a port"),
    registry_case("named-port-80a", with_port("{port: 80a}"),
                  r"^ports\.yaml:3:15: services\.web\.port must be an integer port, not the "
                  r"string '80a'"),
    registry_case("pinned-port-0", with_port("{port: {default: 0}}"),
                  r"services\.web\.port\.default = 0 is not a port"),
    registry_case("host-port-65536", with_port("{port: 8000, host_port: 65536}"),
                  r"services\.web\.host_port = 65536 is not a port"),
    registry_case("range-to-70000", REGISTRY + "ranges:\n  r: 9000-70000\n",
                  r"^ports\.yaml:8:6: ranges\.r 9000-70000 is not a valid port range"),
    registry_case("bad-key-path", REGISTRY.replace("server.port", "server..port"),
                  r"^ports\.yaml:6:11: bad key path 'server\.\.port'"),
]


def tree_of(tmp_path: Path, case: Case) -> Path:
    """Build the case: ``repo/`` is the root, anything in ``outside`` goes beside it."""
    build_tree(tmp_path, case.outside)
    root = build_tree(tmp_path / "repo", case.files)
    if case.prepare is not None:
        case.prepare(root)
    return root


def state(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every regular file under folder: (sha256, mtime_ns, mode); links are followed."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            info = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[path.relative_to(folder).as_posix()] = (digest, info.st_mtime_ns, info.st_mode)
    return found


def run_portsync(root: Path, *args: str, timeout: float = 60) -> tuple[int, str, str]:
    """``python -m portsync ARGS`` in root, killed (and the test failed) if it hangs."""
    try:
        done = subprocess.run([sys.executable, "-m", "portsync", *args], cwd=root, check=False,
                              capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "NO_COLOR": "1"})
    except subprocess.TimeoutExpired:
        pytest.fail(f"portsync {' '.join(args)} hung for {timeout} s")
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_refused_with_one_line(case: Case, tmp_path: Path,
                                                run_cli: RunCli) -> None:
    root = tree_of(tmp_path, case)
    before = state(tmp_path)
    if case.hang:
        code, out, err = run_portsync(root)
    else:
        result = run_cli(cwd=root)
        code, out, err = result.code, result.out, result.err
    shown = f"exit {code}\n--- stdout\n{out}--- stderr\n{err}"
    assert code == 2, shown
    assert out == "", shown
    lines = err.splitlines()
    assert len(lines) == 1, shown
    assert "Traceback" not in err and "internal error" not in err, shown
    assert re.search(case.expect, lines[0]), shown
    assert state(tmp_path) == before, "a hostile input must not write anything"


def test_check_and_dry_run_refuse_the_same_way(tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": REGISTRY, "app.yaml": APP + bomb()})
    before = state(root)
    for args in (("--check",), ("--dry-run",), ("--check", "--format", "json")):
        result = run_cli(*args, cwd=root)
        assert result.code == 2, result
        assert "alias bomb" in result.err + result.out, result
    assert state(root) == before


def test_one_bad_target_among_good_ones_writes_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    registry = REGISTRY + "".join(
        f"  - path: good{n}.yaml\n    set: {{server.port: 1234}}\n" for n in range(5))
    files: dict[str, str | bytes] = {f"good{n}.yaml": APP for n in range(5)}
    root = build_tree(tmp_path, {"ports.yaml": registry, **files, "app.yaml": b"\x00"})
    before = state(root)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == ["app.yaml: binary file (it holds NUL bytes); "
                                       "portsync reads UTF-8 text only"], result
    assert state(root) == before


def test_aliases_of_normal_size_are_fine(tmp_path: Path, run_cli: RunCli) -> None:
    """The bomb guard must not refuse the anchors real files use (compose `<<: *defaults`)."""
    app = "defaults: &d {restart: always, image: x}\n" + "".join(
        f"s{n}:\n  <<: *d\n  port: 1\n" for n in range(50)) + "server:\n  port: 1\n"
    root = build_tree(tmp_path, {"ports.yaml": REGISTRY, "app.yaml": app})
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert (root / "app.yaml").read_text() == app.replace("server:\n  port: 1", "server:\n  port: 8000")
