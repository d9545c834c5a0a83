"""Split stacks (the config's ``stacks`` section): the laid-out modules rendered as several root modules,
each with its own state, wired by ``terraform_remote_state``.

This package holds the section and its rules (read by ``validate``: imported with the component list)
and the layout (:mod:`mlinfra.stacks.layout`: which module goes to which stack, and the rewritten
cross-stack references), imported only when a render needs it. It deploys no module of its own: its slice gives the config layer its section and rules, and
is not in the component list."""

from __future__ import annotations

from ..config.section import Slice, deferred


def component() -> None:
    raise AssertionError("the stacks section is not a component: it lays out no module (mlinfra.stacks.layout)")


def _slice() -> Slice:
    from .rules import RULES
    from .section import SECTION, STACK_NAME

    return Slice(
        "stacks",
        component,
        (SECTION,),
        RULES,
        pattern_words={
            STACK_NAME: "a name of lowercase letters, digits and hyphens that starts with a letter (at most 40)"
        },
    )


#: Its section's key: a config without it never imports the section and rules.
READS = ("stacks",)
__getattr__ = deferred(_slice)
