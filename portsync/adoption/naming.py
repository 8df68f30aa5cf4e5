"""The words import names services and ports with, and the ones that never name a service."""

from __future__ import annotations

import re

from portsync.adoption.environments import ENV_ALIASES
from portsync.adoption.mentions import Mention
from portsync.adoption.portrules import LOCAL_HOSTS, key_words

# Words that make a folder a place for files, not a service (k8s-specifications, docs...).
FOLDER_WORDS = {"config", "configs", "conf", "settings", "env", "envs", "environments",
                 "deploy", "deployment", "deployments", "docker", "compose", "infra", "k8s",
                 "kubernetes", "kustomize", "helm", "chart", "charts", "manifests",
                 "specifications", "specs", "spec", "src", "services", "apps", "packages",
                 "examples", "example", "scripts", "docs", "doc", "etc", "tests",
                 "test", "healthchecks", "monitoring", "provisioning", "datasources",
                 "templates", "base", "overlays", "lib", "internal", "cmd", "build", "ci",
                 "github", "workflows", "tools", "hack", "release", "static", "public",
                 "assets", "resources", "main", "deploystack", "istio", "ops", "devops"}
# Words that name no service on their own (API_PORT, DATABASE_URL, server.port).
GENERIC = {"database", "db", "base", "api", "app", "application", "server", "service",
           "services", "backend", "public", "internal", "external", "callback", "webhook",
           "redirect", "site", "http", "https", "grpc", "tcp", "udp", "ws", "wss", "web", "local",
           "remote", "default", "main", "host", "hostname", "listen", "bind", "port", "ports",
           "url", "uri", "addr", "address", "endpoint", "endpoints", "target", "targets", "test",
           "tests", "health", "healthcheck", "metrics", "debug", "admin", "proxy", "upstream",
           "origin", "next", "vite", "react", "nuxt", "expo", "vue", "otel", "otlp", "exporter",
           "traces", "logs", "node", "container", "dev", "prod", "stage", "staging", "data",
           "seed", *ENV_ALIASES}
_FRAMEWORKS = {"vite", "next", "public", "react", "app", "nuxt", "expo", "vue"}
ADDRESS_TAILS = {"url", "uri", "addr", "address", "host", "dsn"}
SCHEMES = {"postgres": "postgres", "postgresql": "postgres", "redis": "redis",
            "rediss": "redis", "mongodb": "mongodb", "mysql": "mysql", "amqp": "rabbitmq",
            "nats": "nats", "kafka": "kafka", "influxdb": "influxdb"}
_CLUSTER_SUFFIX = re.compile(r"\.(?:svc(?:\.cluster\.local)?|cluster\.local|local|internal)$")


_ASSIGNED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=[\"']?$")


def assigned(m: Mention) -> str | None:
    """The variable a ``KEY=N`` mention assigns (``PORT`` in ``cross-env PORT=8081 mocha``)."""
    if m.rule != "assign" or m.value is None:
        return None
    found = _ASSIGNED.search(m.value[:m.offset])
    return found.group(1) if found else None


def norm(name: str) -> str:
    """A service or port name as the registry writes it: ``Token_Engine`` -> ``token-engine``."""
    return "-".join(key_words(name))


def plausible(name: str) -> bool:
    """Whether a name can be a service: not generic, an environment, a number or too long."""
    words = name.split("-")
    return bool(name) and name not in GENERIC and not name.isdigit() and len(words) <= 4 \
        and not all(w in GENERIC for w in words)


def host_service(host: str | None, known: frozenset[str] = frozenset()) -> str | None:
    """The service a URL host names (``courier``, ``redis-cart``); not localhost, not a domain.

    A host that is one of the ``known`` services names it even when its name is generic
    (a compose service ``db``).
    """
    host = (host or "").lower()
    if not host or host in LOCAL_HOSTS or re.fullmatch(r"[\d.]+|\[.*\]", host):
        return None
    host = _CLUSTER_SUFFIX.sub("", host)
    first = host.split(".")[0]
    if "." in host and not host.endswith(".default"):
        return None  # a public domain name (api.example.com) is not a service here
    name = norm(first)
    return name if plausible(name) or name in known else None


def _strip(words: list[str]) -> list[str]:
    while words[:1] and words[0] in _FRAMEWORKS:
        words = words[1:]  # VITE_, NEXT_PUBLIC_, REACT_APP_: what the browser sees
    return words


def split_port_key(key: str) -> tuple[list[str], list[str]]:
    """``OTEL_COLLECTOR_PORT_GRPC`` -> (["otel", "collector"], ["grpc"]): owner and port words."""
    words = _strip(key_words(key))
    if "port" in words:
        at = len(words) - 1 - words[::-1].index("port")
        return words[:at], words[at + 1:]
    if words and words[-1] in ADDRESS_TAILS:
        return words[:-1], []
    return words, []


def match_known(words: list[str], known: frozenset[str]) -> tuple[str, list[str]] | None:
    """The longest run of words naming a known service, and the words left around it."""
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size + 1):
            name = "-".join(words[start:start + size])
            if name in known:
                return name, words[:start] + words[start + size:]
    return None


def name_from(words: list[str]) -> str | None:
    """A port name from the words a key leaves once its service is taken out."""
    kept = [w for w in words if w not in ("port", "ports", "number")]
    if not kept or all(w in ("api", "http", "server", "app", "web", "main", "service")
                       for w in kept):
        return None
    return "-".join(kept)


def trailing_generic(words: list[str]) -> int:
    """How many words at the end are generic (``embed-service``: 1)."""
    count = 0
    for word in reversed(words):
        if word not in GENERIC:
            break
        count += 1
    return count


def service_folder(name: str) -> bool:
    """Whether a folder can be a service's own: ``api``, ``web``, not ``k8s-specifications``."""
    words = name.split("-")
    return bool(name) and not name.isdigit() and len(words) <= 4 and \
        not set(words) & (FOLDER_WORDS | set(ENV_ALIASES))


def own_name(name: str | None, service: str) -> str | None:
    """A port name without the service's own words: ``vote-service`` of vote -> None (http)."""
    drop = {*service.split("-"), "service", "svc", "port", "ports"}
    words = [w for w in (name or "").split("-") if w and w not in drop]
    return "-".join(words) or None


# Services other services' configs name by their kind (REDIS_PORT in an api's .env).
INFRA = {"redis", "postgres", "postgresql", "mysql", "mariadb", "mongo", "mongodb", "kafka",
          "rabbitmq", "amqp", "elasticsearch", "opensearch", "memcached", "zookeeper", "nats",
          "influxdb", "minio", "etcd", "consul", "vault", "smtp", "mail", "ldap", "sentry",
          "jaeger", "prometheus", "grafana", "collector", "otel", "solana", "rpc", "s3"}
# Words with which a file declares a port of its own service (PORT, API_PORT, WS_PORT).
OWN_WORDS = {"api", "app", "server", "http", "https", "web", "main", "service", "listen", "bind",
              "grpc", "ws", "wss", "metrics", "health", "admin", "debug", "internal", "external",
              "public", "ui", "socket", "websocket", "rpc", "check"}


def similar(a: str, b: str) -> bool:
    """Whether two service names share a word that is not generic (grafana-core, grafana)."""
    return bool((set(a.split("-")) & set(b.split("-"))) - GENERIC)
