"""Read ports.yaml and turn it into a schema-valid Registry (every problem at once)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from portsync import fsio, yamlio
from portsync.errors import RegistryError
from portsync.model import InputFile, Registry
from portsync.registry.schema import SchemaReader


def read_registry(path: Path, label: str, origin: str | None = None) -> Registry:
    """One registry file, schema-checked, its includes not yet followed."""
    text = fsio.read_text(path, label, RegistryError)
    if text is None:
        raise RegistryError("file not found", where=label)
    data = yamlio.load(text.body, label, RegistryError)
    registry = SchemaReader(label, origin).registry(data, path.absolute())
    digest = hashlib.blake2b(text.full.encode("utf-8"), digest_size=16).hexdigest()
    return replace(registry, inputs=(InputFile(path.absolute(), digest),))


def load_registry(path: Path) -> Registry:
    """Read and schema-check ports.yaml; every problem is reported at once."""
    return read_registry(path, fsio.display_path(path))
