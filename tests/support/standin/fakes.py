"""Plausible, deterministic values for what AWS would compute: ARNs, ids, names, endpoints.

Every made-up value is derived from the resource type, the attribute's path and the known part of the
object, so the same configuration always gets the same values (two runs, two renders, one state).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from .cty import UNKNOWN, Dyn, plain

ACCOUNT = "123456789012"

# aws_<prefix>... -> the service part of its ARN
SERVICES = {
    "acm": "acm",
    "api_gateway": "apigateway",
    "appautoscaling": "application-autoscaling",
    "cloudfront": "cloudfront",
    "cloudwatch_log": "logs",
    "cloudwatch": "cloudwatch",
    "dynamodb": "dynamodb",
    "ecr": "ecr",
    "elasticache": "elasticache",
    "iam": "iam",
    "kms": "kms",
    "lambda": "lambda",
    "route53": "route53",
    "route_table": "ec2",
    "s3": "s3",
    "sagemaker": "sagemaker",
    "secretsmanager": "secretsmanager",
    "security_group": "ec2",
    "sfn": "states",
    "sns": "sns",
    "sqs": "sqs",
    "subnet": "ec2",
    "vpc": "ec2",
    "wafv2": "wafv2",
}
GLOBAL_SERVICES = {"iam", "route53", "cloudfront", "s3"}  # no region in their ARNs

# The attribute that names an object of a type, where it is not `name`.
NAME_ATTRS = ("name", "function_name", "bucket", "alarm_name", "replication_group_id", "role", "table_name", "domain_name", "model_package_group_name",
              "job_definition_name", "monitoring_schedule_name", "inference_component_name")

# CloudFront's and API Gateway's fixed hosted zones (Route 53 alias targets).
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def dns_suffix(partition: str) -> str:
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


def token(*parts: Any, length: int = 10) -> str:
    h = hashlib.sha256(json.dumps([plain(p) for p in parts], sort_keys=True, default=str).encode()).hexdigest()
    return h[:length]


def fake_uuid(*parts: Any) -> str:
    return str(uuid.UUID(hex=token(*parts, length=32)))


def service_of(type_name: str) -> str:
    rest = type_name.removeprefix("awscc_").removeprefix("aws_")
    for prefix in sorted(SERVICES, key=len, reverse=True):
        if rest.startswith(prefix):
            return SERVICES[prefix]
    return rest.split("_")[0]


def object_name(obj: dict) -> str | None:
    for attr in NAME_ATTRS:
        v = obj.get(attr)
        if isinstance(v, str) and v:
            return v
    prefix = obj.get("name_prefix")
    if isinstance(prefix, str):
        return prefix + token(obj, length=8)
    return None


class Faker:
    """Fills unknown values after apply for one provider configuration (region)."""

    def __init__(self, region: str, account: str = ACCOUNT):
        self.region = region or "us-east-1"
        self.account = account
        self.partition = partition_of(self.region)

    def arn(self, service: str, resource: str, regional: bool = True, account: bool = True) -> str:
        region = self.region if regional and service not in GLOBAL_SERVICES else ""
        acct = self.account if account else ""
        return f"arn:{self.partition}:{service}:{region}:{acct}:{resource}"

    # -- per-type identity ------------------------------------------------------------------------

    def resource_id(self, type_name: str, obj: dict) -> str:
        name = object_name(obj)
        if type_name == "aws_security_group":
            return "sg-" + token(type_name, obj, length=17)
        if type_name in ("aws_subnet", "aws_vpc", "aws_route_table"):
            return type_name.removeprefix("aws_").replace("_table", "tbl") + "-" + token(type_name, obj, length=17)
        if type_name == "aws_kms_key":
            return fake_uuid(type_name, obj)
        if type_name in ("aws_sns_topic", "aws_acm_certificate", "aws_secretsmanager_secret"):
            return self.resource_arn(type_name, obj)
        if type_name == "aws_sqs_queue":
            return f"https://sqs.{self.region}.{dns_suffix(self.partition)}/{self.account}/{name}"
        if type_name == "aws_cloudfront_distribution":
            return "E" + token(type_name, obj, length=13).upper()
        if type_name.startswith("aws_api_gateway_") and type_name not in ("aws_api_gateway_domain_name",):
            return token(type_name, obj, length=10)
        if type_name.startswith("awscc_sagemaker_"):
            # awscc's id is the CloudFormation primary identifier: the ARN for these types.
            return self.resource_arn(type_name, obj)
        return name or token(type_name, obj, length=20)

    def known_id(self, type_name: str, obj: dict) -> str:
        v = obj.get("id")
        return v if isinstance(v, str) else self.resource_id(type_name, obj)

    def resource_arn(self, type_name: str, obj: dict) -> str:
        service = service_of(type_name)
        name = object_name(obj) or token(type_name, obj)
        kind = type_name.removeprefix("aws_")
        match type_name:
            case "aws_iam_role":
                return self.arn("iam", f"role/{name}", regional=False)
            case "aws_s3_bucket":
                return self.arn("s3", name, regional=False, account=False)
            case "aws_lambda_function":
                return self.arn("lambda", f"function:{name}")
            case "aws_lambda_layer_version":
                return self.arn("lambda", f"layer:{obj.get('layer_name')}:1")
            case "aws_sns_topic" | "aws_sqs_queue":
                return self.arn(service, name)
            case "aws_kms_key":
                return self.arn("kms", f"key/{self.known_id(type_name, obj)}")
            case "aws_kms_alias":
                return self.arn("kms", name)
            case "aws_cloudwatch_log_group":
                return self.arn("logs", f"log-group:{name}")
            case "aws_cloudwatch_metric_alarm":
                return self.arn("cloudwatch", f"alarm:{name}")
            case "aws_dynamodb_table":
                return self.arn("dynamodb", f"table/{name}")
            case "aws_secretsmanager_secret":
                return self.arn("secretsmanager", f"secret:{name}-{token(obj, length=6)}")
            case "aws_elasticache_replication_group":
                return self.arn("elasticache", f"replicationgroup:{name}")
            case "aws_elasticache_subnet_group":
                return self.arn("elasticache", f"subnetgroup:{name}")
            case "aws_acm_certificate":
                return self.arn("acm", f"certificate/{fake_uuid(type_name, obj)}")
            case "aws_cloudfront_distribution":
                return self.arn("cloudfront", f"distribution/{self.known_id(type_name, obj)}", regional=False)
            case "aws_route53_zone" | "aws_route53_record":
                return self.arn("route53", f"hostedzone/{obj.get('zone_id') or token(obj)}", regional=False, account=False)
            case "aws_sfn_state_machine":
                return self.arn("states", f"stateMachine:{name}")
            case "aws_ecr_repository":
                return self.arn("ecr", f"repository/{name}")
            case "aws_security_group" | "aws_subnet" | "aws_vpc" | "aws_route_table":
                return self.arn("ec2", f"{kind.replace('_', '-')}/{self.known_id(type_name, obj)}")
            case _ if type_name.startswith("aws_api_gateway_"):
                return self.arn("apigateway", f"/{kind.removeprefix('api_gateway_')}s/{token(type_name, obj)}", account=False)
            case _ if type_name.startswith(("aws_sagemaker_", "awscc_sagemaker_")):
                kind = type_name.removeprefix("awscc_").removeprefix("aws_")
                return self.arn("sagemaker", f"{kind.removeprefix('sagemaker_').replace('_', '-')}/{name}")
        return self.arn(service, f"{kind}/{name}")

    # -- filling unknowns -------------------------------------------------------------------------

    def fill(self, type_name: str, obj: dict, block, top: dict | None = None, path: tuple = ()) -> dict:
        """obj with every unknown replaced by a value of its type (block: schema.Block)."""
        top = obj if top is None else top
        out = dict(obj)
        # The object's own identity first: other fakes (ARNs, URLs) are built from it.
        for attr in ("id", "arn"):
            if not path and out.get(attr) is UNKNOWN and attr in block.attributes:
                out[attr] = self.resource_id(type_name, out) if attr == "id" else self.resource_arn(type_name, out)
        for name, a in block.attributes.items():
            if name in out:
                out[name] = self.value(type_name, (*path, name), a.type, out[name], out)
        for name, nb in block.blocks.items():
            v = out.get(name)
            if v is None:
                continue
            if isinstance(v, Dyn):
                out[name] = Dyn(v.type, [self.fill(type_name, e, nb.block, top, (*path, name)) for e in v.value])
            elif nb.nesting == "single":
                out[name] = self.fill(type_name, v, nb.block, top, (*path, name))
            else:
                out[name] = [self.fill(type_name, e, nb.block, top, (*path, name)) for e in v]
        return out

    def value(self, type_name: str, path: tuple, t: Any, v: Any, obj: dict) -> Any:
        if v is UNKNOWN:
            return self.make(type_name, path, t, obj)
        if v is None:
            return None
        if isinstance(v, Dyn):
            return Dyn(v.type, self.value(type_name, path, v.type, v.value, obj))
        if isinstance(t, tuple):
            kind = t[0]
            if kind in ("list", "set"):
                return [self.value(type_name, path, t[1], e, obj) for e in v]
            if kind == "map":
                return {k: self.value(type_name, (*path, k), t[1], e, obj) for k, e in v.items()}
            if kind == "object":
                return {k: self.value(type_name, (*path, k), t[1][k], e, v) for k, e in v.items()}
            if kind == "tuple":
                return [self.value(type_name, path, et, e, obj) for e, et in zip(v, t[1], strict=False)]
        return v

    def make(self, type_name: str, path: tuple, t: Any, obj: dict) -> Any:
        attr = path[-1]
        if t == "dynamic":
            return Dyn("string", self.string(type_name, path, obj))
        if t == "string":
            return self.string(type_name, path, obj)
        if t == "number":
            return {"port": 443, "version": 1}.get(attr, 0)
        if t == "bool":
            return False
        kind = t[0]
        if kind == "object":
            return {k: self.make(type_name, (*path, k), at, obj) for k, at in t[1].items()}
        if kind == "tuple":
            return [self.make(type_name, path, et, obj) for et in t[1]]
        if kind == "map":
            return {}
        return []

    def string(self, type_name: str, path: tuple, obj: dict) -> str:
        attr = path[-1]
        tok = token(type_name, path, obj)
        name = object_name(obj) or tok
        sfx = dns_suffix(self.partition)
        if attr == "arn" or (type_name.startswith("awscc_") and len(path) == 1 and attr.endswith("_arn") and type_name.endswith(attr.removesuffix("_arn"))):
            return self.resource_arn(type_name, obj)  # awscc names its own ARN <type>_arn
        if attr == "id":
            return self.resource_id(type_name, obj)
        if attr == "invoke_arn" and type_name == "aws_lambda_function":
            fn = self.resource_arn(type_name, obj)
            return self.arn("apigateway", f"lambda:path/2015-03-31/functions/{fn}/invocations", account=False)
        if attr == "execution_arn":
            return self.arn("execute-api", obj.get("rest_api_id") if isinstance(obj.get("rest_api_id"), str) else tok)
        if attr.endswith("_arn"):
            return self.arn(service_of(type_name), f"{attr.removesuffix('_arn').replace('_', '-')}/{name}")
        if attr.endswith("zone_id"):
            return CLOUDFRONT_ZONE if type_name == "aws_cloudfront_distribution" else "Z" + tok.upper()
        if attr in ("domain_name", "regional_domain_name", "cloudfront_domain_name") or attr.endswith("_domain_name"):
            if type_name == "aws_cloudfront_distribution" or attr == "cloudfront_domain_name":
                return f"d{tok}.cloudfront.net"
            return f"d-{tok}.execute-api.{self.region}.{sfx}"
        if attr.endswith("endpoint_address") or attr in ("endpoint", "address"):
            return f"{name}.{tok[:6]}.cache.{sfx}"
        if attr.endswith("_url") or attr == "url":
            return f"https://{tok}.{service_of(type_name)}.{self.region}.{sfx}/"
        if attr.endswith(("_date", "_time", "_modified")) or attr in ("created_date", "last_modified"):
            return "2026-01-01T00:00:00Z"
        if attr == "key_id" and type_name == "aws_kms_key":
            return self.known_id(type_name, obj)
        if attr.endswith("_id"):
            return tok
        if attr in ("version", "version_id"):
            return "1"
        if attr.endswith(("_hash", "etag", "sha256")):
            return tok * 3
        if attr in ("name", "owner_id", "account_id"):
            return self.account if attr != "name" else name
        return f"{attr.replace('_', '-')}-{tok}"


def policy_document(config: dict) -> str:
    """aws_iam_policy_document's JSON, as the provider builds it from its statement blocks."""

    def one_or_list(values: list[str]) -> Any:
        values = sorted(set(values), reverse=True)  # the provider's set order is not ours: any is valid
        return values[0] if len(values) == 1 else values

    def principals(blocks: list[dict]) -> Any:
        out: dict[str, Any] = {}
        for p in blocks:
            if p["type"] == "*" and p["identifiers"] == ["*"]:
                return "*"
            out.setdefault(p["type"], []).extend(p["identifiers"])
        return {k: one_or_list(v) for k, v in sorted(out.items())}

    statements = []
    for st in config.get("statement") or []:
        s: dict[str, Any] = {}
        if st.get("sid"):
            s["Sid"] = st["sid"]
        s["Effect"] = st.get("effect") or "Allow"
        for key, attr in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"), ("NotResource", "not_resources")):
            if st.get(attr):
                s[key] = one_or_list(st[attr])
        if st.get("principals"):
            s["Principal"] = principals(st["principals"])
        if st.get("not_principals"):
            s["NotPrincipal"] = principals(st["not_principals"])
        if st.get("condition"):
            cond: dict[str, dict[str, Any]] = {}
            for c in st["condition"]:
                cond.setdefault(c["test"], {})[c["variable"]] = one_or_list(c["values"])
            s["Condition"] = cond
        statements.append(s)
    doc: dict[str, Any] = {"Version": config.get("version") or "2012-10-17"}
    if config.get("policy_id"):
        doc["Id"] = config["policy_id"]
    doc["Statement"] = statements
    return json.dumps(doc, indent=2)


def random_string(seed: Any, length: int, special: bool = True) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + ("!#%&*()-_=+[]{}<>:?" if special else "")
    digest = hashlib.sha256(json.dumps(plain(seed), sort_keys=True).encode()).digest()
    while len(digest) < length:
        digest += hashlib.sha256(digest).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


