"""Which ports.yaml a run uses: ``-r``, else $PORTSYNC_REGISTRY, else the nearest one up."""

from __future__ import annotations

import os

from portsync.errors import UsageError

TYPE_CHECKING = False  # pathlib is not imported by a cache hit (start-up time)
if TYPE_CHECKING:
    from pathlib import Path

REGISTRY_NAME = "ports.yaml"


def find_registry(explicit: str | None, from_env: str | None = None,
                  start: Path | None = None) -> Path:
    """The registry to use: ``explicit`` (-r), else ``from_env``, else the nearest one up.

    The CLI reads $PORTSYNC_REGISTRY and passes it as ``from_env``; a file or a
    folder holding ports.yaml is accepted either way.
    """
    from pathlib import Path

    chosen = explicit or from_env
    if chosen:
        path = Path(chosen)
        if path.is_dir():
            path = path / REGISTRY_NAME
        if not path.is_file():
            source = "" if explicit else " (from $PORTSYNC_REGISTRY)"
            raise UsageError(f"registry not found: {chosen}{source}")
        return path.absolute()
    return Path(_nearest_or_refuse(os.getcwd() if start is None else str(start.absolute())))


def registry_file(explicit: str | None, from_env: str | None = None) -> str:
    """``str(find_registry(explicit, from_env))``; the nearest one up found without pathlib."""
    if explicit or from_env:
        return str(find_registry(explicit, from_env))
    return _nearest_or_refuse(os.getcwd())


def nearest_registry(start: Path) -> Path | None:
    """The nearest ports.yaml in ``start`` or a folder above it, if any."""
    from pathlib import Path

    found = _nearest(str(start.absolute()))
    return None if found is None else Path(found)


def _nearest_or_refuse(folder: str) -> str:
    found = _nearest(folder)
    if found is None:
        raise UsageError(f"no {REGISTRY_NAME} here or in any parent folder (use -r PATH)")
    return found


def _nearest(folder: str) -> str | None:
    """The nearest ports.yaml in the absolute ``folder`` or above, as Path's parents go."""
    while True:
        candidate = os.path.join(folder, REGISTRY_NAME)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent
