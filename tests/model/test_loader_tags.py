"""The scene loader's memo of scalar tags answers exactly as PyYAML's own resolver.

A wrong memo would turn ``port: 80`` into text or ``label: "80"`` into a number the second
time the same text appears, and the decoder would then refuse a valid scene (or accept a bad one).
"""

from __future__ import annotations

import yaml

from animator.model.loader import _LOADER

TEXTS = ["80", "080", "0x50", "1.5", "1e3", ".inf", "yes", "no", "true", "~", "null", "", "web1", "10.0.0.1", "2026-12-06"]


def _tags(loader: type[yaml.SafeLoader], document: str) -> list[str]:
    root = yaml.compose(document, Loader=loader)
    assert isinstance(root, yaml.SequenceNode)
    return [node.tag for node in root.value]


def test_memoised_tags_match_pyyaml_for_plain_and_quoted_text_every_time() -> None:
    plain = "[" + ", ".join(t or "''" for t in TEXTS) + "]"
    quoted = "[" + ", ".join(f'"{t}"' for t in TEXTS) + "]"
    for document in (plain, quoted, plain, quoted):  # twice each: the second answer comes from the memo
        assert _tags(_LOADER, document) == _tags(yaml.SafeLoader, document)
