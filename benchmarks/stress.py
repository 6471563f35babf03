"""Stress scenes for the benchmarks, generated as YAML text so every run also exercises the loader.

All generators are deterministic (fixed seeds, no hash-order dependence): the same arguments
always give byte-identical text, so figures from two runs measure the same work.

The network is a realistic campus: an uplink to the internet, two core routers, distribution
routers (one per "pod"), access switches behind them and hosts and servers behind the switches.
Every node gets an explicit ``pos`` laying the pods out in a grid under the core, so the stage
shows a plausible lecture diagram at a realistic zoom (about 0.23 at 1920x1080 for 200 nodes)
whatever the automatic layout would make of it.

- ``stress_scene_yaml(nodes=200, packets_in_flight=1000)``: step 2 holds the sends; every one
  of them is in flight from ``STAGGER`` s to ``MIN_TRAVEL`` s into the step (see
  ``in_flight_window``).
- ``many_events_yaml(events=100_000)``: 1000 steps of 100 mixed actions each.
- ``many_steps_yaml(steps=10_000)``: a long lecture of small steps (~2 MB, the size the loader's
  ``MAX_BYTES`` comment calls the largest realistic scene).
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field

#: Sends of the stress step start at ``at`` spread evenly over [0, STAGGER) seconds.
STAGGER = 0.5
#: Every send of the stress step crosses at least 4 hops (other pod, or the internet), so with
#: the default hop_time of 0.8 s it travels at least 4 x 0.808 + 3 x 0.15 = 3.68 s; the lower
#: bound below leaves a margin for the 1 ms hops. Dropped sends stop at the destination pod's
#: router: 4 hops as well.
MIN_TRAVEL = 3.6

#: (protocol, chip label): a lecture's worth of distinct chips, so the chip cache is realistic.
CHIPS = (
    ("tcp", "SYN"),
    ("tcp", "SYN-ACK"),
    ("tcp", "ACK"),
    ("tcp", "FIN"),
    ("http", "GET /"),
    ("http", "200 OK"),
    ("dns", "A? example.com"),
    ("dns", "A 93.184.216.34"),
    ("tls", "ClientHello"),
    ("tls", "ServerHello"),
    ("udp", "RTP"),
    ("icmp", "echo request"),
    ("icmp", "echo reply"),
    ("quic", "Initial"),
    ("ssh", "KEXINIT"),
    ("data", "payload"),
)
TCP_STATES = ("LISTEN", "SYN-SENT", "SYN-RCVD", "ESTABLISHED", "FIN-WAIT-1", "TIME-WAIT", "CLOSED")


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


@dataclass
class Campus:
    """Node and link lines of the campus network, plus what the action generators need."""

    node_lines: list[str] = field(default_factory=list)
    link_lines: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    switches: list[str] = field(default_factory=list)
    routers: list[str] = field(default_factory=list)
    #: pod (router index) of every host and switch.
    pod: dict[str, int] = field(default_factory=dict)
    #: the access switch of every host.
    switch_of: dict[str, str] = field(default_factory=dict)

    @property
    def all_nodes(self) -> list[str]:
        return ["internet", "core1", "core2", *self.routers, *self.switches, *self.hosts]

    def path(self, src: str, dst: str, core: str = "core1") -> list[str]:
        """The full path between two hosts in different pods, or from a host to the internet."""
        up = [src, self.switch_of[src], self.routers[self.pod[src]], core]
        if dst == "internet":
            return [*up, "internet"]
        return [*up, self.routers[self.pod[dst]], self.switch_of[dst], dst]


def campus(nodes: int) -> Campus:
    """``nodes`` devices: internet, 2 cores, ~nodes/25 routers, ~nodes/8 switches, the rest hosts."""
    if nodes < 12:
        raise ValueError("a campus needs at least 12 nodes")
    n_routers = max(2, round(nodes / 25))
    n_switches = max(n_routers, round(nodes / 8))
    n_hosts = nodes - 3 - n_routers - n_switches
    c = Campus()
    # Pods in a grid of roughly 16:9 proportions under the core band.
    pod_cols = max(1, math.ceil(math.sqrt(n_routers * 2)))
    switches_per_pod = [n_switches // n_routers + (1 if i < n_switches % n_routers else 0) for i in range(n_routers)]
    hosts_per_switch = [n_hosts // n_switches + (1 if i < n_hosts % n_switches else 0) for i in range(n_switches)]
    max_hosts = max(hosts_per_switch)
    block_w = 2.0  # two columns of hosts under each switch
    pod_w = max(switches_per_pod) * block_w + 0.8
    pod_h = 2.2 + math.ceil(max_hosts / 2) * 0.8 + 0.6
    width = pod_cols * pod_w

    def node(node_id: str, kind: str, x: float, y: float, extra: str = "") -> None:
        c.node_lines.append(f"  - {{id: {node_id}, kind: {kind}, pos: [{x:.2f}, {y:.2f}]{extra}}}")

    def link(a: str, b: str, extra: str = "") -> None:
        c.link_lines.append(f"  - {{between: [{a}, {b}]{extra}}}")

    node("internet", "internet", width / 2, -3.0, ", label: Internet")
    node("core1", "router", width / 2 - 2, -1.5, ", label: Core 1, ipv4: 10.255.0.1/30")
    node("core2", "router", width / 2 + 2, -1.5, ", label: Core 2, ipv4: 10.255.0.2/30")
    link("internet", "core1", ', latency: 20ms, label: "10 Gb/s"')
    link("internet", "core2", ', latency: 20ms, label: "10 Gb/s"')
    link("core1", "core2", ', latency: 1ms, label: "40 Gb/s"')
    s_index = 0
    for r in range(n_routers):
        px, py = (r % pod_cols) * pod_w, (r // pod_cols) * pod_h
        router = f"r{r + 1}"
        c.routers.append(router)
        centre = px + pod_w / 2 - 0.4
        node(router, "router", centre, py, f", label: Router {r + 1}, ipv4: 10.{r + 1}.0.1/16")
        link(router, "core1", ', latency: 2ms, label: "10 Gb/s"')
        link(router, "core2", ', latency: 2ms, label: "10 Gb/s"')
        for s in range(switches_per_pod[r]):
            switch = f"s{r + 1}.{s + 1}"
            c.switches.append(switch)
            c.pod[switch] = r
            sx = px + s * block_w + block_w / 2
            node(switch, "switch", sx, py + 1.2)
            link(switch, router)
            for h in range(hosts_per_switch[s_index]):
                host = f"h{r + 1}.{s + 1}.{h + 1}"
                kind = "server" if h == 0 and s == 0 else "host"
                c.hosts.append(host)
                c.pod[host] = r
                c.switch_of[host] = switch
                hx = sx - block_w / 4 + (h % 2) * block_w / 2
                hy = py + 2.2 + (h // 2) * 0.8
                node(host, kind, hx, hy, f", ipv4: 10.{r + 1}.{s + 1}.{h + 10}/24")
                link(host, switch)
            s_index += 1
    assert len(c.all_nodes) == nodes, (len(c.all_nodes), nodes)
    return c


def _header(title: str, net: Campus, chapters: list[tuple[str, str]] | None = None) -> list[str]:
    lines = [
        "format: 1",
        f"title: {_q(title)}",
        "topic: stress",
        f"summary: {_q('A generated stress scene for the PacketStage benchmarks.')}",
        "hop_time: 0.8",
    ]
    if chapters:
        lines.append("chapters:")
        lines += [f"  - {{id: {cid}, title: {_q(ctitle)}}}" for cid, ctitle in chapters]
    return [*lines, "nodes:", *net.node_lines, "links:", *net.link_lines, "steps:"]


def _other_pod_host(rng: random.Random, net: Campus, src: str) -> str:
    while True:
        dst = rng.choice(net.hosts)
        if net.pod[dst] != net.pod[src]:
            return dst


def _pair(rng: random.Random, net: Campus) -> tuple[str, str]:
    """A random host and a different host anywhere (1 in 10: the internet)."""
    src = rng.choice(net.hosts)
    if rng.random() < 0.1:
        return src, "internet"
    while (dst := rng.choice(net.hosts)) == src:
        pass
    return src, dst


def stress_scene_yaml(nodes: int = 200, packets_in_flight: int = 1000, seed: int = 1) -> str:
    """A ``nodes``-device campus whose step 2 has ``packets_in_flight`` sends all in flight at once.

    Step 1 sets routing tables, badges and a note (so tables and badges persist into step 2);
    step 2 holds the sends (starts staggered over ``STAGGER`` s; 4-6 hops each; a quarter with
    an explicit ``path``, some forced ``via`` the second core, 2 % dropped) plus highlights and
    notes; step 3 is a caption-only wrap-up.
    """
    rng = random.Random(seed)
    net = campus(nodes)
    lines = _header(f"Stress: {nodes} nodes, {packets_in_flight} packets in flight", net)
    lines += [
        f"  - caption: {_q('The campus converges: every distribution router learns its routes.')}",
        f"    notes: {_q('Generated setup step.')}",
        "    actions:",
    ]
    for r, router in enumerate(net.routers):
        lines.append(f"      - state: {{node: {router}, text: OSPF FULL, at: {0.05 * r:.2f}}}")
        rows = ", ".join(f'["10.{p + 1}.0.0/16", "{"local" if p == r else "core1"}"]' for p in range(min(4, len(net.routers))))
        lines.append(f"      - table: {{node: {router}, title: Routes, columns: [prefix, next hop], rows: [{rows}]}}")
    lines.append(f"      - note: {{node: core1, text: {_q('Both cores advertise a default route.')}, at: 0.3}}")
    lines += [
        f"  - caption: {_q(f'{packets_in_flight} flows cross the core at once.')}",
        "    actions:",
        "      - highlight: {nodes: [core1, core2], links: [[core1, core2]], at: 0.1}",
        f"      - note: {{node: core2, text: {_q('Peak load on the core links.')}, at: 0.4}}",
    ]
    for i in range(packets_in_flight):
        src = rng.choice(net.hosts)
        dst = "internet" if rng.random() < 0.1 else _other_pod_host(rng, net, src)
        protocol, label = CHIPS[rng.randrange(len(CHIPS))]
        at = STAGGER * i / packets_in_flight
        body = f"from: {src}, to: {dst}, protocol: {protocol}, label: {_q(label)}, at: {at:.4f}"
        roll = rng.random()
        if roll < 0.25:
            path = net.path(src, dst, core=rng.choice(("core1", "core2")))
            body += f", path: [{', '.join(path)}]"
            if dst != "internet" and rng.random() < 0.08:  # ~2 % of all sends
                body += f", drop_at: {path[4]}"
        elif roll < 0.35:
            body += ", via: [core2]"
        lines.append(f"      - send: {{{body}}}")
    for i, host in enumerate(net.hosts[:: max(1, len(net.hosts) // 10)]):
        lines.append(f"      - state: {{node: {host}, text: {TCP_STATES[i % len(TCP_STATES)]}, at: 0.2}}")
    lines += [f"  - caption: {_q('Everything has arrived.')}", ""]
    return "\n".join(lines)


def in_flight_window(step_start: float) -> tuple[float, float]:
    """Scene-time interval during which every send of the stress step is in flight."""
    return step_start + STAGGER, step_start + MIN_TRAVEL


def many_events_yaml(events: int = 100_000, per_step: int = 100, nodes: int = 60, seed: int = 2) -> str:
    """``events`` actions over ``events / per_step`` steps: 40 % sends, 20 % states, 10 % tables,
    15 % highlights, 15 % notes, each at a random ``at`` within the first 3 s of its step."""
    rng = random.Random(seed)
    net = campus(nodes)
    steps = math.ceil(events / per_step)
    chapters = [(f"ch{k + 1}", f"Part {k + 1}") for k in range(math.ceil(steps / 100))]
    lines = _header(f"Stress: {events} events", net, chapters)
    infra = [*net.routers, *net.switches, "core1", "core2"]
    done = 0
    for s in range(steps):
        lines.append(f"  - caption: {_q(f'Step {s + 1}: many things happen at once.')}")
        if s % 100 == 0:
            lines.append(f"    chapter: ch{s // 100 + 1}")
        lines.append("    actions:")
        for _ in range(min(per_step, events - done)):
            done += 1
            at = f"{rng.random() * 3:.3f}"
            roll = rng.random()
            if roll < 0.40:
                src, dst = _pair(rng, net)
                protocol, label = CHIPS[rng.randrange(len(CHIPS))]
                lines.append(f"      - send: {{from: {src}, to: {dst}, protocol: {protocol}, label: {_q(label)}, at: {at}}}")
            elif roll < 0.60:
                lines.append(f"      - state: {{node: {rng.choice(net.hosts)}, text: {rng.choice(TCP_STATES)}, at: {at}}}")
            elif roll < 0.70:
                node = rng.choice(infra)
                title = rng.choice(("ARP cache", "Routes", "NAT"))
                n_rows = rng.randint(0, 4)
                rows = ", ".join(
                    f'["10.0.{rng.randrange(256)}.{rng.randrange(256)}", "{rng.randrange(1, 49)}"]' for _ in range(n_rows)
                )
                lines.append(
                    f"      - table: {{node: {node}, title: {title}, columns: [address, port], rows: [{rows}], at: {at}}}"
                )
            elif roll < 0.85:
                host = rng.choice(net.hosts)
                switch = net.switch_of[host]
                lines.append(f"      - highlight: {{nodes: [{host}, {switch}], links: [[{host}, {switch}]], at: {at}}}")
            else:
                text = _q(f"Event {done} happens here.")
                lines.append(f"      - note: {{node: {rng.choice(net.all_nodes)}, text: {text}, at: {at}}}")
    lines.append("")
    return "\n".join(lines)


def many_steps_yaml(steps: int = 10_000, nodes: int = 30, seed: int = 3) -> str:
    """A ``steps``-step lecture: each step a caption, one send, and every third a state badge;
    a chapter every 1000 steps and speaker notes every tenth step."""
    rng = random.Random(seed)
    net = campus(nodes)
    chapters = [(f"part{i + 1}", f"Part {i + 1}") for i in range(math.ceil(steps / 1000))]
    lines = _header(f"Stress: {steps} steps", net, chapters)
    for s in range(steps):
        src, dst = _pair(rng, net)
        protocol, label = CHIPS[rng.randrange(len(CHIPS))]
        lines.append(f"  - caption: {_q(f'Step {s + 1}: {src} sends {label} to {dst}; watch every hop on the way.')}")
        if s % 1000 == 0:
            lines.append(f"    chapter: part{s // 1000 + 1}")
        if s % 10 == 0:
            lines.append(f"    notes: {_q(f'Speaker notes for step {s + 1}: ask the room which device answers first.')}")
        lines.append("    actions:")
        lines.append(f"      - send: {{from: {src}, to: {dst}, protocol: {protocol}, label: {_q(label)}}}")
        if s % 3 == 0:
            lines.append(f"      - state: {{node: {dst if dst != 'internet' else src}, text: {rng.choice(TCP_STATES)}, at: 0.5}}")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # print sizes, a quick sanity check of the generators
    for name, text in (
        ("stress_scene_yaml()", stress_scene_yaml()),
        ("many_events_yaml()", many_events_yaml()),
        ("many_steps_yaml()", many_steps_yaml()),
    ):
        print(f"{name:22} {len(text.encode()) / 2**20:6.2f} MiB  {text.count(chr(10)):7d} lines")
