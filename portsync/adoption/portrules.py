"""Is this number a port? The context rules shared by ``audit`` and ``import``.

A number is a port only when its context says so: a key whose last word is
``port``, URL syntax (``scheme://host:PORT``), a ``host:container`` mapping, a
``--port N`` flag, an ``X_PORT=N`` assignment, a ``listen``/``EXPOSE``
directive. A bare number (a timeout of 8000, a year, a version) never is.
docs/adoption.md lists the rules.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hit:
    """A port found inside a string: where its digits are and which rule said so."""

    start: int
    end: int
    port: int
    rule: str
    host: str | None = None


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_PORT_TAIL = {"port", "ports"}
# ``OTEL_COLLECTOR_PORT_GRPC``: a port key may end in the protocol or role of that port.
_PORT_SUFFIX = {"grpc", "http", "https", "tcp", "udp", "ws", "wss", "admin", "metrics", "debug",
                "internal", "external", "ui"}
_ADDRESS_TAIL = {"url", "urls", "uri", "addr", "address", "endpoint", "endpoints", "dsn",
                 "upstream", "server", "servers", "host", "hosts", "bind", "listen", "origin"}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "[::]", "host.docker.internal"}
_NUM = r"(?P<port>[1-9]\d{0,4})(?!\d|\.\d)"
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s/@\"'<>]*@)?"
                  r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):" + _NUM)
_LOCAL = re.compile(r"(?<![\w.:/@-])(?P<host>localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1?\]"
                    r"|host\.docker\.internal):" + _NUM)
_BARE = re.compile(r"(?<![\w.:/@-])(?P<host>[A-Za-z][\w.-]*|\d{1,3}(?:\.\d{1,3}){3}):"
                   + _NUM + r"(?!:)")
_FLAG = re.compile(r"(?<![\w-])(?:--(?:[\w-]+-)?port|-p|--listen)(?:=|[ \t]+)"
                   r"(?:\d{1,3}(?:\.\d{1,3}){3}:)?(?P<port>[1-9]\d{0,4})"
                   r"(?::(?P<second>[1-9]\d{0,4}))?(?![\w.:-])")
_ASSIGN = re.compile(r"(?<![\w.])(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<q>[\"']?)"
                     r"(?P<port>[1-9]\d{0,4})(?P=q)(?![\w.])")
_MAPPING = re.compile(r"(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:]*\]):)?"
                      r"(?:(?P<host>[1-9]\d{0,4}):)?(?P<container>[1-9]\d{0,4})(?:/(?:tcp|udp))?")


def key_words(key: str) -> list[str]:
    """``healthCheckPort`` / ``HEALTH_CHECK_PORT`` / ``health-check.port`` -> words, lower case."""
    return list(_words(key))


@functools.lru_cache(maxsize=4096)  # a repository repeats its keys in every file
def _words(key: str) -> tuple[str, ...]:
    return tuple(w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", key).lower()) if w)


def is_port_key(key: str) -> bool:
    """Whether a key names a port: its last word is ``port`` (``port_timeout`` is not).

    ``PORT_GRPC`` (``port`` and a protocol or role such as grpc, admin, metrics) is one too.
    """
    words = key_words(key)
    return bool(words) and (words[-1] in _PORT_TAIL or
                            (len(words) > 1 and words[-2] == "port" and words[-1] in _PORT_SUFFIX))


def is_address_key(key: str) -> bool:
    """Whether a key holds an address, where a bare ``host:PORT`` is a port too."""
    words = key_words(key)
    return bool(words) and words[-1] in _ADDRESS_TAIL


def valid(number: str) -> int | None:
    """The port a digit string stands for, if it is one (1..65535, no leading zero)."""
    if not number.isdigit() or number.startswith("0"):
        return None
    value = int(number)
    return value if 1 <= value <= 65535 else None


def port_value(text: str) -> int | None:
    """A value that is a port on its own (under a port key): digits, maybe quoted."""
    return valid(text.strip().strip("\"'"))


def _hit(m: re.Match[str], rule: str, group: str = "port", host: str | None = None) -> Hit | None:
    port = valid(m.group(group))
    return Hit(m.start(group), m.end(group), port, rule, host) if port is not None else None


def hits_in(text: str, *, address: bool = False) -> list[Hit]:
    """Ports inside a string or a line: URLs, local ``host:PORT``, flags, ``X_PORT=N``.

    ``address``: the key or directive holds an address, so a bare
    ``name:PORT`` counts too.
    """
    found: dict[int, Hit] = {}
    candidates: list[Hit | None] = []
    for m in _URL.finditer(text):
        candidates.append(_hit(m, "url", host=m.group("host")))
    for m in (_BARE if address else _LOCAL).finditer(text):
        candidates.append(_hit(m, "address", host=m.group("host")))
    for m in _FLAG.finditer(text):
        candidates.append(_hit(m, "flag"))
        if m.group("second"):
            candidates.append(_hit(m, "flag", "second"))
    for m in _ASSIGN.finditer(text):
        if is_port_key(m.group("key")):
            candidates.append(_hit(m, "assign"))
    for hit in candidates:
        if hit is not None and hit.start not in found:
            found[hit.start] = hit
    return sorted(found.values(), key=lambda h: h.start)


def mapping_hits(text: str) -> list[Hit]:
    """A compose ``ports:`` item: ``"HOST:CONTAINER"``, ``"IP:HOST:CONTAINER"`` or ``"PORT"``."""
    m = _MAPPING.fullmatch(text.strip())
    if m is None:
        return []
    lead = len(text) - len(text.lstrip())
    hits = []
    for group, rule in (("host", "host"), ("container", "container")):
        if m.group(group) is not None:
            port = valid(m.group(group))
            if port is not None:
                hits.append(Hit(lead + m.start(group), lead + m.end(group), port, rule))
    return hits


_LISTEN = re.compile(r"^\s*listen\s+(?:(?:\[[^\]]*\]|[\w.*-]+):)?" + _NUM)
_SERVER = re.compile(r"^\s*(?:server|proxy_pass|grpc_pass|fastcgi_pass)\s")
_EXPOSE = re.compile(r"^\s*EXPOSE\s+(?P<rest>.*)$", re.IGNORECASE)
_EXPOSED = re.compile(r"(?<![\w$])(?P<port>[1-9]\d{0,4})(?:/(?:tcp|udp))?(?![\w.])")


def directive_hits(line: str, kind: str) -> list[Hit]:
    """Ports in one line of an nginx config or a Dockerfile, plus the string rules."""
    hits: list[Hit] = []
    if kind == "nginx":
        m = _LISTEN.match(line)
        hit = _hit(m, "listen") if m else None
        hits += [hit] if hit else []
        return _merge(hits, hits_in(line, address=bool(_SERVER.match(line))))
    if kind == "dockerfile":
        m = _EXPOSE.match(line)
        if m:
            base = m.start("rest")
            for e in _EXPOSED.finditer(m.group("rest")):
                port = valid(e.group("port"))
                if port is not None:
                    hits.append(Hit(base + e.start("port"), base + e.end("port"), port, "expose"))
    return _merge(hits, hits_in(line))


def _merge(first: list[Hit], more: list[Hit]) -> list[Hit]:
    seen = {h.start for h in first}
    return sorted(first + [h for h in more if h.start not in seen], key=lambda h: h.start)
