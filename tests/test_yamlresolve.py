"""The resolver table gives every plain scalar the tag ruamel's own resolver gives it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from portsync.yamlkit import resolver
from tests.conftest import SHARED

VERSIONS = [(1, 2), (1, 1)]
SAMPLES = [
    "", "~", "null", "Null", "NULL", "nul", "true", "True", "TRUE", "tRUE", "yes", "No", "on",
    "OFF", "y", "n", "0", "-0", "+5", "007", "0o17", "0x1F", "0b101", "1_000", "1:20", "1:20.5",
    "1.5", "-.5", ".inf", "-.Inf", ".nan", "1e3", "1E-3", "2024-01-01", "2024-1-1 10:00:00",
    "2001-12-14t21:59:43.10-05:00", "<<", "=", "8000", "8000:8000", "http://x:80", "a b",
    "true\n", "8000\n", "-", "+", ".", "_", "0x", "1__0", "--", "0.", "._1", "1e", "é", "٣",
    # values a check meets (ports, ranges) and the edges of the paths that skip patterns
    "7000-7799", "-1000", "+8000", "0189", "+٣", "٣٣", "1-2", "1-2-3", "1.5e3", "5E", "tru",
    "false\n\n", "On", "OFF\n", "2024-01-01\n", "8_000", "-0x1F", "1:0-2",
]


def ruamel(value: str, version: tuple[int, int]) -> str:
    theirs = VersionedResolver(version=version)
    return str(theirs.resolve(ScalarNode, value, (True, False)))


@pytest.mark.parametrize("version", VERSIONS)
def test_samples(version: tuple[int, int]) -> None:
    for value in SAMPLES:
        assert resolver.resolve(value, version) == ruamel(value, version), value


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from("0123456789_-+.:eEoxbTtFfNnYyLlAa~<= \n"), max_size=8),
       st.sampled_from(VERSIONS))
def test_generated_scalars(value: str, version: tuple[int, int]) -> None:
    assert resolver.resolve(value, version) == ruamel(value, version), value


@pytest.mark.skipif(not (SHARED / "corpora").is_dir(), reason="no corpora")
def test_every_word_of_the_yaml_corpus() -> None:
    words = set()
    for path in sorted((SHARED / "corpora" / "yaml-test-suite").glob("*/in.yaml"))[:200]:
        words.update(path.read_text(encoding="utf-8", errors="replace").split())
    for value in sorted(words):
        for version in VERSIONS:
            assert resolver.resolve(value, version) == ruamel(value, version), value


@pytest.mark.parametrize(("tag", "pattern"), [
    (tag, pattern) for _, tag, pattern, _ in resolver._TABLE if tag in resolver._CAN_MATCH])
def test_a_skipped_pattern_could_not_have_matched(tag: str, pattern: object) -> None:
    # every value the pattern matches passes the test that lets resolve() skip it
    @settings(max_examples=150, deadline=None)
    @given(st.from_regex(pattern.compiled))  # type: ignore[attr-defined]
    def passes(value: str) -> None:
        assert resolver._CAN_MATCH[tag](value), value

    passes()
