"""Targets that repeat per service become one ``{service}`` target, as a maintainer writes them.

``services/cart/config/{env}.yaml`` and ``services/email/config/{env}.yaml``
with the same keys, each holding its own service's ports, become one target
on ``services/{service}/config/{env}.yaml`` whose values say ``port(service)``.
In a file shared by many services (a docker-compose file), the keys written
per service (``services.cart.ports[0]``) become ``services.{service}.ports[0]``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class Entry:
    """What one target sets and replaces: key path -> value, pattern -> value."""

    sets: dict[str, str] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)


@dataclass
class Spec:
    """One target to propose: its path, environments, entries, the files it covers, services."""

    path: str
    envs: list[str] | None
    entry: Entry
    files: tuple[str, ...]
    services: list[str] | None = None


_TOKENS = re.compile(r"[^.\[\]=,\"'/ ]+")


def _at_word(text: str, service: str) -> list[int]:
    """Where ``service`` stands in ``text`` as a whole word (not inside ``cart-db``)."""
    found, at = [], text.find(service)
    while at >= 0:
        end = at + len(service)
        if (at == 0 or not _wordish(text[at - 1])) and (end == len(text) or
                                                        not _wordish(text[end])):
            found.append(at)
        at = text.find(service, end)
    return found


def _wordish(char: str) -> bool:
    return char.isalnum() or char in "_-"


def _has(text: str, service: str) -> bool:
    return bool(_at_word(text, service))


def _sub(text: str, service: str) -> str:
    """``text`` with the service's name, where it stands as a word, as ``{service}``."""
    out, pos = [], 0
    for at in _at_word(text, service):
        out += [text[pos:at], "{service}"]
        pos = at + len(service)
    return "".join(out) + text[pos:]


def _named(text: str, services: set[str]) -> str | None:
    """The one service a path or key names by a whole segment (a folder, ``.cart.``), if one."""
    found = {t for t in _TOKENS.findall(text) if t in services}
    return found.pop() if len(found) == 1 else None


def _values(value: str, service: str) -> set[str]:
    """A value as written, and with ``port('cart', ...)`` as ``port(service, ...)``.

    The second only when cart appears nowhere else in it; which one a group
    keeps is decided by its members (``upstream: port('web')`` in every
    service's file, web's own included, stays literal).
    """
    general = value.replace(f"('{service}'", "(service")
    return {value} if _has(general, service) else {value, general}


@dataclass
class _Member:
    service: str
    spec: Spec
    sets: dict[str, set[str]]  # generalized key -> the values it may stand for
    rules: dict[str, set[str]]


def _member(service: str, spec: Spec) -> _Member:
    return _Member(service, spec,
                   {_sub(k, service): _values(v, service)
                    for k, v in spec.entry.sets.items()},
                   {k: _values(v, service) for k, v in spec.entry.rules.items()})


def _chosen(members: list[_Member], field_name: str) -> dict[str, str]:
    """For each key the value most members can stand for."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for member in members:
        for key, values in getattr(member, field_name).items():
            votes[key].update(values)
    return {k: max(sorted(v), key=lambda value: (v[value], "(service" in value))
            for k, v in votes.items()}


def _fits(member: _Member, sets: dict[str, str], rules: dict[str, str]) -> bool:
    return set(member.sets) == set(sets) and set(member.rules) == set(rules) and \
        all(sets[k] in v for k, v in member.sets.items()) and \
        all(rules[k] in v for k, v in member.rules.items())


def _by_path(specs: list[Spec], services: set[str]) -> list[Spec]:
    buckets: dict[tuple[str, tuple[str, ...]], list[_Member]] = defaultdict(list)
    out: list[Spec] = []
    for spec in specs:
        service = _named(spec.path, services) if spec.services is None else None
        if service is None or any(_has(p, service) for p in spec.entry.rules):
            out.append(spec)
            continue
        path = _sub(spec.path, service)
        buckets[(path, tuple(spec.envs or ()))].append(_member(service, spec))
    for (path, _), members in buckets.items():
        shapes = Counter((frozenset(m.sets), frozenset(m.rules)) for m in members)
        keys, patterns = shapes.most_common(1)[0][0]
        alike = [m for m in members if (frozenset(m.sets), frozenset(m.rules)) == (keys, patterns)]
        sets, rules = _chosen(alike, "sets"), _chosen(alike, "rules")
        group = [m for m in alike if _fits(m, sets, rules)]
        if len(group) < 2:
            out += [m.spec for m in members]
            continue
        grouped = {id(m) for m in group}
        out += [m.spec for m in members if id(m) not in grouped]
        files = tuple(f for m in group for f in m.spec.files)
        out.append(Spec(path, group[0].spec.envs, Entry(sets, rules), files,
                        sorted(m.service for m in group)))
    return out


def _by_key(spec: Spec, services: set[str]) -> list[Spec]:
    """Keys a shared file holds per service (``services.cart.ports[0]``) as one target."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for key, value in spec.entry.sets.items():
        service = _named(key, services) if spec.services is None else None
        general = value.replace(f"('{service}'", "(service") if service else None
        if service and general is not None and not _has(general, service):
            groups[(_sub(key, service), general)].append((service, key))
    made: list[Spec] = []
    for (key, value), members in groups.items():
        if len(members) > 1:
            for _, original in members:
                del spec.entry.sets[original]
            made.append(Spec(spec.path, spec.envs, Entry({key: value}), spec.files,
                             sorted(s for s, _ in members)))
    kept = [spec] if spec.entry.sets or spec.entry.rules else []
    return kept + _merge(made)


def _merge(made: list[Spec]) -> list[Spec]:
    """Per-service keys of one file over the same services: one target with every key."""
    merged: dict[tuple[str, ...], Spec] = {}
    for spec in made:
        key = tuple(spec.services or ())
        if key in merged:
            merged[key].entry.sets.update(spec.entry.sets)
        else:
            merged[key] = spec
    return list(merged.values())


def by_service(specs: list[Spec], services: list[str]) -> list[Spec]:
    """The targets with every per-service repetition folded into ``{service}`` targets.

    A target folded over every proposed service needs no ``services:`` list.
    """
    names = set(services)
    out = [s for spec in _by_path(specs, names) for s in _by_key(spec, names)]
    for spec in out:
        if spec.services is not None and set(spec.services) == names:
            spec.services = None if "{service}" in spec.path or any(
                "{service}" in k for k in spec.entry.sets) else spec.services
    return out
