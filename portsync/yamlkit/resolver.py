"""The tag a plain YAML scalar gets, by ruamel.yaml's resolver table, without importing ruamel.

A YAML target's rewritten value stays plain only if it reads back as the same
string, in YAML 1.2 and 1.1 (editors/yamlscalar.py), and quickload reads a
registry as ruamel would: both asked ruamel's VersionedResolver, whose import
(ruamel.yaml, ~10-20 ms) came on every drifted check and every sync. This is
its table of implicit resolvers, as ruamel.yaml 0.18/0.19 has it (MIT
licence), looked up the same way: by the first character, in table order,
``re.match``; a string when nothing matches. tests/test_yamlresolve.py checks
it against ruamel's own resolver.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from portsync.lazyre import Lazy

STR = "tag:yaml.org,2002:str"


# (versions, tag, pattern, first characters) -- ruamel/yaml/resolver.py, verbatim
# but for Lazy in place of re.compile: a run needs few of the eleven patterns.
# fmt: off
_TABLE = [
    ([(1, 2)],
        'tag:yaml.org,2002:bool',
        Lazy('''^(?:true|True|TRUE|false|False|FALSE)$''', re.X),
        list('tTfF')),
    ([(1, 1)],
        'tag:yaml.org,2002:bool',
        Lazy('''^(?:y|Y|yes|Yes|YES|n|N|no|No|NO
        |true|True|TRUE|false|False|FALSE
        |on|On|ON|off|Off|OFF)$''', re.X),
        list('yYnNtTfFoO')),
    ([(1, 2)],
        'tag:yaml.org,2002:float',
        Lazy('''^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$''', re.X),
        list('-+0123456789.')),
    ([(1, 1)],
        'tag:yaml.org,2002:float',
        Lazy('''^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*  # sexagesimal float
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$''', re.X),
        list('-+0123456789.')),
    ([(1, 2)],
        'tag:yaml.org,2002:int',
        Lazy('''^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$''', re.X),
        list('-+0123456789')),
    ([(1, 1)],
        'tag:yaml.org,2002:int',
        Lazy('''^(?:[-+]?0b[0-1_]+
        |[-+]?0?[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+
        |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$''', re.X),  # sexagesimal int
        list('-+0123456789')),
    ([(1, 2), (1, 1)],
        'tag:yaml.org,2002:merge',
        Lazy('^(?:<<)$'),
        ['<']),
    ([(1, 2), (1, 1)],
        'tag:yaml.org,2002:null',
        Lazy('''^(?: ~
        |null|Null|NULL
        | )$''', re.X),
        ['~', 'n', 'N', '']),
    ([(1, 2), (1, 1)],
        'tag:yaml.org,2002:timestamp',
        Lazy('''^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \\t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\\.[0-9]*)?
        (?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$''', re.X),
        list('0123456789')),
    ([(1, 2), (1, 1)],
        'tag:yaml.org,2002:value',
        Lazy('^(?:=)$'),
        ['=']),
    # The following resolver is only for documentation purposes. It cannot work
    # because plain scalars cannot start with '!', '&', or '*'.
    ([(1, 2), (1, 1)],
        'tag:yaml.org,2002:yaml',
        Lazy('^(?:!|&|\\*)$'),
        list('!&*')),
]
# fmt: on

INT = "tag:yaml.org,2002:int"

# A test every match of a tag's patterns (both versions') passes, cheaper than
# compiling them: a value that fails it skips the pattern. A port range such
# as ``7000-7799`` then costs no compiling at all.
_BOOL_WORDS = frozenset({"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
                         "true", "True", "TRUE", "false", "False", "FALSE",
                         "on", "On", "ON", "off", "Off", "OFF"})
_CAN_MATCH: dict[str, Callable[[str], bool]] = {
    "tag:yaml.org,2002:bool": lambda value: value.removesuffix("\n") in _BOOL_WORDS,
    "tag:yaml.org,2002:float": lambda value: "." in value or "e" in value or "E" in value,
    INT: lambda value: "-" not in value[1:] and "+" not in value[1:],
    "tag:yaml.org,2002:timestamp": lambda value: value.count("-") >= 2,
}

_BY_VERSION: dict[tuple[int, int], dict[str, list[tuple[str, Lazy]]]] = {}


def _resolvers(version: tuple[int, int]) -> dict[str, list[tuple[str, Lazy]]]:
    found = _BY_VERSION.get(version)
    if found is None:
        found = _BY_VERSION[version] = {}
        for versions, tag, pattern, first in _TABLE:
            if version in versions:
                for char in first:
                    found.setdefault(char, []).append((tag, pattern))
    return found


def resolve(value: str, version: tuple[int, int] = (1, 2)) -> str:
    """The tag ``value`` gets as a plain scalar under YAML ``version``'s schema."""
    digits = value[1:] if value[:1] in ("-", "+") else value
    if version == (1, 2) and digits.isascii() and digits.isdigit():
        return INT  # no float without '.' or 'e', so 1.2's int pattern answers
    for tag, pattern in _resolvers(version).get(value[:1], ()):
        can_match = _CAN_MATCH.get(tag)
        if (can_match is None or can_match(value)) and pattern.match(value):
            return tag
    return STR
