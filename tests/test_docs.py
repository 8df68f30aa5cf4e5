"""The README and docs as a newcomer reads them: every example valid, every console block true."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, RunCli

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_FENCE = re.compile(r"^(?:<!-- (?P<marker>[^\n]*?) -->\n)?```(?P<lang>[\w-]*)\n(?P<body>.*?)^```\n",
                    re.M | re.S)
SKIP = "docs-test: not a whole ports.yaml"  # the marker of a deliberately partial snippet


@dataclass(frozen=True)
class Block:
    """One fenced block of a markdown file, with the HTML comment just above it."""

    file: Path
    line: int
    lang: str
    body: str
    marker: str | None

    def __str__(self) -> str:
        return f"{self.file.relative_to(REPO)}:{self.line}"


def blocks(path: Path, text: str | None = None) -> list[Block]:
    """Every fenced block of ``path`` in order."""
    text = path.read_text(encoding="utf-8") if text is None else text
    return [Block(path, text.count("\n", 0, m.start("body")) + 1, m["lang"], m["body"],
                  m["marker"]) for m in _FENCE.finditer(text)]


def _registries() -> list[Block]:
    return [b for path in DOCS for b in blocks(path)
            if b.lang == "yaml" and re.search(r"^version:", b.body, re.M)]


def test_doc_snippets_are_found() -> None:
    found = _registries()
    assert len(found) >= 3, found  # the README's glance, its schema line, migrating-lumiere
    assert sum(b.marker == SKIP for b in found) <= 1


@pytest.mark.parametrize("block", _registries(), ids=str)
def test_every_ports_yaml_in_the_docs_is_valid(block: Block, tmp_path: Path,
                                               run_cli: RunCli) -> None:
    if block.marker == SKIP:
        pytest.skip("marked as a partial snippet")
    (tmp_path / "ports.yaml").write_text(block.body, encoding="utf-8")
    result = run_cli("validate", cwd=tmp_path)
    assert result.code == 0, f"{block}\n{result}"
    assert result.out.startswith("ports.yaml is valid: "), result


def test_readme_starts_with_the_two_commands_ci_runs() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    first = blocks(REPO / "README.md")[0]
    assert text.startswith("# portsync\n\n```sh\n"), text[:80]
    run, test = first.body.splitlines()
    assert run == "python3 -m venv .venv && . .venv/bin/activate && pip install . && " \
                  "portsync --check"
    assert test == "python3 -m venv .venv && . .venv/bin/activate && " \
                   "pip install '.[test]' && python -m pytest"
    ci = (REPO / ".ci/run").read_text(encoding="utf-8")
    assert "python3 -m venv" in ci and "python -m pip install --quiet '.[test]'\n" in ci
    assert re.search(r"^python -m pytest\b", ci, re.M), ci


def test_readme_describes_the_bundled_example_as_portsync_does(run_cli: RunCli) -> None:
    text = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    validate = run_cli("validate", cwd=REPO)
    assert validate.code == 0, validate
    check = run_cli("--check", "--no-cache", cwd=REPO)
    assert check.code == 0, check
    for said in (validate.out.strip(), check.out.strip()):
        assert f"`{said}`" in text, said


# -- the tutorial, run as written -------------------------------------------------------------


def _tutorial() -> tuple[Path, str]:
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    start = text.index("## A tutorial: from `portsync init` to CI")
    end = text.index("\n## ", start + 1)
    # Keep the line numbers of the whole file in messages.
    return readme, "\n" * text.count("\n", 0, start) + text[start:end] + "\n"


def _commands(block: Block) -> list[tuple[str, str]]:
    """``(command, expected output)`` pairs of a console block."""
    pairs: list[tuple[str, list[str]]] = []
    for line in block.body.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            assert pairs, f"{block}: output before the first command"
            pairs[-1][1].append(line + "\n")
    return [(command, "".join(out)) for command, out in pairs]


def test_the_tutorial_runs_as_written(tmp_path: Path, run_cli: RunCli) -> None:
    """Files are written, lines appended and commands run where the README shows them."""
    readme, text = _tutorial()
    ran = 0
    last = 0
    for block in blocks(readme, text):
        what, _, path = (block.marker or "").partition(": ")
        if what == "tutorial file":
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(block.body, encoding="utf-8")
        elif what == "tutorial append":
            with (tmp_path / path).open("a", encoding="utf-8") as handle:
                handle.write(block.body)
        elif block.lang == "console":
            for command, expected in _commands(block):
                if command == "echo $?":
                    got = f"{last}\n"
                else:
                    args = shlex.split(command)
                    assert args[0] == "portsync", f"{block}: the test cannot run {command!r}"
                    result = run_cli(*args[1:], cwd=tmp_path)
                    # A terminal shows stdout then stderr: portsync prints in that order.
                    got, last = result.out + result.err, result.code
                assert got == expected, f"{block}: $ {command}"
                ran += 1
    assert ran >= 9


# -- the reference lists what the command line offers -----------------------------------------


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    return text[start:text.find("\n## ", start + 1)]


def test_the_synopses_name_every_sync_option(run_cli: RunCli) -> None:
    help_text = run_cli("sync", "--help").out
    options = [o for o in re.findall(r"^ {2}(?:-\w, )?(--[\w-]+)", help_text, re.M)
               if o != "--help"]
    assert {"--check", "--no-cache", "--fetch"} <= set(options), help_text
    reference = (REPO / "docs/reference.md").read_text(encoding="utf-8")
    synopsis = next(line for line in reference.splitlines() if line.startswith("portsync [sync]"))
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `portsync` (="))
    for option in options:
        short = {"--registry": "-r", "--quiet": "-q", "--verbose": "-v"}.get(option, option)
        assert re.search(rf"(?<![\w-]){short}(?![\w-])", synopsis), (option, synopsis)
        assert re.search(rf"(?<![\w-]){short}(?![\w-])", row), (option, row)


def test_the_reference_lists_every_environment_variable_portsync_reads() -> None:
    source = "".join(p.read_text(encoding="utf-8") for p in (REPO / "portsync").rglob("*.py"))
    read = set(re.findall(r"\bPORTSYNC_[A-Z_]+\b", source)) | {"NO_COLOR", "FORCE_COLOR"}
    assert {"PORTSYNC_REGISTRY", "PORTSYNC_CACHE_DIR"} <= read
    table = _section((REPO / "docs/reference.md").read_text(encoding="utf-8"),
                     "## Environment variables")
    assert sorted(v for v in read if f"| `{v}` |" not in table) == [], table


def test_the_reference_s_registry_sections_make_one_valid_registry(tmp_path: Path,
                                                                     run_cli: RunCli) -> None:
    """environments, ranges and services are shown piece by piece, but as one registry."""
    reference = REPO / "docs/reference.md"
    text = reference.read_text(encoding="utf-8")
    parts = []
    for heading in ("### environments", "### ranges", "### services"):
        start = text.index(f"\n{heading}\n")
        block = next(b for b in blocks(reference) if b.line > text.count("\n", 0, start))
        assert block.lang == "yaml" and block.body.startswith(heading[4:] + ":"), block
        parts.append(block.body)
    (tmp_path / "ports.yaml").write_text("version: 1\n" + "".join(parts), encoding="utf-8")
    result = run_cli("validate", cwd=tmp_path)
    assert (result.code, result.err) == (0, ""), result
