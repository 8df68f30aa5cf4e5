"""Port names per (service, environment): the names the repository gives, ``http`` for the main one.

Keys, Kubernetes port names and compose comments call a port something
(``METRICS_PORT``, ``name: grpc``, ``"9090:9090"  # metrics``); the port its
service declares without another name is ``http``; one no context names is
``port-2``, ``port-3``...
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from portsync.adoption.portrules import key_words

MAIN = "http"
_WELL_KNOWN = {9229: "debug", 5005: "debug", 9464: "metrics", 9465: "metrics"}


@dataclass(frozen=True, slots=True)
class Vote:
    """One mention's say on a (container-side) port's name.

    ``reference``: it only points at the port (``cart:7070`` in another
    service's file), so it cannot make the port the main one.
    """

    service: str
    env: str
    number: int
    hint: str | None
    reference: bool


def comment_name(line_rest: str) -> str | None:
    """A port name from the comment ending a compose port line: ``"9090:9090"  # metrics``."""
    if "#" not in line_rest:
        return None
    words = [w for w in key_words(line_rest.split("#", 1)[1]) if w not in ("port", "ports")]
    if not words or len(words) > 3:
        return None
    return None if words[-1] in ("api", "http", "app", "main", "web") else words[-1]


class PortNamer:
    """Names each (service, environment, number) once, the named and main ones first."""

    def __init__(self, votes: Iterable[Vote]) -> None:
        self.votes: dict[tuple[str, str], dict[int, Counter[str]]] = defaultdict(dict)
        self.rank: dict[tuple[str, str], dict[int, tuple[bool, bool, int]]] = defaultdict(dict)
        for order, vote in enumerate(votes):
            group = (vote.service, vote.env)
            hint = vote.hint or _WELL_KNOWN.get(vote.number)
            if hint and hint not in vote.service.split("-"):
                self.votes[group].setdefault(vote.number, Counter())[hint] += 1
            rank = (vote.reference, hint is not None, order)
            ranks = self.rank[group]
            ranks[vote.number] = min(ranks.get(vote.number, rank), rank)
        self.names: dict[tuple[str, str], dict[int, str]] = {}

    def name(self, service: str, env: str, number: int) -> str:
        """The name of a service's (container-side) port number in an environment."""
        group = self.names.get((service, env))
        if group is None:
            group = self.names[(service, env)] = {}
            votes = self.votes.get((service, env), {})
            for _, known in sorted((r, n) for n, r in self.rank.get((service, env), {}).items()):
                counted = votes.get(known, Counter())
                free = [n for n in counted if n not in group.values()] or list(counted)
                hint = max(free, key=lambda n: (counted[n], n)) if free else None
                group[known] = _fresh(group, hint)
        if number not in group:
            group[number] = _fresh(group, None)
        return group[number]


def _fresh(group: dict[int, str], hint: str | None) -> str:
    used = set(group.values())
    base = name = hint or MAIN
    count = 1
    while name in used:
        count += 1
        name = f"{base}-{count}" if base != MAIN else f"port-{count}"
    return name
