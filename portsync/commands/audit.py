"""``portsync audit``: which port mentions no target manages, and which files were not read.

With a registry, the mentions of its ports count, and a mention is managed
when a target rewrites its digits (``adoption/managed.py``). Without one,
every port mention is unmanaged: the baseline before ``portsync import``.
"""

from __future__ import annotations

import bisect
import itertools
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from portsync.adoption.discover import Scanned, scan_all
from portsync.adoption.files import RepoFiles, Skipped, repo_files
from portsync.adoption.mentions import Mention
from portsync.registry.access import DEFAULT_ACCESS, GitAccess
from portsync.registry.finding import REGISTRY_NAME
from portsync.report import EXIT_DRIFT, EXIT_OK, Output
from portsync.sync import Loaded
from portsync.yamlkit import parsers

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Audited:
    """A port mention, whether a target keeps it, and whose port it is (empty: no registry)."""

    mention: Mention
    managed: bool
    owners: str


@dataclass(frozen=True, slots=True)
class AuditResult:
    """Every mention found in file order, the files not read, and how files were listed."""

    mentions: tuple[Audited, ...]
    files: int
    skipped: tuple[Skipped, ...]
    note: str | None
    baseline: bool = False

    @property
    def hard_coded(self) -> list[Audited]:
        """The mentions no target manages."""
        return [a for a in self.mentions if not a.managed]

    @property
    def coverage(self) -> float:
        """The share of mentions that are managed, in percent (100 when there are none)."""
        if not self.mentions:
            return 100.0
        return 100.0 * (len(self.mentions) - len(self.hard_coded)) / len(self.mentions)

    @property
    def unread(self) -> list[Skipped]:
        """The files not read that may hold ports (too big, not UTF-8, unreadable)."""
        return [s for s in self.skipped if s.kind == "unread"]


def _owners(loaded: Loaded) -> dict[int, str]:
    """Port number -> ``courier, development`` (every service port and env using it)."""
    envs: dict[int, dict[str, list[str]]] = defaultdict(dict)
    for p in loaded.table.all():
        label = p.service if p.name == "http" else f"{p.service} {p.name}"
        for number in {p.port, p.host_port or p.port}:
            envs[number].setdefault(label, [])
            if p.env not in envs[number][label]:
                envs[number][label].append(p.env)
    return {n: "; ".join(f"{label}, {', '.join(e)}" for label, e in by.items())
            for n, by in envs.items()}


def _own_files(paths: tuple[str, ...], name: str) -> list[str]:
    """The files this registry answers for: not a registry, not under a nested registry."""
    nested = [p.rsplit("/", 1)[0] + "/" for p in paths if "/" in p and p.rsplit("/", 1)[1] == name]
    return [p for p in paths if p.rsplit("/", 1)[-1] != name
            and not any(p.startswith(folder) for folder in nested)]


def _read(root: Path, listed: RepoFiles, name: str) -> tuple[list[Scanned], list[Skipped]]:
    """The files this registry answers for, scanned, and those not read."""
    scanned, skipped = [], list(listed.unlisted)
    for one in scan_all(root, _own_files(listed.paths, name)):
        if isinstance(one.text, Skipped):
            skipped.append(one.text)
        else:
            scanned.append(one)
    return scanned, skipped


def _within(kept: list[Span], ends: list[int], m: Mention) -> bool:
    """Whether a span encloses the mention's digits (spans sorted; ``ends``: running max end)."""
    index = bisect.bisect_right(kept, (m.start, sys.maxsize))  # spans starting at or before it
    return ends[index] >= m.end  # the furthest-reaching of them reaches past it


def audit(registry_path: Path, git: GitAccess = DEFAULT_ACCESS) -> AuditResult:
    """Scan the registry root's files for mentions of its ports, managed or hard-coded."""
    from portsync.adoption.managed import managed_spans
    from portsync.sync import load

    loaded = load(registry_path, git)
    root = loaded.registry.root
    owners = _owners(loaded)
    with parsers.remembered():  # the scan reads the files the editors have parsed
        spans = managed_spans(loaded)
        listed = repo_files(root)
        scanned, skipped = _read(root, listed, loaded.registry.path.name)
    found = []
    for one in scanned:
        kept = sorted(spans.get(one.path, []))
        ends = list(itertools.accumulate((b for _, b in kept), max, initial=-1))
        for m in one.mentions:
            if m.port in owners:
                found.append(Audited(m, _within(kept, ends, m), owners[m.port]))
    return AuditResult(tuple(found), len(listed.paths), tuple(skipped), listed.note)


def audit_baseline(root: Path) -> AuditResult:
    """Without a registry, every port mention under root is unmanaged: the starting point."""
    listed = repo_files(root)
    scanned, skipped = _read(root, listed, REGISTRY_NAME)
    found = [Audited(m, False, "") for one in scanned for m in one.mentions]
    note = f"no {REGISTRY_NAME} here or above: every port mention counts as unmanaged " \
           "(run `portsync import` to propose one)"
    return AuditResult(tuple(found), len(listed.paths), tuple(skipped),
                       "; ".join(n for n in (note, listed.note) if n), baseline=True)


def _by_line(hard: list[Audited]) -> list[str]:
    """One line per file line, each port once: a table row with a URL is one line."""
    lines: dict[tuple[str, int], dict[str, None]] = {}
    for a in hard:
        shown = f"{a.mention.port} ({a.owners})" if a.owners else str(a.mention.port)
        lines.setdefault((a.mention.path, a.mention.line), {})[shown] = None
    return [f"{path}:{line}: {', '.join(ports)}" for (path, line), ports in lines.items()]


def render_audit(result: AuditResult, output: str, strict: bool) -> Output:
    """Hard-coded mentions as ``PATH:LINE: PORT (service, env)``, files not read, coverage.

    ``strict`` fails (exit 1) on a hard-coded mention and on a file that may
    hold ports but could not be read: audit cannot vouch for it.
    """
    hard = result.hard_coded
    total = len(result.mentions)
    unread = result.unread
    line = (f"{total - len(hard)} of {total} port mentions managed "
            f"({result.coverage:.1f}%)")
    if unread:
        line += f"; {len(unread)} file{'s' if len(unread) != 1 else ''} not read"
    binary = sum(1 for s in result.skipped if s.kind == "binary")
    unread_binary = f"{binary} binary file{'s' if binary != 1 else ''} not read" if binary else None
    notes = [n for n in (result.note, unread_binary) if n]
    code = EXIT_DRIFT if strict and (hard or unread) else EXIT_OK
    if output == "json":
        document = {
            "portsync": 1, "ok": code == EXIT_OK, "exit_code": code, "summary": line,
            "total": total, "managed": total - len(hard),
            "coverage": round(result.coverage, 1), "baseline": result.baseline,
            "note": result.note,
            "mentions": [{"path": a.mention.path, "line": a.mention.line,
                          "port": a.mention.port, "rule": a.mention.rule,
                          "managed": a.managed, "owners": a.owners}
                         for a in result.mentions],
            "skipped": [{"path": s.path, "kind": s.kind, "reason": s.reason}
                        for s in result.skipped],
        }
        return Output([json.dumps(document, indent=2)], [], code)
    out = _by_line(hard) + [f"{s.path}: not read: {s.reason}" for s in result.skipped
                            if s.kind != "binary"]
    return Output([*out, line], [f"note: {n}" for n in notes], code, line)
