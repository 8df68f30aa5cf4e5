"""The .env editor keeps export, quotes, inline comments and line endings."""

from __future__ import annotations

import pytest

from portsync.editors import envfile
from portsync.errors import TargetError
from portsync.model import SetEdit
from tests.conftest import SHARED
from tests.editing import set_edits


def edit(key: str, value: str) -> SetEdit:
    return set_edits((key, value))[0]


ENV = """\
# DelTran token engine
HTTP_PORT=8081
export GRPC_PORT=50051  # gRPC API

DATABASE_URL="postgresql://deltran:pw@localhost:5432/deltran"
REDIS_URL='redis://localhost:6379'
NATS_URL = nats://localhost:4222
EMPTY=
"""


@pytest.mark.parametrize(("key", "value", "old", "new"), [
    ("HTTP_PORT", "9081", "HTTP_PORT=8081", "HTTP_PORT=9081"),
    ("GRPC_PORT", "50052", "=50051  #", "=50052  #"),
    ("DATABASE_URL", "postgresql://deltran:pw@localhost:5433/deltran", "5432", "5433"),
    ("REDIS_URL", "redis://localhost:6380", "'redis://localhost:6379'", "'redis://localhost:6380'"),
    ("NATS_URL", "nats://localhost:4223", "nats://localhost:4222", "nats://localhost:4223"),
    ("EMPTY", "1", "EMPTY=", "EMPTY=1"),
])
def test_only_the_value_bytes_change(key: str, value: str, old: str, new: str) -> None:
    for newline in ("\n", "\r\n"):
        original = ENV.replace("\n", newline)
        assert original.count(old) == 1
        result = envfile.apply(original, [edit(key, value)], "x.env")
        assert result.text == original.replace(old, new)


def test_in_sync_file_is_unchanged_and_reports_nothing() -> None:
    result = envfile.apply(ENV, [edit("HTTP_PORT", "8081"), edit("GRPC_PORT", "50051")], ".env")
    assert (result.text, result.changes) == (ENV, ())


def test_missing_variable_is_appended_with_file_newlines() -> None:
    result = envfile.apply("A=1\r\nB=2", [edit("PORT", "3000"), edit("URL", "a b")], ".env")
    assert result.text == 'A=1\r\nB=2\r\nPORT=3000\r\nURL="a b"\r\n'
    assert [(c.key, c.line, c.found) for c in result.changes] == [("PORT", 3, None),
                                                                  ("URL", 4, None)]


def test_drift_reports_line_and_found_value() -> None:
    change = envfile.apply(ENV, [edit("GRPC_PORT", "1")], ".env").changes[0]
    assert (change.line, change.found, change.expected) == (3, "50051", "1")


def test_nested_key_is_refused() -> None:
    with pytest.raises(TargetError, match=r"\.env: a\.b: in a \.env file the key is a variable"):
        envfile.apply(ENV, [edit("a.b", "1")], ".env")


@pytest.mark.parametrize(("text", "line"), [
    ("a=b\n\nc=d\n", 3),
    ("a=b\n\n\n# note\nc=d\n", 5),
    ('a="x\ny\nz"\nc=d\n', 4),
    ("a=b\r\n\r\nc=d\r\n", 3),
])
def test_drift_lines_count_blank_lines_and_multi_line_values(text: str, line: int) -> None:
    result = envfile.apply(text, set_edits(("c", "1")), ".env")
    assert [(c.key, c.line) for c in result.changes] == [("c", line)]


@pytest.mark.parametrize(("original", "key", "expected"), [
    ("A=1   \n", "A", "A=8000   \n"),
    ("A=1\t# note\n", "A", "A=8000\t# note\n"),
    ("A='1'  \n", "A", "A='8000'  \n"),
    ("A=1   ", "A", "A=8000   "),
    ("KEY\nB=2\n", "KEY", "KEY=8000\nB=2\n"),
    ("B=2\nKEY", "KEY", "B=2\nKEY=8000"),
])
def test_only_the_value_changes_whitespace_and_bare_keys_included(original: str, key: str,
                                                                 expected: str) -> None:
    assert envfile.apply(original, set_edits((key, "8000")), ".env").text == expected


def named(name: str, value: str) -> list[SetEdit]:
    """An edit of the one-segment key ``name``, whatever characters it holds."""
    from portsync import keypath
    from portsync.model import Source

    return [SetEdit((name,), keypath.render((name,)), value, Source("ports.yaml", 1, 1))]


@pytest.mark.parametrize("name", ["{'offset': 100000}", "{% for i in x %}", "a b", "#A", "'A'",
                                  "export", "A=B"])
def test_a_new_key_that_is_no_variable_name_is_refused(name: str) -> None:
    """Such a key was appended as ``["a b"]=8000`` once per run (found by the fuzz suite);
    one the file already binds (``'a b'=1``, ``"A"=1``) can still be set."""
    with pytest.raises(TargetError, match=r"in a \.env file the key is a variable name"):
        envfile.apply("A=1\n", named(name, "8000"), ".env")
    quoted = "'a b'=1\n\"A\"=1\n"
    assert envfile.apply(quoted, named("a b", "2") + named('"A"', "3"), ".env").text == \
        "'a b'=2\n\"A\"=3\n"


def test_a_new_name_with_odd_characters_is_written_as_itself_and_found_again() -> None:
    once = envfile.apply("A=1\n", named("{'x':1}", "8000"), ".env").text
    assert once == "A=1\n{'x':1}=8000\n"
    again = envfile.apply(once, named("{'x':1}", "8000"), ".env")
    assert (again.text, again.changes) == (once, ())


def test_dotenv_parser_loaded_alone_is_dotenvs_own_and_leaves_the_package_unimported() -> None:
    """envfile loads dotenv/parser.py without the package (its __init__ costs ~20 ms)."""
    import io
    import subprocess
    import sys

    from dotenv.parser import parse_stream

    texts = ["A=1\nexport B='x y' # c\nC=\"q\\\"\"\n\n#D=1\nE\nbad line\n", "X=${Y}\r\nZ= #\n"]
    texts += [p.read_text(encoding="utf-8", errors="replace")
              for p in sorted((SHARED / "corpora").glob("*dotenv/**/*.env"))[:50]]
    alone = envfile._dotenv_parser()
    assert alone.__file__.endswith("parser.py") and alone is not sys.modules.get("dotenv.parser")
    for text in texts:
        assert [tuple(b) for b in alone.parse_stream(io.StringIO(text))] == \
            [tuple(b) for b in parse_stream(io.StringIO(text))], text
    probe = ("import sys\nfrom portsync.editors import envfile\nenvfile._dotenv_parser()\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'dotenv'))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout == "[]\n", done
