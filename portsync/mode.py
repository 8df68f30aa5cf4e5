"""What a sync run should do, decided once from the command-line flags."""

from __future__ import annotations

from enum import Enum

from portsync.records import Record


class Action(Enum):
    """Write the plan, report drift (--check), or print a diff (--dry-run)."""

    WRITE = "write"
    CHECK = "check"
    DIFF = "diff"


class Mode(Record):
    """The run's action, output format and verbosity.

    ``fetch``: fetch git includes again; ``cache_dir``: ``$PORTSYNC_CACHE_DIR`` as read
    by the CLI (None: the platform's cache folder).
    """

    action: Action = Action.WRITE
    output: str = "text"
    quiet: bool = False
    verbose: bool = False
    envs: tuple[str, ...] | None = None
    fetch: bool = False
    cache_dir: str | None = None

    @classmethod
    def from_flags(cls, *, check: bool, dry_run: bool, output: str, quiet: bool, verbose: bool,
                   envs: tuple[str, ...], fetch: bool = False, cache_dir: str | None = None
                   ) -> Mode:
        """Turn the sync flags into one Mode (black's WriteBack idea)."""
        action = Action.CHECK if check else Action.DIFF if dry_run else Action.WRITE
        return cls(action, output, quiet, verbose, envs or None, fetch, cache_dir)
