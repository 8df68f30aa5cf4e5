"""The console entry point: the sync command runs here without click; other commands go to cli.py.

pre-commit runs ``portsync --check`` on every commit: start-up is most of its
cost, and click with the CLI's module is a good part of it. This module reads
the command lines of the sync command, the default one
(``[-r P] [-q] [-v] [--no-color] [sync] [--check | --dry-run] [--env N]...
[--format F] [--no-cache] [--fetch]``, the global options before the command
included), answers a cached ``--check`` before anything else loads, and runs
every other such line through ``commands.sync`` and ``runner`` as cli.py does.
Any other command line (help, version, other commands, combined short flags,
anything click would refuse) goes to ``cli.main`` unchanged. It is part of
the command-line layer, like cli.py: the only other module that reads the
environment.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterable, Sequence

from portsync.records import Record

TYPE_CHECKING = False  # typing itself is not imported by a cache hit (start-up time)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, TextIO, TypeVar

    from portsync.report import Output

    T = TypeVar("T")
_FLAGS = {"-q": "quiet", "--quiet": "quiet", "-v": "verbose", "--verbose": "verbose",
          "--no-color": "no_color", "--check": "check", "--dry-run": "dry_run",
          "--no-cache": "no_cache", "--fetch": "fetch"}
_GLOBAL = ("-r", "--registry", "-q", "--quiet", "-v", "--verbose", "--no-color")  # also before
_VALUED = {"-r": "registry", "--registry": "registry", "--env": "envs", "--format": "output"}
_FORMATS = ("text", "json", "github")


class SyncLine(Record):
    """The options of a ``portsync [sync]`` command line, as click would read them."""

    registry: str | None = None
    envs: tuple[str, ...] = ()
    output: str = "text"
    check: bool = False
    dry_run: bool = False
    no_cache: bool = False
    fetch: bool = False
    quiet: bool = False
    verbose: bool = False
    no_color: bool = False

    @property
    def cacheable(self) -> bool:
        """Whether the cache of in-sync answers may answer: a ``--check`` that fetches nothing."""
        return self.check and not self.no_cache and not self.fetch


def color_wanted(stream: object) -> bool:
    """Color on a stream unless told otherwise: NO_COLOR, then FORCE_COLOR, then a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    from portsync.runner import isatty

    return isatty(stream)


def _option(args: list[str], i: int) -> tuple[str, str | None, int] | None:
    """(option, its value or None for a flag, next index); None for anything unexpected."""
    arg = args[i]
    name, eq, attached = arg.partition("=")
    if name in _VALUED and arg.startswith("--"):
        if eq:
            return (name, attached, i + 1) if attached else None
        return (name, args[i + 1], i + 2) if i + 1 < len(args) and args[i + 1] else None
    if arg == "-r":
        return ("-r", args[i + 1], i + 2) if i + 1 < len(args) and args[i + 1] else None
    if arg.startswith("-r") and not arg.startswith("--"):
        return ("-r", arg[2:], i + 1)  # click's -rPATH
    if arg in _FLAGS:
        return (arg, None, i + 1)
    return None


def parse_sync(args: list[str]) -> SyncLine | None:
    """The options of a ``portsync [sync]`` command line, or None for any other."""
    found: dict[str, Any] = {"envs": ()}
    i, command_seen, given = 0, False, set()
    while i < len(args):
        if args[i] == "sync" and not command_seen:
            command_seen, i = True, i + 1
            continue
        parsed = _option(args, i)
        if parsed is None:
            return None
        name, value, i = parsed
        if not command_seen and name not in _GLOBAL:
            command_seen = True  # the first sync option: `portsync --check` means `sync`
        if value is None:
            found[_FLAGS[name]] = True
        elif _VALUED[name] == "envs":
            found["envs"] += (value,)
        elif _VALUED[name] in given:
            return None  # given twice: leave the precedence rules to click
        else:
            given.add(_VALUED[name])
            found[_VALUED[name]] = value
    line = SyncLine(**found)
    if line.output not in _FORMATS or (line.check and line.dry_run):
        return None  # click words the usage error
    return line


def cache_dir() -> str | None:
    """``$PORTSYNC_CACHE_DIR``: the cache folder for --check answers and git includes."""
    return os.environ.get("PORTSYNC_CACHE_DIR") or None


def registry_path(flag: str | None) -> Path:
    """The run's ports.yaml: ``-r``, else ``$PORTSYNC_REGISTRY``, else the nearest one up."""
    from portsync.registry.finding import find_registry

    return find_registry(flag, os.environ.get("PORTSYNC_REGISTRY"))


def answer_from_cache(line: SyncLine) -> int | None:
    """Print the remembered in-sync answer to a cacheable check and return 0, else None."""
    from portsync import cache
    from portsync.errors import PortsyncError
    from portsync.registry.finding import registry_file
    from portsync.runner import reader_left, write_lines

    try:
        registry = registry_file(line.registry, os.environ.get("PORTSYNC_REGISTRY"))
    except PortsyncError:
        return None  # the full run says what is wrong
    key = cache.request_key(registry, line.envs, line.output, line.quiet,
                            line.verbose, os.getcwd())
    hit = cache.lookup(cache.place(cache_dir()), key)
    if hit is None:
        return None
    text = line.output == "text" and not line.no_color
    try:
        for stream, (plain, colored) in ((sys.stdout, hit.shown["out"]),
                                         (sys.stderr, hit.shown["err"])):
            colors = text and color_wanted(stream)
            write_lines(stream, colored if colors else plain, colors)
    except BrokenPipeError:  # `portsync --check | head`: the reader left
        return reader_left()
    return 0


def _progress(items: Sequence[T], label: str) -> Iterable[T]:
    """``items`` as they are, or with click's bar (cli.progress) when the CLI would show one."""
    from portsync.runner import wants_progress

    if not wants_progress(len(items)):
        return items
    from portsync.cli import progress  # a terminal and many files: click draws the bar

    return progress(items, label)


def run_sync(line: SyncLine, looked_up: bool = False) -> int:
    """Run the sync command as cli.py would, without click; the exit code.

    ``looked_up``: the cache was asked already and had no answer.
    """
    from portsync import runner
    from portsync.commands.sync import fix_command, sync_output
    from portsync.mode import Mode

    mode = Mode.from_flags(check=line.check, dry_run=line.dry_run, output=line.output,
                           quiet=line.quiet, verbose=line.verbose, envs=line.envs,
                           fetch=line.fetch, cache_dir=cache_dir())

    def body() -> Output:
        return sync_output(registry_path(line.registry), mode,
                           fix_command(line.registry, line.envs), line.cacheable,
                           None if line.quiet else _progress, looked_up)

    def colors(stream: TextIO) -> bool:
        return not line.no_color and color_wanted(stream)

    return runner.guarded(line.verbose, line.output, body, colors)


def run() -> None:
    """The console script: ``main()`` in a process tuned for a short life, ended without teardown.

    The cyclic garbage collector runs after every 700 new objects by default,
    and over a small check's imports and work that was some 5% of its time,
    for garbage portsync hardly makes (its records and node trees hold no
    cycles); it runs after every 200,000 instead, as mypy tunes it. Freeing
    every module and object one by one at exit costs 10-20 ms, a sixth of a
    small check; portsync has written and flushed everything by then and
    registers no exit handlers. ``python -m portsync`` keeps both defaults.
    """
    gc.set_threshold(200_000, 30, 30)
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken stream: nothing more to say
        pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """The command line: the sync command here, every other command in ``cli.main``."""
    args = list(sys.argv[1:] if argv is None else argv)
    line = parse_sync(args)
    if line is None:
        from portsync.cli import main as cli_main

        return cli_main(args)
    if line.cacheable:
        code = answer_from_cache(line)
        if code is not None:
            return code
    return run_sync(line, looked_up=line.cacheable)
