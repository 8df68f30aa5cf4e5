"""The plain-text editor rewrites the port group of every match, and nothing else."""

from __future__ import annotations

import pytest

from portsync.editors import Edited
from portsync.editors.textfile import apply_replace
from portsync.errors import TargetError
from portsync.model import ReplaceEdit, Source

NGINX = """\
upstream backend {
    server localhost:8080;  # backend
    server localhost:8080;  # backend
    server localhost:8080 backup;
}
server {
    listen 80;
    location /api/ { proxy_pass http://backend; }
}
"""


def run(text: str, *rules: tuple[str, str]) -> Edited:
    edits = [ReplaceEdit(p, v, Source("ports.yaml", 9, 7)) for p, v in rules]
    return apply_replace(text, edits, "nginx/site.conf")


def test_every_match_is_rewritten_and_reported_on_its_line() -> None:
    for newline in ("\n", "\r\n"):
        original = NGINX.replace("\n", newline)
        pattern = r"server localhost:(?P<port>\d+);  # backend"
        result = run(original, (pattern, "8081"))
        assert result.text == original.replace(":8080;  # backend", ":8081;  # backend")
        assert [(c.key, c.line, c.found, c.expected) for c in result.changes] == [
            (f"replace /{pattern}/", 2, "8080", "8081"), (f"replace /{pattern}/", 3, "8080", "8081")]


@pytest.mark.parametrize(("pattern", "old", "new"), [
    (r"listen (\d+);", "listen 80;", "listen 9;"),                       # group 1
    (r"(server) localhost:(?P<port>\d+) backup", ":8080 backup", ":9 backup"),  # named group wins
    (r"^\s+listen (?P<port>\d+);$", "listen 80;", "listen 9;"),          # multi-line ^ and $
])
def test_the_port_group_or_group_1_is_rewritten(pattern: str, old: str, new: str) -> None:
    assert run(NGINX, (pattern, "9")).text == NGINX.replace(old, new)


def test_a_value_already_right_changes_nothing() -> None:
    result = run(NGINX, (r"listen (\d+);", "80"))
    assert result.text == NGINX
    assert result.changes == ()


def test_dockerfile_expose_and_package_json_script() -> None:
    dockerfile = "FROM node:20\nEXPOSE 3000\nCMD [\"npm\", \"start\"]\n"
    assert run(dockerfile, (r"^EXPOSE (\d+)", "4000")).text == dockerfile.replace("3000", "4000")
    package = '{\n  "scripts": {"dev": "vite --port 3000", "preview": "vite preview"}\n}\n'
    result = run(package, (r"vite --port (\d+)", "3100"))
    assert result.text == package.replace("3000", "3100")


def test_two_patterns_on_one_value_must_agree() -> None:
    same = run(NGINX, (r"listen (\d+)", "81"), (r"listen (?P<port>\d+);", "81"))
    assert same.text == NGINX.replace("listen 80", "listen 81")
    with pytest.raises(TargetError, match=r"nginx/site.conf:7: .* rewrite the same text"):
        run(NGINX, (r"listen (\d+)", "81"), (r"listen (?P<port>\d+);", "82"))
    with pytest.raises(TargetError, match=r"nginx/site.conf:7: two replace patterns match overlap"):
        run(NGINX, (r"listen (\d+)", "81"), (r"listen (\d)", "8"))


@pytest.mark.parametrize(("pattern", "message"), [
    (r"server nowhere:(\d+);", r"nginx/site.conf: replace pattern /server nowhere:(\d+);/ "
                               "matches nothing"),
    (r"listen \d+;", r"ports.yaml:9:7: pattern /listen \d+;/ needs a group (?P<port>...)"),
    (r"listen (\d+", r"ports.yaml:9:7: pattern /listen (\d+/ is not a valid regex: "),
])
def test_errors_name_file_and_pattern(pattern: str, message: str) -> None:
    with pytest.raises(TargetError) as info:
        run(NGINX, (pattern, "1"))
    assert str(info.value).startswith(message), str(info.value)


def test_a_group_outside_the_matched_branch_is_skipped() -> None:
    text = "a=1\nb=2\n"
    result = run(text, (r"^a=(?P<port>\d)|^b=\d", "9"))
    assert result.text == "a=9\nb=2\n"
