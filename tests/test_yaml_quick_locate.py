"""The YAML editor's shortcut for a path of keys (``_Tree._quick``) finds what the full walk finds.

Over the YAML test suite's valid documents and a few shapes of our own
(aliases, merge keys, flow mappings, duplicate keys, nulls), every path of
keys and list items from a document root (one step past its end too) is
located with the shortcut and without it: the same Spot, the same missing keys, or the same error.
"""

from __future__ import annotations

import pytest

from portsync import keypath
from portsync.editors import yamlfile
from portsync.errors import TargetError
from portsync.yamlkit.nodetree import Node
from tests.conftest import SHARED

SUITE = SHARED / "corpora" / "yaml-test-suite"
SHAPES = [
    "a: {b: &x {c: 1}}\nd: *x\ne: [1, {f: 2}]\n",
    "base: &b {port: 1, host: h}\nweb:\n  <<: *b\n  port: 2\n",
    "a:\nb: ~\nc: 'q'\nd: !!str 5\n",
    "a: 1\na: 2\n",
    "s:\n  - NAME=1\n  - OTHER=2\n",
    "top: &t\n  x: 1\nref: *t\n",
    "k: |\n  text\n",
    "p: [1, [2, {q: 3}]]\nl:\n  - a\n  - &i {b: 4}\n  - *i\n",
    "kind: A\nv: [1]\n---\nkind: B\nv: {w: 2}\n",
    "- 1\n- [2, 3]\n",
]


def _cases() -> list[str]:
    found = list(SHAPES)
    if SUITE.is_dir():
        found += [p.read_text(encoding="utf-8") for p in sorted(SUITE.rglob("in.yaml"))
                  if not (p.parent / "error").exists()]
    return found


def _key_paths(root: Node, most: int = 200) -> list[keypath.KeyPath]:
    """Paths of keys and list items from ``root`` (aliases followed), one step beyond."""
    paths: list[keypath.KeyPath] = []
    todo: list[tuple[Node, keypath.KeyPath]] = [(root, ())]
    while todo and len(paths) < most:
        node, path = todo.pop(0)
        if node.id == "alias":
            node = node.value
        if path:
            paths.append(path)
        if len(path) >= 6:
            continue
        if node.id == "mapping":
            for key, value in node.value:
                if key.id == "scalar":
                    todo.append((value, (*path, str(key.value))))
            paths.append((*path, "no-such-key"))
        elif node.id == "sequence":
            todo += [(item, (*path, index)) for index, item in enumerate(node.value)]
            paths += [(*path, len(node.value)), (*path, "x")]  # no such item; a NAME= entry
        else:
            paths += [(*path, "x"), (*path, 0)]  # into a value: the full walk's business
    return paths


def _outcome(tree: yamlfile._Tree, path: keypath.KeyPath) -> object:
    text = keypath.render(path)
    try:
        return tree.locate(path, text)
    except TargetError as err:
        return ("error", str(err))


@pytest.mark.parametrize("text", _cases(), ids=lambda t: str(len(t)))
def test_quick_locate_agrees_with_the_full_walk(text: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        tree = yamlfile._Tree(text, "f.yaml")
    except TargetError:
        return  # a file the editor refuses to read
    if tree.root is None:
        return
    for path in _key_paths(tree.root):
        quick = _outcome(tree, path)
        with monkeypatch.context() as patch:
            patch.setattr(yamlfile._Tree, "_quick", lambda self, p, k: None)
            full = _outcome(tree, path)
        assert quick == full, (path, text)


def test_the_shortcut_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = yamlfile._Tree("a:\n  b: 1\n", "f.yaml")
    monkeypatch.setattr(yamlfile.keypath, "walk", None)  # the full walk would fail
    spot = tree.locate(("a", "b"), "a.b")
    assert not isinstance(spot, yamlfile._Missing) and spot.node.value == "1"

