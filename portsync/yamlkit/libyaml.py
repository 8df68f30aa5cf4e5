"""PyYAML's libyaml binding, imported without compiling the patterns portsync never uses.

Importing ``yaml`` compiles the patterns of PyYAML's pure-Python reader,
resolver and constructor; portsync runs none of them (libyaml reads in C and
yamlkit resolves scalars itself). One of them, ``Reader.NON_PRINTABLE``, is a
character class spanning all of Unicode that ``re`` builds code point by code
point (yaml/pyyaml #124 and #301, open since 2018): with the others, 67 M
instructions, an eighth of a cold check of a small repository. So PyYAML is
imported with its patterns deferred (``lazyre.deferred``): each compiles if it
is ever used.
"""

from __future__ import annotations

import sys
from types import ModuleType

from portsync import lazyre


def binding() -> ModuleType | None:
    """The ``yaml`` module when PyYAML and its libyaml extension are installed, else None."""
    module = sys.modules.get("yaml") or _import()
    return module if getattr(module, "__with_libyaml__", False) else None


def _import() -> ModuleType | None:
    with lazyre.deferred("yaml"):
        try:
            import yaml
        except ImportError:
            return None
    module: ModuleType = yaml
    return module
