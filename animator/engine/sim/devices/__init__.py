"""The simulator's device classes, joined to the model's kind registry: one class per kind.

``DEVICES[kind]`` is everything known about a kind: the model's description (icon, tables,
capabilities, configuration check: ``animator.model.kinds.DEVICE_KINDS``) and the class that
simulates it. The simulation makes every node's device through it and dispatches frames to the
device, never on kind names. Importing this module fails when a kind has no class or two, so a
kind added to the model without its behaviour cannot go unnoticed.

Adding a kind: its entry in ``animator/model/kinds.py``, a module here with its class (listed
below), its icon in ``assets/icons`` and its row in ``docs/devices.md`` (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from animator.engine.sim.devices.balancer import LoadBalancer
from animator.engine.sim.devices.base import Device
from animator.engine.sim.devices.database import Database
from animator.engine.sim.devices.firewall import FirewallDevice
from animator.engine.sim.devices.host import Host, NameServer, Server
from animator.engine.sim.devices.nat import NatGateway
from animator.engine.sim.devices.pooler import Pooler
from animator.engine.sim.devices.proxy import ForwardProxy, ReverseProxy, TcpProxy
from animator.engine.sim.devices.router import Internet, Router
from animator.engine.sim.devices.switch import Switch
from animator.model.kinds import DEVICE_KINDS, DeviceKind

#: Every device class; each names the kinds it simulates.
CLASSES: tuple[type[Device], ...] = (
    Host,
    Server,
    NameServer,
    Switch,
    Router,
    Internet,
    NatGateway,
    FirewallDevice,
    LoadBalancer,
    ForwardProxy,
    ReverseProxy,
    TcpProxy,
    Database,
    Pooler,
)


@dataclass(frozen=True, slots=True)
class DeviceEntry:
    """One kind as the simulator knows it: the model's description and the class that plays it."""

    kind: DeviceKind
    factory: type[Device]


def _join() -> dict[str, DeviceEntry]:
    classes: dict[str, type[Device]] = {}
    for cls in CLASSES:
        for name in cls.kinds:
            if name in classes:
                raise RuntimeError(f"device kind '{name}' is simulated by both {classes[name].__name__} and {cls.__name__}")
            if name not in DEVICE_KINDS:
                raise RuntimeError(f"{cls.__name__} simulates '{name}', which animator/model/kinds.py does not list")
            classes[name] = cls
    missing = [name for name in DEVICE_KINDS if name not in classes]
    if missing:
        raise RuntimeError(f"no device class simulates {', '.join(missing)}: add one to animator/engine/sim/devices")
    return {name: DeviceEntry(kind, classes[name]) for name, kind in DEVICE_KINDS.items()}


#: Every kind, in the model's order, with the class that simulates it.
DEVICES: Mapping[str, DeviceEntry] = MappingProxyType(_join())

__all__ = ["CLASSES", "DEVICES", "Device", "DeviceEntry"]
