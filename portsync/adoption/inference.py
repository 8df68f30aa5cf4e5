"""What ``import`` learns from a repository: environments, and whose port every mention is.

Each mention's context gives evidence (``evidence.py``); a mention whose
context names no service firmly is resolved by its number: the one service
that firmly owns that number in that environment, if there is exactly one.
Port names come from the keys, Kubernetes port names and compose comments
that call them something (``METRICS_PORT``, ``name: grpc``, ``# health``);
the main one is ``http``. ``proposal.py`` turns the result into ports.yaml.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from portsync.adoption.compose import ComposeFile, PortVariable
from portsync.adoption.discover import kind_of, scan_all
from portsync.adoption.environments import DEFAULT_ENV, Environments, find_environments
from portsync.adoption.evidence import FOLDER, Evidence, Facts, evidence
from portsync.adoption.files import Skipped, repo_files
from portsync.adoption.mentions import Mention
from portsync.adoption.naming import host_service, norm, plausible, similar
from portsync.adoption.portnames import PortNamer, Vote, comment_name
from portsync.registry.finding import REGISTRY_NAME

_SKIP_NAMES = {"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Cargo.lock",
               "composer.lock", "Gemfile.lock", "go.sum"}
Key = tuple[str, str]  # (service, port name)


@dataclass(frozen=True, slots=True)
class Placed:
    """A mention with its environment and whose port it is (``host``: the published side).

    ``firm``: its own context names that service (not its number alone, not a new name).
    """

    mention: Mention
    env: str
    service: str
    name: str
    host: bool
    firm: bool = False


@dataclass
class Inferred:
    """Everything import learnt: the ports, each placed mention, the texts it read, warnings."""

    root: Path
    envs: Environments
    placed: list[Placed]
    port: dict[Key, dict[str, int]]
    host: dict[Key, dict[str, int]]
    published: dict[str, set[str] | None]  # service -> published port names; None: all
    texts: dict[str, str]
    files: int
    found: int
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Repo:
    texts: dict[str, str]
    mentions: list[Mention]
    compose: dict[str, ComposeFile]
    files: int
    skipped: list[Skipped]


def _collect(root: Path) -> _Repo:
    listed = repo_files(root)
    repo = _Repo({}, [], {}, len(listed.paths), list(listed.unlisted))
    wanted = [rel for rel in listed.paths
              if rel.rsplit("/", 1)[-1] not in _SKIP_NAMES | {REGISTRY_NAME}]
    for scanned in scan_all(root, wanted):
        if isinstance(scanned.text, Skipped):
            repo.skipped.append(scanned.text)
            continue
        if scanned.mentions:
            repo.texts[scanned.path] = scanned.text
            repo.mentions += scanned.mentions
        if scanned.compose is not None:
            repo.compose[scanned.path] = scanned.compose
    return repo


def _facts(root: Path, repo: _Repo, kinds: dict[str, str]) -> Facts:
    known = {norm(s) for c in repo.compose.values() for s in c.services}
    for m in repo.mentions:
        doc = m.document
        if doc is not None and doc.is_object:
            known.add(norm(doc.owner))
        elif kinds[m.path] in ("yaml", "json", "toml", "env"):
            known.add(host_service(m.host) or "")
    folders = tuple(pair for c in repo.compose.values() for pair in c.contexts)
    known |= {norm(s) for _, s in folders}
    variables: dict[str, PortVariable] = {}
    for compose in repo.compose.values():
        for variable in compose.variables:
            variables.setdefault(variable.name, variable)
    project = norm(root.name)
    built: dict[str, str] = {}
    for folder, service in folders:
        built.setdefault(folder, service)  # the first compose service built from it
    return Facts(frozenset(known - {""}), frozenset(repo.compose), built, variables,
                 project if plausible(project) else "app")


def _place(mentions: list[Mention], envs: Environments) -> list[str]:
    """Each mention's environment: its file's, else where its number is already known."""
    names = list(envs.names)
    if names == [DEFAULT_ENV]:
        return [DEFAULT_ENV] * len(mentions)
    known: dict[int, set[str]] = defaultdict(set)
    for m in mentions:
        env = envs.named(m.path)
        if env:
            known[m.port].add(env)
    score: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mentions:
        if not envs.named(m.path):
            score[m.path].update(known[m.port])
    best = {path: max(names, key=lambda e: (votes[e], -names.index(e)))
            for path, votes in score.items()}
    placed = []
    for m in mentions:
        env = envs.named(m.path)
        if env is None:
            here = known[m.port]
            env = best[m.path] if len(here) != 1 or best[m.path] in here else next(iter(here))
        placed.append(env)
    return placed


def _choose(e: Evidence, owners: set[str], claims: Counter[str], publishing: set[str]
            ) -> str | None:
    """The service of one mention, given the firm owners and every claim of its number.

    A reference its context does not name (``localhost:8080`` in a README) goes to
    the one firm owner of its number; of several, to the one that publishes it.
    """
    if e.firm:
        return e.service
    if e.service is not None:
        alike = sorted(o for o in owners if similar(o, e.service))
        if len(alike) == 1:  # a row grafana-core for Grafana's published 3010
            return alike[0]
        if not owners:  # EMBED_SERVICE_URL and a table row driftos-embed-enterprise: the row
            best = max(sorted(claims), key=lambda c: claims[c])
            return best if claims[best] > claims[e.service] else e.service
        return e.service
    if len(owners) == 1:
        return next(iter(owners))
    if e.fallback in owners:
        return e.fallback
    if len(owners & publishing) == 1:
        return next(iter(owners & publishing))
    if not owners and claims:  # only new names claim it: the strongest, if one is
        ranked = claims.most_common(2)
        return ranked[0][0] if len(ranked) == 1 or ranked[0][1] > ranked[1][1] else None
    if not owners and e.declares:
        return e.fallback
    return None


@dataclass(frozen=True, slots=True)
class _Claim:
    mention: Mention
    env: str
    evidence: Evidence
    service: str


def _resolve(mentions: list[Mention], envs: list[str], found: list[Evidence]) -> list[_Claim]:
    owners: dict[tuple[str, int], set[str]] = defaultdict(set)
    claims: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    publishing: dict[tuple[str, int], set[str]] = defaultdict(set)
    for m, env, e in zip(mentions, envs, found, strict=True):
        if e.firm:
            owners[(env, m.port)].add(str(e.service))
        if e.service is not None and e.strength >= FOLDER:
            claims[(env, m.port)][e.service] += e.strength
        if e.publishes and e.service is not None:
            publishing[(env, m.port)].add(e.service)
    out = []
    for m, env, e in zip(mentions, envs, found, strict=True):
        at = (env, m.port)
        service = _choose(e, owners[at], claims[at], publishing[at])
        if service is not None:
            out.append(_Claim(m, env, e, service))
    return out


def _vote(c: _Claim, texts: dict[str, str]) -> Vote:
    """What a claim says about the name of its port."""
    hint = c.evidence.name if c.evidence.service == c.service else None
    if c.mention.rule in ("host", "container") and hint is None:
        text = texts[c.mention.path]
        end = text.find("\n", c.mention.end)
        hint = comment_name(text[c.mention.end:end if end >= 0 else len(text)])
    return Vote(c.service, c.env, c.mention.port, hint, c.mention.rule in ("url", "address"))


def _compose_side(m: Mention) -> str | None:
    """Which side of a compose port mapping a mention is, if it is one."""
    if m.rule in ("host", "container"):
        return m.rule
    last = m.key[-1] if m.rule == "key" and m.key else None
    return {"published": "host", "target": "container"}.get(str(last))


def _variable_links(claims: list[_Claim], facts: Facts) -> dict[tuple[str, str, int], int]:
    """Compose ``"${HOST_PORT}:${PORT}"``: the published number -> the container's, per env."""
    values = {(str(c.mention.key[0]), c.env): c.mention.port for c in claims
              if c.mention.key and len(c.mention.key) == 1 and c.mention.rule == "key"}
    links = {}
    for variable in facts.variables.values():
        for (name, env), number in values.items():
            inner = values.get((variable.container or "", env))
            if name == variable.name and inner is not None:
                links[(norm(variable.service), env, number)] = inner
    return links


def _links(claims: list[_Claim]) -> dict[tuple[str, str, int], int]:
    """Compose ``"5433:5432"``: (service, env, 5433) -> 5432, the port it publishes."""
    sides: dict[tuple[str, str, object], dict[str, int]] = defaultdict(dict)
    owner: dict[tuple[str, str, object], str] = {}
    for c in claims:
        side = _compose_side(c.mention) if c.evidence.container else None
        if side is not None and c.mention.key:
            key = c.mention.key[:-1] if c.mention.rule == "key" else c.mention.key
            sides[(c.mention.path, c.env, key)].setdefault(side, c.mention.port)
            owner[(c.mention.path, c.env, key)] = c.service
    return {(owner[group], group[1], pair["host"]): pair["container"]
            for group, pair in sides.items() if "host" in pair and "container" in pair}


def _sides(claims: list[_Claim], links: dict[tuple[str, str, int], int]) -> list[bool]:
    """Whether each claim is the published side of its service's port."""
    containers = {(c.service, c.env, c.mention.port) for c in claims
                  if c.evidence.host is False and c.evidence.service == c.service}
    out = []
    for c in claims:
        at = (c.service, c.env, c.mention.port)
        if c.evidence.service == c.service and c.evidence.host is not None:
            out.append(c.evidence.host and at in links)
        else:
            out.append(at not in containers and at in links)
    return out


def infer(root: Path) -> Inferred:
    """Scan the repository under root and decide whose port every mention is."""
    repo = _collect(root)
    kinds = {path: kind_of(path) for path in repo.texts}
    envs = find_environments(sorted(repo.texts), kinds)
    facts = _facts(root, repo, kinds)
    found = [evidence(m, facts, kinds[m.path]) for m in repo.mentions]
    claims = _resolve(repo.mentions, _place(repo.mentions, envs), found)
    links = _links(claims) | _variable_links(claims, facts)
    sides = _sides(claims, links)
    namer = PortNamer(_vote(c, repo.texts) for c, host in zip(claims, sides, strict=True)
                      if not host)
    port: dict[Key, dict[str, int]] = defaultdict(dict)
    host: dict[Key, dict[str, int]] = defaultdict(dict)
    placed: list[Placed] = []
    warnings: list[str] = []
    containers = {c.service for c in claims if c.evidence.container} | {
        norm(s) for compose in repo.compose.values() for s in compose.services}
    published: dict[str, set[str] | None] = {s: set() for s in containers}
    for c, is_host in zip(claims, sides, strict=True):
        number = links[(c.service, c.env, c.mention.port)] if is_host else c.mention.port
        name = namer.name(c.service, c.env, number)
        port[(c.service, name)][c.env] = number
        if is_host:
            shown = host[(c.service, name)].setdefault(c.env, c.mention.port)
            if shown != c.mention.port:
                warnings.append(f"{c.mention.path}:{c.mention.line}: {c.service} publishes "
                                f"{number} as {shown} elsewhere; left out")
                continue
        if c.service in containers and (is_host or c.evidence.publishes):
            services_published = published[c.service]
            assert services_published is not None
            services_published.add(name)
        firm = c.evidence.firm and c.evidence.service == c.service
        placed.append(Placed(c.mention, c.env, c.service, name, is_host, firm))
    for key in list(host):
        for env, number in list(host[key].items()):
            if port[key].get(env) == number:
                del host[key][env]
        if not host[key]:
            del host[key]
    for service in {c.service for c in claims} - containers:
        published[service] = None
    return Inferred(root, envs, placed, dict(port), dict(host), published, repo.texts,
                    repo.files, len(repo.mentions), repo.skipped, warnings)

