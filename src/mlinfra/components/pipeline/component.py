"""The model deployment pipeline: CodePipeline (V2) Source → Build → Plan → Approval → Apply → Canary
(→ ApprovePromotion → Promote, with canary.full_promotion).

The module's text is the same for every project: the config's values (names, the repository, the state,
the approvers, the canary) are the arguments of its call. The stages' commands are the buildspecs,
files of the module (``buildspec-<stage>.yml``) that the CodeBuild projects read with ``file()``; what
differs between projects reaches them as environment variables of the projects, never as text spliced
into YAML.

Each stage that runs commands has its own CodeBuild project and role, built here as data (tests read
them): Build pushes the image; Plan reads the platform and the state and writes the lock; Apply writes;
Canary shifts one endpoint's weights. Apply's input is the Plan stage's output artifact, the rendered tree
with its saved plan, applied as it is by ``mlinfra deploy --from-plan`` (which also catches a silent
rollback of an endpoint update and keeps live counts and weights, as a deploy at a terminal does).
"""

from __future__ import annotations

from collections.abc import Mapping

from ...core.arns import ACCOUNT, PARTITION, REGION
from ...core.component import (
    AWS,
    Component,
    Export,
    Input,
    ModuleContext,
    Output,
    PlanRequest,
    ReadmeSection,
    RootOutput,
    Sinks,
    Wire,
    object_type,
)
from ...expr import NULL, Interp, Ref, or_null, plain_number
from ...plan.parts import Statement
from .plan import BUILD_STAGES, PipelinePlan, pipeline_plan

KEY = Ref("var.kms_key_arn")
BUCKET = Ref("aws_s3_bucket.artifacts.arn")
OBJECTS = Interp(BUCKET, "/*")


def _cat(*parts: str | Ref | Interp) -> Interp:
    """One template string of the parts (an Interp holds strings and references, not other Interps)."""
    return Interp(*(q for p in parts for q in (p.parts if isinstance(p, Interp) else (p,))))


def _logs(stage: str) -> Statement:
    return Statement(
        "Logs",
        ("logs:CreateLogStream", "logs:PutLogEvents"),
        (Interp(Ref(f"aws_cloudwatch_log_group.{stage}.arn"), ":*"),),
    )


#: CodePipeline keeps a run's artifacts under <first 20 characters of the pipeline's name>/<artifact>/.
RUN_ARTIFACTS = Interp(BUCKET, "/", Ref("local.artifact_prefix"), "/*")


def _artifacts(write: bool) -> tuple[Statement, ...]:
    read = Statement("ReadArtifacts", ("s3:GetObject", "s3:GetObjectVersion"), (RUN_ARTIFACTS,))
    put = Statement(
        "WriteArtifacts",
        ("s3:PutObject",),
        (Interp(BUCKET, "/", Ref("local.artifact_prefix"), "/plan/*"), Interp(BUCKET, "/plans/*")),
        comment="the plan artifact, and its summary where the approval links to it",
    )
    crypt = Statement(
        "ArtifactKey",
        ("kms:Decrypt", "kms:GenerateDataKey") if write else ("kms:Decrypt",),
        (KEY,),
        comment="artifacts and logs are encrypted with the platform key",
    )
    return (read, put, crypt) if write else (read, crypt)


#: Services whose objects the platform's Terraform reads at plan time (every component's resource kinds).
_READ_SERVICES = (
    "application-autoscaling",
    "cloudfront",
    "cloudwatch",
    "codebuild",
    "codeconnections",
    "codepipeline",
    "codestar-connections",
    "dynamodb",
    "ecr",
    "elasticache",
    "events",
    "iam",
    "kms",
    "lambda",
    "logs",
    "sagemaker",
    "scheduler",
    "sns",
    "sqs",
    "states",
    "wafv2",
)
_S3_READ = (
    "s3:GetAccelerateConfiguration",
    "s3:GetBucket*",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:ListAllMyBuckets",
)


def _state(lock_write: bool, state_write: bool) -> tuple[Statement, ...]:
    bucket = Interp("arn:", PARTITION, ":s3:::", Ref("var.state.bucket"))
    key = _cat(bucket, "/", Ref("var.state.key"))
    out = [
        Statement("ListState", ("s3:ListBucket",), (bucket,)),
        Statement(
            "WriteState" if state_write else "ReadState",
            ("s3:GetObject", "s3:PutObject") if state_write else ("s3:GetObject",),
            (key,),
        ),
    ]
    if lock_write:
        out.append(
            Statement(
                "StateLock",
                ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
                (_cat(key, ".tflock"),),
                comment="S3-native locking writes <key>.tflock next to the state, even to plan",
            )
        )
    return tuple(out)


#: The platform's objects, by ARN: this region and account, and the account's global ones (IAM, CloudFront).
_PLATFORM = (
    Interp("arn:", PARTITION, ":*:", REGION, ":", ACCOUNT, ":*"),
    Interp("arn:", PARTITION, ":iam::", ACCOUNT, ":*"),
    Interp("arn:", PARTITION, ":cloudfront::", ACCOUNT, ":*"),
)


def _read_platform() -> tuple[Statement, ...]:
    return (
        Statement(
            "ReadPlatform",
            tuple(sorted(f"{s}:{verb}*" for s in _READ_SERVICES for verb in ("Describe", "Get", "List"))),
            _PLATFORM,
            comment="terraform plan refreshes every object of the platform: read verbs only, this account's objects",
        ),
        Statement(
            "ReadNetwork",
            ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"),
            ("*",),
            comment="EC2's Describe calls take no resource ARN",
        ),
        Statement("ReadBuckets", _S3_READ, (Interp("arn:", PARTITION, ":s3:::*"),)),
        Statement("ReadApis", ("apigateway:GET",), (Interp("arn:", PARTITION, ":apigateway:", REGION, "::/*"),)),
        Statement(
            "ReadSecrets",
            ("secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:GetSecretValue"),
            (Interp("arn:", PARTITION, ":secretsmanager:", REGION, ":", ACCOUNT, ":secret:", Ref("var.prefix"), "-*"),),
            comment="a secret version's refresh reads its value: the platform's own secrets only",
        ),
        Statement(
            "Identity", ("sts:GetCallerIdentity",), ("*",), comment="the modules' aws_caller_identity: no resource ARN"
        ),
    )


_WRITE_SERVICES = {
    "application-autoscaling": (
        "DeleteScalingPolicy",
        "DeregisterScalableTarget",
        "PutScalingPolicy",
        "RegisterScalableTarget",
        "TagResource",
        "UntagResource",
    ),
    "cloudwatch": (
        "DeleteAlarms",
        "DeleteDashboards",
        "PutDashboard",
        "PutMetricAlarm",
        "TagResource",
        "UntagResource",
    ),
    "codebuild": ("CreateProject", "DeleteProject", "UpdateProject"),
    "codepipeline": ("CreatePipeline", "DeletePipeline", "TagResource", "UntagResource", "UpdatePipeline"),
    "codestar-connections": ("CreateConnection", "DeleteConnection", "TagResource", "UntagResource"),
    "dynamodb": (
        "CreateTable",
        "DeleteTable",
        "TagResource",
        "UntagResource",
        "UpdateContinuousBackups",
        "UpdateTable",
        "UpdateTimeToLive",
    ),
    "ec2": ("Associate*", "Authorize*", "Create*", "Delete*", "Disassociate*", "Modify*", "Revoke*"),
    "ecr": (
        "CreateRepository",
        "DeleteLifecyclePolicy",
        "DeleteRepository",
        "PutImageScanningConfiguration",
        "PutImageTagMutability",
        "PutLifecyclePolicy",
        "TagResource",
        "UntagResource",
    ),
    "elasticache": (
        "AddTagsToResource",
        "CreateReplicationGroup",
        "CreateCacheSubnetGroup",
        "DeleteCacheSubnetGroup",
        "DeleteReplicationGroup",
        "ModifyReplicationGroup",
        "RemoveTagsFromResource",
    ),
    "events": ("DeleteRule", "PutRule", "PutTargets", "RemoveTargets", "TagResource", "UntagResource"),
    "kms": (
        "CreateAlias",
        "CreateGrant",
        "DeleteAlias",
        "EnableKeyRotation",
        "PutKeyPolicy",
        "ScheduleKeyDeletion",
        "TagResource",
        "UntagResource",
        "UpdateAlias",
        "UpdateKeyDescription",
    ),
    "lambda": (
        "AddPermission",
        "CreateFunction",
        "DeleteFunction",
        "PutFunctionConcurrency",
        "RemovePermission",
        "TagResource",
        "UntagResource",
        "UpdateFunctionCode",
        "UpdateFunctionConfiguration",
    ),
    "logs": (
        "CreateLogGroup",
        "DeleteLogGroup",
        "DeleteRetentionPolicy",
        "PutRetentionPolicy",
        "AssociateKmsKey",
        "TagResource",
        "UntagResource",
    ),
    "sagemaker": ("AddTags", "Create*", "Delete*", "DeleteTags", "Update*"),
    "scheduler": ("CreateSchedule", "DeleteSchedule", "TagResource", "UntagResource", "UpdateSchedule"),
    "sns": (
        "CreateTopic",
        "DeleteTopic",
        "SetTopicAttributes",
        "Subscribe",
        "TagResource",
        "Unsubscribe",
        "UntagResource",
    ),
    "states": ("CreateStateMachine", "DeleteStateMachine", "TagResource", "UntagResource", "UpdateStateMachine"),
}


def _write_platform() -> tuple[Statement, ...]:
    role = Interp("arn:", PARTITION, ":iam::", ACCOUNT, ":role/", Ref("var.prefix"), "-*")
    return (
        Statement(
            "WritePlatform",
            tuple(sorted(f"{s}:{a}" for s, actions in _WRITE_SERVICES.items() for a in actions)),
            (Interp("arn:", PARTITION, ":*:", REGION, ":", ACCOUNT, ":*"),),
            comment="the platform's objects of this region and account",
        ),
        Statement(
            "CreateKeys",
            ("kms:CreateKey",),
            ("*",),
            comment="a key has no ARN before it exists: CreateKey takes no resource",
        ),
        Statement(
            "WriteBuckets",
            (
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:DeleteBucketPolicy",
                "s3:PutAccelerateConfiguration",
                "s3:PutBucket*",
                "s3:PutEncryptionConfiguration",
                "s3:PutLifecycleConfiguration",
            ),
            (Interp("arn:", PARTITION, ":s3:::", Ref("var.prefix"), "-*"), Interp("arn:", PARTITION, ":s3:::*")),
        ),
        Statement(
            "WriteApis",
            ("apigateway:DELETE", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT"),
            (Interp("arn:", PARTITION, ":apigateway:", REGION, "::/*"),),
        ),
        Statement(
            "WriteRoles",
            (
                "iam:AttachRolePolicy",
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:PutRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
            ),
            (role,),
            comment="the platform's roles, all named <project>-<environment>-...",
        ),
        Statement(
            "PassRoles",
            ("iam:PassRole",),
            (role,),
            (("StringEquals", "iam:PassedToService", _PASSED_TO),),
            comment="the platform's roles, to the services that run as them",
        ),
    )


_PASSED_TO = tuple(
    f"{s}.amazonaws.com"
    for s in ("apigateway", "codebuild", "codepipeline", "events", "lambda", "sagemaker", "scheduler", "states")
)


def _shift() -> tuple[Statement, ...]:
    """What ``mlinfra promote`` calls on the canary's endpoint: its weights, its configuration, its alarms."""
    endpoint = Interp(
        "arn:", PARTITION, ":sagemaker:", REGION, ":", ACCOUNT, ":endpoint/", Ref("var.canary.endpoint_name")
    )
    return (
        *_artifacts(write=False),
        Statement(
            "ShiftTraffic",
            ("sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities"),
            (endpoint,),
        ),
        Statement(
            "ReadEndpointConfig",
            ("sagemaker:DescribeEndpointConfig",),
            (
                Interp(
                    "arn:",
                    PARTITION,
                    ":sagemaker:",
                    REGION,
                    ":",
                    ACCOUNT,
                    ":endpoint-config/",
                    Ref("var.canary.endpoint_name"),
                    "*",
                ),
            ),
        ),
        Statement(
            "ReadAlarms",
            ("cloudwatch:DescribeAlarms",),
            (Interp("arn:", PARTITION, ":cloudwatch:", REGION, ":", ACCOUNT, ":alarm:*"),),
            comment="the gate reads the alarms that guard the endpoint",
        ),
        Statement("ReadMetrics", ("cloudwatch:GetMetricData",), ("*",), comment="GetMetricData takes no resource"),
    )


def stage_statements() -> dict[str, tuple[Statement, ...]]:
    """Each role's statements, by role: the pipeline's own, the CodeBuild stages', the trigger's.

    In the module's terms (its variables, locals and resources); the VPC statements of the CodeBuild
    roles are a policy of their own, counted by ``local.in_vpc``."""
    repository = Ref("var.repository_arn")
    projects = tuple(Ref(f"aws_codebuild_project.{s}.arn") for s in BUILD_STAGES)
    return {
        "pipeline": (
            Statement(
                "Artifacts",
                ("s3:GetBucketVersioning", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),
                (BUCKET, OBJECTS),
            ),
            Statement(
                "ArtifactKey",
                ("kms:Decrypt", "kms:GenerateDataKey"),
                (KEY,),
                comment="artifacts, and the approval topic's messages",
            ),
            Statement("RunStages", ("codebuild:BatchGetBuilds", "codebuild:StartBuild"), projects),
            Statement(
                "UseConnection",
                ("codeconnections:UseConnection", "codestar-connections:UseConnection"),
                (Ref("local.connection_arn"),),
                comment="a connection's ARN keeps its codestar-connections service name; IAM checks either",
            ),
            Statement("NotifyApprovers", ("sns:Publish",), (Ref("local.approval_topic_arn"),)),
        ),
        "build": (
            _logs("build"),
            *_artifacts(write=False),
            Statement(
                "EcrLogin", ("ecr:GetAuthorizationToken",), ("*",), comment="GetAuthorizationToken takes no resource"
            ),
            Statement(
                "PushImage",
                (
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:CompleteLayerUpload",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:InitiateLayerUpload",
                    "ecr:PutImage",
                    "ecr:UploadLayerPart",
                ),
                (repository,),
            ),
        ),
        "plan": (
            _logs("plan"),
            *_artifacts(write=True),
            *_state(lock_write=True, state_write=False),
            *_read_platform(),
        ),
        "apply": (
            _logs("apply"),
            *_artifacts(write=False),
            *_state(lock_write=True, state_write=True),
            *_read_platform(),
            *_write_platform(),
        ),
        "canary": (_logs("canary"), *_shift()),
        # The same calls as the canary's: all traffic to the variant is one more weight shift.
        "promote": (_logs("promote"), *_shift()),
        "trigger": (
            Statement("StartPipeline", ("codepipeline:StartPipelineExecution",), (Ref("aws_codepipeline.this.arn"),)),
        ),
    }


#: What a CodeBuild project needs to run in the VPC's subnets (AWS's documented policy): the ENI calls
#: take no resource, CreateNetworkInterfacePermission is scoped to CodeBuild in this account's subnets.
VPC_STATEMENTS = (
    Statement(
        "NetworkInterfaces",
        (
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeDhcpOptions",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
        ),
        ("*",),
        comment="the ENI calls take no resource ARN",
    ),
    Statement(
        "NetworkInterfacePermission",
        ("ec2:CreateNetworkInterfacePermission",),
        (Interp("arn:", PARTITION, ":ec2:", REGION, ":", ACCOUNT, ":network-interface/*"),),
        (("StringEquals", "ec2:AuthorizedService", ("codebuild.amazonaws.com",)),),
    ),
)


#: Terraform that the Plan and Apply stages install (S3-native state locking needs 1.10 or later).
TERRAFORM_VERSION = "1.10.5"

_CONFIG = Ref("var.build.config_path")
_MLINFRA = Ref("var.build.mlinfra_version")

#: The CodeBuild projects, in stage order: what each runs (its buildspec), its environment, its limits.
PROJECTS: tuple[dict[str, object], ...] = (
    {
        "stage": "build",
        "summary": "Build: unit tests, mlinfra validate and render --check, the image built and pushed tagged by commit.",
        "privileged": True,
        "timeout": 60,
        "environment": {
            "DOCKERFILE": Ref("var.build.dockerfile"),
            "IMAGE_REPOSITORY_URL": Ref("var.repository_url"),
            "MLINFRA_CONFIG": _CONFIG,
            "MLINFRA_VERSION": _MLINFRA,
        },
        "skips": (),
    },
    {
        "stage": "plan",
        "summary": "Plan: mlinfra deploy --plan-only of the platform; the rendered tree, its saved plan and its summary are the artifact.",
        "privileged": False,
        "timeout": 30,
        "environment": {
            "ARTIFACT_BUCKET": Ref("aws_s3_bucket.artifacts.bucket"),
            "MLINFRA_CONFIG": _CONFIG,
            "MLINFRA_VERSION": _MLINFRA,
            "TERRAFORM_VERSION": TERRAFORM_VERSION,
        },
        "skips": (("CKV_AWS_356", "terraform plan refreshes every object of the platform: read verbs only"),),
    },
    {
        "stage": "apply",
        "summary": "Apply: mlinfra deploy --from-plan of the Plan stage's saved plan, exactly as approved.",
        "privileged": False,
        "timeout": 120,
        "environment": {"MLINFRA_CONFIG": _CONFIG, "MLINFRA_VERSION": _MLINFRA, "TERRAFORM_VERSION": TERRAFORM_VERSION},
        "skips": (
            ("CKV_AWS_356", "terraform apply creates the platform's objects, whose ARNs do not exist before"),
            ("CKV_AWS_111", "writes are limited to this region and account, roles to the platform's name prefix"),
            ("CKV_AWS_109", "key policies and roles of the platform are its Terraform's to manage"),
        ),
    },
    {
        "stage": "canary",
        "summary": "Canary: mlinfra promote --variant --canary, baked and gated on the endpoint's alarms.",
        "privileged": False,
        "timeout": 120,
        "environment": {
            "BAKE_MINUTES": Ref("var.canary.bake_minutes"),
            "CANARY_ENDPOINT": Ref("var.canary.endpoint"),
            "CANARY_PERCENT": Ref("var.canary.percent"),
            "CANARY_VARIANT": Ref("var.canary.variant"),
            "MLINFRA_CONFIG": _CONFIG,
            "MLINFRA_VERSION": _MLINFRA,
        },
        "skips": (),
    },
)
PROJECTS += (
    {
        "stage": "promote",
        "summary": "Promote: mlinfra promote --full, after the second approval, gated on the endpoint's alarms.",
        "privileged": False,
        "timeout": 60,
        "environment": {
            "CANARY_ENDPOINT": Ref("var.canary.endpoint"),
            "CANARY_VARIANT": Ref("var.canary.variant"),
            "MLINFRA_CONFIG": _CONFIG,
            "MLINFRA_VERSION": _MLINFRA,
        },
        "skips": (),
    },
)
assert tuple(p["stage"] for p in PROJECTS) == BUILD_STAGES


def _codebuild(stage: str, inputs: list[str], outputs: list[str], namespace: str, env: str = "") -> dict[str, object]:
    configuration: dict[str, object] = {"ProjectName": Ref(f"aws_codebuild_project.{stage}.name")}
    if env:
        configuration["EnvironmentVariables"] = env
    if len(inputs) > 1:
        # CodeBuild runs in the first input's folder (CODEBUILD_SRC_DIR); each other one is in
        # CODEBUILD_SRC_DIR_<artifact name>.
        configuration["PrimarySource"] = inputs[0]
    return {
        "name": stage.capitalize(),
        "category": "Build",
        "provider": "CodeBuild",
        "namespace": namespace,
        "inputs": inputs,
        "outputs": outputs,
        "configuration": configuration,
    }


def pipeline_stages() -> list[dict[str, object]]:
    """The pipeline's stages in order, one action each; Apply's primary input is Plan's output, ``plan``."""
    commit = '[{"name":"COMMIT_ID","type":"PLAINTEXT","value":"#{SourceVariables.CommitId}"}]'
    summary = Interp(
        "https://console.aws.amazon.com/s3/object/",
        Ref("aws_s3_bucket.artifacts.bucket"),
        "?prefix=plans/#{SourceVariables.CommitId}/plan.txt",
    )
    return [
        {
            "name": "Source",
            "category": "Source",
            "provider": "CodeStarSourceConnection",
            "namespace": "SourceVariables",
            "inputs": [],
            "outputs": ["source"],
            "configuration": {
                "BranchName": Ref("var.github.branch"),
                "ConnectionArn": Ref("local.connection_arn"),
                "FullRepositoryId": Ref("var.github.repository"),
                "OutputArtifactFormat": "CODE_ZIP",
            },
        },
        _codebuild("build", ["source"], [], "", commit),
        _codebuild("plan", ["source"], ["plan"], "PlanVariables", commit),
        {
            "name": "Approval",
            "category": "Approval",
            "provider": "Manual",
            "namespace": "",
            "inputs": [],
            "outputs": [],
            "configuration": {
                "CustomData": "Review the Terraform plan of commit #{SourceVariables.CommitId}: #{PlanVariables.PLAN_SUMMARY} (linked). Approving applies exactly that plan.",
                "ExternalEntityLink": summary,
                "NotificationArn": Ref("local.approval_topic_arn"),
            },
        },
        # The approved plan, and the commit's config that deploy checks the plan's tree against.
        _codebuild("apply", ["plan", "source"], [], ""),
        _codebuild("canary", ["source"], [], ""),
        # Counted by canary.full_promotion (local.promotion: ["promote"] or []).
        {
            "name": "ApprovePromotion",
            "category": "Approval",
            "provider": "Manual",
            "namespace": "",
            "inputs": [],
            "outputs": [],
            "configuration": {
                "CustomData": Interp(
                    "The canary of commit #{SourceVariables.CommitId} held ",
                    Ref("var.canary.percent"),
                    " % of ",
                    Ref("var.canary.endpoint"),
                    " through its bake. Approving sends all of its traffic to ",
                    Ref("var.canary.variant"),
                    ".",
                ),
                "NotificationArn": Ref("local.approval_topic_arn"),
            },
            "when": Ref("local.promotion"),
            "comment": "The second approval: all traffic to the canary once a person has looked at it.",
        },
        {
            **_codebuild("promote", ["source"], [], ""),
            "when": Ref("local.promotion"),
            "comment": "The full promotion, gated on the endpoint's alarms.",
        },
    ]


def buildspecs() -> dict[str, str]:
    """The buildspecs, as the module folder holds them (``buildspec-<stage>.yml``)."""
    from ...render import templates_dir

    folder = templates_dir() / "modules" / "pipeline"
    return {f"buildspec-{s}.yml": (folder / f"buildspec-{s}.yml").read_text(encoding="utf-8") for s in BUILD_STAGES}


_SOURCE = object_type(repository="string", branch="string", connection_arn="string", connection_name="string")
_CANARY = object_type(
    endpoint="string",
    endpoint_name="string",
    variant="string",
    percent="number",
    bake_minutes="number",
    full_promotion="bool",
)
_STATE = object_type(bucket="string", key="string", lock_table="string")
_VPC = object_type(subnet_ids="list(string)", security_group_ids="list(string)")
_BUILD = object_type(dockerfile="string", config_path="string", mlinfra_version="string")


class PipelineComponent(Component):
    name = "pipeline"

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> PipelinePlan | None:
        return pipeline_plan(request)

    def contribute(self, part: PipelinePlan, sinks: Sinks) -> None:
        if part.in_vpc:
            sinks.security_groups.request("pipeline", "mlinfra deployment pipeline builds", by=self.name)

    def exports(self, part: PipelinePlan) -> list[Export]:
        return [
            Export(
                "pipeline.name",
                "pipeline",
                Output("pipeline_name", "Name of the deployment pipeline.", Ref("aws_codepipeline.this.name")),
            ),
            Export(
                "pipeline.connection_arn",
                "pipeline",
                Output(
                    "connection_arn",
                    "ARN of the repository connection (a new one is PENDING until completed in the console).",
                    Ref("local.connection_arn"),
                ),
            ),
        ]

    def modules(self, part: PipelinePlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        statements = stage_statements()
        return [
            ModuleContext(
                key="pipeline",
                template="pipeline",
                summary="The deployment pipeline: CodePipeline V2 (Source, Build, Plan, Approval, Apply, Canary, and ApprovePromotion and Promote when asked), one CodeBuild project and role per stage, the artifact bucket.",
                inputs={
                    "kms_key_arn": wire.need("kms.key_arn"),
                    "repository_arn": wire.need("registry.repository_arn"),
                    "repository_url": wire.need("registry.repository_url"),
                    "model_package_group_name": wire.need("registry.group_name"),
                    "name": Input(
                        part.name, "Name of the pipeline, and prefix of its projects, log groups, topic and rule."
                    ),
                    "global_name": Input(
                        part.global_name,
                        "Prefix of the pipeline's account-wide names (its roles; its artifact bucket, with the account ID): the name's with the region's code, so a second region of the account does not collide.",
                    ),
                    "prefix": Input(
                        part.name.removesuffix("-deploy"),
                        "The platform's name prefix (<project>-<environment>): the roles and secrets Apply and Plan may touch.",
                    ),
                    "github": Input(
                        {
                            "repository": part.repository,
                            "branch": part.branch,
                            "connection_arn": or_null(part.connection_arn),
                            "connection_name": part.connection_name,
                        },
                        "The GitHub repository (owner/name) and branch; connection_arn null: a connection named connection_name is created, PENDING until a person completes it.",
                        _SOURCE,
                    ),
                    "build": Input(
                        {
                            "dockerfile": part.dockerfile,
                            "config_path": part.config_path,
                            "mlinfra_version": part.mlinfra_version,
                        },
                        "The image's Dockerfile and the platform config, paths in the repository; the mlinfra version the stages install.",
                        _BUILD,
                    ),
                    "state": Input(
                        {
                            "bucket": part.state.bucket,
                            "key": part.state.key,
                            "lock_table": or_null(part.state.lock_table),
                        },
                        "The Terraform state the Plan and Apply stages share (S3 backend).",
                        _STATE,
                    ),
                    "approver_emails": Input(
                        list(part.approver_emails),
                        "Addresses the manual approval notifies (a topic of the pipeline's own); empty: approval_topic_arn.",
                        "list(string)",
                    ),
                    "approval_topic_arn": (
                        wire.need("alerts.topic_arn", "Topic the manual approval notifies (the platform's alerts).")
                        if part.alert_topic
                        else Input(
                            NULL,
                            "Topic the manual approval notifies when approver_emails is empty; null: the pipeline's own topic.",
                        )
                    ),
                    "canary": Input(
                        {
                            "endpoint": part.endpoint,
                            "endpoint_name": part.endpoint_name,
                            "variant": part.canary_variant,
                            "percent": plain_number(part.canary_percent),
                            "bake_minutes": part.bake_minutes,
                            "full_promotion": part.full_promotion,
                        },
                        "The endpoint the Canary stage promotes (its config name and SageMaker name), the variant that gets the canary's percentage of traffic, the bake in minutes, and whether a second approval then sends it all traffic.",
                        _CANARY,
                    ),
                    "trigger_on_model_approval": Input(
                        part.trigger_on_model_approval,
                        "Start the pipeline when a package of the registry's group is Approved.",
                        "bool",
                    ),
                    "vpc_config": Input(
                        {
                            "vpc_id": wire.ref("network.vpc_id"),
                            "subnet_ids": wire.ref("network.private_subnet_ids"),
                            "security_group_ids": [wire.ref("network.security_group.pipeline")],
                        }
                        if part.in_vpc
                        else NULL,
                        "VPC, subnets and security groups the CodeBuild projects run in; null outside a VPC.",
                        object_type(vpc_id="string", subnet_ids="list(string)", security_group_ids="list(string)"),
                    ),
                },
                outputs=(),
                values={
                    "statements": statements,
                    "vpc_statements": VPC_STATEMENTS,
                    "projects": PROJECTS,
                    "pipeline_stages": pipeline_stages(),
                },
                files=buildspecs(),
                providers=(AWS,),
                instances={
                    "local.created_connection": int(part.connection_arn is None),
                    "local.own_topic": int(not part.alert_topic),
                    "local.in_vpc": int(part.in_vpc),
                    "local.triggered": int(part.trigger_on_model_approval),
                    "local.approver_emails": len(part.approver_emails),
                },
            )
        ]

    def root_outputs(self, part: PipelinePlan) -> list[RootOutput]:
        return [
            RootOutput("pipeline_name", "Name of the deployment pipeline.", "pipeline.name"),
            RootOutput(
                "pipeline_connection_arn",
                "The repository connection: a new one is PENDING until completed in the console (Developer Tools > Connections).",
                "pipeline.connection_arn",
            ),
        ]

    def readme(self, part: PipelinePlan) -> list[ReadmeSection]:
        rows: tuple[tuple[str, str], ...] = (
            (
                "Source",
                f"{part.repository}@{part.branch}"
                + ("" if part.connection_arn else " (connection created PENDING: complete it in the console)"),
            ),
            (
                "Build",
                f"unit tests, mlinfra validate, mlinfra render --check, docker build of {part.dockerfile} pushed tagged by commit",
            ),
            ("Plan", "mlinfra deploy --plan-only; artifacts: the tree, its saved plan and its summary (plan.txt)"),
            ("Approval", "manual; the approvers are notified with the summary's location"),
            ("Apply", "mlinfra deploy --from-plan: the Plan stage's saved plan, nothing re-planned"),
            (
                "Canary",
                f"mlinfra promote --variant {part.canary_variant} --canary {plain_number(part.canary_percent)} --bake {part.bake_minutes}m on {part.endpoint}, gated on its alarms",
            ),
        )
        if part.full_promotion:
            rows += (
                ("ApprovePromotion", "manual; the approvers are asked to send all traffic to the canary"),
                (
                    "Promote",
                    f"mlinfra promote --variant {part.canary_variant} --full on {part.endpoint}, gated on its alarms",
                ),
            )
        return [ReadmeSection("Deployment pipeline", ("Stage", "What it does"), rows)]
