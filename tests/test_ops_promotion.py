"""What promote decides before any AWS call (ops.promotion) and what validate counts (config.summary)."""

from __future__ import annotations

import pytest

from mlinfra.config.summary import summarize
from mlinfra.errors import UsageError
from mlinfra.ops.promotion import copy_steps, weight_steps
from mlinfra.ops.traffic import TrafficError
from mlinfra.pipeline import load_config
from tests.conftest import ROOT


def test_weight_steps() -> None:
    assert weight_steps(20, None, False) == [20]
    assert weight_steps(None, "10,50,100", False) == [10, 50, 100]
    assert weight_steps(None, None, True) == [100.0]
    for args in ((20, None, True), (None, None, False), (20, "10", False)):
        with pytest.raises(UsageError, match="exactly one of --canary PCT, --steps LIST or --full"):
            weight_steps(*args)
    with pytest.raises(UsageError, match="--canary takes 0-100, got 150"):
        weight_steps(150, None, False)
    with pytest.raises(TrafficError, match="--steps must rise"):
        weight_steps(None, "50,10", False)


def test_copy_steps() -> None:
    assert copy_steps("c", "2, 4,8", None, None, False) == [2, 4, 8]
    with pytest.raises(UsageError, match="go together"):
        copy_steps("c", None, None, None, False)
    with pytest.raises(UsageError, match="give one or the other"):
        copy_steps("c", "2", None, "10,20", False)
    with pytest.raises(UsageError, match="whole numbers"):
        copy_steps("c", "2.5", None, None, False)
    with pytest.raises(UsageError, match="at least one count"):
        copy_steps("c", ",", None, None, False)


def test_summary_counts_variants_or_components() -> None:
    platform = summarize(load_config(ROOT / "examples" / "platform.yaml"))
    assert platform.inference_components == 0 and platform.variants > 0
    assert str(platform).startswith(f"{platform.platform} in {platform.region}: ")
    assert "inference component" not in str(platform)
    ic = summarize(load_config(ROOT / "examples" / "inference-components.yaml"))
    assert ic.inference_components > 0 and ic.variants == 0
    assert ic.counts()[-1] == f"{ic.inference_components} inference components" and "variant" not in str(ic)
