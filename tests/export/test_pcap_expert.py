"""What students see when they open a scene's capture in Wireshark: only the findings the scene means.

Each link of every built-in scene is exported alone (what tcpdump on that wire would see) and read
by tshark; every expert finding of severity note or above (a retransmission, a duplicate ACK, a
reset, a TTL about to run out, a checksum error) must be one the scene declares in ``expect:``.
The old export put each packet in once per link it crossed, and Wireshark's TCP analysis called
the copies retransmissions: loss that was never there. And each declared finding must really
appear on some link, so ``expect:`` lists stay true as scenes change.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from animator.export.pcap import NoPacketsError, export_pcap
from tests.conftest import REPO
from tests.packets.conftest import tshark_path
from tests.scenekit import timeline

SCENES = sorted(p.stem for p in (REPO / "scenes").glob("*.yaml") if not p.name.endswith(".deck.yaml"))

#: Wireshark's severities (epan/proto.h PI_*): chat 0x200000, note 0x400000, warn 0x600000, error 0x800000.
NOTE = 0x400000
#: Notes that describe ordinary operation, not a fault: the two sides of a normal TCP close.
ORDINARY = frozenset({"tcp.connection.fin_active", "tcp.connection.fin_passive"})

#: TEMPORARY: scenes whose captures show findings caused by simulator faults other helpers of
#: issue 13 are fixing now; each entry names the finding and why. Delete an entry when its fix
#: lands (the test fails on an entry that is no longer needed, so none can linger).
KNOWN_FAULTS: dict[str, dict[str, str]] = {}


class Finding(NamedTuple):
    frame: int
    name: str
    severity: int
    message: str


def expert_findings(capture: Path) -> Iterator[Finding]:
    """Every expert item tshark reports, by the filter name Wireshark shows for it (PDML's ``_ws.expert``)."""
    done = subprocess.run(
        [tshark_path(), "-r", str(capture), "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
         "-o", "udp.check_checksum:TRUE", "-T", "pdml"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for packet in ET.fromstring(done.stdout).iter("packet"):
        number = int(next(f for f in packet.iter("field") if f.get("name") == "num").get("show", "0"), 0)
        for item in packet.iter("field"):
            if item.get("name") != "_ws.expert":
                continue
            children = {c.get("name", ""): c for c in item}
            name = next((n for n in children if not n.startswith("_ws.expert")), "?")
            severity = int(children["_ws.expert.severity"].get("show", "0"))
            message = children["_ws.expert.message"].get("show", "") if "_ws.expert.message" in children else ""
            yield Finding(number, name, severity, message)


def unexpected(findings: list[Finding], expect: set[str]) -> list[Finding]:
    return [f for f in findings if f.severity >= NOTE and f.name not in expect and f.name not in ORDINARY]


@pytest.mark.parametrize("name", SCENES)
def test_every_link_shows_only_the_findings_the_scene_declares(name: str, tmp_path: Path) -> None:
    scene = timeline(name).scene
    allowed = set(scene.expect) | set(KNOWN_FAULTS.get(name, {}))
    seen: set[str] = set()
    problems = []
    for link in scene.links:
        capture = tmp_path / f"{link.link_id}.pcapng"
        try:
            export_pcap(timeline(name), capture, link=link.link_id)
        except NoPacketsError:
            continue  # nothing crosses this link
        findings = list(expert_findings(capture))
        seen |= {f.name for f in findings}
        problems += [f"{link.link_id} frame {f.frame}: {f.name} ({f.message})" for f in unexpected(findings, allowed)]
    assert not problems, "undeclared Wireshark findings (fix the scene, or add them to its expect: list):\n" + "\n".join(problems)
    assert not set(scene.expect) - seen, f"expect: lists findings no link shows: {sorted(set(scene.expect) - seen)}"
    stale = set(KNOWN_FAULTS.get(name, {})) - seen
    assert not stale, f"KNOWN_FAULTS[{name!r}] lists findings that are gone: delete {sorted(stale)}"


def test_the_every_link_file_is_what_invented_loss(tmp_path: Path) -> None:
    """The fault this file guards against, reproduced: a handshake through a switch, written once per
    link, is full of 'retransmissions' to Wireshark; the capture on one wire of the same scene is clean."""
    name = "tcp-handshake"
    every = tmp_path / "every.pcapng"
    export_pcap(timeline(name), every)
    assert "tcp.analysis.retransmission" in {f.name for f in expert_findings(every)}
    one = tmp_path / "one.pcapng"
    export_pcap(timeline(name), one, link=timeline(name).scene.links[0].link_id)
    assert not unexpected(list(expert_findings(one)), set())
