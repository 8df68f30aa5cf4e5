"""quickvalue renders the common value shapes as Jinja does, and leaves everything else to it.

Each value is rendered twice, by quickvalue and by the sandboxed Jinja path
(quickvalue turned off): the same text, or when quickvalue declines, Jinja's
answer or error; and whenever Jinja fails, quickvalue must have declined.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portsync.errors import PortsyncError
from portsync.registry.loading import load_registry
from portsync.registry.resolution import PortTable
from portsync.templating import quickvalue
from portsync.templating.context import ContextFactory
from portsync.templating.renderer import Renderer
from tests.conftest import build_tree

REGISTRY = """\
version: 1
environments:
  production: {}
  development: {offset: 1000}
services:
  api: {ports: {http: 8000, grpc: 50051}, host: api}
  web: {port: 8100, environments: [production]}
  cart: {ports: {grpc: 7070}, publish: false}
"""


@pytest.fixture(scope="module")
def contexts(tmp_path_factory: pytest.TempPathFactory) -> ContextFactory:
    root = build_tree(tmp_path_factory.mktemp("reg"), {"ports.yaml": REGISTRY})
    registry = load_registry(root / "ports.yaml")
    return ContextFactory(registry, PortTable(registry))


def jinja(text: str, context: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as patch:
        patch.setattr(quickvalue, "render", lambda text, context: None)
        return Renderer(Path("templates"), Path()).value(text, context, "ports.yaml:1:1", "k")


def compare(text: str, context: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> bool:
    """True when quickvalue answered; either way its answer is Jinja's."""
    quick = quickvalue.render(text, context)
    try:
        slow = jinja(text, context, monkeypatch)
    except PortsyncError:
        assert quick is None, text  # an error is always Jinja's to word
        return False
    assert quick in (None, slow), text
    return quick is not None


SHAPES = [
    "{{ port('api') }}", "{{port('api')}}", "{{ port(service) }}", "{{ port(service, 'grpc') }}",
    "{{ host_port(service, 'grpc') }}:{{ port(service, 'grpc') }}",
    "http://api:{{ port('api') }}/v1", "{{ url('api') }}", "{{ url('api', path='/x') }}",
    "{{ url('api', 'grpc', scheme='grpc', host='h') }}", "{{ port('api', env='development') }}",
    "{{ port(\"web\") }}", "{{ port('api', env=env) }}", "{{ host_port('web') }}",
    "a {{ port('api') }} b {{ port('web') }} c\n",
]
ERRORS = [
    "{{ port('nope') }}", "{{ port('api', 'nope') }}", "{{ port('web', env='development') }}",
    "{{ host_port('cart', 'grpc') }}", "{{ port(svc) }}", "{{ port() }}",
    "{{ port('api', name='grpc', 'x') }}",
    "{{ url('api', bogus='x') }}", "{{ port('api', 'http', 'production', 'extra') }}",
]
DECLINED = [
    "{{ port('api') | string }}", "{{ port('a\\'pi') }}", "{{ port('api') + 1 }}",
    "{% if true %}{{ port('api') }}{% endif %}", "{{ project }}", "{ {{ port('api') }}",
    "{{ port('api') }}}", "{{- port('api') -}}", "{{ port('a,b') }}", "{{ ports('api') }}",
    "{{ port(service.name) }}", "{{ port(1) }}", "{# c #}{{ port('api') }}",
    "{{ port('api', name='a', name='b') }}",
]


@pytest.mark.parametrize("text", SHAPES)
def test_common_shapes_are_rendered_here_as_jinja_does(
        text: str, contexts: ContextFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    assert compare(text, contexts.build("production", "api"), monkeypatch), text


@pytest.mark.parametrize("text", ERRORS)
def test_errors_are_jinjas(text: str, contexts: ContextFactory,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    context = contexts.build("production", "api")
    assert quickvalue.render(text, context) is None
    with pytest.raises(PortsyncError):
        jinja(text, context, monkeypatch)


@pytest.mark.parametrize("text", DECLINED)
def test_other_templates_go_to_jinja(text: str, contexts: ContextFactory) -> None:
    assert quickvalue.render(text, contexts.build("production", "api")) is None


_literal = st.sampled_from(["'api'", "'web'", "'cart'", "'grpc'", "'http'", "'production'",
                            "'development'", "''", "service", "env", "'x'", "'/p'"])
_call = st.builds(
    lambda f, args, kws: f"{{{{ {f}({', '.join([*args, *(f'{k}={v}' for k, v in kws)])}) }}}}",
    st.sampled_from(["port", "host_port", "url"]), st.lists(_literal, max_size=3),
    st.lists(st.tuples(st.sampled_from(["name", "env", "scheme", "host", "path"]), _literal),
             max_size=2, unique_by=lambda kv: kv[0]))  # a repeated keyword crashes Jinja
_text = st.text(st.sampled_from("ab:/ -.\n"), max_size=4)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.tuples(_text, _call), min_size=1, max_size=3), tail=_text,
       env=st.sampled_from(["production", "development"]),
       service=st.sampled_from(["api", "web", None]))
def test_generated_values_render_as_jinja_does(parts: list[tuple[str, str]], tail: str, env: str,
                                               service: str | None,
                                               contexts: ContextFactory) -> None:
    text = "".join(a + b for a, b in parts) + tail
    context = contexts.build(env, service)
    with pytest.MonkeyPatch.context() as monkeypatch:
        compare(text, context, monkeypatch)
