"""Whose port a mention is, from the structure around it (docs/adoption.md, "Whose port").

Services are named where the repository names them: compose service keys,
Kubernetes ``metadata.name`` (a Service's by the app it selects), URL hosts,
a folder a service is built from or lives in, ``X_PORT`` variable names. A key
that is not a service (a healthcheck's ``test:``, ``endpoint``, Prometheus's
``targets``) never names one, and neither does a folder such as
``k8s-specifications``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portsync.adoption.compose import PortVariable
from portsync.adoption.mentions import Mention
from portsync.adoption.naming import (
    ADDRESS_TAILS,
    FOLDER_WORDS,
    GENERIC,
    INFRA,
    OWN_WORDS,
    SCHEMES,
    assigned,
    host_service,
    match_known,
    name_from,
    norm,
    own_name,
    plausible,
    service_folder,
    split_port_key,
    trailing_generic,
)
from portsync.adoption.portrules import LOCAL_HOSTS, key_words

STRUCTURE, KEY, FOLDER, NONE = 3, 2, 1, 0


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a mention's context says about whose port it is.

    ``strength``: STRUCTURE (compose, Kubernetes, a URL host, a table row),
    KEY (a key or variable naming the service), FOLDER (the file's own
    service declares a port: ``PORT=``, ``EXPOSE``), NONE (a reference that
    only its number can resolve; ``fallback`` is its file's service, if any).
    ``new``: the name comes from this key, row or folder alone, so it yields
    to a service that firmly owns the same number and shares a word with it
    (a row ``grafana-core`` for Grafana's 3010). ``host``: the published side
    (True), the container side (False) or unknown. ``publishes``: a compose
    ``ports:`` mapping or a nodePort publishes it.
    """

    service: str | None
    strength: int
    name: str | None = None
    host: bool | None = None
    new: bool = False
    publishes: bool = False
    container: bool = False
    fallback: str | None = None
    declares: bool = False  # PORT=8000 at the root: the project's own port, if no one else's

    @property
    def firm(self) -> bool:
        """Whether this evidence alone decides the service."""
        return self.service is not None and self.strength >= KEY and not self.new


@dataclass(frozen=True, slots=True)
class Facts:
    """What the whole repository says about its services, before any single mention."""

    known: frozenset[str]
    compose_files: frozenset[str]
    folders: dict[str, str]  # folder -> the (first) service built from it
    variables: dict[str, PortVariable] = field(default_factory=dict)  # compose ${VAR} ports
    project: str = "app"  # the service of a port the repository's root files declare


def _key_evidence(key: str, m: Mention, facts: Facts, local: bool) -> Evidence | None:
    """A key (or env variable) naming a known service, or one new name it can stand for."""
    owner_words, tail = split_port_key(key)
    found = match_known(owner_words, facts.known)
    if found is not None:
        service, rest = found
        return Evidence(service, KEY, name_from(rest + tail))
    is_address = m.rule in ("url", "address")
    tail_word = key_words(key)[-1:] if key_words(key) else []
    if is_address and not (local and tail_word and tail_word[0] in ADDRESS_TAILS):
        return None  # only FOO_URL / FOO_ADDR name their service FOO
    words = key_words(key)
    if "port" not in words and not (words and words[-1] in ADDRESS_TAILS):
        return None  # scripts.preview, healthcheck test: a key that does not describe a port
    kept = [w for w in owner_words if w not in GENERIC]
    name = "-".join(owner_words[:len(owner_words) - trailing_generic(owner_words)])
    if kept and plausible(name):
        return Evidence(name, KEY, name_from(tail), new=True)
    return None


def folder_service(path: str, facts: Facts) -> str | None:
    """The service a file's folders name: one built from it, a known one, else a plain folder."""
    folders = path.split("/")[:-1]
    for depth in range(len(folders), 0, -1):
        folder = "/".join(folders[:depth])
        built = facts.folders.get(folder)
        if built is not None:
            return norm(built)
    named = [norm(f) for f in folders]
    known = next((f for f in reversed(named) if f in facts.known), None)
    if known is not None:
        return known
    return next((f for f in reversed(named) if service_folder(f)), None)


def _local(m: Mention) -> bool:
    return m.rule not in ("url", "address") or (m.host or "").lower() in LOCAL_HOSTS


def _compose(m: Mention, service: str, facts: Facts) -> Evidence:
    key = m.key or ()
    part = key[2] if len(key) > 2 else None
    if part in ("ports", "expose") and m.rule in ("host", "container", "key"):
        host = m.rule == "host" or key[-1] == "published"
        published = part == "ports" and (m.rule == "host" or key[-1] == "published")
        return Evidence(service, STRUCTURE, None, host, publishes=published, container=True)
    other = host_service(m.host, facts.known) if not _local(m) else None
    if other is not None and other != service:
        return Evidence(other, STRUCTURE)
    words = [k for k in key[3:] if isinstance(k, str)]
    variable = assigned(m)
    if part == "environment" and (variable or words):
        named = _key_evidence(variable or words[-1], m, facts, _local(m))
        if named is not None and named.service != service and not named.new:
            return named
        if m.rule in ("url", "address"):  # localhost:3003 from a browser: whoever publishes it
            return Evidence(None, NONE, fallback=service)
        return Evidence(service, STRUCTURE, named.name if named else None, container=True)
    return Evidence(service, STRUCTURE, None, None if part == "environment" else False,
                    container=True)


def _item_name(m: Mention, list_key: str) -> str | None:
    """The ``name`` of the item of list ``list_key`` the mention is in (``ports[name=grpc]``)."""
    key = m.key or ()
    index = -1
    found = None
    for before, segment in zip((None, *key), key, strict=False):
        if isinstance(segment, int):
            index += 1
            if before == list_key and index < len(m.selectors):
                found = m.selectors[index]
    if found is None or found.conditions[0][0] != ("name",):
        return None
    return found.conditions[0][1]


def _kubernetes(m: Mention, facts: Facts) -> Evidence:
    doc = m.document
    assert doc is not None
    service = norm(doc.owner)
    other = host_service(m.host, facts.known) if not _local(m) else None
    if other is not None and other != service:
        return Evidence(other, STRUCTURE)
    key = m.key or ()
    last = key[-1] if key else None
    item = _item_name(m, "ports")
    item_name = norm(item) if item else None
    if doc.kind == "Service" and last in ("port", "targetPort", "nodePort"):
        if last == "nodePort":
            return Evidence(service, STRUCTURE, "node", False, publishes=True, container=True)
        # frontend-external's port 80 is frontend's "external" port; its targetPort is frontend's.
        suffix = norm(doc.name).removeprefix(service).strip("-") if last == "port" else None
        named = own_name(suffix, service) or own_name(item_name, service)
        return Evidence(service, STRUCTURE, named, False if last == "targetPort" else None,
                        container=True)
    if m.label is not None and last == "value":  # env: {name: PORT, value: "8080"}
        owner, tail = split_port_key(m.label)
        found = [w for w in owner if w not in GENERIC]
        if found and norm("-".join(found)) != service:
            return Evidence(norm("-".join(found)), KEY, name_from(tail), new=True)
        return Evidence(service, STRUCTURE, name_from(tail), False, container=True)
    port_name = own_name(item_name, service) if last == "containerPort" else None
    return Evidence(service, STRUCTURE, port_name, False, container=True)


_DECLARING = ("key", "assign", "flag", "listen", "expose")


def evidence(m: Mention, facts: Facts, kind: str) -> Evidence:
    """What the mention's own context says about whose port it is."""
    key = m.key or ()
    if m.path in facts.compose_files and len(key) > 1 and key[0] == "services" and \
            isinstance(key[1], str):
        return _compose(m, norm(key[1]), facts)
    if m.document is not None and m.document.is_object:
        return _kubernetes(m, facts)
    if kind == "env" and len(key) == 1 and str(key[0]) in facts.variables and m.rule == "key":
        return _variable(facts.variables[str(key[0])])
    local = _local(m)
    other = host_service(m.host, facts.known) if not local else None
    if other is not None:
        data = kind in ("yaml", "json", "toml", "env")
        return Evidence(other, STRUCTURE, new=not data and other not in facts.known)
    if m.label is not None and kind == "markdown":
        return _row(m.label, facts)
    strings = [k for k in key if isinstance(k, str)]
    own = assigned(m) or (strings[-1] if strings else None)
    if own is not None:
        named = _key_evidence(own, m, facts, local)
        home = folder_service(m.path, facts) if named is not None and named.new else None
        if named is not None and home in facts.known and \
                not set(str(named.service).split("-")) & INFRA:
            # bridge_port in passeur's own config: passeur's bridge port, not a service "bridge"
            return Evidence(home, KEY, "-".join(filter(None, (named.service, named.name))))
        if named is not None:
            return named
    parent = _parent(m, strings, own, facts)
    if parent is not None:
        return parent if parent.service else Evidence(None, NONE,
                                                      fallback=folder_service(m.path, facts))
    if not local and m.rule in ("url", "address"):
        scheme = (m.value or "").split("://", 1)[0].lower() if "://" in (m.value or "") else ""
        if scheme in SCHEMES:
            return Evidence(SCHEMES[scheme], KEY, new=SCHEMES[scheme] not in facts.known)
    owner = folder_service(m.path, facts)
    words = split_port_key(own)[0] if own is not None and m.rule != "expose" else []
    if m.rule not in _DECLARING or set(words) - OWN_WORDS:
        return Evidence(None, NONE, fallback=owner)  # DB_PORT in the api's .env: the db's
    name = name_from(words + (split_port_key(own)[1] if own is not None else []))
    direct = len(key) > 1 and isinstance(key[-2], str)
    if name is None and direct and not words:  # health: {port: 8793}: the health port
        name = name_from(key_words(str(key[-2])))
    if owner is not None:
        return Evidence(owner, FOLDER, name, new=owner not in facts.known)
    return Evidence(None, NONE, name, fallback=facts.project, declares=True)


def _variable(variable: PortVariable) -> Evidence:
    """An .env value that a compose service's ``ports:`` are written with (``${AD_PORT}``)."""
    service = norm(variable.service)
    owner, tail = split_port_key(variable.name)
    name = own_name("-".join(owner + tail), service)  # OTEL_COLLECTOR_PORT_GRPC: grpc
    return Evidence(service, STRUCTURE, name, variable.side == "host",
                    publishes=variable.side != "container", container=True)


def _parent(m: Mention, strings: list[str], own: str | None, facts: Facts
            ) -> Evidence | None:
    """An enclosing key naming the service: ``pourtier: {health_port: 8091}``, ``redis: {port}``."""
    if own is None or len(strings) < 2:
        return None
    owner_words, tail = split_port_key(own)
    if m.rule in ("url", "address"):
        return None  # a URL's key names what it points to, never the mapping above it
    name = name_from(owner_words + tail)
    parents = [norm(k) for k in strings[:-1]]
    known = next((p for p in reversed(parents) if p in facts.known), None)
    if known is not None:
        return Evidence(known, KEY, name)
    nearest = parents[-1]
    bare = not [w for w in owner_words if w not in GENERIC]
    direct = len(m.key or ()) > 1 and isinstance((m.key or ())[-2], str)  # not in a list
    if not (bare and direct) or not set(nearest.split("-")) - OWN_WORDS:
        return None  # server: {port: 8000}: the file's own service
    if plausible(nearest) and len(nearest.split("-")) <= 2 and \
            not set(nearest.split("-")) & FOLDER_WORDS:
        return Evidence(nearest, KEY, name, new=True)  # redis: {port: 6379}
    return Evidence(None, NONE)  # database: {port: 5432}: whoever owns that number


def _row(label: str, facts: Facts) -> Evidence:
    """A Markdown table row's first cell names the service of every port on that row."""
    name = norm(label)
    if name in facts.known:
        return Evidence(name, STRUCTURE)
    return Evidence(name, STRUCTURE, new=True) if plausible(name) else Evidence(None, NONE)


