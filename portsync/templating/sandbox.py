"""The Jinja environment templates run in: immutable sandbox, bounded work, files from inside.

On top of Jinja's ``ImmutableSandboxedEnvironment`` (no attribute escapes, no
mutation of lists and dicts), every place where a template makes Python work
reports to the render's :class:`budget.Meter`: the compiled code counts loop
iterations and output pieces (a code generator that wraps ``{% for %}``
iterables, output buffers, ``~``, comparisons and dict keys), the environment
counts calls, filters, tests and lookups and sizes their arguments. No tracer
is installed. Templates are read by a loader that resolves links and refuses
anything outside the templates folder, or a templates folder outside the root.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from portsync import fsio, lazyre
from portsync.errors import TargetError
from portsync.templating import budget
from portsync.templating.budget import Exceeded

__all__ = ["Exceeded", "environment"]

# Jinja modules whose patterns serve a few filters (urlize, xmlattr, title, wordcount):
# compiled if a template uses one (the lexer's own serve every template).
_RARE_PATTERNS = ("jinja2.utils", "jinja2.filters")


class _Steps:
    """An iterable that takes one step of the meter per item (``loop.length`` still works)."""

    __slots__ = ("_items", "_meter", "_size")

    def __init__(self, iterable: Iterable[Any], meter: budget.Meter) -> None:
        try:
            self._size: int | None = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            self._size = None
        self._items = iter(iterable)
        self._meter = meter

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        self._meter.step()
        return next(self._items)

    def __len__(self) -> int:
        if self._size is None:
            raise TypeError("no length")
        return self._size


class _Buffer(list[str]):
    """A macro's, block's or ``{% set %}``'s output: counted and capped while it grows."""

    __slots__ = ("chars", "meter")

    def __init__(self, meter: budget.Meter) -> None:
        super().__init__()
        self.meter = meter
        self.chars = 0

    def append(self, piece: str) -> None:
        self.meter.step()
        self.chars += len(piece)
        if self.chars > budget.MAX_TEXT:
            raise Exceeded(f"a block's output is over {budget.MAX_TEXT} characters")
        super().append(piece)

    def extend(self, pieces: Iterable[str]) -> None:
        for piece in pieces:
            self.append(piece)


def _code_generator() -> type:
    """Jinja's code generator with the meter's hooks compiled in (built on first use)."""
    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator, Frame, operators

    class Code(CodeGenerator):
        counted: set[int]  # ids of the {% for %} iterables (Jinja allows no custom nodes)

        def buffer(self, frame: Frame) -> None:
            frame.buffer = self.temporary_identifier()
            self.writeline(f"{frame.buffer} = environment.portsync_buffer()")

        def visit_For(self, node: nodes.For, frame: Frame) -> None:
            if not hasattr(self, "counted"):
                self.counted = set()
            self.counted.add(id(node.iter))
            super().visit_For(node, frame)

        def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
            if id(node) not in getattr(self, "counted", ()):
                return super().visit(node, *args, **kwargs)
            self.write("environment.portsync_steps(")
            super().visit(node, *args, **kwargs)
            self.write(")")
            return None

        def _call(self, method: str, node: nodes.Node, frame: Frame) -> None:
            self.write(f"environment.{method}(")
            self.visit(node, frame)
            self.write(")")

        def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
            self.write("(")
            self._call("portsync_inspect", node.expr, frame)
            for op in node.ops:
                self.write(f" {operators[op.op]} ")
                self._call("portsync_inspect", op.expr, frame)
            self.write(")")

        def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
            self.write("{")
            for item in node.items:
                self._call("portsync_inspect", item.key, frame)  # hashed right away
                self.write(": ")
                self.visit(item.value, frame)
                self.write(", ")
            self.write("}")

        def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
            # Jinja's choice of join, its operands sized before they are joined.
            if frame.eval_ctx.volatile:
                join = "(markup_join if context.eval_ctx.volatile else str_join)"
            else:
                join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
            self.write(f"{join}(environment.portsync_parts((")
            for arg in node.nodes:
                self.visit(arg, frame)
                self.write(", ")
            self.write(")))")

    return Code


def _templates_folder(templates_dir: Path, root: Path) -> Path:
    label = fsio.display_path(templates_dir)
    real = fsio.resolve(templates_dir, label)
    if not real.is_relative_to(root.resolve()):
        raise TargetError("the templates folder leads outside the registry's folder "
                          "(templates_dir must lie inside it); refusing it", where=label)
    return real


def _loader(templates_dir: Path, root: Path) -> Any:
    """A loader for files inside the templates folder only, links resolved, read by fsio."""
    from jinja2 import BaseLoader, TemplateNotFound
    from jinja2.loaders import split_template_path

    class Inside(BaseLoader):
        def __init__(self) -> None:
            self.names: dict[str, str] = {}  # file name Jinja was given -> how messages show it

        def get_source(self, environment: Any, template: str
                       ) -> tuple[str, str, Callable[[], bool]]:
            folder = _templates_folder(templates_dir, root)
            if not isinstance(template, str) or "\0" in template:
                raise TemplateNotFound(str(template))
            path = templates_dir.joinpath(*split_template_path(template))
            label = fsio.display_path(path)
            real = fsio.resolve(path, label)
            if not real.is_relative_to(folder):
                raise TargetError("the template leads outside the templates folder; refusing it",
                                  where=label)
            text = fsio.read_text(real, label)
            if text is None:
                raise TemplateNotFound(template)
            self.names[str(path)] = label
            return text.body, str(path), lambda: fsio.holds(real, text.full)

    return Inside()


def environment(templates_dir: Path, root: Path) -> Any:
    """A bounded, immutable sandboxed Jinja environment with SPEC §2's options."""
    with lazyre.deferred(*_RARE_PATTERNS):
        from jinja2 import StrictUndefined, Template
        from jinja2.runtime import LoopContext
        from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Bounded(ImmutableSandboxedEnvironment):
        code_generator_class = _code_generator()
        intercepted_binops = frozenset({"*", "**", "+", "%"})

        def __init__(self) -> None:
            super().__init__(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, autoescape=False,
                             loader=_loader(templates_dir, root))
            self.meter = budget.Meter()
            self.finalize = self.portsync_inspect  # every {{ value }} is sized before str()
            del self.globals["lipsum"]  # loops in Python no step could stop
            self.filters = {name: self._counted(name, f) for name, f in self.filters.items()}
            self.tests = {name: self._counted(name, f)  # type: ignore[arg-type]
                          for name, f in self.tests.items()}

        def _counted(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
            signature = inspect.signature(func) if name in budget.SIZED_FILTERS else None
            shallow = name in budget.SHALLOW_FILTERS

            @functools.wraps(func)
            def counted(*args: Any, **kwargs: Any) -> Any:
                meter = self.meter
                meter.step()
                if not shallow:
                    for value in (*args, *kwargs.values()):
                        meter.inspect(value)
                if signature is not None:
                    bound = signature.bind(*args, **kwargs)
                    budget.check_filter(meter, name, bound.arguments)
                    args, kwargs = bound.args, bound.kwargs
                return func(*args, **kwargs)

            return counted

        def portsync_steps(self, iterable: Iterable[Any]) -> _Steps:
            return _Steps(iterable, self.meter)

        def portsync_buffer(self) -> _Buffer:
            return _Buffer(self.meter)

        def portsync_inspect(self, value: Any) -> Any:
            return self.meter.inspect(value)

        def portsync_parts(self, parts: tuple[Any, ...]) -> tuple[Any, ...]:
            total = sum(self.meter.size(p) for p in parts)
            if total > budget.MAX_TEXT:
                raise Exceeded(f"joining with ~ makes a text over {budget.MAX_TEXT} characters")
            return parts

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            self.meter.step()
            budget.check_binop(self.meter, operator, left, right)
            return super().call_binop(context, operator, left, right)

        def getitem(self, obj: Any, argument: Any) -> Any:
            self.meter.step()
            return super().getitem(obj, self.meter.inspect(argument))

        def getattr(self, obj: Any, attribute: str) -> Any:
            self.meter.step()
            return super().getattr(obj, attribute)

        def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
            wrapped = super().wrap_str_format(value)
            if wrapped is None:
                return None
            fmt = value.__self__

            @functools.wraps(wrapped)
            def sized(*args: Any, **kwargs: Any) -> str:
                mapping = args[0] if value.__name__ == "format_map" and args else {}
                budget.check_format(self.meter, fmt, args, {**kwargs, **dict(mapping)})
                return wrapped(*args, **kwargs)

            return sized

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            meter = __self.meter
            meter.step()
            if isinstance(__obj, LoopContext) and args:  # loop(children) in a recursive loop
                args = (_Steps(args[0], meter), *args[1:])
            for value in (*args, *kwargs.values()):
                meter.inspect(value)
            args = budget.check_call(meter, __obj, args, kwargs)
            return super().call(__context, __obj, *args, **kwargs)

        def get_template(self, name: Any, parent: Any = None, globals: Any = None) -> Any:
            _check_names([name], Template)
            return super().get_template(name, parent, globals)

        def select_template(self, names: Any, parent: Any = None, globals: Any = None) -> Any:
            if isinstance(names, (list, tuple)):
                _check_names(names, Template)
            return super().select_template(names, parent, globals)

    return Bounded()


def _check_names(names: Iterable[Any], template_type: type) -> None:
    """Template names must be text (Jinja hashes them before any loader sees them)."""
    from jinja2 import TemplateNotFound

    for name in names:
        if not isinstance(name, (str, template_type)):
            raise TemplateNotFound(f"a {type(name).__name__}, not a name")
