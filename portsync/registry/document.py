"""One registry file read from disk: its YAML document and the identity of its bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from portsync import fsio
from portsync.cache import digest
from portsync.errors import RegistryError
from portsync.model import InputFile
from portsync.yamlkit import parsers, quickload


def read_document(path: Path, label: str, proposed: str | None = None
                  ) -> tuple[Any, InputFile]:
    """The loaded YAML document of a registry file, and the file with its bytes' digest.

    ``proposed`` is text to read in the file's place, to check an edit before writing it.
    """
    text = fsio.read_text(path, label, RegistryError) if proposed is None else \
        fsio.decode(proposed.encode("utf-8"), label, RegistryError)
    if text is None:
        raise RegistryError("file not found", where=label)
    data = quickload.load(text.body)  # libyaml when it reads it as ruamel would (25x faster)
    if data is None:
        data = parsers.load(text.body, label, RegistryError)
    return data, InputFile(path.absolute(), digest(text.full.encode("utf-8")))
