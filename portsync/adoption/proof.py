"""Prove a proposal with the real pipeline before anyone sees it: valid, and in sync at once.

The proposal is read as ``validate`` reads ports.yaml (schema, then port
policy), from memory, so a message names the proposal's own lines and never a
temporary file. Then its targets are planned exactly as ``--check`` plans
them. Each problem is traced to what caused it: a file's targets are made
plainer (selectors, then list indexes, then ``replace`` rules) and at last
left out; a service that cannot be made valid is left out; each with a note.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from portsync.adoption.inference import Inferred
from portsync.adoption.proposal import MODES, Block, Draft, document
from portsync.adoption.workers import chunked_map
from portsync.errors import PortsyncError
from portsync.model import FileJob
from portsync.plan import plan_file
from portsync.registry.finding import REGISTRY_NAME
from portsync.sync import Loaded, load
from portsync.targets import expand_targets

_ROUNDS = 12


@dataclass(frozen=True, slots=True)
class Proposal:
    """The proven ports.yaml text and what it holds."""

    text: str
    services: int
    targets: int
    mentions: int
    notes: int

    @property
    def empty(self) -> bool:
        """Whether there is nothing to propose."""
        return self.services == 0


def _lines(blocks: list[Block]) -> tuple[str, list[tuple[int, tuple[str, ...]]]]:
    """The text, and each block's first line (1-based) with its owner."""
    starts: list[tuple[int, tuple[str, ...]]] = []
    out: list[str] = []
    line = 1
    for block in blocks:
        starts.append((line, block.owner))
        line += len(block.lines)
        out += block.lines
    return "\n".join(out) + "\n", starts


def _owner(where: str | None, starts: list[tuple[int, tuple[str, ...]]]) -> tuple[str, ...]:
    """What the proposal's line named by ``ports.yaml:LINE:COL`` stands for."""
    parts = (where or "").split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return ()
    line = int(parts[1])
    return next((owner for first, owner in reversed(starts) if first <= line), ())


class _Prover:
    """Runs the rounds: check, trace each problem, adjust the draft, until nothing fails."""

    def __init__(self, inf: Inferred) -> None:
        self.draft = Draft(inf)
        self.root = inf.root
        self.planned: dict[FileJob, str | None] = {}  # a job's problem, memoized across rounds

    def downgrade(self, path: str, why: str) -> None:
        mode = self.draft.mode(path)
        if mode == "skip":
            return
        self.draft.modes[path] = MODES[MODES.index(mode) + 1]
        if self.draft.modes[path] == "skip":
            self.draft.notes.append(f"{path}: left out ({why})")

    def drop(self, service: str, why: str) -> None:
        self.draft.dropped.add(service)
        files = sorted({p.mention.path for p in self.draft.inf.placed if p.service == service})
        self.draft.notes.append(f"service {service} left out ({why}); it is in "
                                f"{', '.join(files)}")

    def weakest(self, service: str) -> str:
        """Of a service and those publishing one of its numbers, the one with least evidence."""
        published = self.draft.inf.published
        placed = [p for p in self.draft.placed() if published.get(p.service) is None
                  or p.name in (published.get(p.service) or ())]
        numbers = {(p.env, p.mention.port) for p in placed if p.service == service}
        rivals = {p.service for p in placed if (p.env, p.mention.port) in numbers} | {service}
        firm = Counter(p.service for p in placed if p.firm)
        return min(sorted(rivals), key=lambda s: (firm[s], s != service))

    def registry_problems(self, text: str, starts: list[tuple[int, tuple[str, ...]]]
                          ) -> Loaded | None:
        """The proposal as a registry, or None after tracing its schema and policy problems."""
        try:  # exactly as validate and --check read ports.yaml, from the text
            loaded = load(self.root / REGISTRY_NAME, proposed=text)
        except PortsyncError as err:
            problems = err.flat()
        else:
            return loaded
        if self.draft.parallel and any("collides" in p.message for p in problems):
            self.draft.parallel = False  # ports repeat across environments: not parallel
            return None
        before = (dict(self.draft.modes), set(self.draft.dropped))
        for problem in problems:
            owner = _owner(problem.where, starts)
            if owner[:1] == ("target",):
                for path in owner[1:]:
                    self.downgrade(path, problem.message)
            elif owner[:1] == ("service",) and owner[1] not in self.draft.dropped:
                self.drop(self.weakest(owner[1]) if "collides" in problem.message
                          else owner[1], problem.message)
        if (self.draft.modes, self.draft.dropped) == before:
            # Nothing a service or file did: propose nothing rather than half a registry.
            self.draft.dropped |= {p.service for p in self.draft.inf.placed}
            self.draft.notes.append(f"nothing proposed ({problems[0]})")
        return None

    def plan_problems(self, loaded: Loaded) -> bool:
        """Plan every target as --check does; False when each is valid and in sync."""
        jobs = expand_targets(loaded.registry, loaded.table)
        todo = [job for job in dict.fromkeys(jobs) if job not in self.planned]
        for job, why in zip(todo, chunked_map(_plan_problems, [(self.root, j) for j in todo]),
                            strict=True):
            self.planned[job] = why
        found = False
        for job in jobs:
            why = self.planned[job]
            if why is not None:
                self.downgrade(job.path, why)
                found = True
        return found

    def run(self) -> Proposal:
        text = ""
        for _ in range(_ROUNDS):
            blocks = document(self.draft)
            text, starts = _lines(blocks)
            loaded = self.registry_problems(text, starts)
            if loaded is not None and not self.plan_problems(loaded):
                break
        else:
            raise AssertionError("import could not settle its proposal")  # a bug: exit 3
        services = sum(1 for b in blocks if b.owner[:1] == ("service",))
        targets = sum(1 for b in blocks if b.owner[:1] == ("target",))
        return Proposal(text, services, targets, len(self.draft.placed()),
                        len(self.draft.inf.warnings) + len(self.draft.notes))


def _plan_problems(items: Sequence[tuple[Path, FileJob]]) -> list[str | None]:
    """Each job's problem (module level: workers run it)."""
    return [_plan_problem(root, job) for root, job in items]


def _plan_problem(root: Path, job: FileJob) -> str | None:
    """Why one file's targets fail or would change, or None when they are in sync."""
    try:
        change = plan_file(root, job)
    except PortsyncError as err:
        return err.message
    if not change.changed:
        return None
    first = change.changes[0] if change.changes else None
    return (f"{first.key}: found {first.found}, would write {first.expected}" if first
            else "would change")


def prove(inf: Inferred) -> Proposal:
    """The proposal for what was inferred, valid and in sync, or with the failing parts left out."""
    return _Prover(inf).run()
