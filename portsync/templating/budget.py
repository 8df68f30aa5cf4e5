"""The bounds of one template render: time counted in steps, sizes checked before building.

Jinja's sandbox stops attribute escapes (``''.__class__``) but not a template
that loops or allocates without end. Nothing here traces the interpreter
(``sys.settrace`` would take over debuggers and coverage); instead the sandbox
(``sandbox.py``) calls a :class:`Meter` at each loop iteration, call, filter,
attribute lookup and output piece, and the meter checks the clock every few
hundred steps. Work that Python does in C, where no step can interrupt it, is
sized beforehand: the string-building methods and filters (``center``,
``join``, ``replace``, ``format``, ``%``, ``*``...) from their arguments, and any
value handed to a C-level conversion, comparison or hash (output, ``~``,
``==``, ``in``, dict keys, filters) from the size of its text form, shared
parts counted each time they appear (a list of a million references to one
big list is as big as its repr). So a bound is hit before the memory is spent.
"""

from __future__ import annotations

import re
import time
from typing import Any

MAX_SECONDS = 5.0  # one render; real templates take milliseconds
MAX_ITEMS = 1_000_000  # longest list or tuple one operation may build
MAX_BITS = 65_536  # largest integer that `*` or `**` may build
MAX_TEXT = 16 * 1024 * 1024  # longest text one operation may build, and a render's output
MAX_DEPTH = 100  # nesting of a value handed to C code (hashing a deep tuple crashes CPython)
_LASTING_MOST = 200_000  # sized parts of the shared context kept between renders
_CHECK_EVERY = 255  # steps between two looks at the clock, minus one (a mask)
_SCALARS = (str, bytes, int, float, complex, type(None))


class Exceeded(Exception):
    """A template went past one of the bounds."""


def _text_limit(size: int, what: str) -> None:
    if size > MAX_TEXT:
        raise Exceeded(f"{what} would build a text of {size} characters "
                       f"(the limit is {MAX_TEXT})")


def _width(value: Any, what: str) -> int:
    """An int argument that sizes a result (``center(N)``), checked before use."""
    if isinstance(value, int):
        _text_limit(value, what)
        return value
    return 0


class Meter:
    """Counts the steps of one render against its deadline and sizes values before C code runs.

    ``lasting`` caches the sizes of values that outlive a render (the shared
    template context), keyed by id; they are kept alive by the context itself.
    """

    __slots__ = ("deadline", "lasting", "seconds", "steps")

    def __init__(self, seconds: float = MAX_SECONDS,
                 lasting: dict[int, tuple[Any, int, int]] | None = None) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.steps = 0
        self.lasting = {} if lasting is None else lasting

    def step(self) -> None:
        """One unit of template work; past the deadline, stop the render."""
        self.steps += 1
        if not self.steps & _CHECK_EVERY and time.monotonic() > self.deadline:
            raise Exceeded(f"a template ran for over {self.seconds:g} seconds "
                           "(a loop that never ends?)")

    def size(self, value: Any) -> int:
        """The length of ``value``'s text form (a close upper bound), refusing huge or deep ones."""
        return self.shape(value)[0]

    def shape(self, value: Any) -> tuple[int, int]:
        """The size of ``value``'s text form and how deeply it nests."""
        if isinstance(value, _SCALARS):
            return _scalar_size(value), 0
        return self._walk(value, {}, 0)

    def inspect(self, value: Any) -> Any:
        """``value`` itself, once it is known small and shallow enough for C code."""
        if not isinstance(value, _SCALARS):
            self._walk(value, {}, 0)
        return value

    def remember(self, value: Any) -> None:
        """Size a value of the shared context once for every later render."""
        if len(self.lasting) > _LASTING_MOST:  # only the shared context belongs here
            self.lasting.clear()
        if not isinstance(value, _SCALARS):
            self._walk(value, self.lasting, 0)

    def _walk(self, value: Any, seen: dict[int, tuple[Any, int, int]], depth: int
              ) -> tuple[int, int]:
        """(size, depth) of a container, each shared part sized once per walk."""
        key = id(value)
        known = self.lasting.get(key) or seen.get(key)
        if known is not None:
            return known[1], known[2]
        items = _children(value)
        if items is None:
            return 1, 0
        if depth >= MAX_DEPTH:
            raise Exceeded(f"a value nested over {MAX_DEPTH} levels deep")
        seen[key] = (value, 2, 0)  # a cycle (a namespace holding itself) counts as "..."
        total, deepest = 2, 0
        for item in items:
            self.step()
            if isinstance(item, _SCALARS):
                total += _scalar_size(item) + 2
                continue
            size, inner = self._walk(item, seen, depth + 1)
            total += size + 2
            deepest = max(deepest, inner + 1)
            if total > MAX_TEXT:
                raise Exceeded(f"a value whose text would be over {MAX_TEXT} characters")
        if total > MAX_TEXT:
            raise Exceeded(f"a value whose text would be over {MAX_TEXT} characters")
        seen[key] = (value, total, deepest)
        return total, deepest


def _scalar_size(value: Any) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    return 24


def _children(value: Any) -> Any:
    """What a container holds (a mapping: keys and values), or None for anything else."""
    if isinstance(value, dict):
        return [x for pair in value.items() for x in pair]
    if isinstance(value, (list, tuple, set, frozenset)):
        return value
    from jinja2.utils import Namespace

    if isinstance(value, Namespace):
        attrs = object.__getattribute__(value, "_Namespace__attrs")
        return [x for pair in attrs.items() for x in pair]
    if type(value).__name__ in ("dict_items", "dict_keys", "dict_values"):
        return list(value)
    return None


# -- sizes of what C code is about to build -------------------------------------------------


def check_binop(meter: Meter, operator: str, left: Any, right: Any) -> None:
    """Refuse ``left OP right`` before computing a result that would blow past the caps."""
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "**" and ints and right > 0 and abs(left) > 1 \
            and right * abs(left).bit_length() > MAX_BITS:
        raise Exceeded(f"{left} ** {right} is too large a number")
    if operator == "*" and ints:
        if left.bit_length() + right.bit_length() > MAX_BITS:
            raise Exceeded("a product past 65536 bits is too large a number")
    elif operator == "*":
        sized, count = (left, right) if isinstance(right, int) else (right, left)
        if isinstance(count, int) and isinstance(sized, (str, bytes, list, tuple)) \
                and len(sized) * count > _limit_of(sized)[0]:
            raise Exceeded(f"repeating a value {count} times makes it too long")
    elif operator == "+" and isinstance(left, (str, bytes, list, tuple)) \
            and isinstance(right, (str, bytes, list, tuple)):
        limit, unit = _limit_of(left)
        if len(left) + len(right) > limit:
            raise Exceeded(f"joining makes a value over {limit} {unit} long")
    elif operator == "%" and isinstance(left, (str, bytes)):
        check_percent(meter, left if isinstance(left, str) else left.decode("latin-1"), right)


def _limit_of(value: str | bytes | list[Any] | tuple[Any, ...]) -> tuple[int, str]:
    return (MAX_TEXT, "characters") if isinstance(value, (str, bytes)) else (MAX_ITEMS, "items")


def check_percent(meter: Meter, fmt: str, args: Any) -> None:
    """``fmt % args``: each conversion at most as wide as its spec and its biggest argument."""
    specs = re.findall(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?", fmt)
    widths = max((int(n) for spec in specs for n in spec if n.isdigit()), default=0)
    values = list(args.values()) if isinstance(args, dict) else \
        list(args) if isinstance(args, tuple) else [args]
    if "*" in fmt:
        widths = max([widths, *(v for v in values if isinstance(v, int))])
    biggest = max((meter.size(v) for v in values), default=0)
    _text_limit(len(fmt) + fmt.count("%") * (_width(widths, "a % format") + biggest),
                "a % format")


def check_format(meter: Meter, fmt: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """``fmt.format(...)``: no nested specs, each field at most its width plus its argument."""
    from string import Formatter

    fields = 0
    widest = 0
    for _, name, spec, _ in Formatter().parse(fmt):
        if name is None:
            continue
        fields += 1
        if spec and "{" in spec:
            raise Exceeded("a format field with a nested field in its spec is not allowed")
        widest = max([widest, *(int(n) for n in re.findall(r"\d+", spec or ""))])
    biggest = max((meter.size(v) for v in (*args, *kwargs.values())), default=0)
    _text_limit(len(fmt) + fields * (_width(widest, "format()") + biggest), "format()")


def _table_widest(table: Any) -> int:
    values = table.values() if isinstance(table, dict) else table \
        if isinstance(table, (list, tuple)) else ()
    return max((len(v) for v in values if isinstance(v, (str, bytes))), default=1)


def _method_size(name: str, text: str | bytes, args: tuple[Any, ...], kwargs: dict[str, Any]
                 ) -> int | None:
    """The length of what ``text.NAME(*args)`` would build, for the methods that can grow it."""
    arg = args[0] if args else None
    if name in ("center", "ljust", "rjust", "zfill"):
        return max(len(text), _width(arg, f"{name}()"))
    if name == "expandtabs":
        tab = _width(kwargs.get("tabsize", 8 if arg is None else arg), f"{name}()")
        tabs = text.count("\t") if isinstance(text, str) else text.count(b"\t")
        return len(text) + tabs * tab
    kind = str if isinstance(text, str) else bytes
    if name == "replace" and len(args) >= 2 and all(isinstance(a, kind) for a in args[:2]):
        old, new = args[0], args[1]
        count = text.count(old) if old else len(text) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            count = min(count, args[2])
        return len(text) + count * max(0, len(new) - len(old))
    if name == "translate":
        return len(text) * _table_widest(arg)
    return None


def check_call(meter: Meter, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
               ) -> tuple[Any, ...]:
    """Size a call of a str, bytes or int method before it runs; returns the arguments to use.

    ``sep.join(items)`` gets its items as a list (a generator would be used up
    by the sizing).
    """
    owner = getattr(func, "__self__", None)
    name = getattr(func, "__name__", "")
    if isinstance(owner, int) and name == "to_bytes":
        _width(args[0] if args else kwargs.get("length", 1), "to_bytes()")
    if not isinstance(owner, (str, bytes)):
        return args
    from markupsafe import Markup

    grows = 6 if isinstance(owner, Markup) else 1  # Markup escapes what it is given: &#34;
    if name == "join" and args:
        items = list(args[0])
        total = sum(meter.size(i) for i in items) + len(owner) * max(0, len(items) - 1)
        _text_limit(total * grows, "join()")
        return (items, *args[1:])
    size = _method_size(name, owner, args, kwargs)
    if size is not None:
        _text_limit(size * grows, f"{name}()")
    return args


# Filters that only pass their value through or count it: no need to size it first.
SHALLOW_FILTERS = frozenset({
    "attr", "batch", "count", "d", "default", "first", "items", "last", "length", "list",
    "map", "random", "reject", "rejectattr", "reverse", "select", "selectattr", "slice"})


def _lines(value: Any) -> int:
    return value.count("\n") + 1 if isinstance(value, str) else 1


def check_filter(meter: Meter, name: str, bound: dict[str, Any]) -> None:
    """Size the result of a Jinja filter that can build more than it is given.

    ``bound`` (the arguments by name) may be changed so that a generator is read once.
    """
    shown = f"|{name}"
    if name == "center":
        _text_limit(max(meter.size(bound["value"]), _width(bound.get("width", 80), shown)),
                    shown)
    elif name == "indent":
        width = bound.get("width", 4)
        per_line = len(width) if isinstance(width, str) else _width(width, shown)
        _text_limit(meter.size(bound["s"]) + _lines(bound["s"]) * per_line, shown)
    elif name == "wordwrap":
        text, wrap = str(bound["s"]), bound.get("wrapstring") or "\n"
        breaks = len(text) // max(1, bound.get("width", 79)) + _lines(text)
        _text_limit(len(text) + breaks * len(str(wrap)), shown)
    elif name == "replace":
        size = _method_size("replace", str(bound["s"]),
                            (str(bound["old"]), str(bound["new"]), bound.get("count") or -1), {})
        _text_limit(size or 0, shown)
    elif name in ("join", "sum"):
        key = "value" if name == "join" else "iterable"
        items = bound[key] = list(bound[key])
        total = sum(meter.size(i) for i in items)
        if name == "join":
            _text_limit(total + len(str(bound.get("d", ""))) * max(0, len(items) - 1), shown)
        elif not isinstance(bound.get("start", 0), (int, float)):
            _text_limit(total + meter.size(bound["start"]), shown)
    elif name == "format":
        check_percent(meter, str(bound["value"]), bound.get("kwargs") or bound.get("args", ()))
    elif name in ("tojson", "pprint"):
        size, depth = meter.shape(bound["value"])
        indent = bound.get("indent") if name == "tojson" else 1
        per_level = len(indent) if isinstance(indent, str) else _width(indent or 0, shown)
        _text_limit(size * (1 + per_level * depth), shown)
    elif name in ("batch", "slice"):
        count = bound.get("linecount" if name == "batch" else "slices")
        if isinstance(count, int) and count > MAX_ITEMS:
            raise Exceeded(f"|{name}({count}) would build a list of {count} items "
                           f"(the limit is {MAX_ITEMS})")
    elif name in ("escape", "e", "forceescape", "xmlattr", "urlize"):
        extra = sum(len(str(bound.get(k) or "")) for k in ("target", "rel"))
        _text_limit(meter.size(bound.get("s", bound.get("value", bound.get("d")))) * (6 + extra),
                    shown)


SIZED_FILTERS = frozenset({
    "center", "indent", "wordwrap", "replace", "join", "sum", "format", "tojson", "pprint",
    "batch", "slice", "escape", "e", "forceescape", "xmlattr", "urlize"})
