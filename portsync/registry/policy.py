"""Port policy of a schema-valid registry and its includes: ranges and host-port collisions."""

from __future__ import annotations

from collections import defaultdict

from portsync.errors import PortsyncError, RegistryError, raise_all
from portsync.model import Environment, Notice, Registry, Source
from portsync.registry.resolution import PortTable, ResolvedPort, base_port


def check_policy(registry: Registry, table: PortTable) -> tuple[Notice, ...]:
    """Raise every policy problem at once; else return the warnings about resolved ports."""
    problems: list[PortsyncError] = []
    problems += _base_problems(registry)
    problems += _resolved_problems(table)
    problems += _collisions(registry, table)
    raise_all(problems)
    return _privileged_after_offsets(table)


def _privileged_after_offsets(table: PortTable) -> tuple[Notice, ...]:
    """Ports of this registry's services that an offset moved below 1024.

    The reader warns about a privileged base port; an offset (``-7500`` on 8080)
    can make one too. ``privileged: true`` on the service acknowledges both.
    """
    notices: list[Notice] = []
    for port in table.all():
        if port.port >= 1024 and (port.host_port is None or port.host_port >= 1024):
            continue  # nearly every port: the check stays cheap at 30,000 ports
        low = {kind: number for number, shifted, kind in (
            (port.port, port.shifted, " port"), (port.host_port, port.host_shifted, " host port"))
            if number is not None and shifted and 1 <= number < 1024}
        if not low:
            continue
        svc = table.services[port.service]
        if svc.origin is not None or svc.privileged:
            continue  # an included service's registry speaks for itself
        if len(low) == 2 and port.port == port.host_port:
            low = {"": port.port}  # the usual case: one number inside and on the host
        env = table.environment(port.service, port.env)
        assert env is not None  # the table resolved the port through it
        notices += [Notice(_source(table, port), f"{_label(port)}{kind} in {port.env} is "
                                                    f"{number}, a privileged port ({_shift(env)})")
                    for kind, number in low.items()]
    return tuple(notices)


def _source(table: PortTable, port: ResolvedPort) -> Source:
    return next(p.source for p in table.services[port.service].ports if p.name == port.name)


def _label(port: ResolvedPort) -> str:
    return f"{port.service}.{port.name}"


def _base_problems(registry: Registry) -> list[PortsyncError]:
    """Base ports inside any registry's reserved range, or outside their own group's range."""
    problems: list[PortsyncError] = []
    sources = (registry, *registry.included)
    reserved = [r for source in sources for r in source.ranges if r.reserved]
    for source in sources:
        for service in source.services:
            group = source.range(service.group) if service.group else None
            for named in service.ports:
                where = str(named.source)
                label = f"{service.name}.{named.name}"
                for form in (named.port, named.host):
                    base = base_port(form, source) if form is not None else None
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
    return problems


def _shift(env: Environment) -> str:
    return f"offset {env.offset:+d}" + \
        (f", host offset {env.host_offset:+d}" if env.host_offset else "")


def _resolved_problems(table: PortTable) -> list[PortsyncError]:
    """Numbers that offsets moved out of 1..65535, or out of the environment's range."""
    problems: list[PortsyncError] = []
    for port in table.all():
        env = table.environment(port.service, port.env)
        assert env is not None  # the table resolved the port through it
        for number, shifted, kind in ((port.port, port.shifted, "port"),
                                      (port.host_port, port.host_shifted, "host port")):
            if number is None:
                continue
            if not 1 <= number <= 65535:
                message = f"is {number}, not a port"
            elif shifted and kind == "host port" and env.range is not None and \
                    number not in env.range:
                message = f"is {number}, outside the environment's range {env.range}"
            else:
                continue
            problems.append(RegistryError(
                f"{_label(port)} {kind} in {port.env} {message} ({_shift(env)})",
                where=str(_source(table, port))))
    return problems


def _collisions(registry: Registry, table: PortTable) -> list[PortsyncError]:
    """Two published (service, port name) pairs on one host port where they run together."""
    fixed = {s.name for s in registry.known_services if s.fixed}
    # Owner of a host port: a fixed service is one process shared by every environment.
    owners: dict[tuple[str, int], dict[tuple[str, str, str], ResolvedPort]] = defaultdict(dict)
    for port in table.all():
        if port.host_port is None:
            continue  # unpublished: every container has its own address
        scope = "*" if registry.parallel_environments else port.env
        owner_env = "*" if port.service in fixed else port.env
        owners[(scope, port.host_port)].setdefault((port.service, port.name, owner_env), port)
    problems: list[PortsyncError] = []
    for (scope, number), claims in owners.items():
        ports = list(claims.values())
        for other in ports[1:]:
            problems.append(_collision(table, scope, number, ports[0], other))
    return problems


def _collision(table: PortTable, scope: str, number: int, first: ResolvedPort,
               other: ResolvedPort) -> RegistryError:
    """The error for one collision, placed in the registry's own file when a side is there."""

    def own(port: ResolvedPort) -> bool:
        return table.services[port.service].origin is None

    here = _source(table, first if own(first) and not own(other) else other)

    def name(port: ResolvedPort) -> str:
        env = f" ({port.env})" if scope == "*" else ""
        place = _source(table, port)
        return f"{_label(port)}{env}" + (f" ({place})" if place.file != here.file else "")

    detail = f"{name(first)} and {name(other)}" + ("" if scope == "*" else f" in {scope}")
    return RegistryError(f"host port {number} collides: {detail}", where=str(here))
