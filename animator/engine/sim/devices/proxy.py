"""Proxies: they end the client's TCP connection and open their own (``animator.engine.sim.features.relay``)."""

from __future__ import annotations

from animator.engine.sim.devices.stack import Stack
from animator.engine.sim.features.bump import BumpingRelay
from animator.engine.sim.features.relay import HttpRelay
from animator.engine.sim.features.tcp_relay import TcpRelay


class ForwardProxy(Stack):
    """A forward proxy clients are configured to use: absolute-form requests and CONNECT tunnels,
    optionally through a parent proxy (``balancer: {backends: [parent]}``); with ``proxy: {bump:
    true}`` it intercepts the TLS inside each tunnel instead (Squid's ssl-bump)."""

    kinds = ("proxy",)

    def make_relay(self) -> HttpRelay:
        if self.node.proxy is not None and self.node.proxy.bump:
            return BumpingRelay(self)
        return HttpRelay(self, forward=True)


class ReverseProxy(Stack):
    """A reverse proxy in front of its backends: ends TLS, picks a backend per request, may cache."""

    kinds = ("reverse-proxy",)
    pool_counts = "Requests"

    def make_relay(self) -> HttpRelay:
        return HttpRelay(self, forward=False)


class TcpProxy(Stack):
    """A layer-4 proxy (HAProxy ``mode tcp``): two TCP connections per client, bytes copied between
    them unread; the backend sees the proxy's address, or the client's in a PROXY protocol header."""

    kinds = ("tcp-proxy",)

    def make_relay(self) -> HttpRelay:
        return TcpRelay(self)
