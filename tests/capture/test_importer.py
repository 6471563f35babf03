"""A capture becomes a scene that loads, plays, and says what a lecturer would say about each packet."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from animator.capture.filters import FilterError, make_filter, simple_filter
from animator.capture.headers import decode
from animator.capture.importer import ImportOptions, import_capture
from animator.capture.reader import CaptureError, CaptureReader
from animator.engine import build_timeline
from animator.model import load_scene_text
from animator.model.schema import Send
from tests.capture.traffic import LAPTOP, ROUTER, WEB, write_web_visit


@pytest.fixture(scope="module")
def web_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_web_visit(tmp_path_factory.mktemp("cap") / "web.pcap")


def load(text: str):
    scene = load_scene_text(text, "imported.yaml")
    build_timeline(scene)
    return scene


def sends(scene) -> list[Send]:
    return [a for step in scene.steps for a in step.actions if isinstance(a, Send)]


def test_imported_scene_loads_and_captions_every_packet(web_pcap: Path) -> None:
    result = import_capture(web_pcap)
    scene = load(result.text)
    captions = [step.caption for step in scene.steps]
    assert captions[:7] == [
        f"{LAPTOP} → Gateway: DNS query A www.example.org",
        f"Gateway → {LAPTOP}: DNS A www.example.org → {WEB}",
        f"{LAPTOP} → www.example.org: SYN",
        f"www.example.org → {LAPTOP}: SYN, ACK",
        f"{LAPTOP} → www.example.org: ACK",
        f"{LAPTOP} → www.example.org: GET /a.txt HTTP/1.1",
        f"www.example.org → {LAPTOP}: HTTP/1.1 200 OK",
    ]
    # the body's six segments and three ACKs are one burst step
    assert captions[7] == f"www.example.org → {LAPTOP}: 6 data segments, 6,000 bytes, 3 ACKs"
    assert f"{LAPTOP} → 151.101.1.69: TLS ClientHello (www.python.org)" not in captions  # named by its SNI instead
    assert f"{LAPTOP} → www.python.org: TLS ClientHello (www.python.org)" in captions
    assert f"{LAPTOP} → Gateway: Who has {ROUTER}? Tell {LAPTOP}" in captions
    assert captions[-2:] == [f"{LAPTOP} → Gateway: ICMP Echo request", f"Gateway → {LAPTOP}: ICMP Echo reply"]
    assert (result.packets_read, result.packets_kept, result.steps) == (23, 23, len(scene.steps)) == (23, 23, 15)


def test_hosts_grouped_local_behind_gateway_remote_behind_internet(web_pcap: Path) -> None:
    scene = load(import_capture(web_pcap).text)
    kinds = {n.id: (n.kind, n.display_label) for n in scene.nodes}
    assert kinds["gateway"] == ("router", "Gateway")  # the router is also the DNS server: one node, not two
    assert kinds["internet"][0] == "internet"
    assert kinds[WEB] == ("server", "www.example.org")  # named by the DNS answer in the capture
    assert kinds[LAPTOP] == ("host", LAPTOP)
    assert scene.node("gateway").ipv4 == (f"{ROUTER}/24",)
    links = {tuple(sorted(link.between)) for link in scene.links}
    assert links == {(LAPTOP, "gateway"), ("gateway", "internet"), (WEB, "internet"), ("151.101.1.69", "internet")}


def test_frames_carry_the_original_bytes(web_pcap: Path) -> None:
    scene = load(import_capture(web_pcap, ImportOptions(group_bulk=False)).text)
    originals = [r.data for r in CaptureReader(web_pcap)]
    frames = [bytes.fromhex("".join(s.frame.split())) for s in sends(scene)]
    assert frames == originals


def test_burst_sends_keep_scaled_real_timing(web_pcap: Path) -> None:
    scene = load(import_capture(web_pcap).text)
    burst = scene.steps[7]
    ats = [a.at for a in burst.actions]
    assert len(ats) == 6 and ats[0] == 0 and ats == sorted(ats) and len(set(ats)) == 6
    assert "Packets 8-16" in (burst.notes or "")


def test_idle_gaps_are_compressed_in_a_time_window(web_pcap: Path) -> None:
    """With a 10 s window the 5 s pause joins a step, but plays as at most IDLE_CAP_S of scene time."""
    scene = load(import_capture(web_pcap, ImportOptions(window_ms=10_000, group_bulk=False, time_scale=10)).text)
    ats = [a.at for step in scene.steps for a in step.actions]
    assert max(ats) < 6 * 1.2 + 0.01


def test_filter_and_range_pick_packets(web_pcap: Path) -> None:
    result = import_capture(web_pcap, ImportOptions(filter="udp port 53"))
    assert result.packets_kept == 2 and result.filter_kind == "bpf"
    scene = load(result.text)
    assert [s.protocol for s in sends(scene)] == ["dns", "dns"]
    assert "# filter: udp port 53 (BPF via libpcap)" in result.text
    ranged = import_capture(web_pcap, ImportOptions(first=3, last=5))
    assert ranged.packets_read == 3 and [s.caption.split(": ")[1] for s in load(ranged.text).steps] == ["SYN", "SYN, ACK", "ACK"]
    limited = import_capture(web_pcap, ImportOptions(limit=4))
    assert limited.packets_kept == 4 and any("stopped at packet 5" in n for n in limited.notes)


def test_header_comment_says_where_the_scene_came_from(web_pcap: Path) -> None:
    text = import_capture(web_pcap).text
    assert text.startswith("# Imported from web.pcap (pcap, Ethernet) by PacketStage")
    assert "# on " in text.splitlines()[1] and "packets 1-23, 23 kept" in text.splitlines()[1]


def test_nothing_to_import_is_refused_with_the_reason(web_pcap: Path) -> None:
    with pytest.raises(CaptureError, match=r"nothing to import: none of the 23 packets read matches the filter 'port 9'"):
        import_capture(web_pcap, ImportOptions(filter="port 9"))
    with pytest.raises(CaptureError, match=r"nothing to import: the file has no packet 99"):
        import_capture(web_pcap, ImportOptions(first=99))


@pytest.mark.parametrize(
    "expression",
    ["tcp", "udp", "arp", "icmp", "host 93.184.216.34", "src host 192.168.1.23 and tcp", "port 80 or port 53", "not tcp",
     "net 192.168.1.0/24 and not (udp or arp)", "tcp dst port 80", "ip6"],
)  # fmt: skip
def test_simple_filter_agrees_with_bpf(web_pcap: Path, expression: str) -> None:
    bpf, kind = make_filter(expression, "bpf")
    simple = simple_filter(expression)
    assert kind == "bpf"
    for rec in CaptureReader(web_pcap):
        h = decode(rec.linktype, rec.data)
        assert bpf(rec.linktype, rec.data, rec.wire_len, h) == simple(rec.linktype, rec.data, rec.wire_len, h), (
            expression,
            rec.number,
        )


def test_bad_filters_explain_themselves() -> None:
    with pytest.raises(FilterError, match="bad filter 'tcp prt 80'"):
        make_filter("tcp prt 80", "bpf")
    with pytest.raises(FilterError, match=r"expected a protocol .* at 'prt' \(simple filter syntax: tcp, udp"):
        simple_filter("prt 80")
    with pytest.raises(FilterError, match="'300000' is not a port number"):
        simple_filter("port 300000")


def test_without_libpcap_the_simple_filter_takes_over(monkeypatch: pytest.MonkeyPatch) -> None:
    import animator.capture.filters as filters

    monkeypatch.setattr(filters, "bpf_available", lambda: False)
    assert filters.make_filter("tcp and port 80")[1] == "simple"
    with pytest.raises(FilterError, match="full BPF syntax needs libpcap, which is not installed"):
        filters.make_filter("tcp[13] & 2 != 0")


def test_many_hosts_fold_into_internet_and_still_load(tmp_path: Path) -> None:
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    rng = random.Random(1)
    packets = [
        Ether()
        / IP(src=f"10.0.{rng.randrange(3)}.{rng.randrange(1, 50)}", dst=f"198.{rng.randrange(1, 9)}.0.{i % 200 + 1}")
        / UDP()
        for i in range(300)
    ]
    wrpcap(str(tmp_path / "many.pcap"), packets)
    result = import_capture(tmp_path / "many.pcap", ImportOptions(max_hosts=10))
    scene = load(result.text)
    assert len(scene.nodes) <= 10 + 3  # gateway, internet, other local hosts
    assert len(scene.steps) == 300


def test_a_host_talking_to_itself_becomes_client_and_server(tmp_path: Path) -> None:
    """A lecturer's favourite demo, curl to localhost: one address, but two ends worth drawing."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    lo = Ether() / IP(src="127.0.0.1", dst="127.0.0.1")
    wrpcap(
        str(tmp_path / "lo.pcap"),
        [
            lo / TCP(sport=51000, dport=8000, flags="S"),
            lo / TCP(sport=8000, dport=51000, flags="SA"),
            lo / TCP(sport=51000, dport=8000, flags="PA") / b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        ],
    )
    scene = load(import_capture(tmp_path / "lo.pcap").text)
    assert {(n.id, n.kind, n.display_label) for n in scene.nodes} == {
        ("127.0.0.1", "host", "127.0.0.1"),
        ("127.0.0.1_port8000", "server", "127.0.0.1:8000"),
    }
    assert [step.caption for step in scene.steps] == [
        "127.0.0.1 → 127.0.0.1:8000: SYN",
        "127.0.0.1:8000 → 127.0.0.1: SYN, ACK",
        "127.0.0.1 → 127.0.0.1:8000: GET / HTTP/1.1",
    ]
