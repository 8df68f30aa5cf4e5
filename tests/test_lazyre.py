"""Patterns compiled on first use answer as re's own (portsync.lazyre)."""

from __future__ import annotations

import re

import pytest

from portsync.lazyre import Lazy, StandIn, deferred


def test_nothing_is_compiled_before_a_method_needs_it() -> None:
    pattern = Lazy(r"(unbalanced")  # made without error: not compiled yet
    with pytest.raises(re.error):
        pattern.search("x")


def test_every_method_answers_as_the_compiled_pattern() -> None:
    source, flags, text = r"(?P<n>\d+) port", re.IGNORECASE, "web 80 PORT, api 8080 port"
    lazy, eager = Lazy(source, flags), re.compile(source, flags)
    assert lazy.match(text) is None and eager.match(text) is None
    assert lazy.match(text, 4).group("n") == eager.match(text, 4).group("n") == "80"  # type: ignore[union-attr]
    assert lazy.fullmatch("80 port").span() == eager.fullmatch("80 port").span()  # type: ignore[union-attr]
    assert lazy.search(text, 10).group() == eager.search(text, 10).group()  # type: ignore[union-attr]
    assert lazy.sub("#", text, 1) == eager.sub("#", text, 1) == "web #, api 8080 port"
    assert lazy.compiled is lazy.compiled


def test_a_stand_in_answers_every_attribute_of_the_pattern() -> None:
    source, text = r"(?P<n>\d+)[,;]", "80,443;8080"
    stand_in, eager = StandIn(source), re.compile(source)
    assert stand_in.findall(text) == eager.findall(text) == ["80", "443"]
    assert stand_in.split(text) == eager.split(text)
    assert [m.span() for m in stand_in.finditer(text)] == [m.span() for m in eager.finditer(text)]
    assert stand_in.subn("", text) == eager.subn("", text)
    assert (stand_in.pattern, stand_in.flags, stand_in.groups, stand_in.groupindex) == \
        (eager.pattern, eager.flags, eager.groups, eager.groupindex)
    with pytest.raises(AttributeError):
        stand_in.no_such_method  # noqa: B018


def _compile_as(module: str, *args: object) -> object:
    """What ``re.compile(*args)`` returns to code of ``module``."""
    scope: dict[str, object] = {"__name__": module, "re": re, "args": args}
    exec("made = re.compile(*args)", scope)  # as code of that module: what deferred() reads
    return scope["made"]


def test_deferred_hands_stand_ins_to_the_named_modules_only() -> None:
    compile_now = re.compile
    with deferred("yaml", "jinja2.utils"):
        for module in ("yaml", "yaml.reader", "jinja2.utils"):
            assert type(_compile_as(module, "[a-z]+")) is StandIn, module
        for module in ("yamlfix", "jinja2", "jinja2.lexer", "json.decoder", "__main__"):
            assert type(_compile_as(module, "[a-z]+")) is re.Pattern, module
        already = compile_now("x")
        assert _compile_as("yaml", already, 0) is already  # a compiled pattern stays itself
        assert _compile_as("yaml", "(unbalanced") is not None  # its error waits for its use
    assert re.compile is compile_now


def test_deferred_restores_re_compile_when_the_import_fails() -> None:
    compile_now = re.compile
    with pytest.raises(ImportError), deferred("no_such_module"):
        import no_such_module  # type: ignore[import-not-found]  # noqa: F401
    assert re.compile is compile_now
