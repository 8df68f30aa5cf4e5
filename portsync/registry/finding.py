"""Which ports.yaml a run uses: ``-r``, else $PORTSYNC_REGISTRY, else the nearest one up."""

from __future__ import annotations

import os
from pathlib import Path

from portsync.errors import UsageError

REGISTRY_NAME = "ports.yaml"


def find_registry(explicit: str | None, start: Path | None = None) -> Path:
    """The registry to use: ``-r``, else $PORTSYNC_REGISTRY, else the nearest ports.yaml up."""
    chosen = explicit or os.environ.get("PORTSYNC_REGISTRY")
    if chosen:
        path = Path(chosen)
        if path.is_dir():
            path = path / REGISTRY_NAME
        if not path.is_file():
            raise UsageError(f"registry not found: {chosen}")
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
