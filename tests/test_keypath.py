"""Key paths: selectors, quoting in render(), and walk() over any format's nodes (SPEC v2 §2)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portsync import keypath
from portsync.editors import yamlfile
from portsync.errors import PortsyncError, TargetError
from portsync.keypath import Selector
from tests.editing import set_edits


@pytest.mark.parametrize(("text", "path"), [
    ("containers[name=web].image",
     ("containers", Selector(((("name",), "web"),)), "image")),
    ("[kind=Service,metadata.name=cart].spec",
     (Selector(((("kind",), "Service"), (("metadata", "name"), "cart"))), "spec")),
    ('env[name="a,b"].value', ("env", Selector(((("name",), "a,b"),)), "value")),
    ("env[name='x]y'][0]", ("env", Selector(((("name",), "x]y"),)), 0)),
    ("env[ name = PORT ].value", ("env", Selector(((("name",), "PORT"),)), "value")),
    ("a[name=]", ("a", Selector(((("name",), ""),)))),
    ("a[n=x=y]", ("a", Selector(((("n",), "x=y"),)))),
    ('a["x\\ty"]', ("a", "x\ty")),
    ("[0].spec", (0, "spec")),
    # a FIELD's key holding dots (Kubernetes labels) is quoted as in any key path
    ('[metadata.labels["app.kubernetes.io/name"]=cart].spec',
     (Selector(((("metadata", "labels", "app.kubernetes.io/name"), "cart"),)), "spec")),
    ("c[['a=b']=x, ['k'] = y]", ("c", Selector(((("a=b",), "x"), (("k",), "y"))))),
])
def test_selectors_parse(text: str, path: keypath.KeyPath) -> None:
    assert keypath.parse(text) == path
    assert keypath.parse(keypath.render(path)) == path


@pytest.mark.parametrize(("text", "rendered"), [
    ("containers[name=web].image", "containers[name=web].image"),
    ('env[name="a,b"].value', 'env[name="a,b"].value'),
    ("env[ name = PORT ].value", "env[name = PORT].value"),  # as written, the brackets trimmed
    ("['a.b'].c", '["a.b"].c'),
    ('["a b"].c', '["a b"].c'),
    ('x["tab\\there"]', 'x["tab\\there"]'),
    ('x["new\\nline"]', 'x["new\\nline"]'),
])
def test_render_gives_the_path_as_written(text: str, rendered: str) -> None:
    assert keypath.render(keypath.parse(text)) == rendered


def test_render_quotes_keys_that_would_break_a_drift_line() -> None:
    path = ("services", "my app", "a\nb", "c\td", "e\x01")
    text = keypath.render(path)
    assert text == 'services["my app"]["a\\nb"]["c\\td"]["e\\u0001"]'
    assert "\n" not in text and "\t" not in text
    assert keypath.parse(text) == path


def test_a_selector_built_in_code_renders_canonically() -> None:
    selector = Selector(((("name",), "a,b"), (("metadata", "name"), "x")))
    assert str(selector) == '[name="a,b",metadata.name=x]'
    assert keypath.parse(str(selector))[0] == selector
    dotted = Selector(((("labels", "app.kubernetes.io/name"), "web"),))
    assert str(dotted) == '[labels["app.kubernetes.io/name"]=web]'
    assert keypath.parse(str(dotted))[0] == dotted


@pytest.mark.parametrize("text", ["a[x]", "a[=v]", "a[name=v", "a[name=v,]",
                                  "a[.x=1]", "a[x..y=1]", 'a[name="v"x]',
                                  "a[b[0]=1]", "a[b[k=v]=1]", 'a["b"=1]'])
def test_bad_selectors_are_refused(text: str) -> None:
    with pytest.raises(PortsyncError, match="bad key path"):
        keypath.parse(text)


# A format-neutral tree: dicts, lists and strings, to show walk() needs only callbacks.
def _kind(node: Any) -> str:
    return "mapping" if isinstance(node, dict) else "list" if isinstance(node, list) else "value"


def _child(node: Any, seg: str | int) -> Any:
    if isinstance(seg, int):
        return node[seg] if seg < len(node) else None
    return node.get(seg)


NODES = keypath.Nodes(_kind, _child, lambda node: "f.x:1", str)
TREE = {"items": [{"kind": "A", "meta": {"name": "x"}, "v": "1"},
                  {"kind": "B", "meta": {"name": "x"}, "v": "2"},
                  {"kind": "B", "meta": {"name": "y"}, "v": "3"},
                  "not a mapping"],
        "env": ["A=1", "B", "C=3"]}


def test_walk_resolves_selectors_over_any_tree() -> None:
    path = keypath.parse("items[kind=B,meta.name=y].v")
    reached = keypath.walk(TREE, path, NODES, "k")
    assert reached.node == "3"
    assert reached.trail == (TREE, TREE["items"], TREE["items"][2], "3")
    assert keypath.walk(TREE, keypath.parse("items[kind=A].w"), NODES, "k").missing == ("w",)


@pytest.mark.parametrize(("path", "message"), [
    ("items[kind=C].v", "f.x:1: k: selector [kind=C] matches no item of 4; "
                        "candidates: [kind=A], [kind=B], [kind=B]"),
    ("items[kind=B].v", "f.x:1: k: selector [kind=B] matches 2 items (f.x:1, f.x:1)"),
    ("items[kind=B,meta.name=z].v",
     "f.x:1: k: selector [kind=B,meta.name=z] matches no item of 4; candidates: "
     "[kind=A,meta.name=x], [kind=B,meta.name=x], [kind=B,meta.name=y]"),
    ("items.kind", "f.x:1: k: runs into a list at items"),
    ("items[kind=C].v.w", "f.x:1: k: selector [kind=C] matches no item"),
    ("env[name=A]", "f.x:1: k: selector [name=A] matches no item of 3; candidates: none"),
    ("items[kind=A]", "f.x:1: k: holds a mapping, not a single value"),
])
def test_selector_errors_name_the_candidates(path: str, message: str) -> None:
    with pytest.raises(TargetError) as info:
        keypath.walk(TREE, keypath.parse(path), NODES, "k")
    assert str(info.value).startswith(message), str(info.value)


def test_selector_candidates_are_cut_to_a_readable_line() -> None:
    tree = {"l": [{"n": str(i)} for i in range(30)]}
    with pytest.raises(TargetError, match=r"\[n=7\] and 22 more$"):
        keypath.walk(tree, keypath.parse("l[n=x].v"), NODES, "k")


def test_a_format_without_text_refuses_selectors() -> None:
    nodes = keypath.Nodes(_kind, _child, lambda node: "f.x:1")
    with pytest.raises(TargetError, match="not supported in this format"):
        keypath.walk(TREE, keypath.parse("items[kind=A].v"), nodes, "k")


def test_name_value_lists_are_walked_as_mappings_when_asked() -> None:
    reached = keypath.walk(TREE, ("env", "C"), NODES, "k", entries=True)
    assert (reached.node, reached.entry) == ("C=3", "C")
    assert keypath.walk(TREE, ("env", "B"), NODES, "k", entries=True).node == "B"
    missing = keypath.walk(TREE, ("env", "D"), NODES, "k", entries=True)
    assert (missing.node, missing.missing, missing.entry) == (TREE["env"], ("D",), "D")
    with pytest.raises(TargetError, match="runs into a list at env"):
        keypath.walk(TREE, ("env", "C"), NODES, "k")  # only editors that know how to edit one
    with pytest.raises(TargetError, match="A is set 2 times"):
        keypath.walk({"env": ["A=1", "A=2"]}, ("env", "A"), NODES, "k", entries=True)


def test_a_yaml_list_of_mappings_is_addressed_by_selector() -> None:
    text = ("containers:\n"
            "  - name: sidecar\n    port: 9000\n"
            "  - name: server\n    port: 8080  # http\n")
    result = yamlfile.apply(text, set_edits(("containers[name=server].port", "8081")), "d.yaml")
    assert result.text == text.replace("8080", "8081")
    assert [(c.key, c.line) for c in result.changes] == [("containers[name=server].port", 5)]
    with pytest.raises(TargetError) as info:
        yamlfile.apply(text, set_edits(("containers[name=web].port", "1")), "d.yaml")
    assert str(info.value) == ("d.yaml:2: containers[name=web].port: selector [name=web] "
                               "matches no item of 2; candidates: [name=sidecar], [name=server]")


# --- parse() reads a path without brackets without _TOKEN; render() a plain key without a regex ---

def _outcome(read: Any, text: str) -> object:
    try:
        return read(text)
    except PortsyncError as err:
        return f"error: {err.message}"


@pytest.mark.parametrize(("text", "outcome"), [
    ("API_PORT", ("API_PORT",)),
    ("services.web.ports", ("services", "web", "ports")),
    (" a . b ", (" a ", " b ")),  # spaces belong to the key
    ("a.\t", ("a", "\t")),
    ("it's.\"x\"", ("it's", '"x"')),  # quotes mean something only inside brackets
    ("服务.端口.é", ("服务", "端口", "é")),
    ("web-1.0", ("web-1", "0")),  # a digit key stays a key, not an index
    ("", "error: bad key path ''"),
    (".", "error: bad key path '.': empty key at character 1"),
    (".a", "error: bad key path '.a': empty key at character 1"),
    ("a..b", "error: bad key path 'a..b': empty key at character 3"),
    ("a.", "error: bad key path 'a.'"),
    ("a]b", "error: bad key path 'a]b' at character 2"),
    ("services.web.ports[0]", ("services", "web", "ports", 0)),
    ("test[3].x[12]", ("test", 3, "x", 12)),
    ("a.[0]", ("a", 0)),
    ("[007]", (7,)),
    ("a [1]", ("a ", 1)),
    ("a[ 1 ]", ("a", 1)),
    ("a[0][1]", ("a", 0, 1)),
    ("a[\u0663]", ("a", 3)),  # any Unicode digit, as \d reads it
    ("a[\u00b2]", "error: bad key path 'a[\u00b2]': expected [n], [\"key\"] or [FIELD=VALUE]"
                   " at character 3"),  # a digit to str.isdigit, not to \\d
    ("a[]", "error: bad key path 'a[]': expected [n], [\"key\"] or [FIELD=VALUE] at character 3"),
    ("a[0]b", "error: bad key path 'a[0]b': missing '.' at character 5"),
    ("a[0", "error: bad key path 'a[0': expected [n], [\"key\"] or [FIELD=VALUE] at character 3"),
    (".[0]", "error: bad key path '.[0]': empty key at character 1"),
    ("a.[0].", "error: bad key path 'a.[0].'"),
])
def test_paths_without_brackets_read_as_the_token_reader_reads_them(
        text: str, outcome: object) -> None:
    assert _outcome(keypath.parse, text) == outcome
    assert _outcome(keypath._tokens, text) == outcome


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=".[]'\"= \t\nab01-é服\u0663\u00b2\\", max_size=10))
def test_parse_agrees_with_the_token_reader(text: str) -> None:
    assert _outcome(keypath.parse, text) == _outcome(keypath._tokens, text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=8) | st.from_regex(r"[A-Za-z_][\w-]*", fullmatch=True))
def test_a_key_is_plain_exactly_when_the_pattern_says_so(key: str) -> None:
    assert keypath._plain_key(key) == (keypath._PLAIN_KEY.fullmatch(key) is not None)


@pytest.mark.parametrize(("key", "plain"), [
    ("API_PORT", True), ("web-1", True), ("-x", True), ("é", True), ("8080", True),
    ("", False), ("a b", False), ("a\u00a0b", False), ("a\u2028", False), ("a.b", False),
    ("a'b", False), ("a\x7f", False), ("a]", False),
])
def test_render_quotes_only_keys_that_need_it(key: str, plain: bool) -> None:
    assert keypath._plain_key(key) is plain
    assert (keypath.render(("x", key)) == f"x.{key}") is plain
