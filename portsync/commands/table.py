"""``portsync table``: every service and named port per environment, as text, markdown, json, csv.

The JSON document (stable; new keys may be added, none removed)::

    {
      "portsync": 1,
      "project": "lumiere" | null,
      "environments": ["production", "development"],      # the columns, declared order
      "ports": [                                           # one per (service, port name)
        {
          "service": "postgres",
          "name": "http",                                  # "http" for a single `port:`
          "group": "infra" | null,
          "description": "PostgreSQL",                     # "" when none
          "registry": "../infra/ports.yaml" | null,        # included from there; null: own
          "environments": {                                # only where it has a port
            "development": {"port": 5432, "host_port": 5432},   # host_port null: not published
            "test": {"port": 5432, "host_port": 5433}
          }
        }
      ]
    }
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Container, Sequence
from dataclasses import dataclass

from portsync.errors import UsageError
from portsync.model import Registry
from portsync.registry.resolution import PortTable, ResolvedPort

_NONE = "-"


@dataclass(frozen=True, slots=True)
class Row:
    """One (service, port name) and its resolved port in each shown environment."""

    service: str
    name: str
    group: str | None
    description: str
    ports: tuple[ResolvedPort | None, ...]
    registry: str | None = None  # the included registry it comes from; None: its own


def select_envs(registry: Registry, envs: Sequence[str]) -> tuple[str, ...]:
    """The environments to show: those asked for (checked), else every one in declared order."""
    known = [e.name for e in registry.environments]
    for name in envs:
        if name not in known:
            raise UsageError(f"unknown environment {name!r} ({registry.label} has "
                             f"{', '.join(known)})")
    return tuple(e for e in known if e in envs) if envs else tuple(known)


def rows(table: PortTable, envs: Sequence[str]) -> list[Row]:
    """One row per (service, port name) that has a port in at least one shown environment."""
    found = []
    for service in table.registry.known_services:
        for named in service.ports:
            ports = tuple(table.get(service.name, named.name, env) for env in envs)
            if any(ports):
                found.append(Row(service.name, named.name, service.group,
                                 service.description, ports, service.origin))
    return found


def cell(port: ResolvedPort | None) -> str:
    """``8000``, ``5432 (host 5433)`` where the published port differs, ``-`` where none.

    A port no host publishes is ``7070 (not published)``.
    """
    if port is None:
        return _NONE
    if port.host_port is None:
        return f"{port.port} (not published)"
    if port.host_port != port.port:
        return f"{port.port} (host {port.host_port})"
    return str(port.port)


def _label(row: Row) -> str:
    # A service with one port named http is simply the service; others show the port name.
    return row.service if row.name == "http" else f"{row.service}.{row.name}"


def _grid(found: list[Row], envs: Sequence[str]) -> list[list[str]]:
    # A REGISTRY column only when some service comes from an included registry.
    origins = any(r.registry for r in found)
    header = ["SERVICE", *envs, "GROUP", "DESCRIPTION", *(["REGISTRY"] if origins else [])]
    body = [[_label(r), *(cell(p) for p in r.ports), r.group or "", r.description,
             *([r.registry or ""] if origins else [])] for r in found]
    return [header, *body]


def aligned(grid: list[list[str]], right: Container[int] = ()) -> list[str]:
    """Each row of cells padded to its column's width, two spaces apart."""
    widths = [max(len(line[i]) for line in grid) for i in range(len(grid[0]))]
    return ["  ".join(v.rjust(w) if i in right else v.ljust(w)
                      for i, (v, w) in enumerate(zip(line, widths, strict=True))).rstrip()
            for line in grid]


def as_text(found: list[Row], envs: Sequence[str]) -> list[str]:
    """Columns aligned for a terminal (numbers right-aligned), header underlined."""
    grid = _grid(found, envs)
    grid.insert(1, ["-" * max(len(line[i]) for line in grid) for i in range(len(grid[0]))])
    return aligned(grid, right=range(1, 1 + len(envs)))


def as_markdown(found: list[Row], envs: Sequence[str]) -> list[str]:
    """A GitHub-flavoured markdown table."""
    grid = _grid(found, envs)
    grid[0] = ["Service", *envs, "Group", "Description", *(["Registry"] if len(grid[0]) >
                                                           len(envs) + 3 else [])]

    def esc(value: str) -> str:
        return value.replace("\\", "\\\\").replace("|", "\\|") or " "

    align = ["---", *("---:" for _ in envs), *("---" for _ in grid[0][len(envs) + 1:])]
    return [f"| {' | '.join(esc(v) for v in line)} |" for line in grid[:1]] + \
        [f"| {' | '.join(align)} |"] + \
        [f"| {' | '.join(esc(v) for v in line)} |" for line in grid[1:]]


def as_csv(found: list[Row], envs: Sequence[str]) -> list[str]:
    """CSV with a header: service, port_name, one column per environment, group, description.

    A last column ``registry`` names the included registry of each service, when any is.
    """
    origins = any(r.registry for r in found)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["service", "port_name", *envs, "group", "description",
                     *(["registry"] if origins else [])])
    for r in found:
        writer.writerow([r.service, r.name, *(cell(p) if p else "" for p in r.ports),
                         r.group or "", r.description, *([r.registry or ""] if origins else [])])
    return buffer.getvalue().rstrip("\n").split("\n")


def as_json(registry: Registry, found: list[Row], envs: Sequence[str]) -> list[str]:
    """The JSON document described in this module's docstring."""
    document = {
        "portsync": 1,
        "project": registry.project,
        "environments": list(envs),
        "ports": [{
            "service": r.service, "name": r.name, "group": r.group,
            "description": r.description, "registry": r.registry,
            "environments": {p.env: {"port": p.port, "host_port": p.host_port}
                             for p in r.ports if p is not None},
        } for r in found],
    }
    return [json.dumps(document, indent=2)]


def render_table(table: PortTable, envs: Sequence[str], fmt: str) -> list[str]:
    """The lines ``portsync table`` prints."""
    shown = select_envs(table.registry, envs)
    found = rows(table, shown)
    if fmt == "json":
        return as_json(table.registry, found, shown)
    if fmt == "markdown":
        return as_markdown(found, shown)
    if fmt == "csv":
        return as_csv(found, shown)
    return as_text(found, shown)
