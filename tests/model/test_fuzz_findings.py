"""Scene inputs a fuzzer found crashing PacketStage, each as its smallest reproducer.

Every one used to end in a traceback (struct.error, ValueError, KeyError, AssertionError,
RecursionError) or in a flood of output; each must now be refused with one ``FILE:LINE:COL:``
line pointing at what the author has to change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from animator.cli import main
from animator.model.errors import MAX_ERRORS
from tests.scenekit import NAMELESS_DNS

TWO_HOSTS = """\
format: 1
title: t
hop_time: HOP
nodes:
  - {id: a, kind: host, ipv4: 10.0.0.1/24}
  - {id: b, kind: server, ipv4: 10.0.0.2/24}
links:
  - {between: [a, b]}
steps:
  - caption: c
    duration: DURATION
    actions:
      - send: {from: a, to: b, at: AT, layers: [ip, tcp]}
"""


def scene(hop: str = "0.8", duration: str = "null", at: str = "0") -> str:
    return TWO_HOSTS.replace("HOP", hop).replace("DURATION", duration).replace("AT", at)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    """Exit status, the error lines printed (stdout and stderr, without validate's summary), all output."""
    status = main(args)
    out, err = capsys.readouterr()
    lines = [line for line in (out + err).splitlines() if line and not line.endswith("scene(s) valid")]
    return status, lines, out + err


def refused_once(path: Path, line: int, capsys: pytest.CaptureFixture[str], *words: str) -> str:
    """Validate ``path``: refused with exactly one error at ``path:line``, mentioning ``words``; returns it."""
    status, lines, everything = run(["validate", str(path)], capsys)
    assert status == 1
    assert "Traceback" not in everything
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}:{line}:"), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# -- 1. times and durations without bound ------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (scene(hop="1.0e+300"), 3, ("hop_time", "at most 60 s")),
        (scene(hop="1.0e+8"), 3, ("hop_time", "at most 60 s")),
        (scene(at="1.0e+300"), 13, ("at", "at most 3600 s")),
        (scene(duration="1.0e+300"), 11, ("duration", "at most 3600 s")),
    ],
    ids=["hop_time-1e300", "hop_time-1e8", "at-1e300", "duration-1e300"],
)
def test_huge_times_are_refused_by_validate(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str], text: str, line: int, words: tuple[str, ...]
) -> None:
    refused_once(write_scene(text), line, capsys, *words)


def test_huge_send_time_is_refused_by_pcap_export_instead_of_crashing_the_writer(
    write_scene: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scene(scene(at="1.0e+300"))
    out = tmp_path / "out.pcapng"
    status, lines, everything = run(["export", str(path), "--pcap", str(out)], capsys)
    assert status == 1
    assert "Traceback" not in everything and "struct.error" not in everything
    assert len(lines) == 1 and lines[0].startswith(f"{path}:13:"), lines
    assert not out.exists()


def test_an_hour_long_step_is_still_accepted(write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, _ = run(["validate", str(write_scene(scene(hop="60", duration="3600", at="3599")))], capsys)
    assert (status, lines) == (0, [])


# -- 2. a sender without an address, to a proxy with a list of addresses --------------------------
def test_http_from_a_host_without_address_is_a_scene_error(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scene(
        """\
        format: 1
        title: t
        nodes:
          - {id: a, kind: host}
          - {id: p, kind: proxy, ipv4: [10.0.0.3/24, 203.0.113.3/24]}
        links:
          - {between: [a, p]}
        steps:
          - caption: c
            actions:
              - send: {from: a, to: p, layers: [http: {}]}
        """
    )
    refused_once(path, 11, capsys, "'a' has no IPv4 address to send from")


# -- 3. an internet node without an address asking a DNS server -----------------------------------


def test_dns_from_a_node_without_address_is_a_scene_error(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # It used to reach scapy as the host name "None" and send a real DNS query for it
    # (tests/engine/test_no_network.py checks that nothing does with the network blocked).
    refused_once(write_scene(NAMELESS_DNS), 11, capsys, "'i' has no IPv4 address to send from")


# -- 4. a scalar where a list of backends belongs ----------------------------------------------------
def test_unknown_backend_given_as_one_name_points_at_it(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scene(
        """\
        format: 1
        title: t
        nodes:
          - {id: a, kind: host, ipv4: 10.0.0.1/24}
          - {id: lb, kind: load-balancer, ipv4: 10.0.0.2/24, balancer: {backends: ghost}}
        links:
          - {between: [a, lb]}
        steps:
          - caption: c
            actions:
              - send: {from: a, to: lb, label: x}
        """
    )
    error = refused_once(path, 5, capsys, "unknown node 'ghost'")
    assert error.startswith(f"{path}:5:75:")  # the word 'ghost' itself


# -- 5. a reverse proxy whose pool names a backend it cannot reach -----------------------------------
PROXY = """\
format: 1
title: t
nodes:
  - {id: a, kind: host, ipv4: 10.0.0.1/24}
  - {id: rp, kind: reverse-proxy, ipv4: 10.0.0.2/24, balancer: {pools: [{backends: [app]}]}}
  - {id: app, kind: server APP_ADDRESS}
links:
  - {between: [a, rp]}
  LINK
steps:
  - caption: c
    actions:
      - send: {from: a, to: rp, layers: [http: {}]}
"""


def test_pool_backend_the_proxy_is_not_linked_to_is_a_scene_error(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scene(PROXY.replace("APP_ADDRESS", "").replace("  LINK\n", ""))
    refused_once(path, 5, capsys, "backend 'app' is not reachable")


def test_pool_backend_without_address_is_a_scene_error_at_the_send(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scene(PROXY.replace("APP_ADDRESS", "").replace("LINK", "- {between: [rp, app]}"))
    refused_once(path, 13, capsys, "'rp' cannot connect to its backend 'app'")


def test_linked_pool_backend_with_an_address_is_accepted(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scene(PROXY.replace("APP_ADDRESS", ", ipv4: 10.0.0.3/24").replace("LINK", "- {between: [rp, app]}"))
    status, lines, _ = run(["validate", str(path)], capsys)
    assert (status, lines) == (0, [])


# -- 6. a raw payload nested hundreds of lists deep ----------------------------------------------------
def raw_load(depth: int) -> str:
    return scene().replace("[ip, tcp]", f"[ip, udp, raw: {{load: {'[' * depth}{']' * depth}}}]")


@pytest.mark.parametrize("depth", [101, 500, 990])
def test_deeply_nested_layer_field_is_refused(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str], depth: int
) -> None:
    refused_once(write_scene(raw_load(depth)), 13, capsys, "nested more than 100 levels deep")


def test_layer_field_nested_100_levels_gets_past_the_depth_check(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines, everything = run(["validate", str(write_scene(raw_load(100)))], capsys)
    assert "Traceback" not in everything
    assert not any("levels deep" in line for line in lines)  # raw's own check may still refuse a list


# -- 7. an error flood ---------------------------------------------------------------------------------
def test_thousands_of_unknown_layer_fields_print_at_most_a_hundred_lines(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    fields = ", ".join(f"f{i}: 1" for i in range(1000))
    path = write_scene(scene().replace("[ip, tcp]", f"[ip, udp, raw: {{{fields}}}]"))
    status, lines, everything = run(["validate", str(path)], capsys)
    assert status == 1 and "Traceback" not in everything
    assert len(lines) == MAX_ERRORS == 100
    assert all(line.startswith(f"{path}:13:") for line in lines)
    assert "unknown field 'f0' in raw" in lines[0]
    assert lines[-1].endswith(f"... and {1000 - MAX_ERRORS + 1} more errors not shown")


def test_a_scene_of_more_than_a_day_is_refused_at_the_step_that_crosses_it(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    step = "  - caption: long\n    duration: 3600\n    actions:\n      - send: {from: a, to: b, label: x}\n"
    text = scene().split("  - caption: c")[0] + step * 25  # 25 hours; step 25 starts at line 9 + 24 * 4
    path = write_scene(text)
    refused_once(path, 9 + 24 * 4 + 1, capsys, "step 25", "at most 24 hours")


# -- found by the property test (test_fuzz_property.py) ------------------------------------------------
#: A TCP segment over IPv6 to a server that has no such connection (ipv4-vs-ipv6.yaml cut to its
#: last steps): the server's RST was built with an IPv4 header, and an IPv6 address in it crashed
#: the simulation with "ValueError: '2001:db8::1' is not an IPv4 address".
STRAY_IPV6_SEGMENT = """\
format: 1
title: t
nodes:
  - {id: a, kind: host, ipv6: "2001:db8::1/64"}
  - {id: b, kind: server, ipv6: "2001:db8::2/64"}
links:
  - {between: [a, b]}
steps:
  - caption: c
    actions:
      - send: {from: a, to: b, layers: [tcp: {flags: A}]}
"""


def test_a_stray_ipv6_segment_is_answered_with_an_ipv6_rst(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from animator.engine import build_timeline
    from animator.model import load_scene
    from animator.packets.dissect import dissect

    path = write_scene(STRAY_IPV6_SEGMENT)
    status, lines, everything = run(["validate", str(path)], capsys)
    assert (status, lines) == (0, []) and "Traceback" not in everything
    (rst,) = [m for m in build_timeline(load_scene(path)).messages if m.label == "RST"]
    assert rst.path == ("b", "a")
    assert [node.key for node in dissect(rst.frames[0] or b"")][:3] == ["Ether", "IPv6", "TCP"]


def test_a_firewall_rejects_an_ipv6_segment_with_an_ipv6_rst(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The firewall's REJECT built its RST the same way (same fix, found by reading the code)."""
    from animator.engine import build_timeline
    from animator.model import load_scene
    from animator.packets.dissect import dissect

    text = STRAY_IPV6_SEGMENT.replace(
        '  - {id: b, kind: server, ipv6: "2001:db8::2/64"}',
        '  - {id: b, kind: server, ipv6: "2001:db8::2/64", '
        "firewall: {rules: [{chain: INPUT, action: REJECT, reject_with: tcp-reset, proto: tcp}]}}",
    ).replace("flags: A", "flags: S")
    path = write_scene(text)
    status, lines, everything = run(["validate", str(path)], capsys)
    assert (status, lines) == (0, []) and "Traceback" not in everything
    (rst,) = [m for m in build_timeline(load_scene(path)).messages if m.label == "RST (rejected)"]
    assert [node.key for node in dissect(rst.frames[0] or b"")][:3] == ["Ether", "IPv6", "TCP"]


def test_a_step_whose_only_packet_cannot_leave_its_sender_still_plays(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A host given its gateway's own address (home-nat.yaml with one address changed) cannot send:
    the packet is dropped where it is, before any hop, and the scheduler took the longest of no
    hops ("ValueError: max() arg is an empty sequence")."""
    from animator.engine import build_timeline
    from animator.model import load_scene

    text = """\
format: 1
title: t
nodes:
  - {id: laptop, kind: host, ipv4: 192.168.1.1/32}
  - {id: sw, kind: switch}
  - {id: nat, kind: nat, ipv4: [192.168.1.1/24]}
  - {id: internet, kind: internet}
  - {id: server, kind: server, ipv4: 198.51.100.80/24}
links:
  - {between: [laptop, sw]}
  - {between: [sw, nat]}
  - {between: [nat, internet]}
  - {between: [internet, server]}
steps:
  - caption: c
    actions:
      - send: {from: laptop, to: server, layers: [http: {}]}
"""
    path = write_scene(text)
    status, _, everything = run(["validate", str(path)], capsys)
    assert status == 0 and "Traceback" not in everything
    timeline = build_timeline(load_scene(path))
    assert timeline.step_count == 1 and not timeline.messages


def test_a_number_too_large_for_a_float_is_refused_at_its_position(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """``hop_time: 1000…0`` (401 digits) is a valid YAML integer no float can hold: the decoder's
    float() raised OverflowError before the bound on hop_time could say anything."""
    path = write_scene(scene(hop="1" + "0" * 400))
    line = refused_once(path, 3, capsys, "hop_time", "too large")
    assert "OverflowError" not in line


def test_a_dual_stack_reply_over_ipv6_does_not_continue_the_ipv4_connection(
    write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A SYN over IPv4, then a SYN-ACK the author sends over IPv6 (ipv4-vs-ipv6.yaml with the laptop
    made an ``internet`` node): the reply took the IPv4 connection as its own and put its IPv4
    addresses in the IPv6 header ("ValueError: '10.0.0.2' is not an IPv6 address")."""
    from animator.engine import build_timeline
    from animator.model import load_scene
    from animator.packets.dissect import dissect

    text = """\
format: 1
title: t
nodes:
  - {id: a, kind: host, ipv4: 10.0.0.1/24, ipv6: "2001:db8::1/64"}
  - {id: b, kind: server, ipv4: 10.0.0.2/24, ipv6: "2001:db8::2/64"}
links:
  - {between: [a, b]}
steps:
  - caption: c
    actions:
      - send: {from: a, to: b, label: SYN, layers: [tcp: {flags: S}]}
      - send: {from: b, to: a, label: SYN-ACK, at: 2, layers: [ipv6, tcp: {flags: SA}]}
"""
    path = write_scene(text)
    status, lines, everything = run(["validate", str(path)], capsys)
    assert (status, lines) == (0, []) and "Traceback" not in everything
    (reply,) = [m for m in build_timeline(load_scene(path)).messages if m.label == "SYN-ACK"]
    ipv6 = next(node for node in dissect(reply.frames[0] or b"") if node.key == "IPv6")
    addresses = {child.key: child.value for child in ipv6.children}
    assert (addresses["src"], addresses["dst"]) == ("2001:db8::2", "2001:db8::1")
