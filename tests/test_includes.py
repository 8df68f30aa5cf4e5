"""include: registries of other repositories, by path or by git URL and rev (SPEC v2 §1).

Git repositories are made in tmp_path and reached through file:// URLs: no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RunCli, build_tree, snapshot

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command")


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PORTSYNC_CACHE_DIR", str(cache))
    return cache


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                           "-c", "init.defaultBranch=main", *args], cwd=repo, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


def platform_repo(tmp_path: Path, registry: str, tag: str = "v1") -> tuple[Path, str]:
    """A git repository holding ports.yaml, tagged; returns it and its commit."""
    repo = tmp_path / "platform"
    build_tree(repo, {"ports.yaml": registry})
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "ports")
    git(repo, "tag", tag)
    return repo, git(repo, "rev-parse", "HEAD")


PLATFORM = "version: 1\nservices:\n  auth: 9000\n  billing: {port: 9100, host: billing}\n"


def app(tmp_path: Path, include: str, services: str = "  web: 8000\n") -> Path:
    """The including repository: one target naming an included service."""
    return build_tree(tmp_path / "app", {
        "ports.yaml": f"version: 1\ninclude:\n{include}services:\n{services}"
                      "targets:\n  - path: app.env\n"
                      "    set: {AUTH_URL: \"{{ url('auth') }}\", WEB: \"{{ port('web') }}\"}\n",
        "app.env": "AUTH_URL=http://localhost:9000\nWEB=8000\n"})


def test_include_by_path_joins_checks_and_templates(tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path / "platform", {"ports.yaml": PLATFORM + "targets:\n"
                                       "  - {path: never.env, set: {A: 1}}\n"})
    root = app(tmp_path, "  - path: ../platform/ports.yaml\n")
    result = run_cli("--check", cwd=root)
    assert result.code == 0, result  # the included target (never.env, missing) is not run
    (root / "app.env").write_text("AUTH_URL=http://localhost:1\nWEB=8000\n")
    assert run_cli(cwd=root).code == 0
    assert (root / "app.env").read_text() == "AUTH_URL=http://localhost:9000\nWEB=8000\n"
    validated = run_cli("validate", cwd=root)
    assert validated.out.splitlines() == [
        "ports.yaml is valid: 1 service, 1 port, 1 environment, 1 target",
        "included from ../platform/ports.yaml: auth, billing"], validated
    table = run_cli("table", cwd=root)
    assert [line.split() for line in table.out.splitlines()[2:]] == [
        ["web", "8000"], ["auth", "9000", "../platform/ports.yaml"],
        ["billing", "9100", "../platform/ports.yaml"]], table
    document = json.loads(run_cli("table", "--format", "json", cwd=root).out)
    assert [p["registry"] for p in document["ports"]] == [None, "../platform/ports.yaml",
                                                          "../platform/ports.yaml"]


def test_collision_across_repositories_names_the_included_file_and_line(
        tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path / "platform", {"ports.yaml": PLATFORM})
    root = app(tmp_path, "  - path: ../platform\n", services="  web: 9100\n")
    before = snapshot(root)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err == ("ports.yaml:5:3: host port 9100 collides: web.http and billing.http "
                          "(../platform/ports.yaml:4:13) in default\n"), result
    assert snapshot(root) == before


def test_a_name_defined_twice_names_both_files(tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path / "platform", {"ports.yaml": PLATFORM})
    root = app(tmp_path, "  - path: ../platform/ports.yaml\n", services="  web: 8000\n"
               "  auth: 9001\n")
    result = run_cli("validate", cwd=root)
    assert (result.code, result.err) == (2, "ports.yaml:6:3: service 'auth' is defined twice: "
                                            "here and in ../platform/ports.yaml:3:3\n"), result


def test_a_cycle_of_includes_is_fine_and_caught_from_either_side(
        tmp_path: Path, run_cli: RunCli) -> None:
    one = tmp_path / "one"
    two = tmp_path / "two"
    build_tree(one, {"ports.yaml": "version: 1\ninclude: [{path: ../two}]\nservices: {a: 3002}\n"})
    build_tree(two, {"ports.yaml": "version: 1\ninclude: [{path: ../one}]\nservices: {b: 3004}\n"})
    assert run_cli("validate", cwd=one).code == 0
    assert run_cli("validate", cwd=two).code == 0
    (two / "ports.yaml").write_text("version: 1\ninclude: [{path: ../one}]\nservices: {b: 3002}\n")
    for here, there, mine, theirs in ((one, "../two", "a", "b"), (two, "../one", "b", "a")):
        result = run_cli("validate", cwd=here)
        assert result.err == (f"ports.yaml:3:12: host port 3002 collides: {mine}.http and "
                              f"{theirs}.http ({there}/ports.yaml:3:12) in default\n"), result


@pytest.mark.parametrize(("content", "message"), [
    (None, "ports.yaml:3:5: include: ../platform/ports.yaml: file not found"),
    ("services:\n  web:\n    image: nginx\n",
     "ports.yaml:3:5: include: ../platform/ports.yaml is not a portsync registry "
     "(it has no 'version: 1')"),
    ("version: 2\nservices: {a: 1}\n",
     "ports.yaml:3:5: include: ../platform/ports.yaml has version 2; this portsync reads "
     "version 1"),
    ("version: 1\nservices: {a: {port: 1100, colour: red}}\n",
     "ports.yaml:3:5: include: ../platform/ports.yaml:2:28: unknown key 'colour' in services.a"),
    ("version: 1\nservices: [\n",
     "ports.yaml:3:5: include: ../platform/ports.yaml:3:1: invalid YAML"),
])
def test_an_include_that_is_no_registry_is_an_error_at_its_entry(
        tmp_path: Path, run_cli: RunCli, content: str | None, message: str) -> None:
    if content is not None:
        build_tree(tmp_path / "platform", {"ports.yaml": content})
    root = app(tmp_path, "  - path: ../platform/ports.yaml\n")
    before = snapshot(root)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err.startswith(message) and result.err.count("\n") == 1, result
    assert snapshot(root) == before


@pytest.mark.parametrize(("entry", "message"), [
    ("  - git: https://example.com/x.git\n",
     "ports.yaml:3:5: include[0] needs 'rev': a tag or commit to pin"),
    ("  - {path: a, rev: v1}\n", "ports.yaml:3:20: include[0].rev goes with git:"),
    ("  - {git: https://example.com/x.git, rev: 1234567}\n",
     "ports.yaml:3:43: include[0].rev must be a string, not 1234567"),
    ("  - {url: x}\n", "ports.yaml:3:6: unknown key 'url' in include[0]"),
    ("  - ../x/ports.yaml\n", "ports.yaml:3:5: include[0] must be a mapping like"),
])
def test_bad_include_entries(tmp_path: Path, run_cli: RunCli, entry: str, message: str) -> None:
    root = app(tmp_path, entry)
    result = run_cli("validate", cwd=root)
    assert result.code == 2 and message in result.err, result


def test_include_by_git_tag_then_check_offline(tmp_path: Path, run_cli: RunCli,
                                              _cache: Path) -> None:
    repo, _ = platform_repo(tmp_path, PLATFORM)
    root = app(tmp_path, f"  - {{git: '{repo.as_uri()}', rev: v1}}\n")
    before = snapshot(root)
    # --check never fetches a rev it has not fetched before...
    result = run_cli("--check", cwd=root)
    assert result.code == 2, result
    assert result.err == (f"ports.yaml:3:5: include {repo.as_uri()}@v1 has not been fetched "
                          "yet, and --check fetches nothing new: run `portsync --check "
                          "--fetch` once\n"), result
    # ...unless --fetch says so; later runs need neither the network nor the repository.
    assert run_cli("--check", "--fetch", cwd=root).code == 0
    assert list((_cache / "includes").iterdir())  # in the cache, not in the repository
    shutil.rmtree(repo)
    for args in (["--check"], ["--check"], ["validate"], []):  # cold, then from the cache
        result = run_cli(*args, cwd=root)
        assert result.code == 0, (args, result)
    assert snapshot(root) == before
    table = run_cli("table", cwd=root)
    assert f"{repo.as_uri()}@v1:ports.yaml" in table.out, table


def test_include_by_commit_and_a_path_inside_the_repository(tmp_path: Path,
                                                             run_cli: RunCli) -> None:
    repo, commit = platform_repo(tmp_path, "version: 1\ninclude: [{path: infra}]\n"
                                           "services: {billing: 9100}\n")
    build_tree(repo, {"infra/ports.yaml": "version: 1\nservices: {auth: 9000}\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "infra")
    commit = git(repo, "rev-parse", "HEAD")
    for rev in (commit, commit[:10]):  # a full and an abbreviated commit id
        root = app(tmp_path, f"  - {{git: '{repo.as_uri()}', rev: '{rev}'}}\n")
        result = run_cli("validate", cwd=root)
        assert result.code == 0, result
        assert f"included from {repo.as_uri()}@{rev}:infra/ports.yaml: auth" in result.out


def test_a_changed_tag_is_picked_up_only_by_fetch(tmp_path: Path, run_cli: RunCli) -> None:
    repo, _ = platform_repo(tmp_path, PLATFORM)
    root = app(tmp_path, f"  - {{git: '{repo.as_uri()}', rev: v1}}\n")
    assert run_cli(cwd=root).code == 0
    # The platform team moves tag v1 to a commit where auth listens on 9001.
    (repo / "ports.yaml").write_text(PLATFORM.replace("9000", "9001"))
    git(repo, "commit", "-qam", "move auth")
    git(repo, "tag", "-f", "v1")
    assert run_cli("--check", cwd=root).code == 0  # the cached v1: stable and offline
    result = run_cli("--check", "--fetch", cwd=root)
    assert result.code == 1, result
    assert "app.env:1: AUTH_URL: found http://localhost:9000, expected " \
           "http://localhost:9001" in result.out, result


def test_a_changed_include_is_never_answered_from_the_check_cache(
        tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path / "platform", {"ports.yaml": PLATFORM})
    root = app(tmp_path, "  - path: ../platform/ports.yaml\n")
    assert run_cli("--check", cwd=root).code == 0
    assert run_cli("--check", cwd=root).code == 0  # answered from the cache
    (tmp_path / "platform" / "ports.yaml").write_text(PLATFORM.replace("9000", "9001"))
    result = run_cli("--check", cwd=root)
    assert result.code == 1, result


@pytest.mark.parametrize(("rev", "reason"), [
    ("v9", "fatal: couldn't find remote ref v9"),
    ("0123456789abcdef", "fatal: couldn't find remote ref 0123456789abcdef"),
])
def test_unknown_rev_prints_gits_reason(tmp_path: Path, run_cli: RunCli, rev: str,
                                        reason: str) -> None:
    repo, _ = platform_repo(tmp_path, PLATFORM)
    root = app(tmp_path, f"  - {{git: '{repo.as_uri()}', rev: '{rev}'}}\n")
    result = run_cli("validate", cwd=root)
    assert (result.code, result.err) == (
        2, f"ports.yaml:3:5: include {repo.as_uri()}@{rev}: git fetch failed: {reason}\n"), result


def test_unreachable_url_prints_gits_reason(tmp_path: Path, run_cli: RunCli) -> None:
    url = (tmp_path / "nowhere").as_uri()
    root = app(tmp_path, f"  - {{git: '{url}', rev: v1}}\n")
    before = snapshot(root)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert result.err == (f"ports.yaml:3:5: include {url}@v1: git fetch failed: fatal: "
                          f"'{tmp_path / 'nowhere'}' does not appear to be a git repository\n"
                          ), result
    assert snapshot(root) == before


def test_a_path_leaving_the_git_repository_is_refused(tmp_path: Path, run_cli: RunCli) -> None:
    repo, _ = platform_repo(tmp_path, PLATFORM)
    root = app(tmp_path, f"  - {{git: '{repo.as_uri()}', rev: v1, path: ../../ports.yaml}}\n")
    result = run_cli("validate", cwd=root)
    assert (result.code, result.err) == (
        2, f"ports.yaml:3:5: include: ../../ports.yaml leads out of the repository "
           f"{repo.as_uri()}@v1\n"), result


def test_environments_are_matched_by_name(tmp_path: Path, run_cli: RunCli) -> None:
    # shared: no environments, so in all of app's; ci-tools: only "dev", with its own offset.
    build_tree(tmp_path, {
        "shared/ports.yaml": "version: 1\nservices: {db: 5432}\n",
        "tools/ports.yaml": "version: 1\nenvironments: {dev: {offset: 10}, qa: {}}\n"
                            "services: {lint: 7000}\n",
        "app/ports.yaml": "version: 1\ninclude: [{path: ../shared}, {path: ../tools}]\n"
                          "environments: {dev: {}, staging: {host_offset: 100}}\n"
                          "services: {web: 7010}\n"})
    result = run_cli("validate", cwd=tmp_path / "app")
    assert result.code == 2, result  # tools' lint in dev is 7000 + 10: app's web
    assert result.err == ("ports.yaml:4:12: host port 7010 collides: web.http and lint.http "
                          "(../tools/ports.yaml:3:12) in dev\n"), result
    (tmp_path / "app" / "ports.yaml").write_text(
        (tmp_path / "app" / "ports.yaml").read_text().replace("7010", "7020"))
    table = run_cli("table", "--format", "csv", cwd=tmp_path / "app")
    assert table.out.splitlines() == [
        "service,port_name,dev,staging,group,description,registry",
        "web,http,7020,7020 (host 7120),,,",
        "db,http,5432,5432,,,../shared/ports.yaml",  # as written in every environment
        "lint,http,7010,,,,../tools/ports.yaml"], table  # tools has no staging


def test_a_registry_without_environments_sees_includes_in_their_default(
        tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path, {
        "tools/ports.yaml": "version: 1\nenvironments: {qa: {offset: 5}, dev: {offset: 10}}\n"
                            "default_environment: dev\nservices: {lint: 7000}\n",
        "app/ports.yaml": "version: 1\ninclude: [{path: ../tools}]\nservices: {web: 7010}\n"})
    result = run_cli("validate", cwd=tmp_path / "app")
    assert result.err == ("ports.yaml:3:12: host port 7010 collides: web.http and lint.http "
                          "(../tools/ports.yaml:4:12) in default\n"), result


def test_allocate_counts_included_ports_and_writes_beside_its_includes(
        tmp_path: Path, run_cli: RunCli) -> None:
    build_tree(tmp_path / "platform", {"ports.yaml": "version: 1\nservices: {auth: 1024}\n"})
    root = build_tree(tmp_path / "app", {
        "ports.yaml": "version: 1\ninclude: [{path: ../platform}]\nservices: {web: 1025}\n"})
    result = run_cli("allocate", "api", "--publish", "--write", cwd=root)
    assert (result.code, result.out) == (0, "1026\n"), result
    assert (root / "ports.yaml").read_text().endswith("services: {web: 1025, api: 1026}\n")
    assert run_cli("allocate", "auth", cwd=root).err == \
        "portsync: error: service 'auth' already exists in ports.yaml\n"


def test_reserved_ranges_of_every_registry_apply_and_validate_stays_short(
        tmp_path: Path, run_cli: RunCli) -> None:
    many = "".join(f"  s{i}: {9000 + i}\n" for i in range(12))
    build_tree(tmp_path / "platform", {
        "ports.yaml": f"version: 1\nranges: {{vendor: {{from: 8100, to: 8199, reserved: true}}}}"
                      f"\nservices:\n{many}"})
    root = build_tree(tmp_path / "app", {
        "ports.yaml": "version: 1\ninclude: [{path: ../platform}]\nservices: {web: 8150}\n"})
    result = run_cli("validate", cwd=root)
    assert (result.code, result.err) == (
        2, "ports.yaml:3:12: web.http port 8150 lies in reserved range vendor (8100-8199)\n"), result
    (root / "ports.yaml").write_text(
        "version: 1\ninclude: [{path: ../platform}]\nservices: {web: 8250}\n")
    result = run_cli("validate", cwd=root)
    assert result.out.splitlines()[1] == ("included from ../platform/ports.yaml: s0, s1, s2, s3, "
                                          "s4, s5, s6, s7, s8, s9 and 2 more"), result


@pytest.mark.parametrize("entry", [
    "{git: '--upload-pack=touch {marker}', rev: v1}",
    "{git: 'file:///nowhere', rev: '--upload-pack=touch {marker}'}",
    "{git: 'ext::sh -c touch% {marker}', rev: v1}",
])
def test_a_git_include_never_runs_a_command(tmp_path: Path, run_cli: RunCli, entry: str) -> None:
    marker = tmp_path / "pwned"
    root = app(tmp_path, f"  - {entry.replace('{marker}', str(marker))}\n")
    result = run_cli("validate", cwd=root)
    assert result.code == 2, result
    assert not marker.exists()


_PROBE = ("import sys\nfrom portsync.entry import main\ncode = main(['--check', '--no-cache'])\n"
          "print(code, sorted(m for m in ('subprocess', 'shutil', 'tempfile', "
          "'portsync.registry.gitcache') if m in sys.modules))\n")


def test_an_include_costs_no_git_machinery_once_fetched(tmp_path: Path, run_cli: RunCli) -> None:
    """Start-up: a path include loads nothing a single file does not; a fetched git include
    reads its checkout without subprocess, shutil or tempfile (those are for fetching)."""
    build_tree(tmp_path / "platform", {"ports.yaml": PLATFORM})
    by_path = app(tmp_path, "  - path: ../platform\n")
    repo, _ = platform_repo(tmp_path / "git", PLATFORM)
    by_git = app(tmp_path / "git", f"  - {{git: '{repo.as_uri()}', rev: v1}}\n")
    assert run_cli("validate", cwd=by_git).code == 0  # fetched once
    seen = [subprocess.run([sys.executable, "-c", _PROBE], cwd=root, capture_output=True,
                           text=True, env=os.environ, check=False, timeout=60).stdout
            for root in (by_path, by_git)]
    assert [s.splitlines()[-1] for s in seen] == [
        "0 []", "0 ['portsync.registry.gitcache']"], seen
