"""The schema of a config file: the root model (the core fields plus every component's sections) and the
rules that check a validated file, assembled once from the component list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Any

from pydantic import create_model

from ..records import record
from .rules import FILE_RULES, NAME_COLLISIONS, RULES, core_names, name_collisions
from .section import FileRule, Rule, Slice
from .shapes import PlatformConfig


@record
class Schema:
    model: type[PlatformConfig]
    rules: tuple[Rule, ...]
    file_rules: tuple[FileRule, ...] = ()
    #: The slices' patterns in words (the core's are the loader's table).
    pattern_words: Mapping[str, str] = field(default_factory=dict)

    def json_schema(self) -> dict[str, Any]:
        """The config file's shapes as a JSON Schema, for editors and CI: every key,
        type, bound and enumeration. The cross-field rules (``mlinfra validate``) are not in it."""
        shapes = self.model.model_json_schema()
        return {
            # Draft 7: the newest the YAML language server (VS Code's YAML extension) reads; pydantic's
            # output uses no keyword of a later draft ("$defs" is reached by its JSON pointer alike).
            "$schema": "http://json-schema.org/draft-07/schema#",
            **shapes,
            "title": "mlinfra platform config (mlinfra.yaml)",
        }


def assemble(slices: Iterable[Slice]) -> Schema:
    """The root model with one field per slice section (after the core fields, in the order of the component list), the core
    rules followed by the slices' rules (the collision check, in its place among the core's, compares the
    core's names and every slice's), and the core file rules followed by the slices'."""
    slices = tuple(slices)
    fields: dict[str, Any] = {}
    for s in slices:
        for section in s.sections:
            key = section.key
            assert key not in PlatformConfig.model_fields and key not in fields, f"two owners of section {key!r}"
            fields[key] = section.field()
    model = create_model("PlatformConfig", __base__=PlatformConfig, __doc__=PlatformConfig.__doc__, **fields)
    collisions = name_collisions((core_names, *(s.names for s in slices if s.names is not None)))
    core = tuple(collisions if r is NAME_COLLISIONS else r for r in RULES)
    return Schema(
        model=model,
        rules=(*core, *(r for s in slices for r in s.rules)),
        file_rules=(*FILE_RULES, *(r for s in slices for r in s.file_rules)),
        pattern_words={p: w for s in slices for p, w in s.pattern_words.items()},
    )
