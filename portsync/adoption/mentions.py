"""The records a scan yields, and the rules for one scalar value under its key."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from portsync.adoption.portrules import (
    Hit,
    hits_in,
    is_address_key,
    is_port_key,
    mapping_hits,
    port_value,
)
from portsync.keypath import KeyPath, Selector

_MAPPING_LISTS = {"ports", "expose"}


WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob",
             "ReplicationController"}


@dataclass(frozen=True, slots=True)
class Document:
    """A Kubernetes-style YAML document: its kind, ``metadata.name`` and the app it selects."""

    kind: str
    name: str
    app: str | None = None

    @property
    def is_object(self) -> bool:
        """A workload or a Service: a document that belongs to one service."""
        return self.kind in WORKLOADS or self.kind == "Service"

    @property
    def owner(self) -> str:
        """That service's name as written: a workload's own, a Service's selected app."""
        return self.name if self.kind in WORKLOADS or not self.app else self.app


@dataclass(frozen=True, slots=True)
class Mention:
    """A number a file uses as a port.

    ``start``/``end`` index its digits in the file's text; in data files ``key``
    is the value's key path (None when no key path can reach it: through a
    ``<<`` merge, in a TOML array of tables) and ``value`` the whole scalar,
    the digits at ``offset`` inside it (``value`` is None when the source is
    not the literal value, e.g. an escaped string). ``selectors`` holds, for
    each list index of ``key``, the ``FIELD=VALUE`` condition that picks that
    item alone (or None); ``document`` is the Kubernetes-style document it is in.
    ``label`` is what its context calls the value: a Kubernetes env entry's
    ``name``, the first cell of its Markdown table row.
    """

    path: str
    line: int
    start: int
    end: int
    port: int
    rule: str
    key: KeyPath | None = None
    value: str | None = None
    offset: int = 0
    host: str | None = None
    selectors: tuple[Selector | None, ...] = ()
    document: Document | None = None
    label: str | None = None


class Lines:
    """Line numbers of character indexes, in log time (a big file has thousands)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def of(self, index: int) -> int:
        """The 1-based line of a character index."""
        return bisect.bisect_right(self.starts, index)


def mention(path: str, lines: Lines, at: int, hit: Hit, key: KeyPath | None = None,
             value: str | None = None, **more: Any) -> Mention:
    """The mention of a hit found at index ``at`` of the file's text."""
    return Mention(path, lines.of(at + hit.start), at + hit.start, at + hit.end, hit.port,
                   hit.rule, key, value, hit.start, hit.host, **more)


def value_hits(name: str | None, value: str, in_list: str | None, item: bool = False
                ) -> list[Hit]:
    """The rules for one scalar under key ``name``.

    ``in_list``: the key of the list it sits in (``item``: directly, not in a mapping).
    """
    mapping_list = in_list in _MAPPING_LISTS
    if mapping_list and item:
        hits = mapping_hits(value)
        if hits:
            return hits
    long_form = mapping_list and name in ("published", "target", "host_ip")
    if (name is not None and is_port_key(name)) or long_form:
        port = port_value(value)
        if port is not None:
            lead = value.find(str(port))
            return [Hit(lead, lead + len(str(port)), port, "key")]
    return hits_in(value, address=name is not None and is_address_key(name))
