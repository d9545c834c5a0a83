"""Each check in tests/support/hcl_checks.py must be able to fail.

(Schema, reference and wiring checks are Terraform's now: tests/test_terraform_cycle.py.)

Every test writes a small rendered-Terraform tree to tmp_path: a known-good tree
yields no error, and one targeted breakage yields exactly the expected message.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

try:
    from tests.support.hcl_checks import hygiene_errors, load_tree, references, scoped_expressions, value_expressions
except ModuleNotFoundError:
    # Plain `pytest` (not `python -m pytest`) puts tests/ rather than the repo
    # root on sys.path while tests/ has no __init__.py.
    from support.hcl_checks import hygiene_errors, load_tree, references, scoped_expressions, value_expressions  # type: ignore[no-redef]

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"

ROOT_MAIN = """
module "serving" {
  source        = "./modules/serving"
  name          = var.name
  kms_key_arn   = module.security.kms_key_arn
  instance_type = "ml.m5.large"
}

module "security" {
  source = "./modules/security"
  name   = var.name
}
"""

ROOT_VARIABLES = """
variable "name" {
  description = "Platform name, used as a prefix."
  type        = string
}
"""

ROOT_OUTPUTS = """
output "endpoint_name" {
  description = "SageMaker endpoint name."
  value       = module.serving.endpoint_name
}
"""

SECURITY_MAIN = """
data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "key" {
  statement {
    sid       = "Root"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "this" {
  description         = "${var.name} data key"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key.json
  tags                = { Name = var.name }
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
"""

SECURITY_VARIABLES = """
variable "name" {
  description = "Name prefix."
  type        = string
}
"""

SECURITY_OUTPUTS = """
output "kms_key_arn" {
  description = "ARN of the data key."
  value       = aws_kms_key.this.arn
}
"""

SERVING_MAIN = """
locals {
  prefix = "${var.name}-serving"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = local.prefix
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "invoke" {
  name = "invoke"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["sagemaker:InvokeEndpoint", "s3:GetObject"]
      Resource = ["arn:aws:s3:::bucket/*", aws_sagemaker_endpoint.this.arn]
    }]
  })
}

resource "aws_sagemaker_model" "this" {
  name               = local.prefix
  execution_role_arn = aws_iam_role.this.arn
  primary_container {
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:latest"
  }
}

resource "aws_sagemaker_endpoint_configuration" "this" {
  name        = local.prefix
  kms_key_arn = var.kms_key_arn

  production_variants {
    variant_name           = "primary"
    model_name             = aws_sagemaker_model.this.name
    instance_type          = var.instance_type
    initial_instance_count = 1
  }

  data_capture_config {
    enable_capture              = true
    initial_sampling_percentage = 10
    destination_s3_uri          = "s3://bucket/capture"
    capture_options {
      capture_mode = "Input"
    }
    capture_options {
      capture_mode = "Output"
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint" "this" {
  name                 = local.prefix
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name

  deployment_config {
    auto_rollback_configuration {
      alarms {
        alarm_name = aws_cloudwatch_metric_alarm.errors.alarm_name
      }
    }
    blue_green_update_policy {
      traffic_routing_configuration {
        type                     = "ALL_AT_ONCE"
        wait_interval_in_seconds = 60
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${local.prefix}-5xx"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = 0
  metric_query {
    id          = "e1"
    expression  = "m1"
    return_data = true
  }
  metric_query {
    id = "m1"
    metric {
      metric_name = "Invocation5XXErrors"
      namespace   = "AWS/SageMaker"
      period      = 60
      stat        = "Sum"
      dimensions  = { EndpointName = local.prefix }
    }
  }
}

resource "aws_appautoscaling_target" "this" {
  max_capacity       = 2
  min_capacity       = 1
  resource_id        = "endpoint/${aws_sagemaker_endpoint.this.name}/variant/primary"
  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"
  service_namespace  = "sagemaker"
}

resource "aws_appautoscaling_policy" "this" {
  name               = "${local.prefix}-invocations"
  policy_type        = "TargetTrackingScaling"
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  target_tracking_scaling_policy_configuration {
    target_value = 100
    predefined_metric_specification {
      predefined_metric_type = "SageMakerVariantInvocationsPerInstance"
    }
  }
}

resource "aws_security_group" "this" {
  name        = local.prefix
  description = <<-EOT
    Endpoint access for ${local.prefix}; "quoted" text is fine here.
  EOT
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
"""

SERVING_VARIABLES = """
variable "name" {
  description = "Name prefix."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for the endpoint volume."
  type        = string
}

variable "instance_type" {
  description = "Endpoint instance type."
  type        = string
  default     = "ml.t2.medium"
}
"""

SERVING_OUTPUTS = """
output "endpoint_name" {
  description = "SageMaker endpoint name."
  value       = aws_sagemaker_endpoint.this.name
}
"""


# A module using hashicorp/archive and hashicorp/random, and an aliased aws
# provider passed in from the root (CloudFront certificates live in us-east-1).
EDGE_ROOT_MAIN = ROOT_MAIN + """
provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

module "edge" {
  source      = "./modules/edge"
  name        = var.name
  domain_name = "api.example.com"
  providers = {
    aws.us_east_1 = aws.us_east_1
  }
}
"""

EDGE_VERSIONS = """
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source                = "hashicorp/aws"
      version               = "~> 6.0"
      configuration_aliases = [aws.us_east_1]
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }
}
"""

EDGE_MAIN = """
locals {
  hosts = ["a", "b"]
  banner = <<-EOT
    %{ for h in local.hosts ~}
    ${h}.${var.domain_name}
    %{ endfor ~}
  EOT
}

data "archive_file" "fn" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/fn.zip"
}

data "aws_route53_zone" "this" {
  name = var.domain_name
}

resource "random_password" "auth" {
  length  = 32
  special = false
}

resource "aws_secretsmanager_secret" "auth" {
  name = "${var.name}-auth"
}

resource "aws_secretsmanager_secret_version" "auth" {
  secret_id     = aws_secretsmanager_secret.auth.id
  secret_string = jsonencode({ token = random_password.auth.result, hosts = local.hosts })
}

resource "aws_lambda_function" "edge" {
  function_name    = "${var.name}-edge"
  role             = "arn:aws:iam::123456789012:role/edge"
  filename         = data.archive_file.fn.output_path
  source_code_hash = data.archive_file.fn.output_base64sha256
  handler          = "index.handler"
  runtime          = "python3.12"
  description      = sha1(filebase64sha256("${path.module}/src/index.py"))
}

resource "aws_acm_certificate" "this" {
  provider          = aws.us_east_1
  domain_name       = var.domain_name
  validation_method = "DNS"
}

resource "aws_route53_record" "validation" {
  for_each = {
    for dvo in aws_acm_certificate.this.domain_validation_options : dvo.domain_name => {
      name   = dvo.resource_record_name
      record = dvo.resource_record_value
      type   = dvo.resource_record_type
    }
  }
  zone_id = data.aws_route53_zone.this.zone_id
  name    = each.value.name
  type    = each.value.type
  records = [each.value.record]
  ttl     = 60
}

resource "aws_acm_certificate_validation" "this" {
  provider                = aws.us_east_1
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : "${r.fqdn}"]
}
"""

EDGE_VARIABLES = """
variable "name" {
  description = "Name prefix."
  type        = string
}

variable "domain_name" {
  description = "Public API domain."
  type        = string
}
"""

EDGE_OUTPUTS = """
output "certificate_arn" {
  description = "Validated certificate (us-east-1)."
  value       = aws_acm_certificate_validation.this.certificate_arn
}

output "banner" {
  description = "Host list."
  value       = local.banner
}
"""


def edge_files() -> dict[str, str]:
    return {
        **good_files(),
        "main.tf": EDGE_ROOT_MAIN,
        "modules/edge/main.tf": EDGE_MAIN,
        "modules/edge/variables.tf": EDGE_VARIABLES,
        "modules/edge/outputs.tf": EDGE_OUTPUTS,
        "modules/edge/versions.tf": EDGE_VERSIONS,
    }


def good_files() -> dict[str, str]:
    return {
        "main.tf": ROOT_MAIN,
        "variables.tf": ROOT_VARIABLES,
        "outputs.tf": ROOT_OUTPUTS,
        "modules/security/main.tf": SECURITY_MAIN,
        "modules/security/variables.tf": SECURITY_VARIABLES,
        "modules/security/outputs.tf": SECURITY_OUTPUTS,
        "modules/serving/main.tf": SERVING_MAIN,
        "modules/serving/variables.tf": SERVING_VARIABLES,
        "modules/serving/outputs.tf": SERVING_OUTPUTS,
    }


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def tree_with(tmp_path: Path, changes: dict[str, str]) -> Path:
    """The good tree with some files replaced (or added), keyed by relative path."""
    return write_tree(tmp_path, {**good_files(), **changes})


def replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def add_resource(text: str) -> str:
    return SERVING_MAIN + "\n" + text


# ---------------------------------------------------------------------------
# Known-good tree
# ---------------------------------------------------------------------------


def test_good_tree_has_no_errors(tmp_path):
    assert hygiene_errors(write_tree(tmp_path, good_files())) == []


def test_load_tree_groups_files_by_module(tmp_path):
    tree = load_tree(write_tree(tmp_path, good_files()))
    assert sorted(tree) == [".", "modules/security", "modules/serving"]
    assert sorted(tree["modules/serving"]) == ["main.tf", "outputs.tf", "variables.tf"]


def test_load_tree_reports_unparseable_file(tmp_path):
    write_tree(tmp_path, {"main.tf": 'resource "aws_kms_key" "k" {\n  description = \n}\n'})
    with pytest.raises(ValueError, match=re.escape("main.tf")):
        load_tree(tmp_path)


# ---------------------------------------------------------------------------
# hygiene_errors
# ---------------------------------------------------------------------------


def test_unused_variable_and_missing_description_and_type(tmp_path):
    variables = SERVING_VARIABLES + '\nvariable "spare" {\n  default = 1\n}\n'
    outputs = SERVING_OUTPUTS + '\noutput "role" {\n  value = aws_iam_role.this.arn\n}\n'
    errors = hygiene_errors(
        tree_with(tmp_path, {"modules/serving/variables.tf": variables, "modules/serving/outputs.tf": outputs})
    )
    assert errors == [
        "modules/serving/variables.tf: variable.spare: declared but never used",
        "modules/serving/variables.tf: variable.spare: missing description",
        "modules/serving/variables.tf: variable.spare: missing type",
        "modules/serving/outputs.tf: output.role: missing description",
    ]


def test_string_literals_are_not_references(tmp_path):
    # `var.spare` inside a string literal (an IAM policy's text) is not a use of the variable.
    variables = SERVING_VARIABLES + '\nvariable "spare" {\n  description = "Unused."\n  type        = string\n}\n'
    text = """
resource "aws_iam_role_policy" "literal" {
  name   = "literal"
  role   = aws_iam_role.this.id
  policy = "{\\"Action\\": \\"var.spare\\", \\"Resource\\": \\"aws_s3_bucket.none.arn\\"}"
}
"""
    root = tree_with(tmp_path, {"modules/serving/main.tf": add_resource(text), "modules/serving/variables.tf": variables})
    assert hygiene_errors(root) == ["modules/serving/variables.tf: variable.spare: declared but never used"]


# ---------------------------------------------------------------------------
# Expression scanning and the committed schema
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"arn:aws:s3:::bucket/*"', []),
        ('"${aws_s3_bucket.b.arn}/*"', [("resource", "aws_s3_bucket", "b", "arn")]),
        ("${aws_iam_role.r[0].arn}", [("resource", "aws_iam_role", "r", "arn")]),
        ('${aws_iam_role.r["k"].arn}', [("resource", "aws_iam_role", "r", "arn")]),
        ("${module.m[0].out}", [("module", None, "m", "out")]),
        ('${lookup(var.m, "local.x")}', [("var", None, "m", None)]),
        ("${each.value.id} ${count.index} ${path.module} ${self.id}", []),
        ('"$${var.escaped} %{ if var.c }x%{ endif }"', [("var", None, "c", None)]),
        ('"<<EOT\n{"a": "${data.aws_region.current.name}"}\nEOT"', [("data", "aws_region", "current", "name")]),
        # for expressions: the iteration variables are local, the collection is a reference.
        (
            "${[for r in aws_route53_record.v : r.fqdn]}",
            [("resource", "aws_route53_record", "v", None)],
        ),
        (
            '${{for dvo in aws_acm_certificate.c.domain_validation_options : dvo.domain_name => '
            '{name = dvo.resource_record_name, zone = data.aws_route53_zone.z.zone_id}}}',
            [
                ("resource", "aws_acm_certificate", "c", "domain_validation_options"),
                ("data", "aws_route53_zone", "z", "zone_id"),
            ],
        ),
        ('${[for k, v in var.m : "${k}=${v.id}" if v.on]}', [("var", None, "m", None)]),
        ("${[for r in r.items : r.id]}", [("resource", "r", "items", None)]),  # collection is outside the scope
        ("${[for r in var.l : r.id]} ${r.id}", [("var", None, "l", None), ("resource", "r", "id", None)]),
        ("${[for a in var.x ? var.y : var.z : a.id]}", [("var", None, "x", None), ("var", None, "y", None), ("var", None, "z", None)]),
        ('"%{ for h in var.hosts ~}${h.name}%{ endfor ~}${h.name}"', [("var", None, "hosts", None), ("resource", "h", "name", None)]),
        # Any other `a.b` head is a resource of type `a`, whatever its provider.
        ("${random_password.p.result} ${archive_file.f.id}", [("resource", "random_password", "p", "result"), ("resource", "archive_file", "f", "id")]),
        ("${provider::aws::arn_parse(var.a).region} ${sha1(jsonencode(local.x))}", [("var", None, "a", None), ("local", None, "x", None)]),
        ('${filebase64sha256("${path.module}/src/x.py")}', []),
    ],
)
def test_reference_scanner(value, expected):
    found = [(r.kind, r.type, r.name, r.attribute) for s in value_expressions(value) for r in references(s)]
    assert found == expected


def test_committed_schema_spot_checks():
    schema = json.loads((SCHEMA_DIR / "aws-provider-6.25.0.json").read_text(encoding="utf-8"))
    assert (schema["source"], schema["version"]) == ("registry.terraform.io/hashicorp/aws", "6.25.0")
    res = schema["resources"]

    epc = res["aws_sagemaker_endpoint_configuration"]
    assert epc["attributes"]["name"] == {"required": False, "optional": True, "computed": True, "type": "string"}
    assert epc["attributes"]["tags"]["optional"] and "tags" not in epc["blocks"]
    pv = epc["blocks"]["production_variants"]
    assert (pv["nesting"], pv["required"], pv["min_items"], pv["max_items"]) == ("list", True, 1, 10)
    assert epc["blocks"]["shadow_production_variants"]["nesting"] == "list"
    dcc = epc["blocks"]["data_capture_config"]
    # SDKv2 `MaxItems: 1` blocks are lists of one, as Terraform serves them.
    assert (dcc["nesting"], dcc["max_items"]) == ("list", 1) and dcc["block"]["blocks"]["capture_options"]["nesting"] == "list"
    assert epc["blocks"]["async_inference_config"]["max_items"] == 1

    assert res["aws_cloudwatch_metric_alarm"]["blocks"]["metric_query"]["nesting"] == "set"
    alarms = res["aws_sagemaker_endpoint"]["blocks"]["deployment_config"]["block"]["blocks"][
        "auto_rollback_configuration"
    ]["block"]["blocks"]["alarms"]
    assert alarms["nesting"] == "set"
    policy = res["aws_appautoscaling_policy"]["blocks"]["target_tracking_scaling_policy_configuration"]
    assert policy["nesting"] == "list" and policy["max_items"] == 1
    assert schema["data_sources"]["aws_iam_policy_document"]["blocks"]["statement"]["nesting"] == "list"
    assert res["aws_iam_role"]["attributes"]["arn"] == {"required": False, "optional": False, "computed": True, "type": "string"}


def test_dynamic_block_iterator_is_not_a_reference():
    body = {
        "dynamic": [
            {'"statement"': {"__is_block__": True, "for_each": "${var.st}", "content": [{"__is_block__": True, "actions": "${statement.value.actions}"}]}},
            {'"rule"': {"__is_block__": True, "for_each": "${var.r}", "iterator": "r", "content": [{"__is_block__": True, "id": "${r.key}", "x": "${rule.key}"}]}},
        ]
    }
    found = [(r.kind, r.type, r.name) for s, bound in scoped_expressions(body) for r in references(s, bound)]
    assert found == [("var", None, "st"), ("var", None, "r"), ("resource", "rule", "key")]


def test_committed_archive_and_random_schemas():
    archive = json.loads((SCHEMA_DIR / "archive-provider-2.7.1.json").read_text(encoding="utf-8"))
    random = json.loads((SCHEMA_DIR / "random-provider-3.7.2.json").read_text(encoding="utf-8"))
    assert (archive["source"], random["source"]) == ("registry.terraform.io/hashicorp/archive", "registry.terraform.io/hashicorp/random")
    fn = archive["data_sources"]["archive_file"]
    assert fn["attributes"]["type"]["required"] and fn["attributes"]["output_path"]["required"]
    assert fn["attributes"]["output_base64sha256"] == {"required": False, "optional": False, "computed": True, "type": "string"}
    assert fn["blocks"]["source"]["nesting"] == "set"
    assert "archive_file" in archive["resources"]
    assert sorted(random["resources"]) == ["random_id", "random_password", "random_string"]
    assert random["resources"]["random_password"]["attributes"]["length"]["required"]
    assert random["resources"]["random_password"]["attributes"]["result"]["computed"]
    aws = json.loads((SCHEMA_DIR / "aws-provider-6.25.0.json").read_text(encoding="utf-8"))
    for name in ("aws_secretsmanager_random_password", "aws_cloudfront_cache_policy", "aws_cloudfront_origin_request_policy"):
        assert name in aws["data_sources"]
    for name in (
        "aws_cloudwatch_log_resource_policy",
        "aws_lambda_function_event_invoke_config",
        "aws_api_gateway_rest_api_policy",
        "aws_wafv2_web_acl_association",
    ):
        assert name in aws["resources"]


# ---------------------------------------------------------------------------
# A tree with archive / random providers, a provider alias, for expressions
# ---------------------------------------------------------------------------


def test_edge_tree_has_no_errors(tmp_path):
    root = write_tree(tmp_path, edge_files())
    assert sorted(load_tree(root)["modules/edge"]) == ["main.tf", "outputs.tf", "variables.tf", "versions.tf"]
    assert hygiene_errors(root) == []


