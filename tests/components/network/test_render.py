"""The network: a created VPC (private subnets, endpoints, flow logs, no internet path) or an existing
one; interface endpoints contributed by the components; the config's network rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from mlinfra.components.network.plan import endpoint_service_name
from mlinfra.core.component import (
    Component,
    Input,
    ModuleContext,
    PlanRequest,
    SecurityGroupRequest,
    SecurityGroups,
    Sinks,
    VpcEndpoints,
    Wire,
)
from mlinfra.pipeline import load_config, render_project
from tests.support.configs import edited, render_edited
from tests.support.hcl_checks import hygiene_errors, load_tree
from tests.support.hcl_checks import module_call as call
from tests.test_config_invalid import assert_error_line, assert_no_traceback, cli, line_of, snapshot
from tests.test_render import blocks, s


def res(tree: dict, module: str, kind: str = "resource") -> dict[str, dict]:
    return blocks(tree[f"modules/{module}"]["main.tf"], kind)


def every_resource_type(tree: dict) -> set[str]:
    return {key.split(".")[0] for files in tree.values() for parsed in files.values() for key in blocks(parsed, "resource")}


NETWORK = """network:
  create:
    cidr: 10.0.0.0/16
    private_subnets: [10.0.1.0/24, 10.0.2.0/24]
"""
EXISTING = """network:
  vpc_id: vpc-0a1b2c3d4e5f60718
  private_subnet_ids: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]
"""


@pytest.fixture(scope="module")
def platform(rendered_examples: dict[str, Path]) -> dict:
    return load_tree(rendered_examples["platform"])


def test_created_vpc_is_private_with_dns_and_a_closed_default_group(platform: dict) -> None:
    net = res(platform, "network")
    vpc = net["aws_vpc.this"]
    assert vpc["cidr_block"] == "${var.vpc.cidr}" and vpc["enable_dns_support"] is True and vpc["enable_dns_hostnames"] is True
    default = net["aws_default_security_group.this"]
    assert "ingress" not in default and "egress" not in default  # no rules: nothing in or out
    assert not {"aws_internet_gateway", "aws_nat_gateway", "aws_egress_only_internet_gateway", "aws_eip"} & every_resource_type(platform)
    assert "map_public_ip_on_launch" not in net["aws_subnet.private"]
    assert net["aws_subnet.private"]["availability_zone"] == "${element(data.aws_availability_zones.available.names, each.value.zone_index)}"
    args = call(platform, "network")
    assert args["private_subnets"] == {
        '"10.0.1.0/24"': {"cidr": '"10.0.1.0/24"', "zone_index": 0, "name": '"mlinfra-prod-private-1"'},
        '"10.0.2.0/24"': {"cidr": '"10.0.2.0/24"', "zone_index": 1, "name": '"mlinfra-prod-private-2"'},
    }
    assert s(args["vpc"]["cidr"]) == "10.0.0.0/16"


def test_gateway_and_interface_endpoints(platform: dict) -> None:
    net = res(platform, "network")
    args = call(platform, "network")
    assert {k: s(v) for k, v in args["gateway_endpoints"].items()} == {"dynamodb": "com.amazonaws.us-east-1.dynamodb", "s3": "com.amazonaws.us-east-1.s3"}
    gateway = net["aws_vpc_endpoint.gateway"]
    assert s(gateway["vpc_endpoint_type"]) == "Gateway" and gateway["route_table_ids"] == ["${aws_route_table.private.id}"]
    interface = net["aws_vpc_endpoint.interface"]
    assert s(interface["vpc_endpoint_type"]) == "Interface" and interface["private_dns_enabled"] is True
    assert interface["security_group_ids"] == ["${aws_security_group.endpoints.id}"] and interface["subnet_ids"] == "${local.private_subnet_ids}"
    # Contributed by the preprocessing Lambdas: SageMaker Runtime, and Secrets Manager for the cache's AUTH
    # token; by the batch notifier: SNS; by the endpoints, whose models run in the VPC: ECR's API and
    # registry (the image pull).
    assert {k.strip('"'): s(v) for k, v in args["interface_endpoints"].items()} == {
        "ecr.api": "com.amazonaws.us-east-1.ecr.api",
        "ecr.dkr": "com.amazonaws.us-east-1.ecr.dkr",
        "sagemaker.runtime": "com.amazonaws.us-east-1.sagemaker.runtime",
        "secretsmanager": "com.amazonaws.us-east-1.secretsmanager",
        "sns": "com.amazonaws.us-east-1.sns",
    }


def test_security_groups_admit_https_only_from_the_platform(platform: dict) -> None:
    net = res(platform, "network")
    ingress = {k: v for k, v in net.items() if k.startswith("aws_vpc_security_group_ingress_rule.")}
    assert list(ingress) == ["aws_vpc_security_group_ingress_rule.endpoints"]
    rule = ingress["aws_vpc_security_group_ingress_rule.endpoints"]
    assert rule["for_each"] == "${var.security_groups}" and rule["security_group_id"] == "${aws_security_group.endpoints.id}"
    assert (rule["from_port"], rule["to_port"], s(rule["ip_protocol"])) == (443, 443, "tcp")
    assert rule["referenced_security_group_id"] == "${aws_security_group.this[each.key].id}" and "cidr_ipv4" not in rule
    for key, body in net.items():  # no rule anywhere opens to the internet
        assert "cidr_ipv4" not in body and "ingress" not in body, key
    to_endpoints = net["aws_vpc_security_group_egress_rule.https_endpoints"]
    assert to_endpoints["for_each"] == "${var.security_groups}" and to_endpoints["referenced_security_group_id"] == "${aws_security_group.endpoints.id}"
    egress = net["aws_vpc_security_group_egress_rule.https_gateways"]
    assert egress["for_each"] == "${local.gateway_egress}" and egress["security_group_id"] == "${aws_security_group.this[each.value.group].id}"
    assert egress["prefix_list_id"] == "${aws_vpc_endpoint.gateway[each.value.service].prefix_list_id}"


def test_requested_security_groups_keep_the_lambdas_group_and_its_state(platform: dict, rendered_examples: dict[str, Path]) -> None:
    """The preprocessing Lambdas' group is a request now: same AWS name and description, consumed by
    capability, and its state moves from the hand-written addresses."""
    args = call(platform, "network")
    assert args["security_groups"] == {
        "batch": {"name": '"mlinfra-prod-batch"', "description": '"mlinfra batch Lambdas"'},
        "lambda": {"name": '"mlinfra-prod-preprocessing"', "description": '"mlinfra preprocessing Lambdas"'},
        "models": {"name": '"mlinfra-prod-models"', "description": '"SageMaker models of the endpoints"'},  # the endpoints' request
    }
    group = res(platform, "network")["aws_security_group.this"]
    assert group["for_each"] == "${var.security_groups}" and group["name"] == "${each.value.name}" and group["description"] == "${each.value.description}"
    assert call(platform, "preprocessing")["security_group_id"] == "${module.network.lambda_security_group_id}"
    assert call(platform, "cache")["clients_security_group_id"] == "${module.network.lambda_security_group_id}"
    outputs = {name.strip('"'): body["value"] for o in platform["modules/network"]["outputs.tf"]["output"] for name, body in o.items()}
    assert outputs["lambda_security_group_id"] == '${aws_security_group.this["lambda"].id}'
    moved = {(m["from"], m["to"]) for m in platform["modules/network"]["moved.tf"]["moved"]}
    assert moved == {
        ("${aws_security_group.lambda}", '${aws_security_group.this["lambda"]}'),
        ("${aws_vpc_security_group_ingress_rule.endpoints_from_lambdas}", '${aws_vpc_security_group_ingress_rule.endpoints["lambda"]}'),
        ("${aws_vpc_security_group_egress_rule.https_endpoints}", '${aws_vpc_security_group_egress_rule.https_endpoints["lambda"]}'),
        ('${aws_vpc_security_group_egress_rule.https_gateways["dynamodb"]}', '${aws_vpc_security_group_egress_rule.https_gateways["lambda.dynamodb"]}'),
        ('${aws_vpc_security_group_egress_rule.https_gateways["s3"]}', '${aws_vpc_security_group_egress_rule.https_gateways["lambda.s3"]}'),
    }


def test_moved_blocks_name_declared_targets_and_retired_sources(platform: dict) -> None:
    """Every move of the network's state lands on an address the rendered tree declares (with its key in
    the for_each map at the call), and leaves one it no longer declares."""
    declared = {module: set(res(platform, module)) for module in ("network", "flow_logs")}
    moves = [("network", m["from"][2:-1], m["to"][2:-1]) for m in platform["modules/network"]["moved.tf"]["moved"]]
    for m in platform["."]["moved.tf"]["moved"]:
        (source, old), (target, new) = (re.fullmatch(r"\$\{module\.(\w+)\.(.+)\}", m[k]).groups() for k in ("from", "to"))
        if source.startswith("endpoint_") or source in ("api", "batch", "alerts", "monitoring"):
            continue  # the endpoints' own moves into the shared endpoint module, the API's invoke permissions (tests/test_render_defects.py), the batch and monitoring modules' instances (tests/components)
        assert source == "network", m
        assert old not in declared[source]
        moves.append((target, old, new))
    args = call(platform, "network")
    keys = {"${var.security_groups}": set(args["security_groups"]), "${local.gateway_egress}": {f"{g}.{s}" for g in args["security_groups"] for s in args["gateway_endpoints"]}}
    network = res(platform, "network")
    for module, old, new in moves:
        address, key = re.fullmatch(r'(\w+\.\w+)(?:\["([\w.]+)"\])?', new).groups()
        assert address in declared[module], (module, new)
        if key is not None:  # an instance of the for_each map at the call
            assert key in keys[network[address]["for_each"]], new
        old_address, old_key = re.fullmatch(r'(\w+\.\w+)(?:\["([\w.]+)"\])?', old).groups()
        if module == "network" and old_address in declared[module]:  # the same block, now for_each: the old instance is gone
            assert "for_each" in network[old_address] and (old_key is None or old_key not in keys[network[old_address]["for_each"]]), old
    assert len(moves) == 5 + 4


def test_one_group_per_name_however_many_ask() -> None:
    sink = SecurityGroups()
    sink.request("models", "mlinfra SageMaker models", by="endpoint")
    sink.request("lambda", "mlinfra preprocessing Lambdas", by="preprocessing")
    sink.request("models", "mlinfra SageMaker models (again)", by="batch")
    assert sink.requested() == {
        "lambda": SecurityGroupRequest("mlinfra preprocessing Lambdas", ("preprocessing",)),
        "models": SecurityGroupRequest("mlinfra SageMaker models", ("batch", "endpoint")),
    }
    with pytest.raises(AssertionError):
        sink.request("Models-1", "x", by="endpoint")  # a map key, an output name and part of an AWS name


class _Probe(Component):
    """A component added by a test that requests a group and consumes it by capability only."""

    name = "probe"

    def build(self, request: PlanRequest, parts: Mapping[str, object]) -> object:
        return {}

    def contribute(self, part: object, sinks: Sinks) -> None:
        sinks.security_groups.request("probe_jobs", "mlinfra probe jobs", by=self.name)
        sinks.security_groups.request("lambda", "ignored: the group exists", by=self.name)

    def modules(self, part: object, wire: Wire, sinks: Sinks) -> list[ModuleContext]:
        inputs = {
            "kms_key_arn": wire.need("kms.key_arn"),
            "table_name": Input(wire.ref("network.security_group.probe_jobs"), "Stands in for a consumer of the group."),
            "hash_key": Input(wire.ref("network.security_group.lambda"), "Stands in for a consumer of the group."),
            "ttl_attribute": Input("expires_at", "Expiry attribute."),
            "point_in_time_recovery": Input(True, "Continuous backups.", "bool"),
        }
        return [ModuleContext(key="probe", template="results", summary="A probe.", inputs=inputs, outputs=())]


@pytest.mark.parametrize("network", [NETWORK, EXISTING], ids=["created", "existing"])
def test_a_requested_group_is_created_admitted_and_exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, network: str) -> None:
    from types import SimpleNamespace

    import mlinfra.components as components
    from mlinfra.config.section import Slice

    monkeypatch.setattr(components, "COMPONENTS", (*components.COMPONENTS, SimpleNamespace(SLICE=Slice("probe", _Probe))))
    out = render_edited("platform", tmp_path, (NETWORK, network))
    assert hygiene_errors(out) == []
    tree = load_tree(out)
    args = call(tree, "network")
    assert args["security_groups"] == {
        "batch": {"name": '"mlinfra-prod-batch"', "description": '"mlinfra batch Lambdas"'},
        "lambda": {"name": '"mlinfra-prod-preprocessing"', "description": '"mlinfra preprocessing Lambdas"'},
        "models": {"name": '"mlinfra-prod-models"', "description": '"SageMaker models of the endpoints"'},
        "probe_jobs": {"name": '"mlinfra-prod-probe-jobs"', "description": '"mlinfra probe jobs"'},
    }
    probe = call(tree, "probe")
    assert probe["table_name"] == "${module.network.probe_jobs_security_group_id}" and probe["hash_key"] == "${module.network.lambda_security_group_id}"
    outputs = {name.strip('"'): body["value"] for o in tree["modules/network"]["outputs.tf"]["output"] for name, body in o.items()}
    assert outputs["probe_jobs_security_group_id"] == '${aws_security_group.this["probe_jobs"].id}'
    # Either case exports the VPC and its subnets: consumers need not care which.
    assert outputs["vpc_id"] == ("${aws_vpc.this.id}" if network == NETWORK else "${var.vpc_id}")
    assert outputs["private_subnet_ids"] == "${local.private_subnet_ids}"
    net = res(tree, "network")
    if network == EXISTING:
        assert s(net["aws_vpc_security_group_egress_rule.https"]["cidr_ipv4"]) == "0.0.0.0/0"
        assert net["aws_vpc_security_group_egress_rule.https"]["for_each"] == "${var.security_groups}"
        assert args["subnet_ids"] == ['"subnet-0a1b2c3d4e5f60001"', '"subnet-0a1b2c3d4e5f60002"']
    else:
        assert "aws_vpc_security_group_egress_rule.https" not in net
    # What one more group deploys: the group and its egress (one rule per gateway endpoint and one to the
    # interface endpoints in a created VPC, one to anywhere in an existing one), the endpoints' ingress
    # from it; and the probe's own table.
    config = tmp_path / "cfg" / "platform.yaml"
    with_probe = render_project(load_config(config), config.parent).resources
    monkeypatch.setattr(components, "COMPONENTS", tuple(p for p in components.COMPONENTS if p.SLICE.name != "probe"))
    assert with_probe - render_project(load_config(config), config.parent).resources == (1 + 1 + 2 + 1 + 1 if network == NETWORK else 1 + 1 + 1)


def test_flow_logs_encrypted_with_a_role_scoped_to_their_log_group(platform: dict, rendered_examples: dict[str, Path]) -> None:
    logs = res(platform, "flow_logs")
    flow = logs["aws_flow_log.this"]
    assert s(flow["traffic_type"]) == "ALL" and flow["log_destination"] == "${aws_cloudwatch_log_group.this.arn}" and flow["vpc_id"] == "${var.vpc_id}"
    group = logs["aws_cloudwatch_log_group.this"]
    assert group["kms_key_id"] == "${var.kms_key_arn}" and group["retention_in_days"] == "${var.flow_logs.retention_days}"
    policy = res(platform, "flow_logs", "data")["aws_iam_policy_document.write"]
    (statement,) = policy["statement"]
    assert statement["resources"] == ['"${aws_cloudwatch_log_group.this.arn}:*"']
    args = call(platform, "flow_logs")
    assert args["kms_key_arn"] == "${module.kms.key_arn}" and args["vpc_id"] == "${module.network.vpc_id}"
    assert args["flow_logs"]["retention_days"] == 365
    # A module of its own: the network takes no KMS key (nothing in the VPC waits for the key's chain).
    assert "kms_key_arn" not in call(platform, "network") and "flow_logs" not in call(platform, "network")
    # Earlier renders kept them in the network module: the root moves their state.
    moved = {(m["from"], m["to"]) for m in platform["."]["moved.tf"]["moved"] if m["from"].startswith("${module.network.")}
    assert moved == {
        ("${module.network.aws_cloudwatch_log_group.flow_logs}", "${module.flow_logs.aws_cloudwatch_log_group.this}"),
        ("${module.network.aws_iam_role.flow_logs}", "${module.flow_logs.aws_iam_role.this}"),
        ("${module.network.aws_iam_role_policy.flow_logs}", "${module.flow_logs.aws_iam_role_policy.this}"),
        ("${module.network.aws_flow_log.this}", "${module.flow_logs.aws_flow_log.this}"),
    }
    # checkov cannot connect the flow log to the VPC across modules: the skip says so, only with flow logs.
    assert "#checkov:skip=CKV2_AWS_11:" in (rendered_examples["platform"] / "modules" / "network" / "main.tf").read_text()


def test_lambdas_and_cache_use_the_created_subnets(platform: dict) -> None:
    assert call(platform, "preprocessing")["subnet_ids"] == "${module.network.private_subnet_ids}"
    assert call(platform, "cache")["cache"]["subnet_ids"] == "${module.network.private_subnet_ids}"
    assert call(platform, "cache")["cache"]["vpc_id"] == "${module.network.vpc_id}"


def test_existing_vpc_keeps_todays_module_and_adds_only_asked_endpoints(tmp_path: Path) -> None:
    out = render_edited("platform", tmp_path / "plain", (NETWORK, EXISTING))
    assert hygiene_errors(out) == []
    tree = load_tree(out)
    args = call(tree, "network")
    assert sorted(k for k in args if k not in ("source", "__is_block__")) == ["security_groups", "subnet_ids", "vpc_id"]
    assert "aws_vpc" not in every_resource_type(tree) and "aws_vpc_endpoint" not in every_resource_type(tree)
    # The config's IDs are literals at the network call; consumers take them from the network module.
    assert s(args["vpc_id"]) == "vpc-0a1b2c3d4e5f60718"
    assert args["subnet_ids"] == ['"subnet-0a1b2c3d4e5f60001"', '"subnet-0a1b2c3d4e5f60002"']
    assert call(tree, "cache")["cache"]["subnet_ids"] == "${module.network.private_subnet_ids}"
    assert call(tree, "cache")["cache"]["vpc_id"] == "${module.network.vpc_id}"
    assert call(tree, "preprocessing")["subnet_ids"] == "${module.network.private_subnet_ids}"
    assert s(res(tree, "network")["aws_vpc_security_group_egress_rule.https"]["cidr_ipv4"]) == "0.0.0.0/0"
    assert "aws_security_group.endpoints" not in res(tree, "network")  # no interface endpoint: no group for them
    moved = {(m["from"], m["to"]) for m in tree["modules/network"]["moved.tf"]["moved"]}
    assert moved == {
        ("${aws_security_group.lambda}", '${aws_security_group.this["lambda"]}'),
        ("${aws_vpc_security_group_egress_rule.https}", '${aws_vpc_security_group_egress_rule.https["lambda"]}'),
    }

    out = render_edited("platform", tmp_path / "asked", (NETWORK, EXISTING + "  interface_endpoints: [ecr.api]\n"))
    assert hygiene_errors(out) == []
    tree = load_tree(out)
    args = call(tree, "network")
    # Only what the config lists: the components' contributions are not forced onto a VPC mlinfra does not own.
    assert {k.strip('"'): s(v) for k, v in args["interface_endpoints"].items()} == {"ecr.api": "com.amazonaws.us-east-1.ecr.api"}
    assert args["subnet_ids"] == ['"subnet-0a1b2c3d4e5f60001"', '"subnet-0a1b2c3d4e5f60002"']
    assert res(tree, "network")["aws_vpc_security_group_ingress_rule.endpoints"]["for_each"] == "${var.security_groups}"


def test_one_endpoint_per_service_however_many_ask(tmp_path: Path) -> None:
    sink = VpcEndpoints()
    sink.add("sagemaker.runtime", by="preprocessing")
    sink.add("sagemaker.runtime", by="endpoint")
    sink.add("logs", by="endpoint")
    assert sink.requested() == {"logs": ("endpoint",), "sagemaker.runtime": ("endpoint", "preprocessing")}
    # The config asks for one a component contributes too: still one endpoint.
    out = render_edited("platform", tmp_path, (NETWORK, NETWORK + "  interface_endpoints: [sagemaker.runtime, sts]\n"))
    args = call(load_tree(out), "network")
    assert sorted(k.strip('"') for k in args["interface_endpoints"]) == ["ecr.api", "ecr.dkr", "sagemaker.runtime", "secretsmanager", "sns", "sts"]


def test_flow_logs_off(tmp_path: Path) -> None:
    out = render_edited("platform", tmp_path, (NETWORK, NETWORK + "  flow_logs: {enabled: false}\n"))
    tree = load_tree(out)
    assert "aws_flow_log" not in every_resource_type(tree) and "flow_logs" not in call(tree, "network")
    assert "modules/flow_logs" not in tree
    assert "module.flow_logs" not in (out / "moved.tf").read_text()  # (the root's moves are the endpoints')
    assert "CKV2_AWS_11" not in (out / "modules" / "network" / "main.tf").read_text()  # flagged, as it should be
    assert hygiene_errors(out) == []


def test_china_service_names() -> None:
    assert endpoint_service_name("cn-north-1", "ecr.api") == "cn.com.amazonaws.cn-north-1.ecr.api"
    assert endpoint_service_name("cn-northwest-1", "sagemaker.runtime") == "cn.com.amazonaws.cn-northwest-1.sagemaker.runtime"
    # The S3 and DynamoDB gateway endpoints keep the com.amazonaws prefix in China.
    assert endpoint_service_name("cn-north-1", "s3", gateway=True) == "com.amazonaws.cn-north-1.s3"
    assert endpoint_service_name("us-gov-west-1", "ecr.dkr") == "com.amazonaws.us-gov-west-1.ecr.dkr"
    assert endpoint_service_name("eu-west-1", "sts") == "com.amazonaws.eu-west-1.sts"


# --- the config's rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "anchor", "path", "code", "message"),
    [
        (NETWORK.replace("10.0.2.0/24", "10.1.2.0/24"), "private_subnets", "network.create.private_subnets[1]", "network-cidr", 'subnet "10.1.2.0/24" is not inside the VPC\'s cidr "10.0.0.0/16"'),
        (NETWORK.replace("10.0.2.0/24", "10.0.1.128/25"), "private_subnets", "network.create.private_subnets[1]", "network-cidr", 'overlaps private_subnets[0] "10.0.1.0/24"'),
        (NETWORK.replace("10.0.0.0/16", "10.0.0.0/33"), "cidr:", "network.create.cidr", "network-cidr", "is not an IPv4 CIDR block; write it like 10.0.0.0/16"),
        (NETWORK.replace("10.0.0.0/16", "10.0.0.1/16"), "cidr:", "network.create.cidr", "network-cidr", 'has host bits set'),
        (NETWORK.replace("10.0.0.0/16", "10.0.0.0/8"), "cidr:", "network.create.cidr", "network-cidr", "between /16 and /28"),
        (NETWORK.replace("[10.0.1.0/24, 10.0.2.0/24]", "[10.0.1.0/24]"), "private_subnets", "network.create.private_subnets", None, "at least 2"),
        (NETWORK + "  vpc_id: vpc-0a1b2c3d4e5f60718\n", "create:", "network.create", "network-mode", "keep one of them"),
        ("network:\n  flow_logs: {retention_days: 30}\n", "network:", "network", "network-mode", "or create:"),
    ],
    ids=["outside", "overlap", "notation", "host-bits", "too-big", "one-subnet", "both-modes", "neither"],
)
def test_network_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new: str, anchor: str, path: str, code: str | None, message: str) -> None:
    config = edited("platform", tmp_path, (NETWORK, new))
    text = config.read_text()
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    run = cli("render", str(config.name), "-o", "out")
    assert_no_traceback(run)
    assert run.exit_code == 2, run.everything
    assert_error_line(run, config.name, line_of(text, anchor) if anchor == "network:" else line_of(text, anchor, after="network:"), path, code, message)
    assert snapshot(tmp_path) == before  # nothing written
