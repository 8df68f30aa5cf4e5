"""The one family of errors the core raises; only the CLI turns them into exit codes."""

from __future__ import annotations

from collections.abc import Iterable

MAX_SHOWN = 300  # characters of a message or a value that a person reads in one line


def clip(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` cut to a readable length: its start and its end, the cut counted between them."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head
    return f"{text[:head]}…[{len(text) - head - tail} characters cut]…{text[-tail:]}"


class PortsyncError(Exception):
    """A problem the user can fix: bad registry, bad target, bad usage (exit 2).

    ``where`` is the ``FILE:LINE:COL`` (or ``FILE:LINE``, ``FILE``) prefix and
    ``key`` the key path the problem is about; both are optional. A message or
    key that echoes a huge value is clipped (a 100,000-character value stays
    readable as its start and end).
    """

    def __init__(self, message: str, *, where: str | None = None, key: str | None = None) -> None:
        message = clip(message)
        super().__init__(message)
        self.message = message
        self.where = where
        self.key = None if key is None else clip(key)

    def __str__(self) -> str:
        parts = [p for p in (self.where, self.key) if p]
        return ": ".join([*parts, self.message])

    def lines(self) -> list[str]:
        """One line per problem, ready to print."""
        return [str(self) for _ in self.flat()]

    def flat(self) -> list[PortsyncError]:
        """The single problems this error stands for."""
        return [self]


class RegistryError(PortsyncError):
    """ports.yaml is malformed or breaks a rule of the schema or port policy."""


class TargetError(PortsyncError):
    """A target cannot be rendered, read, edited or written."""


class UsageError(PortsyncError):
    """The command line asks for something impossible."""


class ProblemList(PortsyncError):
    """Several problems found in one pass, reported all at once."""

    def __init__(self, problems: Iterable[PortsyncError]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(self.problems)} problems")

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        """Every problem's line, in the order found."""
        return [str(p) for p in self.flat()]

    def flat(self) -> list[PortsyncError]:
        """Every single problem, nested lists flattened, in the order found."""
        return [single for p in self.problems for single in p.flat()]


def raise_all(problems: list[PortsyncError]) -> None:
    """Raise the one problem, or all of them together; do nothing when there are none."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ProblemList(problems)
