"""What ``import`` learns from a repository: environments, and whose port every mention is.

Every (environment, number) met in a context that makes it a port is one
port; evidence from compose service names, URL hosts, key names and folders
votes for whose port it is (docs/adoption.md). ``proposal.py`` turns the
result into ports.yaml text with targets and checks it against the real pipeline.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from portsync.adoption.discover import Mention, scan
from portsync.adoption.files import Skipped, read_for_scan, repo_files
from portsync.adoption.portrules import LOCAL_HOSTS, key_words
from portsync.registry.finding import REGISTRY_NAME

ENV_ALIASES = {"production": "production", "prod": "production", "staging": "staging",
               "stage": "staging", "development": "development", "dev": "development",
               "local": "development", "test": "test", "testing": "test"}
ENV_ORDER = ("production", "staging", "development", "test")
_SCHEMES = {"postgres": "postgres", "postgresql": "postgres", "redis": "redis",
            "rediss": "redis", "mongodb": "mongodb", "mysql": "mysql", "amqp": "rabbitmq",
            "nats": "nats", "kafka": "kafka", "influxdb": "influxdb"}
_GENERIC_DIRS = {"config", "configs", "conf", "settings", "env", "envs", "environments",
                 "deploy", "deployment", "docker", "infra", "k8s", "helm", "src", "services",
                 "apps", "packages", "examples", "scripts", "docs", "etc", "nginx", "tests"}
_GENERIC_WORDS = {"database", "db", "base", "api", "app", "server", "service", "backend",
                  "public", "internal", "external", "callback", "webhook", "redirect", "site"}
_MAIN_NAMES = {"", "http", "api", "server", "app", "web", "service", "main", "listen", "bind"}
_SKIP_NAMES = {"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Cargo.lock",
               "composer.lock", "Gemfile.lock"}
_NOISE = {"port", "ports", "url", "uri", "addr", "address", "check", "number"}
_FRAMEWORKS = {"vite", "next", "public", "react", "app", "nuxt", "expo", "vue"}
DEFAULT_ENV = "default"


def norm(name: str) -> str:
    """A service or port name as the registry writes it: ``Token_Engine`` -> ``token-engine``."""
    return "-".join(key_words(name))


@dataclass(frozen=True, slots=True)
class Placed:
    """A mention with the environment it belongs to."""

    mention: Mention
    env: str


@dataclass
class Votes:
    """Evidence for one (environment, number): whose port it is and under which name."""

    services: Counter[str] = field(default_factory=Counter)
    names: Counter[str] = field(default_factory=Counter)
    claimed: set[str] = field(default_factory=set)  # by a compose service or a URL host
    host_of: int | None = None  # published side of a mapping whose container port differs


@dataclass(frozen=True, slots=True)
class PortId:
    """Whose port a number is: (service, port name) and whether it is the published side."""

    service: str
    name: str
    host: bool


@dataclass
class Inferred:
    """Everything import learnt: placed mentions, each number's identity, warnings."""

    root: Path
    envs: list[str]
    placed: list[Placed]
    ids: dict[tuple[str, int], PortId]
    files: int
    warnings: list[str]
    skipped: list[Skipped]


def env_of(path: str) -> str | None:
    """The environment a file name (or its folder) names, if any."""
    parts = path.lower().split("/")
    words = re.split(r"[._-]+", parts[-1]) + (re.split(r"[._-]+", parts[-2]) if len(parts) > 1
                                               else [])
    return next((ENV_ALIASES[w] for w in words if w in ENV_ALIASES), None)


def _collect(root: Path) -> tuple[list[Mention], int, list[Skipped]]:
    listed = repo_files(root)
    mentions: list[Mention] = []
    skipped = list(listed.unlisted)
    for rel in listed.paths:
        name = rel.rsplit("/", 1)[-1]
        if name == REGISTRY_NAME or name in _SKIP_NAMES:
            continue
        text = read_for_scan(root, rel)
        if isinstance(text, Skipped):
            skipped.append(text)
        else:
            mentions += scan(rel, text)
    return mentions, len(listed.paths), skipped


def _place(mentions: list[Mention]) -> tuple[list[str], list[Placed]]:
    """Environments from file names; a neutral file's numbers go where they are known."""
    named = {m.path: env_of(m.path) for m in mentions}
    found = {e for e in named.values() if e}
    envs = [e for e in ENV_ORDER if e in found] or [DEFAULT_ENV]
    known: dict[int, set[str]] = defaultdict(set)
    for m in mentions:
        if named[m.path]:
            known[m.port].add(str(named[m.path]))
    best: dict[str, str] = {}
    for path in {m.path for m in mentions if not named[m.path]}:
        score = Counter(e for m in mentions if m.path == path for e in known[m.port])
        best[path] = max(envs, key=lambda e: (score[e], -envs.index(e)))
    placed = []
    for m in mentions:
        env = named[m.path] or (best[m.path] if len(known[m.port]) != 1 or best[m.path]
                                in known[m.port] else next(iter(known[m.port])))
        placed.append(Placed(m, env if env in envs else envs[0]))
    return envs, placed


def _compose_service(m: Mention) -> str | None:
    key = m.key or ()
    if len(key) >= 3 and key[0] == "services" and isinstance(key[1], str) and key[2] in (
            "ports", "expose") and "compose" in m.path.rsplit("/", 1)[-1].lower():
        return norm(key[1])
    return None


def _url_service(m: Mention) -> str | None:
    host = (m.host or "").lower()
    if m.rule not in ("url", "address") or not host or host in LOCAL_HOSTS:
        return None
    if re.fullmatch(r"[\d.]+|\[.*\]", host):
        return None
    return norm(host.split(".")[0])


def _scheme(m: Mention) -> str:
    return m.value.split(":", 1)[0].lower() if m.value and "://" in m.value else ""


def _known_services(placed: list[Placed]) -> set[str]:
    """Names that are services: compose services, URL hosts, database schemes, ``X_URL``."""
    known = set()
    for p in placed:
        m = p.mention
        known |= {s for s in (_compose_service(m), _url_service(m)) if s}
        if m.rule in ("url", "address"):
            joined = "-".join(_key_words(m))
            known.add(_SCHEMES.get(_scheme(m)) or (joined if joined not in _GENERIC_WORDS
                                                    else ""))
    return known - {""}


def _owner(m: Mention, known: set[str]) -> str | None:
    """The service a file (or a compose service's block) belongs to, from its folders."""
    key = m.key or ()
    if len(key) > 2 and key[0] == "services" and "compose" in m.path.rsplit("/", 1)[-1]:
        return norm(str(key[1]))
    folders = [norm(f) for f in m.path.split("/")[:-1]]
    return next((f for f in reversed(folders) if f in known), None) or next(
        (f for f in reversed(folders) if f and f not in _GENERIC_DIRS), None)


def _key_words(m: Mention) -> list[str]:
    """The words of the value's key without ``port``/``url``; ``health.port`` -> health."""
    strings = [k for k in (m.key or ()) if isinstance(k, str)]
    for key in reversed(strings[-2:]):
        words = [w for w in key_words(key) if w not in _NOISE]
        while words[:1] and words[0] in _FRAMEWORKS:
            words = words[1:]  # VITE_, NEXT_PUBLIC_, REACT_APP_: what the browser sees
        if words:
            return words
    return []


def _match(words: list[str], known: set[str]) -> str | None:
    """The longest run of the key's words that names a known service."""
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size + 1):
            name = "-".join(words[start:start + size])
            if name in known:
                return name
    return None


def _parent_service(m: Mention, known: set[str]) -> str | None:
    """A known service named by an enclosing key: ``pourtier: {health_port: 8091}``."""
    parents = [norm(k) for k in (m.key or ())[:-1] if isinstance(k, str)]
    return next((k for k in reversed(parents) if k in known), None)


def _vote(votes: dict[tuple[str, int], Votes], p: Placed, known: set[str]) -> None:
    m = p.mention
    here = votes[(p.env, m.port)]
    compose = _compose_service(m)
    if compose:
        here.services[compose] += 10
        here.claimed.add(compose)
        index = next((k for k in reversed(m.key or ()) if isinstance(k, int)), 0)
        here.names["http" if index == 0 else ""] += 1
        return
    url = _url_service(m)
    if url:
        here.services[url] += 5
        here.claimed.add(url)
    words = _key_words(m)
    joined = "-".join(words)
    scheme = _scheme(m)
    service = _match(words, known) or _parent_service(m, known)
    if service:
        here.services[service] += 4
        rest = "-".join(words).replace(service, "").strip("-")
        if m.rule not in ("url", "address") or rest not in _MAIN_NAMES:
            here.names["http" if rest in _MAIN_NAMES else rest] += 1
    elif m.rule in ("url", "address"):
        if scheme in _SCHEMES:
            here.services[_SCHEMES[scheme]] += 3
        elif joined and joined not in _GENERIC_WORDS:
            here.services[joined] += 3
    else:
        owner = _owner(m, known)
        if joined and owner is None and joined not in _GENERIC_WORDS:
            here.services[joined] += 2
            here.names["http"] += 1
        else:
            here.services[owner or "app"] += 2 if owner else 1
            here.names["http" if joined in _MAIN_NAMES else joined] += 2


def _link_hosts(placed: list[Placed], votes: dict[tuple[str, int], Votes]) -> None:
    """A compose ``"5433:5432"`` makes 5433 the published side of 5432's port."""
    by_value: dict[tuple[str, str, object], list[Mention]] = defaultdict(list)
    for p in placed:
        if p.mention.rule in ("host", "container"):
            by_value[(p.env, p.mention.path, p.mention.key)].append(p.mention)
    for (env, _path, _key), pair in by_value.items():
        host = next((m.port for m in pair if m.rule == "host"), None)
        container = next((m.port for m in pair if m.rule == "container"), None)
        if host is not None and container is not None and host != container:
            votes[(env, host)].host_of = container


def _identities(envs: list[str], votes: dict[tuple[str, int], Votes], warnings: list[str]
                ) -> dict[tuple[str, int], PortId]:
    ids: dict[tuple[str, int], PortId] = {}
    taken: dict[tuple[str, str, str], int] = {}
    for (env, number), v in sorted(votes.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if v.host_of is not None or not v.services:
            continue
        ranked = v.services.most_common()
        service = ranked[0][0]
        if len(v.claimed) > 1:
            warnings.append(f"port {number} ({env}) is used by several services: "
                            f"{', '.join(sorted(v.claimed))}; proposed as {service}'s")
        name = max(v.names, key=lambda n: (v.names[n], n == "http", n)) if v.names else "http"
        name = name or "http"
        base, k = name, 1
        while (service, name, env) in taken:
            k += 1
            name = f"{base}-{k}"
        taken[(service, name, env)] = number
        ids[(env, number)] = PortId(service, name, False)
    for (env, number), v in votes.items():
        if v.host_of is not None:
            owner = ids.get((env, v.host_of))
            if owner is not None and (env, number) not in ids:
                ids[(env, number)] = PortId(owner.service, owner.name, True)
            elif owner is not None:
                warnings.append(f"port {number} ({env}) is published for {owner.service} but "
                                f"also used by {ids[(env, number)].service}")
    return ids


def infer(root: Path) -> Inferred:
    """Scan the repository under root and decide whose port every number is."""
    mentions, files, skipped = _collect(root)
    envs, placed = _place(mentions)
    known = _known_services(placed)
    votes: dict[tuple[str, int], Votes] = defaultdict(Votes)
    for p in placed:
        _vote(votes, p, known)
    _link_hosts(placed, votes)
    warnings: list[str] = []
    ids = _identities(envs, votes, warnings)
    placed = [p for p in placed if (p.env, p.mention.port) in ids]
    return Inferred(root, envs, placed, ids, files, warnings, skipped)

