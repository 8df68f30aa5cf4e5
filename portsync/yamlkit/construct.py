"""ruamel's round-trip constructor, with its crashes on unreadable values made YAML errors.

ruamel raises Python's own errors, not a ``YAMLError``, for a scalar it cannot
construct: ``ValueError`` for ``2001-02-30`` or ``!!int x``, ``IndexError``
for ``!!float 1e``, ``KeyError`` for ``!!bool x``, ``AttributeError`` for
``!!set x``. Each constructor is wrapped so that such an error becomes a
``ConstructorError`` at its node: the caller reports it like any other
invalid YAML, with its line, and every other exception stays a bug.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any

from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.nodes import ScalarNode

from portsync.errors import clip

# What ruamel's constructors raise on input they cannot turn into a value.
_UNREADABLE = (ValueError, IndexError, KeyError, AttributeError)
_ARTICLE = {"int": "an int", "omap": "an omap"}


def _unreadable(node: Any, error: Exception) -> ConstructorError:
    name = str(node.tag).rsplit(":", 1)[-1]
    # AttributeError: a collection's tag on a scalar (``!!set x``); its text says nothing
    scalar = isinstance(node, ScalarNode) and not isinstance(error, AttributeError)
    what = repr(clip(node.value)) if scalar else f"a {'scalar' if node.id == 'scalar' else node.id}"
    detail = f" ({error})" if isinstance(error, ValueError) else ""
    return ConstructorError(None, None,
                            f"{what} cannot be read as {_ARTICLE.get(name, 'a ' + name)}{detail}",
                            node.start_mark)


def _checked(generator: Iterator[Any], node: Any) -> Iterator[Any]:
    try:
        yield from generator
    except _UNREADABLE as error:
        raise _unreadable(node, error) from error


def _guard(construct: Callable[..., Any]) -> Callable[..., Any]:
    def run(self: Any, node: Any) -> Any:
        try:
            data = construct(self, node)
        except _UNREADABLE as error:
            raise _unreadable(node, error) from error
        # a mapping's or a set's constructor yields the empty container first and
        # fills it later: its errors come while the generator runs on
        return _checked(data, node) if isinstance(data, types.GeneratorType) else data
    return run


class CheckedConstructor(RoundTripConstructor):
    """RoundTripConstructor whose unreadable values are ``ConstructorError`` at their line."""

    yaml_constructors = {  # noqa: RUF012 -- ruamel's own class-level table, overridden
        tag: _guard(construct)
        for tag, construct in RoundTripConstructor.yaml_constructors.items()}
