"""A cold check of files in sync skips the work only drift, writing or unusual text needs.

The bundled example's ``--check --no-cache`` runs in a fresh interpreter; after
it, the modules only inserting keys needs are not imported and the patterns
the fast paths stand in for (keypath, YAML resolution, .env bindings, YAML
rewrites) were never compiled. Each is a promise of issue 15's start-up work;
their results are pinned by those modules' own tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

_PROBE = """
import json, sys
from portsync.entry import main
code = main(["--check", "--no-cache"])
from portsync import keypath
from portsync.editors import envfile, yamlfile
from portsync.yamlkit import resolver
patterns = {
    "keypath._TOKEN": keypath._TOKEN,
    "keypath._PLAIN_KEY": keypath._PLAIN_KEY,
    "envfile._ASSIGN": envfile._ASSIGN,
    "envfile._COMMENT": envfile._COMMENT,
    "yamlfile._SAFE_TEXT": yamlfile._SAFE_TEXT,
}
for _, tag, pattern, _ in resolver._TABLE:
    if tag.endswith((":float", ":timestamp", ":int")):
        patterns[f"resolver {tag} {id(pattern)}"] = pattern
print(json.dumps({
    "code": code,
    "compiled": sorted(name for name, lazy in patterns.items() if lazy._compiled is not None),
    "imported": sorted(m for m in ["portsync.editors.yamlinsert"] if m in sys.modules),
}))
"""


def test_a_cold_check_in_sync_compiles_and_imports_only_what_it_needs(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO, capture_output=True,
                         text=True, check=False,
                         env={**os.environ, "PORTSYNC_CACHE_DIR": str(tmp_path),
                              "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run
    found = json.loads(run.stdout.splitlines()[-1])
    assert found == {"code": 0, "compiled": [], "imported": []}, run.stdout


_HIT_PROBE = """
import sys
heavy = ("typing", "pathlib", "contextlib")
before = {m for m in heavy if m in sys.modules}  # a .pth file may import some at start-up
from portsync.entry import answer_from_cache, parse_sync
code = answer_from_cache(parse_sync(["--check"]))
print(code, sorted(m for m in heavy if m in sys.modules and m not in before))
"""


def test_a_cache_hit_imports_neither_typing_nor_pathlib(tmp_path: Path) -> None:
    env = {**os.environ, "PORTSYNC_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    cold = subprocess.run([sys.executable, "-m", "portsync", "--check"], cwd=REPO,
                          capture_output=True, text=True, check=False, env=env)
    assert cold.returncode == 0, cold
    hit = subprocess.run([sys.executable, "-c", _HIT_PROBE], cwd=REPO, capture_output=True,
                         text=True, check=False, env=env)
    assert hit.stdout.splitlines()[-1] == "0 []", hit  # answered (0), nothing heavy added
