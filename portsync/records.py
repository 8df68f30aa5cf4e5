"""Record classes: ``typing.NamedTuple`` to mypy, ``collections.namedtuple`` at run time.

``typing.NamedTuple`` type-checks each field's annotation while it makes the
class, compiling every string annotation into a ``ForwardRef``; with the ~45
record classes a run imports, that was about 2% of a cold check of a small
repository, spent before any work. mypy checks those annotations statically,
so at run time :class:`Record` builds the same ``collections.namedtuple``
class without the check: fields, defaults, methods, docstring, module and
qualified name (for pickle) as ``typing.NamedTuple`` sets them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Record"]

if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    import collections
    from typing import Generic

    # What the class body holds besides fields and methods; typing.NamedTuple
    # skips the same names.
    _NOT_COPIED = frozenset({"__module__", "__qualname__", "__annotations__", "__orig_bases__"})

    class _RecordType(type):
        def __new__(mcs, name, bases, namespace):
            if not bases:  # Record itself
                return super().__new__(mcs, name, bases, namespace)
            if any(base is not Record and base is not Generic for base in bases):
                raise TypeError(f"{name}: a record can only add Generic to Record")
            annotations = namespace.get("__annotations__", {})
            fields = tuple(annotations)
            given = tuple(field for field in fields if field in namespace)
            if fields[len(fields) - len(given):] != given:
                raise TypeError(f"{name}: a field without a default follows one with a default")
            made = collections.namedtuple(name, fields, defaults=[namespace[f] for f in given],
                                          module=namespace["__module__"])
            for key, value in namespace.items():
                if key not in _NOT_COPIED and key not in annotations:
                    setattr(made, key, value)
            made.__qualname__ = namespace["__qualname__"]
            made.__annotations__ = annotations
            return made

    class Record(metaclass=_RecordType):
        """Base of a record class: ``class Point(Record): x: int; y: int = 0``."""
