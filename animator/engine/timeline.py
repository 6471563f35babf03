"""Schedule a scene once into immutable tracks; answer ``state_at(t)`` from them.

Everything the player, the step list, scrubbing, stepping back and every exporter show comes
from ``Timeline.state_at``: a pure function of time, so frame N is the same whether reached
by playing, seeking backwards or rendering headless. Lookups bisect precomputed, sorted
arrays; nothing scans the whole scene per frame.

Step numbering follows the player: step 0 is the scene before anything moves; step k
occupies the half-open interval ``(start_k, end_k]``, so the pause point ``end_k`` shows
step k finished (its messages arrived, its highlights on) and the next step's changes only
appear once time moves past it.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any, NamedTuple

from animator.engine.check import simulated
from animator.engine.easing import clamp01, ease_out, smooth
from animator.engine.frame import Bubble, Frame, PacketView, TableView
from animator.engine.layout import layout_nodes
from animator.engine.sim import Journey, Outcome, Remark
from animator.engine.sim.journey import Sample
from animator.engine.tcp_graph import TcpGraph, build_tcp_graph
from animator.engine.timing import DWELL, hop_seconds, step_at
from animator.engine.traffic import classify
from animator.model.errors import SceneError, SceneLoadError
from animator.model.schema import MAX_SCENE_SECONDS, PROTOCOLS, Highlight, Note, Scene, Send, StateSet, TableSet
from animator.model.topology import topology_of

#: Seconds a step lingers after its last action, so the eye can catch the arrival.
TAIL = 0.4
#: Shortest automatic step: a caption-only step still needs reading time while playing.
MIN_STEP = 1.2
#: Fade-in of packets, highlights and notes.
FADE = 0.25
#: How long a lost packet's cross stays before it fades away.
DROP_FADE = 0.8
#: Sideways offset (grid units) that keeps packets crossing a link in opposite directions apart.
LANE = 0.1


@dataclass(frozen=True, slots=True)
class MessageTrack:
    """One message's whole journey: which link it is on at every moment."""

    id: str
    step: int
    label: str
    protocol: str
    path: tuple[str, ...]
    links: tuple[str, ...]
    hop_starts: tuple[float, ...]
    hop_ends: tuple[float, ...]
    dropped: bool
    #: The frame on each hop (real packets only): what the inspector and the pcap export show.
    frames: tuple[bytes | None, ...] = ()
    #: What the device at the start of each hop did to the packet, in its own words.
    changes: tuple[tuple[str, ...], ...] = ()
    #: The track this one continues (a flood copy, an ICMP error, a proxy's upstream request).
    parent: str | None = None
    #: How the run ended, in the device's words ("delivered", "DROP by FORWARD rule 2"): shown, never parsed.
    fate: str = ""
    #: How the run ended, for code to decide on (None: a token, or a run that had not ended).
    outcome: Outcome | None = None
    #: The traffic classes it belongs to (its protocol, TCP control, TLS handshake), from its frames.
    classes: frozenset[str] = frozenset()
    #: When a delivered packet leaves the stage because its receiver has moved on (sent the next
    #: packet of the exchange): an ARP reply, say, once the frame that waited for it goes out.
    retire: float | None = None

    @property
    def vanishes(self) -> bool:
        """Discarded without being lost (a flood copy reaching the wrong host): it fades out."""
        return self.outcome is Outcome.DISCARDED

    @property
    def start(self) -> float:
        return self.hop_starts[0]

    @property
    def end(self) -> float:
        return self.hop_ends[-1]


@dataclass(frozen=True, slots=True)
class StepSpan:
    number: int
    start: float
    end: float
    caption: str
    notes: str
    #: Title of the chapter this step begins, if it begins one.
    begins_chapter: str | None


class PacketDetail(NamedTuple):
    """A packet at one instant, seen from the device it is at (Packet Tracer's In and Out layers).

    While it crosses a link, ``node`` is the device that sent it: ``frame_out`` is on the wire and
    ``frame_in`` is how it reached that device. Once at a device, ``frame_in`` is how it arrived
    and ``frame_out`` how it will leave (None if it goes no further).
    """

    id: str
    label: str
    node: str
    link_id: str | None
    frame_in: bytes | None
    frame_out: bytes | None
    changes: tuple[str, ...]
    fate: str
    #: How the run ended, at its last device only (None on the way, and for tokens).
    outcome: Outcome | None = None


class WireRecord(NamedTuple):
    """One frame put on one link at one moment: a pcap record."""

    link_id: str
    time: float
    frame: bytes


@dataclass(frozen=True, slots=True)
class _Timed:
    """What appears at a moment of a step: an authored highlight or note, or a device's remark."""

    time: float
    action: Highlight | Note | Remark


class _Route(NamedTuple):
    """Where a message goes: its path, and each hop's unscaled seconds and link id."""

    path: tuple[str, ...]
    hops: tuple[float, ...]
    links: tuple[str, ...]


class Timeline:
    """The scheduled scene. Build with ``build_timeline``; never mutated afterwards."""

    #: Each step's span, in order (set once, by scheduling).
    steps: tuple[StepSpan, ...]

    def __init__(self, scene: Scene, journey: Journey | None) -> None:
        """``journey`` is what simulating the scene's real packets produced (``check.simulated``)."""
        self.scene = scene
        self.topology = topology_of(scene)  # the one validation built, with its routes
        self._hop_seconds = hop_seconds(scene, self.topology)
        self.positions = layout_nodes(scene, self.topology)
        self._link_ids = {frozenset(link.between): link.link_id for link in scene.links}
        self._routes: dict[tuple[object, ...], _Route] = {}
        # Per step, sorted by start. Tuples, not lists: a long lecture has thousands of steps, and
        # the garbage collector soon stops tracking a tuple of floats (or the shared empty tuple).
        self._messages: list[tuple[MessageTrack, ...]] = []
        self._message_starts: list[tuple[float, ...]] = []
        self._timed: list[tuple[_Timed, ...]] = []
        self._timed_starts: list[tuple[float, ...]] = []
        self._badges: dict[str, tuple[list[float], list[str]]] = {}
        self._tables: dict[str, tuple[list[float], list[tuple[TableView, ...]]]] = {}
        self._device_tables: dict[str, tuple[list[float], list[tuple[TableView, ...]]]] = {}
        #: Per step with simulated packets, how much its motion was sped up to fit a given duration.
        self._scales: dict[int, float] = {}
        #: Device-internal numbers (a sender's cwnd) at their scheduled times, for the TCP graph.
        self._samples: list[tuple[float, Sample]] = []
        self._tcp_graph: tuple[TcpGraph | None] | None = None
        self.journey = journey
        self._schedule()
        self._hop_geometry = self._hop_geometries()
        self._ends = [span.end for span in self.steps]
        self.boundaries: tuple[float, ...] = (0.0, *self._ends)
        self.duration = self._ends[-1] if self._ends else 0.0
        self.protocols: tuple[str, ...] = tuple(
            sorted({m.protocol for msgs in self._messages for m in msgs}, key=_protocol_order)
        )

    # -- scheduling (once) ---------------------------------------------------------------
    def _path(self, send: Send) -> tuple[str, ...]:
        path = send.path if send.path else self.topology.route(send.from_, send.to, send.via)
        assert path is not None, "validated scenes always have a path"
        if send.drop_at is not None:
            path = path[: path.index(send.drop_at, 1) + 1]
        return tuple(path)

    def _route(self, send: Send) -> _Route:
        """The path of ``send``, with each hop's unscaled seconds and link id.

        Memoised by what decides them: a long lecture sends thousands of messages along a few
        dozen paths.
        """
        key = (send.from_, send.to, send.via, send.path, send.drop_at)
        route = self._routes.get(key)
        if route is None:
            path = self._path(send)
            pairs = list(pairwise(path))
            hops = tuple(self._hop_seconds(a, b) for a, b in pairs)
            route = self._routes[key] = _Route(path, hops, tuple(self._link_ids[frozenset(pair)] for pair in pairs))
        return route

    def _message(self, number: int, index: int, send: Send, start: float, step_length: float | None) -> MessageTrack:
        path, hops, links = self._route(send)
        travel = sum(hops) + DWELL * (len(hops) - 1)
        scale = 1.0
        if step_length is not None and send.at + travel > step_length:
            scale = (step_length - send.at) / travel  # an exact step length wins: speed up to fit
        hop_starts, hop_ends = [], []
        t = start + send.at
        for hop in hops:
            hop_starts.append(t)
            t += hop * scale
            hop_ends.append(t)
            t += DWELL * scale
        return MessageTrack(
            id=f"s{number}.{index}",
            step=number,
            label=send.display_label,
            protocol=send.protocol,
            path=path,
            links=links,
            hop_starts=tuple(hop_starts),
            hop_ends=tuple(hop_ends),
            dropped=send.drop_at is not None,
            classes=classify(send.protocol, send.display_label),
        )

    def _legs(self, number: int, start: float, step_length: float | None) -> tuple[list[MessageTrack], float]:
        """The step's simulated legs as tracks, and when the last one ends (seconds into the step)."""
        if self.journey is None:
            return [], 0.0
        # A leg without hops never left its device (dropped there: "no link towards ..."): there
        # is nothing to draw, and a step whose every leg is like that moves nothing at all.
        legs = [leg for leg in self.journey.steps[number - 1].legs if leg.hops]
        if not legs:
            return [], 0.0
        natural = max(leg.hops[-1].end for leg in legs)
        scale = step_length / natural if step_length is not None and natural > step_length else 1.0
        self._scales[number] = scale
        tracks = []
        for leg in legs:
            path = (leg.hops[0].a, *(h.b for h in leg.hops))
            protocol = leg.protocol if leg.protocol in PROTOCOLS else "data"
            frames = tuple(h.frame for h in leg.hops)
            tracks.append(
                MessageTrack(
                    id=leg.id,
                    step=number,
                    label=leg.label,
                    protocol=protocol,
                    path=path,
                    links=tuple(self._link_ids[frozenset((h.a, h.b))] for h in leg.hops),
                    hop_starts=tuple(start + h.start * scale for h in leg.hops),
                    hop_ends=tuple(start + h.end * scale for h in leg.hops),
                    dropped=leg.dropped,
                    frames=frames,
                    changes=tuple(h.changes for h in leg.hops),
                    parent=leg.parent,
                    fate=leg.fate,
                    outcome=leg.outcome,
                    classes=classify(protocol, leg.label, frames),
                )
            )
        return _with_retirement(tracks), natural * scale

    def _schedule(self) -> None:
        chapter_titles = {ch.id: ch.title for ch in self.scene.chapters}
        spans: list[StepSpan] = []
        badge_events: list[tuple[float, int, str, str]] = []
        table_events: list[tuple[float, int, TableSet]] = []
        device_events: list[tuple[float, int, str, str, tuple[str, ...], tuple[tuple[str, ...], ...] | None]] = []
        if self.journey is not None:
            for change in self.journey.initial_tables:
                device_events.append(
                    (-1.0, -1, change.node, change.table.value, change.columns, change.rows)
                )  # before anything moves
        start = 0.0
        order = 0
        for number, step in enumerate(self.scene.steps, start=1):
            messages: list[MessageTrack] = []
            timed: list[_Timed] = []
            natural_end = 0.0
            legs, legs_end = self._legs(number, start, step.duration)
            messages.extend(legs)
            natural_end = legs_end
            if self.journey is not None:
                simulated = self.journey.steps[number - 1]
                scale = self._scales.get(number, 1.0)
                badge_events.extend((start + badge.time * scale, order, badge.node, badge.text) for badge in simulated.badges)
                timed.extend(_Timed(start + remark.time * scale, remark) for remark in simulated.remarks)
                self._samples.extend((start + sample.time * scale, sample) for sample in simulated.samples)
                for t, n, table, columns, rows in simulated.tables:
                    device_events.append((start + t * scale, order, n, table.value, columns, rows))
            for index, action in enumerate(step.actions, start=1):
                order += 1
                if isinstance(action, Send) and action.is_real:
                    continue
                if isinstance(action, Send):
                    track = self._message(number, index, action, start, step.duration)
                    messages.append(track)
                    natural_end = max(natural_end, track.end - start)
                else:
                    natural_end = max(natural_end, action.at)
                    if isinstance(action, (Highlight, Note)):
                        timed.append(_Timed(start + action.at, action))
                    elif isinstance(action, StateSet):
                        badge_events.append((start + action.at, order, action.node, action.text))
                    elif isinstance(action, TableSet):
                        table_events.append((start + action.at, order, action))
            length = step.duration if step.duration is not None else max(MIN_STEP, natural_end + TAIL)
            messages.sort(key=lambda m: m.start)
            timed.sort(key=lambda e: e.time)
            self._messages.append(tuple(messages))
            self._message_starts.append(tuple([m.start for m in messages]))
            self._timed.append(tuple(timed))
            self._timed_starts.append(tuple([e.time for e in timed]))
            spans.append(
                StepSpan(
                    number=number,
                    start=start,
                    end=start + length,
                    caption=step.caption,
                    notes=step.notes or "",
                    begins_chapter=chapter_titles.get(step.chapter) if step.chapter else None,
                )
            )
            start += length
            if start > MAX_SCENE_SECONDS:
                # Each time is bounded by the schema, but thousands of hour-long steps would still
                # overflow the player's pixel arithmetic (the ladder's scroll range is an int).
                hours = MAX_SCENE_SECONDS / 3600
                message = f"step {number}: the scene has run {start:,.0f} s by its end; a scene lasts at most {hours:g} hours"
                raise SceneLoadError([SceneError(self.scene.source, step.mark.line, step.mark.col, message)])
        self.steps = tuple(spans)
        chapter: str | None = None
        self._chapter_of_step: list[str | None] = [None]  # step 0 is in no chapter
        for span in spans:
            chapter = span.begins_chapter or chapter
            self._chapter_of_step.append(chapter)
        self._index_badges(badge_events)
        self._index_tables(table_events, device_events)
        self.messages: tuple[MessageTrack, ...] = tuple(
            sorted((m for msgs in self._messages for m in msgs), key=lambda m: (m.start, m.id))
        )
        self._by_id = {m.id: m for m in self.messages}

    def _index_badges(self, events: list[tuple[float, int, str, str]]) -> None:
        """``events`` are (time, order, node, text): an author's ``state`` or a device's badge."""
        for time, _, node, text in sorted(events, key=lambda e: (e[0], e[1])):
            times, values = self._badges.setdefault(node, ([], []))
            times.append(time)
            values.append(text)

    def _index_tables(self, events: list[tuple[float, int, TableSet]], device_events: list[tuple[Any, ...]]) -> None:
        """Store, after each change, the node's whole set of tables, so a lookup is one bisect.

        Authors' tables always show on the stage; a device's own tables (from the simulator) go
        to the device-tables view, and on the stage only where the node lists them in ``show_tables``.
        """
        on_stage = {node.id: set(node.show_tables) for node in self.scene.nodes}
        merged: list[tuple[float, int, str, str, tuple[str, ...], tuple[tuple[str, ...], ...] | None, bool]] = [
            (time, order, a.node, a.title, a.columns, None if a.hide else a.rows, True) for time, order, a in events
        ]
        merged += [
            (time, order, n, title, columns, rows, title in on_stage.get(n, ()))
            for time, order, n, title, columns, rows in device_events
        ]
        current: dict[str, dict[str, TableView]] = {}
        devices: dict[str, dict[str, TableView]] = {}
        for time, _, node, title, columns, rows, stage in sorted(merged, key=lambda e: (e[0], e[1])):
            for store, index, wanted in ((current, self._tables, stage), (devices, self._device_tables, True)):
                if not wanted:
                    continue
                tables = store.setdefault(node, {})
                if rows is None:
                    tables.pop(title, None)
                else:
                    previous = tables.get(title)
                    tables[title] = TableView(node, title, columns or (previous.columns if previous else ()), rows)
                times, snapshots = index.setdefault(node, ([], []))
                if times and times[-1] == time:  # same instant: the later change wins
                    snapshots[-1] = tuple(tables.values())
                else:
                    times.append(time)
                    snapshots.append(tuple(tables.values()))

    # -- queries (every frame) -----------------------------------------------------------
    @property
    def step_count(self) -> int:
        return len(self.steps)

    def step_at(self, t: float) -> int:
        """The step shown at ``t``: 0 at or before the start, k within ``(start_k, end_k]``."""
        return step_at(self.boundaries, t)

    def boundary(self, step: int) -> float:
        """The pause point at the end of ``step`` (0 is the very start)."""
        return self.boundaries[max(0, min(step, len(self.boundaries) - 1))]

    def chapter_at(self, step: int) -> str | None:
        return self._chapter_of_step[max(0, min(step, len(self._chapter_of_step) - 1))]

    def table_snapshots(self) -> dict[str, list[tuple[TableView, ...]]]:
        """Every set of tables each node will show, so a view can reserve room for the largest."""
        return {node: snapshots for node, (_, snapshots) in self._tables.items()}

    def device_table_snapshots(self) -> dict[str, list[tuple[TableView, ...]]]:
        """Every set of device tables each node will have (the tables view lists these nodes first)."""
        return {node: snapshots for node, (_, snapshots) in self._device_tables.items()}

    def badge_nodes(self) -> frozenset[str]:
        """Nodes that show a state badge at some point."""
        return frozenset(node for node, (_, values) in self._badges.items() if any(values))

    def badge_values(self, node: str) -> list[str]:
        """Every state badge a node shows during the scene (the layout reserves room for the widest)."""
        return [v for v in self._badges.get(node, ((), []))[1] if v]

    def note_texts(self) -> dict[str, list[str]]:
        texts: dict[str, list[str]] = {}
        for events in self._timed:
            for event in events:
                if not isinstance(event.action, Highlight):
                    texts.setdefault(event.action.node, []).append(event.action.text)
        return texts

    def notes_in_step(self, step: int) -> list[tuple[str, str]]:
        """``(node, text)`` of every bubble that appears while ``step`` plays, in order: the
        layout reserves room for each, not only those still showing at the pause point."""
        if step < 1 or step > len(self._timed):
            return []
        return [(e.action.node, e.action.text) for e in self._timed[step - 1] if not isinstance(e.action, Highlight)]

    def state_at(self, t: float) -> Frame:
        t = min(max(float(t), 0.0), self.duration)
        step = self.step_at(t)
        if step == 0:
            caption = self.scene.summary or self.scene.title
            notes = ""
            packets: tuple[PacketView, ...] = ()
            bubbles: tuple[Bubble, ...] = ()
            node_hl: dict[str, float] = {}
            link_hl: dict[str, float] = {}
        else:
            span = self.steps[step - 1]
            caption, notes = span.caption, span.notes
            visible = bisect_right(self._message_starts[step - 1], t)
            packets = tuple(view for track in self._messages[step - 1][:visible] if (view := self._packet(track, t)) is not None)
            bubbles_list: list[Bubble] = []
            node_hl, link_hl = {}, {}
            for event in self._timed[step - 1][: bisect_right(self._timed_starts[step - 1], t)]:
                alpha = ease_out((t - event.time) / FADE)
                action = event.action
                if not isinstance(action, Highlight):
                    bubbles_list.append(Bubble(action.node, action.text, alpha))
                else:
                    for node in action.nodes:
                        node_hl[node] = max(node_hl.get(node, 0.0), alpha)
                    for link in action.links:
                        link_id = link if isinstance(link, str) else self._link_ids[frozenset(link)]
                        link_hl[link_id] = max(link_hl.get(link_id, 0.0), alpha)
            bubbles = tuple(bubbles_list)
        return Frame(
            time=t,
            step=step,
            step_count=self.step_count,
            caption=caption,
            notes=notes,
            chapter=self.chapter_at(step),
            packets=packets,
            bubbles=bubbles,
            node_highlight=node_hl,
            link_highlight=link_hl,
            badges=self._latest_badges(t),
            tables=self._latest_tables(t, self._tables),
            device_tables=self._latest_tables(t, self._device_tables),
        )

    def _latest_badges(self, t: float) -> dict[str, str]:
        # An event applies once time has moved past it: at a pause point the next step's
        # changes (scheduled exactly at that instant) are not shown yet.
        badges = {}
        for node, (times, values) in self._badges.items():
            i = bisect_left(times, t) - 1
            if i >= 0 and values[i]:
                badges[node] = values[i]
        return badges

    def _latest_tables(
        self, t: float, index: dict[str, tuple[list[float], list[tuple[TableView, ...]]]]
    ) -> dict[str, tuple[TableView, ...]]:
        tables = {}
        for node, (times, snapshots) in index.items():
            # Configuration (routing tables, rules) is recorded at -1 s, so it shows at time 0 while
            # changes made at the very start of step 1 do not.
            i = bisect_left(times, t) - 1
            if i >= 0 and snapshots[i]:
                tables[node] = snapshots[i]
        return tables

    def _packet(self, track: MessageTrack, t: float) -> PacketView | None:
        start, end = track.hop_starts[0], track.hop_ends[-1]
        fade_in = 1.0 if t - start >= 0.15 else ease_out((t - start) / 0.15)
        if t >= end:
            node = track.path[-1]
            x, y = self.positions[node]
            opacity = fade_in
            if track.retire is not None and t > track.retire:
                opacity = 1.0 - clamp01((t - track.retire) / FADE)
                if opacity <= 0.0:
                    return None
            elif track.dropped or track.vanishes:
                opacity = 1.0 - clamp01((t - end - (DROP_FADE if track.dropped else 0.1)) / FADE)
                if opacity <= 0.0:
                    return None
            return PacketView(
                track.id,
                track.label,
                track.protocol,
                x,
                y,
                None,
                node,
                track.path[-2],
                opacity,
                track.dropped,
                True,
                t - end,
                track.classes,
            )
        hop = bisect_right(track.hop_starts, t) - 1
        a, b = track.path[hop], track.path[hop + 1]
        ax, ay, dx, dy, nx, ny = self._hop_geometry[a, b]
        if t > track.hop_ends[hop]:  # dwelling inside the next device
            return PacketView(
                track.id, track.label, track.protocol, ax + dx, ay + dy, None, b, a, fade_in, False, False, 0.0, track.classes
            )
        f = smooth((t - track.hop_starts[hop]) / (track.hop_ends[hop] - track.hop_starts[hop]))
        lane = math.sin(math.pi * f)  # away from the line mid-hop, on it at both ends
        x, y = ax + dx * f + nx * lane, ay + dy * f + ny * lane
        return PacketView(
            track.id, track.label, track.protocol, x, y, track.links[hop], b, a, fade_in, False, False, 0.0, track.classes
        )

    def _hop_geometries(self) -> dict[tuple[str, str], tuple[float, float, float, float, float, float]]:
        """Per direction of every link: start point, vector to the end, and lane offset vector.

        Precomputed because a busy frame places a thousand packets; each then costs a dict
        lookup instead of two position lookups and a square root.
        """
        geometry = {}
        for link in self.scene.links:
            for a, b in (link.between, link.between[::-1]):
                (ax, ay), (bx, by) = self.positions[a], self.positions[b]
                dx, dy = bx - ax, by - ay
                length = math.hypot(dx, dy) or 1.0
                side = LANE if a < b else -LANE  # opposite directions keep to opposite sides
                geometry[a, b] = (ax, ay, dx, dy, -dy / length * side, dx / length * side)
        return geometry

    # -- real packets ----------------------------------------------------------------------
    def packet_detail(self, packet_id: str, t: float) -> PacketDetail | None:
        """The packet ``packet_id`` at ``t`` as the inspector shows it, or None if it is not on stage then."""
        track = self._by_id.get(packet_id)
        if track is None or t < track.start:
            return None
        frames = track.frames or (None,) * len(track.links)
        changes = track.changes or ((),) * len(track.links)
        hop = bisect_right(track.hop_starts, t) - 1
        last = hop + 1 == len(track.links)
        # On the wire: show the device that sent it. At the very moment it reaches its last
        # device it has arrived, as ``state_at`` draws it (a click on a ladder arrow seeks there).
        if t < track.hop_ends[hop] or (t == track.hop_ends[hop] and not last):
            node = track.path[hop]
            return PacketDetail(
                track.id,
                track.label,
                node,
                track.links[hop],
                frames[hop - 1] if hop else None,
                frames[hop],
                changes[hop],
                track.fate,
                track.outcome,
            )
        node = track.path[hop + 1]
        nxt = hop + 1 if hop + 1 < len(track.links) else None
        return PacketDetail(
            track.id,
            track.label,
            node,
            None,
            frames[hop],
            frames[nxt] if nxt is not None else None,
            changes[nxt] if nxt is not None else (),
            track.fate if nxt is None else "",
            track.outcome if nxt is None else None,
        )

    def packet_link(self, packet_id: str, t: float) -> str | None:
        """The link a capture of ``packet_id`` at ``t`` is taken on: the wire it is crossing, the
        wire it arrived by once at a device, its first wire before it starts; None for an unknown id."""
        track = self._by_id.get(packet_id)
        if track is None or not track.links:
            return None
        hop = max(0, bisect_right(track.hop_starts, t) - 1)
        return track.links[hop]

    def tcp_graph(self) -> TcpGraph | None:
        """The TCP graph of the first connection the simulator sampled (None: the scene has no samples).

        Worked out on first use and kept: only scenes that teach flow or congestion control have one.
        """
        if self._tcp_graph is None:
            wire = self.wire_records() if self._samples else ()
            origins = ((m.path[0], m.frames[0]) for m in self.messages if m.frames and m.frames[0] is not None)
            self._tcp_graph = (build_tcp_graph(self._samples, wire, self.duration, origins),)
        return self._tcp_graph[0]

    def wire_records(self) -> list[WireRecord]:
        """Every real frame as it goes onto each link, in time order: the scene's traffic for a pcap."""
        records = [
            WireRecord(link, start, frame)
            for track in self.messages
            for link, start, frame in zip(track.links, track.hop_starts, track.frames, strict=False)
            if frame is not None
        ]
        records.sort(key=lambda r: r.time)
        return records


def _with_retirement(tracks: list[MessageTrack]) -> list[MessageTrack]:
    """Retire each delivered packet when its receiver sends the next one, so a step with a dozen
    exchanges (ARP, then a handshake through a proxy) ends with the last answers docked, not all."""
    retired = []
    for track in tracks:
        receiver = track.path[-1]
        later = [other.start for other in tracks if other.path[0] == receiver and other.start >= track.end and other is not track]
        retired.append(replace(track, retire=min(later)) if later and not track.dropped else track)
    return retired


def build_timeline(scene: Scene) -> Timeline:
    """Simulate and schedule a loaded ``scene``; ``SceneLoadError`` with what ``check`` reports if it cannot."""
    return Timeline(scene, simulated(scene, topology_of(scene)))


def _protocol_order(name: str) -> int:
    """Legend order: lower layers first, as in every networking textbook figure."""
    return PROTOCOLS.index(name)
