"""The one module that configures ruamel.yaml: load with positions, compose, dump."""

from __future__ import annotations

from typing import Any

from portsync.errors import PortsyncError


def _yaml(typ: str) -> Any:
    from ruamel.yaml import YAML  # lazy: not needed on a warm-cache check

    yaml = YAML(typ=typ)
    yaml.allow_duplicate_keys = False
    return yaml


def _fail(error: Exception, label: str, error_type: type[PortsyncError]) -> PortsyncError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).strip().splitlines()[0]
    context = getattr(error, "context", None)
    if context and "duplicate" in problem:
        problem = f"{problem} ({context.strip()})"
    where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark is not None else label
    return error_type(f"invalid YAML: {problem}", where=where)


def load(text: str, label: str, error_type: type[PortsyncError]) -> Any:
    """Load a round-trip document whose containers remember line and column."""
    from ruamel.yaml.error import YAMLError

    try:
        return _yaml("rt").load(text)
    except YAMLError as error:
        raise _fail(error, label, error_type) from error
    except RecursionError as error:
        raise error_type("invalid YAML: nesting too deep", where=label) from error


def compose(text: str, label: str, error_type: type[PortsyncError]) -> Any:
    """The node tree of a document, each node with start and end marks (no construction)."""
    from ruamel.yaml.error import YAMLError

    try:
        return _yaml("rt").compose(text)
    except YAMLError as error:
        raise _fail(error, label, error_type) from error
    except RecursionError as error:
        raise error_type("invalid YAML: nesting too deep", where=label) from error


def position(container: Any, key: Any, *, of_value: bool = False) -> tuple[int, int]:
    """1-based (line, column) of a key (or its value) inside a loaded container."""
    lc = getattr(container, "lc", None)
    if lc is None:
        return (1, 1)
    try:
        if isinstance(key, int):
            line, col = lc.item(key)
        elif of_value:
            line, col = lc.value(key)
        else:
            line, col = lc.key(key)
    except (KeyError, IndexError, TypeError, AttributeError):
        line, col = lc.line or 0, lc.col or 0
    return (line + 1, col + 1)


def resolves_to_str(value: str) -> bool:
    """Whether ``value`` written as a plain YAML scalar would load as that same string."""
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    tag = VersionedResolver().resolve(ScalarNode, value, (True, False))
    return str(tag) == "tag:yaml.org,2002:str"
