"""quickyaml gives the registry reader what ruamel would: the same values, the same positions.

Every document quickyaml answers (it leaves the rest to ruamel) is compared
with ruamel's round-trip load: the same types and values, the same ``.lc``
line, column, key, value and item positions, and ruamel must accept it too.
The documents: the examples' and docs' registries, tricky hand-written ones,
the YAML test suite (../shared/corpora) and generated registries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portsync.errors import PortsyncError, RegistryError
from portsync.registry.document import read_document
from portsync.yamlkit import parsers, quickload
from tests.conftest import REPO, SHARED

SUITE = SHARED / "corpora" / "yaml-test-suite"
TRICKY = [
    "version: 1\nservices:\n  yes: 8000\n  no: {port: 8001, fixed: true}\n  on: 80\n",
    "a: yes\nb: No\nc: ~\nd:\ne: null\nf: 'true'\ng: \"8000\"\nh: -1\ni: 0\nj: -0\n",
    "k: 0123\n", "k: 1_000\n", "k: 0x1F\n", "k: 1.5\n", "k: 2024-01-01\n", "k: .inf\n",
    "k: +5\n", "k: 1e3\n", "<<: {a: 1}\n", "k: =\n", "k: !!str 8000\n", "k: &a 1\nl: *a\n",
    "%YAML 1.1\n---\nk: yes\n", "k: 1\nk: 2\n", "[a]: 1\n", "? [a, b]\n: 1\n",
    "k: a\x85b\n", "k: a\u2028b\n", "k: \"a\\x85b\"\n",
    "targets:\n  - path: a/{env}.yaml\n    set: {port: \"{{ port('a') }}\"}\n"
    "  - {path: b.env, set: {A: '{{ url(\"x\") }}'}}\n",
    "description: |\n  two\n  lines\n\nnext: >-\n  folded\n  text\nlast: |+\n  keep\n\n",
    "k: 'it''s'\nl: \"tab\\there\"\nm: plain with spaces   # comment\n",
    "list:\n- a\n-   b\n- - nested\n  - deeper\n-\n- {x: 1, y: [1, 2]}\n",
    "crlf: 1\r\nnext:\r\n  deep: 2\r\n",
    "ünï: cödé\nkey: \"ünï\"\nsnow: ☃ man\n",
    "key with spaces: 1\n'quoted key': 2\n\"double\": 3\n? explicit\n: 4\n",
    "a:\n  b:\n    c:\n      d: [1, {e: f}]\n",
    "base: &b {x: 1, y: [1]}\nuse: *b\nlist:\n- *b\n- &c [1, 2]\n- *c\n",
    "set: &s\n  a: 1\n  b: 2\nother:\n  set: *s\n  more: &t\n    - x\n", "a: &r [1, *r]\n",
    "", "# only a comment\n", "plain scalar\n", "- 1\n- 2\n", "{}\n", "[]\n", "a: {}\nb: []\n",
    "version: 1\n---\nversion: 2\n", "k: [1, 2\n", "k: {a: 1\n", "\tk: 1\n", "k: \"a\"# c\n",
]


def _same(fast: Any, slow: Any, where: str = "$") -> None:
    if isinstance(slow, dict):
        assert isinstance(fast, dict) and list(fast) == list(slow), (where, fast, slow)
        assert (fast.lc.line, fast.lc.col) == (slow.lc.line, slow.lc.col), where
        for key in slow:
            assert parsers.position(fast, key) == parsers.position(slow, key), (where, key)
            assert parsers.position(fast, key, of_value=True) == \
                parsers.position(slow, key, of_value=True), (where, key)
            _same(fast[key], slow[key], f"{where}.{key}")
    elif isinstance(slow, list):
        assert isinstance(fast, list) and len(fast) == len(slow), (where, fast, slow)
        assert (fast.lc.line, fast.lc.col) == (slow.lc.line, slow.lc.col), where
        for index, item in enumerate(slow):
            assert parsers.position(fast, index) == parsers.position(slow, index), (where, index)
            _same(fast[index], item, f"{where}[{index}]")
    else:
        kind = next(t for t in (bool, int, str, type(None)) if isinstance(slow, t))
        assert fast == slow and type(fast) is kind, (where, fast, slow)  # ScalarInt is an int


def check(text: str) -> bool:
    """Compare with ruamel; True if quickyaml answered."""
    fast = quickload.load(text)
    if fast is None:
        return False
    try:
        slow = parsers.load(text, "t.yaml", RegistryError)
    except PortsyncError as err:
        pytest.fail(f"quickyaml accepted what ruamel refuses ({err}):\n{text!r}")
    except (NotImplementedError, IndexError):
        return True  # ruamel's own crash on valid YAML (issue 16): nothing to compare with
    _same(fast, slow)
    return True


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_documents(text: str) -> None:
    check(text)


def test_leaves_what_it_does_not_decide_to_ruamel() -> None:
    for text in ("k: 0123\n", "k: 1_000\n", "k: 1.5\n", "k: 2024-01-01\n", "<<: {a: 1}\n",
                 "k: !!str 8000\n", "k: &a 1\nl: *a\n", "%YAML 1.1\n---\nk: yes\n",
                 "k: 1\nk: 2\n", "[a]: 1\n", "k: a\x85b\n", "k: [1, 2\n", "", "k: +5\n"):
        assert quickload.load(text) is None, text
    assert quickload.load("version: 1\nservices: {yes: 80}\n") == {
        "version": 1, "services": {"yes": 80}}
    shared = quickload.load("base: &b {x: 1}\nuse: *b\n")
    assert shared is not None and shared["use"] is shared["base"]  # as ruamel: one object


def test_the_repositorys_registries() -> None:
    paths = [*REPO.glob("examples/**/ports.yaml"), *REPO.glob("docs/*.yaml"),
             REPO / "ports.yaml", *REPO.glob("portsync/starter/*.yaml")]
    answered = [p for p in paths if check(p.read_text(encoding="utf-8"))]
    assert answered == paths


@pytest.mark.skipif(not SUITE.is_dir(), reason=f"{SUITE} is not here")
def test_yaml_test_suite() -> None:
    answered = 0
    for case in sorted(SUITE.iterdir()):
        source = case / "in.yaml"
        if source.is_file():
            answered += check(source.read_text(encoding="utf-8", errors="replace"))
    assert answered > 50


_name = st.text("abcxyz-_", min_size=1, max_size=6)
_scalar = st.one_of(st.integers(-5, 70000).map(str), _name, st.sampled_from(
    ["true", "no", "~", "''", '"8000"', "'yes'", "null", "a b", "x: y", "-1", "0"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_name, st.one_of(_scalar, st.lists(_scalar, max_size=3),
                                           st.dictionaries(_name, _scalar, max_size=3))),
                max_size=6, unique_by=lambda kv: kv[0]),
       st.booleans())
def test_generated_registries(entries: list[tuple[str, Any]], flow: bool) -> None:
    lines = []
    for key, value in entries:
        if isinstance(value, list):
            lines += [f"{key}: [{', '.join(value)}]"] if flow else \
                [f"{key}:", *(f"  - {v}" for v in value)]
        elif isinstance(value, dict):
            lines += [f"{key}: {{{', '.join(f'{k}: {v}' for k, v in value.items())}}}"] \
                if flow else [f"{key}:", *(f"  {k}: {v}" for k, v in value.items())]
        else:
            lines.append(f"{key}: {value}")
    try:
        parsers.load("\n".join(lines) + "\n", "t.yaml", RegistryError)
    except (PortsyncError, IndexError):
        return  # not valid YAML (e.g. "x: y" in a flow mapping), or ruamel crashes ("-_")
    check("\n".join(lines) + "\n")


def test_error_positions_unchanged(tmp_path: Path) -> None:
    bad = "version: 1\nservices:\n  a: 8000\n  a: 8001\n"
    assert quickload.load(bad) is None  # ruamel reports the duplicate with both values
    (tmp_path / "ports.yaml").write_text(bad)
    with pytest.raises(RegistryError) as info:
        read_document(tmp_path / "ports.yaml", "ports.yaml")
    assert str(info.value).startswith("ports.yaml:4:3: invalid YAML: found duplicate key \"a\" "
                                      "with value \"8001\" (original value: \"8000\")")
