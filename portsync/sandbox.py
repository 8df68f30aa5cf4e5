"""Bounds on sandboxed Jinja: size caps on `*`, `**` and `+`, and a CPU time budget per run.

Jinja's sandbox stops attribute escapes (``''.__class__``) but not a template
that loops or allocates forever, such as nested ``{% for %}`` over
``range(100000)`` or ``'x' * 10**10``. A portsync run must end with a clear
error instead (SPEC §4), so each render gets a time budget, checked on each
line the template's own code executes. The budget is per render, not per run:
a large repo legitimately renders thousands of values, and the first render
that runs over stops the whole run anyway.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

MAX_SECONDS = 5.0  # one render; real templates take milliseconds
MAX_ITEMS = 1_000_000  # longest string or list that `*` or `+` may build
MAX_BITS = 65_536  # largest integer that `*` or `**` may build
MAX_OUTPUT = 16 * 1024 * 1024  # what portsync would refuse to read back (fsio.MAX_BYTES)


class Exceeded(Exception):
    """A template went past one of the bounds."""


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, list, tuple)) else None


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse before computing a result that would blow past the caps."""
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "**" and ints and right > 0 and abs(left) > 1 \
            and right * abs(left).bit_length() > MAX_BITS:
        raise Exceeded(f"{left} ** {right} is too large a number")
    if operator == "*" and ints and left.bit_length() + right.bit_length() > MAX_BITS:
        raise Exceeded("a product past 65536 bits is too large a number")
    if operator == "*" and not ints:
        sized, count = (left, right) if _size(left) is not None else (right, left)
        length = _size(sized)
        if length is not None and isinstance(count, int) and length * count > MAX_ITEMS:
            raise Exceeded(f"repeating a value {count} times makes it too long")
    if operator == "+":
        lengths = (_size(left), _size(right))
        if None not in lengths and sum(n for n in lengths if n) > MAX_ITEMS:
            raise Exceeded(f"joining makes a value over {MAX_ITEMS} items long")


def environment(templates_dir: Path) -> Any:
    """An immutable sandboxed Jinja environment with SPEC §2's options and the size caps."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Bounded(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            _check_binop(operator, left, right)
            return super().call_binop(context, operator, left, right)

    return Bounded(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=True, autoescape=False,
                   loader=FileSystemLoader(str(templates_dir)))


class Budget:
    """The time one render may spend."""

    def __init__(self, seconds: float = MAX_SECONDS) -> None:
        self.seconds = seconds

    def render(self, template: Any, context: dict[str, Any], env: Any) -> str:
        """Render ``template`` within the budget; its text must stay under MAX_OUTPUT."""
        with self.running(env):
            text = str(template.render(context))
        if len(text) > MAX_OUTPUT:
            raise Exceeded(f"the output is {len(text)} characters, over the 16 MiB limit")
        return text

    @contextmanager
    def running(self, env: Any) -> Iterator[None]:
        """Trace the template code of ``env`` (only it) and stop it when the budget is spent."""
        deadline = time.monotonic() + self.seconds

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            if event == "line" and time.monotonic() > deadline:
                raise Exceeded(f"a template ran for over {self.seconds:g} seconds "
                               "(a loop that never ends?)")
            return local

        def calls(frame: FrameType, event: str, arg: Any) -> Any:
            # Jinja runs compiled templates with their environment as a global.
            return local if frame.f_globals.get("environment") is env else None

        previous = sys.gettrace()
        sys.settrace(calls)
        try:
            yield
        finally:
            sys.settrace(previous)
