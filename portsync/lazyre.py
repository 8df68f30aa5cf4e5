"""Regular expressions compiled on their first use, not when their module is imported.

A check imports some forty modules, and most of their patterns serve paths a
given run does not take (drift lines, rewrites, selectors, other output
formats); compiling every one at import was a few milliseconds of each start.
:func:`deferred` does the same for a library's module-level patterns while it
is imported.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

TYPE_CHECKING = False  # typing itself is not imported by a cache hit (start-up time)
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any


class Lazy:
    """``re.compile(source, flags)``, done the first time a method needs it."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, source: str, flags: int = 0) -> None:
        self._args = (source, flags)
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern."""
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return self._compiled

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize
              ) -> re.Match[str] | None:
        """As ``re.Pattern.match``."""
        return self.compiled.match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize
                  ) -> re.Match[str] | None:
        """As ``re.Pattern.fullmatch``."""
        return self.compiled.fullmatch(string, pos, endpos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize
               ) -> re.Match[str] | None:
        """As ``re.Pattern.search``."""
        return self.compiled.search(string, pos, endpos)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0
            ) -> str:
        """As ``re.Pattern.sub``."""
        return self.compiled.sub(repl, string, count)


class StandIn(Lazy):
    """A :class:`Lazy` standing in for a compiled pattern in a library's code.

    Any attribute of ``re.Pattern`` (``findall``, ``split``, ``pattern``...) compiles it.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name in Lazy.__slots__:  # not set yet (a copy being made): no compiling
            raise AttributeError(name)
        return getattr(self.compiled, name)


class deferred:  # lower case, as contextlib.suppress: it reads as a function
    """Make ``re.compile`` return a :class:`StandIn` to code of ``modules`` while within.

    Their submodules too; any other caller (the standard library modules an import
    pulls in) gets its pattern compiled, as always.
    """

    def __init__(self, *modules: str) -> None:
        self.modules = modules

    def __enter__(self) -> None:
        modules = self.modules
        compile_now = self.compile_now = re.compile

        def compile_later(pattern: Any, flags: int = 0) -> Any:
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if isinstance(pattern, str) and any(
                    caller == name or caller.startswith(name + ".") for name in modules):
                return StandIn(pattern, flags)
            return compile_now(pattern, flags)

        re.compile = compile_later

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        re.compile = self.compile_now
