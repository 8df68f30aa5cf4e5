"""The template context: port(), host_port(), url() and the registry as plain data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portsync.model import Registry, Service
from portsync.registry.resolution import PortTable


class ContextFactory:
    """Builds the Jinja context of one (environment, service); registry data is shared."""

    def __init__(self, registry: Registry, table: PortTable) -> None:
        self.registry = registry
        self.table = table
        self._shared: dict[str, Any] | None = None
        self._per_env: dict[str, dict[str, Any]] = {}  # shared + env + functions, per env

    def _service(self, svc: Service, project: str | None) -> dict[str, Any]:
        """One service as templates see it: its ports and published ports per environment."""
        envs = self.registry.environments
        ports: dict[str, dict[str, int]] = {}
        host_ports: dict[str, dict[str, int]] = {}
        for named in svc.ports:
            found = {e.name: p for e in envs
                     if (p := self.table.get(svc.name, named.name, e.name)) is not None}
            ports[named.name] = {env: p.port for env, p in found.items()}
            if svc.publishes(named.name):
                host_ports[named.name] = {env: p.host_port for env, p in found.items()
                                          if p.host_port is not None}
        return {
            "name": svc.name, "description": svc.description, "group": svc.group,
            "host": svc.host, "fixed": svc.fixed, "registry": svc.origin, "project": project,
            "environments": [e.name for e in envs if self.table.runs_in(svc, e.name)],
            "ports": ports, "host_ports": host_ports,
        }

    def shared(self) -> dict[str, Any]:
        """The environment-independent part of every context, built once on first use."""
        if self._shared is None:
            reg = self.registry
            services = [self._service(svc, source.project)
                        for source in (reg, *reg.included) for svc in source.services]
            self._shared = {
                "project": reg.project,
                "environments": [e.name for e in reg.environments],
                "ranges": {r.name: {"from": r.start, "to": r.end, "reserved": r.reserved,
                                    "description": r.description} for r in reg.ranges},
                "services": services,
            }
        return self._shared

    def functions(self, env: str) -> dict[str, Callable[..., Any]]:
        """port(), host_port() and url() bound to the target's environment."""
        table = self.table

        def port(service: str, name: str = "http", env: str | None = None) -> int:
            return table.lookup(service, name, env or default_env).port

        def host_port(service: str, name: str = "http", env: str | None = None) -> int:
            return table.host_port(service, name, env or default_env)

        def url(service: str, name: str = "http", scheme: str = "http", host: str | None = None,
                path: str = "", env: str | None = None) -> str:
            svc = table.services.get(service)
            number = port(service, name, env)
            assert svc is not None  # lookup succeeded, so the service exists
            suffix = "/" + path.lstrip("/") if path else ""
            return f"{scheme}://{host or svc.host}:{number}{suffix}"

        default_env = env
        return {"port": port, "host_port": host_port, "url": url}

    def build(self, env: str, service: str | None) -> dict[str, Any]:
        """The context of one render (SPEC §2): functions, env, service and registry data."""
        base = self._per_env.get(env)
        if base is None:  # thousands of renders share a few environments
            base = self._per_env[env] = {**self.shared(), "env": env, **self.functions(env)}
        if service is None:
            return dict(base)
        return {**base, "service": service}
