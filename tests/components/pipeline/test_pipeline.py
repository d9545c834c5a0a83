"""The deployment pipeline component: its config and refusals, the stages in order, Apply consuming the
Plan stage's artifact, each role's statements, and the buildspecs CodeBuild reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mlinfra.components.pipeline.component import BUILD_STAGES, VPC_STATEMENTS, stage_statements
from mlinfra.pipeline import load_config
from tests.support import configs
from tests.support.hcl_checks import load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_render import blocks, s

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "pipeline.yaml"
STAGES = ["Source", "Build", "Plan", "Approval", "Apply", "Canary", "ApprovePromotion", "Promote"]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return configs.render(EXAMPLE, tmp_path_factory.mktemp("pipeline"))


@pytest.fixture(scope="module")
def tree(out: Path) -> dict:
    return load_tree(out)


@pytest.fixture(scope="module")
def main(tree: dict) -> dict:
    return tree["modules/pipeline"]["main.tf"]


def _pipeline(main: dict) -> dict:
    return blocks(main, "resource")["aws_codepipeline.this"]


def _stages(main: dict) -> list[tuple[dict, str | None]]:
    """The pipeline's stages in order, each with the for_each that counts it (None: always there). The
    dynamic stages follow the static ones in the resource, so Terraform appends them in that order."""
    pipeline = _pipeline(main)
    counted = [(d['"stage"']["content"][0], d['"stage"']["for_each"]) for d in pipeline.get("dynamic", [])]
    return [(st, None) for st in pipeline["stage"]] + counted


def _actions(main: dict) -> dict[str, dict]:
    return {s(st["name"]): st["action"][0] for st, _ in _stages(main)}


# --- config ---------------------------------------------------------------------------------------------


def test_the_example_validates_and_no_pipeline_section_renders_no_pipeline(tmp_path: Path) -> None:
    config = load_config(EXAMPLE)
    assert config.pipeline is not None and config.pipeline.canary.percent == 20  # type: ignore[attr-defined]
    without = configs.render_edited("registry", tmp_path)
    assert not (without / "modules" / "pipeline").exists()
    assert 'module "pipeline"' not in (without / "main.tf").read_text(encoding="utf-8")


def _problems(tmp_path: Path, *edits: configs.Edit) -> list[str]:
    text = configs.edit(EXAMPLE.read_text(encoding="utf-8"), *edits)
    error = configs.refused(configs.write_config(tmp_path, text, "mlinfra.yaml"))
    lines = text.splitlines()
    return [f"{lines[p.line - 1].strip()} | {p.path}: {p.message} [{p.code}]" for p in error.problems]


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        (
            [("registry: {}\n", "")],
            "pipeline: | pipeline: the pipeline pushes the image to the registry's ECR repository: add a registry section [pipeline-needs-registry]",
        ),
        (
            [("state:\n  bucket: acme-terraform-state\n  key: fraud/prod/terraform.tfstate\n", "")],
            "pipeline: | pipeline: the pipeline's Plan and Apply stages run in fresh CodeBuild containers: add a state section (an S3 backend) so they share the Terraform state [pipeline-needs-state]",
        ),
        (
            [("    emails: [ml-leads@example.com]\n", "    emails: [ml-leads@example.com]\n    alert_topic: true\n")],
            "approvers: | pipeline.approvers: approvers is either emails (a list of addresses) or alert_topic: true (the monitoring section's topic), exactly one [pipeline-approvers]\n"
            "alert_topic: true | pipeline.approvers.alert_topic: alert_topic reuses the monitoring section's alerts topic: add a monitoring section, or list emails [pipeline-alert-topic]",
        ),
        (
            [("    emails: [ml-leads@example.com]\n", "    alert_topic: true\n")],
            "alert_topic: true | pipeline.approvers.alert_topic: alert_topic reuses the monitoring section's alerts topic: add a monitoring section, or list emails [pipeline-alert-topic]",
        ),
        (
            [("{endpoint: scoring,", "{endpoint: ranking,")],
            "canary: {endpoint: ranking, percent: 20, bake_minutes: 10} | pipeline.canary.endpoint: endpoint ranking is not listed under endpoints (listed: scoring) [pipeline-canary-endpoint]",
        ),
        (
            [
                (
                    "    github: {repository: acme/fraud-platform, branch: main}\n",
                    "    github: {repository: acme/fraud-platform, branch: main}\n    connection_arn: arn:aws:codeconnections:us-east-1:123456789012:connection/0f3c1a2b-1234-4abc-9def-0123456789ab\n",
                )
            ],
            "connection_arn: arn:aws:codeconnections:us-east-1:123456789012:connection/0f3c1a2b-1234-4abc-9def-0123456789ab | pipeline.source.connection_arn: the connection is in us-east-1; CodePipeline uses a connection of its own region (eu-west-1) [pipeline-connection-region]",
        ),
        (
            [("{endpoint: scoring,", "{endpoint: scoring, variant: challenger,")],
            "canary: {endpoint: scoring, variant: challenger, percent: 20, bake_minutes: 10} | pipeline.canary.variant: endpoint scoring has no variant challenger (its variants: main, canary): the canary stage shifts 20 % of its traffic to that variant; add a variant challenger serving the new version, or name the one that does (canary.variant) [pipeline-canary-variant]",
        ),
    ],
    ids=[
        "no-registry",
        "no-state",
        "two-approver-channels",
        "alert-topic-without-monitoring",
        "unknown-endpoint",
        "connection-region",
        "unknown-variant",
    ],
)
def test_refusals_name_the_field_and_its_line(tmp_path: Path, edits: list, expected: str) -> None:
    assert _problems(tmp_path, *edits) == expected.split("\n")


def test_a_misspelt_key_and_a_bad_canary_are_refused_with_their_line(tmp_path: Path) -> None:
    got = _problems(tmp_path, ("bake_minutes: 10}", "bake_minutes: 10, percnt: 5}"), ("percent: 20,", "percent: 100,"))
    assert len(got) == 2, got
    assert all(g.startswith("canary: {endpoint: scoring, percent: 100") for g in got), got
    assert any('pipeline.canary.percnt: unknown key "percnt"; did you mean "percent"?' in g for g in got), got
    assert any("pipeline.canary.percent:" in g and "less than 100" in g for g in got), got


# --- the pipeline ---------------------------------------------------------------------------------------


def test_the_stages_are_in_order(main: dict) -> None:
    pipeline = _pipeline(main)
    assert s(pipeline["pipeline_type"]) == "V2"
    assert [s(st["name"]) for st, _ in _stages(main)] == STAGES
    # The second approval and the promotion are counted by canary.full_promotion; the rest always run.
    assert [when for _, when in _stages(main)] == [None] * 6 + ["${local.promotion}"] * 2
    [locals_] = main["locals"]
    assert locals_["promotion"] == '${var.canary.full_promotion ? ["promote"] : []}'
    actions = _actions(main)
    assert [(s(a["category"]), s(a["provider"])) for a in actions.values()] == [
        ("Source", "CodeStarSourceConnection"),
        ("Build", "CodeBuild"),
        ("Build", "CodeBuild"),
        ("Approval", "Manual"),
        ("Build", "CodeBuild"),
        ("Build", "CodeBuild"),
        ("Approval", "Manual"),
        ("Build", "CodeBuild"),
    ]
    # Each CodeBuild stage runs its own project, and each project its own role.
    for stage in BUILD_STAGES:
        assert actions[stage.capitalize()]["configuration"]["ProjectName"] == f"${{aws_codebuild_project.{stage}.name}}"
        project = blocks(main, "resource")[f"aws_codebuild_project.{stage}"]
        assert project["service_role"] == f"${{aws_iam_role.{stage}.arn}}"


def test_apply_consumes_the_plan_stages_artifact_and_nothing_else(main: dict, out: Path) -> None:
    actions = _actions(main)
    plan_out = [s(a) if a.startswith('"') else a for a in actions["Plan"]["output_artifacts"]]
    apply_in = [s(a) if a.startswith('"') else a for a in actions["Apply"]["input_artifacts"]]
    # The plan's artifact is Apply's primary source (its working folder); the commit's source comes beside
    # it only for the config the tree is checked against.
    assert plan_out == ["plan"] and apply_in == ["plan", "source"]
    assert s(actions["Apply"]["configuration"]["PrimarySource"]) == "plan"
    # No other stage produces an artifact named plan, and Apply re-plans nothing.
    produced = [a for name, act in actions.items() if name != "Plan" for a in act.get("output_artifacts", [])]
    assert not any("plan" in a for a in produced)
    apply = yaml.safe_load((out / "modules" / "pipeline" / "buildspec-apply.yml").read_text(encoding="utf-8"))
    commands = [c for phase in apply["phases"].values() for c in phase.get("commands", [])]
    assert (
        'mlinfra deploy "${CODEBUILD_SRC_DIR_source}/${MLINFRA_CONFIG}" --from-plan --auto-approve -o "${CODEBUILD_SRC_DIR}"'
        in commands
    )
    assert not any("terraform plan" in c or "terraform apply" in c or "mlinfra render" in c or "--plan-only" in c for c in commands)
    plan = yaml.safe_load((out / "modules" / "pipeline" / "buildspec-plan.yml").read_text(encoding="utf-8"))
    plan_commands = [c for phase in plan["phases"].values() for c in phase.get("commands", [])]
    assert 'mlinfra deploy "${MLINFRA_CONFIG}" --plan-only -o build/terraform' in plan_commands
    assert "terraform -chdir=build/terraform show -no-color mlinfra.tfplan > build/terraform/plan.txt" in plan_commands
    assert plan["artifacts"]["base-directory"] == "build/terraform"


def test_full_promotion_false_counts_the_second_approval_and_promote_out(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("bake_minutes: 10}", "bake_minutes: 10, full_promotion: false}")
    out = configs.render(configs.write_config(tmp_path, text, "mlinfra.yaml"), tmp_path / "out")
    assert call(load_tree(out), "pipeline")["canary"]["full_promotion"] is False
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "| Canary |" in readme and "| ApprovePromotion |" not in readme and "| Promote |" not in readme


def test_the_approval_notifies_the_topic_with_the_summary(main: dict) -> None:
    approval = _actions(main)["Approval"]["configuration"]
    assert approval["NotificationArn"] == "${local.approval_topic_arn}"
    assert "#{PlanVariables.PLAN_SUMMARY}" in approval["CustomData"]
    assert "plans/#{SourceVariables.CommitId}/plan.txt" in approval["ExternalEntityLink"]


def test_the_created_connection_is_pending_github_and_an_existing_one_is_used(main: dict, tmp_path: Path) -> None:
    connection = blocks(main, "resource")["aws_codestarconnections_connection.this"]
    assert s(connection["provider_type"]) == "GitHub" and connection["count"] == "${local.created_connection}"
    arn = "arn:aws:codeconnections:eu-west-1:123456789012:connection/0f3c1a2b-1234-4abc-9def-0123456789ab"
    out = configs.render(
        configs.write_config(
            tmp_path,
            configs.edit(
                EXAMPLE.read_text(encoding="utf-8"),
                ("branch: main}\n", f"branch: main}}\n    connection_arn: {arn}\n"),
            ),
            "mlinfra.yaml",
        ),
        tmp_path / "out",
    )
    assert s(call(load_tree(out), "pipeline")["github"]["connection_arn"]) == arn


def test_the_model_approval_trigger_matches_the_registrys_group(main: dict, tree: dict) -> None:
    rule = blocks(main, "resource")["aws_cloudwatch_event_rule.model_approved"]
    pattern = rule["event_pattern"]
    assert "SageMaker Model Package State Change" in pattern and '"Approved"' in pattern
    assert "var.model_package_group_name" in pattern
    assert call(tree, "pipeline")["model_package_group_name"] == "${module.registry.model_package_group_name}"
    assert call(tree, "pipeline")["trigger_on_model_approval"] is True


def test_the_artifact_bucket_is_encrypted_with_the_platform_key_tls_only_and_private(main: dict, tree: dict) -> None:
    resources = blocks(main, "resource")
    sse = resources["aws_s3_bucket_server_side_encryption_configuration.artifacts"]["rule"][0]
    assert sse["apply_server_side_encryption_by_default"][0]["kms_master_key_id"] == "${var.kms_key_arn}"
    assert call(tree, "pipeline")["kms_key_arn"] == "${module.kms.key_arn}"
    pab = resources["aws_s3_bucket_public_access_block.artifacts"]
    assert all(
        pab[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    deny = blocks(main, "data")["aws_iam_policy_document.artifacts_bucket"]["statement"][0]
    assert s(deny["effect"]) == "Deny" and deny["condition"][0]["variable"] == '"aws:SecureTransport"'
    store = _pipeline(main)["artifact_store"][0]
    assert store["encryption_key"][0]["id"] == "${var.kms_key_arn}"
    for stage in BUILD_STAGES:
        assert resources[f"aws_codebuild_project.{stage}"]["encryption_key"] == "${var.kms_key_arn}"


# --- roles ----------------------------------------------------------------------------------------------


def _actions_of(role: str) -> set[str]:
    return {a for st in stage_statements()[role] for a in st.actions}


def test_no_role_has_a_star_action() -> None:
    for role, statements in {**stage_statements(), "vpc": VPC_STATEMENTS}.items():
        for st in statements:
            for action in st.actions:
                assert action != "*" and not action.endswith(":*"), (role, st.sid, action)


def test_each_role_gets_what_its_stage_needs() -> None:
    build, plan, apply, canary, promote = (_actions_of(r) for r in BUILD_STAGES)
    # Build pushes the image; it touches neither the state nor the platform.
    assert {"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:GetAuthorizationToken"} <= build
    assert not any(a.startswith(("iam:", "sagemaker:", "dynamodb:")) for a in build)
    assert not any(a.startswith("s3:") and a not in ("s3:GetObject", "s3:GetObjectVersion") for a in build)
    # Plan reads: no verb that writes, but its artifact and the state lock.
    writes = ("Create", "Delete", "Put", "Update", "Attach", "Detach", "Tag", "Untag", "Pass", "Add", "Remove")
    plan_writes = {a for a in plan if a.split(":")[1].startswith(writes)} - {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    assert plan_writes == {"s3:PutObject", "s3:DeleteObject"}, plan_writes
    statements = {st.sid: st for st in stage_statements()["plan"]}
    assert [str(r) for r in statements["StateLock"].resources] and "ReadState" in statements
    assert "WriteState" not in statements and statements["ReadState"].actions == ("s3:GetObject",)
    # Apply writes; it may pass only the platform's roles, to the services that run as them.
    assert {"sagemaker:Create*", "iam:CreateRole", "iam:PassRole"} <= apply
    apply_st = {st.sid: st for st in stage_statements()["apply"]}
    passing = apply_st["PassRoles"]
    assert passing.actions == ("iam:PassRole",) and passing.conditions[0][1] == "iam:PassedToService"
    assert "*" not in passing.resources and "var.prefix" in repr(passing.resources)
    assert "WriteState" in apply_st
    # Canary shifts one endpoint's traffic and reads its alarms; nothing else of the platform.
    assert canary - {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "kms:Decrypt",
    } == {
        "sagemaker:DescribeEndpoint",
        "sagemaker:UpdateEndpointWeightsAndCapacities",
        "sagemaker:DescribeEndpointConfig",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:GetMetricData",
    }
    # Promote makes one more weight shift on the same endpoint: the canary's calls, no more.
    assert promote == canary
    # Only Apply passes roles.
    assert all("iam:PassRole" not in _actions_of(r) for r in ("pipeline", "build", "plan", "canary", "promote", "trigger"))
    assert _actions_of("trigger") == {"codepipeline:StartPipelineExecution"}


def test_the_rendered_policies_are_the_stages_statements(main: dict) -> None:
    data = blocks(main, "data")
    for role in (*BUILD_STAGES, "pipeline", "trigger"):
        rendered = [s(st["sid"]) for st in data[f"aws_iam_policy_document.{role}"]["statement"]]
        assert rendered == [st.sid for st in stage_statements()[role]], role
    roles = blocks(main, "resource")
    assert {k for k in roles if k.startswith("aws_iam_role.")} == {
        f"aws_iam_role.{r}" for r in (*BUILD_STAGES, "pipeline", "trigger")
    }


def test_codebuild_runs_in_the_private_subnets_of_an_existing_vpc(tmp_path: Path) -> None:
    network = "network:\n  vpc_id: vpc-0a1b2c3d4e5f67890\n  private_subnet_ids: [subnet-0a1b2c3d4e5f67890, subnet-0f9e8d7c6b5a43210]\n"
    text = EXAMPLE.read_text(encoding="utf-8") + network
    out = configs.render(configs.write_config(tmp_path, text, "mlinfra.yaml"), tmp_path / "out")
    vpc = call(load_tree(out), "pipeline")["vpc_config"]
    assert vpc["subnet_ids"] == "${module.network.private_subnet_ids}"
    assert vpc["vpc_id"] == "${module.network.vpc_id}"
    [group] = vpc["security_group_ids"]
    assert group.startswith("${module.network.") and "pipeline" in group
    main = load_tree(out)["modules/pipeline"]["main.tf"]
    attached = blocks(main, "resource")["aws_iam_role_policy.build_vpc"]
    assert attached["count"] == "${local.in_vpc}" and attached["policy"] == "${data.aws_iam_policy_document.vpc.json}"


def test_codebuild_runs_outside_a_vpc_mlinfra_creates(tmp_path: Path) -> None:
    """A created VPC has no route out, and the stages need one (PyPI, releases.hashicorp.com, IAM)."""
    network = "network:\n  create:\n    cidr: 10.20.0.0/16\n    private_subnets: [10.20.1.0/24, 10.20.2.0/24]\n"
    text = EXAMPLE.read_text(encoding="utf-8") + network
    out = configs.render(configs.write_config(tmp_path, text, "mlinfra.yaml"), tmp_path / "out")
    assert call(load_tree(out), "pipeline")["vpc_config"] is None


# --- buildspecs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", BUILD_STAGES)
def test_buildspecs_are_yaml_with_codebuilds_phases_read_with_file(stage: str, main: dict, out: Path) -> None:
    path = out / "modules" / "pipeline" / f"buildspec-{stage}.yml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert spec["version"] == 0.2
    assert list(spec["phases"]) == ["install", "pre_build", "build", "post_build"]
    assert all(isinstance(c, str) and c for phase in spec["phases"].values() for c in phase["commands"])
    project = blocks(main, "resource")[f"aws_codebuild_project.{stage}"]
    assert project["source"][0]["buildspec"] == f'${{file("${{path.module}}/buildspec-{stage}.yml")}}'
    # Every variable a buildspec reads is set by its project or by the pipeline (COMMIT_ID).
    text = path.read_text(encoding="utf-8")
    # CodeBuild's own: the primary source's folder and each secondary one's (CODEBUILD_SRC_DIR_<artifact>).
    codebuild = {"CODEBUILD_SRC_DIR", *(f"CODEBUILD_SRC_DIR_{a}" for a in ("source", "plan"))}
    used = set(re.findall(r"\$\{([A-Za-z_]+)", text)) - {"PLAN_SUMMARY"} - codebuild
    given = {s(e["name"]) for e in project["environment"][0].get("environment_variable", [])}
    action = _actions(main)[stage.capitalize()]["configuration"]
    if "EnvironmentVariables" in action:
        given |= {"COMMIT_ID"}
    assert used <= given, used - given


def test_the_build_stage_runs_tests_validate_render_check_and_pushes_by_commit(out: Path) -> None:
    spec = yaml.safe_load((out / "modules" / "pipeline" / "buildspec-build.yml").read_text(encoding="utf-8"))
    commands = [c for phase in spec["phases"].values() for c in phase["commands"]]
    assert any("pytest" in c for c in commands)
    assert 'mlinfra validate "${MLINFRA_CONFIG}"' in commands
    assert 'mlinfra render "${MLINFRA_CONFIG}" --check' in commands
    assert 'docker push "${IMAGE_REPOSITORY_URL}:${COMMIT_ID}"' in commands
    canary = yaml.safe_load((out / "modules" / "pipeline" / "buildspec-canary.yml").read_text(encoding="utf-8"))
    assert any(
        '--canary "${CANARY_PERCENT}" --bake "${BAKE_MINUTES}m"' in c
        for p in canary["phases"].values()
        for c in p["commands"]
    )
