"""Crash and concurrency safety (SPEC §4): SIGKILL mid-sync leaves every file wholly old or
wholly new, a rerun finishes the job, and two syncs at once end in the same correct state.

Timing only decides *where* a kill lands (a fixed seed picks the delays); what is
asserted holds wherever it lands.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import build_tree, long_only

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

COUNT = 200
KILLS = 12
TEMP = re.compile(r"^\.s\d{3}\.yaml\..+\.portsync$")  # fsio.write_atomic's temporary files


def registry(base: int) -> str:
    services = "".join(f"  s{n:03d}: {base + n}\n" for n in range(COUNT))
    return ("version: 1\nservices:\n" + services + "targets:\n  - path: 'svc/{service}.yaml'\n"
            "    set: {server.port: \"{{ port(service) }}\"}\n")


def target(n: int, port: int) -> str:
    return f"# service {n}: keep this comment\nserver:\n  host: localhost  # here\n  port: {port}\n"


def make_repo(root: Path, base: int) -> Path:
    files: dict[str, str | bytes] = {f"svc/s{n:03d}.yaml": target(n, 1) for n in range(COUNT)}
    return build_tree(root, {"ports.yaml": registry(base), **files})


def start(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "portsync", "-q"], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def sync(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "portsync", "-q"], cwd=root, check=False,
                          capture_output=True, text=True, timeout=120)


def states(root: Path, old: int, new: int) -> dict[str, str]:
    """Each target's state, 'old' or 'new'; anything else fails the test with its text."""
    found = {}
    for n in range(COUNT):
        text = (root / f"svc/s{n:03d}.yaml").read_text()
        if text == target(n, old + n if old > 1 else 1):
            found[f"s{n:03d}"] = "old"
        elif text == target(n, new + n):
            found[f"s{n:03d}"] = "new"
        else:
            pytest.fail(f"svc/s{n:03d}.yaml is neither old nor new:\n{text!r}")
    return found


def leftovers(root: Path) -> list[str]:
    """Files in svc/ that are not targets; only fsio's temporary files may be there."""
    extra = sorted(p.name for p in (root / "svc").iterdir()
                   if not re.fullmatch(r"s\d{3}\.yaml", p.name))
    strange = [name for name in extra if not TEMP.match(name)]
    assert not strange, f"unexpected files beside the targets: {strange}"
    return extra


def kill_when_writing(proc: subprocess.Popen[bytes], watched: Path, rng: random.Random) -> None:
    """SIGKILL the sync shortly after it starts writing (or after a random delay)."""
    if rng.random() < 0.5:
        time.sleep(rng.uniform(0.0, 0.6))
    else:  # wait for the first rename, then give it a random moment more
        first = watched.stat().st_ino
        deadline = time.monotonic() + 30
        while watched.stat().st_ino == first and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0.0, 0.03))
    proc.send_signal(signal.SIGKILL)
    proc.communicate()  # reaps it and closes its pipes


def test_sigkill_leaves_files_old_or_new_and_a_rerun_finishes(tmp_path: Path) -> None:
    rng = random.Random(6)
    root = make_repo(tmp_path, base=1)
    old, mixed, temps = 1, 0, 0
    for round_ in range(KILLS):
        new = 20000 + 1000 * (round_ % 2)  # alternate so every round has all files to write
        (root / "ports.yaml").write_text(registry(new))
        kill_when_writing(start(root), root / "svc/s000.yaml", rng)

        found = states(root, old, new)
        mixed += len(set(found.values())) == 2

        temps += len(leftovers(root))

        done = sync(root)
        assert done.returncode == 0, done.stderr
        assert set(states(root, old, new).values()) == {"new"}
        assert leftovers(root) == [], "the rerun removes what the killed run left"
        assert not (root / ".portsync.lock").exists()
        old = new
    # What the kills hit is reported, not asserted: it depends on the machine's speed.
    print(f"{KILLS} kills: {mixed} left a mix of old and new files, "
          f"{temps} temporary files were left behind and removed by the rerun")


def test_two_syncs_at_once_agree(tmp_path: Path) -> None:
    root = make_repo(tmp_path, base=1)
    for new in (20000, 21000, 20000):
        (root / "ports.yaml").write_text(registry(new))
        procs = [subprocess.Popen([sys.executable, "-m", "portsync"], cwd=root,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        summaries = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            summaries.append(out.splitlines()[-1])
        # The lock serializes them: the second plans from what the first wrote.
        assert sorted(summaries) == ["0 files updated, 200 already in sync",
                                     "200 files updated, 0 already in sync"]
        assert set(states(root, 1, new).values()) == {"new"}
        assert leftovers(root) == []
        assert not (root / ".portsync.lock").exists()


@long_only
def test_a_line_appended_during_a_sync_is_never_lost(tmp_path: Path) -> None:
    """Another process appends a line to a target while a sync runs: it must survive.

    Before the write-time check, the sync overwrote it in 9 to 12 of 20 trials (exit 0);
    with one check before all the renames, in about one trial of 40 (an append landing
    during the commit's few milliseconds).
    """
    rng = random.Random(16)
    root = make_repo(tmp_path, base=1)
    (root / "ports.yaml").write_text(registry(30000))
    began = time.monotonic()
    sync(root)
    took = time.monotonic() - began  # the appends land anywhere in a sync of this length
    outcomes = {"lost": 0, "refused": 0, "kept": 0}
    for trial in range(20):
        (root / "ports.yaml").write_text(registry(20000 + 1000 * (trial % 2)))
        victim = root / f"svc/s{rng.randrange(COUNT):03d}.yaml"
        line = f"# appended in trial {trial}\n"
        proc = start(root)
        time.sleep(rng.uniform(0.1, 1.0) * took)
        with open(victim, "a") as handle:
            handle.write(line)
        _, err = proc.communicate(timeout=120)
        if not victim.read_text().endswith(line):
            outcomes["lost"] += 1
        elif proc.returncode == 2:  # before any rename, or just before the victim's
            assert b"changed on disk since portsync read it" in err or \
                b"changed on disk while portsync wrote the other files" in err, err
            outcomes["refused"] += 1
        else:
            assert proc.returncode == 0, err
            outcomes["kept"] += 1
    print(f"20 trials: {outcomes}")
    assert outcomes["lost"] == 0, outcomes
