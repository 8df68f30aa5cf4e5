"""Corpus test (issue 12): every addressable scalar of the YAML test suite's valid documents.

Each leaf is set alone to a new value; the result must be the original text with
only that value's bytes replaced (or, for an empty value, only text inserted),
every other value must read back unchanged, the leaf must read back as the new
value, and a second run must change nothing. A refusal is allowed only with one
of the editor's own clear reasons (a value a block scalar cannot hold, a key
written over several lines...). By default every leaf gets one new value and a
deterministic sample the tricky ones; ``PORTSYNC_LONG_TESTS=1`` runs them all,
with CRLF line endings as well.
"""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path

import pytest

from portsync import keypath
from portsync.editors import yamlfile
from portsync.editors.yamlscalar import Spot, plain_ok, value_span
from portsync.errors import TargetError
from portsync.yamlkit import parsers, resolver
from portsync.yamlkit.nodetree import Node
from tests.conftest import SHARED
from tests.editing import set_edits

SUITE = SHARED / "corpora" / "yaml-test-suite"
LONG = os.environ.get("PORTSYNC_LONG_TESTS") == "1"
TRICKY = ["a, b: c #d [e] {f} 'g' \"h\"", "8080", " lead and trail ", "two\nlines", "yes",
          "http://localhost:8080/a/$${x}?q=1&r=2"]
NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
SAMPLE = 1 if LONG else 5  # one leaf in SAMPLE gets the tricky values
REFUSALS = re.compile("cannot place a value after an empty key|cannot be written as this|"
                      "cannot tell where this value starts|would make the file unreadable|"
                      "would not read back")

pytestmark = pytest.mark.skipif(not SUITE.is_dir(), reason=f"{SUITE} is not here")


def _cases() -> list[Path]:
    """Every valid case's input (a case folder without an ``error`` file)."""
    if not SUITE.is_dir():
        return []
    return [p for p in sorted(SUITE.rglob("in.yaml")) if not (p.parent / "error").exists()]


def _documents(text: str) -> list[Node]:
    return [d for d in parsers.documents(text, "f.yaml", TargetError)
            if not (d.id == "scalar" and d.value == "" and d.style is None and d.tag is None)]


Leaf = tuple[keypath.KeyPath, Node, bool]  # path, scalar, inside brackets


def _leaves(node: Node, path: keypath.KeyPath, seen: set[int], flow: bool) -> list[Leaf]:
    """Every scalar reachable by a key path: not through an alias, a merge or a complex key."""
    if node.id == "scalar":
        return [(path, node, flow)] if path else []  # a lone scalar document has no path
    if node.id == "alias" or id(node) in seen:
        return []
    seen.add(id(node))
    flow = flow or node.flow
    if node.id == "sequence":
        return [leaf for i, item in enumerate(node.value)
                for leaf in _leaves(item, (*path, i), seen, flow)]
    names = [k.value for k, _ in node.value if k.id == "scalar"]
    return [leaf for k, v in node.value
            if k.id == "scalar" and names.count(k.value) == 1
            and not (k.value == "<<" and k.style is None)
            for leaf in _leaves(v, (*path, k.value), seen, flow)]


def _all_leaves(text: str) -> dict[keypath.KeyPath, tuple[Node, bool]]:
    docs = _documents(text)
    return {path: (node, flow) for i, doc in enumerate(docs)
            for path, node, flow in _leaves(doc, (i,) if len(docs) > 1 else (), set(), False)}


def _style_kept(old: Node, new: Node, value: str, flow: bool) -> bool:
    """SPEC v2 §2 typing: the old quote style stays; plain stays plain where it reads the same."""
    if old.style == "'" and new.style == '"':
        return "\n" in value  # single quotes cannot hold a line break
    if old.style is None and old.value != "" and new.style is not None:
        number = resolver.resolve(old.value) in NUMBERS
        return not plain_ok(value, flow=flow, old=old.value) and not (value.isdigit() and number)
    return old.style == new.style or old.value == ""


def _bumped(old: str) -> str:
    """The old value with its last number one higher (a port moved), else with a digit added."""
    base = old.rstrip("\n")
    numbers = list(re.finditer(r"\d+", base))
    if numbers:
        last = numbers[-1]
        return f"{base[:last.start()]}{int(last.group()) + 1}{base[last.end():]}"
    return base + "1" if base else "4242"


def _common(a: str, b: str) -> int:
    """Length of the common prefix of two texts."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _reads_as(node: Node, value: str) -> bool:
    if node.style in ("|", ">"):
        return str(node.value).rstrip("\n") == value.rstrip("\n")
    return str(node.value) == value


def _check_leaf(text: str, leaves: dict[keypath.KeyPath, tuple[Node, bool]],
                path: keypath.KeyPath, new: str) -> str:
    """Set one leaf; "ok" or "refused"; any other outcome fails the test."""
    key = keypath.render(path)
    try:
        result = yamlfile.apply(text, set_edits((key, new)), "f.yaml")
    except TargetError as err:
        assert REFUSALS.search(str(err)), f"{key}: {err}"
        return "refused"
    after = result.text
    node, flow = leaves[path]
    start, end = value_span(text, Spot(node, None, None, False))
    prefix = _common(text, after)
    suffix = _common(text[::-1], after[::-1])
    if node.value == "" and node.style is None:  # nothing there: a pure insertion
        assert prefix + suffix >= len(text), (key, text, after)
    else:
        assert prefix >= start and suffix >= len(text) - end, (key, text, after)
    again = _all_leaves(after)
    assert again.keys() == leaves.keys(), (key, text, after)
    for other, (before, _) in leaves.items():
        wanted = new if other == path else str(before.value)
        assert _reads_as(again[other][0], wanted), (key, other, text, after)
    assert _style_kept(node, again[path][0], new, flow), (key, text, after)
    second = yamlfile.apply(after, set_edits((key, new)), "f.yaml")
    assert (second.text, second.changes) == (after, ()), (key, after)
    return "ok"


def _outcomes(case: Path, newline: str) -> dict[str, int]:
    text = case.read_text(encoding="utf-8").replace("\n", newline)
    try:
        leaves = _all_leaves(text)
    except TargetError:
        return {"unreadable": 1}  # libyaml and ruamel both refuse it (tabs, %YAML 1.3...)
    counts = {"documents": len(_documents(text)), "leaves": len(leaves), "ok": 0, "refused": 0}
    for path, (node, _) in leaves.items():
        values = [_bumped(str(node.value))]
        if zlib.crc32(f"{case}:{path}".encode()) % SAMPLE == 0:
            values += TRICKY
        for new in values:
            counts[_check_leaf(text, leaves, path, new)] += 1
    return counts


@pytest.mark.parametrize("newline", ["\n", "\r\n"] if LONG else ["\n"])
def test_every_leaf_of_the_yaml_test_suite_is_set_alone(newline: str) -> None:
    totals: dict[str, int] = {}
    for case in _cases():
        for name, count in _outcomes(case, newline).items():
            totals[name] = totals.get(name, 0) + count
    assert totals["documents"] > 250 and totals["leaves"] > 400, totals
    assert totals["refused"] < totals["ok"] // 10, totals
