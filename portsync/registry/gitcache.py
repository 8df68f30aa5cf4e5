"""git includes: each (url, rev) fetched once with the git command into the user's cache folder.

Like pre-commit's hook repositories: a checkout per (url, rev) under
``<cache>/includes/``, written to a temporary folder and renamed into place,
so that later runs (``--check`` and pre-commit included) work offline and
never see half a checkout. Only the standard library and the git command.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from portsync import cache
from portsync.errors import RegistryError
from portsync.records import Record
from portsync.registry.access import Fetch, GitAccess

INCLUDES = "includes"
GIT_TIMEOUT = 300  # seconds: a fetch that hangs on a dead network must end
# pre-commit's rule: a hook runs with GIT_DIR, GIT_INDEX_FILE... of the user's repository set;
# our git commands work in their own repository, so only these pass through.
_GIT_KEEP = frozenset({"GIT_EXEC_PATH", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSL_CAINFO",
                       "GIT_SSL_NO_VERIFY", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM",
                       "GIT_HTTP_PROXY_AUTHMETHOD", "GIT_ALLOW_PROTOCOL"})


class Checkout(Record):
    """A repository's files at a rev, in the cache, and the commit the rev named."""

    folder: Path
    commit: str


class GitError(Exception):
    """git failed; the message is git's own one-line reason."""


def checkout(url: str, rev: str, git: GitAccess, where: str) -> Checkout:
    """The checkout of ``url`` at ``rev``, fetched first when ``git`` allows and needs it."""
    label = f"{url}@{rev}"
    fetch = git.fetch
    base = Path(cache.root(git.cache_dir)) / INCLUDES
    folder = base / hashlib.sha256(f"{url}\0{rev}".encode()).hexdigest()[:32]
    known = _recorded(folder)
    if known is not None and fetch is not Fetch.REFRESH:
        return known
    if fetch is Fetch.NEVER:
        raise RegistryError(f"include {label} has not been fetched yet, and --check fetches "
                            "nothing new: run `portsync --check --fetch` once", where=where)
    try:
        return _fetch(url, rev, folder)
    except GitError as err:
        raise RegistryError(f"include {label}: git fetch failed: {err}", where=where) from err
    except OSError as err:
        raise RegistryError(f"include {label}: cannot write the cache folder "
                            f"{folder.parent}: {err.strerror}", where=where) from err


def _recorded(folder: Path) -> Checkout | None:
    try:
        data = json.loads((folder / "source.json").read_text(encoding="utf-8"))
        commit = data["commit"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or unreadable: fetch again
    tree = folder / "tree"
    return Checkout(tree, str(commit)) if tree.is_dir() else None


def _fetch(url: str, rev: str, folder: Path) -> Checkout:
    import shutil  # this and tempfile only when fetching: a fetched rev reads one file
    import tempfile

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=folder.parent))
    try:
        tree = staging / "tree"
        _git("init", "-q", str(tree))
        try:  # a tag, a branch or a full commit id: one shallow fetch
            _git("fetch", "-q", "--depth=1", "--", url, rev, cwd=tree)
            commit = "FETCH_HEAD"
        except GitError as first:  # an abbreviated commit id: every ref, then look it up
            try:
                _git("fetch", "-q", "--tags", "--", url, "+refs/heads/*:refs/remotes/origin/*",
                     cwd=tree)
                commit = _git("rev-parse", "--verify", "-q", "--end-of-options",
                              f"{rev}^{{commit}}", cwd=tree)
            except GitError:
                raise first from None
        _git("-c", "advice.detachedHead=false", "checkout", "-q", "--detach", commit, cwd=tree)
        commit = _git("rev-parse", "HEAD", cwd=tree)
        record = {"url": url, "rev": rev, "commit": commit}
        (staging / "source.json").write_text(json.dumps(record), encoding="utf-8")
        _install(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Checkout(folder / "tree", commit)


def _install(staging: Path, folder: Path) -> None:
    """Move a finished checkout into place; an older one (``--fetch``) is replaced whole."""
    import shutil

    old = None
    if folder.exists():
        old = folder.with_name(f".old-{folder.name}-{os.getpid()}")
        os.replace(folder, old)
    try:
        os.replace(staging, folder)
    except OSError:
        if not folder.is_dir():  # not another run that just installed the same rev
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _git(*args: str, cwd: Path | None = None) -> str:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _GIT_KEEP}
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a password nobody will type
    # A registry names the URL, and an included one may be anybody's: no transport that
    # runs a command (ext::), whatever the user's git configuration says.
    command = ["git", "-c", "protocol.ext.allow=never", *args]
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError as err:
        raise GitError("the git command is not installed") from err
    except subprocess.TimeoutExpired as err:
        raise GitError(f"git {args[0]} took longer than {GIT_TIMEOUT} s") from err
    if done.returncode != 0:
        raise GitError(_reason(done.stderr) or f"git {args[0]} exited {done.returncode}")
    return done.stdout.strip()


def _reason(stderr: str) -> str:
    """Git's own one-line reason: its first ``fatal:``/``error:`` line, else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[-1] if lines else ""
