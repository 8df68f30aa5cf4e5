"""What a docker compose file says about its services: names, build folders, port variables."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from portsync.adoption.yamlwalk import child, scalar


@dataclass(frozen=True, slots=True)
class PortVariable:
    """A ``${VAR}`` in a compose service's ``ports:``/``expose:``: the port is VAR's value.

    ``side``: host, container or both (``"${P}:${P}"``); ``index``: the item's
    place in the list; ``container``: the variable on the container side of
    the same item, when the host side is another one.
    """

    name: str
    service: str
    side: str
    index: int
    container: str | None = None


@dataclass(frozen=True, slots=True)
class ComposeFile:
    """A docker compose file's services, the folders they are built from, their port variables."""

    services: tuple[str, ...]
    contexts: tuple[tuple[str, str], ...]  # (folder, service), the folder root-relative
    variables: tuple[PortVariable, ...] = ()


_COMPOSE_NAME = re.compile(r"(?:^|[._-])(?:compose|stack)(?:[._-]|$)", re.IGNORECASE)
_SERVICE_KEYS = {"image", "build", "ports", "expose", "container_name", "depends_on"}


def compose_file(path: str, documents: list[Any]) -> ComposeFile | None:
    """The services of a compose file: one document with a ``services:`` mapping of containers."""
    if len(documents) != 1:
        return None
    services = child(documents[0], "services")
    if getattr(services, "id", None) != "mapping":
        return None
    specs = [(str(k.value), v) for k, v in services.value if k.id == "scalar"]
    named = _COMPOSE_NAME.search(path.rsplit("/", 1)[-1]) is not None
    if not named and not any(v.id == "mapping" and
                             {getattr(k, "value", None) for k, _ in v.value} & _SERVICE_KEYS
                             for _, v in specs):
        return None
    folder = path.rpartition("/")[0]
    contexts = []
    for name, spec in specs:
        build = child(spec, "build")
        context = getattr(build, "value", None) if getattr(build, "id", None) == "scalar" \
            else scalar(build, "context")
        if isinstance(context, str) and context and "$" not in context:
            where = posixpath.normpath(posixpath.join(folder, context))
            if where != "." and not where.startswith(".."):
                contexts.append((where, name))
    variables = [v for name, spec in specs for v in _port_variables(name, spec)]
    return ComposeFile(tuple(name for name, _ in specs), tuple(contexts), tuple(variables))


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?+-][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _port_variables(service: str, spec: Any) -> Iterator[PortVariable]:
    """The variables a service's ``ports:`` and ``expose:`` items are written with."""
    for key in ("ports", "expose"):
        items = child(spec, key)
        if getattr(items, "id", None) != "sequence":  # ``ports: {http: 80}`` is no compose list
            continue
        for index, item in enumerate(items.value):
            if item.id != "scalar" or not isinstance(item.value, str):
                continue
            masked = _VARIABLE.sub(lambda m: "$" * len(m.group()), item.value)
            split = masked.rfind(":")  # the container side follows the last ':' outside ${}
            found = [(m.group(1) or m.group(2), m.start() > split)
                     for m in _VARIABLE.finditer(item.value)]
            inner = next((n for n, last in found if last), None)
            hosts = {n for n, last in found if not last} if key == "ports" else set()
            for name in dict.fromkeys(n for n, _ in found):
                side = ("both" if name == inner else "host") if name in hosts else "container"
                yield PortVariable(name, service, side, index, inner if side == "host" else None)
