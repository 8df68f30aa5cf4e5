"""Per-file work of ``import`` and ``audit`` spread over the machine's cores, for big repositories.

Reading and scanning a file, or planning one proposed target, needs nothing
from any other file, and a repository of 1,000 services has 6,000 of them.
Below ``PARALLEL_FROM`` items, or without two cores free (the load average
says how busy they are), everything runs in this process.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
PARALLEL_FROM = 2000  # fewer items: starting workers costs more than it saves
_MAX_WORKERS = 4


def _context() -> multiprocessing.context.BaseContext:
    # fork starts a worker in milliseconds with every module already imported;
    # where it is unsafe or missing (macOS, Windows) the platform default spawns one.
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _free_cores() -> int:
    """Cores not busy with other work: on a machine already saturated, workers only cost."""
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average (Windows): assume the cores are free
        busy = 0.0
    return max(1, math.ceil(cores - busy))  # 2 cores, load 0.7: a second worker gets 1.3


def chunked_map(func: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R]:
    """``func`` over consecutive chunks of ``items``, results in order, in workers when it pays.

    ``func`` must be a module-level function (workers receive it by name) and
    return one result per item.
    """
    cores = min(_free_cores(), _MAX_WORKERS)
    if len(items) < PARALLEL_FROM or cores < 2:
        return func(items)
    size = -(-len(items) // (cores * 4))  # a few chunks per worker: an uneven chunk waits less
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(cores, mp_context=_context()) as pool:
        return [result for part in pool.map(func, chunks) for result in part]
