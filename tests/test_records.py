"""Record classes behave as typing.NamedTuple classes do (portsync.records)."""

from __future__ import annotations

import pickle
from typing import Generic, NamedTuple, TypeVar

import pytest

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
