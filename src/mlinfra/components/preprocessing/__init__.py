"""The preprocessing Lambdas: one function per route (``POST path`` → preprocessor → endpoint), with its
role, log group and the shared dead-letter queue, and their package (mlinfra's own handler code). It owns
the ``routes`` and ``preprocessing`` sections. Its Terraform: ``templates/modules/preprocessing/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice, deferred

if TYPE_CHECKING:
    from .component import Preprocessing


def _component() -> Preprocessing:
    from .component import Preprocessing

    return Preprocessing()


def _slice() -> Slice:
    from .rules import FILE_RULES, RULES, names
    from .section import ROUTES, SECTION

    return Slice("preprocessing", _component, (ROUTES, SECTION), RULES, FILE_RULES, names)


#: The config's root keys its sections and rules read: a config without any of them never imports them.
READS = ("routes", "preprocessing")
__getattr__ = deferred(_slice)
