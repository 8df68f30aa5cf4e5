"""Read ports.yaml and every registry it includes into one schema-valid Registry."""

from __future__ import annotations

from pathlib import Path

from portsync import fsio
from portsync.model import Registry
from portsync.registry.access import DEFAULT_ACCESS, GitAccess
from portsync.registry.document import read_document
from portsync.registry.schema import SchemaReader


def load_registry(path: Path, git: GitAccess = DEFAULT_ACCESS, proposed: str | None = None
                  ) -> Registry:
    """Read and schema-check ports.yaml and its includes; every problem is reported at once.

    ``git`` says whether a git include not in the cache yet may be fetched, and where;
    ``proposed`` is text read in place of ports.yaml (an edit checked before it is written).
    """
    label = fsio.display_path(path)
    data, source = read_document(path, label, proposed)
    registry = SchemaReader(label).registry(data, path.absolute())
    registry = registry._replace(inputs=(source,))
    if not registry.includes:
        return registry
    from portsync.registry.includes import follow_includes  # and gitcache: only for includes

    return follow_includes(registry, git)
