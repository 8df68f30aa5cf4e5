"""YAML shapes of real repositories (SPEC v2 §2): plain stays plain, several documents,
``NAME=value`` lists, merge keys, block scalars, and the editing defects of issues 12 and 16.

Every test compares whole texts: the expected text is the original with only the
value's bytes replaced (or only the new key's lines added).
"""

from __future__ import annotations

import pytest

from portsync.editors import yamlfile
from portsync.errors import TargetError
from portsync.yamlkit import nodetree, parsers
from tests.editing import set_edits


def apply(text: str, *pairs: tuple[str, str]) -> str:
    """The text after setting each (key path, value)."""
    return yamlfile.apply(text, set_edits(*pairs), "f.yaml").text


def error(text: str, key: str, value: str = "4242") -> str:
    with pytest.raises(TargetError) as info:
        yamlfile.apply(text, set_edits((key, value)), "f.yaml")
    return str(info.value)


def reads(text: str) -> object:
    """The document as plain data (PyYAML), to check what other tools will read."""
    import yaml

    return yaml.safe_load(text)


# -- plain stays plain (SPEC v2 §2 Typing) -------------------------------------------------

@pytest.mark.parametrize(("text", "key", "old", "new"), [
    ("healthcheck:\n  test: curl -f http://localhost:8080/login/ || exit 1\n", "healthcheck.test",
     "curl -f http://localhost:8080/login/ || exit 1",
     "curl -f http://localhost:8090/login/ || exit 1"),
    ("a: run --port 8000\n", "a", "run --port 8000", "run --port 8001"),
    ("links:\n  - url: http://localhost:8080/jaeger/ui/trace/$${__value.raw}\n", "links[0].url",
     "http://localhost:8080/jaeger/ui/trace/$${__value.raw}",
     "http://localhost:8081/jaeger/ui/trace/$${__value.raw}"),
    ("cmd: [run --port 8000, -v]\n", "cmd[0]", "run --port 8000", "run --port 8001"),
    ("a: {u: http://x:1/a&b}\n", "a.u", "http://x:1/a&b", "http://x:2/a&b"),
    ("a: x # note\n", "a", "x", "y z"),
    ("a: 'it''s'\n", "a", "'it''s'", "'o''k'"),
    ('a: "x"\n', "a", '"x"', '"tab\\there"'),
])
def test_each_value_keeps_its_style(text: str, key: str, old: str, new: str) -> None:
    value = reads(f"v: {new}\n")["v"]  # type: ignore[index]
    assert apply(text, (key, str(value))) == text.replace(old, new)


@pytest.mark.parametrize(("text", "value", "expected"), [
    ("a: x\n", "run: now", 'a: "run: now"\n'),        # ': ' would start a mapping
    ("a: x\n", "x #y", 'a: "x #y"\n'),              # ' #' would start a comment
    ("a: x\n", "- x", 'a: "- x"\n'),
    ("a: x\n", "true", 'a: "true"\n'),
    ("a: x\n", "on", 'a: "on"\n'),                  # a boolean to YAML 1.1 readers
    ("a: x\n", " x", 'a: " x"\n'),
    ("a: x\nb: 'q'\n", "a: b", "a: 'a: b'\nb: 'q'\n"),  # the file's own quote character
    ("a: [x]\n", "a,b", 'a: ["a,b"]\n'),            # ',' ends a plain scalar in brackets
    ("a: [x]\n", "{y}", 'a: ["{y}"]\n'),
    ("a: x\n", "{y}", 'a: "{y}"\n'),
    ("a: x\n", "a{y}", "a: a{y}\n"),               # fine outside brackets
    ("a: x\n", "line\nbreak", 'a: "line\\nbreak"\n'),
])
def test_quotes_only_where_plain_would_change_the_meaning(text: str, value: str,
                                                          expected: str) -> None:
    key = "a[0]" if text.startswith("a: [") else "a"
    result = apply(text, (key, value))
    assert result == expected
    data = reads(result)["a"]  # type: ignore[index]
    assert (data[0] if isinstance(data, list) else data) == value


# -- several documents ---------------------------------------------------------------------

MANIFEST = """\
# cart: the deployment and its service
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: server
          env:
            - name: PORT
              value: "7070"
---
apiVersion: v1
kind: Service
metadata:
  name: cart
spec:
  ports:
    - name: http
      port: 80
      targetPort: 7070
---
"""


def test_a_document_is_picked_by_selector_or_index() -> None:
    result = yamlfile.apply(MANIFEST, set_edits(
        ("[kind=Deployment,metadata.name=cart].spec.template.spec.containers[name=server]"
         ".env[name=PORT].value", "7071"),
        ("[kind=Service].spec.ports[name=http].targetPort", "7071"),
        ("[0].spec.replicas", "2")), "k.yaml")
    assert result.text == MANIFEST.replace('"7070"', '"7071"').replace(
        "targetPort: 7070", "targetPort: 7071").replace("replicas: 1", "replicas: 2")
    assert [(c.key, c.line) for c in result.changes] == [
        ("[kind=Deployment,metadata.name=cart].spec.template.spec.containers[name=server]"
         ".env[name=PORT].value", 14),
        ("[kind=Service].spec.ports[name=http].targetPort", 24),
        ("[0].spec.replicas", 7)]


def test_a_key_is_added_inside_its_document() -> None:
    result = apply(MANIFEST, ("[kind=Service].spec.type", "ClusterIP"))
    assert result == MANIFEST.replace("      targetPort: 7070\n",
                                      "      targetPort: 7070\n  type: ClusterIP\n")


@pytest.mark.parametrize(("key", "message"), [
    ("spec.replicas", "f.yaml: spec.replicas: the file holds 2 YAML documents: start the path "
                      "with [n] or a selector, such as "
                      "'[kind=Deployment,metadata.name=NAME].spec.replicas'"),
    ("[kind=Ingress].spec", "f.yaml:2: [kind=Ingress].spec: selector [kind=Ingress] matches no "
                            "item of 2; candidates: [kind=Deployment], [kind=Service]"),
    ("[metadata.name=cart].spec", "f.yaml:2: [metadata.name=cart].spec: selector "
                                  "[metadata.name=cart] matches 2 items (f.yaml:2, f.yaml:16)"),
    ("[2].spec", "f.yaml:2: [2].spec: list has no item [2]"),
])
def test_paths_into_several_documents_must_pick_one(key: str, message: str) -> None:
    assert error(MANIFEST, key) == message


def test_one_document_and_an_empty_one_is_still_one_document() -> None:
    text = "a: 1\n---\n# nothing here\n"
    assert apply(text, ("a", "2")) == text.replace("1", "2")


@pytest.mark.parametrize("text", [
    "kind: Deployment\nmetadata: {name: cart}\nspec:\n  replicas: 1\n",
    "---\nkind: Deployment\nmetadata: {name: cart}\nspec:\n  replicas: 1\n...\n",
    "kind: Deployment\r\nmetadata:\r\n  name: cart\r\nspec: {replicas: 1}\r\n",
])
def test_a_manifest_of_one_document_takes_the_paths_of_several(text: str) -> None:
    # k8s/{service}.yaml with one manifest that holds only a Deployment: the same
    # document selector as in its siblings' files, or [0], still finds it
    for key in ("[kind=Deployment,metadata.name=cart].spec.replicas", "[0].spec.replicas"):
        assert apply(text, (key, "2")) == text.replace("replicas: 1", "replicas: 2")
        assert apply(text, (key, "1")) == text
    assert apply(text, ("[kind=Deployment].spec.paused", "x")) != text
    assert error(text, "[kind=Service].spec.replicas") == (
        f"f.yaml:{text.count(chr(10), 0, text.index('kind'))+ 1}: [kind=Service].spec.replicas:"
        " selector [kind=Service] matches no item of 1; candidates: [kind=Deployment]")
    assert error(text, "[1].spec.replicas").endswith("[1].spec.replicas: list has no item [1]")


def test_a_selector_field_may_be_a_key_with_dots() -> None:
    text = ("kind: Deployment\nmetadata:\n  labels: {app.kubernetes.io/name: cart}\n"
            "spec:\n  replicas: 1\n---\nkind: Deployment\nmetadata:\n"
            "  labels:\n    app.kubernetes.io/name: web\nspec:\n  replicas: 1\n")
    key = '[metadata.labels["app.kubernetes.io/name"]=web].spec.replicas'
    assert apply(text, (key, "2")) == text[:-2] + "2\n"
    assert error(text, '[metadata.labels["app.kubernetes.io/name"]=db].spec') == (
        'f.yaml:1: [metadata.labels["app.kubernetes.io/name"]=db].spec: selector '
        '[metadata.labels["app.kubernetes.io/name"]=db] matches no item of 2; candidates: '
        '[metadata.labels["app.kubernetes.io/name"]=cart], '
        '[metadata.labels["app.kubernetes.io/name"]=web]')


def test_a_selector_reads_its_field_through_a_merge_key() -> None:
    # the condition only reads the item's name: where it is written does not matter
    text = ("x-base: &base {name: web, port: 1}\nc:\n- <<: *base\n  port: 2\n"
            "- <<: [{name: db}, *base]\n  port: 3\n")
    assert apply(text, ("c[name=web].port", "9")) == text.replace("port: 2", "port: 9")
    assert apply(text, ("c[name=db].port", "9")) == text.replace("port: 3", "port: 9")
    # writing through the merge key stays refused
    assert "comes only through the merge key" in error(
        "b: &b {name: a, port: 1}\nc:\n- <<: *b\n", "c[name=a].port")


@pytest.mark.parametrize(("text", "key", "expected"), [
    # an anchored or tagged flow mapping takes a new key inside its braces
    ("c: &x {port: 1}\nd: *x\n", "c.name", "c: &x {port: 1, name: 2}\nd: *x\n"),
    ("c: &x {}\n", "c.name", "c: &x {name: 2}\n"),
    ("c: !!map {a: 1}\n", "c.name", "c: !!map {a: 1, name: 2}\n"),
    ("c:\n- &x !!map\n  {port: 1}\n", "c[0].name", "c:\n- &x !!map\n  {port: 1, name: 2}\n"),
    # a mapping that merges itself: no endless search of its merge key
    ("a: &x\n  <<: *x\n  port: 1\n", "a.name", "a: &x\n  <<: *x\n  port: 1\n  name: 2\n"),
    ("c:\n- &x\n  <<: *x\n  name: a\n  port: 1\n", "c[name=a].port",
     "c:\n- &x\n  <<: *x\n  name: a\n  port: 2\n"),
])
def test_anchors_and_tags_before_a_mapping(text: str, key: str, expected: str) -> None:
    assert apply(text, (key, "2")) == expected


def test_a_list_at_the_root_of_one_document_is_still_that_list() -> None:
    text = "- kind: Deployment\n  port: 1\n"
    assert apply(text, ("[kind=Deployment].port", "2")) == text.replace("1", "2")
    assert apply(text, ("[0].port", "2")) == text.replace("1", "2")


# -- NAME=value lists (compose's environment: list form) ----------------------------------

COMPOSE = """\
services:
  web:
    environment:
      - PORT=8080
      - "API_URL=http://api:9000/v1"
      - DEBUG
      # - METRICS_PORT=9090
    ports: ["8080:8080"]
"""


@pytest.mark.parametrize(("key", "value", "old", "new"), [
    ("services.web.environment.PORT", "8081", "PORT=8080", "PORT=8081"),
    ("services.web.environment.API_URL", "http://api:9001/v1", "api:9000", "api:9001"),
    ("services.web.environment.DEBUG", "1", "- DEBUG\n", "- DEBUG=1\n"),
])
def test_name_value_items_are_addressed_like_keys(key: str, value: str, old: str,
                                                  new: str) -> None:
    assert apply(COMPOSE, (key, value)) == COMPOSE.replace(old, new)


def test_a_missing_name_is_added_as_an_item_after_the_comments_under_the_list() -> None:
    assert apply(COMPOSE, ("services.web.environment.GRPC_PORT", "50051")) == COMPOSE.replace(
        "      # - METRICS_PORT=9090\n",
        "      # - METRICS_PORT=9090\n      - GRPC_PORT=50051\n")
    flow = "env: [A=1, B=2]\n"
    assert apply(flow, ("env.C", "3")) == "env: [A=1, B=2, C=3]\n"


def test_a_list_that_is_not_name_value_stays_a_list() -> None:
    assert error(COMPOSE, "services.web.ports.x") == (
        "f.yaml:8: services.web.ports.x: runs into a list at services.web.ports")


# -- merge keys ----------------------------------------------------------------------------

MERGED = """\
x-base: &base
  image: app
  port: 8000
web:
  <<: *base
  name: web
"""


def test_a_value_reached_only_through_a_merge_key_names_the_anchor() -> None:
    assert error(MERGED, "web.port") == (
        "f.yaml:5: web.port: 'port' comes only through the merge key (<<) from the mapping "
        "anchored at line 1 (&base): set it there, where it is written")
    assert apply(MERGED, ("x-base.port", "8001")) == MERGED.replace("8000", "8001")
    assert apply(MERGED, ("web.name", "www")) == MERGED.replace("name: web", "name: www")
    assert apply(MERGED, ("web.extra", "1")) == MERGED + "  extra: 1\n"


def test_a_merge_of_several_anchors_is_searched_too() -> None:
    text = "a: &a {p: 1}\nb: &b {q: 2}\nc:\n  <<: [*a, *b]\n"
    assert "from the mapping anchored at line 2 (&b)" in error(text, "c.q")


# -- block scalars -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "expected"), [
    ("a: |\n  run --port 8000\n  --verbose\nb: 1\n", "run --port 8001\n--verbose",
     "a: |\n  run --port 8001\n  --verbose\nb: 1\n"),
    ("a: >-\n    run --port 8000\nb: 1\n", "run --port 8001", "a: >-\n    run --port 8001\nb: 1\n"),
    ("a: |+\n  8000\n\nb: 1\n", "8001", "a: |+\n  8001\n\nb: 1\n"),
    ("a: >\n  one\n  two\n\nb: 1\n", "x\ny", "a: >\n  x\n\n  y\n\nb: 1\n"),
    ("a: |  # note\r\n  8000\r\nb: 1\r\n", "8001", "a: |  # note\r\n  8001\r\nb: 1\r\n"),
])
def test_a_block_scalar_is_rewritten_in_its_own_style(text: str, value: str,
                                                      expected: str) -> None:
    assert apply(text, ("a", value)) == expected
    assert apply(expected, ("a", value)) == expected  # in sync now


@pytest.mark.parametrize(("text", "value"), [
    ("s:\n  command: >-\n    run\n    --port=8000\nb: 1\n", "run --port=4242"),
    ("s:\n  command: |\n    run\n    --port=8000 -v\n", "run\n--port=4242 -v"),
    ("s:\n  command: run\n    --port=8000\n    --x\n", "run --port=4242 --x"),
    ('s:\n  command: "http://a:8000/p\n    q"\n', "http://a:4242/p q"),
    ("s:\r\n  command: >-\r\n    run\r\n    --port=8000 # not a comment\r\n",
     "run --port=4242 # not a comment"),
    ("- >\n  one http://h:8000/x\n  two\n", "one http://h:4242/x two"),
])
def test_a_value_of_several_lines_keeps_its_lines(text: str, value: str) -> None:
    key = "[0]" if text.startswith("-") else "s.command"
    expected = text.replace("8000", "4242")
    assert apply(text, (key, value)) == expected
    assert apply(expected, (key, value)) == expected  # in sync now


@pytest.mark.parametrize(("text", "value", "expected"), [
    # the word stands twice: the value is written again whole, as before
    ("a: >-\n  8000\n  8000\n", "8000 4242", "a: >-\n  8000 4242\n"),
    # more than a word changes: the same
    ("a: >-\n  run\n  --port=8000\n", "go --port=4242", "a: >-\n  go --port=4242\n"),
    # plain would read otherwise (an indicator, a ': '): written whole, quoted
    ("a: x8000\n  y\n", "@8000 y", 'a: "@8000 y"\n'),
    ("a: x8000\n  y\n", "x8000: y", 'a: "x8000: y"\n'),
    ("a: run\n  x8000\n", "run x8000:", 'a: "run x8000:"\n'),
])
def test_a_value_of_several_lines_that_changes_more_is_written_whole(
        text: str, value: str, expected: str) -> None:
    assert apply(text, ("a", value)) == expected


def test_a_block_scalar_that_cannot_hold_the_value_is_an_error() -> None:
    assert "cannot be written as this | block scalar" in error("a: |\n  x\n", "a", "  lead")


@pytest.mark.parametrize(("text", "value", "expected"), [
    ("a: |2\n   x\nb: 1\n", " y", "a: |2\n   y\nb: 1\n"),  # the indicator allows a lead space
    ("- >1-\n  lead\n", " lead2", "- >1-\n  lead2\n"),
    ("k:\n  a: |4\n        x\n", "   y", "k:\n  a: |4\n         y\n"),
])
def test_an_indentation_indicator_is_kept(text: str, value: str, expected: str) -> None:
    key = "[0]" if text.startswith("-") else "k.a" if text.startswith("k") else "a"
    assert apply(text, (key, value)) == expected


# -- the editing defects of issues 12 and 16 -----------------------------------------------

@pytest.mark.parametrize(("text", "key", "expected"), [
    # a key added after a multi-line flow collection lands after its closing bracket
    ('web:\n  image: nginx\n  command: [\n    "run",\n  ]\nother: 1\n', "web.port",
     'web:\n  image: nginx\n  command: [\n    "run",\n  ]\n  port: 4242\nother: 1\n'),
    # null and empty values
    ("svc: {port, host: db}\n", "svc.port", "svc: {port: 4242, host: db}\n"),
    ("ports:\n- # TODO\n- 8080\n", "ports[0]", "ports:\n- 4242 # TODO\n- 8080\n"),
    ("a: &x\nb: *x\n", "a", "a: &x 4242\nb: *x\n"),
    ("? a\n? b\nc:\n", "a", "? a\n: 4242\n? b\nc:\n"),
    ("? a\n:\n? b\n", "a", "? a\n: 4242\n? b\n"),
    ("a:\n", "a", "a: 4242\n"),
    ("a: ~  # none\n", "a", "a: 4242  # none\n"),
    # explicit keys: a new key at the question marks' column
    ("m:\n  ? a\n  : 1\n", "m.b", "m:\n  ? a\n  : 1\n  b: 4242\n"),
    ("x: [? y]\n", "x[0].y", "x: [? y: 4242]\n"),
    # after a block scalar: under the right parent, whatever follows the block
    ("a:\n  s: |\n    text\nb: 1\n", "a.new", "a:\n  s: |\n    text\n  new: 4242\nb: 1\n"),
    ("a:\n  s: |\n    text\n\n\nb: 1\n", "a.new", "a:\n  s: |\n    text\n  new: 4242\n\n\nb: 1\n"),
    ("a:\n  s: |+\n    text\n\nb: 1\n", "a.new", "a:\n  s: |+\n    text\n\n  new: 4242\nb: 1\n"),
    ("a:\n  s: >-\n    text\n# top\nb: 1\n", "a.new", "a:\n  s: >-\n    text\n  new: 4242\n# top\nb: 1\n"),
    ("a:\n  s: |\n    text", "a.new", "a:\n  s: |\n    text\n  new: 4242\n"),
    # an empty value takes the new keys
    ("services:\nother: 1\n", "services.web", "services:\n  web: 4242\nother: 1\n"),
    ("services: ~  # none yet\n", "services.web", "services:  # none yet\n  web: 4242\n"),
])
def test_editing_defects_found_by_the_corpora(text: str, key: str, expected: str) -> None:
    result = apply(text, (key, "4242"))
    assert result == expected
    assert apply(result, (key, "4242")) == result
    for newline in ("\r\n",):
        crlf = text.replace("\n", newline)
        assert apply(crlf, (key, "4242")) == expected.replace("\n", newline)


def test_a_new_key_goes_after_the_comment_lines_of_the_previous_sibling() -> None:
    text = ("services:\n"
            "  web:\n"
            "    image: nginx\n"
            "    # ports:\n"
            "    #   - \"8080:80\"\n"
            "\n"
            "# Databases\n"
            "volumes: {}\n")
    assert apply(text, ("services.api.port", "9000")) == text.replace(
        '    #   - "8080:80"\n',
        '    #   - "8080:80"\n  api:\n    port: 9000\n')
    assert apply(text, ("services.web.port", "80")) == text.replace(
        '    #   - "8080:80"\n',
        '    #   - "8080:80"\n    port: 80\n')


@pytest.mark.parametrize(("text", "message"), [
    ("%YAML 1.3\n---\n...\n", "f.yaml:1:1: invalid YAML: unsupported version %YAML 1.3"),
    ('key: "value"# comment\n', "f.yaml:1:13: invalid YAML: a comment needs a space before"),
    ("key: 'value'#c\n", "f.yaml:1:13: invalid YAML: a comment needs a space before"),
    ("a: *nowhere\n", "f.yaml:1:4: invalid YAML: found undefined alias *nowhere"),
])
def test_what_yaml_does_not_allow_is_refused(text: str, message: str) -> None:
    assert error(text, "key").startswith(message)


def test_odd_but_valid_yaml_is_edited() -> None:
    assert apply("[[a]]: 1\n", ("b", "2")) == "[[a]]: 1\nb: 2\n"
    text = "key:    # Comment\n        # lines\n  value\n"
    assert apply(text, ("key", "other")) == text.replace("value", "other")


def test_the_size_bound_is_an_error_not_a_slow_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nodetree, "MAX_NODES", 10)
    assert error("a: [" + ", ".join("1" * 20) + "]\n", "a").startswith(
        "f.yaml:1:26: invalid YAML: more than 10 values")
    assert parsers.documents("a: [1, 2]\n", "f.yaml", TargetError)


def test_a_rewrite_libyaml_could_not_read_back_is_refused() -> None:
    # libyaml takes a tab on a blank line after a plain value, not after a quoted one.
    text = "foo: 1\n \t\nbar: 2\n"
    assert error(text, "foo", "a: b").startswith(
        "f.yaml: the new values would make the file unreadable")
    assert apply(text, ("foo", "2")) == text.replace("1", "2", 1)


def _yaml_printable(code: int) -> bool:
    """YAML 1.2's c-printable (§5.1), less YAML 1.1's extra line breaks and the BOM."""
    return (code in (0x09, 0x0A) or 0x20 <= code <= 0x7E or code == 0x85
            or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF) and code not in (0x85, 0x2028, 0x2029, 0xFEFF)


def test_exactly_the_characters_yaml_may_not_hold_raw_are_escaped() -> None:
    from portsync.editors.yamlscalar import double_quoted
    specials = {"\\", '"', "\n", "\t", "\r", "\0"}
    wrong = [hex(code) for code in range(0x110000)
             if chr(code) not in specials
             and (double_quoted(chr(code)) == f'"{chr(code)}"') != _yaml_printable(code)]
    assert wrong == []
