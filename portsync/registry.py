"""Find, load and schema-check ports.yaml into a Registry (port policy is in policy.py)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from portsync import fsio, yamlio
from portsync.errors import PortsyncError, RegistryError, UsageError, raise_all
from portsync.model import (
    Environment,
    NamedPort,
    PortForm,
    PortRange,
    Registry,
    ReplaceRule,
    Service,
    SetValue,
    Source,
    Target,
)

REGISTRY_NAME = "ports.yaml"
FORMATS = ("yaml", "json", "toml", "env", "text")
DEFAULT_ENVIRONMENT = "default"

_TOP_KEYS = (
    "version", "project", "parallel_environments", "environments", "ranges",
    "services", "targets", "templates_dir",
)
_ENV_KEYS = ("offset", "range", "description")
_RANGE_KEYS = ("from", "to", "reserved", "description")
_SERVICE_KEYS = (
    "port", "ports", "host_port", "host_ports", "description", "host", "group", "fixed",
    "environments",
)
_TARGET_KEYS = (
    "path", "format", "set", "services", "environments", "create", "template", "block", "replace",
)
_RANGE_TEXT = re.compile(r"\s*(\d+)\s*-\s*(\d+)\s*")


def find_registry(explicit: str | None, start: Path | None = None) -> Path:
    """The registry to use: ``-r``, else $PORTSYNC_REGISTRY, else the nearest ports.yaml up."""
    chosen = explicit or os.environ.get("PORTSYNC_REGISTRY")
    if chosen:
        path = Path(chosen)
        if path.is_dir():
            path = path / REGISTRY_NAME
        if not path.is_file():
            raise UsageError(f"registry not found: {chosen}")
        return path.absolute()
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        candidate = folder / REGISTRY_NAME
        if candidate.is_file():
            return candidate
    raise UsageError(f"no {REGISTRY_NAME} here or in any parent folder (use -r PATH)")


def load_registry(path: Path) -> Registry:
    """Read and schema-check ports.yaml; every problem is reported at once."""
    label = fsio.display_path(path)
    text = fsio.read_text(path, label, RegistryError)
    if text is None:
        raise RegistryError("file not found", where=label)
    data = yamlio.load(text.body, label, RegistryError)
    return _Reader(label).registry(data, path.absolute())


def is_int(value: object) -> bool:
    """A YAML integer (bools are not ports)."""
    return isinstance(value, int) and not isinstance(value, bool)


class _Reader:
    """Walks the loaded document, collecting problems with their positions."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[PortsyncError] = []
        self.warnings: list[str] = []
        self.env_names: tuple[str, ...] = ()
        self.range_names: tuple[str, ...] = ()

    # -- helpers --------------------------------------------------------------

    def at(self, container: Any, key: Any, *, of_value: bool = False) -> Source:
        line, col = yamlio.position(container, key, of_value=of_value)
        return Source(self.label, line, col)

    def error(self, container: Any, key: Any, message: str, *, of_value: bool = True) -> None:
        where = str(self.at(container, key, of_value=of_value))
        self.problems.append(RegistryError(message, where=where))

    def mapping(self, container: Any, key: Any, what: str) -> Mapping[Any, Any] | None:
        value = container.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(container, key, f"{what} must be a mapping")
            return None
        return value

    def known_keys(self, data: Mapping[Any, Any], allowed: tuple[str, ...], what: str) -> None:
        for key in data:
            if key not in allowed:
                hint = ", ".join(allowed)
                self.error(data, key, f"unknown key {key!r} in {what} (allowed: {hint})",
                           of_value=False)

    def typed(self, data: Mapping[Any, Any], key: str, check: Callable[[Any], bool],
              kind: str, what: str) -> Any:
        if key not in data or data[key] is None:
            return None
        value = data[key]
        if not check(value):
            self.error(data, key, f"{what}.{key} must be {kind}, not {_describe(value)}")
            return None
        return value

    def text(self, data: Mapping[Any, Any], key: str, what: str) -> str | None:
        value = self.typed(data, key, lambda v: isinstance(v, str), "a string", what)
        return None if value is None else str(value)

    def flag(self, data: Mapping[Any, Any], key: str, what: str) -> bool:
        return bool(self.typed(data, key, lambda v: isinstance(v, bool), "true or false", what))

    def port_number(self, container: Any, key: Any, what: str) -> int | None:
        value = container[key]
        if not is_int(value):
            self.error(container, key, f"{what} must be an integer port, not {_describe(value)}")
            return None
        if not 1 <= value <= 65535:
            self.error(container, key, f"{what} = {value} is not a port (1..65535)")
            return None
        if value < 1024:
            self.warnings.append(
                f"{self.at(container, key, of_value=True)}: {what} = {value} is a privileged port"
            )
        return int(value)

    def names(self, data: Mapping[Any, Any], key: str, known: tuple[str, ...], kind: str,
              what: str) -> tuple[str, ...] | None:
        if key not in data or data[key] is None:
            return None
        value = data[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(data, key, f"{what}.{key} must be a list of {kind} names")
            return None
        for index, name in enumerate(value):
            if name not in known:
                self.error(value, index, f"unknown {kind} {name!r} in {what}.{key}")
        return tuple(str(v) for v in value)

    # -- sections -------------------------------------------------------------

    def registry(self, data: Any, path: Path) -> Registry:
        if not isinstance(data, Mapping):
            self.problems.append(RegistryError(
                f"ports.yaml must be a mapping with 'version: 1', not {_describe(data)}",
                where=f"{self.label}:1:1"))
            raise_all(self.problems)
        self.known_keys(data, _TOP_KEYS, "ports.yaml")
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
        raise_all(sorted(self.problems, key=_position))
        return Registry(
            path=path, version=1, project=project, parallel_environments=parallel,
            environments=environments, ranges=ranges, services=services, targets=targets,
            templates_dir=path.parent / templates, warnings=tuple(self.warnings),
        )

    def port_range(self, container: Any, key: Any, name: str, what: str) -> PortRange | None:
        value = container[key]
        source = self.at(container, key, of_value=True)
        if isinstance(value, str):
            m = _RANGE_TEXT.fullmatch(value)
            if m is None:
                self.error(container, key, f"{what} must look like 8000-8099, not {value!r}")
                return None
            start, end, reserved, description = int(m[1]), int(m[2]), False, ""
        elif isinstance(value, Mapping):
            self.known_keys(value, _RANGE_KEYS, what)
            for bound in ("from", "to"):
                if bound not in value:
                    self.error(container, key, f"{what} needs '{bound}'")
                    return None
            start_v = self.port_number(value, "from", f"{what}.from")
            end_v = self.port_number(value, "to", f"{what}.to")
            if start_v is None or end_v is None:
                return None
            start, end = start_v, end_v
            reserved = self.flag(value, "reserved", what)
            description = self.text(value, "description", what) or ""
        else:
            self.error(container, key, f"{what} must be 'FROM-TO' or a mapping with from/to")
            return None
        if not 1 <= start <= end <= 65535:
            self.error(container, key, f"{what} {start}-{end} is not a valid port range")
            return None
        return PortRange(name, start, end, reserved, description, source)

    def ranges(self, data: Mapping[Any, Any]) -> tuple[PortRange, ...]:
        section = self.mapping(data, "ranges", "ranges")
        found = []
        for name in section or {}:
            r = self.port_range(section, name, str(name), f"ranges.{name}")
            if r is not None:
                found.append(r)
        return tuple(found)

    def environments(self, data: Mapping[Any, Any]) -> tuple[Environment, ...]:
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
            self.known_keys(spec, _ENV_KEYS, what)
            offset = self.typed(spec, "offset", is_int, "an integer", what) or 0
            allowed = self.port_range(spec, "range", str(name), f"{what}.range") \
                if spec.get("range") is not None else None
            found.append(Environment(str(name), int(offset), allowed, source))
        return tuple(found)

    def port_form(self, container: Any, key: Any, what: str) -> PortForm | None:
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
        forms: dict[str, tuple[PortForm, Source]] = {}
        section = self.mapping(spec, key, f"{what}.{key}")
        for port_name in section or {}:
            form = self.port_form(section, port_name, f"{what}.{key}.{port_name}")
            if form is not None:
                forms[str(port_name)] = (form, self.at(section, port_name))
        return forms

    def service(self, section: Any, name: str) -> Service | None:
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
        self.known_keys(spec, _SERVICE_KEYS, what)
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

    def value(self, container: Any, key: Any, what: str) -> str | None:
        value = container[key]
        if isinstance(value, str) or is_int(value):
            return str(value)
        self.error(container, key, f"{what} must be a string or a number, not {_describe(value)}")
        return None

    def target(self, targets: Any, index: int, service_names: tuple[str, ...]) -> Target | None:
        spec = targets[index]
        what = f"targets[{index}]"
        if not isinstance(spec, Mapping):
            self.error(targets, index, f"{what} must be a mapping with a path")
            return None
        self.known_keys(spec, _TARGET_KEYS, what)
        path = self.text(spec, "path", what)
        if path is None:
            if "path" not in spec:
                self.error(targets, index, f"{what} needs a 'path'")
            return None
        fmt = self.text(spec, "format", what)
        if fmt is not None and fmt not in FORMATS:
            self.error(spec, "format", f"{what}.format must be one of {', '.join(FORMATS)}")
        kinds = [k for k in ("set", "template", "replace") if k in spec]
        if len(kinds) != 1:
            self.error(targets, index, f"{what} needs exactly one of set, template or replace")
        if "block" in spec and "template" not in spec:
            self.error(spec, "block", f"{what}.block goes with a template")
        sets = []
        section = self.mapping(spec, "set", f"{what}.set")
        for key in section or {}:
            rendered = self.value(section, key, f"{what}.set.{key}")
            if not isinstance(key, str):
                self.error(section, key, f"{what}.set keys must be strings", of_value=False)
            elif rendered is not None:
                sets.append(SetValue(key, rendered, self.at(section, key, of_value=False)))
        return Target(
            path=path,
            format=fmt,
            sets=tuple(sets),
            replace=self.replace_rules(spec, what),
            template=self.text(spec, "template", what),
            block=self.text(spec, "block", what),
            services=self.names(spec, "services", service_names, "service", what),
            environments=self.names(spec, "environments", self.env_names, "environment", what),
            create=self.flag(spec, "create", what) or "template" in spec,
            source=self.at(targets, index),
        )

    def replace_rules(self, spec: Mapping[Any, Any], what: str) -> tuple[ReplaceRule, ...]:
        rules = spec.get("replace")
        if rules is None:
            return ()
        if not isinstance(rules, list):
            self.error(spec, "replace", f"{what}.replace must be a list of pattern/value pairs")
            return ()
        found = []
        for index, rule in enumerate(rules):
            where = f"{what}.replace[{index}]"
            if not isinstance(rule, Mapping) or "pattern" not in rule or "value" not in rule:
                self.error(rules, index, f"{where} needs 'pattern' and 'value'")
                continue
            self.known_keys(rule, ("pattern", "value"), where)
            pattern = self.text(rule, "pattern", where)
            value = self.value(rule, "value", f"{where}.value")
            if pattern is None or value is None:
                continue
            try:
                compiled = re.compile(pattern, re.MULTILINE)
            except re.error as err:
                self.error(rule, "pattern", f"{where}.pattern is not a valid regex: {err}")
                continue
            if "port" not in compiled.groupindex and compiled.groups < 1:
                self.error(rule, "pattern", f"{where}.pattern needs a group (?P<port>...)")
                continue
            found.append(ReplaceRule(pattern, value, self.at(rules, index)))
        return tuple(found)

    def targets(self, data: Mapping[Any, Any], service_names: tuple[str, ...]
                ) -> tuple[Target, ...]:
        section = data.get("targets")
        if section is None:
            return ()
        if not isinstance(section, list):
            self.error(data, "targets", "targets must be a list")
            return ()
        found = []
        for index in range(len(section)):
            target = self.target(section, index, service_names)
            if target is not None:
                found.append(target)
        return tuple(found)


def _position(error: PortsyncError) -> tuple[int, int]:
    """Sort key: problems are reported in the order of the file."""
    _, line, col = (error.where or "::").rsplit(":", 2)
    return (int(line or 0), int(col or 0))


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return repr(value)
