"""libyaml and ruamel, whichever reads a YAML file, give the editor the same tree."""

from __future__ import annotations

import sys

import pytest

from portsync.editors import Edited, yamlfile
from portsync.errors import TargetError
from portsync.yamlkit import parsers
from portsync.yamlkit.nodetree import Node
from tests.editing import set_edits

DOCS = {
    "plain": "# c\nserver:\n  port: 8000  # API\n  host: x\nurl: http://a:1\n",
    "quoted": "server:\n  port: '8000'\nurl: \"http://a:1\"\n",
    "flow": "server: {port: 8000, host: x}\nurl: [http://a:1]\n",
    "crlf": "server:\r\n  port: 8000\r\nurl: http://a:1\r\n",
    "list": "server:\n  port: 8000\nurl: http://a:1\nports:\n  - \"1:1\"\n  - 2\n",
    "duplicate": "server:\n  port: 1\nserver:\n  port: 8000\nurl: http://a:1\n",
    "tagged": "server:\n  port: !!str 8000\nurl: !custom http://a:1\n",
    "anchored": "base: &b 8000\nserver:\n  port: *b\nurl: http://a:1\n",
    "block": "server:\n  port: 8000\nurl: |\n  http://a:1\n",
    "folded": "server:\n  port: 8000\nurl: http://a:1\n  continued\n",
    "missing": "server:\n  host: x\n",
    "scalar-root": "just text\n",
    "list-root": "- a\n- b\n",
    "runs-into": "server: 8000\nurl: x\n",
    "two-docs": "server: {port: 8000}\n---\nurl: x\n",
    "broken": "server: [8000\n",
    "nul-escape": "server:\n  port: \"80\\x300\"\nurl: http://a:1\n",
    "empty": "",
}
EDITS = [("server.port", "8000"), ("url", "http://a:1")]


def _outcome(text: str, pairs: list[tuple[str, str]]) -> Edited | str:
    try:
        return yamlfile.apply(text, set_edits(*pairs), "f.yaml")
    except TargetError as err:
        return str(err)


def _without_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml now raises ImportError


@pytest.mark.parametrize("pairs", [EDITS, [("server.port", "8001"), ("url", "http://a:1")],
                                   [("ports[0]", "1:1")], [("ports[1]", "3")]],
                         ids=["same", "changed", "list-same", "list-changed"])
@pytest.mark.parametrize("name", list(DOCS))
def test_libyaml_gives_what_ruamel_gives(name: str, pairs: list[tuple[str, str]],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    quick = _outcome(DOCS[name], pairs)
    _without_libyaml(monkeypatch)
    assert quick == _outcome(DOCS[name], pairs)


def _shape(node: Node) -> object:
    """A node tree as plain data, for comparing two parsers' trees."""
    if node.id == "alias":
        return ("alias", node.start, node.end, node.value.start)
    inner = [tuple(_shape(n) for n in item) if isinstance(item, tuple) else _shape(item)
             for item in node.value] if node.id != "scalar" else node.value
    return (node.id, node.start, node.end, node.line, node.column, node.tag, node.style,
            node.flow, inner)


@pytest.mark.parametrize("name", [n for n in DOCS if n != "broken"])
def test_both_parsers_build_the_same_tree(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    quick = [_shape(d) for d in parsers.documents(DOCS[name], "f.yaml", TargetError)]
    _without_libyaml(monkeypatch)
    assert quick == [_shape(d) for d in parsers.documents(DOCS[name], "f.yaml", TargetError)]


def test_ruamel_is_not_needed_for_an_in_sync_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_ruamel(*args: object) -> None:
        raise AssertionError("ruamel should not be needed")

    monkeypatch.setattr(parsers, "_ruamel_documents", no_ruamel)
    assert yamlfile.apply(DOCS["plain"], set_edits(*EDITS), "f.yaml") == Edited(DOCS["plain"], ())
    assert yamlfile.apply(DOCS["anchored"], set_edits(("server.port", "8000")), "f.yaml"
                          ) == Edited(DOCS["anchored"], ())
