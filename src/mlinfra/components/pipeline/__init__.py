"""The model deployment pipeline: CodePipeline V2 from a GitHub repository through build, an approved
Terraform plan and its apply, to an alarm-gated canary. Its Terraform: ``templates/modules/pipeline/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.section import Slice
from .rules import RULES
from .section import PATTERN_WORDS, SECTION

if TYPE_CHECKING:
    from .component import PipelineComponent


def component() -> PipelineComponent:
    from .component import PipelineComponent

    return PipelineComponent()


SLICE = Slice("pipeline", component, (SECTION,), RULES, pattern_words=PATTERN_WORDS)
