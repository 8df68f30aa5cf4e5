"""Running one command: its output printed as click prints it, its errors turned into exit codes.

Both command-line layers use it: ``cli.py`` (click) and ``entry.py``, which
runs the sync command without importing click. Nothing here imports click.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

from portsync import lazyre
from portsync.errors import PortsyncError

TYPE_CHECKING = False  # typing itself is not imported by a cache hit (start-up time)
if TYPE_CHECKING:
    from typing import TextIO

    from portsync.report import Output

    Colors = Callable[[TextIO], bool]  # whether to color a stream

# Above this many files a run shows a progress bar (on a terminal only).
PROGRESS_THRESHOLD = 300
# click's own pattern (click._compat._ansi_re): what click.echo strips when not coloring.
_ANSI = lazyre.Lazy(r"\033\[[0-?]*[ -/]*[@-~]")


def isatty(stream: object) -> bool:
    """Whether ``stream`` is a terminal (False for anything without ``isatty``)."""
    check = getattr(stream, "isatty", None)
    return bool(check and check())


def strip_ansi(text: str) -> str:
    """``text`` without terminal styling codes."""
    return _ANSI.sub("", text) if "\033" in text else text


def write_lines(stream: TextIO, lines: Sequence[str], color: bool) -> None:
    """Each line and a newline, styling stripped unless ``color`` (as ``click.echo`` does)."""
    if lines:
        stream.write("".join(f"{line if color else strip_ansi(line)}\n" for line in lines))
    stream.flush()


def wants_progress(count: int) -> bool:
    """Whether a loop over ``count`` files shows a progress bar: many, on a terminal's stderr."""
    return count > PROGRESS_THRESHOLD and isatty(sys.stderr)


def emit(output: Output, fmt: str, colors: Colors) -> int:
    """Print an Output (colored on the streams that want it, text reports only); its code."""
    # Only text reports get colors: json and github annotations are read by machines.
    out_color = fmt == "text" and colors(sys.stdout)
    err_color = fmt == "text" and colors(sys.stderr)
    if out_color or err_color:
        from portsync import style

        output = style.paint(output, out_color, err_color)
    write_lines(sys.stdout, output.stdout, out_color)
    write_lines(sys.stderr, output.stderr, err_color)
    return output.code


def _note(message: str, colors: Colors) -> None:
    write_lines(sys.stderr, [message], colors(sys.stderr))


def reader_left() -> int:
    """The exit code when stdout's reader went away (``| head``); its final flush silenced."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141


def guarded(verbose: bool, fmt: str, body: Callable[[], Output], colors: Colors) -> int:
    """Run a command body and print what it returns; its exit code.

    PortsyncError -> its message, exit 2; an interrupt -> 130; a reader that
    left the pipe -> 141; anything else is a bug: exit 3, one line (the
    traceback with ``verbose``).
    """
    from portsync.report import EXIT_BUG, render_errors  # here: a cache hit needs neither

    try:
        return emit(body(), fmt, colors)
    except PortsyncError as err:
        return emit(render_errors(err, fmt), fmt, colors)
    except KeyboardInterrupt:
        _note("portsync: interrupted", colors)
        return 130
    except BrokenPipeError:  # `portsync --dry-run | head`: the reader left; not a bug
        return reader_left()
    except Exception as err:  # an unexpected error is a bug: exit 3
        if verbose:
            import traceback

            traceback.print_exc()
        where = "" if verbose else " (run with -v for the traceback)"
        _note(f"portsync: internal error: {type(err).__name__}: {err}{where}", colors)
        return EXIT_BUG
