"""SageMaker endpoints: one module block per endpoint of the config. Each grants the SageMaker execution
role exactly what its models and captures need (``sinks.roles["sagemaker"]``)."""

from __future__ import annotations

from collections.abc import Mapping

from ..expr import Ref
from ..plan.build import endpoints_plan
from ..plan.model import EndpointPlan, EndpointsPlan
from .base import Component, Export, ModuleContext, Output, PlanRequest, ReadmeSection, RootOutput, Sinks, Wire

_KINDS = {"realtime": "real-time", "serverless": "serverless", "multi-model": "multi-model", "async": "asynchronous"}


class Endpoint(Component):
    name = "endpoint"

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> EndpointsPlan:
        return endpoints_plan(request.config, request.prefix)

    def contribute(self, part: EndpointsPlan, sinks: Sinks) -> None:
        sinks.add_role_statements("sagemaker", part.role_statements)

    def exports(self, part: EndpointsPlan) -> list[Export]:
        out = []
        for ep in part.endpoints:
            m = ep.module
            out.append(Export(f"endpoint.{ep.key}.name", m, Output("endpoint_name", "Name of the SageMaker endpoint.", Ref("aws_sagemaker_endpoint.this.name"))))
            out.append(Export(f"endpoint.{ep.key}.arn", m, Output("endpoint_arn", "ARN of the SageMaker endpoint.", Ref("aws_sagemaker_endpoint.this.arn"))))
            out.append(
                Export(
                    f"endpoint.{ep.key}.config_name",
                    m,
                    Output("endpoint_config_name", "Name of the endpoint configuration in service (changes with its content).", Ref("aws_sagemaker_endpoint_configuration.this.name")),
                )
            )
            for alarm in ep.alarms:
                description = f"Name of the alarm on {alarm.description[0].lower()}{alarm.description[1:]}."
                out.append(Export(f"endpoint.{ep.key}.alarm.{alarm.key}", m, Output(f"{alarm.key}_alarm", description, Ref(f"aws_cloudwatch_metric_alarm.{alarm.key}.alarm_name"))))
            if ep.async_inference is not None:
                for topic in (ep.async_inference.success_topic, ep.async_inference.error_topic):
                    if topic is not None:
                        output = Output(f"{topic.key}_topic_arn", f"ARN of the SNS topic notified on async {topic.key}.", Ref(f"aws_sns_topic.{topic.key}.arn"))
                        out.append(Export(f"endpoint.{ep.key}.topic.{topic.key}", m, output))
        return out

    def modules(self, part: EndpointsPlan, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        return [self._module(ep, wire) for ep in part.endpoints]

    def _module(self, ep: EndpointPlan, wire: Wire) -> ModuleContext:
        inputs = {
            "kms_key_arn": wire.need("kms.key_arn"),
            "execution_role_arn": wire.need("sagemaker_role.arn", "ARN of the SageMaker execution role the models run as."),
        }
        if ep.capture is not None:
            inputs["capture_bucket"] = wire.need("capture_bucket.bucket", "Name of the bucket that receives data capture.")
        return ModuleContext(
            key=ep.module,
            template="endpoint",
            summary=f"The {_KINDS[ep.kind]} SageMaker endpoint {ep.name}: models, endpoint configuration, endpoint"
            + (", alarms" if ep.alarms else "")
            + (", auto-scaling" if any(v.scaling for v in ep.variants) else "")
            + ".",
            inputs=inputs,
            outputs=(),
            values={"ep": ep},
        )

    def root_outputs(self, part: EndpointsPlan) -> list[RootOutput]:
        return [RootOutput(f"{ep.module}_name", f"Name of the SageMaker endpoint of module {ep.module}.", f"endpoint.{ep.key}.name") for ep in part.endpoints]

    def readme(self, part: EndpointsPlan) -> list[ReadmeSection]:
        if not part.endpoints:
            return []
        rows = []
        for ep in part.endpoints:
            variants = ", ".join(f"{v.name} (v{v.model.version}, weight {v.weight})" for v in ep.variants)
            if ep.shadow:
                variants += f"; shadow {ep.shadow.name} (v{ep.shadow.model.version})"
            rows.append((ep.name, ep.kind, variants))
        return [ReadmeSection("Endpoints", ("endpoint", "kind", "variants"), tuple(rows))]
