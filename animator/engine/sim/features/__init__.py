"""Behaviour a node's settings add to whatever its kind is: a packet filter (``firewall:``),
translation (``nat:``), a pool of backends (``balancer:``) and HTTP relaying (proxies, and
balancers with ``pools:``). Each holds its own state and belongs to one device."""
