"""The sync command (`portsync [sync]`) without its command line: run it, or replay a cached check.

``cli.py`` and ``entry.py`` both call ``sync_output`` inside ``runner.guarded``;
the pipeline itself is ``portsync/sync.py``, imported only when no cached
answer serves.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from portsync.mode import Action, Mode
from portsync.report import Output
from portsync.runner import strip_ansi

if TYPE_CHECKING:
    from portsync.sync import Progress, SyncResult


def fix_command(registry: str | None, envs: Sequence[str]) -> str:
    """The command that writes what a check found, ready to copy: same registry and envs."""
    args = [*(("-r", registry) if registry else ()), *(a for e in envs for a in ("--env", e))]
    if not args:
        return "portsync"
    import shlex  # lazy: most runs name neither

    return " ".join(["portsync", shlex.join(args)])


def sync_output(path: Path, mode: Mode, fix: str, use_cache: bool, progress: Progress | None,
                looked_up: bool = False) -> Output:
    """What ``portsync [sync]`` prints for the registry at ``path`` in ``mode``.

    ``use_cache``: a ``--check`` answered from the cache of in-sync answers
    (in ``mode.cache_dir``) when no input changed, else run and remembered if
    in sync; ``looked_up``: the caller already found no answer there. ``fix``
    is the command a failed check names.
    """

    def compute() -> tuple[SyncResult, Output]:
        from portsync.report import render_result
        from portsync.sync import run  # the pipeline: not needed for a cache hit

        result = run(path, mode, progress)
        return result, render_result(result, mode.output, mode.quiet, fix)

    if use_cache and mode.action is Action.CHECK:
        return _cached_check(path, mode, compute, looked_up)
    return compute()[1]


def _shown(output: Output, fmt: str) -> dict[str, list[list[str]]]:
    """The lines as ``runner.emit`` prints them, colors off and on, for the cache to replay."""
    from portsync import style

    text = fmt == "text"
    plain, colored = style.paint(output, False, False), style.paint(output, text, text)
    return {"out": [[strip_ansi(x) for x in plain.stdout],
                    [x if text else strip_ansi(x) for x in colored.stdout]],
            "err": [[strip_ansi(x) for x in plain.stderr],
                    [x if text else strip_ansi(x) for x in colored.stderr]]}


def _cached_check(path: Path, mode: Mode, compute: Callable[[], tuple[SyncResult, Output]],
                  looked_up: bool) -> Output:
    """A ``--check`` answered from the user's cache if no input changed, else run and remembered.

    ``entry.main`` answers a hit before the pipeline loads; this serves the
    command lines it leaves to click, and remembers every in-sync answer.
    """
    from portsync import cache

    folder = cache.place(mode.cache_dir)
    key = cache.request_key(str(path), mode.envs, mode.output,
                            mode.quiet, mode.verbose, os.getcwd())
    hit = None if looked_up else cache.lookup(folder, key)
    if hit is not None:
        return Output(list(hit.stdout), list(hit.stderr), 0, hit.headline)
    recorder = cache.Recorder(folder, key)
    result, output = compute()
    if output.code == 0 and not result.changed and result.templates_dir is not None:
        answer = cache.Answer(output.stdout, output.stderr, output.headline,
                              _shown(output, mode.output))
        recorder.store([(str(i.path), i.digest) for i in result.inputs], str(result.templates_dir),
                       [(change.path, change.before) for change, _ in result.files], answer)
    return output
