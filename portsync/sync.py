"""The pipeline: load -> resolve -> check policy -> expand targets -> plan -> write."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from portsync import fsio, journal
from portsync.drift import Drift, plan_drifts
from portsync.errors import PortsyncError, TargetError, UsageError, raise_all
from portsync.mode import Action, Mode
from portsync.model import FileChange, InputFile, Notice, Plan, Registry
from portsync.plan import build_plan
from portsync.records import Record
from portsync.registry.access import DEFAULT_ACCESS, Fetch, GitAccess
from portsync.registry.loading import load_registry
from portsync.registry.policy import check_policy
from portsync.registry.resolution import PortTable
from portsync.targets import expand_targets

T = TypeVar("T")


class Progress(Protocol):
    """Wraps a loop to show how far it got (the CLI passes one when stderr is a terminal)."""

    def __call__(self, items: Sequence[T], label: str) -> Iterable[T]:
        """Yield ``items`` in order."""
        ...


def _each(progress: Progress | None, items: Sequence[T], label: str) -> Iterable[T]:
    return items if progress is None else progress(items, label)


class Loaded(Record):
    """A registry that passed schema and policy checks, with its resolved ports."""

    registry: Registry
    table: PortTable


class SyncResult(Record):
    """What a sync run planned, found and wrote; paths as the user should see them."""

    action: Action
    files: tuple[tuple[FileChange, str], ...]
    drifts: tuple[Drift, ...]
    written: tuple[str, ...]
    warnings: tuple[Notice, ...]
    templates_dir: Path | None = None  # an input of the run, for the --check cache
    inputs: tuple[InputFile, ...] = ()  # every registry file read (own and included), likewise

    @property
    def changed(self) -> list[tuple[FileChange, str]]:
        """Files whose planned text differs from what is on disk."""
        return [(f, p) for f, p in self.files if f.changed]


def load(path: Path, git: GitAccess = DEFAULT_ACCESS, proposed: str | None = None) -> Loaded:
    """Load ports.yaml and its includes, check the port policy; all problems at once.

    ``git`` says when a git include may be fetched (default: when not cached yet) and
    which cache folder holds it;
    ``proposed`` is text checked in place of ports.yaml, which is not read.
    """
    registry = load_registry(path, git, proposed)
    table = PortTable(registry)
    notices = check_policy(registry, table)
    if notices:
        registry = registry._replace(warnings=(*registry.warnings, *notices))
    return Loaded(registry, table)


def make_plan(loaded: Loaded, envs: Iterable[str] | None, progress: Progress | None = None
              ) -> Plan:
    """Expand and plan every target (of the selected environments)."""
    registry = loaded.registry
    if envs is not None:
        known = {e.name for e in registry.environments}
        unknown = [e for e in envs if e not in known]
        if unknown:
            raise UsageError(f"unknown environment {unknown[0]!r} "
                             f"(ports.yaml has {', '.join(sorted(known))})")
    jobs = expand_targets(registry, loaded.table, envs)
    return build_plan(registry.root, _each(progress, jobs, "reading"))


def write_plan(plan: Plan, folder: Path, refused: str | None = None,
               progress: Progress | None = None) -> list[FileChange]:
    """Write every changed file under the sync lock of ``folder``: all of them or none.

    Every file is checked writable and staged first; then, still under the
    lock, each one must hold exactly what the plan read (an edit saved
    meanwhile is never overwritten, and nothing is written); only then are
    they renamed, through the journal, each compared once more just before
    its rename. ``refused`` is why the lock could not be taken: then nothing
    may be written.
    """
    changed = plan.changed
    if changed and refused is not None:
        raise TargetError(f"cannot take the sync lock ({refused}); refusing to write "
                          f"{len(changed)} file{'s' if len(changed) > 1 else ''} "
                          "(nothing written)", where=fsio.display_path(folder))
    problems: list[PortsyncError] = []
    for change in changed:
        try:
            fsio.check_writable(change.absolute, change.label)
        except PortsyncError as err:
            problems.append(err)
    raise_all(problems)
    if refused is None:
        fsio.remove_stale_temps(c.absolute for c in plan.files)
    writes = [fsio.Write(c.absolute, c.before, c.after, c.label)
              for c in changed]
    staged = fsio.stage_all(_each(progress, writes, "writing"))
    try:
        fsio.check_unchanged(writes)
        journal.commit(folder, staged)
    finally:
        fsio.discard(staged)  # what commit did not take over: nothing was renamed
    return list(changed)


def run(path: Path, mode: Mode, progress: Progress | None = None) -> SyncResult:
    """Run one sync in the given mode; a writing run holds the lock from plan to write."""
    if mode.action is Action.WRITE:
        from portsync import lock

        with lock.exclusive(path.parent) as refused:
            return _run(path, mode, progress, refused)
    return _run(path, mode, progress, None)


def _run(path: Path, mode: Mode, progress: Progress | None, refused: str | None
         ) -> SyncResult:
    if mode.action is Action.WRITE and refused is None:
        notes = journal.recover(path.parent)  # before planning: the plan reads what it wrote
    else:
        notes = journal.pending(path.parent)
    # --check fetches nothing it has not fetched before, unless --fetch asks for it.
    fetch = Fetch.REFRESH if mode.fetch else \
        Fetch.NEVER if mode.action is Action.CHECK else Fetch.MISSING
    loaded = load(path, GitAccess(fetch, mode.cache_dir))
    plan = make_plan(loaded, mode.envs, progress)
    files = tuple((f, f.label) for f in plan.files)
    drifts = tuple(plan_drifts(files)) if mode.action is Action.CHECK else ()
    written: list[str] = []
    if mode.action is Action.WRITE:
        written = [f.label for f in write_plan(plan, path.parent, refused, progress)]
    return SyncResult(mode.action, files, drifts, tuple(written),
                      (*loaded.registry.warnings, *notes), loaded.registry.templates_dir,
                      loaded.registry.inputs)
