"""Rendered Terraform: parsed and checked against the provider schema, references, fmt and the seed's numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlinfra.pipeline import load_config, render_project
from tests.conftest import EXAMPLES, ROOT, example_ids
from tests.support.configs import edited, write_config
from tests.support.hcl_checks import hygiene_errors, load_tree
from tests.support.hcl_checks import module_call as call


def blocks(parsed: dict, kind: str) -> dict[str, dict]:
    """{"type.name": body} for every resource/data block of one parsed file."""
    out = {}
    for entry in parsed.get(kind, []):
        for rtype, named in entry.items():
            for name, body in named.items():
                out[f"{rtype.strip(chr(34))}.{name.strip(chr(34))}"] = body
    return out


def s(value: str) -> str:
    """python-hcl2 keeps the quotes of string literals."""
    assert value.startswith('"') and value.endswith('"'), value
    return value[1:-1]


@pytest.mark.parametrize("name", example_ids())
def test_module_hygiene(name: str, rendered_examples: dict[str, Path]) -> None:
    # Schema, references and wiring: Terraform itself checks them (tests/test_terraform_cycle.py).
    assert hygiene_errors(rendered_examples[name]) == []


def test_fmt_clean_with_real_terraform(rendered_examples: dict[str, Path], terraform) -> None:
    for name, root in rendered_examples.items():
        proc = terraform.run("fmt", "-check", "-recursive", "-diff", "-no-color", str(root), check=False)
        assert proc.returncode == 0, f"{name}:\n{proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("path", EXAMPLES, ids=example_ids())
def test_two_renders_are_byte_identical(path: Path) -> None:
    assert render_project(load_config(path), path.parent).files == render_project(load_config(path), path.parent).files


def test_no_template_leftovers(rendered_examples: dict[str, Path]) -> None:
    for root in rendered_examples.values():
        for f in root.rglob("*"):
            if f.is_file() and f.suffix in (".tf", ".md"):
                text = f.read_text()
                # ("}}" may close a JSON object inside a string literal: not a leftover.)
                for leftover in ("{{", "{%", "%}", "{#", "#}", "  \n"):
                    assert leftover not in text, (f, leftover)
                # A Python None leaking into HCL; "None" is a word of AWS's only as a compression type.
                assert "None" not in re.sub(r'compression_type\s*=\s*"None"', "", text), f
                assert text.endswith("\n") and not text.endswith("\n\n"), f


def test_every_module_has_its_five_files(rendered_examples: dict[str, Path]) -> None:
    for root in rendered_examples.values():
        for module in (root / "modules").iterdir():
            names = sorted(p.name for p in module.iterdir())
            # package/ holds the Lambda code, schemas/ the API's request models, moved.tf address changes,
            # buildspec-*.yml the deployment pipeline's CodeBuild commands.
            own = [n for n in names if n not in ("package", "schemas", "moved.tf") and not n.startswith("buildspec-")]
            assert own == ["README.md", "main.tf", "outputs.tf", "variables.tf", "versions.tf"], module
            versions = (module / "versions.tf").read_text()
            assert 'required_version = ">= 1.5.7"' in versions and re.search(r'source += "hashicorp/aws"', versions), module
            readme = (module / "README.md").read_text()
            assert readme.startswith(f"# Module `{module.name}`\n") and "## Inputs" in readme and "## Outputs" in readme
            for variable in re.findall(r'^variable "(\w+)"', (module / "variables.tf").read_text(), re.M):
                assert f"| `{variable}` |" in readme, (module, variable)


def test_module_versions_pin_the_providers_their_resources_use(rendered_examples: dict[str, Path]) -> None:
    for root in rendered_examples.values():
        for module in (root / "modules").iterdir():
            main, versions = (module / "main.tf").read_text(), (module / "versions.tf").read_text()
            for provider in ("archive", "random"):
                uses = re.search(rf'^(resource|data) "{provider}_', main, re.M) is not None
                assert uses == (re.search(rf'source += "hashicorp/{provider}"', versions) is not None), (module, provider)


# --- the seed platform ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def platform(rendered_examples: dict[str, Path]) -> dict:
    return load_tree(rendered_examples["platform"])


def test_root_module(platform: dict) -> None:
    root = platform["."]
    tf = root["versions.tf"]["terraform"][0]
    assert s(tf["required_version"]) == ">= 1.5.7"
    assert s(tf["required_providers"][0]["aws"]["version"]) == "~> 6.0"
    provider = root["providers.tf"]["provider"][0]['"aws"']
    assert s(provider["region"]) == "us-east-1"
    tags = provider["default_tags"][0]["tags"]
    assert {k: s(v) for k, v in tags.items()} == {
        "Environment": "prod",
        "ManagedBy": "mlinfra",
        "Project": "mlinfra",
        "cost-center": "ml-inference",
        "team": "ml-platform",
    }
    modules = [next(iter(m)) for m in root["main.tf"]["module"]]
    assert [m.strip('"') for m in modules] == [
        "kms",
        "capture_bucket",
        "registry",
        "sagemaker_role",
        "network",
        "flow_logs",
        "cache",
        "results",
        # The API takes nothing from the Lambdas (their names are literals); they take its execution ARN.
        "api",
        "preprocessing",
        "edge",
        "batch",
        # The endpoints' alarms notify the alerts topic, so the endpoint calls follow it.
        "alerts",
        "endpoint_inference",
        "endpoint_serverless",
        "monitoring",
    ]
    assert "backend.tf" not in root


def test_one_endpoint_module_for_every_endpoint(platform: dict) -> None:
    assert [d for d in platform if d.startswith("modules/endpoint")] == ["modules/endpoint"]
    assert s(call(platform, "endpoint_inference")["source"]) == s(call(platform, "endpoint_serverless")["source"]) == "./modules/endpoint"
    main = blocks(platform["modules/endpoint"]["main.tf"], "resource")
    assert main["aws_sagemaker_model.this"]["for_each"] == "${var.models}"
    assert main["aws_cloudwatch_metric_alarm.this"]["for_each"] == "${var.alarms}"
    cfg = main["aws_sagemaker_endpoint_configuration.this"]
    assert cfg["lifecycle"][0]["create_before_destroy"] is True
    # Weights are shifted live by promote: every index SageMaker allows is ignored.
    assert cfg["lifecycle"][0]["ignore_changes"] == [f"${{production_variants[{i}].initial_variant_weight}}" for i in range(10)]
    assert main["aws_sagemaker_model.this"]["lifecycle"][0]["create_before_destroy"] is True


def test_seed_endpoint_variants(platform: dict) -> None:
    ep = call(platform, "endpoint_inference")
    variants = {s(v["variant_name"]): v for v in ep["production_variants"]}
    assert list(variants) == ["production", "canary"]
    assert variants["production"]["initial_variant_weight"] == 80
    assert variants["canary"]["initial_variant_weight"] == 20
    assert variants["production"]["initial_instance_count"] == 2
    assert variants["canary"]["initial_instance_count"] == 2
    assert {s(v["instance_type"]) for v in variants.values()} == {"ml.g4dn.xlarge"}
    assert s(variants["production"]["model"]) == "production" and variants["production"]["serverless_config"] is None
    # g4dn has local NVMe storage: SageMaker rejects a KMS key for it.
    assert ep["storage_kms_key_arn"] is None
    capture = ep["data_capture"]
    assert capture["initial_sampling_percentage"] == 100
    assert [s(m) for m in capture["capture_modes"]] == ["Input", "Output"]
    assert capture["json_content_types"] == ['"application/json"'] and capture["csv_content_types"] == []
    assert s(capture["destination_s3_uri"]) == "s3://${module.capture_bucket.bucket}/inference"
    assert ep["kms_key_arn"] == "${module.kms.key_arn}"
    models = ep["models"]
    assert s(models["production"]["model_data_url"]) == "s3://acme-ml-models/models/v1.1.0/model.tar.gz"
    assert s(models["canary"]["image"]).endswith(":1.2.0")
    assert all(m["network_isolation"] is True for m in models.values())
    assert {k: s(v) for k, v in models["canary"]["tags"].items()} == {
        # the endpoint's, the version's own, then the registry's view (examples/platform.yaml)
        "cost-center": "ml-realtime",
        "experiment": "calibrated-thresholds",
        "service": "inference",
        "ModelVersion": "1.2.0",
        "ModelStatus": "canary",
        '"metric:accuracy"': "0.91",
    }


def test_seed_blue_green_and_alarms(platform: dict) -> None:
    ep = call(platform, "endpoint_inference")
    bg = ep["deployment"]["blue_green_update"]
    assert ep["deployment"]["rolling_update"] is None
    assert bg["termination_wait_in_seconds"] == 120
    assert bg["maximum_execution_timeout_in_seconds"] == 3600
    routing = bg["traffic_routing"]
    assert s(routing["type"]) == "CANARY"
    assert routing["wait_interval_in_seconds"] == 300
    assert s(routing["canary_size"]["type"]) == "INSTANCE_COUNT"
    assert routing["canary_size"]["value"] == 1 and routing["linear_step_size"] is None
    alarms = ep["alarms"]
    assert [s(k) for k in ep["deployment"]["rollback_alarms"]] == list(alarms)
    assert sorted(alarms) == ["canary_error_rate", "canary_latency_p99", "production_error_rate", "production_latency_p99"]
    latency = alarms["production_latency_p99"]
    assert s(latency["extended_statistic"]) == "p99" and latency["metric_queries"] == []
    assert latency["threshold"] == 100000  # 100 ms in ModelLatency's microseconds
    assert {k: s(v) for k, v in latency["dimensions"].items()} == {"EndpointName": "mlinfra-prod-inference", "VariantName": "production"}
    assert s(latency["alarm_name"]) == "mlinfra-prod-inference-production-latency-p99"
    errors = alarms["canary_error_rate"]
    assert errors["threshold"] == 5 and errors["metric_name"] is None
    queries = {s(q["id"]): q for q in errors["metric_queries"]}
    assert s(queries["errors"]["metric"]["metric_name"]) == "Invocation5XXErrors"
    assert s(queries["invocations"]["metric"]["metric_name"]) == "Invocations"
    assert queries["error_rate"]["return_data"] is True
    assert ep["alarm_actions"] == ["${module.alerts.topic_arn}"]  # the platform has a monitoring section
    # Inside the module, every alarm notifies those actions, and the rollback names the alarms by key.
    main = blocks(platform["modules/endpoint"]["main.tf"], "resource")
    alarm = main["aws_cloudwatch_metric_alarm.this"]
    assert alarm["alarm_actions"] == alarm["ok_actions"] == "${var.alarm_actions}"


def test_seed_autoscaling(platform: dict) -> None:
    ep = call(platform, "endpoint_inference")
    assert list(ep["scaling"]) == ["production"]  # the canary has no auto-scaling in the seed
    target = ep["scaling"]["production"]
    assert (target["min_capacity"], target["max_capacity"]) == (2, 20)
    assert (target["target_value"], target["scale_in_cooldown"], target["scale_out_cooldown"]) == (1000, 300, 60)
    assert s(target["predefined_metric"]) == "SageMakerVariantInvocationsPerInstance"
    main = blocks(platform["modules/endpoint"]["main.tf"], "resource")
    assert s(main["aws_appautoscaling_target.this"]["resource_id"]) == "endpoint/${aws_sagemaker_endpoint.this.name}/variant/${each.value.variant_name}"


def test_seed_serverless_endpoint(platform: dict) -> None:
    ep = call(platform, "endpoint_serverless")
    (variant,) = ep["production_variants"]
    assert variant["serverless_config"] == {"memory_size_in_mb": 4096, "max_concurrency": 50, "provisioned_concurrency": None}
    assert variant["instance_type"] is None and variant["initial_instance_count"] is None
    assert ep["storage_kms_key_arn"] == "${module.kms.key_arn}"
    # Serverless Inference supports no network isolation: the argument is null (left out).
    assert [m["network_isolation"] for m in ep["models"].values()] == [None]


def test_seed_security(platform: dict) -> None:
    kms = blocks(platform["modules/kms"]["main.tf"], "resource")["aws_kms_key.this"]
    assert kms["enable_key_rotation"] is True
    bucket = blocks(platform["modules/capture_bucket"]["main.tf"], "resource")
    pab = bucket["aws_s3_bucket_public_access_block.this"]
    assert all(pab[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    sse = bucket["aws_s3_bucket_server_side_encryption_configuration.this"]["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert s(sse["sse_algorithm"]) == "aws:kms" and sse["kms_master_key_id"] == "${var.kms_key_arn}"
    # The role's statements are a typed input of its module: their values are read at the call site.
    (role,) = [v for m in platform["."]["main.tf"]["module"] for k, v in m.items() if k.strip('"') == "sagemaker_role"]
    statements = {s(st["sid"]): st for st in role["statements"]}
    # Exactly the two deployed artifacts: never the deprecated 1.0.0 or the staged 2.0.0.
    assert [s(r) for r in statements["ReadModelArtifacts"]["resources"]] == [
        "arn:${data.aws_partition.current.partition}:s3:::acme-ml-models/models/v1.1.0/model.tar.gz",
        "arn:${data.aws_partition.current.partition}:s3:::acme-ml-models/models/v1.2.0/model.tar.gz",
    ]
    assert [s(r) for r in statements["WriteDataCapture"]["resources"]] == ["${module.capture_bucket.arn}/inference/*"]
    assert [s(r) for r in statements["PullModelImages"]["resources"]] == ["arn:${data.aws_partition.current.partition}:ecr:us-east-1:123456789012:repository/ml-inference"]
    assert statements["UsePlatformKey"]["resources"] == ["${module.kms.key_arn}"]
    # Inside the module, every statement comes from that input.
    policy = blocks(platform["modules/sagemaker_role"]["main.tf"], "data")["aws_iam_policy_document.permissions"]
    assert "statement" not in policy and policy["dynamic"][0]['"statement"']["for_each"] == "${var.statements}"
    wildcard = sorted(sid for sid, st in statements.items() if '"*"' in st["resources"])
    # the three AWS gives no resource for (the models' interfaces: the seed's models run in its VPC)
    assert wildcard == ["EcrAuthorizationToken", "ManageModelNetworkInterfaces", "PublishEndpointMetrics"]


def test_backend_when_configured(rendered_examples: dict[str, Path]) -> None:
    tree = load_tree(rendered_examples["multi-model"])
    backend = tree["."]["backend.tf"]["terraform"][0]["backend"][0]['"s3"']
    assert s(backend["bucket"]) == "acme-terraform-state"
    assert s(backend["key"]) == "recsys/staging.tfstate"
    assert s(backend["region"]) == "us-west-2"
    assert backend["encrypt"] is True and backend["use_lockfile"] is True


# --- content-derived names ------------------------------------------------------------------------------


def _config_name(text: str, tmp_path: Path) -> tuple[str, list[str]]:
    """(endpoint configuration name, [production model name, canary model name]) for a variant of the seed."""
    import hcl2

    path = write_config(tmp_path, text, beside_examples=True)
    files = render_project(load_config(path), path.parent).files
    ep = call({".": {"main.tf": hcl2.loads(next(t for p, t in files.items() if str(p) == "main.tf"))}}, "endpoint_inference")
    models = [s(ep["models"][k]["name"]) for k in ("production", "canary")]
    return s(ep["config_name"]), models


def test_endpoint_config_name_follows_its_content(tmp_path: Path) -> None:
    seed = (ROOT / "examples" / "platform.yaml").read_text()
    base_cfg, base_names = _config_name(seed, tmp_path)
    weight_cfg, weight_names = _config_name(seed.replace("weight: 80", "weight: 70"), tmp_path)
    scaling_cfg, _ = _config_name(seed.replace("max: 20", "max: 30"), tmp_path)
    image_cfg, image_names = _config_name(seed.replace("ml-inference:1.2.0", "ml-inference:1.2.1"), tmp_path)
    # Weights are live traffic, shifted by `mlinfra promote`: they neither rename the configuration nor
    # (ignore_changes) redeploy it; they take effect with the next configuration that changes for a reason.
    assert base_cfg == weight_cfg
    assert base_cfg == scaling_cfg  # auto-scaling is not part of the endpoint configuration
    assert base_cfg != image_cfg and base_names[1] != image_names[1]  # a new image: new canary model, new config
    assert base_names[0] == image_names[0]  # the production model is untouched
    assert all(len(n) <= 63 for n in base_names + weight_names + image_names)


# --- models in the VPC ------------------------------------------------------------------------------------


def _statements(tree: dict) -> dict[str, dict]:
    return {s(st["sid"]): st for st in call(tree, "sagemaker_role")["statements"]}


def test_models_run_in_the_created_vpc(platform: dict) -> None:
    """Instance endpoints' models get the network's private subnets and the group the endpoint component
    requests; the serverless endpoint (SageMaker supports no VPC there) gets none."""
    ep = call(platform, "endpoint_inference")
    assert ep["vpc_config"] == {"subnets": "${module.network.private_subnet_ids}", "security_group_ids": ["${module.network.models_security_group_id}"]}
    assert call(platform, "endpoint_serverless")["vpc_config"] is None
    network = call(platform, "network")
    assert {k: s(v) for k, v in network["security_groups"]["models"].items()} == {"name": "mlinfra-prod-models", "description": "SageMaker models of the endpoints"}
    # The images come from ECR: its API and registry endpoints (S3 through the gateway endpoint).
    assert {'"ecr.api"', '"ecr.dkr"'} <= set(network["interface_endpoints"])
    model = blocks(platform["modules/endpoint"]["main.tf"], "resource")["aws_sagemaker_model.this"]
    assert model["dynamic"][0]['"vpc_config"']["for_each"] == "${var.vpc_config == null ? [] : [var.vpc_config]}"
    # SageMaker creates the interfaces as the execution role.
    eni = _statements(platform)["ManageModelNetworkInterfaces"]
    assert eni["resources"] == ['"*"'] and '"ec2:CreateNetworkInterfacePermission"' in eni["actions"]


def test_models_without_a_network_have_no_vpc(rendered_examples: dict[str, Path]) -> None:
    tree = load_tree(rendered_examples["async"])
    assert call(tree, "endpoint_layout")["vpc_config"] is None
    assert "ManageModelNetworkInterfaces" not in _statements(tree)
    assert not any(k.strip('"') == "network" for m in tree["."]["main.tf"]["module"] for k in m)


def test_models_in_an_existing_vpc(tmp_path: Path) -> None:
    """An existing VPC: its subnets (literal at the network call) and the models' group, created there."""
    old = "  create:\n    cidr: 10.20.0.0/16\n    private_subnets: [10.20.1.0/24, 10.20.2.0/24, 10.20.3.0/24]   # one per Availability Zone\n"
    config = edited("private-network", tmp_path / "cfg", (old, "  vpc_id: vpc-0123456789abcdef0\n  private_subnet_ids: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n"))
    import hcl2

    files = render_project(load_config(config), config.parent).files
    tree = {".": {"main.tf": hcl2.loads(next(t for p, t in files.items() if str(p) == "main.tf"))}}
    (key,) = [k.strip('"') for m in tree["."]["main.tf"]["module"] for k in m if k.startswith('"endpoint_')]
    assert call(tree, key)["vpc_config"] == {"subnets": "${module.network.private_subnet_ids}", "security_group_ids": ["${module.network.models_security_group_id}"]}
    assert "models" in call(tree, "network")["security_groups"]
