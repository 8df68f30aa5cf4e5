"""The shared walker of a loaded YAML document: typed reads that record problems with positions."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from portsync.errors import PortsyncError, RegistryError
from portsync.model import Notice, PortRange, Source
from portsync.yamlkit import parsers

RANGE_KEYS = ("from", "to", "reserved", "description")
_RANGE_TEXT = re.compile(r"\s*(\d+)\s*-\s*(\d+)\s*")


def is_int(value: object) -> bool:
    """A YAML integer (bools are not ports)."""
    return isinstance(value, int) and not isinstance(value, bool)


class Reader:
    """Walks a loaded document, collecting problems with their positions."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[PortsyncError] = []
        self.warnings: list[Notice] = []
        self.env_names: tuple[str, ...] = ()
        self.range_names: tuple[str, ...] = ()

    def at(self, container: Any, key: Any, *, of_value: bool = False) -> Source:
        """The source position of a key (or, with ``of_value``, of its value)."""
        line, col = parsers.position(container, key, of_value=of_value)
        return Source(self.label, line, col)

    def error(self, container: Any, key: Any, message: str, *, of_value: bool = True) -> None:
        """Record a problem at a key or its value."""
        where = str(self.at(container, key, of_value=of_value))
        self.problems.append(RegistryError(message, where=where))

    def mapping(self, container: Any, key: Any, what: str) -> Mapping[Any, Any] | None:
        """The mapping under ``key`` ({} when absent), or None after recording a problem."""
        value = container.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(container, key, f"{what} must be a mapping")
            return None
        return value

    def known_keys(self, data: Mapping[Any, Any], allowed: tuple[str, ...], what: str) -> None:
        """Record every key of ``data`` that is not in ``allowed``."""
        for key in data:
            if key not in allowed:
                hint = ", ".join(allowed)
                self.error(data, key, f"unknown key {key!r} in {what} (allowed: {hint})",
                           of_value=False)

    def typed(self, data: Mapping[Any, Any], key: str, check: Callable[[Any], bool],
              kind: str, what: str) -> Any:
        """The value under ``key`` if ``check`` accepts it; else None, recording a problem."""
        if key not in data or data[key] is None:
            return None
        value = data[key]
        if not check(value):
            self.error(data, key, f"{what}.{key} must be {kind}, not {describe(value)}")
            return None
        return value

    def text(self, data: Mapping[Any, Any], key: str, what: str) -> str | None:
        """A string value, or None."""
        value = self.typed(data, key, lambda v: isinstance(v, str), "a string", what)
        return None if value is None else str(value)

    def flag(self, data: Mapping[Any, Any], key: str, what: str) -> bool:
        """A boolean value (absent: False)."""
        return bool(self.typed(data, key, lambda v: isinstance(v, bool), "true or false", what))

    def port_number(self, container: Any, key: Any, what: str) -> int | None:
        """An int in 1..65535 (below 1024 also warns), or None after recording a problem."""
        value = container[key]
        if not is_int(value):
            self.error(container, key, f"{what} must be an integer port, not {describe(value)}")
            return None
        if not 1 <= value <= 65535:
            self.error(container, key, f"{what} = {value} is not a port (1..65535)")
            return None
        if value < 1024:
            self.warnings.append(Notice(self.at(container, key, of_value=True),
                                        f"{what} = {value} is a privileged port"))
        return int(value)

    def name(self, container: Any, key: Any, what: str) -> str | None:
        """A mapping key used as a name: a non-empty string, else None after recording it."""
        if isinstance(key, str) and key:
            return key
        self.error(container, key, f"{what} names must be strings, not {describe(key)}",
                   of_value=False)
        return None

    def names(self, data: Mapping[Any, Any], key: str, known: tuple[str, ...], kind: str,
              what: str) -> tuple[str, ...] | None:
        """A list of names that must all be ``known``, or None when absent."""
        if key not in data or data[key] is None:
            return None
        value = data[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(data, key, f"{what}.{key} must be a list of {kind} names")
            return None
        for index, name in enumerate(value):
            if name not in known:
                self.error(value, index, f"unknown {kind} {name!r} in {what}.{key}")
        return tuple(str(v) for v in value)

    def port_range(self, container: Any, key: Any, name: str, what: str) -> PortRange | None:
        """A range written 'FROM-TO' or as a mapping with from/to, or None."""
        value = container[key]
        source = self.at(container, key, of_value=True)
        if isinstance(value, str):
            m = _RANGE_TEXT.fullmatch(value)
            if m is None:
                self.error(container, key, f"{what} must look like 8000-8099, not {value!r}")
                return None
            start, end, reserved, description = int(m[1]), int(m[2]), False, ""
        elif isinstance(value, Mapping):
            self.known_keys(value, RANGE_KEYS, what)
            for bound in ("from", "to"):
                if bound not in value:
                    self.error(container, key, f"{what} needs '{bound}'")
                    return None
            warned = len(self.warnings)
            start_v = self.port_number(value, "from", f"{what}.from")
            end_v = self.port_number(value, "to", f"{what}.to")
            del self.warnings[warned:]  # a range is not a listening port: its services warn
            if start_v is None or end_v is None:
                return None
            start, end = start_v, end_v
            reserved = self.flag(value, "reserved", what)
            description = self.text(value, "description", what) or ""
        else:
            self.error(container, key, f"{what} must be 'FROM-TO' or a mapping with from/to")
            return None
        if not 1 <= start <= end <= 65535:
            self.error(container, key, f"{what} {start}-{end} is not a valid port range")
            return None
        return PortRange(name, start, end, reserved, description, source)


def position_key(error: PortsyncError) -> tuple[int, int]:
    """Sort key: problems are reported in the order of the file."""
    _, line, col = (error.where or "::").rsplit(":", 2)
    return (int(line or 0), int(col or 0))


def describe(value: object) -> str:
    """A value as messages name it: "a mapping", "the string 'x'"..."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return repr(value)
