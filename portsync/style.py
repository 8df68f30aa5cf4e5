"""Terminal looks: colors for text reports and diffs, a progress bar for long runs.

report.py builds plain lines; this module only decorates them, so piped output,
``--format json|github``, ``NO_COLOR`` and ``--no-color`` all see the same words.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO, TypeVar

import click

from portsync.entry import color_wanted
from portsync.report import Output

T = TypeVar("T")

# Above this many files a run shows a progress bar (on a terminal only).
PROGRESS_THRESHOLD = 300

_WRITTEN = re.compile(r"(?P<verb>updated|created) (?P<path>.+)")
_LOCATED = re.compile(r"(?P<where>[^\s:]+(?::\d+){0,2}): (?P<rest>.+)")
_FOUND = re.compile(r"(?P<key>.+): found (?P<found>.+), expected (?P<expected>.+)")


def _isatty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def color_enabled(stream: TextIO) -> bool:
    """Color on ``stream``? ``--no-color``, then NO_COLOR, then FORCE_COLOR, then a terminal."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.color is not None:
        return ctx.color
    return color_wanted(stream)  # the rule entry.py applies to a cached answer


def summary(line: str, code: int) -> str:
    """The closing count line: green when all is well, red with the drift exit code."""
    return click.style(line, fg="red" if code else "green", bold=True)


def diff(text: str) -> str:
    """A unified diff: file headers bold, hunks cyan, removals red, additions green."""
    out = []
    for line in text.split("\n"):
        if line.startswith(("--- ", "+++ ")):
            out.append(click.style(line, bold=True))
        elif line.startswith("@@"):
            out.append(click.style(line, fg="cyan"))
        elif line.startswith("+"):
            out.append(click.style(line, fg="green"))
        elif line.startswith("-"):
            out.append(click.style(line, fg="red"))
        elif line.startswith("\\"):
            out.append(click.style(line, dim=True))
        else:
            out.append(line)
    return "\n".join(out)


def _drift(where: str, rest: str) -> str:
    """``PATH:LINE: KEY: found X, expected Y`` with the path bold, X red and Y green."""
    found = _FOUND.fullmatch(rest)
    if found is None:  # a block, a rendered file or a missing file
        text = click.style(rest, fg="yellow")
    else:
        text = (f"{found['key']}: found {click.style(found['found'], fg='red')}, "
                f"expected {click.style(found['expected'], fg='green')}")
    return f"{click.style(where + ':', bold=True)} {text}"


def out_line(line: str, output: Output) -> str:
    """One stdout entry of a text report, colored by its shape."""
    if line == output.headline:
        return summary(line, output.code)
    if line.startswith("--- ") and "\n+++ " in line:
        return diff(line)
    written = _WRITTEN.fullmatch(line)
    if written is not None:
        return f"{click.style(written['verb'], fg='green')} " \
               f"{click.style(written['path'], bold=True)}"
    located = _LOCATED.fullmatch(line)
    if located is not None:
        return _drift(located["where"], located["rest"])
    return line


def err_line(line: str, output: Output) -> str:
    """One stderr line: warnings yellow, errors red with their location bold."""
    code = output.code
    if line == output.headline:
        return summary(line, code)
    if line.startswith("warning: "):
        return click.style("warning:", fg="yellow", bold=True) + line[len("warning:"):]
    if line.startswith("portsync: error: "):
        return click.style("portsync: error:", fg="red", bold=True) + \
            line[len("portsync: error:"):]
    located = _LOCATED.fullmatch(line)
    if located is not None and code:
        return f"{click.style(located['where'] + ':', bold=True)} " \
               f"{click.style(located['rest'], fg='red')}"
    return line


def paint(output: Output, out_color: bool, err_color: bool) -> Output:
    """The text report with colors on the streams that want them."""
    stdout = [out_line(x, output) for x in output.stdout] if out_color else output.stdout
    stderr = [err_line(x, output) for x in output.stderr] if err_color else output.stderr
    return Output(stdout, stderr, output.code)


def progress(items: Sequence[T], label: str) -> Iterable[T]:
    """``items`` as they are; with a bar on a terminal's stderr when there are many."""
    if len(items) <= PROGRESS_THRESHOLD or not _isatty(sys.stderr):
        return items
    return _bar(items, label)


def _bar(items: Sequence[T], label: str) -> Iterator[T]:
    with click.progressbar(items, label=f"{label} {len(items)} files", file=sys.stderr,
                           show_pos=True) as bar:
        yield from bar
