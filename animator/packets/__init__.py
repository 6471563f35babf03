"""Real packets for scenes: layer stacks to scapy packets and wire bytes, summaries, pcapng.

Importing the package imports no scapy (it would cost start-up time every run); each name
below loads its module on first use, and scapy layer modules load only when a layer needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "LAYER_NAMES": "animator.packets.registry",
    "LayerKind": "animator.packets.registry",
    "check_layers": "animator.packets.stack",
    "build_layers": "animator.packets.stack",
    "finalize": "animator.packets.stack",
    "protocol_of": "animator.packets.stack",
    "FieldError": "animator.packets.problems",
    "summary": "animator.packets.summary",
    "write_pcapng": "animator.packets.pcapng",
    "FieldNode": "animator.packets.dissect",
    "dissect": "animator.packets.dissect",
    "changed_paths": "animator.packets.dissect",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'animator.packets' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
