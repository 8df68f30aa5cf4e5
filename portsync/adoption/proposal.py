"""Turn what ``import`` inferred into ports.yaml text: services, environments, targets.

The text is built in blocks that remember what they stand for (a service, the
target of some files), so that ``proof.py`` can map an error at a line of the
proposal back to the service or file it came from. Every string is written
as YAML that reads back as that very string (``yaml_string``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from portsync.adoption.discover import kind_of
from portsync.adoption.environments import DEFAULT_ENV, slots
from portsync.adoption.inference import Inferred, Key, Placed
from portsync.adoption.naming import assigned
from portsync.adoption.servicesets import Entry, Spec, by_service
from portsync.adoption.textrules import pattern_for
from portsync.editors.yamlscalar import double_quoted, quoted
from portsync.keypath import KeyPath, Segment, render
from portsync.yamlkit import parsers

MODES = ("selectors", "indexes", "replace", "skip")  # how a file's mentions are managed
_DATA = ("yaml", "json", "toml", "env")
_TEMPLATE_SYNTAX = ("{{", "{%", "{#")
_PLAIN = re.compile(r"[A-Za-z_.][\w.\-/\[\]=,{}]*")  # plain in block context: a key path too


def yaml_string(text: str) -> str:
    """``text`` as a YAML scalar that reads back as exactly that string."""
    if _PLAIN.fullmatch(text) and parsers.resolves_to_str(text):
        return text
    return quoted(text, "'")  # double quotes where single ones cannot hold it


@dataclass(frozen=True, slots=True)
class Block:
    """Lines of the proposal and what they stand for.

    ``owner``: ``("service", NAME)``, ``("target", PATH, ...)`` or ``()`` for the header.
    """

    lines: tuple[str, ...]
    owner: tuple[str, ...] = ()


@dataclass
class Draft:
    """What to propose: modes per file, services left out, and notes for the header."""

    inf: Inferred
    modes: dict[str, str] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)
    parallel: bool = True
    notes: list[str] = field(default_factory=list)

    def mode(self, path: str) -> str:
        """How the mentions of a file are managed now."""
        return self.modes.get(path, MODES[0])

    def placed(self) -> list[Placed]:
        """The mentions of services still proposed, in files not left out."""
        return [p for p in self.inf.placed
                if p.service not in self.dropped and self.mode(p.mention.path) != "skip"]


def offsets(inf: Inferred, ports: dict[Key, dict[str, int]]) -> dict[str, int]:
    """Each environment's offset: the most common shift from the first, if two ports share it."""
    envs = list(inf.envs.names)
    found = dict.fromkeys(envs, 0)
    for env in envs[1:]:
        diffs = Counter(n[env] - n[envs[0]] for n in ports.values()
                        if env in n and envs[0] in n and n[env] != n[envs[0]])
        if diffs and diffs.most_common(1)[0][1] >= 2:
            found[env] = diffs.most_common(1)[0][0]
    return found


def _flow(pins: dict[str, int], envs: list[str]) -> str:
    return "{" + ", ".join(f"{yaml_string(e)}: {pins[e]}" for e in envs if e in pins) + "}"


def _form(observed: dict[str, int], seen: list[str], envs: list[str], shift: dict[str, int],
          fixed: bool) -> str:
    """A port as an int (the offsets give every environment) or pinned per environment."""
    if fixed or envs == [DEFAULT_ENV]:
        values = set(observed.values())
        if len(values) == 1:
            return str(values.pop())
    bases = {n - shift[e] for e, n in observed.items()}
    if set(observed) == set(seen) and len(bases) == 1 and 1 <= min(bases) <= 65535:
        return str(min(bases))
    return _flow(observed, envs)


def _service(name: str, draft: Draft, ports: dict[Key, dict[str, int]], shift: dict[str, int],
             keys: list[Key]) -> Block:
    """One service's lines; ``keys`` are its (service, port name) pairs."""
    inf, envs = draft.inf, list(draft.inf.envs.names)
    keys = sorted(keys, key=lambda k: (k[1] != "http", k[1]))
    seen = sorted({e for k in keys for e in ports[k]}, key=envs.index)
    fixed = any(shift[e] for e in seen) and all(
        len(set(ports[k].values())) == 1 and set(ports[k]) == set(seen) for k in keys)
    forms = {k[1]: _form(ports[k], seen, envs, shift, fixed) for k in keys}
    hosts = {k[1]: _form(inf.host[k], seen, envs, shift, fixed) if set(inf.host[k]) == set(seen)
             else _flow(inf.host[k], envs) for k in keys if k in inf.host}
    lines = [f"  {yaml_string(name)}:"]
    if list(forms) == ["http"]:
        lines.append(f"    port: {forms['http']}")
        if "http" in hosts:
            lines.append(f"    host_port: {hosts['http']}")
    else:
        lines.append("    ports: {" + ", ".join(f"{yaml_string(n)}: {f}" for n, f in forms.items())
                     + "}")
        if hosts:
            lines.append("    host_ports: {" + ", ".join(
                f"{yaml_string(n)}: {f}" for n, f in hosts.items()) + "}")
    published = inf.published.get(name)
    if published is not None and set(published) != set(forms):
        chosen = [n for n in forms if n in published]
        lines.append(f"    publish: [{', '.join(map(yaml_string, chosen))}]" if chosen else
                     "    publish: false")
    if fixed:
        lines.append("    fixed: true")
    if envs not in ([DEFAULT_ENV], seen):
        lines.append(f"    environments: [{', '.join(map(yaml_string, seen))}]")
    if any(n < 1024 for k in keys for n in (*ports[k].values(), *inf.host.get(k, {}).values())):
        lines.append("    privileged: true")
    return Block(tuple(lines), ("service", name))


def _expr(p: Placed, published: dict[str, set[str] | None]) -> str:
    args = f"'{p.service}'" + ("" if p.name == "http" else f", '{p.name}'")
    chosen = published.get(p.service)
    use_host = p.host and (chosen is None or p.name in chosen)
    return f"{{{{ {'host_port' if use_host else 'port'}({args}) }}}}"


def _path_text(p: Placed, selectors: bool) -> tuple[str, int] | None:
    """The key path of a mention's value and where its value starts in the scalar.

    With ``selectors``, list items are picked by ``[name=x]`` or
    ``[kind=K,metadata.name=N]`` where they can be, and a compose ``NAME=value``
    list item by its NAME; else by index.
    """
    m = p.mention
    if m.key is None or m.value is None:
        return None
    segments: list[Segment] = []
    chosen = iter(m.selectors)
    for segment in m.key:
        selector = next(chosen, None) if isinstance(segment, int) else None
        segments.append(selector if selectors and selector is not None else segment)
    skip = 0
    variable = assigned(m)
    if selectors and variable and isinstance(m.key[-1], int) and \
            m.value.startswith(variable + "="):  # compose's list form: - PORT=8080
        segments[-1] = variable
        skip = len(variable) + 1
    key: KeyPath = tuple(segments)
    return render(key), skip


def _entries(draft: Draft) -> dict[tuple[str, str], Entry]:
    inf = draft.inf
    entries: dict[tuple[str, str], Entry] = defaultdict(Entry)
    by_value: dict[tuple[str, str, str], list[tuple[Placed, int]]] = defaultdict(list)
    texts: dict[str, list[Placed]] = defaultdict(list)
    for p in draft.placed():
        mode = draft.mode(p.mention.path)
        located = _path_text(p, mode == "selectors") if mode in MODES[:2] and \
            kind_of(p.mention.path) in _DATA else None
        value = p.mention.value or ""
        if located is not None and not any(s in value for s in _TEMPLATE_SYNTAX):
            by_value[(p.mention.path, p.env, located[0])].append((p, located[1]))
        else:
            texts[p.mention.path].append(p)
    for path, placed in texts.items():
        _add_rules(draft, path, placed, entries)
    for (path, env, key), group in by_value.items():
        skip = group[0][1]
        value = str(group[0][0].mention.value)
        out, pos = [], skip
        for p, _ in sorted(group, key=lambda g: g[0].mention.offset):
            start = p.mention.offset
            if start >= pos:
                out += [value[pos:start], _expr(p, inf.published)]
                pos = start + len(str(p.mention.port))
        entries[(path, env)].sets[key] = "".join(out) + value[pos:]
    return entries


def _add_rules(draft: Draft, path: str, placed: list[Placed],
               entries: dict[tuple[str, str], Entry]) -> None:
    """``replace`` rules for the mentions of one file that no ``set`` can reach."""
    text = draft.inf.texts[path]
    exprs = {id(p): (p.env, _expr(p, draft.inf.published)) for p in placed}
    mentions = [p.mention for p in draft.inf.placed if p.mention.path == path]
    for p in placed:
        same = {q.mention.start for q in placed if exprs[id(q)] == exprs[id(p)]}
        pattern = pattern_for(text, p.mention, mentions, same)
        if pattern is not None:
            entries[(path, p.env)].rules[pattern] = exprs[id(p)][1]


def _target(spec: Spec) -> Block:
    lines = [f"  - path: {yaml_string(spec.path)}"]
    if spec.services is not None:
        lines.append(f"    services: [{', '.join(map(yaml_string, spec.services))}]")
    if spec.envs is not None:
        lines.append(f"    environments: [{', '.join(map(yaml_string, spec.envs))}]")
    if spec.entry.sets:
        lines.append("    set:")
        lines += [f"      {yaml_string(k)}: {double_quoted(v)}" for k, v in spec.entry.sets.items()]
    if spec.entry.rules:
        lines.append("    replace:")
        for pattern, value in spec.entry.rules.items():
            lines += [f"      - pattern: {yaml_string(pattern)}",
                      f"        value: {double_quoted(value)}"]
    return Block(tuple(lines), ("target", *spec.files))


def _specs(draft: Draft) -> list[Spec]:
    """One target per file, or per ``{env}`` file set, holding its set entries and rules."""
    envs = list(draft.inf.envs.names)
    multi = envs != [DEFAULT_ENV]
    groups: dict[str, dict[str, tuple[str, Entry]]] = defaultdict(dict)
    out = []
    for (path, env), entry in sorted(_entries(draft).items()):
        # The file set's pattern: the first place its name (or a folder) names env.
        pattern = next((s.pattern for s in slots(path) if s.word == env), None) \
            if multi else None
        if pattern is not None:
            groups[pattern][env] = (path, entry)
        else:
            out.append(Spec(path, [env] if multi else None, entry, (path,)))
    for pattern, members in groups.items():
        names = sorted(members, key=envs.index)
        first = members[names[0]][1]
        common = Entry({k: v for k, v in first.sets.items()
                        if all(members[e][1].sets.get(k) == v for e in names)},
                       {k: v for k, v in first.rules.items()
                        if all(members[e][1].rules.get(k) == v for e in names)})
        files = tuple(members[e][0] for e in names)
        if len(names) > 1 and (common.sets or common.rules):
            out.append(Spec(pattern, None if names == envs else names, common, files))
        else:
            common = Entry()
        for env in names:
            path, entry = members[env]
            rest = Entry({k: v for k, v in entry.sets.items() if k not in common.sets},
                         {k: v for k, v in entry.rules.items() if k not in common.rules})
            if rest.sets or rest.rules:
                out.append(Spec(path, [env], rest, (path,)))
    return out


def targets(draft: Draft, services: list[str]) -> list[Block]:
    """The proposal's targets, repetitions per environment and per service folded."""
    return [_target(spec) for spec in by_service(_specs(draft), services)]


def project_name(draft: Draft) -> str:
    """The project name: the repository folder's name."""
    return re.sub(r"[^\w.-]+", "-", draft.inf.root.name) or "project"


def document(draft: Draft) -> list[Block]:
    """The whole proposal, block by block."""
    inf = draft.inf
    placed = draft.placed()
    ports: dict[Key, dict[str, int]] = defaultdict(dict)
    for p in placed:
        key = (p.service, p.name)
        ports[key] = inf.port[key]
    shift = offsets(inf, ports)
    envs = list(inf.envs.names)
    head = [f"# ports.yaml proposed by `portsync import` from {len(placed)} of {inf.found} port "
            f"mentions in {inf.files} file{'s' if inf.files != 1 else ''}.",
            "# Service and port names come from compose services, Kubernetes objects, URL",
            "# hosts, keys and folders: review them, then run `portsync --check` and",
            "# `portsync audit`. `publish:` lists the ports some compose file publishes on",
            "# the host (false: none); `privileged: true` marks a port below 1024."]
    notes = [*inf.warnings, *draft.notes]
    if notes:
        head += ["#", "# Found while importing:",
                 *(f"#   - {' '.join(n.split())}" for n in notes)]
    head += ["version: 1", f"project: {yaml_string(project_name(draft))}"]
    if draft.parallel and len(envs) > 1:
        head.append("parallel_environments: true   # no port number repeats across environments")
    if envs != [DEFAULT_ENV]:
        head.append("environments:")
        head += [f"  {yaml_string(e)}: {{offset: {shift[e]}}}" if shift[e] else
                 f"  {yaml_string(e)}: {{}}" for e in envs]
    services = sorted({k[0] for k in ports})
    found = targets(draft, services)
    head.append("services:" if ports else "services: {}")
    blocks = [Block(tuple(head))]
    by_service: dict[str, list[Key]] = defaultdict(list)
    for key in ports:
        by_service[key[0]].append(key)
    blocks += [_service(s, draft, ports, shift, by_service[s]) for s in services]
    blocks.append(Block(("targets:" if found else "targets: []",)))
    return blocks + found
