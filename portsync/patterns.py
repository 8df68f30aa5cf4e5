"""User ``replace`` patterns: one regex engine (``regex``), every search under a time bound.

Patterns come from the registry and files from the repository, so a pattern
with catastrophic backtracking must not hang a run. The ``regex`` package
reads Python's syntax (lookarounds and back-references included, which a
linear-time engine such as RE2 refuses) and takes a ``timeout=``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from portsync.errors import PortsyncError
from portsync.records import Record

if TYPE_CHECKING:
    import regex

TIMEOUT = 2.0  # seconds for every match of one pattern in one file
MAX_MATCHES = 10_000  # matches of one pattern in one file


class Pattern(Record):
    """A compiled pattern (``^``/``$`` at every line) and the group it rewrites."""

    text: str
    compiled: regex.Pattern[str]
    group: str | int


class PatternTimeout(PortsyncError):
    """A pattern took longer than ``TIMEOUT`` on one file, or matched too often."""


def compile_pattern(text: str) -> Pattern:
    """Compile a user pattern; PortsyncError says why it is not valid or has no group."""
    import regex

    try:
        compiled = regex.compile(text, regex.MULTILINE)
    except regex.error as err:
        raise PortsyncError(f"pattern /{text}/ is not a valid regex: {err}") from None
    if "port" in compiled.groupindex:
        return Pattern(text, compiled, "port")
    if compiled.groups:
        return Pattern(text, compiled, 1)
    raise PortsyncError(f"pattern /{text}/ needs a group (?P<port>...)")


def matches(pattern: Pattern, text: str) -> Iterator[regex.Match[str]]:
    """Every match in ``text``, found one by one.

    PatternTimeout when they take longer than ``TIMEOUT`` in all, or number over
    ``MAX_MATCHES`` (each match is kept until the plan is done: memory is bounded too).
    """
    found = pattern.compiled.finditer(text, timeout=TIMEOUT)
    count = 0
    while True:
        try:
            match = next(found, None)
        except TimeoutError:
            raise PatternTimeout(f"pattern /{pattern.text}/ took over {TIMEOUT:g} s on this "
                                 "file (nested repetition such as (\\d+)+ backtracks without "
                                 "end); simplify it") from None
        if match is None:
            return
        count += 1
        if count > MAX_MATCHES:
            raise PatternTimeout(f"pattern /{pattern.text}/ matches over {MAX_MATCHES} times "
                                 "in this file; make it name the place it means")
        yield match
