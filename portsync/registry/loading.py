"""Read ports.yaml and turn it into a schema-valid Registry (every problem at once)."""

from __future__ import annotations

from pathlib import Path

from portsync import fsio, yamlio
from portsync.errors import RegistryError
from portsync.model import Registry
from portsync.registry.schema import SchemaReader


def load_registry(path: Path) -> Registry:
    """Read and schema-check ports.yaml; every problem is reported at once."""
    label = fsio.display_path(path)
    text = fsio.read_text(path, label, RegistryError)
    if text is None:
        raise RegistryError("file not found", where=label)
    data = yamlio.load(text.body, label, RegistryError)
    return SchemaReader(label).registry(data, path.absolute())
