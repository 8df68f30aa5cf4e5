"""The frozen records passed between stages: registry, targets, edits and the plan."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from portsync.records import Record

if TYPE_CHECKING:
    from portsync.keypath import KeyPath


class Source(Record):
    """Where something is written in ports.yaml (1-based line and column; 0: the whole file)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}" if self.line > 0 else self.file


class PortForm(Record):
    """A port as written: a base number, per-environment pins, or both.

    ``base`` is the int form or a mapping's ``default:``; ``pins`` are the
    environments a mapping names explicitly.
    """

    base: int | None
    pins: Mapping[str, int] = MappingProxyType({})  # shared, hence read-only


class NamedPort(Record):
    """One named port of a service ("http", "grpc", ...) and its published form."""

    name: str
    port: PortForm
    host: PortForm | None
    source: Source


class Service(Record):
    """A service of the registry with its named ports.

    ``publish`` names the ports a host publishes (all of them unless the
    registry says ``publish: false`` or lists some); ``privileged`` acknowledges
    ports below 1024 so they stop warning; ``origin`` is the label of the
    included registry that defines the service (None: the registry's own).
    """

    name: str
    ports: tuple[NamedPort, ...]
    description: str
    host: str
    group: str | None
    fixed: bool
    environments: tuple[str, ...] | None
    source: Source
    publish: tuple[str, ...] = ()
    privileged: bool = False
    origin: str | None = None

    def runs_in(self, env: str) -> bool:
        """Whether the service exists in environment ``env``."""
        return self.environments is None or env in self.environments

    def publishes(self, port_name: str) -> bool:
        """Whether a host publishes the port called ``port_name``."""
        return port_name in self.publish


class PortRange(Record):
    """An inclusive range of ports, named in ``ranges:`` or an environment's ``range``."""

    name: str
    start: int
    end: int
    reserved: bool
    description: str
    source: Source

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.start <= port <= self.end

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"


class Environment(Record):
    """A port scheme: production, development, test... with its offsets and allowed range.

    ``offset`` moves both sides of a port; ``host_offset`` only the published side.
    """

    name: str
    offset: int
    range: PortRange | None
    source: Source
    host_offset: int = 0


class Notice(Record):
    """A warning about the registry: where it is and what it says (not an error)."""

    where: Source
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class InputFile(Record):
    """A registry file that was read, with the blake2b-128 hex digest of its bytes as read."""

    path: Path
    digest: str


class SetValue(Record):
    """One ``set:`` entry of a target: key path (may hold {env}/{service}) -> value."""

    key: str
    value: str
    source: Source


class ReplaceRule(Record):
    """One ``replace:`` entry: a regex whose ``port`` group (or group 1) is rewritten.

    An ``optional`` rule may match nothing (one rule list shared by several files).
    """

    pattern: str
    value: str
    source: Source
    optional: bool = False


class Target(Record):
    """A target as declared in ports.yaml, before {env}/{service} expansion."""

    path: str
    format: str | None
    sets: tuple[SetValue, ...]
    replace: tuple[ReplaceRule, ...]
    template: str | None
    block: str | None
    services: tuple[str, ...] | None
    environments: tuple[str, ...] | None
    create: bool
    source: Source


class IncludeEntry(Record):
    """One ``include:`` entry: a registry by ``path``, or by ``git`` URL at ``rev`` (+ path)."""

    path: str | None
    git: str | None
    rev: str | None
    source: Source


class Registry(Record):
    """A loaded, schema-valid ports.yaml.

    ``services`` are its own; ``included`` holds every registry it includes,
    transitively, once each; ``inputs`` every registry file read for it (its
    own first), so a cache can tell when any of them changed. ``origin`` is
    the label an included registry is known by (None for the registry run).
    """

    path: Path
    project: str | None
    parallel_environments: bool
    environments: tuple[Environment, ...]
    ranges: tuple[PortRange, ...]
    services: tuple[Service, ...]
    targets: tuple[Target, ...]
    templates_dir: Path
    warnings: tuple[Notice, ...]
    default_environment: str = "default"
    includes: tuple[IncludeEntry, ...] = ()
    included: tuple[Registry, ...] = ()
    inputs: tuple[InputFile, ...] = ()
    origin: str | None = None

    @property
    def root(self) -> Path:
        """The folder every relative path of the registry is relative to."""
        return self.path.parent

    @property
    def label(self) -> str:
        """How messages name the registry file."""
        return self.path.name

    @property
    def known_services(self) -> tuple[Service, ...]:
        """Its own services, then those of every included registry."""
        return self.services + tuple(s for r in self.included for s in r.services)

    def service(self, name: str) -> Service | None:
        """The service called ``name``, its own or an included one, if any."""
        return next((s for s in self.known_services if s.name == name), None)

    def range(self, name: str) -> PortRange | None:
        """The named range called ``name``, if any."""
        return next((r for r in self.ranges if r.name == name), None)


class ValueChange(Record):
    """A value an editor found different from what the registry implies.

    ``found`` is None when the key (or file) is missing; ``key`` is None for
    whole-file and block changes, which ``label`` then describes.
    """

    key: str | None
    line: int | None
    found: str | None
    expected: str | None
    label: str | None = None


class FileChange(Record):
    """The planned state of one file: its text before (None: missing) and after."""

    path: str
    real: str  # its real path (links resolved), as text: a check never needs a Path
    label: str  # how messages name it (fsio.display_path)
    before: str | None
    after: str
    changes: tuple[ValueChange, ...]

    @property
    def absolute(self) -> Path:
        """The real path, as writing needs it."""
        return Path(self.real)

    @property
    def changed(self) -> bool:
        """Whether writing the plan would touch this file."""
        return self.before != self.after


class Plan(Record):
    """Every target file's planned state, computed before anything is written."""

    files: tuple[FileChange, ...]

    @property
    def changed(self) -> tuple[FileChange, ...]:
        """The files a run would write."""
        return tuple(f for f in self.files if f.changed)


class SetEdit(Record):
    """Set the value at a key path (already expanded and rendered)."""

    key: KeyPath
    key_text: str
    value: str
    source: Source


class ReplaceEdit(Record):
    """Rewrite the ``port`` group (or group 1) of every match of a regex (``optional``: or none)."""

    pattern: str
    value: str
    source: Source
    optional: bool = False


class RenderEdit(Record):
    """A rendered template: the whole file, or the lines of one marked block."""

    template: str
    block: str | None
    text: str
    source: Source


Edit = SetEdit | ReplaceEdit | RenderEdit


class FileJob(Record):
    """Everything the targets ask of one file, after {env}/{service} expansion."""

    path: str
    format: str
    create: bool
    edits: tuple[Edit, ...]
