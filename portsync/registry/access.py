"""When git includes may be fetched and where they are kept: what loading a registry is told.

Apart from gitcache, which fetches, so that a registry without a git include
never imports it (with subprocess, shutil and tempfile: some 10 ms of start-up).
"""

from __future__ import annotations

from enum import Enum

from portsync.records import Record


class Fetch(Enum):
    """When a git include may run ``git fetch``."""

    NEVER = "never"      # --check: only revs fetched before
    MISSING = "missing"  # a (url, rev) not in the cache yet
    REFRESH = "refresh"  # --fetch: every git include again (picks up a moved tag)


class GitAccess(Record):
    """When git includes may be fetched, and the cache folder their checkouts live in.

    ``cache_dir`` is ``$PORTSYNC_CACHE_DIR`` as the CLI read it (None: the
    platform's cache folder), the same folder the ``--check`` cache uses.
    """

    fetch: Fetch = Fetch.MISSING
    cache_dir: str | None = None


DEFAULT_ACCESS = GitAccess()  # fetch what is not cached yet, into the platform's cache folder
