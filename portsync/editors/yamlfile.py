"""YAML editor: the parser locates each scalar; only its bytes are replaced in the text.

A file of several documents (``---``, Kubernetes manifests) is a list of
documents at the root: its paths start with ``[n]`` or a selector (so may those
into one document whose root is a mapping). A list of
``NAME=value`` strings (compose's ``environment:``) is addressed like a
mapping. A value reached only through a merge key (``<<``) is refused: it is
written elsewhere, in the anchored mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from portsync import keypath, lazyre
from portsync.editors import Edited, Span, splice
from portsync.editors.yamlscalar import (
    Spot,
    current,
    holds,
    is_null,
    new_scalar,
    rewrite,
    value_span,
)
from portsync.errors import PortsyncError, TargetError
from portsync.model import SetEdit, ValueChange
from portsync.records import Record
from portsync.yamlkit import parsers
from portsync.yamlkit.nodetree import Node, target

_HOUSE_SAMPLE = 500  # quoted scalars looked at to learn the file's own quote character


class _Missing(Record):
    parent: Node | None  # the deepest existing node, or None for a file without a document
    key_node: Node | None  # the parent's key, when the parent is an empty value
    keys: tuple[str, ...]
    entry: bool  # the missing key is a NAME of a list of NAME=value strings


_KINDS = {"mapping": "mapping", "sequence": "list"}


def _kind(node: Node) -> str:
    return _KINDS.get(target(node).id, "value")


def _empty_document(node: Node) -> bool:
    return node.id == "scalar" and node.value == "" and node.style is None and node.tag is None


class _Tree:
    """The documents of one file, and how key paths lead into them."""

    def __init__(self, text: str, label: str, error_type: type[PortsyncError] = TargetError
                 ) -> None:
        self.text = text
        self.label = label
        docs = [d for d in parsers.documents(text, label, error_type) if not _empty_document(d)]
        self.several = len(docs) > 1
        self.root: Node | None = docs[0] if len(docs) == 1 else None
        if self.several:
            self.root = Node("sequence", docs, docs[0].start, docs[0].line, 0)
            self.root.end = docs[-1].end
        self._quote: str | None = None
        # id(mapping node) -> its pairs by key: one scan per mapping, not one per key path
        # (a compose file with 1,000 services is looked up 1,000 times: it was quadratic).
        self._keys: dict[int, dict[str, list[tuple[Node, Node]]]] = {}

    @property
    def quote(self) -> str:
        """The quote character the file uses most (double when it uses none)."""
        if self._quote is None:
            counts = {'"': 0, "'": 0}
            todo = [self.root] if self.root is not None else []
            while todo and sum(counts.values()) < _HOUSE_SAMPLE:
                node = todo.pop()
                if node.id == "scalar" and node.style in counts:
                    counts[node.style] += 1
                elif node.id in ("mapping", "sequence"):
                    todo.extend(n for pair in node.value
                                for n in (pair if isinstance(pair, tuple) else (pair,)))
            self._quote = "'" if counts["'"] > counts['"'] else '"'
        return self._quote

    def where(self, node: Node) -> str:
        """``FILE:LINE`` of a node."""
        return f"{self.label}:{node.line + 1}"

    def locate(self, path: keypath.KeyPath, key_text: str) -> Spot | _Missing:
        """The scalar a key path names, or what is missing to create it."""
        if self.several and isinstance(path[0], str):
            count = len(self.root.value) if self.root is not None else 0
            raise TargetError(f"the file holds {count} YAML documents: start the path with [n] "
                              "or a selector, such as '[kind=Deployment,metadata.name=NAME]."
                              f"{key_text}'", where=self.label, key=key_text)
        if self.root is None:  # no document yet: every key is missing
            if not all(isinstance(seg, str) for seg in path):
                raise TargetError("list item does not exist and cannot be created",
                                  where=self.label, key=key_text)
            return _Missing(None, None, tuple(str(seg) for seg in path), False)
        quick = self._quick(path, key_text)
        if quick is not None:
            return quick
        root = self.root
        if not self.several and not isinstance(path[0], str) and target(root).id == "mapping":
            # One document whose root is a mapping: [n] or a selector picks among the
            # documents, as in a file of several (a manifest holding only its
            # Deployment takes the paths its siblings' manifests take).
            root = Node("sequence", [root], root.start, root.line, 0)
            root.end = self.root.end
        keys: dict[tuple[int, int], Node] = {}  # (parent, value) -> the value's key node

        def child(node: Node, seg: str | int) -> Node | None:
            node = target(node)
            if isinstance(seg, int):
                return node.value[seg] if seg < len(node.value) else None
            found = self._pair(node, seg, key_text)
            if found is None:
                return None
            keys[id(node), id(found[1])] = found[0]
            return found[1]

        def fillable(node: Node) -> bool:
            return node.id == "scalar" and is_null(node) and node.tag is None

        def field(node: Node, seg: str) -> Node | None:
            found = self._pair(target(node), seg, key_text, read=set())
            return None if found is None else found[1]

        nodes = keypath.Nodes(_kind, child, self.where, lambda n: str(target(n).value),
                              fillable, field)
        reached = keypath.walk(root, path, nodes, key_text, entries=True)
        trail = reached.trail
        steps = [keys.get((id(target(a)), id(b))) for a, b in pairwise(trail)]
        if reached.missing:
            node = reached.node
            if node.id == "scalar" and (not steps or steps[-1] is None
                                        or any(target(n).flow for n in trail[:-1])):
                raise TargetError(f"runs into a value at {self._shown(path, len(trail) - 1)}",
                                  where=self.where(node), key=key_text)
            return _Missing(target(node), steps[-1] if node.id == "scalar" else None,
                            reached.missing, reached.entry is not None)
        parent = target(trail[-2]) if len(trail) > 1 else None
        return Spot(target(reached.node), steps[-1] if steps else None, parent,
                    any(target(n).flow for n in trail[:-1]), reached.entry,
                    next((n for n in reversed(trail) if n.id == "alias"), None))

    def _quick(self, path: keypath.KeyPath, key_text: str) -> Spot | None:
        """The Spot of a path of keys and list items to a scalar, as locate() finds it.

        The common case (``server.port``, ``services.web.ports[0]``), without
        keypath.walk's generality; None for anything else (a missing key or
        item, a selector, a ``NAME=value`` entry...), which locate() then walks
        in full.
        """
        if self.root is None:
            return None
        node: Node = self.root
        key: Node | None = None
        parent: Node | None = None
        alias: Node | None = None
        flow = False
        for seg in path:
            if node.id == "alias":
                alias, node = node, node.value
            if type(seg) is str and node.id == "mapping":
                pair = self._pair(node, seg, key_text)
                if pair is None:
                    return None
                key, child = pair
            elif type(seg) is int and node.id == "sequence" and seg < len(node.value):
                key, child = None, node.value[seg]
            else:
                return None
            flow = flow or node.flow
            parent = node
            node = child
        if node.id == "alias":
            alias, node = node, node.value
        if node.id != "scalar":
            return None
        return Spot(node, key, parent, flow, None, alias)

    @staticmethod
    def _shown(path: keypath.KeyPath, depth: int) -> str:
        return keypath.render(path[:depth]) or "the document root"

    def _pair(self, node: Node, seg: str, key_text: str, *, read: set[int] | None = None
              ) -> tuple[Node, Node] | None:
        """The (key, value) of ``seg`` in a mapping.

        ``read`` (the ids of the mappings already searched): or merged into it by
        ``<<``, for a selector's condition; without it a key the mapping only has
        through ``<<`` is refused, since it cannot be written there.
        """
        table = self._keys.get(id(node))
        if table is None:
            table = self._keys[id(node)] = {}
            for key_node, value_node in node.value:
                if key_node.id == "scalar":
                    table.setdefault(key_node.value, []).append((key_node, value_node))
        pairs = table.get(seg, [])
        if len(pairs) > 1:  # YAML forbids it and parsers disagree on which one wins
            lines = " and ".join(str(p[0].line + 1) for p in pairs)
            raise TargetError(f"duplicate key {seg!r} (lines {lines})",
                              where=self.where(pairs[1][0]), key=key_text)
        if pairs:
            pair: tuple[Node, Node] = pairs[0]
            return pair
        if read is None:
            self._refuse_merged(node, seg, key_text)
            return None
        read.add(id(node))
        return next((found for _, source in _merged(node) if id(source) not in read
                     if (found := self._pair(source, seg, key_text, read=read))), None)

    def _refuse_merged(self, node: Node, seg: str, key_text: str) -> None:
        """A key the mapping only has through ``<<: *anchor`` is written at the anchor."""
        for merge_key, source in _merged(node):
            if _writes(source, seg, {id(node)}):
                anchor = self.text[source.start:source.end].split(None, 1)[0]
                named = f" ({anchor})" if anchor.startswith("&") else ""
                raise TargetError(
                    f"{seg!r} comes only through the merge key (<<) from the mapping "
                    f"anchored at line {source.line + 1}{named}: set it there, where it "
                    "is written", where=self.where(merge_key), key=key_text)


def _merged(node: Node) -> list[tuple[Node, Node]]:
    """(merge key, mapping) for each mapping merged into ``node`` by ``<<``, first one first."""
    found = []
    for merge_key, value in node.value:
        if merge_key.id != "scalar" or merge_key.value != "<<" or merge_key.style:
            continue
        found += [(merge_key, target(n)) for n in (target(value).value
                                                    if target(value).id == "sequence"
                                                    else [value])]
    return [(key, source) for key, source in found if source.id == "mapping"]


def _writes(source: Node, seg: str, seen: set[int]) -> bool:
    """Whether a merged mapping holds ``seg``, itself or through its own ``<<``.

    ``seen`` guards against a mapping that merges itself (``a: &x {<<: *x}``).
    """
    if id(source) in seen:
        return False
    seen.add(id(source))
    return (any(k.id == "scalar" and k.value == seg for k, _ in source.value)
            or any(_writes(inner, seg, seen) for _, inner in _merged(source)))


def _replacement(tree: _Tree, spot: Spot, edit: SetEdit) -> tuple[Span, ValueChange] | None:
    if holds(spot, edit.value):
        return None
    where = tree.where(spot.node)
    if spot.alias is not None:
        raise TargetError("the value comes from an anchor (*alias); point the target at the "
                          "anchor's own key", where=tree.where(spot.alias), key=edit.key_text)
    new = rewrite(tree.text, spot, edit.value, tree.quote, where, edit.key_text)
    return new, ValueChange(edit.key_text, spot.node.line + 1, current(spot), edit.value)


def _insert(tree: _Tree, missing: _Missing, edit: SetEdit) -> tuple[list[Span], int]:
    # here: a check of files in sync adds no key, and needs none of yamlinsert
    from portsync.editors.yamlinsert import add_item, add_keys, format_key

    text = tree.text
    where = tree.where(missing.parent) if missing.parent is not None else tree.label
    if missing.entry:
        assert missing.parent is not None
        return add_item(text, missing.parent, f"{missing.keys[0]}={edit.value}", tree.quote)
    flow = missing.parent is not None and missing.parent.flow
    value = new_scalar(edit.value, flow=flow, quote=tree.quote)
    keys = [format_key(k, tree.quote) for k in missing.keys]
    return add_keys(text, missing.parent, missing.key_node, keys, value, where, edit.key_text)


def apply(text: str, edits: Sequence[SetEdit], label: str) -> Edited:
    """Set each key path to its value, touching only the bytes of changed scalars."""
    with parsers.collector_paused():
        return _apply(text, edits, label)


def _apply(text: str, edits: Sequence[SetEdit], label: str) -> Edited:
    tree = _Tree(text, label)
    replacements: list[Span] = []
    changes: list[ValueChange] = []
    missing: list[SetEdit] = []
    spans: dict[int, str] = {}
    several_lines = False
    for edit in edits:
        spot = tree.locate(edit.key, edit.key_text)
        if isinstance(spot, _Missing):
            missing.append(edit)
            continue
        first = spans.setdefault(spot.node.start, edit.key_text)
        if first != edit.key_text:
            raise TargetError(f"names the same value as {first}", where=tree.where(spot.node),
                              key=edit.key_text)
        result = _replacement(tree, spot, edit)
        if result is not None:
            replacements.append(result[0])
            changes.append(result[1])
            # A word changed inside a value of several lines is read back too.
            several_lines = several_lines or "\n" in text[spot.node.start:spot.node.end]
    plain_swaps = not missing and not several_lines \
        and all(_plain_swap(text, r) for r in replacements)
    text = splice(text, replacements)
    for edit in missing:
        # Rare (first run only): re-read so each insertion sees the ones before it.
        tree = _Tree(text, label)
        found = tree.locate(edit.key, edit.key_text)
        if isinstance(found, Spot):  # created by an earlier insertion of this loop
            result = _replacement(tree, found, edit)
            if result is not None:
                text = splice(text, [result[0]])
            continue
        splices, line = _insert(tree, found, edit)
        text = splice(text, splices)
        changes.append(ValueChange(edit.key_text, line, None, edit.value))
    if changes and not plain_swaps:
        _check_reads_back(text, edits, label)
    return Edited(text, tuple(changes))


_SAFE_TEXT = lazyre.Lazy(r"""(["']?)[\w.:/@%+=~-]*\1""")


def _plain_swap(text: str, splice_: Span) -> bool:
    """Whether a rewrite only swaps one word for another in the same quotes.

    ``8081`` for ``8080``, ``"http://a:2"`` for ``"http://a:1"``: nothing a reader
    could take differently, so the new text need not be read again (most port
    changes; a big drifted file is then parsed once, not twice).
    """
    start, end, new = splice_
    before, after = _SAFE_TEXT.fullmatch(text[start:end]), _SAFE_TEXT.fullmatch(new)
    return start < end and before is not None and after is not None \
        and before.group(1) == after.group(1)


def _check_reads_back(text: str, edits: Sequence[SetEdit], label: str) -> None:
    """Read the new text again: it must parse, and every edited path must hold its value.

    The style rules above are written from the YAML specification; libyaml, which
    reads the file next time, has quirks of its own (a tab on a blank line is
    fine after a plain value, an error after a quoted one). What it cannot read
    back is refused here rather than written.
    """
    try:
        tree = _Tree(text, label)
    except TargetError as err:
        raise TargetError(f"the new values would make the file unreadable ({err.message}); "
                          "write them by hand once", where=label) from err
    for edit in edits:
        spot = tree.locate(edit.key, edit.key_text)
        if not isinstance(spot, Spot) or not holds(spot, edit.value):
            raise TargetError("the new value would not read back as written; write it by "
                              "hand once", where=label, key=edit.key_text)


def spans(text: str, edits: Sequence[SetEdit], label: str) -> list[Span]:
    """The span of each value the edits address (that exists) in ``text``."""
    with parsers.collector_paused():
        tree = _Tree(text, label)
        found = [(tree.locate(edit.key, edit.key_text), edit.key_text) for edit in edits]
    return [(*value_span(text, spot), key) for spot, key in found if isinstance(spot, Spot)]


def add_key(text: str, path: keypath.KeyPath, value: str, label: str,
            error_type: type[PortsyncError] = TargetError) -> tuple[str, int]:
    """``text`` with a new key holding ``value`` (YAML text: ``{port: 8001}``), and its line.

    The key goes where any new key of the editor goes (see yamlinsert); a key
    that exists already is an error.
    """
    from portsync.editors.yamlinsert import add_keys, format_key

    tree = _Tree(text, label, error_type)
    key_text = keypath.render(path)
    found = tree.locate(path, key_text)
    if not isinstance(found, _Missing) or found.entry:
        raise error_type("exists already", where=label, key=key_text)
    keys = [format_key(k, tree.quote) for k in found.keys]
    where = tree.where(found.parent) if found.parent is not None else label
    splices, line = add_keys(text, found.parent, found.key_node, keys, value, where, key_text)
    return splice(text, splices), line
