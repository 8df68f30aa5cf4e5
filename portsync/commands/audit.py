"""``portsync audit``: which mentions of the registry's ports no target manages.

What a target manages is learnt from the real pipeline, not re-implemented:
every rendered value is replaced by a unique sentinel number, the targets are
planned as usual, and the spans of the original text that the editors
rewrote are the managed ones.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from portsync.adoption.discover import Mention, read_for_scan, repo_files, scan
from portsync.fsio import BOM
from portsync.model import Edit, FileJob, RenderEdit
from portsync.plan import build_plan
from portsync.report import EXIT_DRIFT, EXIT_OK, Output
from portsync.sync import Loaded, load
from portsync.targets import expand_targets

_SENTINEL_HEAD = "48151623420"
_SENTINEL = re.compile(r"[\"']?" + _SENTINEL_HEAD + r"\d{5}[\"']?")
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Audited:
    """A mention of a registry port, whether a target keeps it, and whose port it is."""

    mention: Mention
    managed: bool
    owners: str


@dataclass(frozen=True, slots=True)
class AuditResult:
    """Every mention found, in file order, and how the files were listed."""

    mentions: tuple[Audited, ...]
    files: int
    note: str | None

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


def _stamped(jobs: list[FileJob]) -> list[FileJob]:
    """The jobs with every value (or rendered text) replaced by its own sentinel."""
    count = 0
    out = []
    for job in jobs:
        edits: list[Edit] = []
        for edit in job.edits:
            count += 1
            sentinel = f"{_SENTINEL_HEAD}{count:05d}"
            if isinstance(edit, RenderEdit):
                edits.append(dataclasses.replace(edit, text=sentinel + "\n"))
            else:
                edits.append(dataclasses.replace(edit, value=sentinel))
        out.append(dataclasses.replace(job, edits=tuple(edits)))
    return out


def _in_line(before: str, after: str) -> list[Span]:
    """The spans of one line that the sentinels replaced (the whole line if unsure)."""
    chunks = _SENTINEL.split(after)
    whole = [(0, len(before.rstrip("\r\n")))]
    if len(chunks) < 2 or not before.startswith(chunks[0]):
        return whole
    spans = []
    start = len(chunks[0])
    for index, chunk in enumerate(chunks[1:], 1):
        if index == len(chunks) - 1:
            end = len(before) - len(chunk)
            if not before.endswith(chunk) or end < start:
                return whole
        elif not chunk:
            continue  # two sentinels side by side: one span
        else:
            end = before.find(chunk, start)
            if end < 0:
                return whole
        spans.append((start, end))
        start = end + len(chunk)
    return spans


def changed_spans(before: str, after: str) -> list[Span]:
    """Character spans of ``before`` that differ in ``after`` (sentinels mark the values)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))
    spans: list[Span] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                spans += [(starts[i1 + k] + a, starts[i1 + k] + b)
                          for a, b in _in_line(old[i1 + k], new[j1 + k])]
        elif i2 > i1:  # a block or a whole rendered file: every line it covers
            spans.append((starts[i1], starts[i2]))
    return spans


def managed_spans(loaded: Loaded) -> dict[str, list[Span]]:
    """For each existing target file, the spans of its text that the targets rewrite."""
    registry = loaded.registry
    plan = build_plan(registry.root, _stamped(expand_targets(registry, loaded.table)))
    spans: dict[str, list[Span]] = {}
    for change in plan.files:
        if change.before is not None:
            rel = Path(change.absolute).relative_to(registry.root.resolve()).as_posix()
            spans[rel] = changed_spans(change.before.removeprefix(BOM),
                                       change.after.removeprefix(BOM))
    return spans


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


def audit(registry_path: Path) -> AuditResult:
    """Scan the registry root's files for mentions of its ports, managed or hard-coded."""
    loaded = load(registry_path)
    root = loaded.registry.root
    owners = _owners(loaded)
    spans = managed_spans(loaded)
    listed = repo_files(root)
    found = []
    for rel in _own_files(listed.paths, loaded.registry.path.name):
        text = read_for_scan(root, rel)
        if text is None:
            continue
        kept = spans.get(rel, [])
        for m in scan(rel, text):
            if m.port in owners:
                managed = any(a <= m.start and m.end <= b for a, b in kept)
                found.append(Audited(m, managed, owners[m.port]))
    return AuditResult(tuple(found), len(listed.paths), listed.note)


def render_audit(result: AuditResult, output: str, strict: bool) -> Output:
    """Hard-coded mentions as ``PATH:LINE: PORT (service, env)`` and the coverage line."""
    hard = result.hard_coded
    total = len(result.mentions)
    line = (f"{total - len(hard)} of {total} port mentions managed "
            f"({result.coverage:.1f}%)")
    code = EXIT_DRIFT if strict and hard else EXIT_OK
    if output == "json":
        document = {
            "portsync": 1, "ok": code == EXIT_OK, "exit_code": code, "summary": line,
            "total": total, "managed": total - len(hard),
            "coverage": round(result.coverage, 1), "note": result.note,
            "mentions": [{"path": a.mention.path, "line": a.mention.line,
                          "port": a.mention.port, "rule": a.mention.rule,
                          "managed": a.managed, "owners": a.owners}
                         for a in result.mentions],
        }
        return Output([json.dumps(document, indent=2)], [], code)
    out = [f"{a.mention.path}:{a.mention.line}: {a.mention.port} ({a.owners})" for a in hard]
    return Output([*out, line], [f"note: {result.note}"] if result.note else [], code, line)
