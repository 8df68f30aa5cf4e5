"""Registry x environment -> concrete ports: offsets, pins, defaults, fixed, host ports."""

from __future__ import annotations

from dataclasses import dataclass

from portsync.model import Environment, NamedPort, PortForm, Registry, Service


@dataclass(frozen=True, slots=True)
class ResolvedPort:
    """One (service, port name, environment) with its port and published host port.

    ``shifted`` / ``host_shifted`` tell whether the environment's offset moved
    the number (a pinned or fixed port is not shifted).
    """

    service: str
    name: str
    env: str
    port: int
    host_port: int
    shifted: bool
    host_shifted: bool


def form_value(form: PortForm, env: Environment, fixed: bool) -> tuple[int, bool] | None:
    """The number a port form gives in ``env`` and whether the offset moved it."""
    if env.name in form.pins:
        return form.pins[env.name], False
    if form.base is None:
        return None
    if fixed or env.offset == 0:
        return form.base, False
    return form.base + env.offset, True


def base_port(form: PortForm, registry: Registry) -> int | None:
    """The port as written: the int, else ``default:``, else the first declared environment's."""
    if form.base is not None:
        return form.base
    for env in registry.environments:
        if env.name in form.pins:
            return form.pins[env.name]
    return None


class PortTable:
    """Every resolved port of a registry, looked up by (service, name, environment)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.envs = {e.name: e for e in registry.environments}
        self._ports: dict[tuple[str, str, str], ResolvedPort] = {}
        for service in registry.services:
            for env in registry.environments:
                if not service.runs_in(env.name):
                    continue
                for named in service.ports:
                    resolved = _resolve(service, named, env)
                    if resolved is not None:
                        self._ports[(service.name, named.name, env.name)] = resolved

    def get(self, service: str, name: str, env: str) -> ResolvedPort | None:
        """The resolved port, or None when it has none in that environment."""
        return self._ports.get((service, name, env))

    def all(self) -> list[ResolvedPort]:
        """Every resolved port in registry order."""
        return list(self._ports.values())

    def in_env(self, env: str) -> list[ResolvedPort]:
        """Every port that exists in environment ``env``."""
        return [p for p in self._ports.values() if p.env == env]

    def lookup(self, service: str, name: str, env: str) -> ResolvedPort:
        """The resolved port, or a LookupError that says why there is none."""
        found = self.get(service, name, env)
        if found is not None:
            return found
        svc = self.registry.service(service)
        if svc is None:
            raise LookupError(f"unknown service {service!r}")
        if env not in self.envs:
            raise LookupError(f"unknown environment {env!r}")
        if not svc.runs_in(env):
            raise LookupError(f"service {service!r} does not run in environment {env!r}")
        names = [p.name for p in svc.ports]
        if name not in names:
            raise LookupError(
                f"service {service!r} has no port {name!r} (it has {', '.join(names)})")
        raise LookupError(f"service {service!r} has no {name!r} port in environment {env!r}")


def _resolve(service: Service, named: NamedPort, env: Environment) -> ResolvedPort | None:
    port = form_value(named.port, env, service.fixed)
    if port is None:
        return None
    host = form_value(named.host, env, service.fixed) if named.host is not None else None
    host_port, host_shifted = host if host is not None else port
    return ResolvedPort(service.name, named.name, env.name, port[0], host_port, port[1],
                        host_shifted)
