"""Resource plan → render context: one context per Terraform module, with nothing left to decide.

A context names the template folder that renders it, the module's variables and outputs (rendered by
shared templates), the root-module wiring (module arguments), and the plan objects its ``main.tf`` loops
over. References between objects are precomputed :class:`Ref` values, so templates never build
Terraform expressions out of strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..plan.model import EndpointPlan, PlatformPlan
from ..render.hcl import Ref


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Output:
    name: str
    description: str
    value: Ref
    sensitive: bool = False


@dataclass(frozen=True)
class ModuleContext:
    key: str  # module label in the root and folder under modules/
    template: str  # folder under templates/modules/
    summary: str  # one line for the root README
    inputs: dict[str, Ref]  # root-module arguments, sorted
    variables: tuple[Variable, ...]
    outputs: tuple[Output, ...]
    values: dict[str, object] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"./modules/{self.key}"

    def output(self, name: str) -> Ref:
        assert any(o.name == name for o in self.outputs), f"module {self.key} has no output {name}"
        return Ref(f"module.{self.key}.{name}")


@dataclass(frozen=True)
class RootContext:
    plan: PlatformPlan
    modules: tuple[ModuleContext, ...]
    outputs: tuple[Output, ...]
    resource_count: int


_KMS_ARN = Variable("kms_key_arn", "string", "ARN of the platform KMS key.")


def build_context(plan: PlatformPlan) -> RootContext:
    """Lay the plan out as modules and wire them together."""
    kms = ModuleContext(
        key="kms",
        template="kms",
        summary="The platform's customer-managed KMS key (rotation on) and its alias.",
        inputs={},
        variables=(),
        outputs=(
            Output("key_arn", "ARN of the platform KMS key.", Ref("aws_kms_key.this.arn")),
            Output("key_id", "ID of the platform KMS key.", Ref("aws_kms_key.this.key_id")),
            Output("alias_name", "Alias of the platform KMS key.", Ref("aws_kms_alias.this.name")),
        ),
        values={"alias": plan.kms_alias, "description": plan.kms_description},
    )
    modules = [kms]
    capture = None
    if plan.capture_bucket is not None:
        capture = ModuleContext(
            key="capture_bucket",
            template="capture_bucket",
            summary="The S3 bucket that receives SageMaker data capture (KMS-encrypted, private, TLS-only, expiring).",
            inputs={"kms_key_arn": kms.output("key_arn")},
            variables=(_KMS_ARN,),
            outputs=(
                Output("bucket", "Name of the data capture bucket.", Ref("aws_s3_bucket.this.bucket")),
                Output("arn", "ARN of the data capture bucket.", Ref("aws_s3_bucket.this.arn")),
            ),
            values={"bucket": plan.capture_bucket, "retention_days": plan.capture_retention_days},
        )
        modules.append(capture)

    role_inputs = {"kms_key_arn": kms.output("key_arn")}
    role_vars = [_KMS_ARN]
    if plan.role.needs_capture_bucket and capture is not None:
        role_inputs["capture_bucket_arn"] = capture.output("arn")
        role_vars.append(Variable("capture_bucket_arn", "string", "ARN of the data capture bucket; the role may write only below each endpoint's capture prefix."))
    role = ModuleContext(
        key="sagemaker_role",
        template="sagemaker_role",
        summary="The SageMaker execution role, granted exactly the model artifacts, images, capture prefixes and key it needs.",
        inputs=dict(sorted(role_inputs.items())),
        variables=tuple(sorted(role_vars, key=lambda v: v.name)),
        outputs=(
            Output("arn", "ARN of the SageMaker execution role.", Ref("aws_iam_role.this.arn")),
            Output("name", "Name of the SageMaker execution role.", Ref("aws_iam_role.this.name")),
        ),
        values={"role": plan.role},
    )
    modules.append(role)
    modules.extend(_endpoint_module(ep, kms, capture, role) for ep in plan.endpoints)

    outputs = [
        Output("kms_key_arn", "ARN of the platform KMS key.", kms.output("key_arn")),
        Output("sagemaker_execution_role_arn", "ARN of the SageMaker execution role.", role.output("arn")),
    ]
    if capture is not None:
        outputs.append(Output("capture_bucket", "Bucket receiving SageMaker data capture.", capture.output("bucket")))
    for mod in modules[3 if capture else 2 :]:
        outputs.append(Output(f"{mod.key}_name", f"Name of the SageMaker endpoint of module {mod.key}.", mod.output("endpoint_name")))
    return RootContext(plan=plan, modules=tuple(modules), outputs=tuple(outputs), resource_count=0)


def _endpoint_module(ep: EndpointPlan, kms: ModuleContext, capture: ModuleContext | None, role: ModuleContext) -> ModuleContext:
    inputs = {"execution_role_arn": role.output("arn"), "kms_key_arn": kms.output("key_arn")}
    variables = [
        Variable("execution_role_arn", "string", "ARN of the SageMaker execution role the models run as."),
        _KMS_ARN,
    ]
    if ep.capture is not None:
        assert capture is not None
        inputs["capture_bucket"] = capture.output("bucket")
        variables.append(Variable("capture_bucket", "string", "Name of the bucket that receives data capture."))
    outputs = [
        Output("endpoint_name", "Name of the SageMaker endpoint.", Ref("aws_sagemaker_endpoint.this.name")),
        Output("endpoint_arn", "ARN of the SageMaker endpoint.", Ref("aws_sagemaker_endpoint.this.arn")),
        Output("endpoint_config_name", "Name of the endpoint configuration in service (changes with its content).", Ref("aws_sagemaker_endpoint_configuration.this.name")),
    ]
    for alarm in ep.alarms:
        outputs.append(Output(f"{alarm.key}_alarm", f"Name of the alarm on {alarm.description[0].lower()}{alarm.description[1:]}.", Ref(f"aws_cloudwatch_metric_alarm.{alarm.key}.alarm_name")))
    if ep.async_inference is not None:
        for topic in (ep.async_inference.success_topic, ep.async_inference.error_topic):
            if topic is not None:
                outputs.append(Output(f"{topic.key}_topic_arn", f"ARN of the SNS topic notified on async {topic.key}.", Ref(f"aws_sns_topic.{topic.key}.arn")))
    kinds = {"realtime": "real-time", "serverless": "serverless", "multi-model": "multi-model", "async": "asynchronous"}
    return ModuleContext(
        key=ep.module,
        template="endpoint",
        summary=f"The {kinds[ep.kind]} SageMaker endpoint {ep.name}: models, endpoint configuration, endpoint"
        + (", alarms" if ep.alarms else "")
        + (", auto-scaling" if any(v.scaling for v in ep.variants) else "")
        + ".",
        inputs=dict(sorted(inputs.items())),
        variables=tuple(sorted(variables, key=lambda v: v.name)),
        outputs=tuple(outputs),
        values={"ep": ep, "has_scaling": any(v.scaling for v in ep.variants)},
    )
