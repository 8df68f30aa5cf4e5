"""Terminal looks: ANSI colors for text reports and diffs.

report.py builds plain lines; this module only decorates them, so piped output,
``--format json|github``, ``NO_COLOR`` and ``--no-color`` all see the same words.
Whether to color is the CLI's call (it reads the flags and the environment).
"""

from __future__ import annotations

import re

from portsync.report import Output

_WRITTEN = re.compile(r"(?P<verb>updated|created) (?P<path>.+)")
_LOCATED = re.compile(r"(?P<where>[^\s:]+(?::\d+){0,2}): (?P<rest>.+)")
_FOUND = re.compile(r"(?P<key>.+): found (?P<found>.+), expected (?P<expected>.+)")
_CODES = {"red": 31, "green": 32, "yellow": 33, "cyan": 36}
_RESET = "\x1b[0m"


def _style(text: str, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    """``text`` between the SGR codes for a color, bold and dim, and a reset."""
    codes = [*([_CODES[fg]] if fg else []), *([1] if bold else []), *([2] if dim else [])]
    return "".join(f"\x1b[{c}m" for c in codes) + text + _RESET


def summary(line: str, code: int) -> str:
    """The closing count line: green when all is well, red with the drift exit code."""
    return _style(line, fg="red" if code else "green", bold=True)


def diff(text: str) -> str:
    """A unified diff: file headers bold, hunks cyan, removals red, additions green."""
    out = []
    for line in text.split("\n"):
        if line.startswith(("--- ", "+++ ")):
            out.append(_style(line, bold=True))
        elif line.startswith("@@"):
            out.append(_style(line, fg="cyan"))
        elif line.startswith("+"):
            out.append(_style(line, fg="green"))
        elif line.startswith("-"):
            out.append(_style(line, fg="red"))
        elif line.startswith("\\"):
            out.append(_style(line, dim=True))
        else:
            out.append(line)
    return "\n".join(out)


def _drift(where: str, rest: str) -> str:
    """``PATH:LINE: KEY: found X, expected Y`` with the path bold, X red and Y green."""
    found = _FOUND.fullmatch(rest)
    if found is None:  # a block, a rendered file or a missing file
        text = _style(rest, fg="yellow")
    else:
        text = (f"{found['key']}: found {_style(found['found'], fg='red')}, "
                f"expected {_style(found['expected'], fg='green')}")
    return f"{_style(where + ':', bold=True)} {text}"


def out_line(line: str, output: Output) -> str:
    """One stdout entry of a text report, colored by its shape."""
    if line == output.headline:
        return summary(line, output.code)
    if line.startswith("--- ") and "\n+++ " in line:
        return diff(line)
    written = _WRITTEN.fullmatch(line)
    if written is not None:
        return f"{_style(written['verb'], fg='green')} " \
               f"{_style(written['path'], bold=True)}"
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
        return _style("warning:", fg="yellow", bold=True) + line[len("warning:"):]
    if line.startswith("portsync: error: "):
        return _style("portsync: error:", fg="red", bold=True) + \
            line[len("portsync: error:"):]
    located = _LOCATED.fullmatch(line)
    if located is not None and code:
        return f"{_style(located['where'] + ':', bold=True)} " \
               f"{_style(located['rest'], fg='red')}"
    return line


def paint(output: Output, out_color: bool, err_color: bool) -> Output:
    """The text report with colors on the streams that want them."""
    stdout = [out_line(x, output) for x in output.stdout] if out_color else output.stdout
    stderr = [err_line(x, output) for x in output.stderr] if err_color else output.stderr
    return Output(stdout, stderr, output.code)
