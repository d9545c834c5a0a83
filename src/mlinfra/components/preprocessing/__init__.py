"""The preprocessing Lambdas: one function per route (``POST path`` → preprocessor → endpoint), with its
role, log group and the shared dead-letter queue, and their package (mlinfra's own handler code). It owns
the ``routes`` and ``preprocessing`` sections. Its Terraform: ``templates/modules/preprocessing/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice
from .rules import FILE_RULES, RULES, names
from .section import ROUTES, SECTION

if TYPE_CHECKING:
    from .component import Preprocessing


def component() -> Preprocessing:
    from .component import Preprocessing

    return Preprocessing()


SLICE = Slice("preprocessing", component, (ROUTES, SECTION), RULES, FILE_RULES, names)
