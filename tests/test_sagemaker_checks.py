"""tests/support/sagemaker_checks.py: SageMaker's API rules over what Terraform evaluates.

(a) every example in examples/*.yaml, rendered and planned by the real terraform on the stand-in provider,
    breaks none of them (``plan_errors`` over ``terraform show -json``); the plan is the one
    test_terraform_cycle.py applies, made once per test run (``terraform_cycle.planned_once``);
(b) breakages of a rendered example at an endpoint module call in the root main.tf, where the config's
    values are, planned again (in a copy of the example's initialised tree): the rule's error on that
    module instance and resource address;
(c) every rule can fail: a hand-written good tree with literal values yields no error, and one targeted
    breakage of it yields the rule's error on the right file and resource address (``sagemaker_errors``,
    the same rules read from literal HCL: one terraform plan per case would take minutes).
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

try:
    from tests.support import sagemaker_checks
    from tests.support.sagemaker_checks import _burstable, _local_nvme, plan_errors, sagemaker_errors
    from tests.support.terraform_cycle import copy_planned, example_plan, show_plan
except ModuleNotFoundError:
    # Plain `pytest` puts tests/ rather than the repo root on sys.path.
    from support import sagemaker_checks  # type: ignore[no-redef]
    from support.sagemaker_checks import _burstable, _local_nvme, plan_errors, sagemaker_errors  # type: ignore[no-redef]
    from support.terraform_cycle import copy_planned, example_plan, show_plan  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))

# ---------------------------------------------------------------------------
# A known-good tree: four endpoint modules covering every feature the rules look at
# ---------------------------------------------------------------------------

# Two instance variants (80/20), data capture, KMS on a volume without local storage,
# blue/green canary with auto-rollback, a plain and a metric-math alarm, auto-scaling.
REALTIME = """
resource "aws_sagemaker_model" "blue" {
  name               = "acme-realtime-blue-1a2b3c4d"
  execution_role_arn = var.execution_role_arn

  primary_container {
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_model" "green" {
  name               = "acme-realtime-green-5e6f7a8b"
  execution_role_arn = var.execution_role_arn

  primary_container {
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:2"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint_configuration" "this" {
  name        = "acme-realtime-0123abcd"
  kms_key_arn = var.kms_key_arn

  production_variants {
    variant_name           = "blue"
    model_name             = aws_sagemaker_model.blue.name
    initial_variant_weight = 80
    instance_type          = "ml.m5.large"
    initial_instance_count = 2
  }

  production_variants {
    variant_name           = "green"
    model_name             = aws_sagemaker_model.green.name
    initial_variant_weight = 20
    instance_type          = "ml.c5.xlarge"
    initial_instance_count = 2
  }

  data_capture_config {
    enable_capture              = true
    initial_sampling_percentage = 50
    destination_s3_uri          = "s3://${var.capture_bucket}/realtime"

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
  name                 = "acme-realtime"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name

  deployment_config {
    blue_green_update_policy {
      termination_wait_in_seconds          = 120
      maximum_execution_timeout_in_seconds = 3600

      traffic_routing_configuration {
        type                     = "CANARY"
        wait_interval_in_seconds = 300

        canary_size {
          type  = "INSTANCE_COUNT"
          value = 1
        }
      }
    }

    auto_rollback_configuration {
      alarms {
        alarm_name = aws_cloudwatch_metric_alarm.blue_latency.alarm_name
      }
      alarms {
        alarm_name = "acme-realtime-green-5xx"
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "blue_latency" {
  alarm_name          = "acme-realtime-blue-latency"
  namespace           = "AWS/SageMaker"
  metric_name         = "ModelLatency"
  extended_statistic  = "p99"
  dimensions = {
    EndpointName = "acme-realtime"
    VariantName  = "blue"
  }
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 100000
}

resource "aws_cloudwatch_metric_alarm" "green_errors" {
  alarm_name          = "acme-realtime-green-5xx"
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5

  metric_query {
    id          = "rate"
    expression  = "100 * errors / invocations"
    return_data = true
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = "AWS/SageMaker"
      metric_name = "Invocation5XXErrors"
      dimensions = {
        EndpointName = aws_sagemaker_endpoint.this.name
        VariantName  = "green"
      }
      period = 60
      stat   = "Sum"
    }
  }

  metric_query {
    id = "invocations"

    metric {
      namespace   = "AWS/SageMaker"
      metric_name = "Invocations"
      dimensions = {
        EndpointName = "acme-realtime"
        VariantName  = "green"
      }
      period = 60
      stat   = "Sum"
    }
  }
}

resource "aws_appautoscaling_target" "blue" {
  service_namespace  = "sagemaker"
  resource_id        = "endpoint/${aws_sagemaker_endpoint.this.name}/variant/blue"
  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"
  min_capacity       = 2
  max_capacity       = 6
}

resource "aws_appautoscaling_policy" "blue" {
  name               = "acme-realtime-blue-invocations"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.blue.service_namespace
  resource_id        = aws_appautoscaling_target.blue.resource_id
  scalable_dimension = aws_appautoscaling_target.blue.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = 1000

    predefined_metric_specification {
      predefined_metric_type = "SageMakerVariantInvocationsPerInstance"
    }
  }
}
"""

# A serverless variant with provisioned concurrency, blue/green all at once.
SERVERLESS = """
resource "aws_sagemaker_model" "main" {
  name               = "acme-scoring-main-9c8d7e6f"
  execution_role_arn = var.execution_role_arn

  primary_container {
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/s:1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint_configuration" "this" {
  name        = "acme-scoring-4455aa66"
  kms_key_arn = var.kms_key_arn

  production_variants {
    variant_name           = "main"
    model_name             = aws_sagemaker_model.main.name
    initial_variant_weight = 1

    serverless_config {
      memory_size_in_mb       = 2048
      max_concurrency         = 20
      provisioned_concurrency = 2
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint" "this" {
  name                 = "acme-scoring"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name

  deployment_config {
    blue_green_update_policy {
      traffic_routing_configuration {
        type                     = "ALL_AT_ONCE"
        wait_interval_in_seconds = 0
      }
    }
  }
}
"""

# Asynchronous inference scaling to zero, a rolling update, literal endpoint names
# in the scalable target and in the backlog metrics.
ASYNC = """
resource "aws_sagemaker_model" "main" {
  name               = "acme-async-main-0f0f0f0f"
  execution_role_arn = var.execution_role_arn

  primary_container {
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint_configuration" "this" {
  name        = "acme-async-77bb88cc"
  kms_key_arn = var.kms_key_arn

  production_variants {
    variant_name           = "main"
    model_name             = "acme-async-main-0f0f0f0f"
    instance_type          = "ml.c5.2xlarge"
    initial_instance_count = 2
  }

  async_inference_config {
    output_config {
      s3_output_path = "s3://acme-async/results/"
      kms_key_id     = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

      notification_config {
        success_topic                 = "arn:aws:sns:us-east-1:123456789012:acme-async-done"
        include_inference_response_in = ["SUCCESS_NOTIFICATION_TOPIC"]
      }
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint" "this" {
  name                 = "acme-async"
  endpoint_config_name = "acme-async-77bb88cc"

  deployment_config {
    rolling_update_policy {
      wait_interval_in_seconds             = 600
      maximum_execution_timeout_in_seconds = 7200

      maximum_batch_size {
        type  = "INSTANCE_COUNT"
        value = 1
      }
    }
  }
}

resource "aws_appautoscaling_target" "main" {
  service_namespace  = "sagemaker"
  resource_id        = "endpoint/acme-async/variant/main"
  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"
  min_capacity       = 0
  max_capacity       = 4
}

resource "aws_appautoscaling_policy" "backlog" {
  name               = "acme-async-main-backlog"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = "sagemaker"
  resource_id        = "endpoint/acme-async/variant/main"
  scalable_dimension = aws_appautoscaling_target.main.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = 5

    customized_metric_specification {
      namespace   = "AWS/SageMaker"
      metric_name = "ApproximateBacklogSizePerInstance"
      statistic   = "Average"

      dimensions {
        name  = "EndpointName"
        value = "acme-async"
      }
    }
  }
}

# Beside the backlog: the oldest request's age (a metric async endpoints publish), scale-out only (the
# backlog policy scales in, to zero).
resource "aws_appautoscaling_policy" "age" {
  name               = "acme-async-main-age"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = "sagemaker"
  resource_id        = aws_appautoscaling_target.main.resource_id
  scalable_dimension = aws_appautoscaling_target.main.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value     = 600
    disable_scale_in = true

    customized_metric_specification {
      namespace   = "AWS/SageMaker"
      metric_name = "ApproximateAgeOfOldestRequest"
      statistic   = "Maximum"

      dimensions {
        name  = "EndpointName"
        value = "acme-async"
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "no_capacity" {
  alarm_name          = "acme-async-backlog-without-capacity"
  namespace           = "AWS/SageMaker"
  metric_name         = "HasBacklogWithoutCapacity"
  statistic           = "Average"
  dimensions = {
    EndpointName = "acme-async"
  }
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
}
"""

# One production and one shadow variant on local-NVMe instances (hence no
# kms_key_arn), data capture, blue/green linear.
SHADOW = """
resource "aws_sagemaker_model" "production" {
  name               = "acme-churn-production-11112222"
  execution_role_arn = var.execution_role_arn

  primary_container {
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/c:1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_model" "candidate" {
  name               = "acme-churn-candidate-33334444"
  execution_role_arn = var.execution_role_arn

  primary_container {
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/c:2"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint_configuration" "this" {
  name = "acme-churn-aaaa0000"

  production_variants {
    variant_name           = "production"
    model_name             = aws_sagemaker_model.production.name
    instance_type          = "ml.g4dn.xlarge"
    initial_instance_count = 4
  }

  shadow_production_variants {
    variant_name           = "shadow-v2"
    model_name             = aws_sagemaker_model.candidate.name
    initial_variant_weight = 1
    instance_type          = "ml.g4dn.xlarge"
    initial_instance_count = 1
  }

  data_capture_config {
    initial_sampling_percentage = 100
    destination_s3_uri          = "s3://acme-capture/churn"

    capture_options {
      capture_mode = "InputAndOutput"
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint" "this" {
  name                 = "acme-churn"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name

  deployment_config {
    blue_green_update_policy {
      traffic_routing_configuration {
        type                     = "LINEAR"
        wait_interval_in_seconds = 600

        linear_step_size {
          type  = "CAPACITY_PERCENT"
          value = 25
        }
      }
    }
  }
}
"""

RT = "modules/realtime/main.tf"
SL = "modules/serverless/main.tf"
AS = "modules/async/main.tf"
SH = "modules/shadow/main.tf"

CONFIG = "aws_sagemaker_endpoint_configuration.this"
# The end of the endpoint configuration block (its lifecycle) up to the endpoint.
END_OF_CONFIG = '  lifecycle {\n    create_before_destroy = true\n  }\n}\n\nresource "aws_sagemaker_endpoint" "this"'
ENDPOINT = "aws_sagemaker_endpoint.this"


def good_files() -> dict[str, str]:
    return {RT: REALTIME, SL: SERVERLESS, AS: ASYNC, SH: SHADOW}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def assert_reported(errors: list[str], file: str, address: str, fragment: str) -> None:
    prefix = f"{file}: {address}"
    assert any(e.startswith(prefix) and fragment in e for e in errors), (
        f"expected an error on {prefix} containing {fragment!r}; got:\n" + "\n".join(errors)
    )


def test_good_tree_has_no_errors(tmp_path):
    assert sagemaker_errors(write_tree(tmp_path, good_files())) == []


def test_checker_is_independent_of_mlinfra():
    """It reads only the parsed HCL: no import of mlinfra's config model, rules or planner."""
    tree = ast.parse(Path(sagemaker_checks.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert not any("mlinfra" in name for name in imported), imported
    assert ".hcl_checks" in imported


# ---------------------------------------------------------------------------
# (a) The rendered examples
# ---------------------------------------------------------------------------


def test_examples_exist():
    assert EXAMPLES, "no examples/*.yaml"


@pytest.fixture(scope="session")
def example_plans(request, standin_env, plan_cache) -> dict:
    """Every selected example's plan (two at a time): {stem: (root, plan) or error}."""
    from tests.conftest import run_concurrently, selected_params

    def job(example: Path) -> tuple[Path, dict]:
        planned = example_plan(example, plan_cache, standin_env)
        return planned.path, planned.plan

    selected = [e for e in selected_params(request, "example_plans", "example") if e.stem not in _SPLIT]
    return run_concurrently({e.stem: (lambda e=e: job(e)) for e in selected})


def _plan_of(example_plans: dict, stem: str) -> tuple[Path, dict]:
    result = example_plans[stem]
    if isinstance(result, Exception):
        raise result
    return result


# A split tree (the config's stacks section) plans stack by stack, each after its producers are applied:
# one saved plan of the whole tree does not exist. Its modules' text is the single root's
# (tests/test_stacks.py), and its SageMaker values are literals at the calls, as in the other examples.
_SPLIT = {"fleet-stacks": "a split tree has no one plan: its stacks plan after their producers apply (test_split_example_follows_sagemaker_rules)"}


@pytest.mark.terraform
@pytest.mark.parametrize(
    "example",
    [pytest.param(e, marks=[pytest.mark.skip(reason=_SPLIT[e.stem])] if e.stem in _SPLIT else []) for e in EXAMPLES],
    ids=[e.stem for e in EXAMPLES],
)
def test_rendered_example_follows_sagemaker_rules(example, example_plans):
    """Terraform's own evaluation of every module call: the values the endpoint module receives."""
    root, plan = _plan_of(example_plans, example.stem)
    # (a batch-only example has a model and no endpoint)
    modules = sagemaker_checks._plan_modules(plan, root)
    assert any(m.of("aws_sagemaker_model") for m in modules), "plans no SageMaker model"
    assert plan_errors(plan, root) == []


@pytest.mark.terraform
def test_split_example_follows_sagemaker_rules(tmp_path: Path, standin_env) -> None:
    """The split example's endpoint groups, each planned once the stacks it reads are applied (on the
    stand-in): Terraform's evaluation of its endpoint module calls keeps the same rules."""
    from mlinfra.pipeline import load_config, render_project
    from mlinfra.write import write_tree
    from tests.support.terraform_cycle import relax, run, terraform_binary

    example = next(e for e in EXAMPLES if e.stem in _SPLIT)
    rendered = render_project(load_config(example), example.parent)
    write_tree(relax(rendered.files), tmp_path)
    binary, applied, checked = terraform_binary(), set(), []
    for stack in rendered.stacks:
        if not stack.endpoints:
            continue
        for needed in (s for s in rendered.stacks if s.name in stack.needs and s.name not in applied):
            run(binary, standin_env, tmp_path / needed.directory, "init", "init", "-input=false")
            run(binary, standin_env, tmp_path / needed.directory, "apply", "apply", "-input=false", "-auto-approve")
            applied.add(needed.name)
        root = tmp_path / stack.directory
        run(binary, standin_env, root, "init", "init", "-input=false")
        run(binary, standin_env, root, "plan", "plan", "-input=false", "-out=tfplan")
        plan = json.loads(run(binary, standin_env, root, "show", "show", "-json", "tfplan").stdout)
        assert sum(bool(m.of("aws_sagemaker_endpoint")) for m in sagemaker_checks._plan_modules(plan, root)) == len(stack.endpoints)
        assert plan_errors(plan, root, top=tmp_path) == [], stack.name
        checked.append(stack.name)
    assert checked == ["fraud", "pricing", "search"]


def call_site(text: str, module: str, pattern: str, replacement: str) -> str:
    """The root main.tf with one edit inside the block of ``module "<module>"`` (a regular expression,
    so that content hashes and `terraform fmt` alignment may differ)."""
    start = text.index(f'module "{module}" {{')
    end = text.index("\n}\n", start)
    block, count = re.subn(pattern, replacement, text[start:end], count=1)
    assert count == 1, f"{pattern!r} not found in module {module}'s arguments"
    return text[:start] + block + text[end:]


# Values broken where the config's values are: at a module call in the rendered root main.tf,
# then planned by Terraform, so the checker sees what the module makes of them.
# (example, module call, pattern, replacement, resource address in that call, message fragment)
CALL_SITE_BREAKAGES = [
    pytest.param((
        "platform", "endpoint_inference",
        r"volume_size_in_gb(\s*)= null", r"volume_size_in_gb\1= 100",
        "aws_sagemaker_endpoint_configuration.this",
        "[settings] volume_size_in_gb on ml.g4dn.xlarge, which has local NVMe storage"), id="volume-size-on-g4dn",
    ),
    pytest.param((
        "shadow", "endpoint_churn",
        r'inference_ami_version(\s*)= null', r'inference_ami_version\1= "al2-ami-sagemaker-inference-neuron-2"',
        "aws_sagemaker_endpoint_configuration.this",
        "[settings] inference_ami_version al2-ami-sagemaker-inference-neuron-2 is for Inferentia2 and Trainium instances, not ml.m5.large"), id="neuron-ami-on-m5",
    ),
    pytest.param((
        "platform", "endpoint_serverless",
        r'routing_strategy(\s*)= null', r'routing_strategy\1= "RANDOM"',
        "aws_sagemaker_endpoint_configuration.this",
        "[settings] routing_config on a serverless variant"), id="routing-on-serverless",
    ),
    pytest.param((
        "platform", "endpoint_inference",
        r"storage_kms_key_arn\s*=\s*null", "storage_kms_key_arn = module.kms.key_arn",
        "aws_sagemaker_endpoint_configuration.this",
        "[kms] kms_key_arn is set but ml.g4dn.xlarge has local NVMe storage"), id="kms-on-g4dn",
    ),
    pytest.param((
        "shadow", "endpoint_churn",
        r'(canary_size = \{\s*type\s*=\s*"INSTANCE_COUNT"\s*value\s*=\s*)1', r"\g<1>2",
        "aws_sagemaker_endpoint.this",
        "canary_size 2 instances is not 1..50 % of variant production's 2 instances"), id="canary-too-large",
    ),
    pytest.param((
        "async", "endpoint_layout",
        r"async_inference = \{\n(.*\n)*?  \}\n", "async_inference = null\n",
        'aws_appautoscaling_target.this["main"]',
        "[autoscaling] min_capacity 0 is only allowed for asynchronous endpoints"), id="scale-to-zero-without-async",
    ),
    pytest.param((
        "async", "endpoint_receipts",
        r'\n\s*error\s*=\s*"arn:aws:sns:us-east-1:123456789012:receipts-failed"', "",
        "aws_sagemaker_endpoint_configuration.this",
        "[async] include_inference_response_in names ERROR_NOTIFICATION_TOPIC, a topic that is not set"), id="response-to-an-absent-topic",
    ),
    pytest.param((
        "multi-model", "endpoint_tenants",
        r'(VariantName\s*=\s*)"all"', r'\1"everything"',
        'aws_cloudwatch_metric_alarm.this["all_latency_p99"]',
        "[metric] VariantName 'everything' is not a variant of aws_sagemaker_endpoint.this"), id="alarm-on-unknown-variant",
    ),
    pytest.param((
        "serverless", "endpoint_scoring",
        r"(max_concurrency\s*=\s*)20", r"\g<1>1",
        "aws_sagemaker_endpoint_configuration.this",
        "[serverless] provisioned_concurrency 2 exceeds max_concurrency 1"), id="provisioned-above-max",
    ),
    pytest.param((
        "platform", "endpoint_serverless",
        r"network_isolation\s*=\s*null", "network_isolation = true",
        "aws_sagemaker_endpoint_configuration.this",
        "[serverless] aws_sagemaker_model.this[\"serverless\"] enables network isolation"), id="serverless-model-isolated",
    ),
    pytest.param((
        "platform", "endpoint_serverless",
        r"vpc_config\s*=\s*null", "vpc_config = {\n    subnets = module.network.private_subnet_ids\n    security_group_ids = [module.network.models_security_group_id]\n  }",
        "aws_sagemaker_endpoint_configuration.this",
        "[serverless] aws_sagemaker_model.this[\"serverless\"] has a vpc_config"), id="serverless-model-in-the-vpc",
    ),
    pytest.param((
        "platform", "endpoint_inference",
        r'(model_data_url\s*=\s*"s3://acme-ml-models/models/v1.2.0/)model.tar.gz"', r'\1"',
        'aws_sagemaker_model.this["canary"]',
        "[artifact] a SingleModel container needs one .tar.gz archive"), id="artifact-is-a-prefix",
    ),
    pytest.param((
        "platform", "endpoint_serverless",
        r'name\s*=\s*"mlinfra-prod-serverless"\n', 'name = "mlinfra-prod-inference"\n',
        "aws_sagemaker_endpoint.this",
        "[unique] name 'mlinfra-prod-inference' is already used"), id="endpoint-name-twice",
    ),
    # (No config-name-without-hash case: the endpoint module appends the content hash itself, computed by
    # Terraform; test_render_day2 checks that hash reads every input that replaces the configuration.)
    pytest.param((
        "platform", "endpoint_inference",
        r'capture_modes = \[\n\s*"Input",\n\s*"Output",\n\s*\]', 'capture_modes = ["Input", "InputAndOutput"]',
        "aws_sagemaker_endpoint_configuration.this",
        "[capture] capture modes ['Input', 'InputAndOutput'] capture the same data twice"), id="capture-input-twice",
    ),
    pytest.param((
        "platform", "endpoint_inference",
        r"(min_capacity\s*=\s*)2", r"\g<1>3",
        'aws_appautoscaling_target.this["production"]',
        "[autoscaling] initial_instance_count 2 of variant 'production' is below min_capacity 3"), id="scaling-min-above-initial",
    ),
]


@pytest.fixture(scope="session")
def broken_plans(request, tmp_path_factory, standin_env, plan_cache) -> dict:
    """Each selected call-site breakage: a copy of the example's planned tree (initialised already), edited
    and planned again (two at a time)."""
    from tests.conftest import run_concurrently, selected_params

    base = tmp_path_factory.mktemp("sagemaker-broken")
    jobs = {}
    for i, (example, module, pattern, replacement, *_) in enumerate(selected_params(request, "broken_plans", "breakage")):
        def job(example=example, module=module, pattern=pattern, replacement=replacement, root=base / str(i)):
            copy_planned(example_plan(REPO / "examples" / f"{example}.yaml", plan_cache, standin_env), root)
            main = root / "main.tf"
            main.write_text(call_site(main.read_text(encoding="utf-8"), module, pattern, replacement), encoding="utf-8")
            return root, show_plan(root, standin_env, init=False)

        jobs[(example, module, pattern, replacement)] = job
    return run_concurrently(jobs)


@pytest.mark.terraform
@pytest.mark.parametrize("breakage", CALL_SITE_BREAKAGES)
def test_call_site_breakage_is_caught(breakage, broken_plans):
    example, module, pattern, replacement, address, fragment = breakage
    result = broken_plans[(example, module, pattern, replacement)]
    if isinstance(result, Exception):
        raise result
    root, plan = result
    errors = plan_errors(plan, root)
    assert_reported(errors, f"module.{module}", address, fragment)


# ---------------------------------------------------------------------------
# (c) One breakage per rule on the hand-written tree
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    file: str
    old: str
    new: str
    address: str
    fragment: str
    more: tuple[tuple[str, str], ...] = ()  # further (old, new) edits of the same file


def case(id: str, file: str, old: str, new: str, address: str, fragment: str, *more: tuple[str, str]):
    return pytest.param(Case(file, old, new, address, fragment, more), id=id)


BLUE_IMAGE = 'image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"'
CANDIDATE_IMAGE = 'image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/c:2"'


LONG = "a" * 64

#: The age policy's metric in ASYNC (a breakage swaps it for another).
ASYNC_AGE_METRIC = """    customized_metric_specification {
      namespace   = "AWS/SageMaker"
      metric_name = "ApproximateAgeOfOldestRequest"
      statistic   = "Maximum"

      dimensions {
        name  = "EndpointName"
        value = "acme-async"
      }
    }
"""

BREAKAGES = [
    # --- [name]
    case("endpoint-name-too-long", RT, 'name                 = "acme-realtime"',
         f'name                 = "{LONG}"', ENDPOINT, "64 characters long"),
    case("endpoint-name-pattern", SL, 'name                 = "acme-scoring"',
         'name                 = "acme_scoring"', ENDPOINT, "[name] endpoint name 'acme_scoring' does not match"),
    case("config-name-too-long", SH, 'name = "acme-churn-aaaa0000"',
         f'name = "{"c" * 55}-aaaa0000"', CONFIG, "[name] endpoint config name"),
    case("config-name-pattern", SL, '"acme-scoring-4455aa66"', '"-acme-scoring-4455aa66"',
         CONFIG, "does not match"),
    case("model-name-too-long", SH, '"acme-churn-candidate-33334444"', f'"{LONG}"',
         "aws_sagemaker_model.candidate", "[name] model name"),
    case("model-name-pattern", RT, '"acme-realtime-green-5e6f7a8b"', '"acme.realtime.green"',
         "aws_sagemaker_model.green", "[name] model name 'acme.realtime.green' does not match"),
    case("variant-name-pattern", SH, 'variant_name           = "shadow-v2"',
         'variant_name           = "shadow-v2-"', CONFIG, "shadow_production_variants[0]: [name] variant name"),
    case("variant-name-too-long", SL, 'variant_name           = "main"',
         f'variant_name           = "{LONG}"', CONFIG, "production_variants[0]: [name] variant name"),
    # --- [unique]
    case("endpoint-name-duplicate", SH, 'name                 = "acme-churn"',
         'name                 = "acme-realtime"', ENDPOINT, "[unique] name 'acme-realtime' is already used"),
    case("config-name-duplicate", SL, '"acme-scoring-4455aa66"', '"acme-realtime-0123abcd"',
         CONFIG, "[unique] name 'acme-realtime-0123abcd'"),
    case("model-name-duplicate", SH, '"acme-churn-candidate-33334444"', '"acme-churn-production-11112222"',
         "aws_sagemaker_model.", "[unique] name 'acme-churn-production-11112222'"),
    case("variant-name-duplicate", SH, 'variant_name           = "shadow-v2"',
         'variant_name           = "production"', CONFIG, "[unique] variant name 'production' is used twice"),
    # Modules are read in path order (async, realtime, serverless, shadow): the later one is reported.
    case("alarm-name-duplicate", RT, 'alarm_name          = "acme-realtime-blue-latency"',
         'alarm_name          = "acme-async-backlog-without-capacity"', "aws_cloudwatch_metric_alarm.blue_latency",
         "[unique] alarm_name 'acme-async-backlog-without-capacity' is already used by "
         "aws_cloudwatch_metric_alarm.no_capacity in modules/async/main.tf"),
    case("scalable-target-duplicate", RT, 'resource "aws_appautoscaling_policy" "blue" {',
         'resource "aws_appautoscaling_target" "blue_again" {\n'
         '  service_namespace  = "sagemaker"\n'
         '  resource_id        = "endpoint/acme-realtime/variant/blue"\n'
         '  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"\n'
         "  min_capacity       = 2\n"
         "  max_capacity       = 6\n"
         "}\n\n"
         'resource "aws_appautoscaling_policy" "blue" {',
         "aws_appautoscaling_target.blue_again", "[unique] variant 'blue'"),
    # --- [variants]
    case("model-name-missing", SL, "model_name             = aws_sagemaker_model.main.name\n", "",
         CONFIG, "production_variants[0]: [variants] model_name is missing"),
    case("model-name-dangling-reference", RT, "model_name             = aws_sagemaker_model.green.name",
         "model_name             = aws_sagemaker_model.purple.name", CONFIG,
         "production_variants[1]: [variants] model_name ${aws_sagemaker_model.purple.name} is not"),
    case("model-name-unknown-literal", AS, 'model_name             = "acme-async-main-0f0f0f0f"',
         'model_name             = "acme-async-main-ffffffff"', CONFIG, "[variants] model_name"),
    case("instance-and-serverless", SL, "initial_variant_weight = 1\n",
         'initial_variant_weight = 1\n    instance_type = "ml.m5.large"\n', CONFIG,
         "[variants] serverless_config together with instance_type"),
    case("neither-instance-nor-serverless", AS, 'instance_type          = "ml.c5.2xlarge"\n', "",
         CONFIG, "[variants] neither serverless_config nor both"),
    case("instance-count-zero", SH, "initial_instance_count = 1", "initial_instance_count = 0",
         CONFIG, "shadow_production_variants[0]: [variants] initial_instance_count 0"),
    case("instance-type-not-ml", RT, '"ml.c5.xlarge"', '"c5.xlarge"', CONFIG,
         "[variants] instance_type 'c5.xlarge' is not an ml.<family>.<size> type"),
    case("weight-negative", RT, "initial_variant_weight = 20", "initial_variant_weight = -1",
         CONFIG, "[variants] initial_variant_weight -1 is negative"),
    case("weights-all-zero", SL, "initial_variant_weight = 1", "initial_variant_weight = 0",
         CONFIG, "[variants] every production variant has weight 0"),
    # --- [shadow]
    case("shadow-with-two-production-variants", SH, "  shadow_production_variants {",
         "  production_variants {\n"
         '    variant_name           = "extra"\n'
         "    model_name             = aws_sagemaker_model.candidate.name\n"
         '    instance_type          = "ml.m5.large"\n'
         "    initial_instance_count = 1\n"
         "  }\n\n"
         "  shadow_production_variants {",
         CONFIG, "[shadow] with shadow variants SageMaker allows exactly one production and one shadow variant, "
         "found 2 and 1"),
    # --- [serverless]
    case("serverless-memory-not-multiple", SL, "memory_size_in_mb       = 2048",
         "memory_size_in_mb       = 3000", CONFIG, "[serverless] memory_size_in_mb 3000"),
    case("serverless-memory-too-large", SL, "memory_size_in_mb       = 2048",
         "memory_size_in_mb       = 7168", CONFIG, "[serverless] memory_size_in_mb 7168"),
    case("serverless-memory-too-small", SL, "memory_size_in_mb       = 2048",
         "memory_size_in_mb       = 512", CONFIG, "[serverless] memory_size_in_mb 512"),
    case("serverless-concurrency-too-large", SL, "max_concurrency         = 20",
         "max_concurrency         = 201", CONFIG, "[serverless] max_concurrency 201"),
    case("serverless-concurrency-zero", SL, "max_concurrency         = 20",
         "max_concurrency         = 0", CONFIG, "[serverless] max_concurrency 0"),
    case("serverless-provisioned-above-max", SL, "provisioned_concurrency = 2",
         "provisioned_concurrency = 21", CONFIG, "[serverless] provisioned_concurrency 21 exceeds max_concurrency 20"),
    case("serverless-provisioned-zero", SL, "provisioned_concurrency = 2",
         "provisioned_concurrency = 0", CONFIG, "[serverless] provisioned_concurrency 0"),
    case("serverless-two-variants", SL, END_OF_CONFIG,
         "  production_variants {\n"
         '    variant_name = "second"\n'
         "    model_name   = aws_sagemaker_model.main.name\n\n"
         "    serverless_config {\n"
         "      memory_size_in_mb = 1024\n"
         "      max_concurrency   = 5\n"
         "    }\n"
         "  }\n\n"
         + END_OF_CONFIG,
         CONFIG, "[serverless] a serverless endpoint config has a single variant, found 2"),
    case("serverless-with-shadow", SL, END_OF_CONFIG,
         "  shadow_production_variants {\n"
         '    variant_name = "shadow"\n'
         "    model_name   = aws_sagemaker_model.main.name\n\n"
         "    serverless_config {\n"
         "      memory_size_in_mb = 1024\n"
         "      max_concurrency   = 5\n"
         "    }\n"
         "  }\n\n"
         + END_OF_CONFIG,
         CONFIG, "[serverless] a serverless endpoint config cannot have shadow variants"),
    case("serverless-with-data-capture", SL, END_OF_CONFIG,
         "  data_capture_config {\n"
         "    initial_sampling_percentage = 10\n"
         '    destination_s3_uri          = "s3://b/p"\n'
         "    capture_options {\n"
         '      capture_mode = "Input"\n'
         "    }\n"
         "  }\n\n"
         + END_OF_CONFIG,
         CONFIG, "[serverless] serverless endpoints do not support data capture"),
    case("serverless-with-async", SL, END_OF_CONFIG,
         "  async_inference_config {\n"
         "    output_config {\n"
         '      s3_output_path = "s3://b/out/"\n'
         "    }\n"
         "  }\n\n"
         + END_OF_CONFIG,
         CONFIG, "[serverless] asynchronous inference needs instances"),
    # --- [settings]
    case("settings-volume-on-serverless", SL, "initial_variant_weight = 1\n",
         "initial_variant_weight = 1\n    volume_size_in_gb = 20\n", CONFIG,
         "production_variants[0]: [settings] volume_size_in_gb on a serverless variant"),
    case("settings-routing-on-serverless", SL, "initial_variant_weight = 1\n",
         'initial_variant_weight = 1\n    routing_config {\n      routing_strategy = "RANDOM"\n    }\n', CONFIG,
         "[settings] routing_config on a serverless variant"),
    case("settings-download-timeout-below-range", RT, 'instance_type          = "ml.c5.xlarge"',
         'instance_type          = "ml.c5.xlarge"\n    model_data_download_timeout_in_seconds = 30', CONFIG,
         "production_variants[1]: [settings] model_data_download_timeout_in_seconds 30 (60..3600)"),
    case("settings-startup-timeout-above-range", AS, 'instance_type          = "ml.c5.2xlarge"',
         'instance_type          = "ml.c5.2xlarge"\n    container_startup_health_check_timeout_in_seconds = 4000', CONFIG,
         "[settings] container_startup_health_check_timeout_in_seconds 4000 (60..3600)"),
    case("settings-volume-above-range", RT, 'instance_type          = "ml.m5.large"',
         'instance_type          = "ml.m5.large"\n    volume_size_in_gb = 600', CONFIG,
         "production_variants[0]: [settings] volume_size_in_gb 600 (1..512)"),
    case("settings-volume-on-local-nvme", SH, "initial_instance_count = 4",
         "initial_instance_count = 4\n    volume_size_in_gb = 100", CONFIG,
         "[settings] volume_size_in_gb on ml.g4dn.xlarge, which has local NVMe storage"),
    case("settings-routing-strategy-unknown", RT, 'instance_type          = "ml.c5.xlarge"',
         'instance_type          = "ml.c5.xlarge"\n    routing_config {\n      routing_strategy = "ROUND_ROBIN"\n    }', CONFIG,
         "[settings] routing_strategy 'ROUND_ROBIN'"),
    case("settings-ami-unknown", SH, "initial_instance_count = 4",
         'initial_instance_count = 4\n    inference_ami_version = "al2-ami-sagemaker-inference-gpu-9"', CONFIG,
         "[settings] inference_ami_version 'al2-ami-sagemaker-inference-gpu-9' is not one SageMaker offers"),
    case("settings-gpu-ami-on-cpu", RT, 'instance_type          = "ml.c5.xlarge"',
         'instance_type          = "ml.c5.xlarge"\n    inference_ami_version = "al2-ami-sagemaker-inference-gpu-3-1"', CONFIG,
         "[settings] inference_ami_version al2-ami-sagemaker-inference-gpu-3-1 is for NVIDIA GPU instances, not ml.c5.xlarge"),
    case("settings-neuron-ami-on-gpu", SH, "initial_instance_count = 4",
         'initial_instance_count = 4\n    inference_ami_version = "al2-ami-sagemaker-inference-neuron-2"', CONFIG,
         "[settings] inference_ami_version al2-ami-sagemaker-inference-neuron-2 is for Inferentia2 and Trainium instances, not ml.g4dn.xlarge"),
    case("settings-managed-scaling-beside-model", RT, 'instance_type          = "ml.c5.xlarge"',
         'instance_type          = "ml.c5.xlarge"\n    managed_instance_scaling {\n      status             = "ENABLED"\n'
         "      min_instance_count = 1\n      max_instance_count = 4\n    }", CONFIG,
         "[settings] managed_instance_scaling on a variant with a model_name"),
    # --- [kms]
    case("kms-with-local-nvme-production", RT, '"ml.c5.xlarge"', '"ml.c5d.xlarge"', CONFIG,
         "[kms] kms_key_arn is set but ml.c5d.xlarge has local NVMe storage"),
    case("kms-with-local-nvme-shadow", SH, 'name = "acme-churn-aaaa0000"',
         'name = "acme-churn-aaaa0000"\n  kms_key_arn = var.kms_key_arn', CONFIG,
         "[kms] kms_key_arn is set but ml.g4dn.xlarge has local NVMe storage"),
    # --- [capture]
    case("capture-sampling-above-100", RT, "initial_sampling_percentage = 50",
         "initial_sampling_percentage = 101", CONFIG, "data_capture_config: [capture] initial_sampling_percentage 101"),
    case("capture-sampling-negative", SH, "initial_sampling_percentage = 100",
         "initial_sampling_percentage = -1", CONFIG, "[capture] initial_sampling_percentage -1"),
    case("capture-no-options", SH, '    capture_options {\n      capture_mode = "InputAndOutput"\n    }\n', "",
         CONFIG, "[capture] 0 capture_options (1-2)"),
    case("capture-three-options", RT, '      capture_mode = "Output"\n    }\n',
         '      capture_mode = "Output"\n    }\n\n    capture_options {\n      capture_mode = "Input"\n    }\n',
         CONFIG, "[capture] 3 capture_options (1-2)"),
    case("capture-mode-unknown", RT, 'capture_mode = "Output"', 'capture_mode = "output"', CONFIG,
         "[capture] capture_mode 'output'"),
    case("capture-mode-duplicate", RT, 'capture_mode = "Output"', 'capture_mode = "Input"', CONFIG,
         "[capture] capture modes ['Input', 'Input'] capture the same data twice"),
    case("capture-mode-overlap", SH, '      capture_mode = "InputAndOutput"\n    }\n',
         '      capture_mode = "InputAndOutput"\n    }\n\n    capture_options {\n      capture_mode = "Output"\n    }\n',
         CONFIG, "capture the same data twice"),
    case("capture-destination-not-s3", SH, '"s3://acme-capture/churn"', '"https://acme-capture/churn"',
         CONFIG, "[capture] destination_s3_uri 'https://acme-capture/churn' is not an s3:// URI"),
    case("capture-destination-too-long", SH, '"s3://acme-capture/churn"', '"s3://acme-capture/' + "c" * 500 + '"',
         CONFIG, "[capture] destination_s3_uri is 518 characters (at most 512)"),
    case("capture-kms-key-id-pattern", SH, '"s3://acme-capture/churn"', '"s3://acme-capture/churn"\n    kms_key_id = "alias/my key"',
         CONFIG, "[capture] kms_key_id 'alias/my key' is not"),
    # --- [tags]
    case("tags-too-many", RT, 'name        = "acme-realtime-0123abcd"',
         'name        = "acme-realtime-0123abcd"\n  tags = {' + ", ".join(f"t{i} = \"v\"" for i in range(51)) + "}",
         CONFIG, "[tags] 51 tags (at most 50 per resource)"),
    case("tags-aws-prefix", RT, 'name                 = "acme-realtime"',
         'name                 = "acme-realtime"\n  tags = {"aws:owner" = "me"}', ENDPOINT, "[tags] tag key 'aws:owner': the aws: prefix is reserved"),
    # --- [immutable]
    case("config-without-lifecycle", SH,
         END_OF_CONFIG,
         "}\n\nresource \"aws_sagemaker_endpoint\" \"this\"", CONFIG, "[immutable] lifecycle create_before_destroy"),
    case("model-create-before-destroy-false", AS, "create_before_destroy = true\n  }\n}\n\nresource \"aws_sagemaker_endpoint_configuration\"",
         "create_before_destroy = false\n  }\n}\n\nresource \"aws_sagemaker_endpoint_configuration\"",
         "aws_sagemaker_model.main", "[immutable] lifecycle create_before_destroy"),
    case("config-name-without-hash", RT, '"acme-realtime-0123abcd"', '"acme-realtime-v2"', CONFIG,
         "[immutable] name 'acme-realtime-v2' does not end with a content hash"),
    case("config-name-hash-uppercase", SH, '"acme-churn-aaaa0000"', '"acme-churn-AAAA0000"', CONFIG,
         "[immutable] name 'acme-churn-AAAA0000'"),
    case("config-name-missing", SL, 'name        = "acme-scoring-4455aa66"\n', "", CONFIG,
         "[immutable] no literal name"),
    # --- [endpoint]
    case("endpoint-config-dangling-reference", SH,
         "endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name",
         "endpoint_config_name = aws_sagemaker_endpoint_configuration.next.name", ENDPOINT,
         "[endpoint] endpoint_config_name ${aws_sagemaker_endpoint_configuration.next.name} is not"),
    case("endpoint-config-unknown-literal", AS, 'endpoint_config_name = "acme-async-77bb88cc"',
         'endpoint_config_name = "acme-async-00000000"', ENDPOINT, "[endpoint] endpoint_config_name"),
    case("endpoint-config-of-other-module", SL,
         "endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name",
         'endpoint_config_name = "acme-realtime-0123abcd"', ENDPOINT, "[endpoint] endpoint_config_name"),
    # --- [artifact]
    case("single-model-prefix", RT, BLUE_IMAGE, BLUE_IMAGE + '\n    model_data_url = "s3://acme/models/blue/"',
         "aws_sagemaker_model.blue", "[artifact] a SingleModel container needs one .tar.gz archive, not 's3://acme/models/blue/'"),
    case("single-model-not-archive", RT, BLUE_IMAGE, BLUE_IMAGE + '\n    model_data_url = "s3://acme/models/blue/model.pkl"',
         "aws_sagemaker_model.blue", "[artifact] a SingleModel container needs one .tar.gz archive"),
    case("multi-model-archive", RT, BLUE_IMAGE, BLUE_IMAGE + '\n    mode = "MultiModel"\n    model_data_url = "s3://acme/mme/model.tar.gz"',
         "aws_sagemaker_model.blue", "[artifact] a MultiModel container loads archives under a prefix"),
    case("prefix-source-compressed", RT, BLUE_IMAGE, BLUE_IMAGE + '\n    model_data_source {\n      s3_data_source {\n        s3_uri = "s3://acme/models/blue/"\n        s3_data_type = "S3Prefix"\n        compression_type = "Gzip"\n      }\n    }',
         "aws_sagemaker_model.blue", "[artifact] an S3Prefix model data source is uncompressed files: compression_type None, not 'Gzip'"),
    case("prefix-source-without-slash", RT, BLUE_IMAGE, BLUE_IMAGE + '\n    model_data_source {\n      s3_data_source {\n        s3_uri = "s3://acme/models/blue"\n        s3_data_type = "S3Prefix"\n        compression_type = "None"\n      }\n    }',
         "aws_sagemaker_model.blue", "[artifact] an S3Prefix model data source is a prefix ending with /"),
    case("serverless-prefix-source", SL, 'image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/s:1"',
         'image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/s:1"\n    model_data_source {\n      s3_data_source {\n        s3_uri = "s3://acme/models/s/"\n        s3_data_type = "S3Prefix"\n        compression_type = "None"\n      }\n    }',
         CONFIG, "[artifact] aws_sagemaker_model.main has a model_data_source, which serverless endpoints cannot use"),
    case("source-beside-url", RT, BLUE_IMAGE, BLUE_IMAGE + '\n    model_data_url = "s3://acme/m/model.tar.gz"' + '\n    model_data_source {\n      s3_data_source {\n        s3_uri = "s3://acme/models/blue/"\n        s3_data_type = "S3Prefix"\n        compression_type = "None"\n      }\n    }',
         "aws_sagemaker_model.blue", "[artifact] model_data_url and model_data_source together"),
    # --- [multimodel]
    case("multi-model-gpu-type", RT, BLUE_IMAGE, BLUE_IMAGE + '\n    mode = "MultiModel"\n    model_data_url = "s3://acme/mme/"',
         CONFIG, "[multimodel] ml.g6.xlarge is not a GPU instance type SageMaker supports for multi-model endpoints",
         ('instance_type          = "ml.m5.large"', 'instance_type          = "ml.g6.xlarge"')),
    case("multi-model-inferentia", RT, BLUE_IMAGE, BLUE_IMAGE + '\n    mode = "MultiModel"\n    model_data_url = "s3://acme/mme/"',
         CONFIG, "[multimodel] ml.inf2.xlarge: multi-model endpoints run on CPU or listed GPU instances",
         ('instance_type          = "ml.m5.large"', 'instance_type          = "ml.inf2.xlarge"')),
    # --- [shadow] beside async inference or a multi-model container
    case("shadow-multi-model", SH, CANDIDATE_IMAGE, CANDIDATE_IMAGE + '\n    mode = "MultiModel"\n    model_data_url = "s3://acme/mme/"',
         CONFIG, "[shadow] shadow variants are not supported on multi-model endpoints"),
    case("shadow-async", SH, "  data_capture_config {",
         '  async_inference_config {\n    output_config {\n      s3_output_path = "s3://acme/out/"\n    }\n  }\n\n  data_capture_config {',
         CONFIG, "[shadow] shadow variants are not supported with asynchronous inference"),
    # --- [serverless] network isolation
    case("serverless-network-isolation", SL, '  execution_role_arn = var.execution_role_arn\n',
         '  execution_role_arn = var.execution_role_arn\n  enable_network_isolation = true\n',
         CONFIG, "[serverless] aws_sagemaker_model.main enables network isolation, which serverless endpoints do not support"),
    case("serverless-in-a-vpc", SL, '  execution_role_arn = var.execution_role_arn\n',
         '  execution_role_arn = var.execution_role_arn\n\n  vpc_config {\n    subnets            = ["subnet-0123456789abcdef0"]\n'
         '    security_group_ids = ["sg-0123456789abcdef0"]\n  }\n',
         CONFIG, "[serverless] aws_sagemaker_model.main has a vpc_config: serverless endpoints cannot run in a VPC"),
    # --- [deployment]
    case("deployment-both-policies", SL, "    blue_green_update_policy {",
         "    rolling_update_policy {\n"
         "      wait_interval_in_seconds = 60\n"
         "      maximum_batch_size {\n"
         '        type  = "CAPACITY_PERCENT"\n'
         "        value = 10\n"
         "      }\n"
         "    }\n\n"
         "    blue_green_update_policy {",
         ENDPOINT, "[deployment] exactly one of blue_green_update_policy and rolling_update_policy"),
    case("deployment-no-policy", SH,
         "    blue_green_update_policy {\n      traffic_routing_configuration {\n        type                     = \"LINEAR\"\n"
         "        wait_interval_in_seconds = 600\n\n        linear_step_size {\n          type  = \"CAPACITY_PERCENT\"\n"
         "          value = 25\n        }\n      }\n    }\n",
         "    auto_rollback_configuration {\n      alarms {\n        alarm_name = \"x\"\n      }\n    }\n",
         ENDPOINT, "[deployment] exactly one of"),
    case("canary-instances-above-half", RT, "          value = 1", "          value = 3", ENDPOINT,
         "[deployment] blue_green_update_policy.traffic_routing_configuration.canary_size 3 instances is not "
         "1..50 % of variant blue's 2 instances"),
    # "of the variant's total instance count": each variant, not the fleet (1 of 1 is 100 %, though 1 of 3 is 33 %).
    case("canary-instances-above-half-of-one-variant", RT, "    initial_instance_count = 2\n  }\n\n  data_capture_config",
         "    initial_instance_count = 1\n  }\n\n  data_capture_config", ENDPOINT,
         "canary_size 1 instances is not 1..50 % of variant green's 1 instances"),
    case("blue-green-timeout-below-waits", RT, "maximum_execution_timeout_in_seconds = 3600",
         "maximum_execution_timeout_in_seconds = 400", ENDPOINT,
         "maximum_execution_timeout_in_seconds 400 is not larger than the waits (300 + 120 s)"),
    case("guardrails-on-inf1", RT, 'instance_type          = "ml.c5.xlarge"', 'instance_type          = "ml.inf1.xlarge"', ENDPOINT,
         "[deployment] ml.inf1.xlarge: SageMaker applies no deployment guardrails to Inf1 instances"),
    case("canary-zero-instances", RT, "          value = 1", "          value = 0", ENDPOINT,
         "canary_size 0 instances (at least 1)"),
    case("canary-percent-above-50", RT, 'type  = "INSTANCE_COUNT"\n          value = 1',
         'type  = "CAPACITY_PERCENT"\n          value = 60', ENDPOINT, "canary_size 60 % (1..50 %)"),
    case("capacity-type-unknown", RT, 'type  = "INSTANCE_COUNT"', 'type  = "PERCENT"', ENDPOINT,
         "canary_size.type 'PERCENT'"),
    case("linear-percent-below-10", SH, "          value = 25", "          value = 5", ENDPOINT,
         "linear_step_size 5 % (10..50 %)"),
    case("linear-percent-above-50", SH, "          value = 25", "          value = 75", ENDPOINT,
         "linear_step_size 75 % (10..50 %)"),
    case("linear-instances-above-half", SH, 'type  = "CAPACITY_PERCENT"\n          value = 25',
         'type  = "INSTANCE_COUNT"\n          value = 3', ENDPOINT,
         "linear_step_size 3 instances is not 10..50 % of variant production's 4 instances"),
    case("canary-without-canary-size", SH, 'type                     = "LINEAR"',
         'type                     = "CANARY"', ENDPOINT, "CANARY needs canary_size and no linear_step_size"),
    case("linear-without-linear-size", RT, 'type                     = "CANARY"',
         'type                     = "LINEAR"', ENDPOINT, "LINEAR needs linear_step_size and no canary_size"),
    case("all-at-once-with-size", RT, 'type                     = "CANARY"',
         'type                     = "ALL_AT_ONCE"', ENDPOINT, "ALL_AT_ONCE takes neither"),
    case("routing-type-unknown", SL, '"ALL_AT_ONCE"', '"BLUE_GREEN"', ENDPOINT,
         "traffic_routing_configuration.type 'BLUE_GREEN'"),
    case("routing-wait-above-3600", SH, "wait_interval_in_seconds = 600", "wait_interval_in_seconds = 3601",
         ENDPOINT, "traffic_routing_configuration.wait_interval_in_seconds 3601 (0..3600)"),
    case("termination-wait-above-3600", RT, "termination_wait_in_seconds          = 120",
         "termination_wait_in_seconds          = 7200", ENDPOINT,
         "termination_wait_in_seconds 7200 (0..3600)"),
    case("blue-green-timeout-below-600", RT, "maximum_execution_timeout_in_seconds = 3600",
         "maximum_execution_timeout_in_seconds = 599", ENDPOINT,
         "blue_green_update_policy.maximum_execution_timeout_in_seconds 599 (600..28800)"),
    case("rolling-timeout-above-28800", AS, "maximum_execution_timeout_in_seconds = 7200",
         "maximum_execution_timeout_in_seconds = 28801", ENDPOINT,
         "rolling_update_policy.maximum_execution_timeout_in_seconds 28801 (600..28800)"),
    case("rolling-wait-negative", AS, "wait_interval_in_seconds             = 600",
         "wait_interval_in_seconds             = -1", ENDPOINT,
         "rolling_update_policy.wait_interval_in_seconds -1 (0..3600)"),
    case("rolling-batch-above-half", AS, "        value = 1", "        value = 2", ENDPOINT,
         "maximum_batch_size 2 instances is not 5..50 % of variant main's 2 instances"),
    case("rolling-batch-percent-below-5", AS, 'type  = "INSTANCE_COUNT"\n        value = 1',
         'type  = "CAPACITY_PERCENT"\n        value = 4', ENDPOINT, "maximum_batch_size 4 % (5..50 %)"),
    case("rolling-with-two-variants", RT,
         "    blue_green_update_policy {\n      termination_wait_in_seconds          = 120\n"
         "      maximum_execution_timeout_in_seconds = 3600\n\n      traffic_routing_configuration {\n"
         '        type                     = "CANARY"\n        wait_interval_in_seconds = 300\n\n'
         '        canary_size {\n          type  = "INSTANCE_COUNT"\n          value = 1\n        }\n      }\n    }\n',
         "    rolling_update_policy {\n      wait_interval_in_seconds = 60\n\n      maximum_batch_size {\n"
         '        type  = "CAPACITY_PERCENT"\n        value = 25\n      }\n    }\n',
         ENDPOINT, "rolling deployments need a single production variant and no shadow variant "
         "(aws_sagemaker_endpoint_configuration.this has 2 and 0)"),
    case("rolling-with-shadow", SH,
         "    blue_green_update_policy {\n      traffic_routing_configuration {\n        type                     = \"LINEAR\"\n"
         "        wait_interval_in_seconds = 600\n\n        linear_step_size {\n          type  = \"CAPACITY_PERCENT\"\n"
         "          value = 25\n        }\n      }\n    }\n",
         "    rolling_update_policy {\n      wait_interval_in_seconds = 60\n\n      maximum_batch_size {\n"
         '        type  = "CAPACITY_PERCENT"\n        value = 25\n      }\n    }\n',
         ENDPOINT, "has 1 and 1)"),
    case("rolling-on-serverless", SL,
         "    blue_green_update_policy {\n      traffic_routing_configuration {\n"
         '        type                     = "ALL_AT_ONCE"\n        wait_interval_in_seconds = 0\n      }\n    }\n',
         "    rolling_update_policy {\n      wait_interval_in_seconds = 60\n\n      maximum_batch_size {\n"
         '        type  = "CAPACITY_PERCENT"\n        value = 25\n      }\n    }\n',
         ENDPOINT, "rolling deployments do not support serverless endpoints"),
    # --- [rollback]
    case("rollback-alarm-dangling-reference", RT, "aws_cloudwatch_metric_alarm.blue_latency.alarm_name",
         "aws_cloudwatch_metric_alarm.blue_errors.alarm_name", ENDPOINT,
         "[rollback] alarms[0]: ${aws_cloudwatch_metric_alarm.blue_errors.alarm_name} is not"),
    case("rollback-alarm-of-other-module", RT, 'alarm_name = "acme-realtime-green-5xx"',
         'alarm_name = "acme-async-backlog-without-capacity"', ENDPOINT,
         "[rollback] alarms[1]: \"acme-async-backlog-without-capacity\" is not an aws_cloudwatch_metric_alarm of this module"),
    case("rollback-alarm-watches-other-endpoint", RT, 'EndpointName = aws_sagemaker_endpoint.this.name',
         'EndpointName = aws_sagemaker_endpoint.other.name', ENDPOINT,
         "[rollback] alarms[1]: aws_cloudwatch_metric_alarm.green_errors does not watch this endpoint"),
    case("rollback-alarm-without-endpoint-dimension", RT,
         '    EndpointName = "acme-realtime"\n    VariantName  = "blue"\n', '    VariantName  = "blue"\n', ENDPOINT,
         "[rollback] alarms[0]: aws_cloudwatch_metric_alarm.blue_latency does not watch this endpoint "
         "(EndpointName dimensions: none)"),
    case("rollback-eleven-alarms", RT, "    auto_rollback_configuration {\n",
         "    auto_rollback_configuration {\n"
         + "      alarms {\n        alarm_name = \"acme-realtime-blue-latency\"\n      }\n" * 9,
         ENDPOINT, "[rollback] auto_rollback_configuration has 11 alarms (1-10)"),
    # --- [autoscaling]
    case("target-resource-id-format", RT, '"endpoint/${aws_sagemaker_endpoint.this.name}/variant/blue"',
         '"${aws_sagemaker_endpoint.this.name}/blue"', "aws_appautoscaling_target.blue",
         "is not endpoint/<endpoint>/variant/<variant>"),
    case("target-endpoint-dangling-reference", RT, '"endpoint/${aws_sagemaker_endpoint.this.name}/variant/blue"',
         '"endpoint/${aws_sagemaker_endpoint.that.name}/variant/blue"', "aws_appautoscaling_target.blue",
         "[autoscaling] resource_id names '${aws_sagemaker_endpoint.that.name}'"),
    case("target-endpoint-of-other-module", AS, 'resource_id        = "endpoint/acme-async/variant/main"\n  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"',
         'resource_id        = "endpoint/acme-realtime/variant/main"\n  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"',
         "aws_appautoscaling_target.main", "resource_id names 'acme-realtime', not an aws_sagemaker_endpoint"),
    case("target-variant-unknown", RT, "/variant/blue\"", "/variant/red\"", "aws_appautoscaling_target.blue",
         "[autoscaling] aws_sagemaker_endpoint_configuration.this has no variant 'red'"),
    case("target-dimension-wrong", AS, 'scalable_dimension = "sagemaker:variant:DesiredInstanceCount"',
         'scalable_dimension = "sagemaker:variant:DesiredProvisionedConcurrency"', "aws_appautoscaling_target.main",
         "[autoscaling] scalable_dimension"),
    case("target-min-above-initial", RT, "min_capacity       = 2", "min_capacity       = 3",
         "aws_appautoscaling_target.blue", "initial_instance_count 2 of variant 'blue' is below min_capacity 3"),
    case("target-max-below-initial", AS, "max_capacity       = 4", "max_capacity       = 1",
         "aws_appautoscaling_target.main", "initial_instance_count 2 of variant 'main' is above max_capacity 1"),
    case("target-min-above-max", RT, "max_capacity       = 6", "max_capacity       = 1",
         "aws_appautoscaling_target.blue", "min_capacity 2 > max_capacity 1"),
    case("target-min-zero-without-async", RT, "min_capacity       = 2", "min_capacity       = 0",
         "aws_appautoscaling_target.blue", "min_capacity 0 is only allowed for asynchronous endpoints"),
    case("target-min-negative", AS, "min_capacity       = 0", "min_capacity       = -1",
         "aws_appautoscaling_target.main", "min_capacity -1 is negative"),
    case("target-on-burstable", RT, '"ml.m5.large"', '"ml.t2.medium"', "aws_appautoscaling_target.blue",
         "runs on ml.t2.medium: burstable instances cannot auto-scale"),
    case("target-on-serverless", SL, 'resource "aws_sagemaker_endpoint" "this" {',
         'resource "aws_appautoscaling_target" "main" {\n'
         '  service_namespace  = "sagemaker"\n'
         '  resource_id        = "endpoint/${aws_sagemaker_endpoint.this.name}/variant/main"\n'
         '  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"\n'
         "  min_capacity       = 1\n"
         "  max_capacity       = 2\n"
         "}\n\n"
         'resource "aws_sagemaker_endpoint" "this" {',
         "aws_appautoscaling_target.main", "variant 'main' is serverless: no instance auto-scaling"),
    case("policy-dangling-target", RT, "resource_id        = aws_appautoscaling_target.blue.resource_id",
         "resource_id        = aws_appautoscaling_target.green.resource_id", "aws_appautoscaling_policy.blue",
         "[autoscaling] does not refer to one aws_appautoscaling_target of this module"),
    case("policy-literal-matches-no-target", AS, 'resource_id        = "endpoint/acme-async/variant/main"\n  scalable_dimension = aws_',
         'resource_id        = "endpoint/acme-async/variant/other"\n  scalable_dimension = aws_',
         "aws_appautoscaling_policy.backlog", "resource_id \"endpoint/acme-async/variant/other\""),
    case("policy-points-at-two-targets", RT,
         'resource "aws_appautoscaling_policy" "blue" {\n'
         '  name               = "acme-realtime-blue-invocations"\n'
         '  policy_type        = "TargetTrackingScaling"\n'
         "  service_namespace  = aws_appautoscaling_target.blue.service_namespace\n"
         "  resource_id        = aws_appautoscaling_target.blue.resource_id\n",
         'resource "aws_appautoscaling_target" "spare" {\n'
         '  service_namespace  = "sagemaker"\n'
         '  resource_id        = "endpoint/acme-realtime/variant/green"\n'
         '  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"\n'
         "  min_capacity       = 2\n"
         "  max_capacity       = 6\n"
         "}\n\n"
         'resource "aws_appautoscaling_policy" "blue" {\n'
         '  name               = "acme-realtime-blue-invocations"\n'
         '  policy_type        = "TargetTrackingScaling"\n'
         "  service_namespace  = aws_appautoscaling_target.blue.service_namespace\n"
         "  resource_id        = aws_appautoscaling_target.spare.resource_id\n",
         "aws_appautoscaling_policy.blue", "attributes point at different targets ['blue', 'spare']"),
    # --- [metric]
    case("alarm-endpoint-unknown", AS, '  dimensions = {\n    EndpointName = "acme-async"\n  }',
         '  dimensions = {\n    EndpointName = "acme-asynch"\n  }', "aws_cloudwatch_metric_alarm.no_capacity",
         "[metric] EndpointName \"acme-asynch\" is not an aws_sagemaker_endpoint of this module"),
    case("alarm-endpoint-of-other-module", SL, 'resource "aws_sagemaker_endpoint" "this" {',
         'resource "aws_cloudwatch_metric_alarm" "latency" {\n'
         '  alarm_name          = "acme-scoring-latency"\n'
         '  namespace           = "AWS/SageMaker"\n'
         '  metric_name         = "ModelLatency"\n'
         "  dimensions = {\n"
         '    EndpointName = "acme-realtime"\n'
         '    VariantName  = "blue"\n'
         "  }\n"
         "  evaluation_periods  = 1\n"
         '  comparison_operator = "GreaterThanThreshold"\n'
         "  threshold           = 1\n"
         "}\n\n"
         'resource "aws_sagemaker_endpoint" "this" {',
         "aws_cloudwatch_metric_alarm.latency", "[metric] EndpointName \"acme-realtime\" is not"),
    case("alarm-variant-unknown", RT, '    EndpointName = "acme-realtime"\n    VariantName  = "blue"\n',
         '    EndpointName = "acme-realtime"\n    VariantName  = "Blue"\n', "aws_cloudwatch_metric_alarm.blue_latency",
         "[metric] VariantName 'Blue' is not a variant of aws_sagemaker_endpoint.this"),
    case("alarm-metric-query-variant-unknown", RT, '        EndpointName = "acme-realtime"\n        VariantName  = "green"',
         '        EndpointName = "acme-realtime"\n        VariantName  = "canary"', "aws_cloudwatch_metric_alarm.green_errors",
         "[metric] VariantName 'canary'"),
    case("alarm-per-variant-metric-without-variant", RT, '    EndpointName = "acme-realtime"\n    VariantName  = "blue"\n',
         '    EndpointName = "acme-realtime"\n', "aws_cloudwatch_metric_alarm.blue_latency",
         "[metric] ModelLatency is published per variant"),
    case("alarm-without-endpoint", AS, '  dimensions = {\n    EndpointName = "acme-async"\n  }',
         "  dimensions = {}", "aws_cloudwatch_metric_alarm.no_capacity",
         "[metric] HasBacklogWithoutCapacity has no EndpointName dimension"),
    case("async-include-absent-topic", AS, 'include_inference_response_in = ["SUCCESS_NOTIFICATION_TOPIC"]',
         'include_inference_response_in = ["SUCCESS_NOTIFICATION_TOPIC", "ERROR_NOTIFICATION_TOPIC"]', "aws_sagemaker_endpoint_configuration.this",
         "[async] include_inference_response_in names ERROR_NOTIFICATION_TOPIC, a topic that is not set"),
    case("async-topic-not-sns", AS, "arn:aws:sns:us-east-1:123456789012:acme-async-done", "arn:aws:sqs:us-east-1:123456789012:acme-async-done",
         "aws_sagemaker_endpoint_configuration.this", "[async] success_topic 'arn:aws:sqs:us-east-1:123456789012:acme-async-done' is not an SNS topic ARN"),
    case("async-output-path-too-long", AS, 's3_output_path = "s3://acme-async/results/"', f's3_output_path = "s3://acme-async/{"r" * 500}/"',
         "aws_sagemaker_endpoint_configuration.this", "[async] s3_output_path is 517 characters; SageMaker takes at most 512"),
    case("async-notification-without-topic", AS, '        success_topic                 = "arn:aws:sns:us-east-1:123456789012:acme-async-done"\n', "",
         "aws_sagemaker_endpoint_configuration.this", "[async] a notification_config without success_topic or error_topic"),
    case("scaling-two-policies-scale-in", AS, "    disable_scale_in = true\n", "", "aws_appautoscaling_target.main",
         "[autoscaling] 2 target-tracking policies may scale in on a target with min_capacity 0"),
    case("scaling-policy-names-shared", AS, 'name               = "acme-async-main-age"', 'name               = "acme-async-main-backlog"',
         "aws_appautoscaling_policy.", "[autoscaling] target-tracking policies of one target share the name acme-async-main-backlog"),
    case("scaling-metric-endpoint-unknown", AS, 'statistic   = "Average"\n\n      dimensions {\n        name  = "EndpointName"\n        value = "acme-async"',
         'statistic   = "Average"\n\n      dimensions {\n        name  = "EndpointName"\n        value = "acme-other"',
         "aws_appautoscaling_policy.backlog", "[metric] EndpointName \"acme-other\" is not"),
    # Metrics asynchronous endpoints never publish (AWS's async-inference-monitor page: its list is exhaustive).
    case("async-policy-on-invocations-per-instance", AS, 'metric_name = "ApproximateAgeOfOldestRequest"', 'metric_name = "ApproximateAgeOfOldestRequest"',
         "aws_appautoscaling_policy.age", "[metric] SageMakerVariantInvocationsPerInstance tracks InvocationsPerInstance, which asynchronous endpoints do not publish",
         (ASYNC_AGE_METRIC, '    predefined_metric_specification {\n      predefined_metric_type = "SageMakerVariantInvocationsPerInstance"\n    }\n')),
    case("async-policy-on-invocations", AS, 'metric_name = "ApproximateAgeOfOldestRequest"', 'metric_name = "InvocationsPerInstance"',
         "aws_appautoscaling_policy.age", "[metric] InvocationsPerInstance is not published for asynchronous endpoints: the policy never gets data",
         ('        value = "acme-async"\n      }\n    }\n  }\n}\n\nresource "aws_cloudwatch_metric_alarm"',
          '        value = "acme-async"\n      }\n\n      dimensions {\n        name  = "VariantName"\n        value = "main"\n      }\n    }\n  }\n}\n\nresource "aws_cloudwatch_metric_alarm"')),
    case("async-alarm-on-invocations", AS, 'metric_name         = "HasBacklogWithoutCapacity"', 'metric_name         = "Invocations"',
         "aws_cloudwatch_metric_alarm.no_capacity", "[metric] Invocations is not published for asynchronous endpoints: the alarm never gets data"),
]


@pytest.mark.parametrize("broken", BREAKAGES)
def test_each_rule_can_fail(broken: Case, tmp_path):
    files = good_files()
    files[broken.file] = replace(textwrap.dedent(files[broken.file]).lstrip(), broken.old, broken.new)
    for old, new in broken.more:
        files[broken.file] = replace(files[broken.file], old, new)
    errors = sagemaker_errors(write_tree(tmp_path, files))
    assert_reported(errors, broken.file, broken.address, broken.fragment)


@pytest.mark.parametrize(
    "container",
    [
        pytest.param("", id="image-carries-the-model"),
        pytest.param('\n    model_data_source {\n      s3_data_source {\n        s3_uri = "s3://acme/models/blue/"\n        s3_data_type = "S3Prefix"\n        compression_type = "None"\n      }\n    }', id="uncompressed-prefix"),
        pytest.param('\n    model_data_source {\n      s3_data_source {\n        s3_uri = "s3://acme/models/blue/model.tar.gz"\n        s3_data_type = "S3Object"\n        compression_type = "Gzip"\n      }\n    }', id="gzip-object"),
    ],
)
def test_artifact_forms_sagemaker_accepts(container: str, tmp_path):
    """No artifact (the image carries the model), uncompressed files under a prefix, one gzip archive as
    a data source: CreateModel takes each."""
    files = good_files()
    files[RT] = replace(textwrap.dedent(files[RT]).lstrip(), BLUE_IMAGE, BLUE_IMAGE + container)
    assert not [e for e in sagemaker_errors(write_tree(tmp_path, files)) if "[artifact]" in e]


def test_every_rule_tag_has_a_failing_case():
    """Every rule family named in the checker's docstring is exercised above."""
    tags = set(re.findall(r"^\[(\w+)\]", sagemaker_checks.__doc__, flags=re.MULTILINE))
    assert tags == {
        "name", "unique", "variants", "shadow", "serverless", "artifact", "multimodel", "kms", "capture",
        "immutable", "endpoint", "deployment", "rollback", "autoscaling", "metric", "settings", "async", "tags",
    }
    source = Path(__file__).read_text(encoding="utf-8")
    for tag in tags - {"deployment"}:  # deployment fragments name their attribute instead of the tag
        assert f"[{tag}]" in source.split("BREAKAGES = [", 1)[1], tag


@pytest.mark.parametrize(
    "file, old, new",
    [
        pytest.param(RT, 'instance_type          = "ml.c5.xlarge"',
                     'instance_type          = "ml.c5.xlarge"\n    volume_size_in_gb = 512\n    model_data_download_timeout_in_seconds = 60\n'
                     '    container_startup_health_check_timeout_in_seconds = 3600\n    routing_config {\n      routing_strategy = "LEAST_OUTSTANDING_REQUESTS"\n    }',
                     id="cpu-volume-timeouts-routing"),
        pytest.param(SH, "initial_instance_count = 4", 'initial_instance_count = 4\n    inference_ami_version = "al2023-ami-sagemaker-inference-gpu-4-1"', id="gpu-ami-on-g4dn"),
        pytest.param(RT, '"ml.c5.xlarge"', '"ml.inf2.xlarge"\n    inference_ami_version = "al2-ami-sagemaker-inference-neuron-2"\n    volume_size_in_gb = 100', id="neuron-ami-on-inf2"),
    ],
)
def test_variant_settings_sagemaker_accepts(file: str, old: str, new: str, tmp_path):
    files = good_files()
    files[file] = replace(textwrap.dedent(files[file]).lstrip(), old, new)
    assert sagemaker_errors(write_tree(tmp_path, files)) == []


def test_interpolated_names_are_skipped(tmp_path):
    files = good_files()
    files[RT] = replace(REALTIME, 'name                 = "acme-realtime"', 'name                 = "${var.prefix}_rt"')
    files[SL] = replace(SERVERLESS, '"acme-scoring-main-9c8d7e6f"', '"${var.prefix}_main"')
    errors = sagemaker_errors(write_tree(tmp_path, files))
    assert not [e for e in errors if "[name]" in e], errors


def test_production_variant_count(tmp_path):
    variant = (
        "  production_variants {{\n"
        '    variant_name           = "v{i}"\n'
        "    model_name             = aws_sagemaker_model.main.name\n"
        '    instance_type          = "ml.m5.large"\n'
        "    initial_instance_count = 1\n"
        "  }}\n"
    )
    model = (
        'resource "aws_sagemaker_model" "main" {\n  name = "m"\n  execution_role_arn = "r"\n'
        "  lifecycle {\n    create_before_destroy = true\n  }\n}\n"
    )

    def config(count: int) -> str:
        body = "".join(variant.format(i=i) for i in range(count))
        return (
            'resource "aws_sagemaker_endpoint_configuration" "this" {\n  name = "c-01234567"\n'
            + body
            + "  lifecycle {\n    create_before_destroy = true\n  }\n}\n"
        )

    for count, fails in ((0, True), (1, False), (10, False), (11, True)):
        root = write_tree(tmp_path / str(count), {"modules/x/main.tf": model + config(count)})
        errors = sagemaker_errors(root)
        found = [e for e in errors if f"{count} production variants (SageMaker requires 1-10)" in e]
        assert bool(found) == fails, (count, errors)
        if not fails:
            assert errors == [], errors


@pytest.mark.parametrize(
    "instance_type, local",
    [
        ("ml.g4dn.xlarge", True),
        ("ml.m5d.large", True),
        ("ml.c5d.2xlarge", True),
        ("ml.r5d.large", True),
        ("ml.p3dn.24xlarge", True),
        ("ml.p4d.24xlarge", True),
        ("ml.p4de.24xlarge", True),
        ("ml.g5.xlarge", True),
        ("ml.g6.xlarge", True),
        ("ml.g6e.xlarge", True),
        ("ml.p5.48xlarge", True),
        ("ml.trn1.2xlarge", True),
        ("ml.c6id.large", True),
        ("ml.m5.large", False),
        ("ml.c5.xlarge", False),
        ("ml.p3.2xlarge", False),
        ("ml.inf2.xlarge", False),
        ("ml.t2.medium", False),
        ("ml.g5g.xlarge", False),
        ("ml.c6i.large", False),
    ],
)
def test_local_nvme_instance_types(instance_type, local):
    assert _local_nvme(instance_type) is local


@pytest.mark.parametrize(
    "instance_type, burstable",
    [
        ("ml.t2.medium", True),
        ("ml.t3.large", True),
        ("ml.trn1.2xlarge", False),  # Trainium starts with a t but is not burstable
        ("ml.trn2.48xlarge", False),
        ("ml.m5.large", False),
    ],
)
def test_burstable_instance_types(instance_type, burstable):
    assert _burstable(instance_type) is burstable


def test_trainium_variant_may_auto_scale(tmp_path):
    files = good_files()
    # Trainium has local NVMe storage, so the KMS key goes too.
    text = replace(REALTIME, '"ml.m5.large"', '"ml.trn1.2xlarge"')
    files[RT] = replace(text, "  kms_key_arn = var.kms_key_arn\n", "")
    assert sagemaker_errors(write_tree(tmp_path, files)) == []
