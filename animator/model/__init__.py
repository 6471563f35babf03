"""Scene files: the typed model, its YAML loader and validation. No Qt here."""

from animator.model.errors import SceneError, SceneLoadError
from animator.model.loader import load_scene, load_scene_text, validate_file
from animator.model.schema import (
    PROTOCOLS,
    Action,
    AppRead,
    Chapter,
    DeviceSet,
    Highlight,
    Link,
    Node,
    Note,
    Scene,
    Send,
    StateSet,
    Step,
    TableSet,
)

__all__ = [
    "PROTOCOLS",
    "Action",
    "AppRead",
    "Chapter",
    "DeviceSet",
    "Highlight",
    "Link",
    "Node",
    "Note",
    "Scene",
    "SceneError",
    "SceneLoadError",
    "Send",
    "StateSet",
    "Step",
    "TableSet",
    "load_scene",
    "load_scene_text",
    "validate_file",
]
