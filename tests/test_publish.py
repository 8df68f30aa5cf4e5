"""Container-only ports (publish:) and host-only offsets (host_offset:), SPEC v2 §1."""

from __future__ import annotations

import json

import pytest

from tests.conftest import RunCli, snapshot

K8S = """\
version: 1
services:
  cart:
    ports: {grpc: 8080, metrics: 9464}
    publish: false
  checkout:
    ports: {grpc: 8080, metrics: 9464}
    publish: [grpc]
  frontend: {port: 8080, publish: false}
  gateway: 9464
targets:
  - path: cart.env
    set:
      CART_ADDR: "{{ url('cart', 'grpc', host='cart') }}"
      CART_PORT: "{{ port('cart', 'grpc') }}"
      CHECKOUT_HOST_PORT: "{{ host_port('checkout', 'grpc') }}"
"""


def test_unpublished_ports_never_collide(tree, run_cli: RunCli) -> None:
    root = tree({"ports.yaml": K8S, "cart.env": "CART_ADDR=x\nCART_PORT=1\nCHECKOUT_HOST_PORT=1\n"})
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert (root / "cart.env").read_text() == \
        "CART_ADDR=http://cart:8080\nCART_PORT=8080\nCHECKOUT_HOST_PORT=8080\n"


def test_published_ports_still_collide(tree, run_cli: RunCli) -> None:
    # checkout publishes grpc only; a published 8080 elsewhere collides with it, not with cart.
    root = tree({"ports.yaml": K8S.replace("  gateway: 9464\n", "  gateway: 8080\n")})
    result = run_cli("validate", cwd=root)
    assert result.code == 2, result
    assert result.err == ("ports.yaml:10:3: host port 8080 collides: checkout.grpc and "
                          "gateway.http in default\n"), result


def test_host_port_of_an_unpublished_port_is_an_error_naming_the_service(
        tree, run_cli: RunCli) -> None:
    text = K8S.replace("host_port('checkout', 'grpc')", "host_port('checkout', 'metrics')")
    root = tree({"ports.yaml": text, "cart.env": ""})
    before = snapshot(root)
    result = run_cli(cwd=root)
    assert result.code == 2, result
    assert "service 'checkout' does not publish its 'metrics' port" in result.err, result
    assert snapshot(root) == before


@pytest.mark.parametrize(("service", "message"), [
    ("{port: 8000, publish: false, host_port: 9000}",
     "ports.yaml:3:46: services.a.host_port: port 'http' is not published (see publish:), "
     "so it has no host port"),
    ("{ports: {x: 1100}, publish: [y]}",
     "ports.yaml:3:35: unknown port 'y' in services.a.publish"),
    ("{port: 8000, publish: 'no'}",
     "ports.yaml:3:28: services.a.publish must be true, false or a list of port names, "
     "not the string 'no'"),
    ("{ports: {x: 1100, y: 1200}, publish: [x], host_ports: {y: 1300}}",
     "ports.yaml:3:60: services.a.host_ports: port 'y' is not published (see publish:), "
     "so it has no host port"),
])
def test_bad_publish(tree, run_cli: RunCli, service: str, message: str) -> None:
    root = tree({"ports.yaml": f"version: 1\nservices:\n  a: {service}\n"})
    result = run_cli("validate", cwd=root)
    assert (result.code, result.err) == (2, message + "\n"), result


def test_table_shows_unpublished_ports(tree, run_cli: RunCli) -> None:
    root = tree({"ports.yaml": K8S})
    result = run_cli("table", cwd=root)
    assert result.code == 0, result
    rows = {line.split()[0]: line.split(None, 1)[1] for line in result.out.splitlines()[2:]}
    assert rows == {"cart.grpc": "8080 (not published)", "cart.metrics": "9464 (not published)",
                    "checkout.grpc": "8080", "checkout.metrics": "9464 (not published)",
                    "frontend": "8080 (not published)", "gateway": "9464"}, result
    document = json.loads(run_cli("table", "--format", "json", cwd=root).out)
    cart = next(p for p in document["ports"] if p["service"] == "cart")
    assert cart["environments"] == {"default": {"port": 8080, "host_port": None}}


def test_status_does_not_look_for_unpublished_ports(tree, run_cli: RunCli) -> None:
    root = tree({"ports.yaml": K8S})
    result = run_cli("status", "--format", "json", cwd=root)
    assert result.code == 0, result
    document = json.loads(result.out)
    assert {(p["service"], p["name"]) for p in document["ports"]} == \
        {("checkout", "grpc"), ("gateway", "http")}
    assert "4 ports not published on the host (publish: in ports.yaml) not looked for: " \
           "they listen inside their containers" in document["notes"]


STACK = """\
version: 1
parallel_environments: true
environments:
  dev: {}
  staging: {host_offset: 10000}
  test: {offset: 100, host_offset: 20000}
services:
  web: {port: 8000}
  smtp: {port: 2525, host_port: {staging: 2600}}
  db: {port: 5432, fixed: true}
  worker: {port: 8100, publish: false}
targets:
  - path: compose.{env}.yaml
    create: true
    set:
      web: "{{ host_port('web') }}:{{ port('web') }}"
      smtp: "{{ host_port('smtp') }}:{{ port('smtp') }}"
      db: "{{ host_port('db') }}:{{ port('db') }}"
      worker: "{{ port('worker') }}"
"""


def test_host_offset_moves_only_the_published_side(tree, run_cli: RunCli) -> None:
    root = tree({"ports.yaml": STACK})
    result = run_cli(cwd=root)
    assert result.code == 0, result
    assert (root / "compose.dev.yaml").read_text() == \
        "web: 8000:8000\nsmtp: 2525:2525\ndb: 5432:5432\nworker: 8100\n"
    # staging: host side + 10000; the pinned smtp host port and fixed db are exempt
    assert (root / "compose.staging.yaml").read_text() == \
        "web: 18000:8000\nsmtp: 2600:2525\ndb: 5432:5432\nworker: 8100\n"
    # test: offset on both sides first, then the host offset on the published side
    assert (root / "compose.test.yaml").read_text() == \
        "web: 28100:8100\nsmtp: 22625:2625\ndb: 5432:5432\nworker: 8200\n"


def test_host_offset_moving_a_port_out_of_its_range_is_an_error(tree, run_cli: RunCli) -> None:
    root = tree({"ports.yaml": STACK.replace("host_offset: 20000}",
                                             "host_offset: 20000, range: 28000-28999}")})
    result = run_cli("validate", cwd=root)
    assert result.code == 2, result
    assert result.err == ("ports.yaml:9:10: smtp.http host port in test is 22625, outside the "
                          "environment's range 28000-28999 (offset +100, host offset +20000)\n"
                          ), result


def test_host_offset_must_be_an_integer(tree, run_cli: RunCli) -> None:
    root = tree({"ports.yaml": "version: 1\nenvironments:\n  ci: {host_offset: lots}\n"})
    result = run_cli("validate", cwd=root)
    assert result.err == ("ports.yaml:3:21: environments.ci.host_offset must be an integer, "
                          "not the string 'lots'\n"), result


def test_one_unpublished_port_is_counted_in_the_singular(tree, run_cli: RunCli) -> None:
    root = tree({"ports.yaml": "version: 1\nservices:\n  api: 8000\n"
                               "  db: {port: 5432, publish: false}\n"})
    result = run_cli("status", "--format", "json", cwd=root)
    assert result.code == 0, result
    assert "1 port not published on the host (publish: in ports.yaml) not looked for: " \
           "it listens inside its container" in json.loads(result.out)["notes"], result
