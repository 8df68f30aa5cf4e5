"""The one module that configures the YAML parsers: libyaml (fast) and ruamel (round trip)."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from portsync.errors import PortsyncError
from portsync.yamlkit import libyaml
from portsync.yamlkit.nodetree import Node, TreeError, build, children, target
from portsync.yamlkit.resolver import STR, resolve

# ruamel's pure-Python parser reads about 200 KB a second: past this size a file
# libyaml rejects gets libyaml's message rather than ruamel's, to stay within seconds.
RUAMEL_MAX_CHARS = 512 * 1024
_DIRECTIVE = re.compile(r"^%YAML[ \t]+(\S*)", re.MULTILINE)


def _yaml(typ: str, *, pure: bool = False) -> Any:
    from ruamel.yaml import YAML  # lazy: not needed on a warm-cache check

    yaml = YAML(typ=typ, pure=pure)
    yaml.allow_duplicate_keys = False
    if typ == "rt":
        from portsync.yamlkit.construct import CheckedConstructor

        yaml.Constructor = CheckedConstructor
    return yaml


def _fail(error: Exception, label: str, error_type: type[PortsyncError]) -> PortsyncError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).strip().splitlines()[0]
    context = getattr(error, "context", None)
    if context and "duplicate" in problem:
        problem = f"{problem} ({context.strip()})"
    where = f"{label}:{mark.line + 1}:{mark.column + 1}" if mark is not None else label
    return error_type(f"invalid YAML: {problem}", where=where)


def _check_directives(text: str, label: str, error_type: type[PortsyncError]) -> None:
    # ruamel asserts (AssertionError) on a %YAML version it does not know.
    if "%YAML" not in text:
        return
    for m in _DIRECTIVE.finditer(text):
        if m.group(1) not in ("1.1", "1.2"):
            line = text.count("\n", 0, m.start()) + 1
            raise error_type(f"invalid YAML: unsupported version %YAML {m.group(1)} "
                             "(1.1 and 1.2 are)", where=f"{label}:{line}:1")


def _tree_error(error: TreeError, label: str, error_type: type[PortsyncError]) -> PortsyncError:
    where = label if error.line is None else f"{label}:{error.line + 1}:{(error.column or 0) + 1}"
    return error_type(f"invalid YAML: {error.problem}", where=where)


class _Paused:
    """What collector_paused() enters (twice per YAML file: a generator costs three times more)."""

    def __enter__(self) -> None:
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            gc.enable()


def collector_paused() -> _Paused:
    """Pause the cyclic garbage collector while a tree is built or used, restoring it after.

    A big file's tree is half a million small objects and holds no cycle that
    could be left behind, yet allocating them, or anything while they live,
    sets off full collections that walk them all and find nothing: paused, a
    10 MB file reads about twice as fast. Nests (an outer pause stays).
    """
    return _Paused()


def _ruamel_documents(text: str, label: str, error_type: type[PortsyncError]) -> list[Node]:
    from ruamel.yaml.error import YAMLError

    events = iter(_yaml("safe", pure=True).parse(text))
    try:
        with collector_paused():
            return build(lambda: next(events, None), text)
    except YAMLError as error:
        raise _fail(error, label, error_type) from error


_remembered: dict[str, list[Node]] | None = None


@contextmanager
def remembered() -> Iterator[None]:
    """While active, documents() parses each distinct text once and hands out the same tree.

    ``import`` and ``audit`` read every file twice (their scan, then the
    pipeline's editors); nothing changes a tree once built.
    """
    global _remembered  # noqa: PLW0603 - one command's memo, dropped when it ends
    outer, _remembered = _remembered, {} if _remembered is None else _remembered
    try:
        yield
    finally:
        _remembered = outer


def documents(text: str, label: str, error_type: type[PortsyncError]) -> list[Node]:
    """The root node of every document in ``text`` (see nodetree), or error_type at its line.

    libyaml (PyYAML's C parser, some 25x faster) reads the file; ruamel's parser
    takes over when libyaml is missing or rejects the file, so that the error
    message is the one ports.yaml would get, unless the file is too large for it.
    """
    if _remembered is not None:
        known = _remembered.get(text)
        if known is None:
            known = _remembered[text] = _documents(text, label, error_type)
        return known
    return _documents(text, label, error_type)


def _documents(text: str, label: str, error_type: type[PortsyncError]) -> list[Node]:
    _check_directives(text, label, error_type)
    try:
        yaml = libyaml.binding()
        if yaml is None:
            return _ruamel_documents(text, label, error_type)
        parser = yaml.cyaml.CParser(text)  # the events alone: no loader's constructor
        try:
            with collector_paused():
                return build(parser.get_event, text)
        except yaml.YAMLError as error:
            if len(text) > RUAMEL_MAX_CHARS:
                raise _fail(error, label, error_type) from error
        return _ruamel_documents(text, label, error_type)
    except TreeError as error:
        raise _tree_error(error, label, error_type) from error


def _refuse_nested_keys(docs: list[Node], label: str, error_type: type[PortsyncError]) -> None:
    """Refuse a key holding a list or mapping inside a list or mapping (``[[a]]: 1``).

    ruamel turns a collection key into a hashable one, but not the collections
    inside it: loading such a key fails with ``unhashable type``. The schema
    names keys that are one flat collection itself.
    """
    todo = list(docs)
    while todo:
        node = todo.pop()
        if node.id == "mapping":
            for key, _ in node.value:
                if key.id in ("mapping", "sequence") and any(
                        target(n).id in ("mapping", "sequence") for n in children(key)):
                    raise error_type("invalid YAML: a key holding a list or a mapping inside "
                                     "it is not supported",
                                     where=f"{label}:{key.line + 1}:{key.column + 1}")
        if node.id != "alias":
            todo.extend(children(node))


def load(text: str, label: str, error_type: type[PortsyncError]) -> Any:
    """Load a round-trip document whose containers remember line and column.

    libyaml's tree is checked first: it bounds size and aliases, and refuses
    what ruamel would crash on (``[[a]]: 1``) or wrongly accept (``'x'# c``).
    """
    from ruamel.yaml.error import YAMLError

    docs = documents(text, label, error_type)
    _refuse_nested_keys(docs, label, error_type)
    try:
        return _yaml("rt").load(text)
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
    """Whether ``value`` written as a plain scalar loads as that same string (YAML 1.1 and 1.2).

    Both versions: a value other tools read as a boolean (``on``, ``yes``, YAML 1.1)
    or a number (``1_000``) is not a string to them.
    """
    return all(resolve(value, v) == STR for v in ((1, 2), (1, 1)))
