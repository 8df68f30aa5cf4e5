"""Port policy of a schema-valid registry: collisions, reserved and group ranges, env ranges."""

from __future__ import annotations

from collections import defaultdict

from portsync.errors import PortsyncError, RegistryError, raise_all
from portsync.model import Registry, Source
from portsync.registry.resolution import PortTable, ResolvedPort, base_port


def check_policy(registry: Registry, table: PortTable) -> None:
    """Raise every policy problem at once; return quietly when there is none."""
    problems: list[PortsyncError] = []
    problems += _range_problems(registry, table)
    problems += _collisions(registry, table)
    raise_all(problems)


def _source(registry: Registry, service: str, name: str) -> Source:
    svc = registry.service(service)
    assert svc is not None
    return next(p.source for p in svc.ports if p.name == name)


def _label(port: ResolvedPort) -> str:
    return f"{port.service}.{port.name}"


def _range_problems(registry: Registry, table: PortTable) -> list[PortsyncError]:
    problems: list[PortsyncError] = []
    reserved = [r for r in registry.ranges if r.reserved]
    for service in registry.services:
        group = registry.range(service.group) if service.group else None
        for named in service.ports:
            where = str(named.source)
            label = f"{service.name}.{named.name}"
            for form in (named.port, named.host):
                base = base_port(form, registry) if form is not None else None
                if base is None:
                    continue
                for r in reserved:
                    if base in r:
                        problems.append(RegistryError(
                            f"{label} port {base} lies in reserved range {r.name} ({r})",
                            where=where))
                if form is named.port and group is not None and base not in group:
                    problems.append(RegistryError(
                        f"{label} port {base} is outside its group {group.name} ({group})",
                        where=where))
    for port in table.all():
        env = table.envs[port.env]
        where = str(_source(registry, port.service, port.name))
        for number, shifted, kind in ((port.port, port.shifted, "port"),
                                      (port.host_port, port.host_shifted, "host port")):
            if not 1 <= number <= 65535:
                problems.append(RegistryError(
                    f"{_label(port)} {kind} in {env.name} is {number}, not a port "
                    f"(offset {env.offset:+d})", where=where))
            elif shifted and env.range is not None and number not in env.range and \
                    kind == "host port":
                problems.append(RegistryError(
                    f"{_label(port)} {kind} in {env.name} is {number}, outside the "
                    f"environment's range {env.range} (offset {env.offset:+d})", where=where))
    return problems


def _collisions(registry: Registry, table: PortTable) -> list[PortsyncError]:
    fixed = {s.name for s in registry.services if s.fixed}
    # Owner of a host port: a fixed service is one process shared by every environment.
    owners: dict[tuple[str, int], dict[tuple[str, str, str], ResolvedPort]] = defaultdict(dict)
    for port in table.all():
        scope = "*" if registry.parallel_environments else port.env
        owner_env = "*" if port.service in fixed else port.env
        owners[(scope, port.host_port)].setdefault((port.service, port.name, owner_env), port)
    problems: list[PortsyncError] = []
    for (scope, number), claims in owners.items():
        if len(claims) < 2:
            continue
        ports = list(claims.values())
        first = ports[0]
        for other in ports[1:]:
            where = str(_source(registry, other.service, other.name))
            if scope == "*":
                detail = f"{_label(first)} ({first.env}) and {_label(other)} ({other.env})"
            else:
                detail = f"{_label(first)} and {_label(other)} in {scope}"
            problems.append(RegistryError(f"host port {number} collides: {detail}", where=where))
    return problems
