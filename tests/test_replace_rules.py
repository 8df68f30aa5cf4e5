"""``replace`` rules end to end: time bound, optional rules, validation at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from portsync import patterns
from tests.conftest import RunCli, build_tree, snapshot

SERVICES = "version: 1\nservices:\n  api: 8080\n"


def registry(rules: str) -> str:
    return SERVICES + "targets:\n  - path: app.conf\n    replace:\n" + rules


def test_the_issue_pattern_finishes_at_once(tmp_path: Path, run_cli: RunCli) -> None:
    # (\d+)+ on 28 digits then a letter: Python's re backtracks for hours.
    build_tree(tmp_path, {
        "ports.yaml": registry("      - {pattern: '^(?P<port>(\\d+)+)x$', value: 1}\n"),
        "app.conf": "1" * 28 + "y\n"})
    result = run_cli("--check", cwd=tmp_path)
    assert result.code == 2, result
    assert "matches nothing" in result.err


def test_a_pattern_over_the_time_bound_is_exit_2_naming_target_and_pattern(
        tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patterns, "TIMEOUT", 0.2)
    files = build_tree(tmp_path, {
        "ports.yaml": registry("      - pattern: '(?P<port>(a|a)+)b'\n        value: 1\n"),
        "app.conf": "a" * 40 + "\n"})
    before = snapshot(files)
    result = run_cli(cwd=tmp_path)
    assert result.code == 2, result
    assert result.err.startswith(
        "app.conf: replace pattern /(?P<port>(a|a)+)b/ took over 0.2 s on this file"), result
    assert "(ports.yaml:7:9)" in result.err, result
    assert snapshot(files) == before


def test_an_optional_rule_may_match_nothing_so_one_list_serves_several_files(
        tmp_path: Path, run_cli: RunCli) -> None:
    text = SERVICES + """\
targets:
  - path: nginx.conf
    replace: &rules
      - {pattern: 'listen (\\d+);', value: "{{ port('api') }}", optional: true}
      - {pattern: 'EXPOSE (\\d+)', value: "{{ port('api') }}", optional: true}
  - {path: Dockerfile, replace: *rules}
"""
    build_tree(tmp_path, {"ports.yaml": text, "nginx.conf": "server { listen 80; }\n",
                          "Dockerfile": "FROM x\nEXPOSE 3000\n"})
    result = run_cli(cwd=tmp_path)
    assert result.code == 0, result
    assert (tmp_path / "nginx.conf").read_text() == "server { listen 8080; }\n"
    assert (tmp_path / "Dockerfile").read_text() == "FROM x\nEXPOSE 8080\n"


def test_a_rule_that_is_not_optional_must_match(tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path, {"ports.yaml": registry("      - {pattern: 'listen (\\d+);', value: 1}\n"),
                          "app.conf": "nothing here\n"})
    result = run_cli("--check", cwd=tmp_path)
    assert result.code == 2, result
    assert result.err.startswith("app.conf: replace pattern /listen (\\d+);/ matches nothing "
                                 "(add optional: true"), result


@pytest.mark.parametrize(("rules", "message"), [
    ("      - {pattern: 'listen (\\d+', value: 1}\n",
     "ports.yaml:7:19: targets[0].replace[0].pattern /listen (\\d+/ is not a valid regex: "),
    ("      - pattern: 'listen \\d+'\n        value: 1\n",
     "ports.yaml:7:18: targets[0].replace[0].pattern /listen \\d+/ needs a group"),
    ("      - {pattern: '(\\d)', value: 1, optional: 'yes'}\n",
     "ports.yaml:7:47: targets[0].replace[0].optional must be true or false"),
])
def test_bad_rules_are_reported_at_load_with_their_line(
        tmp_path: Path, run_cli: RunCli, rules: str, message: str) -> None:
    build_tree(tmp_path, {"ports.yaml": registry(rules), "app.conf": "listen 80;\n"})
    result = run_cli("validate", cwd=tmp_path)
    assert result.code == 2, result
    assert result.err.startswith(message), result


def test_a_pattern_matching_too_often_is_exit_2(tmp_path: Path, run_cli: RunCli,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patterns, "MAX_MATCHES", 3)
    build_tree(tmp_path, {"ports.yaml": registry("      - {pattern: '(\\d)', value: 1}\n"),
                          "app.conf": "1 2 3 4 5\n"})
    result = run_cli(cwd=tmp_path)
    assert result.code == 2, result
    assert result.err.startswith("app.conf: replace pattern /(\\d)/ matches over 3 times in "
                                 "this file; make it name the place it means"), result
