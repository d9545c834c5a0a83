"""Every IAM statement of every rendered example: no ``*`` action and no ``service:*`` action, a ``*``
resource only where AWS requires it (an explicit allow-list, each entry with its reason).

The statements are read from the rendered HCL (``tests/support/hcl_checks.load_tree``): every
``aws_iam_policy_document`` data source (identity policies, trust policies, key policies, bucket policies).
So that none escapes, every policy argument of every resource must be such a document's ``.json`` (an
inline ``jsonencode`` or heredoc policy is a violation of its own), and every managed-policy attachment
must be on the allow-list of AWS managed policies below.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.hcl_checks import MARK, _labeled, _unquote, load_tree

#: Actions whose resource AWS only accepts as "*", and why.
STAR_RESOURCE_ACTIONS: dict[str, str] = {
    # Lambda and SageMaker in a VPC: network interfaces have no ARN before they exist.
    "ec2:CreateNetworkInterface": "ENI management: the interface has no ARN before it exists",
    "ec2:DeleteNetworkInterface": "ENI management: interfaces are created by the service, their IDs unknown",
    "ec2:DescribeNetworkInterfaces": "ENI management: Describe* calls have no resource-level permissions",
    "ec2:DescribeVpcs": "ENI management: Describe* calls have no resource-level permissions",
    "ec2:DescribeSubnets": "ENI management: Describe* calls have no resource-level permissions",
    "ec2:DescribeSecurityGroups": "ENI management: Describe* calls have no resource-level permissions",
    "ec2:DescribeDhcpOptions": "ENI management: Describe* calls have no resource-level permissions",
    "ec2:CreateNetworkInterfacePermission": "ENI management: SageMaker attaches interfaces it has not created yet",
    "ec2:DeleteNetworkInterfacePermission": "ENI management: SageMaker detaches interfaces whose IDs are unknown until then",
    "xray:PutTraceSegments": "X-Ray has no resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray has no resource-level permissions",
    "xray:GetSamplingRules": "X-Ray has no resource-level permissions",
    "xray:GetSamplingTargets": "X-Ray has no resource-level permissions",
    "ecr:GetAuthorizationToken": "the registry login token is account-wide: no resource ARN",
    "cloudwatch:PutMetricData": "no resource-level permissions; allowed only with a cloudwatch:namespace condition",
    # Vended log deliveries (Step Functions, API Gateway) have no resource-level permissions.
    "logs:CreateLogDelivery": "log deliveries have no resource-level permissions",
    "logs:GetLogDelivery": "log deliveries have no resource-level permissions",
    "logs:UpdateLogDelivery": "log deliveries have no resource-level permissions",
    "logs:DeleteLogDelivery": "log deliveries have no resource-level permissions",
    "logs:ListLogDeliveries": "log deliveries have no resource-level permissions",
    "logs:PutResourcePolicy": "log deliveries set the log group's resource policy, which has no ARN",
    "logs:DescribeResourcePolicies": "log deliveries read the resource policies, which have no ARN",
    "logs:DescribeLogGroups": "log deliveries list the log groups: no resource-level permissions",
    # The deployment pipeline's Plan and Apply roles run terraform, Canary reads the endpoint's metrics.
    "sts:GetCallerIdentity": "the caller's own identity (aws_caller_identity): no resource-level permissions",
    "cloudwatch:GetMetricData": "no resource-level permissions (the canary's status reads the endpoint's metrics)",
    "kms:CreateKey": "a key has no ARN before it exists",
}

#: Actions allowed on "*" only with a condition on this key.
REQUIRED_CONDITION = {"cloudwatch:PutMetricData": "cloudwatch:namespace"}

#: AWS managed policies a role may carry, and why (their statements are AWS's, not in the HCL).
MANAGED_POLICIES: dict[str, str] = {
    "AWSLambdaVPCAccessExecutionRole": "the ENI management a Lambda in a VPC needs (its '*' resource is ENI management)",
    "AmazonAPIGatewayPushToCloudWatchLogs": "API Gateway's account-wide CloudWatch Logs role (log groups it creates itself)",
}

POLICY_ARGUMENTS = ("policy", "assume_role_policy", "inline_policy", "key_policy")
#: Resources whose `policy` is not an IAM policy (an ECR lifecycle policy holds image-expiry rules).
NOT_IAM_POLICIES = {"aws_ecr_lifecycle_policy"}
DYNAMIC_FROM_VARIABLE = re.compile(r"^\$\{var\.([a-zA-Z0-9_]+)\}$")
DOCUMENT_JSON = re.compile(r"^\$\{data\.aws_iam_policy_document\.([a-zA-Z0-9_-]+)(\[[^\]]+\])?\.json\}$")


@dataclass(frozen=True)
class Found:
    where: str  # module directory and data source
    sid: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[tuple[str, str], ...]  # (test, variable)
    key_policy: bool


def _blocks(value) -> list[dict]:
    return [b for b in value if isinstance(b, dict) and b.get(MARK)] if isinstance(value, list) else []


def _strings(value) -> tuple[str, ...]:
    return tuple(_unquote(v) if isinstance(v, str) else repr(v) for v in (value or []))


def _found(where: str, st: dict, conditions: list[dict], key_policy: bool) -> Found:
    """A statement block, or a statement object passed to a module, as the test sees it."""
    return Found(
        where=where,
        sid=_unquote(st.get("sid", '""')),
        effect=_unquote(st.get("effect", '"Allow"')),
        actions=_strings(st.get("actions")),
        resources=_strings(st.get("resources")),
        conditions=tuple((_unquote(c.get("test", "")), _unquote(c.get("variable", ""))) for c in conditions),
        key_policy=key_policy,
    )


def enumerate_tree(root: Path) -> tuple[list[Found], list[str]]:
    """(every statement, every violation of completeness) of a rendered tree."""
    statements: list[Found] = []
    problems: list[str] = []
    tree = load_tree(root)
    # Statements passed to a module as a typed argument (`dynamic "statement"` over `var.statements`):
    # the values are the call site's, in the root.
    # A split tree (the config's stacks section) has one root per stack, beside the shared modules/.
    roots = [tree["."]] if "." in tree else [files for folder, files in tree.items() if "/" not in folder and folder != "modules"]
    calls: dict[str, dict] = {}
    for parsed in (p for root in roots for p in root.values()):
        for (_label,), body in _labeled(parsed.get("module", []), 1):
            calls.setdefault(_unquote(body["source"]).removeprefix("./").removeprefix("../"), body)
    for module, files in tree.items():
        key_docs: set[str] = set()
        for name, parsed in files.items():
            for (type_, label), body in _labeled(parsed.get("resource", []), 2):
                where = f"{module}/{name}: {type_}.{label}"
                for arg in POLICY_ARGUMENTS:
                    if arg not in body or type_ in NOT_IAM_POLICIES:
                        continue
                    value = body[arg]
                    m = DOCUMENT_JSON.match(value) if isinstance(value, str) else None
                    if m is None:
                        problems.append(f"{where}: {arg} is not an aws_iam_policy_document's json: {str(value)[:80]}")
                    elif type_ in ("aws_kms_key", "aws_kms_key_policy") and arg == "policy":
                        key_docs.add(m.group(1))
                if "policy_arn" in body:
                    arn = _unquote(str(body["policy_arn"]))
                    managed = arn.rsplit("/", 1)[-1]
                    if ":iam::aws:policy/" not in arn or managed not in MANAGED_POLICIES:
                        problems.append(f"{where}: managed policy {arn} is not on the allow-list")
        for name, parsed in files.items():
            for (type_, label), body in _labeled(parsed.get("data", []), 2):
                if type_ != "aws_iam_policy_document":
                    continue
                where = f"{module}/{name}: data.{type_}.{label}"
                for dynamic in body.get("dynamic", []):
                    spec = dynamic.get('"statement"') or dynamic.get("statement")
                    m = DYNAMIC_FROM_VARIABLE.match(spec.get("for_each", "")) if spec else None
                    passed = calls.get(module, {}).get(m.group(1)) if m else None
                    if not isinstance(passed, list):
                        problems.append(f"{where}: a dynamic statement block not over a variable the call passes as a list")
                        continue
                    statements += [_found(f"{where} (from the call)", st, st.get("conditions") or [], label in key_docs) for st in passed]
                for st in _blocks(body.get("statement")):
                    if "not_actions" in st or "not_resources" in st:
                        problems.append(f"{where}: NotAction/NotResource")
                    statements.append(_found(where, st, _blocks(st.get("condition")), label in key_docs))
    return statements, problems


def violations(st: Found) -> list[str]:
    out: list[str] = []
    at = f"{st.where} statement {st.sid or '(no sid)'}"
    for action in st.actions:
        if "${" in action:
            out.append(f"{at}: action {action} is an expression (cannot be checked)")
        elif action == "*":
            out.append(f"{at}: action *")
        # The one exemption: a Deny of insecure transport must cover every action of the service.
        elif action.endswith(":*") and not (st.effect == "Deny" and ("Bool", "aws:SecureTransport") in st.conditions):
            out.append(f"{at}: action {action}")
    if "*" in st.resources and st.effect == "Allow" and not st.key_policy:  # a key policy's "*" is this key
        for action in st.actions:
            if action not in STAR_RESOURCE_ACTIONS:
                out.append(f"{at}: {action} on resource * (not on the allow-list)")
            elif action in REQUIRED_CONDITION and not any(v == REQUIRED_CONDITION[action] for _, v in st.conditions):
                out.append(f"{at}: {action} on resource * without a {REQUIRED_CONDITION[action]} condition")
    return out


def test_every_statement_of_every_example(rendered_examples: dict[str, Path]) -> None:
    problems: list[str] = []
    for name, root in sorted(rendered_examples.items()):
        statements, incomplete = enumerate_tree(root)
        assert statements, f"{name}: no IAM statement found (the enumeration is broken)"
        problems += [f"{name}: {p}" for p in incomplete]
        problems += [f"{name}: {v}" for st in statements for v in violations(st)]
    assert not problems, "\n".join(problems)


def test_the_platform_key_policy_and_trust_policies_are_seen(rendered_examples: dict[str, Path]) -> None:
    statements, _ = enumerate_tree(rendered_examples["platform"])
    assert any(st.key_policy and st.sid == "AccountAdministers" for st in statements)
    assert any(st.actions == ("sts:AssumeRole",) for st in statements)
    assert any(st.effect == "Deny" for st in statements)  # the capture bucket's policy


SEEDED = '''
data "aws_iam_policy_document" "seeded" {
  statement {
    sid       = "StarAction"
    actions   = ["*"]
    resources = ["arn:aws:s3:::b"]
  }
  statement {
    sid       = "ServiceStar"
    actions   = ["s3:*"]
    resources = ["arn:aws:s3:::b"]
  }
  statement {
    sid       = "StarResource"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
  statement {
    sid       = "MetricsAnywhere"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
  }
  statement {
    sid       = "MetricsInNamespace"
    actions   = ["cloudwatch:PutMetricData", "ecr:GetAuthorizationToken"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["mlinfra"]
    }
  }
}

resource "aws_iam_role_policy" "seeded_inline" {
  name   = "inline"
  role   = "r"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_iam_role_policy_attachment" "seeded_admin" {
  role       = "r"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
'''


def test_a_seeded_violation_fails(rendered_examples: dict[str, Path], tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(rendered_examples["private-network"], tree)
    with (tree / "modules" / "network" / "main.tf").open("a", encoding="utf-8") as f:
        f.write(SEEDED)
    statements, incomplete = enumerate_tree(tree)
    found = [v for st in statements for v in violations(st)]
    seeded = [v for v in found if "data.aws_iam_policy_document.seeded" in v]
    assert found == seeded  # the example itself is clean
    assert any("StarAction: action *" in v for v in seeded)
    assert any("ServiceStar: action s3:*" in v for v in seeded)
    assert any("StarResource: s3:GetObject on resource *" in v for v in seeded)
    assert any("MetricsAnywhere: cloudwatch:PutMetricData on resource * without a cloudwatch:namespace" in v for v in seeded)
    assert not any("MetricsInNamespace" in v for v in seeded)  # allowed: namespace condition, token
    assert len(seeded) == 4
    assert any("seeded_inline: policy is not an aws_iam_policy_document's json" in p for p in incomplete)
    assert any("seeded_admin: managed policy arn:aws:iam::aws:policy/AdministratorAccess" in p for p in incomplete)


@pytest.mark.parametrize(
    ("effect", "conditions", "bad"),
    [("Deny", (("Bool", "aws:SecureTransport"),), False), ("Deny", (), True), ("Allow", (("Bool", "aws:SecureTransport"),), True)],
)
def test_service_star_only_in_the_insecure_transport_deny(effect: str, conditions: tuple, bad: bool) -> None:
    st = Found("m", "S", effect, ("s3:*",), ("arn:aws:s3:::b",), conditions, key_policy=False)
    assert bool(violations(st)) is bad


def test_a_key_policy_star_resource_is_this_key_but_its_actions_are_still_checked() -> None:
    assert not violations(Found("m", "K", "Allow", ("kms:Decrypt",), ("*",), (), key_policy=True))
    assert violations(Found("m", "K", "Allow", ("kms:*",), ("*",), (), key_policy=True))
    assert violations(Found("m", "K", "Allow", ("kms:Decrypt",), ("*",), (), key_policy=False))


def _s3_path(resource: str) -> str | None:
    """``bucket/key`` of an S3 object ARN (whatever the partition expression), else None."""
    _, sep, path = resource.partition(":s3:::")
    return path if sep else None


#: Statements whose objects a role reads and writes by design, and why.
READ_WRITE: dict[str, str] = {
    "WriteState": "the pipeline's Apply stage reads the Terraform state and writes it back",
    "StateLock": "Terraform's S3-native lock object (<key>.tflock): created, read and deleted by its holder",
}


def overwrites(statements: list[Found]) -> list[str]:
    """Writes that cover reads of the same policy: a role that may PutObject where it reads model files
    or requests could overwrite them (the capture-destination-overlap rule, seen from the IAM side)."""
    out = []
    for where in sorted({st.where for st in statements}):
        mine = [st for st in statements if st.where == where and st.effect == "Allow" and st.sid not in READ_WRITE]
        writes = [(st.sid, p) for st in mine if "s3:PutObject" in st.actions for r in st.resources if (p := _s3_path(r))]
        reads = [(st.sid, p) for st in mine if "s3:GetObject" in st.actions for r in st.resources if (p := _s3_path(r))]
        for wsid, w in writes:
            for rsid, r in reads:
                if (w.endswith("*") and r.startswith(w[:-1])) or w == r:
                    out.append(f"{where}: {wsid} writes {w}, which covers {rsid}'s {r}")
    return out


def test_no_role_may_overwrite_what_it_reads(rendered_examples: dict[str, Path]) -> None:
    problems = []
    for name, root in sorted(rendered_examples.items()):
        statements, _ = enumerate_tree(root)
        problems += [f"{name}: {p}" for p in overwrites(statements)]
    assert not problems, "\n".join(problems)


def test_an_overwrite_is_seen() -> None:
    def st(sid: str, action: str, resource: str) -> Found:
        return Found("m/main.tf: data.aws_iam_policy_document.x (from the call)", sid, "Allow", (action,), (resource,), (), False)

    statements = [st("ReadModelArtifacts", "s3:GetObject", "arn:${data.aws_partition.current.partition}:s3:::acme-models/models/v1/model.tar.gz"), st("WriteCaptureDestinations", "s3:PutObject", "arn:${data.aws_partition.current.partition}:s3:::acme-models/*")]
    assert overwrites(statements) == ["m/main.tf: data.aws_iam_policy_document.x (from the call): WriteCaptureDestinations writes acme-models/*, which covers ReadModelArtifacts's acme-models/models/v1/model.tar.gz"]
    assert overwrites(statements[:1]) == []
