"""A server's ``nginx:`` setting: which worker accept()s a connection, what a full worker closes,
and the values ``validate`` refuses at FILE:LINE:COL (checked against nginx 1.22.1 on Linux 6.18)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.engine.timeline import Timeline
from animator.model import load_scene, load_scene_text
from animator.model.errors import SceneLoadError

SCENE = """\
format: 1
title: t
nodes:
  - {{id: c, kind: {kind}, ipv4: 10.9.0.1/24}}
  - {{id: s, kind: server, ipv4: 10.9.0.2/24, listen: {listen}, nginx: {{{nginx}}}}}
links:
  - {{between: [c, s]}}
steps:
{steps}
"""


def connect(port: int, at: float = 0.0) -> str:
    return f"      - send: {{from: c, to: s, at: {at}, layers: [tcp: {{sport: {port}, dport: 80, flags: S}}]}}\n"


def build(nginx: str, steps: str, kind: str = "host", listen: str = "80") -> Timeline:
    return build_timeline(load_scene_text(SCENE.format(kind=kind, listen=listen, nginx=nginx, steps=steps)))


def owner_of(tl: Timeline) -> dict[int, str]:
    """Client port -> the worker pid in the server's Sockets table at the end."""
    state = tl.state_at(tl.boundary(len(tl.scene.steps)))
    rows = next(t.rows for t in state.device_tables["s"] if t.title == "Sockets")
    return {int(row[1].rsplit(":", 1)[1]): row[3] for row in rows if row[2] != "LISTEN"}


def server_fins(tl: Timeline) -> list[int]:
    found = []
    for m in sorted(tl.messages, key=lambda m: m.start):
        frame = m.frames[0]
        if m.path[0] == "s" and frame is not None and Ether(frame)[TCP].flags & 0x01:
            found.append(int(Ether(frame)[TCP].dport))
    return found


def test_a_worker_goes_to_the_back_of_the_queue_after_its_1st_and_17th_accept() -> None:
    ports = range(41000, 41019)
    steps = "  - caption: c\n    actions:\n" + "".join(connect(p, 0.3 * i) for i, p in enumerate(ports))
    owners = owner_of(build("workers: 2, worker_connections: 100", steps))
    assert [owners[p] for p in ports] == ["2057", "2056", *["2057"] * 16, "2056"]


def test_reuseport_spreads_by_a_hash_of_the_4_tuple_the_same_on_every_run() -> None:
    ports = range(42000, 42008)
    steps = "  - caption: c\n    actions:\n" + "".join(connect(p, 0.3 * i) for i, p in enumerate(ports))
    first = owner_of(build("workers: 2, worker_connections: 100, reuseport: true", steps))
    again = owner_of(build("workers: 2, worker_connections: 100, reuseport: true", steps))
    assert first == again and set(first.values()) == {"2056", "2057"}


def test_the_connection_idle_longest_is_closed_not_the_oldest_accepted() -> None:
    # worker_connections 4: listener + channel + two clients. A is accepted first but serves a
    # request after B was accepted, so B has been idle longer and is the one nginx closes.
    steps = (
        "  - caption: c\n    actions:\n" + connect(43000) + connect(43001, 0.3)
        + "  - caption: c\n    actions:\n"
        + "      - send: {from: c, to: s, layers: [tcp: {sport: 43000, flags: PA}, http: {method: GET, path: /}]}\n"
        + "      - send: {from: s, to: c, at: 1.0, layers: [tcp: {dport: 43000, flags: PA}, http: {status: 200}]}\n"
        + "  - caption: c\n    actions:\n" + connect(43002)
    )  # fmt: skip
    tl = build("worker_connections: 4", steps)
    assert server_fins(tl) == [43001]
    assert owner_of(tl) == {43000: "2056", 43001: "", 43002: "2056"}


def test_a_connection_that_sent_nothing_yet_is_idle_too() -> None:
    tl = build("worker_connections: 3", "  - caption: c\n    actions:\n" + connect(44000) + connect(44001, 3.0))
    assert server_fins(tl) == [44000]


def test_a_busy_connection_is_never_reused_the_new_one_is_closed() -> None:
    steps = (
        "  - caption: c\n    actions:\n" + connect(45000)
        + "      - send: {from: c, to: s, at: 2.0,"
        + " layers: [tcp: {sport: 45000, flags: PA}, raw: {load: \"GET / HTTP/1.1\\r\\n\"}]}\n"
        + "  - caption: c\n    actions:\n" + connect(45001)
    )  # fmt: skip
    tl = build("worker_connections: 3", steps)
    assert server_fins(tl) == [45001]
    assert owner_of(tl)[45000] == "2056"


def test_without_nginx_a_servers_sockets_table_is_as_before() -> None:
    text = SCENE.format(kind="host", listen="80", nginx="", steps="  - caption: c\n    actions:\n" + connect(46000))
    text = text.replace(", nginx: {}", "")
    tl = build_timeline(load_scene_text(text))
    state = tl.state_at(tl.boundary(1))
    sockets = next(t for t in state.device_tables["s"] if t.title == "Sockets")
    assert sockets.columns == ("Local", "Remote", "State") and "nginx workers" not in [t.title for t in state.device_tables["s"]]


@pytest.mark.parametrize(
    ("kind", "listen", "nginx", "token", "message"),
    [
        ("host", "80", "workers: 0", "0", "nodes.2.nginx.workers: must be between 1 and 64 worker processes"),
        ("host", "80", "worker_connections: 2", "2", "nodes.2.nginx.worker_connections: must be between 3 and 65535"),
        ("host", "[80, 443]", "worker_connections: 3", "3}",
         "node 's': worker_connections 3 leaves no room for a client"),
        ("host", "80", "reuseport: maybe", "maybe", "nodes.2.nginx.reuseport"),
        ("host", "80", "worker: 2", "worker", "nodes.2.nginx: unknown key 'worker' (did you mean 'workers'?)"),
    ],
)  # fmt: skip
def test_bad_values_are_refused_at_file_line_column(
    tmp_path: Path, kind: str, listen: str, nginx: str, token: str, message: str
) -> None:
    path = tmp_path / "scene.yaml"
    text = SCENE.format(kind=kind, listen=listen, nginx=nginx, steps="  - caption: c\n    actions:\n" + connect(47000))
    path.write_text(text)
    line = text.splitlines()[4]
    column = line.index(token, line.index("nginx:")) + 1
    with pytest.raises(SceneLoadError) as raised:
        load_scene(path)
    said = str(raised.value)
    assert f"{path}:5:{column}: {message}" in said and "Traceback" not in said


def test_nginx_belongs_on_a_server_with_listening_ports(tmp_path: Path) -> None:
    path = tmp_path / "scene.yaml"
    text = SCENE.format(kind="host", listen="80", nginx="workers: 2", steps="  - caption: c\n    actions:\n" + connect(48000))
    text = text.replace("kind: server", "kind: host").replace("listen: 80, ", "")
    path.write_text(text)
    with pytest.raises(SceneLoadError) as raised:
        load_scene(path)
    said = str(raised.value)
    column = text.splitlines()[4].index("nginx: {") + len("nginx: ") + 1  # the mapping's mark
    assert f"{path}:5:{column}: node 's': 'nginx:' describes a web server's workers: use it on a 'server'" in said
    assert "'nginx:' needs 'listen:'" in said
