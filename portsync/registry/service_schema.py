"""Schema checks of ports.yaml's ``services:``: port forms, host ports, publish, flags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portsync.model import NamedPort, PortForm, Service, Source
from portsync.registry.reader import describe, is_int
from portsync.registry.target_schema import TargetReader

SERVICE_KEYS = (
    "port", "ports", "host_port", "host_ports", "description", "host", "group", "fixed",
    "environments", "publish", "privileged",
)


class ServiceReader(TargetReader):
    """Reads ``services:``; the registry's other sections are read by its subclass."""

    origin: str | None = None  # the label of an included registry; None for the own one

    def port_form(self, container: Any, key: Any, what: str) -> PortForm | None:
        """A port as an int or a per-environment mapping, or None."""
        value = container[key]
        if not isinstance(value, Mapping):
            number = self.port_number(container, key, what)
            return None if number is None else PortForm(number)
        base = None
        pins: dict[str, int] = {}
        for env_name in value:
            name = self.name(value, env_name, f"{what} environment")
            number = self.port_number(value, env_name, f"{what}.{env_name}")
            if name is None:
                continue
            if name == "default":
                base = number
            elif name not in self.env_names:
                self.error(value, name, f"unknown environment {name!r} in {what}",
                           of_value=False)
            elif number is not None:
                pins[name] = number
        return PortForm(base, pins)

    def named_forms(self, spec: Mapping[Any, Any], key: str, what: str
                    ) -> dict[str, tuple[PortForm, Source]]:
        """The port forms of a ``ports:``-like mapping, by port name."""
        forms: dict[str, tuple[PortForm, Source]] = {}
        section = self.mapping(spec, key, f"{what}.{key}")
        for port_name in section or {}:
            name = self.name(section, port_name, f"{what}.{key} port")
            form = self.port_form(section, port_name, f"{what}.{key}.{port_name}")
            if name is not None and form is not None:
                forms[name] = (form, self.at(section, port_name))
        return forms

    def forms(self, spec: Mapping[Any, Any], name: str, what: str
              ) -> tuple[dict[str, tuple[PortForm, Source]], dict[str, PortForm]]:
        """The service's ports and published host ports, by port name."""
        if "port" in spec:
            form = self.port_form(spec, "port", f"{what}.port")
            host = self.port_form(spec, "host_port", f"{what}.host_port") \
                if "host_port" in spec else None
            return ({"http": (form, self.at(spec, "port"))} if form else {},
                    {"http": host} if host else {})
        named = self.named_forms(spec, "ports", what)
        hosts = {k: f for k, (f, _) in self.named_forms(spec, "host_ports", what).items()}
        host_section = spec.get("host_ports") or {}
        for port_name in hosts:
            if port_name not in named:
                self.error(host_section, port_name,
                           f"{what}.host_ports.{port_name} names no port of {name}",
                           of_value=False)
        return named, hosts

    def published(self, spec: Mapping[Any, Any], names: tuple[str, ...], hosts: dict[str, Any],
                  what: str) -> tuple[str, ...]:
        """The names of the ports a host publishes: all, none (``false``) or those listed."""
        value = spec.get("publish")
        if value is None or value is True:
            return names
        if value is False:
            chosen: tuple[str, ...] = ()
        elif isinstance(value, list):
            chosen = self.names(spec, "publish", names, "port", what) or ()
        else:
            self.error(spec, "publish", f"{what}.publish must be true, false or a list of "
                       f"port names, not {describe(value)}")
            return names
        for port_name in hosts:
            if port_name not in chosen:
                key = "host_port" if "host_port" in spec else "host_ports"
                self.error(spec, key, f"{what}.{key}: port {port_name!r} is not published "
                           "(see publish:), so it has no host port")
        return chosen

    def service(self, section: Any, name: str) -> Service | None:
        """One service (short form or mapping), or None after recording a problem."""
        what = f"services.{name}"
        spec = section[name]
        source = self.at(section, name)
        if is_int(spec):
            form = self.port_form(section, name, what)
            ports = (NamedPort("http", form, None, source),) if form else ()
            return Service(name, ports, "", "localhost", None, False, None, source, ("http",),
                           origin=self.origin)
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
        warned = len(self.warnings)
        named, hosts = self.forms(spec, name, what)
        privileged = self.flag(spec, "privileged", what)
        if privileged:  # acknowledged: the service is meant to bind a port below 1024
            del self.warnings[warned:]
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
            publish=self.published(spec, tuple(named), hosts, what),
            privileged=privileged,
            origin=self.origin,
        )

    def services(self, data: Mapping[Any, Any]) -> tuple[Service, ...]:
        """Every valid service of ``services:``, in order."""
        section = self.mapping(data, "services", "services")
        found = []
        for key in section or {}:
            name = self.name(section, key, "service")
            service = self.service(section, name) if name is not None else None
            if service is not None:
                found.append(service)
        return tuple(found)
