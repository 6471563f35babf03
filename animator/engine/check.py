"""One check stage: every error a scene has, found the same way by the CLI, the player and the tests.

The stages run cheapest first, each only once the one before passed, so one typo does not
cascade into a dozen messages:

1. the model's checks (``animator.model.validate``: unknown ids, missing paths, table shapes);
   the loader runs them on every file, so ``load_scene`` never returns a scene failing them;
2. each real packet's layers against what the packets package knows (field names and values);
3. a dry run of the simulation (a send no device can carry: no address, no route);
4. scheduling (a scene longer than the player can show).

``check(scene)`` reports them all. ``build_timeline`` runs stages 2 to 4 on its way to a Timeline
(the same functions, below) and raises ``SceneLoadError`` with exactly what ``check`` would
report for a loaded scene, so the player and ``validate`` can never disagree.
"""

from __future__ import annotations

from pathlib import Path

from animator.engine.sim import Journey, SimulationError, has_real_packets, simulate
from animator.engine.timing import hop_seconds
from animator.model.errors import SceneError, SceneLoadError
from animator.model.schema import Scene, Send
from animator.model.topology import Topology, topology_of
from animator.model.validate import check_scene


def check(scene: Scene) -> list[SceneError]:
    """Every error in ``scene``, from every stage, in file order (empty: it plays)."""
    errors = check_scene(scene)
    if errors:
        return errors
    from animator.engine.timeline import build_timeline

    try:
        build_timeline(scene)
    except SceneLoadError as exc:
        return exc.errors
    return []


def check_file(path: str | Path) -> list[SceneError]:
    """Every error in the scene file or deck at ``path``; a deck's include every scene it lists."""
    from animator.model import load_scene
    from animator.model.deck import is_deck_path, validate_deck_file

    if is_deck_path(path):
        return validate_deck_file(path, check)
    try:
        return check(load_scene(path))
    except SceneLoadError as exc:
        return exc.errors


def simulated(scene: Scene, topology: Topology | None = None) -> Journey | None:
    """Stages 2 and 3: the scene's Journey (None when it has no real packets), or ``SceneLoadError``.

    A journey cached from an earlier run of the same text and code passed both stages then.
    """
    if not has_real_packets(scene):
        return None
    from animator.engine.sim import cache

    key = cache.key_for(scene)
    cached = cache.load(key) if key is not None else None
    if cached is not None and len(cached.steps) == len(scene.steps):
        return cached
    errors = layer_errors(scene)
    if errors:
        raise SceneLoadError(errors)
    try:
        journey = simulate(scene, hop_seconds(scene, topology or topology_of(scene)))
    except SimulationError as exc:
        raise SceneLoadError([simulation_error(scene, exc)]) from None
    if key is not None:
        cache.store(key, journey)
    return journey


def layer_errors(scene: Scene) -> list[SceneError]:
    """Stage 2: layer fields and values the packets package refuses, at the field that has them."""
    from animator.packets import check_layers

    errors = [
        e for step in scene.steps for a in step.actions if isinstance(a, Send) for e in check_layers(a.layers, scene.source)
    ]
    return sorted(errors, key=lambda e: (e.line, e.col))


def simulation_error(scene: Scene, exc: SimulationError) -> SceneError:
    """Stage 3's error at the send it happened in (the scene's start when no send is to blame)."""
    mark = exc.mark or scene.mark
    return SceneError(scene.source, mark.line, mark.col, str(exc))
