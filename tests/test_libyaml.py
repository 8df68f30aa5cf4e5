"""PyYAML imported through yamlkit.libyaml: its patterns deferred, its behaviour unchanged."""

from __future__ import annotations

import subprocess
import sys

import pytest

from portsync.yamlkit import libyaml


def _fresh(code: str) -> str:
    """What ``code`` prints in a new interpreter (nothing imported, nothing compiled)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


_BOUND = ("import re; compile_now = re.compile\n"
          "from portsync.yamlkit import libyaml\n"
          "yaml = libyaml.binding()\n")


def test_pyyamls_patterns_wait_and_re_compile_is_itself_again() -> None:
    printed = _fresh(_BOUND + (
        "from portsync.lazyre import StandIn\n"
        "reader = yaml.reader.Reader.NON_PRINTABLE\n"
        "resolvers = [r for rs in yaml.resolver.Resolver.yaml_implicit_resolvers.values()"
        " for _, r in rs]\n"
        "print(type(reader).__name__, reader._compiled is None,"
        " all(type(r) is StandIn for r in resolvers), re.compile is compile_now)"))
    assert printed == "StandIn True True True"


def test_the_pure_python_reader_still_refuses_a_control_character() -> None:
    printed = _fresh(_BOUND + (
        "try:\n"
        "    yaml.safe_load('a: b\\x07')\n"
        "except yaml.reader.ReaderError as error:\n"
        "    print(error.character, error.position)\n"))
    assert printed == "7 4"  # the code point, where it stands


def test_the_pure_python_resolver_and_constructor_still_type_scalars() -> None:
    printed = _fresh(_BOUND + (
        "print(yaml.load('[1, 0x1f, 2.5, .inf, yes, ~, 2001-12-14, 2001-12-14t21:59:43.1-05:00,"
        " x]', Loader=yaml.SafeLoader))"))
    assert printed == ("[1, 31, 2.5, inf, True, None, datetime.date(2001, 12, 14), "
                       "datetime.datetime(2001, 12, 14, 21, 59, 43, 100000, tzinfo="
                       "datetime.timezone(datetime.timedelta(days=-1, seconds=68400))), 'x']")


def test_no_binding_without_pyyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml now raises ImportError
    assert libyaml.binding() is None


def test_no_binding_without_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    yaml = libyaml.binding()
    assert yaml is not None
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    assert libyaml.binding() is None
