"""Registry x environment -> concrete ports: offsets, pins, defaults, fixed, host ports."""

from __future__ import annotations

from portsync.model import Environment, NamedPort, PortForm, Registry, Service
from portsync.records import Record


class ResolvedPort(Record):
    """One (service, port name, environment) with its port and published host port.

    ``host_port`` is None for a port no host publishes. ``shifted`` /
    ``host_shifted`` tell whether an offset moved the number (a pinned or
    fixed port is not shifted).
    """

    service: str
    name: str
    env: str
    port: int
    host_port: int | None
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


def without_environments(registry: Registry) -> bool:
    """Whether a registry declares no environments (its only one is the implicit default)."""
    return [e.name for e in registry.environments] == ["default"]


def scheme(root: Registry, registry: Registry) -> dict[str, Environment]:
    """Which of ``registry``'s environments stands for each environment of ``root``.

    Matched by name; a registry without environments is in all of them; in a
    root without environments, an included registry takes part with its
    default environment.
    """
    own = {e.name: e for e in registry.environments}
    if registry is root:
        return own
    if without_environments(registry):
        return {e.name: registry.environments[0] for e in root.environments}
    if without_environments(root):
        return {root.environments[0].name: own[registry.default_environment]}
    return {e.name: own[e.name] for e in root.environments if e.name in own}


class PortTable:
    """Every resolved port of a registry and its includes, by (service, name, environment)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.envs = {e.name: e for e in registry.environments}
        self._ports: dict[tuple[str, str, str], ResolvedPort] = {}
        self._schemes: dict[str, dict[str, Environment]] = {}
        self.services: dict[str, Service] = {}  # every known service by name, the first kept
        for source in (registry, *registry.included):
            envs = scheme(registry, source)
            for service in source.services:
                self.services.setdefault(service.name, service)
                self._schemes.setdefault(service.name, envs)
                self._add(service, envs)

    def _add(self, service: Service, envs: dict[str, Environment]) -> None:
        for env_name, env in envs.items():
            if not service.runs_in(env.name):
                continue
            for named in service.ports:
                resolved = _resolve(service, named, env, env_name)
                if resolved is not None:
                    self._ports.setdefault((service.name, named.name, env_name), resolved)

    def moved(self) -> PortTable:
        """A copy with every port and host port one apart (``p ^ 1``, as many digits).

        Rendering a value with both tables shows which of its digits come from ports.
        """
        copy = object.__new__(PortTable)
        copy.__dict__.update(self.__dict__)
        copy._ports = {k: p._replace(port=p.port ^ 1, host_port=p.host_port and p.host_port ^ 1)
                       for k, p in self._ports.items()}
        return copy

    def environment(self, service: str, env: str) -> Environment | None:
        """The environment (of the service's own registry) that resolves it in ``env``."""
        return self._schemes.get(service, {}).get(env)

    def runs_in(self, service: Service, env: str) -> bool:
        """Whether the service exists in the registry's environment ``env``."""
        own = self.environment(service.name, env)
        return own is not None and service.runs_in(own.name)

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
        svc = self.services.get(service)
        if svc is None:
            raise LookupError(f"unknown service {service!r}")
        if env not in self.envs:
            raise LookupError(f"unknown environment {env!r}")
        if not self.runs_in(svc, env):
            raise LookupError(f"service {service!r} does not run in environment {env!r}")
        names = [p.name for p in svc.ports]
        if name not in names:
            raise LookupError(
                f"service {service!r} has no port {name!r} (it has {', '.join(names)})")
        raise LookupError(f"service {service!r} has no {name!r} port in environment {env!r}")

    def host_port(self, service: str, name: str, env: str) -> int:
        """The published port, or a LookupError naming the service when it is not published."""
        found = self.lookup(service, name, env)
        if found.host_port is None:
            raise LookupError(f"service {service!r} does not publish its {name!r} port "
                              "(publish: in ports.yaml), so it has no host port")
        return found.host_port


def _resolve(service: Service, named: NamedPort, env: Environment, env_name: str
             ) -> ResolvedPort | None:
    port = form_value(named.port, env, service.fixed)
    if port is None:
        return None
    number, shifted = port
    if not service.publishes(named.name):
        return ResolvedPort(service.name, named.name, env_name, number, None, shifted, False)
    host = form_value(named.host, env, service.fixed) if named.host is not None else None
    host_port, host_shifted = host if host is not None else port
    pinned = named.host is not None and env.name in named.host.pins
    if env.host_offset and not service.fixed and not pinned:
        host_port, host_shifted = host_port + env.host_offset, True
    return ResolvedPort(service.name, named.name, env_name, number, host_port, shifted,
                        host_shifted)
