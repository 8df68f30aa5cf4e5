"""``portsync init``: write a commented starter ports.yaml and templates/ into a folder."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from portsync import fsio
from portsync.errors import UsageError

# Shipped under portsync/starter/, written to the same relative paths.
STARTER_FILES = ("ports.yaml", "templates/ports-table.md.j2")


def init(folder: Path) -> list[str]:
    """Write the starter files into ``folder``; refuse (writing nothing) if any exists.

    The files are created exclusively: one that appears meanwhile (another
    ``init``, an editor) is never replaced, and then neither file is left.
    """
    existing = [rel for rel in STARTER_FILES if (folder / rel).exists()]
    if existing:
        raise UsageError(f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}"
                         " here; refusing to overwrite (nothing written)")
    source = resources.files("portsync").joinpath("starter")
    contents = {rel: source.joinpath(rel).read_text(encoding="utf-8") for rel in STARTER_FILES}
    for rel in STARTER_FILES:
        fsio.check_writable(folder / rel, rel)
    fsio.create_all([(folder / rel, text, rel) for rel, text in contents.items()])
    return list(STARTER_FILES)
