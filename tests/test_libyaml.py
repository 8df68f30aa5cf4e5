"""PyYAML imported through yamlkit.libyaml: the seeded pattern is PyYAML's, exactly."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from portsync.yamlkit import libyaml


def _fresh(code: str) -> str:
    """What ``code`` prints in a new interpreter (nothing imported, nothing cached)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def test_the_complement_matches_the_same_code_points() -> None:
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    slow = re.compile(libyaml.NON_PRINTABLE)
    fast = re.compile(libyaml.COMPLEMENT)
    found = [m.start() for m in fast.finditer(every)]
    assert found == [m.start() for m in slow.finditer(every)]
    assert len(found) == 2111  # 29 C0, 32 DEL and C1, 2048 surrogates, U+FFFE, U+FFFF


def test_the_pattern_is_pyyamls_own() -> None:
    printed = _fresh("import yaml; print(ascii(yaml.reader.Reader.NON_PRINTABLE.pattern))")
    assert printed == ascii(libyaml.NON_PRINTABLE)


def test_pyyaml_gets_the_complement_and_the_cache_forgets_it() -> None:
    printed = _fresh(
        "import re; from portsync.yamlkit import libyaml\n"
        "yaml = libyaml.binding()\n"
        "print(yaml.reader.Reader.NON_PRINTABLE.pattern == libyaml.COMPLEMENT,\n"
        "      (str, libyaml.NON_PRINTABLE, 0) in re._cache)")
    assert printed == "True False"


def test_the_pure_python_reader_still_refuses_a_control_character() -> None:
    printed = _fresh(
        "from portsync.yamlkit import libyaml\n"
        "yaml = libyaml.binding()\n"
        "try:\n"
        "    yaml.safe_load('a: b\\x07')\n"
        "except yaml.reader.ReaderError as error:\n"
        "    print(error.character, error.position)\n")
    assert printed == "7 4"  # the code point, where it stands


def test_no_binding_without_pyyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml now raises ImportError
    assert libyaml.binding() is None


def test_no_binding_without_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    yaml = libyaml.binding()
    assert yaml is not None
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    assert libyaml.binding() is None
