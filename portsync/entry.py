"""The console entry point: a cached in-sync ``--check`` is answered before click loads.

pre-commit runs ``portsync --check`` on every commit, and most commits change
no port: start-up is the whole cost of that answer. This module reads the few
command lines a check can have (global options before the command included),
asks the cache, and prints the remembered answer; anything else, and every
miss, goes to ``cli.main`` unchanged. It is part of the command-line layer,
like cli.py: the only other module that reads the environment.
"""

from __future__ import annotations

import os
import sys

_FLAGS = {"-q": "quiet", "--quiet": "quiet", "-v": "verbose", "--verbose": "verbose",
          "--no-color": "no_color"}
_GLOBAL = ("-r", "--registry", *_FLAGS)  # also accepted before the command
_VALUED = {"-r": "registry", "--registry": "registry", "--env": "env", "--format": "format"}
_FORMATS = ("text", "json", "github")


def color_wanted(stream: object) -> bool:
    """Color on a stream unless told otherwise: NO_COLOR, then FORCE_COLOR, then a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


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
    if arg in _FLAGS or arg == "--check":
        return (arg, None, i + 1)
    return None


def parse_check(args: list[str]) -> dict[str, object] | None:
    """The options of a plain ``[sync] --check`` command line, or None for any other."""
    found: dict[str, object] = {"registry": None, "env": [], "format": "text", "check": False,
                                "quiet": False, "verbose": False, "no_color": False}
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
        if name == "--check":
            found["check"] = True
        elif value is None:
            found[_FLAGS[name]] = True
        elif _VALUED[name] == "env":
            found["env"].append(value)  # type: ignore[attr-defined]
        elif _VALUED[name] in given:
            return None  # given twice: leave the precedence rules to click
        else:
            given.add(_VALUED[name])
            found[_VALUED[name]] = value
    return found if found["check"] and found["format"] in _FORMATS else None


def answer_from_cache(args: list[str]) -> int | None:
    """Print a remembered in-sync answer to this command line and return 0, else None."""
    options = parse_check(args)
    if options is None:
        return None
    from portsync import cache
    from portsync.errors import PortsyncError
    from portsync.registry.finding import find_registry

    folder = cache.guessed_folder(os.environ.get("PORTSYNC_CACHE_DIR"))
    if folder is None:
        folder = cache.folder(None)
    try:
        registry = find_registry(options["registry"])  # type: ignore[arg-type]
    except PortsyncError:
        return None  # the CLI says what is wrong
    envs = list(options["env"]) or None  # type: ignore[call-overload]
    key = cache.request_key(str(registry), envs, str(options["format"]),
                            bool(options["quiet"]), bool(options["verbose"]), os.getcwd())
    hit = cache.lookup(folder, key)
    if hit is None:
        return None
    text = options["format"] == "text" and not options["no_color"]
    streams = ((sys.stdout, hit.shown["out"]), (sys.stderr, hit.shown["err"]))
    try:
        for stream, (plain, colored) in streams:
            lines = colored if text and color_wanted(stream) else plain
            if lines:
                stream.write("".join(f"{line}\n" for line in lines))
                stream.flush()
    except BrokenPipeError:  # `portsync --check | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console entry point: a cache hit here, everything else in ``cli.main``."""
    args = list(sys.argv[1:] if argv is None else argv)
    code = answer_from_cache(args)
    if code is not None:
        return code
    from portsync.cli import main as cli_main

    return cli_main(args)
