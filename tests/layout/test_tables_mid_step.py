"""While a step plays, the stage's tables show the devices' tables as they are at that moment.

The layout is computed per pause point (the end of a step); drawn as they stand then, tables
would run ahead of the packets — a server listing SYN_RCVD while the SYN is still on the wire,
a NAT table holding a row before the packet that makes it has reached the router.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from animator.engine import build_timeline
from animator.layout import StageLayout
from animator.layout.boxes import TableCard
from animator.model import load_scene
from tests.conftest import REPO

SCENES = ("home-nat", "tcp-handshake", "iptables", "load-balancing-l4-vs-l7", "curl-https", "sql-transaction")


def _scene(name: str) -> Path:
    return REPO / "scenes" / f"{name}.yaml"


@pytest.mark.parametrize("name", SCENES)
def test_every_table_drawn_mid_step_is_the_devices_table_at_that_moment(name: str) -> None:
    timeline = build_timeline(load_scene(_scene(name)))
    layout = StageLayout(timeline, (1280, 720), 1.0)
    checked = 0
    for step in range(1, timeline.step_count + 1):
        start, end = timeline.boundary(step - 1), timeline.boundary(step)
        for t in (start + (end - start) * f for f in (0.15, 0.4, 0.7)):
            frame = timeline.state_at(t)
            for box in layout.boxes(frame):
                if box.kind != "table":
                    continue
                card: TableCard = box.data
                now = {table.title: table for table in frame.tables.get(box.node, ())}
                title = next((title for title in now if card.title.startswith(title[:8])), None)
                assert title is not None, f"{name} at {t:.2f}s: {box.node}'s '{card.title}' drawn before it exists"
                rows = now[title].rows
                assert card.hidden_rows + len(card.rows) == len(rows) or not card.columns, (
                    f"{name} at {t:.2f}s: {box.node}'s {title}: {len(card.rows)}+{card.hidden_rows} rows drawn, {len(rows)} held"
                )
                if card.rows and card.rows == rows[len(rows) - len(card.rows) :]:
                    checked += 1
    assert checked, f"{name}: no table was on stage mid-step (the test checked nothing)"


def test_a_server_lists_no_half_open_socket_before_the_syn_reaches_it() -> None:
    timeline = build_timeline(load_scene(_scene("home-nat")))
    layout = StageLayout(timeline, (1280, 720), 1.0)
    syn = next(m for m in timeline.messages if m.step == 2 and m.path[-1] == "server")
    on_the_way = timeline.state_at((syn.hop_starts[-1] + syn.hop_ends[-1]) / 2)
    arrived = timeline.state_at(timeline.boundary(2))
    assert not [b for b in layout.boxes(on_the_way) if b.kind == "table" and b.node == "server"]
    sockets = [b for b in layout.boxes(arrived) if b.kind == "table" and b.node == "server"]
    assert sockets and "SYN_RCVD" in {cell for row in sockets[0].data.rows for cell in row}
