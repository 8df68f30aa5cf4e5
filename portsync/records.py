"""Record classes: ``typing.NamedTuple`` to mypy, a ``collections.namedtuple`` class at run time.

``typing.NamedTuple`` type-checks each field's annotation while it makes the
class, compiling every string annotation into a ``ForwardRef``; with the ~45
record classes a run imports, that was about 2% of a cold check of a small
repository, spent before any work. mypy checks those annotations statically,
so at run time :class:`Record` builds the class ``collections.namedtuple``
would make, without the check: fields, defaults, methods, docstring, module
and qualified name (for pickle) as ``typing.NamedTuple`` sets them.

``collections.namedtuple`` itself compiles each class's ``__new__`` with
``eval`` (45% of its cost) and then sets the body's docstring, module and
qualified name one attribute at a time. Here ``__new__`` is a copy of a
lambda compiled with this module, so read from its bytecode cache, with the
field names put in as its parameters' names (the same bytecode, signature,
defaults and error messages as the compiled one), and the class is made by one
``type()`` call: a third of the cost, the same class (tests/test_records.py
compares every record class with the one ``collections.namedtuple`` makes).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported by a cache hit (start-up time)

__all__ = ["Record"]

if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    import sys

    # namedtuple's field descriptor type; private, but the one its classes use
    from collections import _tuplegetter, namedtuple
    from types import FunctionType

    # What the class body gives the class as it is made; the rest but fields and
    # _NOT_COPIED (typing.NamedTuple skips it too) is set on the class after.
    _NOT_COPIED = frozenset({"__orig_bases__"})
    _FROM_BODY = ("__module__", "__qualname__", "__annotations__", "__doc__")

    # namedtuple's __new__ for each number of fields, parameter names aside
    # (renamed per class); _tuple_new comes from the globals each copy gets.
    _tuple_new = tuple.__new__
    _NEW_CODE = tuple(new.__code__ for new in (
        lambda _cls: _tuple_new(_cls, ()),
        lambda _cls, a: _tuple_new(_cls, (a,)),
        lambda _cls, a, b: _tuple_new(_cls, (a, b)),
        lambda _cls, a, b, c: _tuple_new(_cls, (a, b, c)),
        lambda _cls, a, b, c, d: _tuple_new(_cls, (a, b, c, d)),
        lambda _cls, a, b, c, d, e: _tuple_new(_cls, (a, b, c, d, e)),
        lambda _cls, a, b, c, d, e, f: _tuple_new(_cls, (a, b, c, d, e, f)),
        lambda _cls, a, b, c, d, e, f, g: _tuple_new(_cls, (a, b, c, d, e, f, g)),
        lambda _cls, a, b, c, d, e, f, g, h: _tuple_new(_cls, (a, b, c, d, e, f, g, h)),
        lambda _cls, a, b, c, d, e, f, g, h, i: _tuple_new(_cls, (a, b, c, d, e, f, g, h, i)),
        lambda _cls, a, b, c, d, e, f, g, h, i, j: _tuple_new(_cls, (a, b, c, d, e, f, g, h, i, j)),
        lambda _cls, a, b, c, d, e, f, g, h, i, j, k: _tuple_new(
            _cls, (a, b, c, d, e, f, g, h, i, j, k)),
        lambda _cls, a, b, c, d, e, f, g, h, i, j, k, l: _tuple_new(  # noqa: E741
            _cls, (a, b, c, d, e, f, g, h, i, j, k, l)),
        lambda _cls, a, b, c, d, e, f, g, h, i, j, k, l, m: _tuple_new(  # noqa: E741
            _cls, (a, b, c, d, e, f, g, h, i, j, k, l, m)),
        lambda _cls, a, b, c, d, e, f, g, h, i, j, k, l, m, n: _tuple_new(  # noqa: E741
            _cls, (a, b, c, d, e, f, g, h, i, j, k, l, m, n)),
        lambda _cls, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o: _tuple_new(  # noqa: E741
            _cls, (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o)),
        lambda _cls, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p: _tuple_new(  # noqa: E741
            _cls, (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)),
    ))

    def _namedtuple(typename, fields, defaults, namespace):
        """The class ``namedtuple(typename, fields, defaults=defaults)`` makes.

        ``__module__``, ``__qualname__``, ``__annotations__`` and ``__doc__`` (when it
        has one) come from the class body ``namespace``. The methods' names, qualified
        names and docstrings are namedtuple's own.
        """
        num_fields = len(fields)
        if num_fields >= len(_NEW_CODE):
            made = namedtuple(typename, fields, defaults=defaults, module=namespace["__module__"])
            for key in _FROM_BODY:
                if key in namespace:
                    setattr(made, key, namespace[key])
            return made
        for name in fields:
            if name.startswith("_"):
                raise ValueError(f"Field names cannot start with an underscore: {name!r}")
        typename = sys.intern(typename)
        fields = tuple(map(sys.intern, fields))
        arg_list = ", ".join(fields) + ("," if num_fields == 1 else "")
        repr_fmt = "(" + ", ".join(f"{name}=%r" for name in fields) + ")"

        __new__ = FunctionType(
            _NEW_CODE[num_fields].replace(co_varnames=("_cls", *fields)),
            {"_tuple_new": _tuple_new, "__builtins__": {}, "__name__": f"namedtuple_{typename}"},
            "__new__", defaults)
        __new__.__doc__ = f"Create new instance of {typename}({arg_list})"

        def _make(cls, iterable):
            result = _tuple_new(cls, iterable)
            if len(result) != num_fields:
                raise TypeError(f"Expected {num_fields} arguments, got {len(result)}")
            return result

        _make.__doc__ = f"Make a new {typename} object from a sequence or iterable"

        def _replace(self, /, **kwds):
            result = self._make(map(kwds.pop, fields, self))
            if kwds:
                raise ValueError(f"Got unexpected field names: {list(kwds)!r}")
            return result

        _replace.__doc__ = (f"Return a new {typename} object replacing specified "
                            "fields with new values")

        def __repr__(self):
            return self.__class__.__name__ + repr_fmt % self

        def _asdict(self):
            return dict(zip(self._fields, self, strict=False))

        def __getnewargs__(self):
            return tuple(self)

        __repr__.__doc__ = "Return a nicely formatted representation string"
        _asdict.__doc__ = "Return a new dict which maps field names to their values."
        __getnewargs__.__doc__ = "Return self as a plain tuple.  Used by copy and pickle."

        __new__.__qualname__ = f"{typename}.__new__"
        for method in (_make, _replace, __repr__, _asdict, __getnewargs__):
            method.__qualname__ = f"{typename}.{method.__name__}"
            method.__module__ = "collections"
        body = {
            "__doc__": f"{typename}({arg_list})",
            "__slots__": (),
            "_fields": fields,
            "_field_defaults": dict(zip(fields[num_fields - len(defaults):], defaults,
                                       strict=True)),
            "__new__": __new__,
            "_make": classmethod(_make),
            "_replace": _replace,
            "__repr__": __repr__,
            "_asdict": _asdict,
            "__getnewargs__": __getnewargs__,
            "__match_args__": fields,
        }
        for index, name in enumerate(fields):
            body[name] = _tuplegetter(index, sys.intern(f"Alias for field number {index}"))
        for key in _FROM_BODY:
            if key in namespace:
                body[key] = namespace[key]
        return type(typename, (tuple,), body)

    class _RecordType(type):
        def __new__(mcs, name, bases, namespace):
            if not bases:  # Record itself
                return super().__new__(mcs, name, bases, namespace)
            # A class naming Generic has imported typing: no need to import it here.
            generic = getattr(sys.modules.get("typing"), "Generic", None)
            if any(base is not Record and base is not generic for base in bases):
                raise TypeError(f"{name}: a record can only add Generic to Record")
            annotations = namespace.get("__annotations__", {})
            fields = tuple(annotations)
            given = tuple(field for field in fields if field in namespace)
            if fields[len(fields) - len(given):] != given:
                raise TypeError(f"{name}: a field without a default follows one with a default")
            made = _namedtuple(name, fields, tuple(namespace[f] for f in given),
                               {"__annotations__": annotations, **namespace})
            for key, value in namespace.items():
                if key not in _FROM_BODY and key not in _NOT_COPIED and key not in annotations:
                    setattr(made, key, value)
            return made

    class Record(metaclass=_RecordType):
        """Base of a record class: ``class Point(Record): x: int; y: int = 0``."""
