"""Schema checks of ports.yaml's registry sections: version, environments, ranges, services."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from portsync.errors import RegistryError, raise_all
from portsync.model import Environment, NamedPort, PortForm, PortRange, Registry, Service, Source
from portsync.registry.reader import describe, is_int, position_key
from portsync.registry.target_schema import TargetReader

DEFAULT_ENVIRONMENT = "default"

TOP_KEYS = (
    "version", "project", "parallel_environments", "environments", "ranges",
    "services", "targets", "templates_dir",
)
ENV_KEYS = ("offset", "range", "description")
SERVICE_KEYS = (
    "port", "ports", "host_port", "host_ports", "description", "host", "group", "fixed",
    "environments",
)


class SchemaReader(TargetReader):
    """Reads a whole registry document into a Registry, or raises every problem found."""

    def registry(self, data: Any, path: Path) -> Registry:
        """The whole Registry; raises every problem at once."""
        if not isinstance(data, Mapping):
            self.problems.append(RegistryError(
                f"ports.yaml must be a mapping with 'version: 1', not {describe(data)}",
                where=f"{self.label}:1:1"))
            raise_all(self.problems)
        self.known_keys(data, TOP_KEYS, "ports.yaml")
        version = data.get("version")
        if "version" not in data:
            self.problems.append(RegistryError("missing required key 'version' (use version: 1)",
                                               where=f"{self.label}:1:1"))
        elif version != 1 or not is_int(version):
            self.error(data, "version", f"unsupported version {version!r} (this portsync reads 1)")
        project = self.text(data, "project", "ports.yaml")
        parallel = self.flag(data, "parallel_environments", "ports.yaml")
        ranges = self.ranges(data)
        self.range_names = tuple(r.name for r in ranges)
        environments = self.environments(data)
        self.env_names = tuple(e.name for e in environments)
        services = self.services(data)
        targets = self.targets(data, tuple(s.name for s in services))
        templates = self.text(data, "templates_dir", "ports.yaml") or "templates"
        raise_all(sorted(self.problems, key=position_key))
        return Registry(
            path=path, version=1, project=project, parallel_environments=parallel,
            environments=environments, ranges=ranges, services=services, targets=targets,
            templates_dir=path.parent / templates, warnings=tuple(self.warnings),
        )

    def ranges(self, data: Mapping[Any, Any]) -> tuple[PortRange, ...]:
        """The named ranges of ``ranges:``."""
        section = self.mapping(data, "ranges", "ranges")
        found = []
        for name in section or {}:
            r = self.port_range(section, name, str(name), f"ranges.{name}")
            if r is not None:
                found.append(r)
        return tuple(found)

    def environments(self, data: Mapping[Any, Any]) -> tuple[Environment, ...]:
        """The environments (absent: the one called 'default')."""
        section = self.mapping(data, "environments", "environments")
        if not section:
            return (Environment(DEFAULT_ENVIRONMENT, 0, None, Source(self.label, 1, 1)),)
        found = []
        for name, spec in section.items():
            what = f"environments.{name}"
            source = self.at(section, name, of_value=False)
            if spec is None:
                found.append(Environment(str(name), 0, None, source))
                continue
            if not isinstance(spec, Mapping):
                self.error(section, name, f"{what} must be a mapping like {{offset: 1000}}")
                continue
            self.known_keys(spec, ENV_KEYS, what)
            offset = self.typed(spec, "offset", is_int, "an integer", what) or 0
            allowed = self.port_range(spec, "range", str(name), f"{what}.range") \
                if spec.get("range") is not None else None
            found.append(Environment(str(name), int(offset), allowed, source))
        return tuple(found)

    def port_form(self, container: Any, key: Any, what: str) -> PortForm | None:
        """A port as an int or a per-environment mapping, or None."""
        value = container[key]
        if isinstance(value, Mapping):
            base = None
            pins: dict[str, int] = {}
            for env_name in value:
                number = self.port_number(value, env_name, f"{what}.{env_name}")
                if env_name == "default":
                    base = number
                elif env_name not in self.env_names:
                    self.error(value, env_name, f"unknown environment {env_name!r} in {what}",
                               of_value=False)
                elif number is not None:
                    pins[str(env_name)] = number
            return PortForm(base, pins)
        number = self.port_number(container, key, what)
        return None if number is None else PortForm(number)

    def named_forms(self, spec: Mapping[Any, Any], key: str, what: str
                    ) -> dict[str, tuple[PortForm, Source]]:
        """The port forms of a ``ports:``-like mapping, by port name."""
        forms: dict[str, tuple[PortForm, Source]] = {}
        section = self.mapping(spec, key, f"{what}.{key}")
        for port_name in section or {}:
            form = self.port_form(section, port_name, f"{what}.{key}.{port_name}")
            if form is not None:
                forms[str(port_name)] = (form, self.at(section, port_name))
        return forms

    def service(self, section: Any, name: str) -> Service | None:
        """One service (short form or mapping), or None after recording a problem."""
        what = f"services.{name}"
        spec = section[name]
        source = self.at(section, name)
        if is_int(spec):
            form = self.port_form(section, name, what)
            ports = (NamedPort("http", form, None, source),) if form else ()
            return Service(name, ports, "", "localhost", None, False, None, source)
        if not isinstance(spec, Mapping):
            self.error(section, name, f"{what} must be a port number or a mapping")
            return None
        self.known_keys(spec, SERVICE_KEYS, what)
        if ("port" in spec) == ("ports" in spec):
            self.error(section, name, f"{what} needs exactly one of 'port' or 'ports'",
                       of_value=False)
            return None
        if "host_port" in spec and "ports" in spec:
            self.error(spec, "host_port", f"{what}: with several named ports use host_ports")
        if "host_ports" in spec and "port" in spec:
            self.error(spec, "host_ports", f"{what}: with a single port use host_port")
        if "port" in spec:
            form = self.port_form(spec, "port", f"{what}.port")
            host = self.port_form(spec, "host_port", f"{what}.host_port") \
                if "host_port" in spec else None
            named = {"http": (form, self.at(spec, "port"))} if form else {}
            hosts = {"http": host} if host else {}
        else:
            named = self.named_forms(spec, "ports", what)
            hosts = {k: f for k, (f, _) in self.named_forms(spec, "host_ports", what).items()}
            host_section = spec.get("host_ports") or {}
            for port_name in hosts:
                if port_name not in named:
                    self.error(host_section, port_name,
                               f"{what}.host_ports.{port_name} names no port of {name}",
                               of_value=False)
        group = self.text(spec, "group", what)
        if group is not None and group not in self.range_names:
            self.error(spec, "group", f"{what}.group {group!r} names no range in ranges:")
        return Service(
            name=name,
            ports=tuple(NamedPort(n, f, hosts.get(n), s) for n, (f, s) in named.items()),
            description=self.text(spec, "description", what) or "",
            host=self.text(spec, "host", what) or "localhost",
            group=group,
            fixed=self.flag(spec, "fixed", what),
            environments=self.names(spec, "environments", self.env_names, "environment", what),
            source=source,
        )

    def services(self, data: Mapping[Any, Any]) -> tuple[Service, ...]:
        """Every valid service of ``services:``, in order."""
        section = self.mapping(data, "services", "services")
        found = []
        for name in section or {}:
            if not isinstance(name, str) or not name:
                self.error(section, name, "service names must be strings", of_value=False)
                continue
            service = self.service(section, name)
            if service is not None:
                found.append(service)
        return tuple(found)
