"""The platform's customer-managed KMS key: every other component encrypts with it (``kms.key_arn``);
services that must use it themselves add statements to its key policy (``sinks.key_policy``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice

if TYPE_CHECKING:
    from .component import Kms


def component() -> Kms:
    from .component import Kms

    return Kms()


SLICE = Slice("kms", component)
