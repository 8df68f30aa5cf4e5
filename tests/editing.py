"""Helpers shared by the editor tests: build edits, check that only a value's bytes changed."""

from __future__ import annotations

from collections.abc import Callable

from portsync import keypath
from portsync.editors import Edited
from portsync.model import SetEdit, Source


def set_edits(*pairs: tuple[str, str]) -> list[SetEdit]:
    """One SetEdit per ``(key path, value)`` pair."""
    paths = [(keypath.parse(key), value) for key, value in pairs]
    return [SetEdit(p, keypath.render(p), v, Source("ports.yaml", 1, 1)) for p, v in paths]


def assert_only_value_changes(apply: Callable[[str], Edited], original: str, old: str,
                              new: str) -> None:
    """With LF and with CRLF: the result is ``original`` with its one ``old`` made ``new``."""
    for newline in ("\n", "\r\n"):
        text = original.replace("\n", newline)
        assert text.count(old) == 1, "the fixture's old text must be unique"
        result = apply(text)
        assert result.text == text.replace(old, new)
        assert len(result.changes) == 1
