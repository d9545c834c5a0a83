"""The model deployment pipeline: CodePipeline V2 from a GitHub repository through build, an approved
Terraform plan and its apply, to an alarm-gated canary. Its Terraform: ``templates/modules/pipeline/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice, deferred

if TYPE_CHECKING:
    from .component import PipelineComponent


def _component() -> PipelineComponent:
    from .component import PipelineComponent

    return PipelineComponent()


def _slice() -> Slice:
    from .rules import RULES
    from .section import PATTERN_WORDS, SECTION

    return Slice("pipeline", _component, (SECTION,), RULES, pattern_words=PATTERN_WORDS)


#: The config's root keys its sections and rules read: a config without any of them never imports them.
READS = ("pipeline",)
__getattr__ = deferred(_slice)
