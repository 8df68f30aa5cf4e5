"""Patterns compiled on first use answer as re's own (portsync.lazyre)."""

from __future__ import annotations

import re

import pytest

from portsync.lazyre import Lazy


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
