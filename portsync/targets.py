"""Expand targets over {env} and {service}, render their values -> one FileJob per file."""

from __future__ import annotations

from collections.abc import Iterable

from portsync import keypath
from portsync.errors import PortsyncError, RegistryError, raise_all
from portsync.model import Edit, FileJob, Registry, RenderEdit, ReplaceEdit, SetEdit, Target
from portsync.registry.resolution import PortTable
from portsync.templating.context import ContextFactory
from portsync.templating.renderer import Renderer

_BY_SUFFIX = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml", ".env": "env"}


def format_of(path: str, declared: str | None) -> str:
    """The target's format: declared, else guessed from the file name."""
    if declared:
        return declared
    name = path.rsplit("/", 1)[-1].lower()
    if name.startswith(".env.") or name.endswith(".env"):  # .env.* and *.env
        return "env"
    dot = name.rfind(".")
    return _BY_SUFFIX.get(name[dot:], "text") if dot > 0 else "text"


def _mentions(target: Target, placeholder: str) -> bool:
    return placeholder in target.path or any(placeholder in s.key for s in target.sets)


def target_environments(target: Target, registry: Registry) -> list[str]:
    """The environments a target is rendered for (SPEC §2).

    Each one ``{env}`` expands to; without ``{env}``, the one its
    ``environments:`` names, else the registry's default environment, so that
    adding an environment never breaks a target written for one.
    """
    if _mentions(target, "{env}"):
        if target.environments is None:
            return [e.name for e in registry.environments]
        return list(target.environments)
    if target.environments is None:
        return [registry.default_environment]
    if len(target.environments) == 1:
        return list(target.environments)
    raise RegistryError(
        f"target {target.path!r} has no {{env}} in its path but names "
        f"{len(target.environments)} environments: name one, or put {{env}} in the path",
        where=str(target.source))


def _services(target: Target, registry: Registry, env: str) -> list[str | None]:
    if target.services is None and not _mentions(target, "{service}"):
        return [None]
    by_name = {s.name: s for s in registry.services}  # one pass: large registries stay linear
    names = tuple(by_name) if target.services is None else target.services
    return [n for n in names if (svc := by_name.get(n)) is not None and svc.runs_in(env)]


def _expand(text: str, env: str, service: str | None) -> str:
    text = text.replace("{env}", env)
    return text.replace("{service}", service) if service is not None else text


class _Expander:
    def __init__(self, registry: Registry, table: PortTable) -> None:
        self.registry = registry
        self.contexts = ContextFactory(registry, table)
        self.renderer = Renderer(registry.templates_dir, registry.root)
        # key text -> (parsed path, as rendered): `server.port` recurs in every service's file
        self._keys: dict[str, tuple[keypath.KeyPath, str]] = {}

    def edits(self, target: Target, env: str, service: str | None, file: str,
              places: tuple[str, ...]) -> list[Edit]:
        """One file's edits; ``places`` are str() of the target's, its sets' and rules' sources."""
        where = places[0]
        context = self.contexts.build(env, service)
        edits: list[Edit] = []
        for item, place in zip(target.sets, places[1:1 + len(target.sets)], strict=True):
            key_text = _expand(item.key, env, service)
            parsed = self._keys.get(key_text)
            if parsed is None:
                try:
                    path = keypath.parse(key_text)
                except PortsyncError as err:
                    raise RegistryError(err.message, where=place) from err
                parsed = self._keys[key_text] = (path, keypath.render(path))
            value = self.renderer.value(item.value, context, place, key_text, file)
            edits.append(SetEdit(parsed[0], parsed[1], value, item.source))
        for rule, place in zip(target.replace, places[1 + len(target.sets):], strict=True):
            value = self.renderer.value(rule.value, context, place, "replace", file)
            edits.append(ReplaceEdit(rule.pattern, value, rule.source, rule.optional))
        if target.template is not None:
            key = f"block {target.block}" if target.block else f"template {target.template}"
            text = self.renderer.file(target.template, context, where, key, file)
            edits.append(RenderEdit(target.template, target.block, text, target.source))
        return edits


def expand_targets(registry: Registry, table: PortTable, only_envs: Iterable[str] | None = None
                   ) -> list[FileJob]:
    """Every file the registry manages with all its edits, in declaration order."""
    selected = set(only_envs) if only_envs is not None else None
    expander = _Expander(registry, table)
    jobs: dict[str, tuple[str, bool, dict[tuple[str, object], Edit]]] = {}
    owners: dict[str, Target] = {}  # each file's first target
    problems: list[PortsyncError] = []
    for target in registry.targets:
        # Each place shown once per target, not once per file (messages only need them).
        places = (str(target.source), *(str(s.source) for s in target.sets),
                  *(str(r.source) for r in target.replace))
        try:
            for env in target_environments(target, registry):
                if selected is not None and env not in selected:
                    continue
                for service in _services(target, registry, env):
                    path = _expand(target.path, env, service)
                    fmt = format_of(path, target.format)
                    edits = expander.edits(target, env, service, path, places)
                    _merge(jobs, owners, path, fmt, target, edits)
        except PortsyncError as err:
            problems.append(err)
    raise_all(problems)
    return [FileJob(path, fmt, create, tuple(edits.values()))
            for path, (fmt, create, edits) in jobs.items()]


def _kind(target: Target) -> str:
    """What a target does to its file: template, set, replace, or set and replace."""
    if target.template is not None:
        return "template"
    return " and ".join(k for k, on in (("set", target.sets), ("replace", target.replace)) if on)


def _merge(jobs: dict[str, tuple[str, bool, dict[tuple[str, object], Edit]]],
           owners: dict[str, Target], path: str, fmt: str, target: Target, edits: list[Edit]
           ) -> None:
    if target.sets and fmt == "text":
        raise RegistryError(f"{path}: set needs a yaml, json, toml or env file "
                            "(use replace for plain text, or give format:)",
                            where=str(target.source))
    if path not in jobs:
        jobs[path] = (fmt, target.create, {})
        owners[path] = target
    elif _kind(owners[path]) != _kind(target):
        owner = owners[path]
        raise RegistryError(f"{path} is named by two targets of different kinds: "
                            f"{_kind(owner)} ({owner.source}) and {_kind(target)}; "
                            "give the file one target", where=str(target.source))
    known_fmt, create, existing = jobs[path]
    if known_fmt != fmt:
        raise RegistryError(f"{path} is treated both as {known_fmt} and as {fmt}",
                            where=str(target.source))
    for edit in edits:
        first = existing.setdefault(_slot(edit), edit)  # a dict: one lookup, not a scan
        if first is not edit and _value(first) != _value(edit):
            raise RegistryError(f"two values for one key: {_value(first)!r} ({first.source}) "
                              f"and {_value(edit)!r}", where=str(edit.source),
                              key=f"{path}: {_name(edit)}")
    jobs[path] = (fmt, create or target.create, existing)


def _name(edit: Edit) -> str:
    if isinstance(edit, SetEdit):
        return edit.key_text
    if isinstance(edit, RenderEdit):
        return f"block {edit.block}" if edit.block else "template"
    return f"replace {edit.pattern!r}"


def _value(edit: Edit) -> str:
    return edit.text if isinstance(edit, RenderEdit) else edit.value


def _slot(edit: Edit) -> tuple[str, object]:
    """What an edit writes to: two edits of one file with the same slot must agree."""
    if isinstance(edit, SetEdit):
        return ("set", edit.key)
    if isinstance(edit, ReplaceEdit):
        return ("replace", edit.pattern)
    return ("render", edit.block)
