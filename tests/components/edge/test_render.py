"""The edge (CloudFront or a regional custom domain, ACM, Route 53) as rendered: parsed HCL, asserted on
structure."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.pipeline import load_config, render_project
from mlinfra.write import write_tree
from tests.conftest import copy_examples
from tests.support.hcl_checks import hygiene_errors, load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_render import blocks, s


@pytest.fixture(scope="module")
def tree(rendered_examples: dict[str, Path]) -> dict:
    return load_tree(rendered_examples["platform"])


def res(tree: dict, module: str, kind: str = "resource") -> dict[str, dict]:
    return blocks(tree[f"modules/{module}"]["main.tf"], kind)


def test_edge_cloudfront_acm_route53(tree: dict) -> None:
    edge = res(tree, "edge")
    cert = edge["aws_acm_certificate.this"]
    assert cert["provider"] == "${aws.us_east_1}" and s(cert["validation_method"]) == "DNS"
    cf = edge["aws_cloudfront_distribution.this"]
    assert cf["aliases"] == ["${var.domain_name}"]
    edge_call = call(tree, "edge")
    assert s(edge_call["domain_name"]) == "ml.acme-corp.com" and s(edge_call["zone_name"]) == "acme-corp.com" and s(edge_call["region"]) == "us-east-1"
    behaviour = cf["default_cache_behavior"][0]
    assert '"POST"' in behaviour["allowed_methods"] and behaviour["cached_methods"] == ['"GET"', '"HEAD"']
    assert behaviour["cache_policy_id"] == "${data.aws_cloudfront_cache_policy.disabled.id}"
    assert s(behaviour["viewer_protocol_policy"]) == "https-only"
    assert s(cf["viewer_certificate"][0]["minimum_protocol_version"]) == "TLSv1.2_2021"
    origin = cf["origin"][0]
    assert s(origin["domain_name"]) == "${var.rest_api_id}.execute-api.${var.region}.amazonaws.com"
    assert s(origin["custom_origin_config"][0]["origin_protocol_policy"]) == "https-only"
    data = res(tree, "edge", "data")
    assert s(data["aws_cloudfront_origin_request_policy.all_viewer_except_host"]["name"]) == "Managed-AllViewerExceptHostHeader"
    for record in ("a", "aaaa"):
        alias = edge[f"aws_route53_record.{record}"]["alias"][0]
        assert alias["name"] == "${aws_cloudfront_distribution.this.domain_name}"
    providers = tree["."]["providers.tf"]["provider"]
    assert any(s(p['"aws"'].get("alias", '""')) == "us_east_1" and s(p['"aws"']["region"]) == "us-east-1" for p in providers)


def test_regional_domain_without_cloudfront(tmp_path: Path) -> None:
    config = copy_examples(tmp_path / "cfg")
    config.write_text(config.read_text().replace("  cloudfront: true\n", "  cloudfront: false\n"))
    out = tmp_path / "out"
    write_tree(render_project(load_config(config), config.parent).files, out)
    # Terraform: test_terraform_cycle.py (variant platform-regional-domain); no endpoint changes here.
    assert hygiene_errors(out) == []
    tree = load_tree(out)
    edge = res(tree, "edge")
    assert "aws_cloudfront_distribution.this" not in edge and "provider" not in edge["aws_acm_certificate.this"]
    domain = edge["aws_api_gateway_domain_name.this"]
    assert s(domain["security_policy"]) == "TLS_1_2"
    assert edge["aws_route53_record.a"]["alias"][0]["name"] == "${aws_api_gateway_domain_name.this.regional_domain_name}"
    assert "configuration_aliases" not in (out / "modules" / "edge" / "versions.tf").read_text()
    assert all("alias" not in p['"aws"'] for p in tree["."]["providers.tf"]["provider"] if '"aws"' in p)
