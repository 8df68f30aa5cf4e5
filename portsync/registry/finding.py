"""Which ports.yaml a run uses: ``-r``, else $PORTSYNC_REGISTRY, else the nearest one up."""

from __future__ import annotations

from pathlib import Path

from portsync.errors import UsageError

REGISTRY_NAME = "ports.yaml"


def find_registry(explicit: str | None, from_env: str | None = None,
                  start: Path | None = None) -> Path:
    """The registry to use: ``explicit`` (-r), else ``from_env``, else the nearest one up.

    The CLI reads $PORTSYNC_REGISTRY and passes it as ``from_env``; a file or a
    folder holding ports.yaml is accepted either way.
    """
    chosen = explicit or from_env
    if chosen:
        path = Path(chosen)
        if path.is_dir():
            path = path / REGISTRY_NAME
        if not path.is_file():
            source = "" if explicit else " (from $PORTSYNC_REGISTRY)"
            raise UsageError(f"registry not found: {chosen}{source}")
        return path.absolute()
    found = nearest_registry(start or Path.cwd())
    if found is None:
        raise UsageError(f"no {REGISTRY_NAME} here or in any parent folder (use -r PATH)")
    return found


def nearest_registry(start: Path) -> Path | None:
    """The nearest ports.yaml in ``start`` or a folder above it, if any."""
    here = start.absolute()
    for folder in (here, *here.parents):
        candidate = folder / REGISTRY_NAME
        if candidate.is_file():
            return candidate
    return None
