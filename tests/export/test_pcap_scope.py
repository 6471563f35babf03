"""``export --pcap OUT --link LINK_ID`` / ``--at NODE``: a capture where a real one would be taken.

tcpdump on one wire sees each frame once; ``tcpdump -i any`` on a router sees a forwarded packet
on its way in and on its way out. Both are what tshark reads back from our files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from animator.export.pcap import CaptureScopeError, capture_point, export_pcap
from tests.conftest import REPO
from tests.packets.conftest import tshark_path
from tests.scenekit import timeline

SCENE = "router-hop"


def interfaces_and_count(capture: Path) -> tuple[set[str], int]:
    out = subprocess.run(
        [tshark_path(), "-r", str(capture), "-T", "fields", "-e", "frame.interface_name"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()  # fmt: skip
    return set(out), len(out)


def test_a_link_capture_holds_each_frame_once_and_a_node_capture_every_link_it_is_on(tmp_path: Path) -> None:
    tl = timeline(SCENE)
    records = tl.wire_records()
    for link in tl.scene.links:
        out = tmp_path / f"{link.link_id}.pcapng"
        count = export_pcap(tl, out, link=link.link_id)
        assert count == sum(r.link_id == link.link_id for r in records)
        assert interfaces_and_count(out) == ({link.link_id}, count)
    router = next(n.id for n in tl.scene.nodes if n.kind == "router")
    on_router = {lk.link_id for lk in tl.scene.links if router in lk.between}
    out = tmp_path / "router.pcapng"
    count = export_pcap(tl, out, node=router)
    assert count == sum(r.link_id in on_router for r in records)
    names, seen = interfaces_and_count(out)
    assert names == on_router and seen == count and len(on_router) >= 2


def test_unknown_link_or_node_is_one_clear_line() -> None:
    scene = timeline(SCENE).scene
    with pytest.raises(CaptureScopeError, match=r"the scene has no link 'nope'; its links: "):
        capture_point(scene, link="nope")
    with pytest.raises(CaptureScopeError, match=r"the scene has no node 'nope'; its nodes: "):
        capture_point(scene, node="nope")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(REPO / "main.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def test_the_command_line_captures_on_a_link_and_refuses_what_does_not_go_together(tmp_path: Path) -> None:
    scene = str(REPO / "scenes" / f"{SCENE}.yaml")
    link = timeline(SCENE).scene.links[0].link_id
    out = tmp_path / "wire.pcapng"
    done = run("export", scene, "--pcap", str(out), "--link", link)
    assert done.returncode == 0 and f"seen on link {link} to {out}" in done.stderr
    done = run("export", scene, "--pcap", str(tmp_path / "x.pcapng"), "--link", "nope")
    assert done.returncode == 1 and "no link 'nope'" in done.stderr and "Traceback" not in done.stderr
    done = run("export", scene, "--pcap", str(tmp_path / "y.pcapng"), "--link", link, "--at", "r1")
    assert done.returncode == 2 and "not both" in done.stderr
    done = run("export", scene, "--pdf", str(tmp_path / "z.pdf"), "--link", link)
    assert done.returncode == 2 and "--link only goes with --pcap" in done.stderr
    done = run("export", scene, "--pcap", str(tmp_path / "all.pcapng"))
    assert done.returncode == 0 and "Wireshark reads as retransmissions" in done.stderr
