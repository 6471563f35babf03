"""A shared HTTP cache (a CDN edge) deciding as nginx's ``proxy_cache`` does, checked against nginx 1.22.

What it keeps. A 200 response to a GET is stored only with a lifetime the origin gave it, read as
nginx reads it: ``Cache-Control`` naming ``no-store``, ``private`` or ``no-cache`` anywhere keeps it
out; otherwise ``s-maxage`` (meant for shared caches) wins over ``max-age``, which wins over
``Expires`` (lifetime ``Expires − Date``: the simulation has no wall clock); ``max-age=0``, an
``Expires`` not after ``Date`` and a response with none of them are not stored (nginx caches
those only with ``proxy_cache_valid``, which the device does not have). ``Vary: *`` is not stored.

RFC 9111 lets a shared cache store ``no-cache`` responses and revalidate them on every use; nginx
and Varnish's built-in VCL do not store them at all, and the device follows them: it is what a
learner will meet in front of their own servers.

The key is host + path + the variant: the values the request had for the headers the stored
response names in ``Vary`` (``Accept-Encoding: gzip`` and a request without it are two entries).

Time is the scene's clock (``Simulation.scene_seconds``, as DNS TTLs count down): an entry is
fresh while its age is below its lifetime, then stale; a stale one is revalidated with the
validators it holds (``proxy_cache_revalidate on``), and a 304 refreshes it.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass

#: Request headers nginx replaces on a cached location (``proxy_cache_headers``): the cache asks for
#: the full response it can store, or with its own validators when it revalidates a stale copy.
CONDITIONAL = frozenset({"if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "range", "if-range"})

Headers = list[tuple[str, str]]


def parse_head(head: bytes) -> tuple[str, Headers]:
    """The start line and the (name, value) headers of an HTTP/1.x head, values stripped."""
    lines = head.decode("latin-1").split("\r\n")
    return lines[0], [(k, v.strip()) for k, _, v in (line.partition(":") for line in lines[1:] if ":" in line)]


def header(headers: Headers, name: str) -> str | None:
    """The first value of header ``name`` (case-insensitive), or None."""
    return next((v.strip() for k, v in headers if k.strip().lower() == name), None)


def directives(value: str) -> dict[str, str]:
    """``Cache-Control``'s directives by lower-case name (``""`` for those without a value)."""
    found: dict[str, str] = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            found.setdefault(name.strip().lower(), argument.strip().strip('"'))
    return found


def lifetime(headers: Headers) -> tuple[int | None, str]:
    """How many seconds a shared cache may use this response without asking, or None and why not."""
    control = header(headers, "cache-control") or ""
    seen = directives(control)
    for refused in ("no-store", "private", "no-cache"):
        if refused in seen:
            return None, refused
    vary = header(headers, "vary")
    if vary is not None and vary.strip() == "*":
        return None, "Vary: *"
    for name in ("s-maxage", "max-age"):
        if name in seen:
            seconds = seen[name]
            if not seconds.isdigit() or int(seconds) == 0:
                return None, f"{name}={seconds}"
            return int(seconds), name
    expires = header(headers, "expires")
    if expires is not None:
        date = header(headers, "date")
        if date is None:
            return None, "Expires without Date"
        try:
            until = int((email.utils.parsedate_to_datetime(expires) - email.utils.parsedate_to_datetime(date)).total_seconds())
        except (TypeError, ValueError):
            return None, "Expires in the past"  # an invalid date means already expired (RFC 9111 §5.3)
        return (until, "Expires") if until > 0 else (None, "Expires in the past")
    return None, "no max-age or Expires"


def vary_names(headers: Headers) -> tuple[str, ...]:
    """The request headers a response varies on, lower case, in order."""
    value = header(headers, "vary") or ""
    return tuple(name.strip().lower() for name in value.split(",") if name.strip())


def variant(names: tuple[str, ...], request: Headers) -> tuple[str | None, ...]:
    """What the request sent for each header in ``names`` (None: not sent)."""
    return tuple(header(request, name) for name in names)


@dataclass
class Entry:
    """One stored response (one variant of one URL)."""

    path: str
    #: The request headers the response varies on, and the values this copy was fetched with.
    vary: tuple[str, ...]
    variant: tuple[str | None, ...]
    #: Scene second the response was received or last revalidated (its age counts from here).
    stored: float
    lifetime: int
    head: bytes
    body: bytes

    @property
    def headers(self) -> Headers:
        return parse_head(self.head)[1]

    @property
    def etag(self) -> str | None:
        return header(self.headers, "etag")

    @property
    def last_modified(self) -> str | None:
        return header(self.headers, "last-modified")

    def age(self, now: float) -> int:
        """Whole seconds since stored (the scene's clock), as the Age header and the table show it."""
        return round(now - self.stored)

    def fresh(self, now: float) -> bool:
        return self.age(now) < self.lifetime

    def refresh(self, headers: Headers, now: float) -> None:
        """A 304 confirmed the copy: its headers replace the stored ones of the same name (RFC 9111
        §3.2), and its age starts again (nginx: a new valid time from the 304's Cache-Control)."""
        start, stored = parse_head(self.head)
        updates = {k.lower(): (k, v) for k, v in headers if k.lower() not in ("content-length", "transfer-encoding")}
        merged = [updates.pop(k.lower(), (k, v)) for k, v in stored] + list(updates.values())
        self.head = (start + "".join(f"\r\n{k}: {v}" for k, v in merged)).encode("latin-1")
        seconds, _ = lifetime(self.headers)
        self.lifetime = seconds if seconds is not None else 0
        self.stored = now


class SharedCache:
    """The entries of one caching proxy, by (host, path)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], list[Entry]] = {}

    def lookup(self, host: str, path: str, request: Headers) -> Entry | None:
        """The stored variant this request may be answered with (fresh or not), or None."""
        for entry in self.entries.get((host.lower(), path), []):
            if variant(entry.vary, request) == entry.variant:
                return entry
        return None

    def store(self, host: str, path: str, request: Headers, head: bytes, body: bytes, now: float) -> str | None:
        """Keep a 200 response if a shared cache may; None when stored, else why it was not."""
        headers = parse_head(head)[1]
        seconds, why = lifetime(headers)
        if seconds is None:
            return why
        names = vary_names(headers)
        entry = Entry(path, names, variant(names, request), now, seconds, head, body)
        variants = self.entries.setdefault((host.lower(), path), [])
        variants[:] = [e for e in variants if (e.vary, e.variant) != (entry.vary, entry.variant)] + [entry]
        return None

    def purge(self, host: str, path: str) -> int:
        """Drop every variant of a URL (Varnish's ``return (purge)``); how many there were."""
        return len(self.entries.pop((host.lower(), path), []))

    def rows(self, now: float) -> list[tuple[str, ...]]:
        """The Cache table: path, variant, when stored, age, seconds of freshness left, ETag."""
        rows: list[tuple[str, ...]] = []
        for entries in self.entries.values():
            for entry in entries:
                shown = ", ".join("—" if value is None else value for value in entry.variant) or "—"
                left = entry.lifetime - entry.age(now)
                rows.append(
                    (
                        entry.path,
                        shown,
                        f"{entry.stored:.0f} s",
                        str(entry.age(now)),
                        str(left) if left > 0 else "stale",
                        entry.etag or "—",
                    )
                )
        return rows
