"""The registry component: config → rendered HCL for each setting, the exact grants it contributes, and one
naming source shared with ``mlinfra models``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlinfra.model_registry.packages import group_name
from mlinfra.pipeline import load_config
from tests.support import configs
from tests.support.aws import Cli, output, server_client
from tests.support.hcl_checks import load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_render import blocks, s

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

MINIMAL = """\
project: {name: shop, environment: dev, region: us-west-2}
models:
  - {version: 1.0.0, status: production, image: 123456789012.dkr.ecr.us-west-2.amazonaws.com/shop:1.0.0, model_data: s3://shop-artifacts/m/1.0.0/model.tar.gz}
endpoints:
  - name: rank
    kind: serverless
    variants:
      - {name: main, model: 1.0.0, serverless: {memory_mb: 2048, max_concurrency: 5}}
"""


def render(tmp_path: Path, text: str) -> dict:
    return load_tree(configs.render(configs.write_config(tmp_path, text, "mlinfra.yaml"), tmp_path / "out"))


def render_example(tmp_path: Path, name: str) -> dict:
    return load_tree(configs.render(EXAMPLES / f"{name}.yaml", tmp_path / name))


def literal(value: object) -> object:
    if isinstance(value, str):
        # python-hcl2 quotes string literals; a bare reference stays ${...}
        return s(value) if value.startswith('"') else value
    if isinstance(value, dict):
        return {k: literal(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [literal(v) for v in value]
    return value


# The execution role's and the key policy's contributed statements are typed arguments at the call site.
CALL_STATEMENTS = {("sagemaker_role", "permissions"): "statements", ("kms", "key"): "service_statements"}


def statements(tree: dict, module: str, doc: str) -> dict[str, dict]:
    if (module, doc) in CALL_STATEMENTS:
        return {s(st["sid"]): st for st in call(tree, module)[CALL_STATEMENTS[module, doc]]}
    data = blocks(tree[f"modules/{module}"]["main.tf"], "data")
    return {s(st["sid"]): st for st in data[f"aws_iam_policy_document.{doc}"]["statement"]}


def test_no_registry_section_no_registry(tmp_path: Path) -> None:
    tree = render(tmp_path, MINIMAL)
    assert "modules/registry" not in tree
    assert not any(name.strip('"') == "registry" for m in tree["."]["main.tf"]["module"] for name in m)
    assert {"ReadRegistryModels", "PullRegistryImages"}.isdisjoint(statements(tree, "sagemaker_role", "permissions"))
    assert "EcrEncryptsRepositories" not in statements(tree, "kms", "key")


def test_defaults_name_everything_after_the_project(tmp_path: Path) -> None:
    tree = render(tmp_path, MINIMAL + "registry: {}\n")
    args = call(tree, "registry")
    assert args["kms_key_arn"] == "${module.kms.key_arn}"
    assert s(args["bucket_name_prefix"]) == "shop-dev-usw2-models-" and "bucket_name" not in args
    assert literal(args["repository"]) == {"name": "shop-dev", "image_retention": 10, "kept_tags": [], "untagged_days": 7}
    assert literal(args["model_package_group"])["name"] == "shop-dev"
    assert literal(args["bucket"]) == {"noncurrent_days": 90}
    main = tree["modules/registry"]["main.tf"]
    bucket = blocks(main, "resource")["aws_s3_bucket.this"]
    assert s(bucket["bucket"]) == "${var.bucket_name_prefix}${data.aws_caller_identity.current.account_id}"
    assert "aws_caller_identity.current" in blocks(main, "data")
    # The role reads exactly the default bucket's objects and pulls exactly the default repository.
    role = statements(tree, "sagemaker_role", "permissions")
    assert literal(role["ReadRegistryModels"]["actions"]) == ["s3:GetObject"]
    assert literal(role["ReadRegistryModels"]["resources"]) == ["arn:${data.aws_partition.current.partition}:s3:::shop-dev-usw2-models-${data.aws_caller_identity.current.account_id}/*"]
    assert literal(role["PullRegistryImages"]["resources"]) == ["arn:${data.aws_partition.current.partition}:ecr:us-west-2:${data.aws_caller_identity.current.account_id}:repository/shop-dev"]
    assert literal(role["PullRegistryImages"]["actions"]) == ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def test_configured_names_and_retention_reach_the_call(tmp_path: Path) -> None:
    tree = render_example(tmp_path, "registry")
    args = call(tree, "registry")
    assert s(args["bucket_name"]) == "acme-churn-models" and "bucket_name_prefix" not in args
    assert literal(args["repository"]) == {"name": "churn/scoring", "image_retention": 30, "kept_tags": ["2.0.0", "2.1.0"], "untagged_days": 7}
    assert literal(args["model_package_group"]) == {"name": "churn-scoring", "description": "mlinfra churn-prod: versions of the platform's models (mlinfra models register)"}
    main = tree["modules/registry"]["main.tf"]
    assert "aws_caller_identity.current" not in blocks(main, "data")
    r = blocks(main, "resource")
    assert r["aws_s3_bucket.this"]["bucket"] == "${var.bucket_name}"
    role = statements(tree, "sagemaker_role", "permissions")
    assert literal(role["ReadRegistryModels"]["resources"]) == ["arn:${data.aws_partition.current.partition}:s3:::acme-churn-models/*"]
    assert literal(role["PullRegistryImages"]["resources"]) == ["arn:${data.aws_partition.current.partition}:ecr:eu-west-1:${data.aws_caller_identity.current.account_id}:repository/churn/scoring"]


def test_bucket_repository_and_group_resources(tmp_path: Path) -> None:
    tree = render_example(tmp_path, "registry")
    r = blocks(tree["modules/registry"]["main.tf"], "resource")
    assert r["aws_s3_bucket_versioning.this"]["versioning_configuration"][0]["status"] == '"Enabled"'
    sse = r["aws_s3_bucket_server_side_encryption_configuration.this"]["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert s(sse["sse_algorithm"]) == "aws:kms" and sse["kms_master_key_id"] == "${var.kms_key_arn}"
    pab = r["aws_s3_bucket_public_access_block.this"]
    assert all(pab[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    assert s(r["aws_s3_bucket_ownership_controls.this"]["rule"][0]["object_ownership"]) == "BucketOwnerEnforced"
    rule = r["aws_s3_bucket_lifecycle_configuration.this"]["rule"][0]
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == "${var.bucket.noncurrent_days}" and "expiration" not in rule
    tls = statements(tree, "registry", "bucket")["DenyInsecureTransport"]
    assert s(tls["effect"]) == "Deny" and literal(tls["condition"][0]["values"]) == ["false"]

    ecr = r["aws_ecr_repository.this"]
    assert ecr["name"] == "${var.repository.name}" and s(ecr["image_tag_mutability"]) == "IMMUTABLE"
    assert ecr["image_scanning_configuration"][0]["scan_on_push"] is True
    assert literal(ecr["encryption_configuration"][0]) == {"encryption_type": "KMS", "kms_key": "${var.kms_key_arn}"}
    policy = r["aws_ecr_lifecycle_policy.this"]["policy"]
    assert policy.startswith("${jsonencode(")
    flat = re.sub(r"\s+", "", policy)
    assert 'tagStatus="untagged",countType="sinceImagePushed",countUnit="days",countNumber=var.repository.untagged_days' in flat
    assert 'tagStatus="tagged",tagPatternList=["*"],countType="imageCountMoreThan",countNumber=var.repository.image_retention' in flat

    group = r["aws_sagemaker_model_package_group.this"]
    assert group["model_package_group_name"] == "${var.model_package_group.name}"
    assert group["model_package_group_description"] == "${var.model_package_group.description}"


def test_key_policy_lets_ecr_use_the_key_through_grants(tmp_path: Path) -> None:
    tree = render_example(tmp_path, "registry")
    st = statements(tree, "kms", "key")["EcrEncryptsRepositories"]
    assert {"kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"} <= set(literal(st["actions"]))
    assert literal(st["principals"]) == [{"type": "AWS", "identifiers": ["*"]}]
    conditions = {s(c["variable"]): (s(c["test"]), literal(c["values"])) for c in st["conditions"]}
    assert conditions == {"kms:ViaService": ("StringEquals", ["ecr.eu-west-1.amazonaws.com"]), "kms:CallerAccount": ("StringEquals", ["${data.aws_caller_identity.current.account_id}"])}


def test_root_outputs(tmp_path: Path) -> None:
    tree = render_example(tmp_path, "registry")
    outputs = {name.strip('"'): body["value"] for o in tree["."]["outputs.tf"]["output"] for name, body in o.items()}
    assert outputs["models_bucket"] == "${module.registry.bucket}"
    assert outputs["ecr_repository_url"] == "${module.registry.repository_url}"
    assert outputs["model_package_group_name"] == "${module.registry.model_package_group_name}"
    assert outputs["model_package_group_arn"] == "${module.registry.model_package_group_arn}"


@pytest.mark.parametrize("name", ["registry", "platform"])
def test_models_commands_use_the_rendered_group(name: str, tmp_path: Path) -> None:
    tree = render_example(tmp_path, name)
    rendered = literal(call(tree, "registry")["model_package_group"])["name"]
    assert group_name(load_config(EXAMPLES / f"{name}.yaml")) == rendered


def test_models_register_records_into_the_rendered_group(moto_server: str, tmp_path: Path) -> None:
    """Through the real CLI against a moto server: the group Terraform creates is the one register uses."""
    rendered = literal(call(render_example(tmp_path, "registry"), "registry")["model_package_group"])["name"]
    sm = server_client(moto_server, "sagemaker", "eu-west-1")
    sm.create_model_package_group(ModelPackageGroupName=rendered)  # what terraform apply creates
    work = tmp_path / "work"
    work.mkdir()
    (work / "registry.yaml").write_text((EXAMPLES / "registry.yaml").read_text())
    proc = Cli(moto_server, work)("models", "register", "2.1.0", "-c", "registry.yaml")
    assert proc.returncode == 0, output(proc)
    listed = sm.list_model_packages(ModelPackageGroupName=rendered)["ModelPackageSummaryList"]
    assert len(listed) == 1 and f":model-package/{rendered}/1" in proc.stdout
