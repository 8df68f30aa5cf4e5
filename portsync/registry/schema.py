"""Schema checks of ports.yaml's top level: version, environments, ranges, include."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

from portsync.errors import RegistryError, clip, raise_all
from portsync.model import Environment, IncludeEntry, PortRange, Registry, Source
from portsync.registry.reader import describe, is_int, position_key
from portsync.registry.service_schema import ServiceReader

DEFAULT_ENVIRONMENT = "default"

TOP_KEYS = (
    "version", "project", "parallel_environments", "environments", "default_environment",
    "ranges", "services", "targets", "templates_dir", "include",
)
ENV_KEYS = ("offset", "host_offset", "range", "description")
INCLUDE_KEYS = ("path", "git", "rev")


class SchemaReader(ServiceReader):
    """Reads a whole registry document into a Registry, or raises every problem found."""

    def __init__(self, label: str, origin: str | None = None) -> None:
        super().__init__(label)
        self.origin = origin

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
        default = self.default_environment(data)
        services = self.services(data)
        targets = self.targets(data, tuple(s.name for s in services))
        templates = self.templates_dir(data)
        includes = self.includes(data)
        raise_all(sorted(self.problems, key=position_key))
        return Registry(
            path=path, project=project, parallel_environments=parallel,
            environments=environments, ranges=ranges, services=services, targets=targets,
            templates_dir=path.parent / templates, warnings=tuple(self.warnings),
            default_environment=default, includes=includes, origin=self.origin,
        )

    def templates_dir(self, data: Mapping[Any, Any]) -> str:
        """The templates folder as written; one leading outside the root is an error here.

        Links inside the root are resolved (and refused if they lead out) when a
        template is read; this catches the written path in ``validate`` already.
        """
        written = self.text(data, "templates_dir", "ports.yaml")
        if written is None:
            return "templates"
        path = PurePath(written)
        if path.is_absolute() or path.drive or ".." in PurePath(os.path.normpath(path)).parts:
            self.error(data, "templates_dir",
                       f"templates_dir {clip(written)!r} must lie inside the registry's folder")
        return written

    def ranges(self, data: Mapping[Any, Any]) -> tuple[PortRange, ...]:
        """The named ranges of ``ranges:``."""
        section = self.mapping(data, "ranges", "ranges")
        found = []
        for key in section or {}:
            name = self.name(section, key, "range")
            r = self.port_range(section, key, name, f"ranges.{name}") if name else None
            if r is not None:
                found.append(r)
        return tuple(found)

    def environments(self, data: Mapping[Any, Any]) -> tuple[Environment, ...]:
        """The environments (absent: the one called 'default')."""
        implicit = (Environment(DEFAULT_ENVIRONMENT, 0, None, Source(self.label, 1, 1)),)
        section = self.mapping(data, "environments", "environments")
        found: list[Environment] = []
        for key, spec in (section or {}).items():
            name = self.name(section, key, "environment")
            if name is None:
                continue
            what = f"environments.{name}"
            source = self.at(section, name, of_value=False)
            if spec is None:
                found.append(Environment(name, 0, None, source))
                continue
            if not isinstance(spec, Mapping):
                self.error(section, name, f"{what} must be a mapping like {{offset: 1000}}")
                continue
            self.known_keys(spec, ENV_KEYS, what)
            offset = self.typed(spec, "offset", is_int, "an integer", what) or 0
            host_offset = self.typed(spec, "host_offset", is_int, "an integer", what) or 0
            allowed = self.port_range(spec, "range", name, f"{what}.range") \
                if spec.get("range") is not None else None
            found.append(Environment(name, int(offset), allowed, source, int(host_offset)))
        return tuple(found) or implicit  # none valid: the problems are recorded

    def default_environment(self, data: Mapping[Any, Any]) -> str:
        """The environment a target without {env} is rendered for: named, else the first."""
        name = self.text(data, "default_environment", "ports.yaml")
        if name is not None and name not in self.env_names:
            self.error(data, "default_environment",
                       f"default_environment {name!r} names no environment "
                       f"(ports.yaml has {', '.join(self.env_names)})")
            return self.env_names[0]
        return name or self.env_names[0]

    def includes(self, data: Mapping[Any, Any]) -> tuple[IncludeEntry, ...]:
        """The ``include:`` entries: each a path, or a git URL with a rev (and a path)."""
        section = data.get("include")
        if section is None:
            return ()
        if not isinstance(section, list):
            self.error(data, "include", "include must be a list of {path: ...} or "
                       "{git: URL, rev: REV} entries")
            return ()
        found = []
        for index, spec in enumerate(section):
            what = f"include[{index}]"
            if not isinstance(spec, Mapping):
                self.error(section, index,
                           f"{what} must be a mapping like {{path: ../x/ports.yaml}}")
                continue
            self.known_keys(spec, INCLUDE_KEYS, what)
            path, git, rev = (self.text(spec, key, what) for key in INCLUDE_KEYS)
            if git is None and path is None:
                self.error(section, index, f"{what} needs 'path' or 'git'")
            elif git is None and "rev" in spec:
                self.error(spec, "rev", f"{what}.rev goes with git:")
            elif git is not None and "rev" not in spec:
                self.error(section, index, f"{what} needs 'rev': a tag or commit to pin "
                           f"{git} to (quote a rev made of digits)")
            elif any(v is not None and (not v or "\0" in v) for v in (path, git, rev)):
                self.error(section, index, f"{what}: path, git and rev must be non-empty "
                           "text without NUL bytes")
            elif any(v is not None and v.startswith("-") for v in (git, rev)):
                self.error(section, index, f"{what}: git and rev must not start with '-' "
                           "(git would read them as options)")
            elif not (git is not None and rev is None):  # a rev of the wrong type: recorded
                found.append(IncludeEntry(path, git, rev, self.at(section, index)))
        return tuple(found)
