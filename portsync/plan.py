"""Read every target file and run its editors -> a Plan. Never writes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from portsync import fsio
from portsync.editors import set_editor, set_spans
from portsync.errors import PortsyncError, TargetError, raise_all
from portsync.model import FileChange, FileJob, Plan, RenderEdit, ReplaceEdit, SetEdit, ValueChange


def plan_file(root: Path, job: FileJob, folders: dict[str, str] | None = None) -> FileChange:
    """The planned state of one file; raises TargetError naming the file on any problem.

    ``folders``: the run's resolved folders (see fsio.inside).
    """
    real = fsio.real_inside(root, job.path, job.path, folders)  # refusals name the path as written
    label = fsio.display_path(real)
    current = fsio.read_text(real, label)
    if current is None and not job.create:
        raise TargetError("file does not exist (add create: true to the target to create it)",
                          where=label)
    body = current.body if current is not None else ""
    if current is not None and job.format == "json" and not body.strip():
        # The editor sees a missing file as "" too, and creates it; an empty one is not JSON.
        raise TargetError("invalid JSON: the file is empty (write {} in it to start)",
                          where=label)
    changes: list[ValueChange] = []
    if current is None:
        changes.append(ValueChange(None, None, None, None, label="missing"))
    sets = [e for e in job.edits if isinstance(e, SetEdit)]
    if sets:
        edited = set_editor(job.format)(body, sets, label)
        body = edited.text
        changes += edited.changes
    replaces = [e for e in job.edits if isinstance(e, ReplaceEdit)]
    if replaces:
        from portsync.editors.textfile import apply_replace

        # A replace must not touch what a set manages: they would rewrite it in turn.
        protected = set_spans(job.format)(body, sets, label) if sets else []
        edited = apply_replace(body, replaces, label, protected)
        body = edited.text
        changes += edited.changes
    renders = [e for e in job.edits if isinstance(e, RenderEdit)]
    if renders:
        from portsync.editors.template import apply_render

        edited = apply_render(body, renders, label, whole_file_missing=current is None)
        body = edited.text
        changes += edited.changes
    after = fsio.FileText(body, current.bom if current is not None else False).full
    return FileChange(job.path, real, label, current.full if current else None, after,
                      tuple(changes))


def build_plan(root: Path, jobs: Iterable[FileJob]) -> Plan:
    """Plan every file; all problems are collected and raised together."""
    files = []
    problems: list[PortsyncError] = []
    folders: dict[str, str] = {}
    for job in jobs:
        try:
            files.append(plan_file(root, job, folders))
        except PortsyncError as err:
            problems.append(err)
    raise_all(problems)
    return Plan(tuple(files))
