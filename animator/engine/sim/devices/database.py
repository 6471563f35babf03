"""A PostgreSQL server: a machine whose tables follow the wire protocol messages it exchanges.

The scene writes both sides of the conversation as ``pgsql`` layers, as it writes HTTP requests
and responses; this device reads those real bytes as they arrive and leave, and keeps what
PostgreSQL itself would show about them:

- ``pg_stat_activity``: one row per session, its ``pid`` (from the BackendKeyData it sent), user,
  database, ``state`` (``active`` from a query's arrival until ReadyForQuery leaves, then
  ``idle``, ``idle in transaction`` or ``idle in transaction (aborted)`` as its status byte
  I / T / E says), ``backend_xid`` (assigned at the transaction's first row lock or write, as
  PostgreSQL assigns one lazily) and ``wait_event`` (``transactionid`` while it waits for a row
  lock another transaction holds);
- ``Rows``: the table's committed rows (what any other session reads, READ COMMITTED);
- ``Row locks``: rows locked by ``UPDATE`` (For No Key Update) or ``SELECT … FOR UPDATE`` until the
  transaction ends (autocommit: the statement), and the sessions waiting for them.

Statements take effect when their CommandComplete leaves (an ErrorResponse: none), so what the
tables show is what the server told the client. A row lock is taken when the statement arrives;
if another transaction holds it, the session waits, and the scene may not answer it before the
holder commits or rolls back (a SimulationError says so at the send). The SQL understood is what
the course's scenes need: BEGIN / COMMIT / ROLLBACK, ``SELECT … FROM t WHERE key = N [FOR
UPDATE]``, ``UPDATE t SET col = value | col ± n, … WHERE key = N [AND …]``; anything else passes
without touching the tables.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival, SimulationError
from animator.engine.sim.devices.stack import Stack
from animator.engine.sim.journey import Leg
from animator.engine.sim.tcp import Connection, initial_sequence
from animator.model.kinds import TableKind
from animator.model.schema import DatabaseSettings, Node

if TYPE_CHECKING:
    from animator.engine.sim.simulation import Simulation

#: The first transaction id a scene's database hands out (a fresh cluster is near 730).
FIRST_XID = 740

_BEGIN = re.compile(r"^\s*(BEGIN|START\s+TRANSACTION)\b", re.I)
_COMMIT = re.compile(r"^\s*(COMMIT|END)\b", re.I)
_ROLLBACK = re.compile(r"^\s*(ROLLBACK|ABORT)\b", re.I)
_UPDATE = re.compile(r"^\s*UPDATE\s+(\w+)\s+SET\s+(.+?)\s+WHERE\s+(.+?)\s*(?:RETURNING\b.*)?;?\s*$", re.I | re.S)
_SELECT = re.compile(
    r"^\s*SELECT\b.+?\bFROM\s+(\w+)(?:\s+WHERE\s+(.+?))?(\s+FOR\s+(?:NO\s+KEY\s+)?UPDATE)?\s*;?\s*$", re.I | re.S
)
_KEY = re.compile(r"\b(\w+)\s*=\s*'?([\w.-]+)'?")
_ASSIGN = re.compile(r"(\w+)\s*=\s*(?:(\1)\s*([+-])\s*(\d+)|'((?:[^']|'')*)'|(NULL)|(-?\d+(?:\.\d+)?))", re.I)


@dataclass
class Statement:
    """What one query will do to the tables once it completes."""

    kind: str  # "begin", "commit", "rollback", "update", "lock" (SELECT … FOR UPDATE), "other"
    row: str | None = None
    assignments: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Session:
    """One backend process: a client connection as ``pg_stat_activity`` shows it."""

    pid: int | None  # None until its BackendKeyData has left
    user: str
    database: str
    state: str = ""
    xid: int | None = None
    in_block: bool = False  # inside BEGIN … COMMIT/ROLLBACK
    wait: str = ""
    waiting_for: str | None = None  # the row it waits to lock
    #: The statements of the query in hand not yet completed (a simple query may hold several).
    pending: list[Statement] = field(default_factory=list)
    #: The statement waiting for its row lock.
    blocked: Statement | None = None
    writes: dict[str, dict[str, str]] = field(default_factory=dict)  # uncommitted, by row key
    locks: dict[str, str] = field(default_factory=dict)  # row key -> mode


class Database(Stack):
    """PostgreSQL 15 (``kind: database``): its tables follow the pgsql messages it receives and sends."""

    kinds = ("database",)

    def __init__(self, sim: Simulation, node: Node) -> None:
        super().__init__(sim, node)
        self.settings: DatabaseSettings = node.database or DatabaseSettings()
        columns = self.settings.columns
        self.rows: dict[str, dict[str, str]] = {row[0]: dict(zip(columns, row, strict=True)) for row in self.settings.rows}
        self.sessions: dict[tuple[str, int], Session] = {}
        self.next_xid = FIRST_XID
        #: The last statement each client parsed (the unnamed statement, which Execute runs).
        self.prepared: dict[tuple[str, int], str] = {}

    # -- the hooks -----------------------------------------------------------------------------------
    def publish_configuration(self) -> None:
        super().publish_configuration()
        self.open_sessions()
        self.publish_rows(0.0)

    def open_sessions(self) -> None:
        """Sessions logged in before the scene starts (``sessions: [client]``): both ends of an
        established connection to this server's port, and an idle backend for each, so the scene
        begins at its first query instead of a handshake and login it is not about."""
        for client in self.settings.sessions:
            server = self.net.address_of(self.id, client)
            address = self.net.address_of(client, self.id)
            if server is None or address is None:
                raise SimulationError(f"'{client}' cannot have a session on '{self.id}': give both an IPv4 address")
            them = self.peer(client)
            theirs = Connection(local=(str(address), them.ephemeral_port()), remote=(str(server), self.settings.port))
            mine = Connection(local=theirs.remote, remote=theirs.local)
            for end, owner in ((theirs, client), (mine, self.id)):
                end.state = "ESTABLISHED"
                end.iss = initial_sequence(owner, end.local, end.remote)
                end.snd_una = end.snd_nxt = end.iss + 1
            for end, other in ((theirs, mine), (mine, theirs)):
                end.irs, end.rcv_nxt = other.iss, other.iss + 1
            theirs.peers.add(self.id)
            mine.peers.add(client)
            them.conns[theirs.local, theirs.remote] = theirs
            self.conns[mine.local, mine.remote] = mine
            pid = 10000 + initial_sequence("pid", self.id, client) % 20000
            self.sessions[theirs.local] = Session(pid=pid, user="postgres", database=self.settings.name, state="idle")
        if self.settings.sessions:
            self.publish_activity(0.0)

    def receive_tcp(self, arrival: Arrival, ip: Any, tcp: Any) -> Connection | None:
        conn = super().receive_tcp(arrival, ip, tcp)
        data = bytes(tcp.payload) if tcp.payload else b""
        if conn is not None and data and tcp.dport == self.settings.port:
            self.frontend((ip.src, tcp.sport), data, arrival.time)
        return conn

    def tcp_leaving(self, ip: Any, tcp: Any, data: bytes, time: float, leg: Leg) -> None:
        super().tcp_leaving(ip, tcp, data, time, leg)
        if data and tcp.sport == self.settings.port:
            self.backend((ip.dst, tcp.dport), data, time)
        if int(tcp.flags) & 0x05 and tcp.sport == self.settings.port:  # FIN or RST: the backend exits
            self.end_session((ip.dst, tcp.dport), time)

    # -- frontend messages ---------------------------------------------------------------------------
    def frontend(self, client: tuple[str, int], data: bytes, time: float) -> None:
        for kind, body in split_messages(data, untyped_first=client not in self.sessions):
            if kind == b"" and len(body) >= 4 and struct.unpack("!I", body[:4])[0] == 196608:
                self.start_session(client, body[4:], time)
                continue
            session = self.sessions.get(client)
            if session is None:
                continue
            if kind == b"Q":
                self.run(session, body.rstrip(b"\x00").decode(errors="replace"), time)
            elif kind == b"P":
                parts = body.split(b"\x00")
                session.pending = []
                self.prepared[client] = parts[1].decode(errors="replace") if len(parts) > 1 else ""
            elif kind == b"E":
                self.run(session, self.prepared.get(client, ""), time)
            elif kind == b"X":
                self.end_session(client, time)

    def start_session(self, client: tuple[str, int], body: bytes, time: float) -> None:
        parts = body.split(b"\x00")
        params = {parts[i].decode(): parts[i + 1].decode() for i in range(0, len(parts) - 1, 2) if parts[i]}
        user = params.get("user", "postgres")
        self.sessions[client] = Session(pid=None, user=user, database=params.get("database", user))
        self.publish_activity(time)

    def end_session(self, client: tuple[str, int], time: float) -> None:
        session = self.sessions.pop(client, None)
        if session is None:
            return
        if session.in_block:  # a session that goes away mid-transaction rolls it back
            self.remark(time, f"pid {session.pid} gone: its transaction rolls back")
        self.finish(session, commit=False, time=time)
        self.publish_activity(time)

    def run(self, session: Session, sql: str, time: float) -> None:
        """A statement arrives: the session is active; it locks its row now, or waits for it."""
        session.pending = [classify(part, self.settings) for part in split_statements(sql)]
        session.state = "active"
        for statement in session.pending:
            if statement.kind not in ("update", "lock") or statement.row is None or statement.row not in self.rows:
                continue
            holder = self.lock_holder(statement.row, session)
            if holder is not None:
                session.wait, session.waiting_for, session.blocked = "transactionid", statement.row, statement
                self.remark(time, f"pid {session.pid} waits: row {statement.row} is locked by pid {holder.pid}")
                break
            self.take_lock(session, statement)
        self.publish_activity(time)
        self.publish_locks(time)

    # -- backend messages ----------------------------------------------------------------------------
    def backend(self, client: tuple[str, int], data: bytes, time: float) -> None:
        session = self.sessions.get(client)
        if session is None:
            return
        for kind, body in split_messages(data, untyped_first=False):
            if session.waiting_for is not None and kind in (b"T", b"D", b"C", b"Z"):
                holder = self.lock_holder(session.waiting_for, session)
                who = f"pid {holder.pid}" if holder is not None else "another transaction"
                raise SimulationError(
                    f"pid {session.pid} is still waiting for the lock on row {session.waiting_for} that {who} holds:"
                    " the database cannot answer it before that transaction commits or rolls back"
                )
            if kind == b"K" and len(body) >= 4:
                session.pid = struct.unpack("!i", body[:4])[0]
            elif kind == b"C":
                self.complete(session, body.rstrip(b"\x00").decode(errors="replace"), time)
            elif kind == b"E":
                session.pending = []
                if session.in_block:  # AbortTransaction runs at once: locks and xid go, the block stays
                    self.finish(session, commit=False, time=time)
                    session.in_block = True
            elif kind == b"Z" and body:
                status = body[:1]
                session.state = {b"I": "idle", b"T": "idle in transaction", b"E": "idle in transaction (aborted)"}.get(
                    status, session.state
                )
                if status == b"I" and session.in_block:
                    self.finish(session, commit=False, time=time)
        self.publish_activity(time)

    def complete(self, session: Session, tag: str, time: float) -> None:
        """CommandComplete left: what the statement did now counts (a COMMIT of a failed
        transaction is answered ROLLBACK, and rolls back)."""
        if not session.pending:
            return
        statement = session.pending.pop(0)
        if tag in ("BEGIN", "START TRANSACTION"):
            session.in_block = True
        elif tag == "COMMIT":
            self.finish(session, commit=True, time=time)
        elif tag == "ROLLBACK":
            self.finish(session, commit=False, time=time)
        elif statement.kind == "update" and statement.row is not None and not tag.endswith(" 0"):
            row = self.rows.get(statement.row)
            if row is not None:
                current = {**row, **session.writes.get(statement.row, {})}
                session.writes[statement.row] = {
                    **session.writes.get(statement.row, {}),
                    **evaluate(statement.assignments, current),
                }
            if not session.in_block:
                self.finish(session, commit=True, time=time)
        elif not session.in_block and statement.kind == "lock":
            self.finish(session, commit=True, time=time)

    # -- transactions and locks ----------------------------------------------------------------------
    def lock_holder(self, row: str, asking: Session) -> Session | None:
        return next((s for s in self.sessions.values() if s is not asking and row in s.locks), None)

    def take_lock(self, session: Session, statement: Statement) -> None:
        assert statement.row is not None
        mode = "For No Key Update" if statement.kind == "update" else "For Update"
        if statement.row not in session.locks or mode == "For Update":
            session.locks[statement.row] = mode
        if session.xid is None:
            session.xid = self.next_xid
            self.next_xid += 1

    def finish(self, session: Session, commit: bool, time: float) -> None:
        """The transaction ends: its writes become everyone's rows (or vanish), its locks go, and
        the first session waiting for one of them takes it."""
        if commit and session.writes:
            for key, values in session.writes.items():
                if key in self.rows:
                    self.rows[key].update(values)
            self.publish_rows(time)
        released = list(session.locks)
        session.writes.clear()
        session.locks.clear()
        session.xid = None
        session.in_block = False
        for row in released:
            waiter = next((s for s in self.sessions.values() if s.waiting_for == row), None)
            if waiter is not None and waiter.blocked is not None:
                self.take_lock(waiter, waiter.blocked)
                waiter.wait, waiter.waiting_for, waiter.blocked = "", None, None
                self.remark(time, f"pid {waiter.pid} gets the lock on row {row}")
        self.publish_locks(time)

    # -- tables --------------------------------------------------------------------------------------
    def publish_activity(self, time: float) -> None:
        rows = [
            (
                "—" if s.pid is None else str(s.pid),
                s.user,
                s.database,
                s.state or "—",
                str(s.xid) if s.xid is not None else "",
                _wait_event(s),
            )
            for s in self.sessions.values()
        ]
        self.publish(time, TableKind.ACTIVITY, rows or None)

    def publish_rows(self, time: float) -> None:
        columns = self.settings.columns
        rows = [tuple(row[c] for c in columns) for row in self.rows.values()]
        self.publish(time, TableKind.ROWS, rows or None, columns)

    def publish_locks(self, time: float) -> None:
        rows: list[tuple[str, ...]] = []
        key = self.settings.columns[0] if self.settings.columns else "id"
        for s in self.sessions.values():
            rows.extend((f"{key}={row}", str(s.pid), mode, "held") for row, mode in s.locks.items())
        for s in self.sessions.values():
            if s.waiting_for is not None and s.blocked is not None:
                mode = "For No Key Update" if s.blocked.kind == "update" else "For Update"
                rows.append((f"{key}={s.waiting_for}", str(s.pid), mode, "waiting"))
        self.publish(time, TableKind.ROW_LOCKS, rows or None)


def _wait_event(session: Session) -> str:
    """What the backend waits for: a lock (``transactionid``), or, when idle, the client's next
    message (``ClientRead``, as pg_stat_activity shows an idle session)."""
    if session.wait:
        return session.wait
    return "ClientRead" if session.state.startswith("idle") else ""


def split_messages(data: bytes, untyped_first: bool) -> list[tuple[bytes, bytes]]:
    """The messages in one segment as (type byte, body); an untyped first message (StartupMessage,
    SSLRequest) has type b"" and keeps its code at the front of the body. A segment that ends
    mid-message is cut there (the scenes send whole messages)."""
    out: list[tuple[bytes, bytes]] = []
    i = 0
    if untyped_first and len(data) >= 8 and data[0] == 0:
        length = struct.unpack("!I", data[:4])[0]
        out.append((b"", data[4:length]))
        i = length
    while i + 5 <= len(data):
        kind = data[i : i + 1]
        length = struct.unpack("!I", data[i + 1 : i + 5])[0]
        if length < 4:
            break
        out.append((kind, data[i + 5 : i + 1 + length]))
        i += 1 + length
    return out


def split_statements(sql: str) -> list[str]:
    """The statements of one simple query, split at semicolons outside quotes."""
    parts, current, quoted = [], "", False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append(current + ";")
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return [part for part in parts if part.strip(" ;\n\t")] or [sql]


def classify(sql: str, settings: DatabaseSettings) -> Statement:
    """What a statement will do to the device's one table (anything it does not know: nothing)."""
    if _BEGIN.match(sql):
        return Statement("begin")
    if _COMMIT.match(sql):
        return Statement("commit")
    if _ROLLBACK.match(sql):
        return Statement("rollback")
    key = settings.columns[0] if settings.columns else "id"
    update = _UPDATE.match(sql)
    if update and update.group(1).lower() == settings.table.lower():
        assignments = [
            (m.group(0).split("=", 1)[0].strip(), m.group(0).split("=", 1)[1].strip()) for m in _ASSIGN.finditer(update.group(2))
        ]
        return Statement("update", _row_of(update.group(3), key), assignments)
    select = _SELECT.match(sql)
    if select and select.group(3) and select.group(1).lower() == settings.table.lower() and select.group(2):
        return Statement("lock", _row_of(select.group(2), key))
    return Statement("other")


def _row_of(where: str, key: str) -> str | None:
    for match in _KEY.finditer(where):
        if match.group(1).lower() == key.lower():
            return match.group(2)
    return None


def evaluate(assignments: list[tuple[str, str]], row: dict[str, str]) -> dict[str, str]:
    """``SET`` as PostgreSQL applies it: every right-hand side reads the row as it was."""
    values: dict[str, str] = {}
    for column, expression in assignments:
        arithmetic = re.fullmatch(r"(\w+)\s*([+-])\s*(\d+)", expression)
        if arithmetic and arithmetic.group(1) in row:
            base = int(row[arithmetic.group(1)] or 0)
            amount = int(arithmetic.group(3))
            values[column] = str(base + amount if arithmetic.group(2) == "+" else base - amount)
        elif expression.upper() == "NULL":
            values[column] = ""
        else:
            values[column] = expression.strip("'").replace("''", "'")
    return values
