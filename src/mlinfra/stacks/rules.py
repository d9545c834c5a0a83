"""Rules of the ``stacks`` section: every endpoint in exactly one group, names that can be folders."""

from __future__ import annotations

from collections.abc import Iterator

from ..config.rules import Violation
from ..config.shapes import PlatformConfig
from .section import RESERVED, SECTION


def stacks_form(config: PlatformConfig) -> Iterator[Violation]:
    section = SECTION.of(config)
    if section is None:
        return
    given = [k for k in ("endpoints_per_stack", "groups") if getattr(section, k) is not None]
    if len(given) != 1:
        yield Violation(
            ("stacks",),
            f"give either endpoints_per_stack or groups (given: {', '.join(given) or 'none'})",
            "stacks-form",
        )


def stacks_groups(config: PlatformConfig) -> Iterator[Violation]:
    section = SECTION.of(config)
    if section is None or section.groups is None:
        return
    known = {ep.name for ep in config.endpoints}
    seen_group: dict[str, int] = {}
    seen: dict[str, tuple[int, int]] = {}
    for i, group in enumerate(section.groups):
        if group.name in RESERVED:
            yield Violation(
                ("stacks", "groups", i, "name"),
                f"{group.name!r} is a name mlinfra gives ({', '.join(RESERVED)}): name the group otherwise",
                "stacks-reserved-name",
            )
        if group.name in seen_group:
            yield Violation(
                ("stacks", "groups", i, "name"),
                f"group {group.name!r} is already named at line {{related_line}}",
                "stacks-duplicate-group",
                related=("stacks", "groups", seen_group[group.name], "name"),
            )
        seen_group.setdefault(group.name, i)
        for j, name in enumerate(group.endpoints):
            loc = ("stacks", "groups", i, "endpoints", j)
            if name not in known:
                yield Violation(
                    loc,
                    f"no endpoint is named {name!r} (endpoints: {', '.join(sorted(known)) or 'none'})",
                    "stacks-unknown-endpoint",
                )
            elif name in seen:
                yield Violation(
                    loc,
                    f"endpoint {name!r} is already in group {section.groups[seen[name][0]].name!r}"
                    " (line {related_line}): an endpoint is in one group",
                    "stacks-endpoint-twice",
                    related=("stacks", "groups", *seen[name]),
                )
            else:
                seen[name] = (i, j)
    for k, ep in enumerate(config.endpoints):
        if ep.name not in seen:
            yield Violation(
                ("endpoints", k, "name"),
                f"endpoint {ep.name!r} is in no group of stacks.groups: add it to one",
                "stacks-endpoint-ungrouped",
            )


RULES = (stacks_form, stacks_groups)
