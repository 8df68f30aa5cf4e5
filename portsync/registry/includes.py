"""``include:``: every registry a registry includes, transitively, once each (SPEC v2 §1).

An included registry is found by a path relative to the registry that names
it, or as a file of a git repository at a pinned rev (see gitcache). Each file
is read once, however many registries include it, so a cycle is fine. Its
services join the checks; its targets are never run here.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Mapping
from pathlib import Path

from portsync import fsio
from portsync.errors import PortsyncError, ProblemList, RegistryError, raise_all
from portsync.model import IncludeEntry, Registry, Service
from portsync.records import Record
from portsync.registry.access import GitAccess
from portsync.registry.document import read_document
from portsync.registry.finding import REGISTRY_NAME
from portsync.registry.reader import is_int
from portsync.registry.schema import SchemaReader


class _Place(Record):
    """The git checkout a registry file lies in (``repo``, named ``name``), or none."""

    repo: Path | None = None
    name: str = ""


def follow_includes(root: Registry, git: GitAccess) -> Registry:
    """``root`` with every registry it includes, and every file read, attached."""
    if not root.includes:
        return root
    places = {root.path: _Place()}
    seen = {os.path.realpath(root.path)}
    included: list[Registry] = []
    problems: list[PortsyncError] = []
    queue = deque((root, entry) for entry in root.includes)
    while queue:
        parent, entry = queue.popleft()
        try:
            path, place, label, origin = _locate(root, parent, places[parent.path], entry,
                                                 git)
            real = os.path.realpath(path)
            if real in seen:
                continue  # read already: a cycle, or two registries sharing an include
            seen.add(real)
            registry = _read(path, label, origin, entry)
        except PortsyncError as err:
            problems.append(err)
            continue
        places[registry.path] = place
        included.append(registry)
        queue.extend((registry, e) for e in registry.includes)
    raise_all(problems)
    raise_all(_defined_twice(root.services + tuple(s for r in included for s in r.services)))
    return root._replace(included=tuple(included),
                         inputs=root.inputs + tuple(f for r in included for f in r.inputs))


def _locate(root: Registry, parent: Registry, place: _Place, entry: IncludeEntry, git: GitAccess
            ) -> tuple[Path, _Place, str, str]:
    """The included file, the checkout it lies in, and its two names.

    The label names it in messages (relative to the current folder, as every
    file is); the origin names it in table, validate and templates, the same
    wherever portsync runs (relative to the root registry's folder). Inside a
    git include both are ``URL@REV:PATH``.
    """
    where = str(entry.source)
    if entry.git is not None and entry.rev is not None:
        url = entry.git
        if url.startswith("."):  # ./x.git, ../x.git: beside the registry that names it
            url = (parent.root / url).absolute().as_posix()
        from portsync.registry import gitcache  # only for a git include

        found = gitcache.checkout(url, entry.rev, git, where)
        place = _Place(found.folder, f"{url}@{entry.rev}")
        path = found.folder / (entry.path or REGISTRY_NAME)
    else:
        path = parent.root / (entry.path or REGISTRY_NAME)
    if path.is_dir():
        path = path / REGISTRY_NAME
    if place.repo is None:
        origin = Path(os.path.relpath(path.absolute(), root.root)).as_posix()
        return path, place, fsio.display_path(path), origin
    inner = Path(os.path.relpath(os.path.realpath(path), os.path.realpath(place.repo)))
    if inner.parts[:1] == ("..",):
        raise RegistryError(f"include: {entry.path} leads out of the repository {place.name}",
                            where=where)
    name = f"{place.name}:{inner.as_posix()}"
    return path, place, name, name


def _read(path: Path, label: str, origin: str, entry: IncludeEntry) -> Registry:
    """One included registry; any problem is placed at the include entry that names it."""
    where = str(entry.source)
    try:
        data, source = read_document(path, label)
    except RegistryError as err:
        raise RegistryError(f"include: {err}", where=where) from err
    if not isinstance(data, Mapping) or "version" not in data:
        raise RegistryError(f"include: {label} is not a portsync registry "
                            "(it has no 'version: 1')", where=where)
    version = data["version"]
    if version != 1 or not is_int(version):
        raise RegistryError(f"include: {label} has version {version!r}; this portsync reads "
                            "version 1", where=where)
    try:
        registry = SchemaReader(label, origin).registry(data, path.absolute())
    except PortsyncError as err:
        raise ProblemList(RegistryError(f"include: {p}", where=where) for p in err.flat()
                          ) from err
    return registry._replace(inputs=(source,))


def _defined_twice(services: tuple[Service, ...]) -> list[PortsyncError]:
    """A service name two registries define: placed at the own one, naming the other."""
    first: dict[str, Service] = {}
    problems: list[PortsyncError] = []
    for service in services:
        earlier = first.setdefault(service.name, service)
        if earlier is service:
            continue
        here, there = (earlier, service) if earlier.origin is None else (service, earlier)
        problems.append(RegistryError(
            f"service {service.name!r} is defined twice: here and in {there.source}",
            where=str(here.source)))
    return problems
