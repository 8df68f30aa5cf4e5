"""Wording, counts, text/json/github output and the exit code of a run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from portsync import lazyre
from portsync.drift import TEXT_DIFFERS
from portsync.errors import PortsyncError
from portsync.fsio import display_path
from portsync.mode import Action
from portsync.model import Notice, Registry
from portsync.records import Record

if TYPE_CHECKING:  # the pipeline is imported only by commands that run it (start-up time)
    from portsync.sync import SyncResult

EXIT_OK, EXIT_DRIFT, EXIT_ERROR, EXIT_BUG = 0, 1, 2, 3
_WHERE = lazyre.Lazy(r"^(?P<file>.*?)(?::(?P<line>\d+))?(?::(?P<col>\d+))?$")


class Output(Record):
    """What to print: lines for stdout and stderr, the exit code, and which line sums up.

    ``headline`` is the summary line among them (``all 18 files in sync``), named
    so that terminal styling need not guess it from its wording.
    """

    stdout: list[str]
    stderr: list[str]
    code: int
    headline: str | None = None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(result: SyncResult) -> str:
    """One line such as ``2 files updated, 5 already in sync``."""
    changed = len(result.changed)
    in_sync = len(result.files) - changed
    if result.action is Action.WRITE:
        head = f"{_plural(changed, 'file')} updated"
    elif result.action is Action.CHECK:
        if not changed:
            return f"all {_plural(in_sync, 'file')} in sync"
        head = f"{_drift_counts(result)} in {_plural(changed, 'file')}"
    else:
        head = f"{_plural(changed, 'file')} would be updated"
    return f"{head}, {in_sync} already in sync"


def _drift_counts(result: SyncResult) -> str:
    """``2 values drifted and 1 block out of date``: values, blocks and whole files apart."""
    kinds = {"value": 0, "block": 0, "generated file": 0, "file": 0, "missing file": 0}
    for drift in result.drifts:
        label = drift.label or ""
        kind = "value" if drift.key is not None else "block" if label.startswith("block ") \
            else "missing file" if label == "missing" else "file" if label == TEXT_DIFFERS \
            else "generated file"
        kinds[kind] += 1
    parts = [f"{_plural(n, kind)} {'drifted' if kind == 'value' else 'out of date'}"
             for kind, n in kinds.items() if n and kind != "missing file"]
    if kinds["missing file"]:
        parts.append(f"{_plural(kinds['missing file'], 'file')} missing")
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


def exit_code(result: SyncResult) -> int:
    """1 when --check found drift, else 0."""
    return EXIT_DRIFT if result.action is Action.CHECK and result.changed else EXIT_OK


def _error_record(error: PortsyncError) -> dict[str, object]:
    # From the error's own place: re-parsing its printed line mistakes "x: y" for a file.
    message = ": ".join(p for p in (error.key, error.message) if p)
    m = _WHERE.match(error.where or "")
    if not error.where or m is None:
        return {"file": None, "line": None, "message": message}
    return {"file": m["file"], "line": int(m["line"]) if m["line"] else None,
            "message": message}


def _github(level: str, file: str | None, line: int | None, message: str) -> str:
    props = ",".join(p for p in (f"file={file}" if file else "",
                                 f"line={line}" if line else "") if p)
    text = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{level} {props}::{text}" if props else f"::{level}::{text}"


def _warning(notice: Notice) -> str:
    return _github("warning", notice.where.file, notice.where.line, notice.message)


def _fix_hint(result: SyncResult, fix: str) -> str | None:
    """After a failed ``--check``: what to run to update the drifted files."""
    if result.action is not Action.CHECK or not result.changed:
        return None
    return f"run `{fix}` to update {'this file' if len(result.changed) == 1 else 'these files'}"


def render_result(result: SyncResult, output: str, quiet: bool, fix: str = "portsync"
                  ) -> Output:
    """Everything a sync run prints, in the chosen output format.

    ``fix`` is the command that writes what a failed ``--check`` found (the
    same registry and environments), named at the end of its summary.
    """
    code = exit_code(result)
    warnings = list(result.warnings)
    hint = _fix_hint(result, fix)
    if output == "json":
        document = _json_document(result, code, fix if hint else None)
        return Output([_json_text(document)], [], code)
    closing = [] if quiet else [summary(result), *([hint] if hint else [])]
    if output == "github":
        lines = [_github("error", d.path, d.line, d.message) for d in result.drifts]
        lines += [_warning(w) for w in warnings]
        return Output(lines + closing, [], code)
    headline = closing[0] if closing else None
    out: list[str] = []
    err = [f"warning: {w}" for w in warnings] if not quiet else []
    if result.action is Action.CHECK:
        out += [f"{d.path}:{d.line}: {d.message}" if d.line else f"{d.path}: {d.message}"
                for d in result.drifts]
    elif result.action is Action.DIFF:
        from portsync.patch import unified_diff  # difflib: only a dry run needs it

        out += [unified_diff(f, p).rstrip("\n") for f, p in result.changed]
        return Output(out, err + closing, code, headline)
    elif not quiet:
        out += [f"{'created' if f.before is None else 'updated'} {p}" for f, p in result.changed]
    return Output(out + closing, err, code, headline)


def _json_text(document: dict[str, object]) -> str:
    import json  # lazy: only --format json needs it

    return json.dumps(document, indent=2)


def _json_document(result: SyncResult, code: int, fix: str | None) -> dict[str, object]:
    write = result.action is Action.WRITE
    files = []
    for change, path in result.files:
        if not change.changed:
            status = "in-sync"
        elif change.before is None:
            status = "created" if write else "missing"
        else:
            status = "updated" if write else "out-of-date"
        files.append({"path": path, "status": status})
    return {
        "portsync": 1,
        "action": result.action.value,
        "ok": code == EXIT_OK,
        "exit_code": code,
        "summary": summary(result),
        "fix": fix,
        "files": files,
        "drift": [{"path": d.path, "line": d.line, "key": d.key, "found": d.found,
                   "expected": d.expected, "message": d.message} for d in result.drifts],
        "errors": [],
        "warnings": [str(w) for w in result.warnings],
    }


def render_errors(error: PortsyncError, output: str, code: int = EXIT_ERROR) -> Output:
    """A PortsyncError (or several) in the chosen output format."""
    records = [_error_record(e) for e in error.flat()]
    if output == "json":
        document = {"portsync": 1, "ok": False, "exit_code": code, "drift": [], "files": [],
                    "errors": records, "warnings": []}
        return Output([_json_text(document)], [], code)
    if output == "github":
        out = []
        for rec in records:
            file, num = rec["file"], rec["line"]
            out.append(_github("error", file if isinstance(file, str) else None,
                               num if isinstance(num, int) else None, str(rec["message"])))
        return Output(out, [], code)
    return Output([], [str(e) if e.where else f"portsync: error: {e}" for e in error.flat()],
                  code)


def plain(lines: Sequence[str]) -> Output:
    """Lines for stdout and exit 0."""
    return Output(list(lines), [], EXIT_OK)


def _names(names: list[str], shown: int = 10) -> str:
    """``a, b, c`` or ``a, ..., j and 90 more``: a large included registry stays one line."""
    if not names:
        return "no services"
    rest = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {rest} more" if rest > 0 else "")


def render_validation(path: Path, registry: Registry, output: str, quiet: bool = False
                      ) -> Output:
    """The result of ``portsync validate`` on a registry that passed every check.

    ``quiet`` prints nothing in text (the exit code tells) and no count line in github.
    """
    ports = sum(len(s.ports) for s in registry.services)
    # Named as its errors would name it: from the current folder.
    head = (f"{display_path(path)} is valid: {_plural(len(registry.services), 'service')}, "
            f"{_plural(ports, 'port')}, {_plural(len(registry.environments), 'environment')}, "
            f"{_plural(len(registry.targets), 'target')}")
    included = [(r.origin, [s.name for s in r.services]) for r in registry.included]
    if output == "json":
        document = {"portsync": 1, "ok": True, "exit_code": EXIT_OK, "summary": head,
                    "errors": [], "warnings": [str(w) for w in registry.warnings],
                    "included": [{"registry": label, "services": names}
                                 for label, names in included]}
        return Output([_json_text(document)], [], EXIT_OK)
    lines = [head] + [f"included from {label}: {_names(names)}" for label, names in included]
    if output == "github":
        return Output([_warning(w) for w in registry.warnings]
                      + ([] if quiet else lines), [], EXIT_OK)
    if quiet:
        return Output([], [], EXIT_OK)
    return Output(lines, [f"warning: {w}" for w in registry.warnings], EXIT_OK, head)
