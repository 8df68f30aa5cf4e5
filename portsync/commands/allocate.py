"""``portsync allocate``: the lowest free port for a new service, and adding it to ports.yaml."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from portsync import fsio
from portsync.commands.table import select_envs
from portsync.editors.yamlscalar import double_quoted
from portsync.errors import RegistryError, UsageError
from portsync.model import Environment, PortRange, Registry
from portsync.registry.access import DEFAULT_ACCESS, GitAccess
from portsync.registry.resolution import PortTable, ResolvedPort
from portsync.report import EXIT_DRIFT, EXIT_OK, Output
from portsync.sync import load
from portsync.yamlkit import parsers, resolver

LOWEST, HIGHEST = 1024, 65535
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# What a plain scalar that is not a string reads as, for the message.
_READS_AS = {"bool": "a boolean", "int": "a number", "float": "a number", "null": "null",
             "timestamp": "a date"}


@dataclass(frozen=True, slots=True)
class Allocation:
    """A proposed port: ``port`` is the base written in ports.yaml; ``per_env`` after offsets.

    ``port`` is None when the searched range has no free port; ``searched``
    describes where portsync looked, for the message. ``published``: a host
    publishes it (``per_env`` then holds the host ports).
    """

    service: str
    port: int | None
    group: str | None
    envs: tuple[str, ...] | None
    per_env: tuple[tuple[str, int], ...]
    searched: str
    published: bool = True


def allocate(table: PortTable, service: str, group: str | None,
             envs: Sequence[str], publish: bool = False) -> Allocation:
    """The lowest base port that is free and allowed in every environment it would run in.

    With ``group`` the candidates are that range; without one they are
    1024-65535 minus every named range (those belong to their groups). A
    published port (``publish``) must be a free host port after the offsets;
    a container-only one, which can never collide, is one that no port of the
    registry uses on either side, so that it could be published later.
    """
    registry = table.registry
    _check_name(registry, service)
    chosen = _environments(registry, envs)
    if group is not None:
        found = registry.range(group)
        if found is None or found.reserved:
            names = [r.name for r in registry.ranges if not r.reserved]
            what = "is a reserved range" if found else f"names no range of {registry.label}"
            raise UsageError(f"--group {group!r} {what} (groups: {', '.join(names) or 'none'})")
        candidates, searched = range(found.start, found.end + 1), f"group {group} ({found})"
        excluded: list[PortRange] = []
    else:
        candidates = range(LOWEST, HIGHEST + 1)
        searched = f"{LOWEST}-{HIGHEST} outside named ranges"
        excluded = list(registry.ranges)
    if registry.parallel_environments and publish:
        _check_offsets(chosen)
    taken = _taken(table, chosen, registry.parallel_environments, publish)
    reserved = [r for r in registry.ranges if r.reserved]
    excluded += reserved
    for base in candidates:
        if any(base in r for r in excluded):
            continue
        shifted = [(env.name, base + env.offset + (env.host_offset if publish else 0))
                   for env in chosen]
        if all(_fits(env, number, taken, reserved)
               for env, (_, number) in zip(chosen, shifted, strict=True)):
            return Allocation(service, base, group, tuple(envs) or None, tuple(shifted),
                              searched, publish)
    return Allocation(service, None, group, tuple(envs) or None, (), searched, publish)


def _check_name(registry: Registry, service: str) -> None:
    if registry.service(service) is not None:
        raise UsageError(f"service {service!r} already exists in {registry.label}")
    if not _PLAIN.fullmatch(service):
        raise UsageError(f"service name {service!r}: use letters, digits, '.', '_' and '-', "
                         "starting with a letter or digit")
    if not parsers.resolves_to_str(service):
        # 'no', 'on' or 'n' are booleans to YAML 1.1 tools, '1e3' a number to every one.
        tag = next(t for t in (resolver.resolve(service, v) for v in ((1, 1), (1, 2)))
                   if t != resolver.STR)
        kind = _READS_AS.get(tag.rpartition(":")[2], "no text")
        raise UsageError(f"service name {service!r} reads as {kind} in YAML, not as a name: "
                         "choose another name")


def _environments(registry: Registry, envs: Sequence[str]) -> list[Environment]:
    chosen = select_envs(registry, envs)
    return [e for e in registry.environments if e.name in chosen]


def _check_offsets(chosen: list[Environment]) -> None:
    # Running at once, two environments with one offset would give the new service one
    # host port twice: no number can work, so say why instead of "range full".
    seen: dict[int, str] = {}
    for env in chosen:
        shift = env.offset + env.host_offset
        if shift in seen:
            raise UsageError(
                f"environments {seen[shift]} and {env.name} shift host ports by {shift:+d} "
                "alike and run in parallel: add the service with 'fixed: true' or "
                "per-environment ports by hand, or pass --env")
        seen[shift] = env.name


def _taken(table: PortTable, chosen: list[Environment], parallel: bool, publish: bool
           ) -> dict[str, set[int]]:
    """Numbers already used, per environment (with parallel environments: all of them).

    For a published port the host ports; for a container-only one both sides.
    """
    def used(ports: list[ResolvedPort]) -> set[int]:
        numbers = {n for p in ports for n in (p.host_port, None if publish else p.port)}
        return {n for n in numbers if n is not None}

    everywhere = used(table.all())
    return {env.name: everywhere if parallel else used(table.in_env(env.name))
            for env in chosen}


def _fits(env: Environment, number: int, taken: dict[str, set[int]],
          reserved: list[PortRange]) -> bool:
    if not 1 <= number <= HIGHEST or number in taken[env.name]:
        return False
    if any(number in r for r in reserved):
        return False
    # A container-only port has no host port, but stays in the environment's range all
    # the same: it may be published later, and the range is where the team looks for it.
    return env.range is None or number in env.range


def describe(found: Allocation) -> str:
    """A one-line explanation: what the port is in every environment, and where it came from."""
    if found.port is None:
        return (f"no free port for {found.service} in {found.searched}: every port is taken, "
                "reserved, or shifted out of an environment's range by its offset")
    envs = ", ".join(f"{name} {number}" for name, number in found.per_env)
    kind = "published" if found.published else \
        "container-only (publish: false; --publish for a host port)"
    return (f"{found.service}: {found.port} ({envs}); lowest free port in {found.searched}, "
            f"{kind}")


# -- writing ------------------------------------------------------------------------------


def entry_text(found: Allocation) -> str:
    """The value written for the service: ``8001`` or ``{port: 8001, group: api}``."""
    assert found.port is not None
    parts = [f"port: {found.port}"]
    if found.group is not None:
        parts.append(f"group: {_scalar(found.group)}")
    if found.envs:
        parts.append(f"environments: [{', '.join(_scalar(e) for e in found.envs)}]")
    if not found.published:
        parts.append("publish: false")
    return str(found.port) if len(parts) == 1 else "{" + ", ".join(parts) + "}"


def _scalar(name: str) -> str:
    return name if _PLAIN.fullmatch(name) and parsers.resolves_to_str(name) \
        else double_quoted(name)


def insert_service(text: str, name: str, value: str, label: str) -> tuple[str, int]:
    """``text`` with ``name: value`` added under ``services:``, and the new line's number.

    The YAML editor places it as it places any new key: after the last line
    of the last service's block, the comment lines under it included, so the
    commented-out examples of ``portsync init`` stay with their service. Every
    other byte is kept, a missing final newline included.
    """
    from portsync.editors.yamlfile import add_key

    new, line = add_key(text, ("services", name), value, label, RegistryError)
    if text and not text.endswith("\n") and new.endswith("\n"):
        new = new.removesuffix("\n").removesuffix("\r")
    return new, line


def write_allocation(registry: Registry, found: Allocation, git: GitAccess = DEFAULT_ACCESS) -> int:
    """Add the service to ports.yaml under the sync lock, atomically; return its line.

    The new text is validated in the file's place first. A symlinked ports.yaml
    is written through (the file it leads to changes, the link stays), and a
    file that changed since it was read is left alone (exit 2).
    """
    path, label = registry.path, registry.label
    original = fsio.read_text(path, label, RegistryError)
    if original is None:
        raise RegistryError("file not found", where=label)
    body, line = insert_service(original.body, found.service, entry_text(found), label)
    text = (fsio.BOM if original.bom else "") + body
    # Validate the new text in the file's place: same messages, and includes by
    # relative path still resolve.
    load(path, git, proposed=text)
    fsio.replace_locked(path, original.full, text, label)
    return line


def run_allocate(path: Path, service: str, group: str | None, envs: Sequence[str],
                 write: bool, quiet: bool = False, publish: bool = False,
                 git: GitAccess = DEFAULT_ACCESS) -> Output:
    """``portsync allocate``: the port alone on stdout (for scripts), the details on stderr.

    ``quiet`` leaves the details out; a full range is still explained.
    """
    loaded = load(path, git)
    found = allocate(loaded.table, service, group, envs, publish)
    if found.port is None:
        return Output([], [f"portsync: {describe(found)}"], EXIT_DRIFT)
    details = [describe(found)]
    if write:
        line = write_allocation(loaded.registry, found, git)
        details.append(f"added {service}: {entry_text(found)} to {loaded.registry.label}:{line}")
    return Output([str(found.port)], [] if quiet else details, EXIT_OK)
