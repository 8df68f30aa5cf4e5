"""The template sandbox and renderer: Jinja's own results for real templates, no tracer taken
over, templates only from inside the root, and errors that name the template and the target."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from portsync.templating import sandbox
from portsync.templating.budget import Meter
from tests.conftest import RunCli, build_tree, snapshot
from tests.test_hostile import REGISTRY

# Templates using what the bounded environment compiles differently: loops (plain, extended,
# filtered, recursive, else), buffers (macros, call blocks, set blocks, filter blocks), ~,
# comparisons, dict literals, str.format and %, filters that are sized first, includes.
TEMPLATES = {
    "loops": "{% for s in services %}{{ loop.index }}/{{ loop.length }} {{ s.name }}"
             "{% if not loop.last %}, {% endif %}{% else %}none{% endfor %}\n"
             "{% for s in services if s.port > 8000 %}{{ s.name }}{% endfor %}\n"
             "{% for k, v in {'b': 2, 'a': 1}|dictsort %}{{ k }}={{ v }};{% endfor %}",
    "recursive": "{% for item in tree recursive %}[{{ item.name }}"
                 "{% if item.children %}{{ loop(item.children) }}{% endif %}]{% endfor %}",
    "buffers": "{% macro row(s, sep='|') %}{{ sep }} {{ s.name }} {{ sep }}{% endmacro %}"
               "{% for s in services %}{{ row(s) }}\n{% endfor %}"
               "{% macro wrap() %}<{{ caller('in') }}>{% endmacro %}"
               "{% call(x) wrap() %}{{ x }} {{ row({'name': 'called'}) }}{% endcall %}"
               "{% set block %}{% for s in services %}{{ s.port }} {% endfor %}{% endset %}"
               "[{{ block|trim }}]{% filter upper %}{{ services[0].name }}{% endfilter %}",
    "operators": "{{ 'a' ~ 1 ~ none }} {{ 1 < 2 < 3 }} {{ 'x' in ['x'] }} {{ 'y' not in 'x' }}"
                 " {{ {'k': [1, (2, 3)]}['k'][1][0] }} {{ '{0}-{1:>5}'.format('a', 7) }}"
                 " {{ '%s=%05d' % ('p', 80) }} {{ '%(a)s'|format(a='b') }} {{ [1, 2] * 2 }}"
                 " {{ 'ab' * 3 }} {{ 2 ** 10 }} {{ [1] + [2] }}",
    "filters": "{{ services|map(attribute='name')|join(', ') }} {{ 'x'|center(9) }}|"
               "{{ 'a\nb'|indent(2, first=true) }} {{ services|tojson }}"
               " {{ 'a b c'|wordwrap(3) }} {{ 'aXa'|replace('X', '--') }}"
               " {{ services|sum(attribute='port') }} {{ [1, 2, 3]|batch(2)|list }}"
               " {{ ('a\tb').expandtabs(4) }} {{ 'ab'.translate({97: 'xy'}) }}"
               " {{ services|selectattr('port', 'gt', 8000)|list|length }}"
               " {{ services|sort(attribute='port', reverse=true)|first }}",
    "include": "{% include 'part.j2' %}|{% include ['nope.j2', 'part.j2'] %}",
    "extends": "{% extends 'base.j2' %}{% block b %}child {{ super() }}{% endblock %}",
}
PARTS = {"part.j2": "part of {{ services|length }}", "base.j2": "<{% block b %}base{% endblock %}>"}
CONTEXT: dict[str, Any] = {
    "services": [{"name": "web", "port": 8000}, {"name": "api", "port": 8080}],
    "tree": [{"name": "a", "children": [{"name": "b", "children": []}]}, {"name": "c", "children": []}],
}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_the_bounded_sandbox_renders_what_jinja_renders(name: str, tmp_path: Path) -> None:
    from jinja2 import DictLoader, StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    build_tree(tmp_path, {f"templates/{n}": t for n, t in PARTS.items()})
    plain = ImmutableSandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True,
                                          lstrip_blocks=True, keep_trailing_newline=True,
                                          loader=DictLoader(PARTS))
    bounded = sandbox.environment(tmp_path / "templates", tmp_path)
    bounded.meter = Meter()
    expected = plain.from_string(TEMPLATES[name]).render(CONTEXT)
    assert "".join(bounded.from_string(TEMPLATES[name]).generate(CONTEXT)) == expected




def test_rendering_leaves_the_tracer_alone(tmp_path: Path, run_cli: RunCli) -> None:
    """Coverage and debuggers keep seeing port() and the rest while templates render."""
    root = build_tree(tmp_path, {"ports.yaml": REGISTRY, "app.yaml": "server:\n  port: 1\n"})
    calls: list[str] = []

    def tracer(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            calls.append(frame.f_code.co_name)

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = run_cli("--check", cwd=root)
        inside = sys.gettrace()
    finally:
        sys.settrace(previous)
    assert result.code == 1, result
    assert inside is tracer
    assert "port" in calls, "the body of port() ran under the caller's tracer"


def file_target(template: str, block: str | None = None) -> str:
    target = f"  - path: README.md\n    template: {template}\n"
    return REGISTRY + target + (f"    block: {block}\n" if block else "")


README = "# Demo\n<!-- portsync:begin ports -->\n<!-- portsync:end ports -->\n"


@pytest.mark.parametrize(("template", "message"), [
    ("{{ port('web') }}\n\n{{ ''.__class__ }}\n",
     "templates/evil.md.j2:3: template blocked by the sandbox: access to attribute '__class__' "
     "of 'str' object is unsafe. (rendering README.md, block ports)"),
    ("line 1\n{% for x in %}\n",
     "templates/evil.md.j2:2: template syntax error: Expected an expression, got 'end of "
     "statement block' (rendering README.md, block ports)"),
    ("a\nb\n{% include 'missing.j2' %}\n",
     "templates/evil.md.j2:3: template 'missing.j2' not found in templates/ "
     "(rendering README.md, block ports)"),
    ("{{ port('nope') }}\n",
     "templates/evil.md.j2:1: unknown service 'nope' (rendering README.md, block ports)"),
    ("{% for i in range(10) %}\n{{ 'x' * 10**10 }}\n{% endfor %}\n",
     "templates/evil.md.j2:2: template stopped: repeating a value 10000000000 times makes it "
     "too long (rendering README.md, block ports)"),
])
def test_a_template_error_names_the_template_line_and_the_target(
        template: str, message: str, tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": file_target("evil.md.j2", "ports"),
                                 "app.yaml": "server:\n  port: 8000\n", "README.md": README,
                                 "templates/evil.md.j2": template})
    before = snapshot(root)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == [message], result
    assert snapshot(root) == before
    github = run_cli("--format", "github", cwd=root)
    assert github.out.startswith(f"::error file=templates/evil.md.j2,line={message.split(':')[1]}"
                                 "::"), github


def test_the_target_is_named_from_the_current_folder(tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path, {"app/ports.yaml": file_target("evil.md.j2", "ports"),
                          "app/app.yaml": "server:\n  port: 8000\n", "app/README.md": README,
                          "app/templates/evil.md.j2": "{{ port('nope') }}\n"})
    result = run_cli("-r", "app/ports.yaml", "--check", cwd=tmp_path)
    assert result.code == 2, result
    assert result.err.splitlines() == ["app/templates/evil.md.j2:1: unknown service 'nope' "
                                       "(rendering app/README.md, block ports)"], result


def test_a_missing_template_file_names_the_target(tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": file_target("nope.md.j2"),
                                 "app.yaml": "server:\n  port: 8000\n"})
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == ["ports.yaml:7:5: template nope.md.j2: template "
                                       "'nope.md.j2' not found in templates/ (rendering "
                                       "README.md)"], result
    assert not (root / "README.md").exists()


def test_a_syntax_error_in_a_value_names_its_place_and_target(tmp_path: Path,
                                                              run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": REGISTRY.replace("port('web') }}", "port('web' }}"),
                                 "app.yaml": "server:\n  port: 1\n"})
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == ["ports.yaml:6:11: server.port: template syntax error: "
                                       "unexpected '}', expected ')' (rendering app.yaml)"], result


@pytest.mark.parametrize("templates_dir", ["/etc", "..", "sub/../.."])
def test_the_templates_folder_must_lie_inside_the_root(templates_dir: str, tmp_path: Path,
                                                       run_cli: RunCli) -> None:
    """``templates_dir: /etc`` with ``template: hostname`` copied /etc/hostname into the repo."""
    root = tmp_path / "repo"
    build_tree(tmp_path, {"hostname": "secret\n"})
    build_tree(root, {"ports.yaml": f"templates_dir: '{templates_dir}'\n"
                      + file_target("hostname").replace("README.md", "copy.txt"),
                      "app.yaml": "server:\n  port: 8000\n"})
    before = snapshot(tmp_path)
    message = (f"ports.yaml:1:16: templates_dir '{templates_dir}' must lie inside the "
               "registry's folder")
    for args in ((), ("validate",), ("--check",)):  # validate sees it too, before any render
        result = run_cli(*args, cwd=root)
        assert result.code == 2, result
        assert result.err.splitlines() == [message], result
    assert snapshot(tmp_path) == before


def test_a_templates_folder_linked_out_of_the_root_is_refused(tmp_path: Path,
                                                               run_cli: RunCli) -> None:
    root = tmp_path / "repo"
    build_tree(tmp_path, {"elsewhere/hostname": "secret\n"})
    build_tree(root, {"ports.yaml": "templates_dir: tpl\n"
                      + file_target("hostname").replace("README.md", "copy.txt"),
                      "app.yaml": "server:\n  port: 8000\n"})
    (root / "tpl").symlink_to(tmp_path / "elsewhere")
    before = snapshot(tmp_path)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.endswith("the templates folder leads outside the registry's folder "
                               "(templates_dir must lie inside it); refusing it (rendering "
                               "copy.txt, template hostname)\n"), result
    assert snapshot(tmp_path) == before


def test_a_value_jinja_cannot_compile_is_a_syntax_error(tmp_path: Path, run_cli: RunCli) -> None:
    """Jinja parses ``name=`` twice, then Python refuses the code it generated (was exit 3)."""
    root = build_tree(tmp_path, {"ports.yaml": REGISTRY.replace(
        "port('web') }}", "port('web', name='a', name='b') }}"),
        "app.yaml": "server:\n  port: 1\n"})
    result = run_cli("--check", cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == ["ports.yaml:6:11: server.port: template syntax error: "
                                       "keyword argument repeated: name (rendering app.yaml)"], \
        result


@pytest.mark.parametrize("name", ["page.j2", "sub/page.j2"])
def test_a_template_symlink_leading_out_is_refused(name: str, tmp_path: Path,
                                                   run_cli: RunCli) -> None:
    root = tmp_path / "repo"
    build_tree(tmp_path, {"secret.txt": "secret\n"})
    build_tree(root, {"ports.yaml": file_target("main.j2").replace("README.md", "copy.txt"),
                      "app.yaml": "server:\n  port: 8000\n",
                      "templates/main.j2": f"{{% include '{name}' %}}\n", "templates/sub/x": ""})
    (root / "templates" / name).symlink_to(tmp_path / "secret.txt")
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == [f"templates/{name}: the template leads outside the "
                                       "templates folder; refusing it (rendering copy.txt, "
                                       "template main.j2)"], result
    assert not (root / "copy.txt").exists()


def test_a_template_symlink_inside_the_folder_is_fine(tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": file_target("link.j2").replace("README.md", "o"),
                                 "app.yaml": "server:\n  port: 8000\n",
                                 "templates/real.j2": "{{ port('web') }}\n"})
    (root / "templates/link.j2").symlink_to("real.j2")
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert (root / "o").read_text() == "8000\n"


def test_a_template_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path,
                                                              run_cli: RunCli) -> None:
    root = build_tree(tmp_path, {"ports.yaml": file_target("pipe.j2").replace("README.md", "o"),
                                 "app.yaml": "server:\n  port: 8000\n", "templates/x": ""})
    os.mkfifo(root / "templates/pipe.j2")
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.splitlines() == ["templates/pipe.j2: is not a regular file (a pipe or a "
                                       "device?); refusing it (rendering o, template "
                                       "pipe.j2)"], result


RARE = ("{{ 'see https://example.org/a or me@example.org'|urlize }} {{ 'a web-api (x)'|title }}"
        " {{ 'one two  three'|wordcount }} {{ {'id': 'x', 'data-k': 2}|xmlattr }}")


def _printed(code: str, tmp_path: Path) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=tmp_path)
    return done.stdout


def test_the_filters_whose_patterns_wait_render_as_jinja_does(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    bounded = _printed(
        "from pathlib import Path; from portsync.templating import sandbox\n"
        "from portsync.templating.budget import Meter\n"
        "env = sandbox.environment(Path('templates'), Path('.')); env.meter = Meter()\n"
        "import jinja2.utils\n"
        "print(type(jinja2.utils._http_re).__name__)\n"
        f"print(env.from_string({RARE!r}).render())", tmp_path)
    plain = _printed(
        "from jinja2.sandbox import ImmutableSandboxedEnvironment\n"
        f"print(ImmutableSandboxedEnvironment().from_string({RARE!r}).render())", tmp_path)
    assert bounded == "StandIn\n" + plain
    assert 'href="https://example.org/a"' in plain and 'id="x"' in plain  # each filter ran
