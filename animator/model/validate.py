"""Checks that span the whole scene: ids refer to things that exist, paths exist, tables fit.

These run only when every value decoded cleanly, so a typo in one node does not cascade into
a dozen 'unknown node' messages elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise

from animator.model.errors import Mark, SceneError, did_you_mean
from animator.model.kinds import DEVICE_KINDS, TABLE_TITLES
from animator.model.schema import (
    FORMAT_VERSION,
    MAX_CHOICES,
    MIN_CHOICES,
    AppRead,
    DeviceSet,
    Firewall,
    Highlight,
    NginxSettings,
    Node,
    Note,
    Quiz,
    Scene,
    Send,
    StateSet,
    TableSet,
)
from animator.model.topology import Topology, topology_of


class _Checker:
    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.errors: list[SceneError] = []
        self.node_ids = [n.id for n in scene.nodes]  # file order, for 'did you mean'
        self.known_nodes = frozenset(self.node_ids)
        self.link_ids: list[str] = []

    def error(self, mark: Mark, message: str) -> None:
        self.errors.append(SceneError(self.scene.source, mark.line, mark.col, message))

    def unique(self, items: Iterable[tuple[str, Mark]], what: str) -> None:
        first: dict[str, Mark] = {}
        for value, mark in items:
            if value in first:
                self.error(mark, f"duplicate {what} '{value}' (first defined at line {first[value].line})")
            else:
                first[value] = mark

    def node_ref(self, value: str, where: str, marks: Mapping[str, Mark], key: str) -> bool:
        """Whether ``value`` names a node; if not, report it at ``marks[key]``.

        The mark is looked up only for a bad reference: a long lecture makes hundreds of
        thousands of good ones.
        """
        if value in self.known_nodes:
            return True
        self.error(marks[key], f"{where}: unknown node '{value}'{did_you_mean(value, self.node_ids)}")
        return False


def check_scene(scene: Scene) -> list[SceneError]:
    c = _Checker(scene)
    if scene.format != FORMAT_VERSION:
        c.error(
            scene.marks.get("format", scene.mark),
            f"unsupported format version {scene.format}: this PacketStage reads format {FORMAT_VERSION}",
        )
    if not scene.nodes:
        c.error(scene.marks.get("nodes", scene.mark), "a scene needs at least one node")
    if not scene.steps:
        c.error(scene.marks.get("steps", scene.mark), "a scene needs at least one step")
    c.unique(((n.id, n.marks["id"]) for n in scene.nodes), "node id")
    c.unique(((ch.id, ch.marks["id"]) for ch in scene.chapters), "chapter id")
    c.unique(((s.id, s.marks["id"]) for s in scene.steps if s.id is not None), "step id")
    _check_links(c)
    topology = topology_of(scene)
    _check_devices(c, topology)
    _check_chapters(c)
    for number, step in enumerate(scene.steps, start=1):
        where = f"step {number}"
        for action in step.actions:
            if step.duration is not None and action.at >= step.duration:
                c.error(
                    action.marks["at"], f"{where}: 'at: {action.at:g}' is not within the step's duration of {step.duration:g} s"
                )
            if isinstance(action, Send):
                _check_send(c, topology, action, where)
            elif isinstance(action, Highlight):
                _check_highlight(c, topology, action, where)
            elif isinstance(action, (Note, StateSet, DeviceSet)):
                c.node_ref(action.node, where, action.marks, "node")
            elif isinstance(action, AppRead):
                _check_read(c, action, where)
            elif isinstance(action, TableSet):
                _check_table(c, action, where)
        if step.quiz is not None:
            _check_quiz(c, step.quiz, where)
    return sorted(c.errors, key=lambda e: (e.line, e.col))


def _check_read(c: _Checker, action: AppRead, where: str) -> None:
    """A read frees receive buffer: only a node that keeps one (``tcp: {rcvbuf: …}``) can show it."""
    if not c.node_ref(action.node, where, action.marks, "node"):
        return
    settings = c.scene.node(action.node).tcp
    if settings is None or settings.rcvbuf is None:
        c.error(
            action.marks.get("node", action.mark),
            f"{where}: 'read' on '{action.node}', which keeps no receive buffer: give it 'tcp: {{rcvbuf: BYTES}}'",
        )


def _check_links(c: _Checker) -> None:
    seen: dict[frozenset[str], Mark] = {}
    ids: list[tuple[str, Mark]] = []
    for link in c.scene.links:
        a, b = link.between
        ok = c.node_ref(a, "link", link.marks, "between[0]") & c.node_ref(b, "link", link.marks, "between[1]")
        if ok and a == b:
            c.error(link.marks["between"], f"link: both ends are '{a}'; a link joins two different nodes")
        pair = frozenset((a, b))
        if ok and a != b:
            if pair in seen:
                c.error(link.mark, f"link: '{a}' and '{b}' are already linked at line {seen[pair].line}")
                continue  # its default id repeats too; one message for one mistake
            seen[pair] = link.mark
        ids.append((link.link_id, link.marks.get("id", link.mark)))
    c.unique(ids, "link id")
    c.link_ids = [i for i, _ in ids]


def _check_devices(c: _Checker, topology: Topology) -> None:
    """Device settings that name other nodes or tables must name ones that exist, and a balancer's
    backends ones it can reach: the simulator would otherwise have a proxy connect to a machine
    no link leads to."""
    for node in c.scene.nodes:
        for i, title in enumerate(node.show_tables):
            if title not in TABLE_TITLES:
                c.error(
                    node.marks.get(f"show_tables[{i}]", node.marks["show_tables"]),
                    f"node '{node.id}': unknown device table '{title}'{did_you_mean(title, TABLE_TITLES)}; "
                    f"expected one of: {', '.join(TABLE_TITLES)}",
                )
        if node.firewall is not None:
            _check_firewall(c, node, node.firewall)
        kind_check = DEVICE_KINDS[node.kind].check
        for mark, message in kind_check(node) if kind_check is not None else ():
            c.error(mark, message)
        if node.vrrp is not None:
            # Every router of the group lists the VIP (keepalived adds it on the master); one that
            # does not could never answer for it, silently.
            mine = {a.split("/")[0] for a in node.ipv4}
            for vip in node.vrrp.vip:
                if vip.split("/")[0] not in mine:
                    c.error(
                        node.vrrp.marks.get("vip", node.vrrp.mark),
                        f"node '{node.id}': VRRP address {vip} is not among its 'ipv4' addresses",
                    )
        if node.database is not None:
            for i, client in enumerate(node.database.sessions):
                _check_backend(c, topology, node.id, client, "database session", node.database.marks, f"sessions[{i}]")
        if node.nginx is not None:
            _check_nginx(c, node, node.nginx)
        balancer = node.balancer
        if balancer is None:
            continue
        for i, backend in enumerate(balancer.backends):
            _check_backend(c, topology, node.id, backend, "balancer", balancer.marks, f"backends[{i}]")
        for pool in balancer.pools:
            for i, backend in enumerate(pool.backends):
                _check_backend(c, topology, node.id, backend, "balancer pool", pool.marks, f"backends[{i}]")
        if not balancer.backends and not balancer.pools:
            c.error(balancer.mark, f"node '{node.id}': a balancer needs 'backends' or 'pools'")
        if balancer.vip is None and not node.ipv4:
            c.error(balancer.mark, f"node '{node.id}': give the balancer a 'vip' or the node an 'ipv4' address")


def _check_nginx(c: _Checker, node: Node, nginx: NginxSettings) -> None:
    """nginx runs on a ``server`` and listens on the ports ``listen:`` names; every worker holds those
    listening sockets and its channel to the master before any client (checked with nginx 1.22)."""
    if node.kind != "server":
        c.error(nginx.mark, f"node '{node.id}': 'nginx:' describes a web server's workers: use it on a 'server'")
    if not node.listen:
        c.error(nginx.mark, f"node '{node.id}': 'nginx:' needs 'listen:' (the ports nginx listens on)")
    elif nginx.worker_connections <= len(node.listen) + 1:
        c.error(
            nginx.marks.get("worker_connections", nginx.mark),
            f"node '{node.id}': worker_connections {nginx.worker_connections} leaves no room for a client: each worker's "
            f"{len(node.listen)} listening socket(s) and its channel to the master take {len(node.listen) + 1}",
        )


#: Targets of the nat table; every other target is the filter table's.
NAT_TARGETS = frozenset({"DNAT", "SNAT", "MASQUERADE"})
#: The chains each simulated table has, and the targets each chain takes (as iptables accepts them).
TABLE_CHAINS: dict[str, dict[str, tuple[str, ...]]] = {
    "filter": {
        "INPUT": ("ACCEPT", "DROP", "REJECT"),
        "FORWARD": ("ACCEPT", "DROP", "REJECT"),
        "OUTPUT": ("ACCEPT", "DROP", "REJECT"),
    },
    "nat": {"PREROUTING": ("ACCEPT", "DNAT"), "OUTPUT": ("ACCEPT", "DNAT"), "POSTROUTING": ("ACCEPT", "SNAT", "MASQUERADE")},
}


def _check_firewall(c: _Checker, node: Node, firewall: Firewall) -> None:
    """Every rule must be one the simulator plays as Linux would: a chain its table has, a target
    that chain takes, the options the target needs. What it cannot play is refused here, at the
    rule, rather than silently ignored (a PREROUTING DROP that let the packet through, say)."""
    numbers: dict[tuple[str, str], int] = {}
    for rule in firewall.rules:
        table = rule.table or ("nat" if rule.action in NAT_TARGETS else "filter")
        numbers[table, rule.chain] = numbers.get((table, rule.chain), 0) + 1
        where = f"node '{node.id}': {'' if table == 'filter' else 'nat '}{rule.chain} rule {numbers[table, rule.chain]}"
        mark = rule.mark

        def at(key: str, rule_marks: Mapping[str, Mark] = rule.marks, default: Mark = mark) -> Mark:
            return rule_marks.get(key, default)

        chains = TABLE_CHAINS[table]
        if rule.chain not in chains:
            if table == "filter" and rule.chain in ("PREROUTING", "POSTROUTING"):
                hint = (
                    "the filter table has no such chain (filtering there needs the raw or mangle table,"
                    " not simulated): use INPUT or FORWARD"
                )
            elif table == "nat" and rule.chain == "INPUT":
                hint = "SNAT in the nat table's INPUT chain is not simulated"
            else:
                hint = f"the {table} table has {', '.join(chains)}"
            c.error(at("chain"), f"{where}: {rule.action} in {rule.chain}: {hint}")
            continue
        if rule.action not in chains[rule.chain]:
            if table == "nat" and rule.action in ("DROP", "REJECT"):
                hint = (
                    "the nat table is not for filtering (iptables refuses it):"
                    " put it in the filter table's INPUT, FORWARD or OUTPUT"
                )
            elif rule.action in NAT_TARGETS and table == "filter":
                hint = f"{rule.action} is only valid in the nat table"
            else:
                hint = f"{table} {rule.chain} takes {', '.join(chains[rule.chain])}"
            c.error(at("action"), f"{where}: {rule.action} here: {hint}")
            continue
        if rule.action in ("DNAT", "SNAT") and rule.to is None:
            c.error(mark, f"{where}: {rule.action} needs 'to' (--to-{'destination' if rule.action == 'DNAT' else 'source'})")
        if rule.to is not None and rule.action not in ("DNAT", "SNAT"):
            hint = " (MASQUERADE takes the outgoing interface's address)" if rule.action == "MASQUERADE" else ""
            c.error(at("to"), f"{where}: 'to' is for DNAT and SNAT only{hint}")
        if rule.to is not None and rule.to.rsplit(":", 1)[-1].isdigit() and "." in rule.to and rule.proto not in ("tcp", "udp"):
            c.error(at("to"), f"{where}: a port in 'to' needs proto tcp or udp")
        if rule.reject_with is not None and rule.action != "REJECT":
            c.error(at("reject_with"), f"{where}: 'reject_with' is for REJECT only")
        if rule.reject_with == "tcp-reset" and rule.proto != "tcp":
            c.error(at("reject_with"), f"{where}: tcp-reset answers TCP only: give the rule proto: tcp")
        for key, value in (("dport", rule.dport), ("sport", rule.sport)):
            if value is not None and rule.proto not in ("tcp", "udp"):
                c.error(at(key), f"{where}: '{key}' needs proto tcp or udp (iptables: -p tcp --{key})")
        if table == "nat" and (node.nat is not None or node.kind == "nat"):
            c.error(at("action"), f"{where}: this node translates with 'nat:' already: give it nat rules or 'nat:', not both")


def _check_backend(
    c: _Checker, topology: Topology, node: str, backend: str, what: str, marks: Mapping[str, Mark], key: str
) -> None:
    """A backend must be a node, not the balancer itself, and reachable from it over the links."""
    where = f"node '{node}' {what}"
    if not c.node_ref(backend, where, marks, key):
        return
    if backend == node:
        c.error(marks[key], f"{where}: '{node}' cannot be its own backend")
    elif topology.route(node, backend) is None:
        c.error(marks[key], f"{where}: backend '{backend}' is not reachable: no chain of links leads from '{node}' to it")


def _check_chapters(c: _Checker) -> None:
    chapter_ids = [ch.id for ch in c.scene.chapters]
    started: list[str] = []
    for step in c.scene.steps:
        if step.chapter is None:
            continue
        mark = step.marks["chapter"]
        if step.chapter not in chapter_ids:
            c.error(
                mark, f"unknown chapter '{step.chapter}'{did_you_mean(step.chapter, chapter_ids)}; declare it under 'chapters:'"
            )
        elif step.chapter in started:
            c.error(mark, f"chapter '{step.chapter}' already began at an earlier step; a chapter begins once")
        else:
            started.append(step.chapter)
    declared_order = [ch for ch in chapter_ids if ch in started]
    if started != declared_order:
        c.error(
            c.scene.marks["chapters"],
            f"chapters begin in the order {', '.join(started)} but are declared as {', '.join(declared_order)}",
        )
    for chapter in c.scene.chapters:
        if chapter.id not in started:
            c.error(chapter.mark, f"chapter '{chapter.id}' is never begun: add 'chapter: {chapter.id}' to its first step")


def _check_send(c: _Checker, topology: Topology, send: Send, where: str) -> None:
    ok = c.node_ref(send.from_, f"{where} send.from", send.marks, "from")
    ok &= c.node_ref(send.to, f"{where} send.to", send.marks, "to")
    for i, hop in enumerate(send.via):
        ok &= c.node_ref(hop, f"{where} send.via", send.marks, f"via[{i}]")
    if send.path is not None:
        for i, hop in enumerate(send.path):
            ok &= c.node_ref(hop, f"{where} send.path", send.marks, f"path[{i}]")
    if send.drop_at is not None:
        ok &= c.node_ref(send.drop_at, f"{where} send.drop_at", send.marks, "drop_at")
    if not ok:
        return
    if send.from_ == send.to:
        c.error(send.marks["to"], f"{where}: a message from '{send.from_}' to itself goes nowhere")
        return
    if send.path is not None:
        if send.via:
            c.error(send.marks["via"], f"{where}: give either 'path' or 'via', not both")
            return
        path = list(send.path)
        if not path or path[0] != send.from_ or path[-1] != send.to:
            c.error(send.marks["path"], f"{where}: path must start at '{send.from_}' and end at '{send.to}'")
            return
        for i, (a, b) in enumerate(pairwise(path)):
            if topology.link(a, b) is None:
                c.error(send.marks[f"path[{i + 1}]"], f"{where}: path goes from '{a}' to '{b}' but no link joins them")
                return
    else:
        route = topology.route(send.from_, send.to, send.via)
        if route is None:
            c.error(
                send.mark,
                f"{where}: no chain of links leads from '{send.from_}' to '{send.to}'"
                + (f" through {', '.join(send.via)}" if send.via else ""),
            )
            return
        path = route
    if send.drop_at is not None and send.drop_at not in path[1:]:
        c.error(send.marks["drop_at"], f"{where}: drop_at '{send.drop_at}' is not on the path {' → '.join(path)}")


def _check_highlight(c: _Checker, topology: Topology, action: Highlight, where: str) -> None:
    for i, node in enumerate(action.nodes):
        c.node_ref(node, f"{where} highlight", action.marks, f"nodes[{i}]")
    for i, link in enumerate(action.links):
        key = f"links[{i}]"
        if isinstance(link, str):
            if link not in c.link_ids:
                c.error(action.marks[key], f"{where} highlight: unknown link '{link}'{did_you_mean(link, c.link_ids)}")
        elif all(c.node_ref(end, f"{where} highlight", action.marks, key) for end in link) and topology.link(*link) is None:
            c.error(action.marks[key], f"{where} highlight: no link joins '{link[0]}' and '{link[1]}'")


def _check_table(c: _Checker, table: TableSet, where: str) -> None:
    c.node_ref(table.node, f"{where} table", table.marks, "node")
    if table.columns:
        for i, row in enumerate(table.rows):
            if len(row) != len(table.columns):
                c.error(
                    table.marks[f"rows[{i}]"],
                    f"{where} table: row has {len(row)} cells but there are {len(table.columns)} columns",
                )


def _check_quiz(c: _Checker, quiz: Quiz, where: str) -> None:
    """A quiz the player can ask: 2-6 distinct choices, and an answer that is one of them."""
    count = len(quiz.choices)
    if not MIN_CHOICES <= count <= MAX_CHOICES:
        c.error(
            quiz.marks.get("choices", quiz.mark),
            f"{where} quiz: {count} choice{'s' if count != 1 else ''} given; a quiz needs {MIN_CHOICES} to {MAX_CHOICES}",
        )
        return
    first: dict[str, int] = {}
    for i, choice in enumerate(quiz.choices):
        if choice in first:
            c.error(
                quiz.marks[f"choices[{i}]"], f"{where} quiz: choice '{choice}' is given twice (also choice {first[choice] + 1})"
            )
            return
        first[choice] = i
    if quiz.correct_index() is None:
        c.error(
            quiz.marks["answer"],
            f"{where} quiz: answer '{quiz.answer}' is not one of the choices{did_you_mean(quiz.answer, quiz.choices)}; "
            f"give a choice's text or its position, 1 to {count}",
        )
