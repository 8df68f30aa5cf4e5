"""The JSON Schema of ports.yaml, shipped in the package for editors (yaml-language-server)."""

from __future__ import annotations

from importlib import resources

SCHEMA_FILE = "schema.json"


def schema_text() -> str:
    """The JSON Schema (draft 2020-12) of ports.yaml, exactly as shipped."""
    return resources.files("portsync").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
