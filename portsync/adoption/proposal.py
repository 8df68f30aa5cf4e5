"""Turn what ``import`` inferred into ports.yaml text, and prove it with the real pipeline.

The proposal is loaded, policy-checked and planned exactly as ``--check``
would; a file whose targets fail or drift is downgraded from ``set`` to
``replace`` rules, then dropped with a warning, so ``--check`` passes at once.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from portsync import fsio, yamlio
from portsync.adoption.discover import kind_of
from portsync.adoption.files import read_for_scan
from portsync.adoption.inference import DEFAULT_ENV, Inferred, Placed
from portsync.adoption.portrules import LOCAL_HOSTS
from portsync.adoption.textrules import pattern_for
from portsync.errors import PortsyncError, UsageError
from portsync.keypath import render
from portsync.registry.finding import REGISTRY_NAME
from portsync.report import Output
from portsync.targets import format_of

Key = tuple[str, str]  # (service, port name)
_DATA = ("yaml", "json", "toml", "env")


@dataclass(frozen=True, slots=True)
class Proposal:
    """The proposed ports.yaml and a one-line summary of it."""

    text: str
    summary: str


@dataclass
class _Ports:
    """Observed numbers: (service, name) -> environment -> port / published port."""

    port: dict[Key, dict[str, int]]
    host: dict[Key, dict[str, int]]
    offsets: dict[str, int]


def _ports(inf: Inferred) -> _Ports:
    port: dict[Key, dict[str, int]] = defaultdict(dict)
    host: dict[Key, dict[str, int]] = defaultdict(dict)
    for (env, number), pid in sorted(inf.ids.items()):
        (host if pid.host else port)[(pid.service, pid.name)][env] = number
    base, offsets = inf.envs[0], dict.fromkeys(inf.envs, 0)
    for env in inf.envs[1:]:
        diffs = Counter(n[env] - n[base] for n in port.values()
                        if env in n and base in n and n[env] != n[base])
        if diffs and diffs.most_common(1)[0][1] >= 2:
            offsets[env] = diffs.most_common(1)[0][0]
    return _Ports(port, host, offsets)


def _flow(pins: dict[str, int], envs: list[str]) -> str:
    return "{" + ", ".join(f"{e}: {pins[e]}" for e in envs if e in pins) + "}"


def _service_yaml(name: str, ports: _Ports, envs: list[str]) -> list[str]:
    keys = sorted((k for k in ports.port if k[0] == name), key=lambda k: (k[1] != "http", k[1]))
    seen = sorted({e for k in keys for e in ports.port[k]}, key=envs.index)
    fixed = (all(len(set(ports.port[k].values())) == 1 and set(ports.port[k]) == set(seen)
                 for k in keys) and any(ports.offsets[e] for e in seen))
    forms = {}
    for k in keys:
        obs = ports.port[k]
        bases = {n - ports.offsets[e] for e, n in obs.items()}
        if fixed:
            forms[k[1]] = str(next(iter(obs.values())))
        elif set(obs) == set(seen) and len(bases) == 1 and 1 <= min(bases) <= 65535:
            forms[k[1]] = str(min(bases))
        else:
            forms[k[1]] = _flow(obs, envs)
    lines = [f"  {_plain(name)}:"]
    if list(forms) == ["http"]:
        lines.append(f"    port: {forms['http']}")
        if (name, "http") in ports.host:
            lines.append(f"    host_port: {_flow(ports.host[(name, 'http')], envs)}")
    else:
        lines.append("    ports: {" + ", ".join(f"{_plain(n)}: {f}" for n, f in forms.items())
                     + "}")
        hosts = {k[1]: ports.host[k] for k in keys if k in ports.host}
        if hosts:
            lines.append("    host_ports: {" + ", ".join(
                f"{_plain(n)}: {_flow(h, envs)}" for n, h in hosts.items()) + "}")
    if fixed:
        lines.append("    fixed: true")
    if envs not in ([DEFAULT_ENV], seen):
        lines.append(f"    environments: [{', '.join(seen)}]")
    return lines


def _plain(text: str) -> str:
    if re.fullmatch(r"[A-Za-z_][\w.\-\[\]/{}]*", text) and yamlio.resolves_to_str(text):
        return text
    return "'" + text.replace("'", "''") + "'"


def _expr(p: Placed, inf: Inferred, ports: _Ports) -> str:
    m = p.mention
    pid = inf.ids[(p.env, m.port)]
    key = (pid.service, pid.name)
    port = ports.port.get(key, {}).get(p.env)
    host = ports.host.get(key, {}).get(p.env, port)
    published = m.rule == "host" or (m.rule in ("url", "address") and
                                     (m.host or "").lower() in LOCAL_HOSTS)
    use_host = m.port == host and (m.port != port or published)
    args = f"'{pid.service}'" + ("" if pid.name == "http" else f", '{pid.name}'")
    return f"{{{{ {'host_port' if use_host else 'port'}({args}) }}}}"


@dataclass
class _Entry:
    sets: dict[str, str]
    rules: dict[str, str]


def _entries(inf: Inferred, ports: _Ports, modes: dict[str, str]) -> dict[tuple[str, str], _Entry]:
    entries: dict[tuple[str, str], _Entry] = defaultdict(lambda: _Entry({}, {}))
    by_value: dict[tuple[str, str, object], list[Placed]] = defaultdict(list)
    texts: dict[str, list[Placed]] = defaultdict(list)
    for p in inf.placed:
        m = p.mention
        mode = modes.get(m.path, "set")
        usable = m.key is not None and m.value is not None and kind_of(m.path) in _DATA
        if mode == "set" and usable and "{" not in (m.value or ""):
            by_value[(m.path, p.env, m.key)].append(p)
        elif mode != "skip":
            texts[m.path].append(p)
    for path, placed in texts.items():
        _add_rules(inf, ports, path, placed, entries)
    for (path, env, key), group in by_value.items():
        value = str(group[0].mention.value)
        out, pos = [], 0
        for p in sorted(group, key=lambda g: g.mention.offset):
            start = p.mention.offset
            if start >= pos:
                out += [value[pos:start], _expr(p, inf, ports)]
                pos = start + len(str(p.mention.port))
        entries[(path, env)].sets[render(key)] = "".join(out) + value[pos:]  # type: ignore[arg-type]
    return entries


def _add_rules(inf: Inferred, ports: _Ports, path: str, placed: list[Placed],
               entries: dict[tuple[str, str], _Entry]) -> None:
    """``replace`` rules for the mentions of one file that no ``set`` can reach."""
    read = read_for_scan(inf.root, path)
    text = read if isinstance(read, str) else ""
    exprs = {id(p): (p.env, _expr(p, inf, ports)) for p in placed}
    mentions = [p.mention for p in inf.placed if p.mention.path == path]
    for p in placed:
        same = {q.mention.start for q in placed if exprs[id(q)] == exprs[id(p)]}
        pattern = pattern_for(text, p.mention, mentions, same)
        if pattern is not None:
            entries[(path, p.env)].rules[pattern] = exprs[id(p)][1]


def _env_pattern(path: str, env: str) -> str | None:
    head, _, name = path.rpartition("/")
    word = re.compile(rf"(?<![A-Za-z0-9]){re.escape(env)}(?![A-Za-z0-9])")
    if word.search(name):
        return (head + "/" if head else "") + word.sub("{env}", name, count=1)
    folder = head.rpartition("/")[2]
    if folder and word.fullmatch(folder):
        return head.rpartition("/")[0] + ("/" if "/" in head else "") + "{env}/" + name
    return None


def _target_yaml(path: str, envs: list[str] | None, entry: _Entry) -> list[str]:
    lines = [f"  - path: {_plain(path)}"]
    if envs is not None:
        lines.append(f"    environments: [{', '.join(envs)}]")
    if entry.sets:
        lines.append("    set:")
        lines += [f'      {_plain(k)}: "{v}"' for k, v in entry.sets.items()]
    if entry.rules:
        lines.append("    replace:")
        for pattern, value in entry.rules.items():
            lines += ["      - pattern: '" + pattern.replace("'", "''") + "'",
                      f'        value: "{value}"']
    return lines


def _targets(inf: Inferred, entries: dict[tuple[str, str], _Entry]) -> list[list[str]]:
    envs = inf.envs
    multi = envs != [DEFAULT_ENV]
    groups: dict[str, dict[str, tuple[str, _Entry]]] = defaultdict(dict)
    out = []
    for (path, env), entry in sorted(entries.items()):
        pattern = _env_pattern(path, env) if multi else None
        if pattern is not None:
            groups[pattern][env] = (path, entry)
        else:
            out.append(_target_yaml(path, [env] if multi else None, entry))
    for pattern, members in groups.items():
        names = sorted(members, key=envs.index)
        first = members[names[0]][1]
        common = _Entry({k: v for k, v in first.sets.items()
                         if all(members[e][1].sets.get(k) == v for e in names)},
                        {k: v for k, v in first.rules.items()
                         if all(members[e][1].rules.get(k) == v for e in names)})
        if len(names) > 1 and (common.sets or common.rules):
            out.append(_target_yaml(pattern, None if names == envs else names, common))
        else:
            common = _Entry({}, {})
        for env in names:
            path, entry = members[env]
            rest = _Entry({k: v for k, v in entry.sets.items() if k not in common.sets},
                          {k: v for k, v in entry.rules.items() if k not in common.rules})
            if rest.sets or rest.rules:
                out.append(_target_yaml(path, [env], rest))
    return out


def _document(inf: Inferred, ports: _Ports, targets: list[list[str]], parallel: bool,
              warnings: list[str]) -> str:
    envs = inf.envs
    lines = [f"# ports.yaml proposed by `portsync import` from {len(inf.placed)} port mentions "
             f"in {inf.files} files.",
             "# Service and port names are guesses from compose services, URL hosts, keys and",
             "# folders: review them, then run `portsync --check` and `portsync audit`."]
    if warnings:
        lines += ["#", "# Found while importing:", *(f"#   - {w}" for w in warnings)]
    lines += ["version: 1", f"project: {_plain(norm_project(inf.root))}"]
    if parallel:
        lines.append("parallel_environments: true   # no port number repeats across environments")
    if envs != [DEFAULT_ENV]:
        lines.append("environments:")
        for env in envs:
            off = ports.offsets[env]
            lines.append(f"  {env}: {{offset: {off}}}" if off else f"  {env}: {{}}")
    lines.append("services:")
    for service in sorted({k[0] for k in ports.port}):
        lines += _service_yaml(service, ports, envs)
    lines.append("targets:" if targets else "targets: []")
    for target in targets:
        lines += target
    return "\n".join(lines) + "\n"


def norm_project(root: Path) -> str:
    """The project name: the repository folder's name."""
    return re.sub(r"[^\w.-]+", "-", root.name) or "project"


def _problems(root: Path, text: str) -> dict[str, str] | str:
    """Files whose targets fail or drift (path -> why), or the registry's own error."""
    from portsync.plan import plan_file
    from portsync.registry.resolution import PortTable
    from portsync.sync import load
    from portsync.targets import expand_targets

    with tempfile.TemporaryDirectory() as tmp:
        fake = Path(tmp) / REGISTRY_NAME
        fake.write_text(text, encoding="utf-8")
        try:
            checked = load(fake)  # schema and policy, exactly as --check loads it
        except PortsyncError as err:
            return str(err)
    registry = dataclasses.replace(checked.registry, path=root / REGISTRY_NAME,
                                   templates_dir=root / "templates")
    table = PortTable(registry)
    bad: dict[str, str] = {}
    try:
        jobs = expand_targets(registry, table)
    except PortsyncError as err:
        return str(err)
    for job in jobs:
        try:
            change = plan_file(root, job)
        except PortsyncError as err:
            bad[job.path] = str(err)
            continue
        if change.changed:
            first = change.changes[0] if change.changes else None
            bad[job.path] = (f"{first.key}: found {first.found}, would write {first.expected}"
                             if first else "would change")
    return bad


def propose(inf: Inferred) -> Proposal:
    """The ports.yaml text for what was inferred, checked so that ``--check`` passes."""
    ports = _ports(inf)
    modes: dict[str, str] = {}
    warnings = list(inf.warnings)
    parallel = len(inf.envs) > 1
    for _ in range(6):
        targets = _targets(inf, _entries(inf, ports, modes))
        text = _document(inf, ports, targets, parallel, warnings)
        problems = _problems(inf.root, text)
        if isinstance(problems, str):
            if not parallel:
                raise PortsyncError(f"import built an invalid registry: {problems}")
            parallel = False
            continue
        if not problems:
            break
        for path, why in problems.items():
            mode = modes.get(path, "set")
            modes[path] = "replace" if mode == "set" and format_of(path, None) != "text" else "skip"
            if modes[path] == "skip":
                warnings.append(f"{path}: left out ({why})")
    services = len({k[0] for k in ports.port})
    summary = (f"{services} services, {len(targets)} targets from {len(inf.placed)} port "
               f"mentions in {inf.files} files; {len(warnings)} warnings")
    return Proposal(text, summary)


def write_proposal(root: Path, proposal: Proposal) -> Output:
    """Write ports.yaml under root; never overwrite one."""
    path = root / REGISTRY_NAME
    if path.exists():
        raise UsageError(f"{path} already exists; not overwriting it "
                         "(run without --write to see the proposal)")
    fsio.write_atomic(path, proposal.text)
    return Output([f"wrote {REGISTRY_NAME}: {proposal.summary}"], [], 0)
