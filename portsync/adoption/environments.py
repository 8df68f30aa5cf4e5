"""Which environments a repository has: only file sets that really repeat per environment.

``config/production.yaml`` beside ``config/development.yaml`` is a set; a lone
``docker-compose.test.yml`` or ``docs/development-guide.md`` is not, so it names
no environment. Once a set has proposed an environment, a data file that names
it (``.env.production``) belongs to it too.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

ENV_ALIASES = {"production": "production", "prod": "production", "staging": "staging",
               "stage": "staging", "development": "development", "dev": "development",
               "local": "development", "test": "test", "testing": "test"}
ENV_ORDER = ("production", "staging", "development", "test")
DEFAULT_ENV = "default"
_WORD = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(ENV_ALIASES) + r")(?![A-Za-z0-9])",
                   re.IGNORECASE)
_SET_KINDS = ("yaml", "json", "toml", "env", "dockerfile", "nginx", "shell")
_DATA_KINDS = ("yaml", "json", "toml", "env")


@dataclass(frozen=True, slots=True)
class Slot:
    """A place where a path names an environment: the path with ``{env}`` there, and the word."""

    pattern: str
    word: str

    @property
    def env(self) -> str:
        """The environment the word stands for (``prod`` -> production)."""
        return ENV_ALIASES[self.word.lower()]


@dataclass(frozen=True, slots=True)
class Environments:
    """The proposed environments (as the repository spells them) and each file's, if any."""

    names: tuple[str, ...]
    of_file: dict[str, str | None]
    spelling: dict[str, str]  # canonical name -> the name used in the proposal

    def named(self, path: str) -> str | None:
        """The environment a file belongs to by its name, if any."""
        return self.of_file.get(path)


def slots(path: str) -> list[Slot]:
    """Every place the file name (or a whole folder name) names an environment."""
    head, _, name = path.rpartition("/")
    prefix = head + "/" if head else ""
    found = [Slot(prefix + name[:m.start()] + "{env}" + name[m.end():], m.group(1))
             for m in _WORD.finditer(name)]
    parts = head.split("/") if head else []
    for index, part in enumerate(parts):
        if part.lower() in ENV_ALIASES:
            pattern = "/".join([*parts[:index], "{env}", *parts[index + 1:], name])
            found.append(Slot(pattern, part))
    return found


def find_environments(paths: list[str], kind_of: dict[str, str]) -> Environments:
    """Environments from file sets that repeat per environment, and each file's environment."""
    by_pattern: dict[str, set[str]] = defaultdict(set)
    for path in paths:
        if kind_of[path] in _SET_KINDS:
            for slot in slots(path):
                by_pattern[slot.pattern].add(slot.env)
    repeating = {p for p, envs in by_pattern.items() if len(envs) > 1}
    words: Counter[tuple[str, str]] = Counter()
    for path in paths:
        for slot in slots(path):
            if slot.pattern in repeating:
                words[(slot.env, slot.word.lower())] += 1
    proposed = {env for env, _ in words}
    spelling = {env: max((w for e, w in words if e == env), key=lambda w: (words[(env, w)], w))
                for env in proposed}
    of_file: dict[str, str | None] = {}
    for path in paths:
        chosen = None
        for slot in slots(path):
            if slot.env in proposed and (slot.pattern in repeating
                                         or kind_of[path] in _DATA_KINDS):
                chosen = spelling[slot.env]
                break
        of_file[path] = chosen
    names = tuple(spelling[e] for e in ENV_ORDER if e in proposed) or (DEFAULT_ENV,)
    return Environments(names, of_file, spelling)
