"""Walk the node trees of YAML (and JSON) documents for port mentions, each value once.

In YAML, a value is found once, where it is written: an alias or a ``<<``
merge does not repeat it, and a value written below a ``<<`` has no key path.
List items carry the selector that picks them alone (``[name=web]``,
``[kind=Service,metadata.name=cart]``) for ``import``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace as dataclass_replace
from typing import Any

from portsync.adoption.mentions import Document, Lines, Mention, mention, value_hits
from portsync.adoption.portrules import hits_in
from portsync.keypath import KeyPath, Selector

MERGE_KEY = "<<"


def child(node: Any, key: str) -> Any:
    """``node[key]`` of a mapping node, or None."""
    if getattr(node, "id", None) != "mapping":
        return None
    return next((v for k, v in node.value if getattr(k, "value", None) == key), None)


def scalar(node: Any, key: str) -> str | None:
    """The text of ``node[key]`` when node is a mapping and that value a non-empty scalar."""
    value = getattr(child(node, key), "value", None)
    return value if isinstance(value, str) and value else None


def _doc_selectors(documents: list[Any]) -> list[Selector | None]:
    """``[kind=Deployment,metadata.name=cart]`` for each document that it picks alone."""
    chosen: list[Selector | None] = []
    for document in documents:
        kind, name = scalar(document, "kind"), scalar(child(document, "metadata"), "name")
        chosen.append(Selector(((("kind",), kind), (("metadata", "name"), name)))
                      if kind and name else None)
    return _unique(chosen)


def _item_selectors(items: list[Any]) -> list[Selector | None]:
    """For each item of a list, ``[name=X]`` when its ``name`` is unique among them."""
    names = [scalar(item, "name") for item in items]
    return _unique([Selector(((("name",), n),)) if n is not None else None for n in names])


def _unique(selectors: list[Selector | None]) -> list[Selector | None]:
    counts = Counter(selectors)
    return [s if counts[s] == 1 else None for s in selectors]


class _Walker:
    """Yield the mentions of a YAML node tree, each written value once."""

    def __init__(self, path: str, text: str, lines: Lines) -> None:
        self.path, self.text, self.lines = path, text, lines
        self.seen: set[int] = set()  # nodes already walked: an alias repeats none
        self.document: Document | None = None

    def document_root(self, node: Any) -> None:
        """Remember the Kubernetes-style document about to be walked, if it is one."""
        kind, name = scalar(node, "kind"), scalar(child(node, "metadata"), "name")
        selector = child(child(node, "spec"), "selector")
        app = scalar(selector, "app") or scalar(child(selector, "matchLabels"), "app")
        self.document = Document(kind, name, app) if kind and name else None

    def walk(self, node: Any, key: KeyPath, in_list: str | None,
             selectors: tuple[Selector | None, ...], merged: bool = False) -> Iterator[Mention]:
        """The mentions under ``node`` at key path ``key`` (``merged``: below a ``<<``)."""
        while node.id == "alias":  # *anchor: the node it names, walked where it is written
            node = node.value
        if id(node) in self.seen:
            return
        self.seen.add(id(node))
        kind = node.id
        if kind == "mapping":
            # {name: HTTP_PORT, value: "8080"}: a Kubernetes env entry; its name names the value.
            named = scalar(node, "name") if child(node, "value") is not None else None
            for knode, vnode in node.value:
                if knode.id != "scalar":
                    continue
                sub = (*key, str(knode.value))
                if named is not None and knode.value == "value" and \
                        vnode.id == "scalar" and id(vnode) not in self.seen:
                    self.seen.add(id(vnode))
                    for m in self._scalar(vnode, sub, in_list, selectors, named, merged):
                        yield dataclass_replace(m, label=named)
                else:
                    yield from self.walk(vnode, sub, in_list, selectors,
                                         merged or knode.value == MERGE_KEY)
        elif kind == "sequence":
            name = next((k for k in reversed(key) if isinstance(k, str)), None)
            chosen = _item_selectors(node.value)
            for index, item in enumerate(node.value):
                yield from self.walk(item, (*key, index), name, (*selectors, chosen[index]),
                                     merged)
        elif kind == "scalar":
            name = next((k for k in reversed(key) if isinstance(k, str)), None)
            yield from self._scalar(node, key, in_list, selectors, name, merged)

    def _scalar(self, node: Any, key: KeyPath, in_list: str | None,
                selectors: tuple[Selector | None, ...], name: str | None, merged: bool
                ) -> Iterator[Mention]:
        if not isinstance(node.value, str):
            return
        for m in self._hits(node, key, in_list, selectors, name):
            # A value written under a merge key has no key path an editor can follow.
            yield dataclass_replace(m, key=None, selectors=()) if merged else m

    def _hits(self, node: Any, key: KeyPath, in_list: str | None,
              selectors: tuple[Selector | None, ...], name: str | None) -> Iterator[Mention]:
        start, end = node.start, node.end
        at = self.text.find(node.value, start, end) if node.value else -1
        more: dict[str, Any] = {"selectors": selectors, "document": self.document}
        if at >= 0 and node.style not in ("|", ">"):
            item = bool(key) and isinstance(key[-1], int)
            for hit in value_hits(name, node.value, in_list, item):
                yield mention(self.path, self.lines, at, hit, key, node.value, **more)
        else:  # block or escaped scalar: the string rules on its source text
            for hit in hits_in(self.text[start:end]):
                yield mention(self.path, self.lines, start, hit, key, **more)


def scan_documents(path: str, text: str, lines: Lines, documents: list[Any]) -> list[Mention]:
    """The mentions of every document of a file (several: a list at the root)."""
    walker = _Walker(path, text, lines)
    found: list[Mention] = []
    chosen = _doc_selectors(documents)
    for index, document in enumerate(documents):
        walker.document_root(document)
        if len(documents) == 1:
            found += walker.walk(document, (), None, ())
        else:  # several documents: a list at the root, each picked by index or selector
            found += walker.walk(document, (index,), None, (chosen[index],))
    return found
