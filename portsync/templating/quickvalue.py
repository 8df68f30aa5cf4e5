"""Values made of text and ``{{ port(...) }}``-like calls, rendered without Jinja, identically.

Nearly every ``set:`` value is one of a few shapes: ``{{ port('x') }}``,
``{{ host_port(service, 'grpc') }}:{{ port(service, 'grpc') }}``,
``http://courier:{{ port('courier') }}``, ``{{ url('passeur') }}``. A large
repository renders thousands of them; through Jinja each render costs a new
context and a sandboxed call (a third of a cold 1,000-service check, and the
jinja2 import on a check that has no template file). This module recognises
text and calls of ``port``, ``host_port`` and ``url`` whose arguments are
plain string literals, ``service`` or ``env``, calls the same context
functions Jinja would, and joins ``str()`` of the results as Jinja does.
Anything else (filters, other names, escapes in strings, braces in the text)
is not recognised, and any exception in a call hands the value back to
Jinja, which reports the error with its usual wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_FUNCTIONS = ("port", "host_port", "url")
_KEYWORDS = ("name", "env", "scheme", "host", "path")
_VARIABLES = ("service", "env")
_EXPRESSION = re.compile(r"\{\{[ ]*([a-z_]+)\(([^(){}]*)\)[ ]*\}\}")
_ARGUMENT = re.compile(r"[ ]*(?:([a-z]+)[ ]*=[ ]*)?('[^'\\]*'|\"[^\"\\]*\"|[a-z_]+)[ ]*")

# ("text", literal) or ("call", function, positional arguments, keyword arguments); each
# argument ("str", value) or ("name", variable).
_Part = tuple[Any, ...]
_parsed: dict[str, tuple[_Part, ...] | None] = {}


def _argument(text: str) -> tuple[str | None, tuple[str, str]] | None:
    match = _ARGUMENT.fullmatch(text)
    if match is None:
        return None
    keyword, value = match[1], match[2]
    if keyword is not None and keyword not in _KEYWORDS:
        return None
    if value[0] in "'\"":
        return keyword, ("str", value[1:-1])
    return (keyword, ("name", value)) if value in _VARIABLES else None


def _call(function: str, arguments: str) -> _Part | None:
    if function not in _FUNCTIONS:
        return None
    positional: list[tuple[str, str]] = []
    keywords: dict[str, tuple[str, str]] = {}
    for piece in arguments.split(",") if arguments.strip() else ():
        parsed = _argument(piece)
        if parsed is None or (parsed[0] is None and keywords) or parsed[0] in keywords:
            return None  # not ours, or an error Jinja words (positional after keyword...)
        if parsed[0] is None:
            positional.append(parsed[1])
        else:
            keywords[parsed[0]] = parsed[1]
    return ("call", function, tuple(positional), keywords)


def parse(text: str) -> tuple[_Part, ...] | None:
    """The parts of a value this module can render, or None (Jinja renders it)."""
    if text in _parsed:
        return _parsed[text]
    parts: list[_Part] | None = []
    last = 0
    for match in _EXPRESSION.finditer(text):
        call = _call(match[1], match[2])
        literal = text[last:match.start()]
        if call is None or parts is None or "{" in literal or "}" in literal:
            parts = None
            break
        if literal:
            parts.append(("text", literal))
        parts.append(call)
        last = match.end()
    tail = text[last:]
    if parts is not None and ("{" in tail or "}" in tail or not parts):
        parts = None
    elif parts is not None and tail:
        parts.append(("text", tail))
    result = None if parts is None else tuple(parts)
    _parsed[text] = result
    return result


def render(text: str, context: dict[str, Any]) -> str | None:
    """The value as Jinja would render it, or None to let Jinja render it (and word errors)."""
    parts = parse(text)
    if parts is None:
        return None
    out: list[str] = []
    try:
        for part in parts:
            if part[0] == "text":
                out.append(part[1])
                continue
            _, function, positional, keywords = part
            call: Callable[..., Any] = context[function]
            args = [value if kind == "str" else context[value] for kind, value in positional]
            if keywords:
                result = call(*args, **{k: value if kind == "str" else context[value]
                                        for k, (kind, value) in keywords.items()})
            else:
                result = call(*args)
            out.append(str(result))
    except Exception:  # Jinja runs the same call again and words the error its way
        return None
    return "".join(out)
