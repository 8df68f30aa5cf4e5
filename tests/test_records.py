"""Record classes behave as typing.NamedTuple classes do (portsync.records)."""

from __future__ import annotations

import collections
import copy
import importlib
import inspect
import pickle
import pkgutil
from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

import pytest

import portsync
from portsync.model import Source
from portsync.records import Record

T = TypeVar("T")


class Point(Record):
    """A point on a line."""

    x: int
    label: str = "origin"

    def moved(self, by: int) -> Point:
        return self._replace(x=self.x + by)

    @property
    def twice(self) -> int:
        return 2 * self.x


class TypedPoint(NamedTuple):
    """A point on a line."""

    x: int
    label: str = "origin"


class Box(Record, Generic[T]):
    item: T


def test_a_record_is_the_namedtuple_typing_would_make() -> None:
    made, typed = Point(3), TypedPoint(3)
    assert tuple(made) == tuple(typed) == (3, "origin")
    assert Point._fields == TypedPoint._fields == ("x", "label")
    assert Point._field_defaults == TypedPoint._field_defaults == {"label": "origin"}
    assert repr(made) == "Point(x=3, label='origin')"
    assert Point.__doc__ == TypedPoint.__doc__ == "A point on a line."
    assert Point.__bases__ == TypedPoint.__bases__ == (tuple,)
    assert Point.__module__ == __name__
    assert Point.__qualname__ == "Point"
    assert Point.__annotations__ == {"x": "int", "label": "str"}


def test_methods_properties_and_replace_work() -> None:
    point = Point(3, "a")
    assert point.moved(2) == Point(5, "a")
    assert point.twice == 6
    assert point == (3, "a") and hash(point) == hash((3, "a"))
    with pytest.raises(AttributeError):
        point.x = 4  # type: ignore[misc]


def test_records_pickle_by_module_and_name() -> None:
    # import's workers send records back through pickle
    source = Source("ports.yaml", 3, 5)
    assert pickle.loads(pickle.dumps(source)) == source
    assert type(pickle.loads(pickle.dumps(Point(1)))) is Point


def test_a_generic_record_holds_any_item() -> None:
    assert Box(item=[1])._fields == ("item",)
    assert Box([1]).item == [1]


def test_a_field_without_a_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="Bad: a field without a default follows one"):
        class Bad(Record):
            a: int = 1
            b: int


def test_only_generic_may_join_record_as_a_base() -> None:
    with pytest.raises(TypeError, match="Mixed: a record can only add Generic"):
        class Mixed(Record, dict):  # type: ignore[misc]
            a: int


# --- the class is the one collections.namedtuple makes, down to its methods ---

_METHODS = ("__new__", "_make", "_replace", "__repr__", "_asdict", "__getnewargs__")


def _record(name: str, fields: tuple[str, ...], defaults: tuple[object, ...],
            extra: dict[str, object]) -> type:
    """A record class built as a ``class`` statement would build it."""
    annotations = dict.fromkeys(fields, "int")
    namespace: dict[str, object] = {"__module__": __name__, "__qualname__": f"Outer.{name}",
                                    "__annotations__": annotations, **extra}
    namespace.update(zip(fields[len(fields) - len(defaults):], defaults, strict=True))
    return type(Record)(name, (Record,), namespace)  # type: ignore[no-any-return]


def _namedtuple(name: str, fields: tuple[str, ...], defaults: tuple[object, ...],
                extra: dict[str, object]) -> type:
    """The same class from collections.namedtuple, as records were made before."""
    made = collections.namedtuple(name, fields, defaults=list(defaults), module=__name__)
    for key, value in extra.items():
        setattr(made, key, value)
    made.__qualname__ = f"Outer.{name}"
    made.__annotations__ = dict.fromkeys(fields, "int")
    return made


def _errors(call: Callable[[], object]) -> str:
    with pytest.raises((TypeError, ValueError)) as caught:
        call()
    return f"{caught.type.__name__}: {caught.value}"


def _description(cls: type) -> list[object]:
    """Everything observable about a record class, for comparing two of them."""
    fields = cls._fields  # type: ignore[attr-defined]
    out: list[object] = [cls.__name__, cls.__qualname__, cls.__module__, cls.__doc__,
                         cls.__bases__, cls.__annotations__, sorted(vars(cls)), fields,
                         cls._field_defaults, cls.__match_args__, cls.__slots__]  # type: ignore[attr-defined]
    for name in _METHODS:
        raw = vars(cls)[name]
        method = getattr(raw, "__func__", raw)
        out += [type(raw), method.__name__, method.__qualname__, method.__doc__,
                method.__module__, method.__defaults__, method.__kwdefaults__,
                str(inspect.signature(method))]
    for field in fields:
        getter = vars(cls)[field]
        out += [type(getter), getter.__doc__, getter.__get__(tuple(range(len(fields))))]
    values = tuple(range(len(fields)))
    made = cls(*values)
    results = [made, made._replace(), copy.copy(made)]
    if fields:
        results += [cls(**dict(zip(fields, values, strict=True))),
                    made._replace(**{fields[-1]: "new"}), cls._make(values)]  # type: ignore[attr-defined]
        out.append(_errors(lambda: cls(*values, **{fields[0]: 0})))
    # compared as plain values: a record may define its own __eq__
    out += [(type(result).__qualname__, repr(result), tuple(result)) for result in results]
    out += [made._asdict(), made.__getnewargs__(), hash(made) == hash(values)]
    out += [_errors(lambda: cls(*values, "extra")),
            _errors(lambda: cls(nope=1)),
            _errors(lambda: cls._make((*values, 0))),  # type: ignore[attr-defined]
            _errors(lambda: made._replace(nope=1, other=2))]
    if len(fields) > len(cls._field_defaults):  # type: ignore[attr-defined]
        out.append(_errors(cls))
    return out


_SHAPES = [
    ("Empty", (), ()),
    ("One", ("only",), ()),
    ("OneDefault", ("only",), (None,)),
    ("Pair", ("x", "y"), ()),
    ("Mixed", ("a", "b", "c", "d"), (1, [2])),
    ("AllDefaults", ("a", "b", "c"), (1, 2, 3)),
    ("Sixteen", tuple(f"f{i}" for i in range(16)), (0,)),
    ("Seventeen", tuple(f"f{i}" for i in range(17)), (0, 1)),  # past the templates
    ("Keywordish", ("match", "count", "index", "self", "cls"), ()),
]


@pytest.mark.parametrize(("name", "fields", "defaults"), _SHAPES, ids=[s[0] for s in _SHAPES])
@pytest.mark.parametrize("extra", [{}, {"__doc__": "Documented.", "total": property(sum),
                                        "__str__": lambda self: "s", "LIMIT": 3}],
                         ids=["bare", "with-body"])
def test_a_record_class_is_the_class_namedtuple_makes(
        name: str, fields: tuple[str, ...], defaults: tuple[object, ...],
        extra: dict[str, object]) -> None:
    made = _record(name, fields, defaults, extra)
    assert _description(made) == _description(_namedtuple(name, fields, defaults, extra))
    if "total" in extra:
        assert made(*range(len(fields))).total == sum(range(len(fields)))  # type: ignore[attr-defined]


def test_a_field_may_not_start_with_an_underscore() -> None:
    for fields in (("_hidden",), ("a", "_b", "c")):
        with pytest.raises(ValueError) as ours:
            _record("Bad", fields, (), {})
        with pytest.raises(ValueError) as theirs:
            collections.namedtuple("Bad", fields)
        assert str(ours.value) == str(theirs.value)


def test_every_record_class_of_portsync_is_the_class_namedtuple_makes() -> None:
    records = []
    for info in pkgutil.walk_packages(portsync.__path__, "portsync."):
        if not info.name.endswith("__main__"):
            module = importlib.import_module(info.name)
            records += [value for value in vars(module).values()
                        if isinstance(value, type) and issubclass(value, tuple)
                        and value.__module__ == info.name and hasattr(value, "_fields")]
    assert len(records) > 40
    for cls in records:
        extra = {key: value for key, value in vars(cls).items() if key not in
                 {*_METHODS, *cls._fields, "__module__", "__qualname__", "__annotations__",
                  "__slots__", "_fields", "_field_defaults", "__match_args__"}}
        twin = collections.namedtuple(cls.__name__, cls._fields,
                                      defaults=list(cls._field_defaults.values()),
                                      module=cls.__module__)
        for key, value in extra.items():
            setattr(twin, key, value)
        twin.__qualname__, twin.__annotations__ = cls.__qualname__, cls.__annotations__
        assert _description(cls) == _description(twin), cls
        # pickle finds the class by its module and qualified name
        made = cls(*range(len(cls._fields)))
        assert type(pickle.loads(pickle.dumps(made))) is cls
