"""Fuzz portsync with mutated registries, targets, templates and file-system traps (issue 16).

Every run must exit 0, 1 or 2 (never 3, never a traceback, never a hang), write
nothing on exit 2 or with --check/--dry-run, and a writing run that succeeded
must find everything in sync when run again. A few hundred cases on the small
repository by default; PORTSYNC_LONG_TESTS=1 runs several thousand, on every
example too. A failure lists each broken case with its number, which alone
rebuilds it: PORTSYNC_FUZZ_CASE=N runs just that one.
"""

from __future__ import annotations

import collections
import os
import random
import shutil
from pathlib import Path

import pytest

from tests import fuzzing
from tests.conftest import LONG

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="cases run in forked children")

CASES = int(os.environ.get("PORTSYNC_FUZZ_CASES") or (5000 if LONG else 200))
TIMEOUT = 60.0 if LONG else 30.0  # a render's own budget is 5 s
SEED = 16


def warm_up(folder: Path) -> None:
    """Run portsync once in this process, so that forked children start with everything a
    run imports and compiles already loaded."""
    root = fuzzing.base_tree(folder)
    for args in (["--check", "--no-cache"], ["--dry-run"], [], ["table"]):
        fuzzing.run_here(root, args)


def one_case(number: int, bases: list[fuzzing.Base], folder: Path) -> tuple[str, list[str]]:
    """Build, mutate and run case ``number`` in ``folder``; its description and problems."""
    rng = random.Random(SEED * 1_000_003 + number)
    base = rng.choice(bases)
    root = base.copy(folder)
    (folder / "outside.txt").write_text("outside\n")
    mutation = fuzzing.apply(rng, root, LONG)
    args = rng.choice(fuzzing.MODES)
    cache = folder / "cache"
    cache.mkdir()
    before = fuzzing.tree_state(folder)
    outcome = fuzzing.run_forked(root, args, cache, TIMEOUT)
    after = fuzzing.tree_state(folder)
    problems = fuzzing.problems_of(args, outcome, before, after)
    if not problems and outcome.code == 0 and args in ([], ["-q"], ["--format", "github"]):
        again = fuzzing.run_forked(root, args, cache, TIMEOUT)
        if again.code != 0 or fuzzing.tree_state(folder) != after:
            problems.append(f"a second run was not a no-op (exit {again.code}): "
                            f"{(again.out + again.err).strip()[:300]}")
    shown = f"case {number}: {base.name}, {mutation}, portsync {' '.join(args)} -> exit " \
            f"{outcome.code} ({outcome.seconds:.1f} s)"
    if problems:
        detail = (outcome.err or outcome.out).strip().splitlines()
        shown += f"\n    {'; '.join(problems)}\n    " + "\n    ".join(detail[-4:])
    return shown, problems


def test_fuzzed_inputs_never_crash_hang_or_write_on_error(tmp_path: Path) -> None:
    warm_up(tmp_path / "warm")
    bases = fuzzing.bases(LONG)
    only = os.environ.get("PORTSYNC_FUZZ_CASE")
    numbers = [int(only)] if only else list(range(CASES))
    codes: collections.Counter[str] = collections.Counter()
    failures = []
    for number in numbers:
        folder = tmp_path / f"c{number}"
        folder.mkdir()
        shown, problems = one_case(number, bases, folder)
        codes[shown.rsplit("-> exit ", 1)[1].split(" ")[0]] += 1
        if problems:
            failures.append(shown)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"{len(numbers)} fuzz cases, exit codes {dict(codes)}")
    assert not failures, f"{len(failures)} of {len(numbers)} cases broke an invariant:\n" + \
        "\n".join(failures)
