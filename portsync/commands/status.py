"""``portsync status``: which registry ports are listening on this host, and by which process.

Replaces the seeds' ``netstat -ano | findstr`` and ``lsof -i`` recipes on Linux,
macOS and Windows through psutil (imported lazily). Only TCP listening sockets
count. Where the system hides sockets or processes from an unprivileged user,
the report says so instead of guessing.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from portsync.commands.table import aligned
from portsync.registry.resolution import PortTable

# Processes that publish a container's port: the container behind them has no name here.
_PROXIES = frozenset({
    "docker-proxy", "com.docker.backend", "com.docker.vpnkit", "vpnkit", "rootlesskit",
    "rootlessport", "gvproxy", "wslrelay", "slirp4netns", "pasta", "conmon", "podman",
    "docker desktop", "com.docker.backend.exe", "vpnkit.exe", "wslrelay.exe",
    "docker-proxy.exe", "gvproxy.exe",
})
_SEP = re.compile(r"[^a-z0-9]+")
GUESS_NOTE = ("conflicts are a guess: the process name and command line are compared with "
              "the service name")


@dataclass(frozen=True, slots=True)
class Listener:
    """A listening TCP socket; pid and names are None where the system would not tell."""

    port: int
    address: str
    pid: int | None
    process: str | None
    cmdline: str | None


@dataclass(frozen=True, slots=True)
class Scan:
    """Every listening socket found, and plain sentences about what could not be read."""

    listeners: tuple[Listener, ...]
    unreadable: tuple[str, ...]
    complete: bool


@dataclass(frozen=True, slots=True)
class PortStatus:
    """One registry host port of one (service, port name) and who listens on it."""

    port: int
    service: str
    name: str
    envs: tuple[str, ...]
    container_port: int
    listeners: tuple[Listener, ...]
    conflict: bool
    notes: tuple[str, ...]
    selected: bool

    @property
    def listening(self) -> bool:
        """Whether anything listens on the port."""
        return bool(self.listeners)


def scan() -> Scan:
    """The listening sockets of this host (psutil), falling back to per-process reads."""
    import psutil

    try:
        sockets = psutil.net_connections(kind="inet")
    except psutil.AccessDenied:
        # macOS without root: the system-wide call is refused; read process by process.
        return _scan_processes(psutil)
    found = [(c.laddr, c.pid) for c in sockets if c.status == psutil.CONN_LISTEN and c.laddr]
    listeners = [_listener(psutil, addr.port, addr.ip, pid) for addr, pid in found]
    return Scan(tuple(listeners), (), True)


def _scan_processes(psutil: Any) -> Scan:
    listeners: list[Listener] = []
    denied = 0
    for proc in psutil.process_iter(["pid"]):
        try:
            sockets = proc.net_connections(kind="inet")
        except (psutil.AccessDenied, psutil.ZombieProcess):
            denied += 1
            continue
        except (psutil.NoSuchProcess, OSError):
            continue  # gone meanwhile, or a socket the OS will not describe
        listeners += [_listener(psutil, c.laddr.port, c.laddr.ip, proc.pid)
                      for c in sockets if c.status == psutil.CONN_LISTEN and c.laddr]
    notes = ["the system-wide socket list needs root here (macOS: sudo portsync status); "
             "read process by process instead"]
    if denied:
        notes.append(f"the sockets of {denied} process(es) of other users could not be read: "
                     "a port they hold is found by a bind test, without pid or name")
    return Scan(tuple(listeners), tuple(notes), denied == 0)


def _listener(psutil: Any, port: int, address: str, pid: int | None) -> Listener:
    name = cmdline = None
    if pid:
        try:
            proc = psutil.Process(pid)
            name = proc.name()
            cmdline = " ".join(proc.cmdline())
        except (psutil.AccessDenied, psutil.ZombieProcess):
            pass  # the name alone is often readable; keep what we have
        except psutil.NoSuchProcess:
            pid = None
    return Listener(port, address, pid or None, name, cmdline)


def port_in_use(port: int) -> bool:
    """Whether binding the port on this host fails because someone holds it (a bind test)."""
    import errno
    import socket

    for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "0.0.0.0")):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            if hasattr(socket, "SO_REUSEADDR") and not hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
                # POSIX: ignore TIME_WAIT leftovers; a listener still refuses the bind.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((address, port))
            except OSError as err:
                if err.errno == errno.EADDRINUSE:
                    return True
    return False


def matches(service: str, listener: Listener) -> bool | None:
    """Whether the listener looks like the service; None when it cannot be told."""
    if listener.process is None or listener.process.lower() in _PROXIES:
        return None
    wanted = _SEP.sub("", service.lower())
    seen = _SEP.sub("", f"{listener.process} {listener.cmdline or ''}".lower())
    return bool(wanted) and wanted in seen


def statuses(table: PortTable, envs: Sequence[str], found: Scan) -> list[PortStatus]:
    """Every host port of the selected environments, then listening ports of the others."""
    by_port: dict[int, list[Listener]] = defaultdict(list)
    for listener in found.listeners:
        if all(x.pid != listener.pid or x.pid is None for x in by_port[listener.port]):
            by_port[listener.port].append(listener)  # IPv4 + IPv6 of one process: once
    owners: dict[int, set[tuple[str, str]]] = defaultdict(set)
    groups: dict[tuple[int, str, str, int], list[str]] = defaultdict(list)
    for p in table.all():
        if p.host_port is None:
            continue  # not published: it listens inside its container, not on this host
        owners[p.host_port].add((p.service, p.env))
        groups[(p.host_port, p.service, p.name, p.port)].append(p.env)
    result = []
    for (port, service, name, inner), in_envs in groups.items():
        selected = any(e in envs for e in in_envs)
        listeners = tuple(by_port.get(port, ()))
        if not listeners and not found.complete and port_in_use(port):
            listeners = (Listener(port, "", None, None, None),)
        if not selected and not listeners:
            continue
        others = sorted(f"{s} ({e})" for s, e in owners[port] if s != service)
        conflict, notes = _judge(service, listeners, others)
        result.append(PortStatus(port, service, name, tuple(in_envs), inner, listeners,
                                 conflict, tuple(notes), selected))
    return sorted(result, key=lambda s: (not s.selected, s.port, s.service, s.name))


def _judge(service: str, listeners: Sequence[Listener], others: list[str]
           ) -> tuple[bool, list[str]]:
    conflict = False
    notes = []
    for x in listeners:
        verdict = matches(service, x)
        if x.pid is None:
            notes.append("held by a process this user may not inspect")
        elif verdict is None:
            notes.append(f"{x.process} publishes it (a container?): owner unknown")
        elif not verdict:
            conflict = True
            notes.append(f"{x.process} (pid {x.pid}) does not look like {service}")
    if others and listeners:
        notes.append(f"the registry also gives this port to {', '.join(others)}")
    return conflict, notes


def unpublished_note(table: PortTable, envs: Sequence[str]) -> list[str]:
    """A note counting the selected ports that no host publishes (status skips them)."""
    hidden = {(p.service, p.name) for p in table.all() if p.host_port is None and p.env in envs}
    if not hidden:
        return []
    one = len(hidden) == 1
    return [f"{len(hidden)} port{'' if one else 's'} not published on the host "
            f"(publish: in ports.yaml) not looked for: {'it listens' if one else 'they listen'} "
            f"inside {'its container' if one else 'their containers'}"]


def _notes(rows: list[PortStatus], found: Scan, extra: Sequence[str]) -> list[str]:
    notes = [GUESS_NOTE] if any(r.listening for r in rows) else []
    if any(x.pid is None for r in rows for x in r.listeners):
        notes.append("some owners are hidden from this user: run as root (sudo) or as "
                     "administrator to see their pid and name")
    return notes + list(found.unreadable) + list(extra)


def _summary(rows: list[PortStatus]) -> str:
    shown = [r for r in rows if r.selected]
    listening = sum(1 for r in shown if r.listening)
    conflicts = sum(1 for r in rows if r.conflict)
    return (f"{len(shown)} ports: {listening} listening, {len(shown) - listening} free, "
            f"{conflicts} conflict{'' if conflicts == 1 else 's'}")


def _cells(row: PortStatus) -> list[str]:
    pids = ", ".join(str(x.pid) if x.pid else "?" for x in row.listeners)
    names = ", ".join(x.process or "?" for x in row.listeners)
    port = str(row.port) if row.port == row.container_port else \
        f"{row.port} (container {row.container_port})"
    label = row.service if row.name == "http" else f"{row.service}.{row.name}"
    state = "CONFLICT" if row.conflict else "listening" if row.listening else "free"
    return [port, label, ",".join(row.envs), state, pids, names, "; ".join(row.notes)]


def as_text(rows: list[PortStatus], found: Scan, extra: Sequence[str] = ()) -> list[str]:
    """An aligned table, listening ports of other environments after it, then notes."""
    header = ["PORT", "SERVICE", "ENVIRONMENTS", "STATE", "PID", "PROCESS", "NOTE"]
    # One alignment for both sections: selected rows come first (see statuses()).
    lines = aligned([header, *(_cells(r) for r in rows)])
    shown = 1 + sum(1 for r in rows if r.selected)
    out = lines[:shown]
    if lines[shown:]:
        out += ["", "Listening on ports the registry gives to other environments:",
                *lines[shown:]]
    out += ["", _summary(rows)]
    return out + [f"note: {line}" for line in _notes(rows, found, extra)]


def as_json(rows: list[PortStatus], found: Scan, extra: Sequence[str] = ()) -> list[str]:
    """One JSON document: ``{"portsync": 1, "summary", "complete", "ports": [...], "notes"}``."""
    document = {
        "portsync": 1,
        "summary": _summary(rows),
        "complete": found.complete,
        "ports": [{
            "port": r.port, "container_port": r.container_port, "service": r.service,
            "name": r.name, "environments": list(r.envs), "selected": r.selected,
            "state": "listening" if r.listening else "free", "conflict": r.conflict,
            "listeners": [{"pid": x.pid, "process": x.process, "address": x.address or None}
                          for x in r.listeners],
            "notes": list(r.notes),
        } for r in rows],
        "notes": _notes(rows, found, extra),
    }
    return [json.dumps(document, indent=2)]


def render_status(table: PortTable, envs: Sequence[str], fmt: str) -> list[str]:
    """The lines ``portsync status`` prints (``envs`` already checked; empty = all)."""
    chosen = list(envs) or [e.name for e in table.registry.environments]
    found = scan()
    rows = statuses(table, chosen, found)
    extra = unpublished_note(table, chosen)
    return as_json(rows, found, extra) if fmt == "json" else as_text(rows, found, extra)
