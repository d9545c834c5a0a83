"""``api.domain`` is optional: without it the API is served on its execute-api URL, an output of the root
module, and no edge (certificate, CloudFront, Route 53) is rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.pipeline import load_config
from tests.support.configs import edited, refused, render_edited

NAME = "  domain: ml.acme-corp.com\n  hosted_zone: acme-corp.com\n  cloudfront: true\n"


def test_without_a_domain_the_api_is_served_on_its_execute_api_url(tmp_path: Path) -> None:
    config = load_config(edited("platform", tmp_path / "cfg", (NAME, "")))
    assert config.api.domain is None and config.api.hosted_zone is None  # type: ignore[attr-defined]
    out = render_edited("platform", tmp_path, (NAME, ""))
    assert not (out / "modules" / "edge").exists()
    main = (out / "main.tf").read_text()
    assert 'module "edge"' not in main and "disable_execute_api_endpoint = false" in main
    outputs = (out / "outputs.tf").read_text()
    assert 'output "api_invoke_url"' in outputs and 'output "api_url"' not in outputs


def test_with_a_domain_the_edge_is_rendered(tmp_path: Path) -> None:
    out = render_edited("platform", tmp_path, ("  cloudfront: true\n", "  cloudfront: false\n"))
    main = (out / "main.tf").read_text()
    assert 'module "edge"' in main and "disable_execute_api_endpoint = true" in main  # a regional domain only
    assert 'output "api_url"' in (out / "outputs.tf").read_text()


@pytest.mark.parametrize(
    ("replacement", "path", "code"),
    [
        ("  domain: ml.acme-corp.com\n", "api.domain", "domain-without-zone"),
        ("  hosted_zone: acme-corp.com\n", "api.hosted_zone", "zone-without-domain"),
        ("  cloudfront: true\n", "api.cloudfront", "cloudfront-without-domain"),
    ],
)
def test_half_a_public_name_is_refused(tmp_path: Path, replacement: str, path: str, code: str) -> None:
    problems = refused(edited("platform", tmp_path, (NAME, replacement))).problems
    assert [(p.path, p.code) for p in problems] == [(path, code)]
    assert "execute-api URL" in problems[0].message or "hosted zone" in problems[0].message
