"""The one module that configures the YAML parsers: ruamel (positions, round trip) and libyaml."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from portsync.errors import PortsyncError

# Aliases may repeat a node; beyond this many extra nodes it is a "billion laughs" bomb,
# which would hang anything that walks the document (our checks, the user's other tools).
MAX_ALIAS_NODES = 100_000


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


def _expanded_size(root: Any, children: Callable[[Any], Iterable[Any]]) -> tuple[int, int]:
    """(nodes with every alias expanded, distinct nodes): linear time, shared nodes memoized."""
    memo: dict[int, int] = {}

    def size(obj: Any) -> int:
        key = id(obj)
        if key not in memo:
            memo[key] = 1  # a recursive alias counts once instead of looping
            memo[key] = 1 + sum(size(child) for child in children(obj))
        return memo[key]

    return size(root), len(memo)


def _data_children(obj: Any) -> Iterable[Any]:
    if isinstance(obj, dict):
        return [item for pair in obj.items() for item in pair]
    return obj if isinstance(obj, list) else ()


def _node_children(node: Any) -> Iterable[Any]:
    if isinstance(getattr(node, "value", None), list):
        return [item for entry in node.value
                for item in (entry if isinstance(entry, tuple) else (entry,))]
    return ()


def _refuse_bombs(root: Any, children: Callable[[Any], Iterable[Any]], label: str,
                  error_type: type[PortsyncError]) -> Any:
    expanded, distinct = _expanded_size(root, children)
    if expanded - distinct > MAX_ALIAS_NODES:
        raise error_type(f"invalid YAML: aliases expand the document to {expanded} nodes "
                         "(an alias bomb?); refusing it", where=label)
    return root


def _parse(method: str, children: Callable[[Any], Iterable[Any]], text: str, label: str,
           error_type: type[PortsyncError]) -> Any:
    from ruamel.yaml.error import YAMLError

    try:
        parsed = getattr(_yaml("rt"), method)(text)
        if method == "compose_all":  # a generator: its errors come while it is consumed
            parsed = [document for document in parsed if document is not None]
        return _refuse_bombs(parsed, children, label, error_type)
    except YAMLError as error:
        raise _fail(error, label, error_type) from error
    except RecursionError as error:
        raise error_type("invalid YAML: nesting too deep", where=label) from error


def load(text: str, label: str, error_type: type[PortsyncError]) -> Any:
    """Load a round-trip document whose containers remember line and column."""
    return _parse("load", _data_children, text, label, error_type)


def compose(text: str, label: str, error_type: type[PortsyncError]) -> Any:
    """The node tree of a document, each node with start and end marks (no construction)."""
    return _parse("compose", _node_children, text, label, error_type)


# libyaml's composer recurses in C: a document some 25,000 levels deep crashes the
# process (SIGSEGV), past any RecursionError. These bounds keep every document it
# sees under about 4,400 levels: indentation, inline "- "/"? " nesting, flow brackets.
_DEEP_BLOCK = re.compile(r"^ {2000}|(?:[-?][ \t]+){200}", re.MULTILINE)
_MAX_FLOW_OPENERS = 2000


def _maybe_deep(text: str) -> bool:
    """Whether a document might nest deep enough to crash libyaml (then ruamel reads it)."""
    return text.count("[") + text.count("{") > _MAX_FLOW_OPENERS or \
        _DEEP_BLOCK.search(text) is not None


def compose_quick(text: str) -> Any:
    """The node tree as libyaml (PyYAML's C parser) composes it, or None to use compose().

    About 25x faster than ruamel's pure-Python parser, with the same node kinds,
    values, styles and character positions. None when libyaml is missing, fails,
    meets an alias (compose() owns the alias-bomb guard) or might nest deep enough
    to crash, so every error is still compose()'s.
    """
    if not text.strip() or "*" in text or _maybe_deep(text):
        return None
    try:
        import yaml
        from yaml import CSafeLoader
    except ImportError:
        return None
    try:
        return yaml.compose(text, Loader=CSafeLoader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def compose_documents(text: str, label: str, error_type: type[PortsyncError]) -> list[Any]:
    """The node tree of every document of a stream (``---``), libyaml's when it can.

    For reading only (``audit``, ``import``): the same fallbacks as
    compose_quick() send aliases, deep nesting and libyaml's refusals to ruamel.
    """
    if not text.strip():
        return []
    if "*" not in text and not _maybe_deep(text):
        try:
            import yaml
            from yaml import CSafeLoader

            try:
                return list(yaml.compose_all(text, Loader=CSafeLoader))
            except (yaml.YAMLError, RecursionError, ValueError):
                pass
        except ImportError:
            pass
    documents: list[Any] = _parse("compose_all", _stream_children, text, label, error_type)
    return documents


def _stream_children(documents: Any) -> Iterable[Any]:
    return documents if isinstance(documents, list) else _node_children(documents)


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
