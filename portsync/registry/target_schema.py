"""Schema checks of ports.yaml's ``targets:`` section: paths, formats, set, template, replace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portsync.errors import PortsyncError
from portsync.model import ReplaceRule, SetValue, Target
from portsync.registry.reader import Reader, describe, is_int

FORMATS = ("yaml", "json", "toml", "env", "text")
TARGET_KEYS = (
    "path", "format", "set", "services", "environments", "create", "template", "block", "replace",
)
RULE_KEYS = ("pattern", "value", "optional")


class TargetReader(Reader):
    """Reads the ``targets:`` list; the registry sections are read by its subclass."""

    def value(self, container: Any, key: Any, what: str) -> str | None:
        """A set or replace value: a string or a number, as text."""
        value = container[key]
        if isinstance(value, str) or is_int(value):
            return str(value)
        self.error(container, key, f"{what} must be a string or a number, not {describe(value)}")
        return None

    def target(self, targets: Any, index: int, service_names: tuple[str, ...]) -> Target | None:
        """One target of the list, or None after recording a problem."""
        spec = targets[index]
        what = f"targets[{index}]"
        if not isinstance(spec, Mapping):
            self.error(targets, index, f"{what} must be a mapping with a path")
            return None
        self.known_keys(spec, TARGET_KEYS, what)
        path = self.text(spec, "path", what)
        if path is None:
            if "path" not in spec:
                self.error(targets, index, f"{what} needs a 'path'")
            return None
        fmt = self.text(spec, "format", what)
        if fmt is not None and fmt not in FORMATS:
            self.error(spec, "format", f"{what}.format must be one of {', '.join(FORMATS)}")
        if not any(k in spec for k in ("set", "template", "replace")):
            self.error(targets, index, f"{what} needs set, replace or template")
        elif "template" in spec and ("set" in spec or "replace" in spec):
            self.error(spec, "template", f"{what}.template goes alone: it renders the file "
                       "that set and replace would edit", of_value=False)
        if "block" in spec and "template" not in spec:
            self.error(spec, "block", f"{what}.block goes with a template")
        sets = []
        section = self.mapping(spec, "set", f"{what}.set")
        for key in section or {}:
            rendered = self.value(section, key, f"{what}.set.{key}")
            if not isinstance(key, str):
                self.error(section, key, f"{what}.set keys must be strings", of_value=False)
            elif rendered is not None:
                sets.append(SetValue(key, rendered, self.at(section, key, of_value=False)))
        return Target(
            path=path,
            format=fmt,
            sets=tuple(sets),
            replace=self.replace_rules(spec, what),
            template=self.text(spec, "template", what),
            block=self.text(spec, "block", what),
            services=self.names(spec, "services", service_names, "service", what),
            environments=self.names(spec, "environments", self.env_names, "environment", what),
            create=self.flag(spec, "create", what) or "template" in spec,
            source=self.at(targets, index),
        )

    def replace_rules(self, spec: Mapping[Any, Any], what: str) -> tuple[ReplaceRule, ...]:
        """The ``replace:`` rules of a target, each a valid regex with a group."""
        rules = spec.get("replace")
        if rules is None:
            return ()
        if not isinstance(rules, list):
            self.error(spec, "replace", f"{what}.replace must be a list of pattern/value pairs")
            return ()
        found = []
        for index, rule in enumerate(rules):
            where = f"{what}.replace[{index}]"
            if not isinstance(rule, Mapping) or "pattern" not in rule or "value" not in rule:
                self.error(rules, index, f"{where} needs 'pattern' and 'value'")
                continue
            self.known_keys(rule, RULE_KEYS, where)
            pattern = self.text(rule, "pattern", where)
            value = self.value(rule, "value", f"{where}.value")
            optional = self.flag(rule, "optional", where)
            if pattern is None or value is None:
                continue
            from portsync.patterns import compile_pattern  # the engine the text editor runs

            try:
                compile_pattern(pattern)
            except PortsyncError as err:
                self.error(rule, "pattern", f"{where}.{err.message}")
                continue
            found.append(ReplaceRule(pattern, value, self.at(rules, index), optional))
        return tuple(found)

    def targets(self, data: Mapping[Any, Any], service_names: tuple[str, ...]
                ) -> tuple[Target, ...]:
        """Every valid target, in order."""
        section = data.get("targets")
        if section is None:
            return ()
        if not isinstance(section, list):
            self.error(data, "targets", "targets must be a list")
            return ()
        found = []
        for index in range(len(section)):
            target = self.target(section, index, service_names)
            if target is not None:
                found.append(target)
        return tuple(found)


