"""PyYAML's libyaml binding, imported without compiling a pattern portsync never uses.

Importing ``yaml`` runs the class body of PyYAML's pure-Python reader, which
compiles ``Reader.NON_PRINTABLE``: a character class spanning all of Unicode
that Python's ``re`` builds code point by code point (yaml/pyyaml #124 and
#301, open since 2018). That is about 4 ms, a tenth of a cold check of a small
repository, for a reader portsync never runs: libyaml checks printable
characters in C. So :func:`binding` puts the same class, written as its
complement (the same code points, compiled about 7 times faster), in ``re``'s
cache under PyYAML's pattern for the moment of the import. On a Python whose
``re`` keys its cache another way the entry is never looked up and PyYAML
compiles its own: slower, and never different.
"""

from __future__ import annotations

import re
import sys
from types import ModuleType
from typing import Any

# yaml/reader.py's pattern, character for character (PyYAML 5.1 to 6.0).
NON_PRINTABLE = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"
# What it matches: C0 controls but tab, LF and CR; DEL and C1 but NEL;
# surrogates; U+FFFE and U+FFFF.
COMPLEMENT = "[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uD800-\uDFFF\uFFFE\uFFFF]"


def binding() -> ModuleType | None:
    """The ``yaml`` module when PyYAML and its libyaml extension are installed, else None."""
    module = sys.modules.get("yaml") or _import()
    return module if getattr(module, "__with_libyaml__", False) else None


def _import() -> ModuleType | None:
    key = (str, NON_PRINTABLE, 0)
    cache: Any = getattr(re, "_cache", None)
    seeded = isinstance(cache, dict) and "yaml" not in sys.modules and key not in cache
    if seeded:
        cache[key] = re.compile(COMPLEMENT)
    try:
        import yaml
    except ImportError:
        return None
    finally:
        if seeded:
            cache.pop(key, None)
    module: ModuleType = yaml
    return module
