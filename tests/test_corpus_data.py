"""Corpus tests of the JSON, TOML and .env editors on public parser test suites (issue 12).

For every valid document, each addressable scalar leaf in turn is set to a
new value: the result must be the original bytes with only that value's text
replaced (the replaced bytes read back, alone, as the old value), every other
value unchanged when parsed, and a second run must change nothing. Invalid
documents must be refused with a TargetError (exit 2), never another
exception (exit 3). By default a deterministic sample runs in a few seconds;
``PORTSYNC_LONG_TESTS=1`` runs every leaf of every document.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from portsync import fsio, keypath
from portsync.editors import envfile, jsonfile, tomlfile
from portsync.errors import TargetError
from portsync.model import SetEdit, Source
from tests.conftest import SHARED

CORPORA = SHARED / "corpora"
LONG = os.environ.get("PORTSYNC_LONG_TESTS") == "1"
SAMPLE = 7  # default run: every 7th leaf, counted across the suite (deterministic)
# JSONC on purpose (docs/reference.md): comments and trailing commas are accepted.
JSONC = {"n_object_trailing_comma.json", "n_array_extra_comma.json",
         "n_object_trailing_comment.json", "n_object_trailing_comment_slash_open.json",
         "n_structure_object_with_comment.json", "n_array_number_and_comma.json",
         "n_object_several_trailing_commas.json", "n_array_comma_after_close.json"}

Path_ = tuple[str | int, ...]


def _edit(path: Path_, value: str) -> SetEdit:
    text = keypath.render(path)
    assert keypath.parse(text) == path, f"the key path {text!r} must read back"
    return SetEdit(path, text, value, Source("ports.yaml", 1, 1))


def _leaves(node: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    elif path:
        yield path, node


def _get(node: Any, path: Path_) -> Any:
    for seg in path:
        node = node[seg]
    return node


def _canon(value: Any) -> Any:
    """A form of a parsed value that compares NaN equal and ignores the order of keys."""
    if isinstance(value, dict):
        return sorted((k, _canon(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_canon(v) for v in value]
    return repr(value)


def _same(a: Any, b: Any) -> bool:
    """Equal values: NaN included (nan != nan), keys in any order (rtoml may reorder them)."""
    return bool(_canon(a) == _canon(b))


def _replaced(node: Any, path: Path_, value: Any) -> Any:
    """A deep copy of ``node`` with the leaf at ``path`` set to ``value``."""
    if not path:
        return value
    if isinstance(node, dict):
        return {k: _replaced(v, path[1:], value) if k == path[0] else v for k, v in node.items()}
    return [_replaced(v, path[1:], value) if i == path[0] else v for i, v in enumerate(node)]


def _reads_as(load_value: Callable[[str], Any], text: str, value: Any) -> bool:
    """Whether ``text`` alone is one value that reads as ``value``."""
    try:
        return _same(load_value(text), value)
    except ValueError:  # json's and rtoml's errors both are ValueErrors
        return False


def _check_leaf(module: ModuleType, text: str, label: str, path: Path_, old: Any,
                data: Any, load: Callable[[str], Any], load_value: Callable[[str], Any]
                ) -> str | None:
    """One leaf set to a new value; the problem found, or None."""
    new_value: Any = "portsync new" if isinstance(old, str) else 4242
    edit = _edit(path, str(new_value))
    spans = module.spans(text, [edit], label)
    if len(spans) != 1:
        return f"{len(spans)} spans"
    start, end, _ = spans[0]
    if not _reads_as(load_value, text[start:end], old):
        return f"the span {text[start:end]!r} does not read as {old!r}"
    result = module.apply(text, [edit], label)
    tail = len(text) - end
    if result.text[:start] != text[:start] or result.text[len(result.text) - tail:] != text[end:]:
        return "bytes outside the value changed"
    written = result.text[start:len(result.text) - tail]
    if not _reads_as(load_value, written, new_value) or written != written.strip() or (
            isinstance(new_value, int) and written != str(new_value)):
        return f"the new text {written!r} is not just {new_value!r}"
    if not _same(load(result.text), _replaced(data, path, new_value)):
        return "other values changed"
    again = module.apply(result.text, [edit], label)
    if again.text != result.text or again.changes:
        return "a second run changes something"
    return None


def _run_documents(module: ModuleType, files: list[Path], load: Callable[[str], Any],
                   load_value: Callable[[str], Any]) -> tuple[int, int, list[str]]:
    """Documents and leaves checked, and every problem found."""
    documents = leaves = 0
    failures = []
    for file in files:
        text = fsio.decode(file.read_bytes(), file.name).body
        data = load(text)
        documents += 1
        for path, old in _leaves(data):
            leaves += 1
            if not LONG and leaves % SAMPLE:
                continue
            try:
                problem = _check_leaf(module, text, file.name, path, old, data, load,
                                      load_value)
            except TargetError as err:  # a refusal is a failure for a valid document too
                problem = f"refused: {err}"
            except ValueError as err:  # the result does not parse
                problem = f"wrote invalid text: {err}"
            if problem:
                failures.append(f"{file.relative_to(CORPORA)} {keypath.render(path)}: {problem}")
    return documents, leaves, failures


def _refused(module: ModuleType, files: list[Path]) -> list[str]:
    """The invalid documents that are not refused with a TargetError."""
    accepted = []
    probe = [_edit(("portsync_probe",), "1")]
    for file in files:
        try:
            module.apply(fsio.decode(file.read_bytes(), file.name).body, probe, file.name)
        except TargetError:
            continue
        accepted.append(str(file.relative_to(CORPORA)))
    return accepted


def _need(folder: Path) -> Path:
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here")
    return folder


# -- TOML: toml-test, the TOML 1.1 file list (rtoml reads TOML 1.1) -----------------------

def _toml_files(kind: str) -> list[Path]:
    folder = _need(CORPORA / "toml-test")
    listed = (folder / "files-toml-1.1.0").read_text().split()
    return [folder / name for name in listed if name.startswith(kind) and name.endswith(".toml")]


def _toml_load(text: str) -> Any:
    import rtoml

    return rtoml.loads(text)


def _toml_value(text: str) -> Any:
    return _toml_load(f"v = {text}\n")["v"]


def test_every_toml_leaf_is_set_alone() -> None:
    documents, leaves, failures = _run_documents(tomlfile, _toml_files("valid/"), _toml_load,
                                                 _toml_value)
    assert documents > 200 and leaves > 800
    assert failures == [], "\n".join(failures)


def test_every_invalid_toml_document_is_refused() -> None:
    assert _refused(tomlfile, _toml_files("invalid/")) == []


# -- JSON: JSONTestSuite ---------------------------------------------------------------

def _json_files(prefix: str) -> list[Path]:
    folder = _need(CORPORA / "JSONTestSuite" / "test_parsing")
    return sorted(folder.glob(f"{prefix}*.json"))


def test_every_json_leaf_is_set_alone() -> None:
    files = [f for f in _json_files("y_")
             if fsio.decode(f.read_bytes(), f.name).body.strip()]
    documents, leaves, failures = _run_documents(jsonfile, files, json.loads, json.loads)
    assert documents > 90 and leaves > 80
    assert failures == [], "\n".join(failures)


def test_every_invalid_json_document_is_refused_but_jsonc() -> None:
    files = [f for f in _json_files("n_") if f.name not in JSONC]
    refused = []
    for file in files:
        try:
            text = fsio.decode(file.read_bytes(), file.name).body
        except TargetError:
            continue  # not UTF-8 or binary: refused before any editor
        if text.strip():  # an empty file is refused by the plan (test_set_and_replace)
            refused.append(file)
    assert _refused(jsonfile, refused) == []
    assert all((CORPORA / "JSONTestSuite" / "test_parsing" / name).is_file() for name in JSONC)


# -- .env: motdotla/dotenv, compose-go and python-dotenv's parser cases --------------------

def _env_files() -> list[Path]:
    folders = [CORPORA / "motdotla-dotenv" / "tests", CORPORA / "compose-go",
               CORPORA / "python-dotenv" / "parser"]
    files = sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*")
                   if p.is_file() and (".env" in p.name or p.suffix == ".env"))
    if not files:
        pytest.skip("no dotenv corpus here")
    return files


def _env_load(text: str) -> dict[str, str | None]:
    from dotenv import dotenv_values

    return dict(dotenv_values(stream=io.StringIO(text), interpolate=False))


def test_every_dotenv_binding_is_set_alone() -> None:
    documents = bindings = 0
    failures = []
    for file in _env_files():
        try:
            text = fsio.decode(file.read_bytes(), file.name).body
        except TargetError:
            continue
        data = _env_load(text)
        documents += 1
        for key in data:
            bindings += 1
            if not LONG and bindings % 3:
                continue
            edit = _edit((key,), "portsync4242")
            spans = envfile.spans(text, [edit], file.name)
            result = envfile.apply(text, [edit], file.name)
            expected = dict(data, **{key: "portsync4242"})
            outside = [text[:s] for s, _, _ in spans[:1]] + [text[e:] for _, e, _ in spans[-1:]]
            problem = (
                "not found" if not spans else
                "bytes outside its values changed"
                if not (result.text.startswith(outside[0]) and result.text.endswith(outside[1]))
                else "other values changed" if _env_load(result.text) != expected
                else "a second run changes something"
                if envfile.apply(result.text, [edit], file.name).changes else None)
            if problem:
                failures.append(f"{file.relative_to(CORPORA)} {key}: {problem}")
    assert documents > 50 and bindings > 100
    assert failures == [], "\n".join(failures)


def test_invalid_documents_through_the_cli_exit_2(tmp_path: Path, run_cli: Any) -> None:
    toml, jsons = _toml_files("invalid/"), [f for f in _json_files("n_") if f.name not in JSONC]
    sample = toml + jsons if LONG else toml[::50] + jsons[::20]
    for file in sample:
        name = "target" + file.suffix
        (tmp_path / name).write_bytes(file.read_bytes())
        (tmp_path / "ports.yaml").write_text(
            f"version: 1\nservices:\n  a: 8000\ntargets:\n  - {{path: {name}, set: {{p: 1}}}}\n")
        result = run_cli("--check", cwd=tmp_path)
        assert result.code == 2, f"{file.name}: {result}"
        assert result.err.startswith(name), f"{file.name}: {result}"
        (tmp_path / name).unlink()


def _tables(node: Any, path: Path_ = ()) -> Iterator[Path_]:
    if isinstance(node, dict):
        yield path
        for key, value in node.items():
            yield from _tables(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _tables(value, (*path, index))


# TOML 1.1 multi-line inline tables with a comment after the last member: refused (exit 2).
ADD_REFUSED = {"toml-test/valid/inline-table/newline-comment.toml"}


@pytest.mark.parametrize(("module", "files", "load"), [
    (tomlfile, lambda: _toml_files("valid/"), _toml_load),
    (jsonfile, lambda: [f for f in _json_files("y_")
                        if fsio.decode(f.read_bytes(), f.name).body.strip()], json.loads),
], ids=["toml", "json"])
def test_a_key_added_under_every_table_changes_nothing_else(
        module: ModuleType, files: Callable[[], list[Path]], load: Callable[[str], Any]
) -> None:
    count = 0
    failures = []
    for file in files():
        text = fsio.decode(file.read_bytes(), file.name).body
        data = load(text)
        name = str(file.relative_to(CORPORA))
        for path in _tables(data):
            for extra in (("portsync_new",), ("portsync_new", "deep")):
                count += 1
                if not LONG and count % SAMPLE:
                    continue
                edit = _edit((*path, *extra), "4242")
                try:
                    result = module.apply(text, [edit], file.name)
                except TargetError as err:
                    if name not in ADD_REFUSED:
                        failures.append(f"{name} {edit.key_text}: refused: {err}")
                    continue
                back = load(result.text)
                table = _get(back, path)
                added = table.pop("portsync_new")
                if (added if len(extra) == 1 else added.get("deep")) != 4242 \
                        or not _same(back, data) or module.apply(result.text, [edit],
                                                                 file.name).changes:
                    failures.append(f"{name} {edit.key_text}: wrong result {result.text!r}")
    assert count > 1000 or module is jsonfile
    assert failures == [], "\n".join(failures)
