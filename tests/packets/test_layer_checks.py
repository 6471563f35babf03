"""Mistakes in a layer stack are scene errors at the token to fix, never tracebacks."""

from __future__ import annotations

import pytest

from animator.packets import LAYER_NAMES, check_layers
from tests.packets.conftest import Layer, layer, layers_from_yaml


def errors(text: str) -> list[str]:
    return [str(e) for e in check_layers(layers_from_yaml(text), "scene.yaml")]


def test_valid_stack_has_no_errors() -> None:
    assert errors("- tcp: {dport: 80, flags: PA}\n- http: {method: GET, path: /, headers: {Host: www.example.com}}\n") == []
    assert errors("- ip\n- tcp\n") == []


def test_unknown_layer_at_its_name_with_suggestion() -> None:
    assert errors("- ip: {ttl: 5}\n- tpc: {dport: 80}\n") == ["scene.yaml:2:3: unknown layer 'tpc' (did you mean 'tcp'?)"]


def test_unknown_field_at_the_field_with_suggestion_from_that_layer() -> None:
    assert errors("- tcp: {dprot: 80}\n") == ["scene.yaml:1:16: unknown field 'dprot' in tcp (did you mean 'dport'?)"]
    assert errors("- http: {methd: GET}\n") == ["scene.yaml:1:17: unknown field 'methd' in http (did you mean 'method'?)"]


def test_unknown_field_without_a_mark_falls_back_to_the_layer() -> None:
    found = check_layers([Layer("udp", {"zzz": 1}, mark=__import__("animator.model.errors").model.errors.Mark(4, 9))], "s.yaml")
    assert str(found[0]).startswith("s.yaml:4:9: unknown field 'zzz' in udp; udp takes: sport, dport")


@pytest.mark.parametrize(
    ("text", "token", "message"),
    [
        ("- tcp: {flags: SX}", "SX", "tcp.flags: 'SX': unknown flag 'X'; the flags are F S R P A U E C N"),
        ("- tcp: {dport: 70000}", "70000", "tcp.dport: 70000 is out of range: expected 0 to 65535"),
        ("- ip: {ttl: 300}", "300", "ip.ttl: 300 is out of range: expected 0 to 255"),
        ("- ip: {src: 192.168.1.300}", "192.168.1.300", "ip.src: '192.168.1.300' is not an IPv4 address (e.g. 192.0.2.10)"),
        ("- ether: {dst: 'ff:ff'}", "'ff:ff'", "ether.dst: 'ff:ff' is not a MAC address (e.g. 02:00:5e:00:00:01)"),
        (
            "- websocket: {key: 37fa21zz}",
            "37fa21zz",
            "websocket.key: '37fa21zz' is not hex (expected pairs of hex digits, e.g. 37fa213d)",
        ),
        ("- websocket: {key: 37fa}", "37fa", "websocket.key: '37fa' is 2 bytes: expected exactly 4 bytes of hex"),
        ("- arp: {op: who-is}", "who-is", "arp.op: unknown value 'who-is' (did you mean 'who-has'?)"),
        ("- tls: {msg: client_helo}", "client_helo", "tls.msg: unknown value 'client_helo' (did you mean 'client_hello'?)"),
        ("- http: {status: 2000}", "2000", "http.status: 2000 is out of range: expected 100 to 999"),
        ("- http: {headers: [Host]}", "[Host]", "http.headers: ['Host'] is not a mapping"),
        (
            "- http2: {frame: settings, settings: {max_streams: 1}}",
            "{max_streams",
            "unknown setting 'max_streams' (did you mean 'max_concurrent_streams'?)",
        ),
        ("- dns: {qtype: AAA}", "AAA", "dns.qtype: unknown value 'AAA' (did you mean 'AAAA'?)"),
        ("- udp: {sport: true}", "true", "udp.sport: True is not a whole number"),
    ],
)
def test_bad_values_say_what_is_wrong(text: str, token: str, message: str) -> None:
    found = errors(text + "\n")
    assert len(found) == 1, found
    column = text.index(token) + 1
    assert found[0].startswith(f"scene.yaml:1:{column}: "), found[0]
    assert message in found[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- http: {path: /}\n- tcp: {dport: 80}\n",
            "2:3: 'tcp' cannot come after 'http': list layers outermost first, e.g. [ip, tcp, http]",
        ),
        ("- udp\n- http\n", "2:3: 'http' cannot come after 'udp': http is carried by tcp or tls"),
        ("- tcp\n- quic\n", "2:3: 'quic' cannot come after 'tcp': quic is carried by udp"),
        ("- ip\n- ip\n", "2:3: 'ip' cannot come after 'ip'"),
        ("- raw: {load: x}\n- tcp\n", "2:3: 'tcp' cannot come after 'raw'"),
        (
            "- icmp: {type: echo-request}\n- ip\n",
            "2:3: 'ip' after 'icmp': only an ICMP error (e.g. type: time-exceeded) quotes a datagram",
        ),
    ],
)
def test_impossible_orders_are_refused(text: str, message: str) -> None:
    found = errors(text)
    assert len(found) == 1, found
    assert message in found[0]


def test_cross_field_problems_point_at_the_field() -> None:
    assert errors("- http: {method: GET, status: 200}\n") == [
        "scene.yaml:1:31: http.status: a message is a request (method, path) or a response (status, reason), not both"
    ]
    found = errors("- http2: {frame: settings, headers: {a: b}}\n")
    assert found == ["scene.yaml:1:37: http2.headers: a settings frame has no 'headers' (it takes: ack, settings)"]
    found = errors("- tls: {msg: client_hello}\n- http: {path: /}\n")
    assert "tls.msg: layers above tls travel inside an application_data record" in found[0]


def test_every_error_lists_all_problems_not_just_the_first() -> None:
    found = errors("- ip: {ttl: 300, src: nope}\n- tcp: {sport: -1, dprot: 1}\n")
    assert len(found) == 4


GARBAGE: list[object] = [None, True, -1, 2**70, 1.5, "", "x" * 500, "\x00\x1b[31m", [], [1, [2]], {}, {"a": {"b": None}}]


@pytest.mark.parametrize("name", sorted(LAYER_NAMES))
def test_any_value_in_any_field_gives_errors_not_exceptions(name: str) -> None:
    """Every field of every layer, fed every kind of YAML value: check never raises, and what it accepts builds."""
    from animator.packets import build_layers, finalize

    for field in LAYER_NAMES[name].field_rules():
        for value in GARBAGE:
            stack = [Layer(name, {field: value})]
            found = check_layers(stack, "s.yaml")
            assert all(isinstance(str(e), str) for e in found)
            if not found:
                finalize(build_layers(stack))  # accepted means buildable


def test_bare_layer_names_and_empty_stack() -> None:
    assert check_layers([], "s.yaml") == []
    assert check_layers([layer(n) for n in ("ether", "ip", "udp", "dns")], "s.yaml") == []


def test_messages_stay_on_one_line() -> None:
    (error,) = check_layers([Layer("tcp", {"flags": "S\nX"})], "s.yaml")
    assert "\n" not in str(error)
