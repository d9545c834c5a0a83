"""Regions come from botocore's own list (bundled, so validate needs no botocore) with their partitions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlinfra.errors import ConfigError
from mlinfra.pipeline import load_config
from mlinfra.regions import REGIONS, closest_region, dns_suffix, partition_of
from tests.support.configs import edit, write_config
from tests.test_config_invalid import BASE

REPO = Path(__file__).resolve().parents[1]


def test_bundled_table_matches_the_installed_botocore() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "regions.py"), "--check"], check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_partitions() -> None:
    assert partition_of("us-east-1") == "aws" and partition_of("eu-central-2") == "aws"
    assert partition_of("us-gov-west-1") == "aws-us-gov" and partition_of("cn-northwest-1") == "aws-cn"
    assert dns_suffix("cn-north-1") == "amazonaws.com.cn" and dns_suffix("us-gov-east-1") == "amazonaws.com"
    assert "us-east-7" not in REGIONS and "aws-global" not in REGIONS
    with pytest.raises(KeyError):
        partition_of("us-east-7")


@pytest.mark.parametrize(("typo", "meant"), [("us-east1", "us-east-1"), ("eu-wset-1", "eu-west-1"), ("us-gov-west1", "us-gov-west-1"), ("ap-southeast-9", None)])
def test_closest_region(typo: str, meant: str | None) -> None:
    got = closest_region(typo)
    if meant is None:
        assert got is None or got.startswith("ap-southeast-")
    else:
        assert got == meant


def test_a_govcloud_platform_validates(tmp_path: Path) -> None:
    text = BASE.replace("us-east-1", "us-gov-west-1")
    assert load_config(write_config(tmp_path, text)).project.region == "us-gov-west-1"


def test_a_china_platform_needs_china_images(tmp_path: Path) -> None:
    text = BASE.replace("us-east-1.amazonaws.com", "cn-north-1.amazonaws.com.cn").replace("region: us-east-1", "region: cn-north-1")
    assert load_config(write_config(tmp_path, text)).project.region == "cn-north-1"
    wrong_host = text.replace("cn-north-1.amazonaws.com.cn/ml-inference:1.2.0", "cn-north-1.amazonaws.com/ml-inference:1.2.0")
    with pytest.raises(ConfigError) as exc:
        load_config(write_config(tmp_path, wrong_host))
    assert [p.code for p in exc.value.problems] == ["image-host"]
    assert "amazonaws.com.cn" in exc.value.problems[0].message


def test_state_region_is_checked(tmp_path: Path) -> None:
    text = edit(BASE, ("models:\n", "state:\n  bucket: acme-tf-state\n  region: eu-west-9\n\nmodels:\n"))
    with pytest.raises(ConfigError) as exc:
        load_config(write_config(tmp_path, text))
    assert [(p.path, p.code) for p in exc.value.problems] == [("state.region", "unknown-region")]
