"""The stand-in provider's own logic, called in-process (the Terraform tests drive it through the protocol)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from tf.gen import tfplugin_pb2 as pb

from tests.support.standin.cty import UNKNOWN, decode_msgpack, encode_msgpack, parse_type
from tests.support.standin.provider import StandinProvider, build_archive


def _dv(value, t):
    return pb.DynamicValue(msgpack=encode_msgpack(value, t))


def test_msgpack_round_trip_keeps_unknowns_and_fills_absent_attributes() -> None:
    t = parse_type(["object", {"a": "string", "b": ["list", "number"], "c": ["map", "bool"]}])
    data = encode_msgpack({"a": UNKNOWN, "b": [1, 2.5]}, t)
    assert b"\xd4\x00\x00" in data  # cty's unknown: fixext1, extension type 0
    assert decode_msgpack(data, t) == {"a": UNKNOWN, "b": [1, 2.5], "c": None}


def _role(provider: StandinProvider, **config):
    block = provider.schema.resources["aws_iam_role"]
    t = block.type()
    value = {name: None for name in t[1]}
    value.update(config)
    return block, t, value


def test_create_plans_computed_unknown_and_apply_fills_them_consistently() -> None:
    provider = StandinProvider("aws")
    provider.ConfigureProvider(pb.ConfigureProvider.Request(config=_dv({"region": "eu-west-1"}, provider.schema.provider.type())), None)
    _, t, proposed = _role(provider, name="r", assume_role_policy="{}")
    planned = decode_msgpack(provider.PlanResourceChange(pb.PlanResourceChange.Request(type_name="aws_iam_role", prior_state=_dv(None, t), proposed_new_state=_dv(proposed, t), config=_dv(proposed, t)), None).planned_state.msgpack, t)
    assert planned["arn"] is UNKNOWN and planned["id"] is UNKNOWN and planned["name"] == "r"
    applied = provider.ApplyResourceChange(pb.ApplyResourceChange.Request(type_name="aws_iam_role", prior_state=_dv(None, t), planned_state=_dv(planned, t), config=_dv(proposed, t)), None)
    assert not applied.diagnostics
    state = decode_msgpack(applied.new_state.msgpack, t)
    assert state["arn"] == "arn:aws:iam::123456789012:role/r" and state["id"] == "r"
    again = decode_msgpack(provider.ApplyResourceChange(pb.ApplyResourceChange.Request(type_name="aws_iam_role", prior_state=_dv(None, t), planned_state=_dv(planned, t), config=_dv(proposed, t)), None).new_state.msgpack, t)
    assert again == state  # deterministic


def test_a_changed_name_requires_replacement() -> None:
    provider = StandinProvider("aws")
    _, t, prior = _role(provider, name="old", assume_role_policy="{}", arn="arn:aws:iam::123456789012:role/old", id="old")
    proposed = {**prior, "name": "new"}
    response = provider.PlanResourceChange(pb.PlanResourceChange.Request(type_name="aws_iam_role", prior_state=_dv(prior, t), proposed_new_state=_dv(proposed, t), config=_dv(proposed, t)), None)
    assert [s.attribute_name for p in response.requires_replace for s in p.steps] == ["name"]
    planned = decode_msgpack(response.planned_state.msgpack, t)
    assert planned["arn"] is UNKNOWN  # a new object: its computed values are unknown again


def test_acm_validation_options_are_known_per_domain_at_plan_time() -> None:
    provider = StandinProvider("aws")
    t = provider.schema.resources["aws_acm_certificate"].type()
    proposed = {name: None for name in t[1]} | {"domain_name": "api.example.com", "subject_alternative_names": ["www.example.com"]}
    planned = decode_msgpack(provider.PlanResourceChange(pb.PlanResourceChange.Request(type_name="aws_acm_certificate", prior_state=_dv(None, t), proposed_new_state=_dv(proposed, t), config=_dv(proposed, t)), None).planned_state.msgpack, t)
    options = planned["domain_validation_options"]
    assert [o["domain_name"] for o in options] == ["api.example.com", "www.example.com"]
    assert all(o["resource_record_value"] is UNKNOWN for o in options)


def test_an_error_becomes_a_diagnostic() -> None:
    response = StandinProvider("aws").ReadDataSource(pb.ReadDataSource.Request(type_name="aws_region", config=pb.DynamicValue(msgpack=b"\x81\xa4nope\xc0")), None)
    assert "unsupported attribute" in response.diagnostics[0].summary


def test_archive_file_builds_a_deterministic_zip(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "handler.py").write_text("def handler(e, c):\n    return e\n")
    first = build_archive({"type": "zip", "source_dir": str(src), "output_path": str(tmp_path / "a.zip"), "output_file_mode": "0644"})
    second = build_archive({"type": "zip", "source_dir": str(src), "output_path": str(tmp_path / "b.zip"), "output_file_mode": "0644"})
    assert first == second and first["output_size"] == (tmp_path / "a.zip").stat().st_size
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert zf.namelist() == ["handler.py"] and zf.getinfo("handler.py").external_attr >> 16 == 0o100644


# --- awscc: nested attributes on Terraform 1.0.3 ------------------------------------------------------

AWSCC_TREE = '''
terraform {
  required_providers {
    awscc = {
      source  = "hashicorp/awscc"
      version = "1.106.0"
    }
  }
}

provider "awscc" {
  region = "eu-west-1"
}

resource "awscc_sagemaker_model_quality_job_definition" "this" {
  job_definition_name = "churn-model-quality"
  role_arn            = "arn:aws:iam::123456789012:role/monitor"
  job_resources = {
    cluster_config = {
      instance_count    = 1
      instance_type     = "ml.m5.xlarge"
      volume_size_in_gb = 20
    }
  }
  model_quality_app_specification = {
    image_uri    = "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"
    problem_type = "BinaryClassification"
  }
  model_quality_job_input = {
    endpoint_input = {
      endpoint_name       = "churn"
      local_path          = "/opt/ml/processing/input/endpoint"
      inference_attribute = "prediction"
    }
    ground_truth_s3_input = { s3_uri = "s3://bucket/ground-truth/" }
  }
  model_quality_job_output_config = {
    monitoring_outputs = [{
      s3_output = {
        local_path = "/opt/ml/processing/output"
        s3_uri     = "s3://bucket/reports/"
      }
    }]
  }
  tags = [{ key = "team", value = "ml" }]
}

resource "awscc_sagemaker_monitoring_schedule" "this" {
  monitoring_schedule_name = "churn-model-quality"
  monitoring_schedule_config = {
    monitoring_job_definition_name = awscc_sagemaker_model_quality_job_definition.this.job_definition_name
    monitoring_type                = "ModelQuality"
    schedule_config                = { schedule_expression = "cron(0 * ? * * *)" }
  }
  tags = [{ key = "team", value = "ml" }]
}
'''


def test_awscc_nested_attributes_are_served_as_nested_types_only() -> None:
    provider = StandinProvider("awscc")
    schema = provider.GetProviderSchema(pb.GetProviderSchema.Request(), None)
    attrs = {a.name: a for a in schema.resource_schemas["awscc_sagemaker_model_quality_job_definition"].block.attributes}
    job_input = attrs["model_quality_job_input"]
    # Terraform 1.0.3 panics on an attribute with a type and a nested type.
    assert job_input.type == b"" and job_input.nested_type.nesting == pb.Schema.Object.SINGLE
    inner = {a.name: a for a in job_input.nested_type.attributes}
    assert inner["ground_truth_s3_input"].nested_type.attributes[0].name == "s3_uri"
    assert inner["ground_truth_s3_input"].nested_type.attributes[0].type == b'"string"'
    # Required nested attributes are served optional+computed (1.0.3's ProposedNew would panic on
    # them); their primitive fields keep the provider's flags.
    assert (job_input.required, job_input.optional, job_input.computed) == (False, True, True)
    outputs = {a.name: a for a in attrs["model_quality_job_output_config"].nested_type.attributes}["monitoring_outputs"]
    assert outputs.nested_type.nesting == pb.Schema.Object.LIST and outputs.computed
    s3_output = {a.name: a for a in outputs.nested_type.attributes}["s3_output"]
    assert {a.name: a.required for a in s3_output.nested_type.attributes} == {"local_path": True, "s3_upload_mode": False, "s3_uri": True}
    assert attrs["role_arn"].required and not attrs["role_arn"].computed
    # The provider's own schema (not planned) is served as it is.
    provider_attrs = {a.name: a for a in schema.provider.block.attributes}
    assert provider_attrs["assume_role"].optional and not provider_attrs["assume_role"].computed


def _plan(provider: StandinProvider, type_name: str, prior, proposed):
    t = provider.schema.resources[type_name].type()
    response = provider.PlanResourceChange(pb.PlanResourceChange.Request(type_name=type_name, prior_state=_dv(prior, t), proposed_new_state=_dv(proposed, t), config=_dv(proposed, t)), None)
    assert not response.diagnostics, response.diagnostics
    return decode_msgpack(response.planned_state.msgpack, t)


def _nulls(t):
    return {k: None for k in t[1]}


def test_awscc_computed_values_inside_nested_attributes_are_planned_then_kept() -> None:
    provider = StandinProvider("awscc")
    kind = "awscc_sagemaker_monitoring_schedule"
    t = provider.schema.resources[kind].type()
    config_t = t[1]["monitoring_schedule_config"]
    proposed = _nulls(t) | {
        "monitoring_schedule_name": "s",
        "monitoring_schedule_config": _nulls(config_t) | {
            "monitoring_job_definition_name": "j",
            "schedule_config": _nulls(config_t[1]["schedule_config"]) | {"schedule_expression": "cron(0 * ? * * *)"},
        },
        "tags": [{"key": "team", "value": "ml"}],
    }
    planned = _plan(provider, kind, None, proposed)
    schedule = planned["monitoring_schedule_config"]["schedule_config"]
    assert schedule["schedule_expression"] == "cron(0 * ? * * *)" and schedule["data_analysis_start_time"] is UNKNOWN
    assert planned["monitoring_schedule_config"]["monitoring_job_definition"] is UNKNOWN
    applied = provider.ApplyResourceChange(pb.ApplyResourceChange.Request(type_name=kind, prior_state=_dv(None, t), planned_state=_dv(planned, t), config=_dv(proposed, t)), None)
    state = decode_msgpack(applied.new_state.msgpack, t)
    assert state["monitoring_schedule_arn"] == state["id"] == "arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/s"
    assert state["tags"] == [{"key": "team", "value": "ml"}]
    filled = state["monitoring_schedule_config"]["schedule_config"]["data_analysis_start_time"]
    assert isinstance(filled, str)
    # The next plan: 1.0.3 proposes the configured nested value as it stands (its computed values
    # null); the stand-in keeps the prior ones, as 1.0.7 would have proposed.
    again = _plan(provider, kind, state, proposed | {"id": state["id"], "monitoring_schedule_arn": state["monitoring_schedule_arn"], "creation_time": state["creation_time"],
                                                     "last_modified_time": state["last_modified_time"], "monitoring_schedule_status": state["monitoring_schedule_status"],
                                                     "endpoint_name": state["endpoint_name"], "failure_reason": state["failure_reason"],
                                                     "last_monitoring_execution_summary": state["last_monitoring_execution_summary"]})
    assert again == state
    # A changed configured value is planned; the computed values beside it stay.
    changed = proposed | {k: again[k] for k in again if proposed.get(k) is None}
    changed["monitoring_schedule_config"] = {**proposed["monitoring_schedule_config"], "schedule_config": {**proposed["monitoring_schedule_config"]["schedule_config"], "schedule_expression": "cron(0 0 ? * * *)"}}
    third = _plan(provider, kind, state, changed)
    assert third["monitoring_schedule_config"]["schedule_config"] == {"schedule_expression": "cron(0 0 ? * * *)", "data_analysis_start_time": filled,
                                                                      "data_analysis_end_time": state["monitoring_schedule_config"]["schedule_config"]["data_analysis_end_time"]}


def test_awscc_required_nested_attributes_are_still_required() -> None:
    provider = StandinProvider("awscc")
    kind = "awscc_sagemaker_model_quality_job_definition"
    t = provider.schema.resources[kind].type()
    output_t = t[1]["model_quality_job_output_config"]
    config = _nulls(t) | {"role_arn": "r", "model_quality_job_output_config": _nulls(output_t) | {"monitoring_outputs": [{"s3_output": None}]}}
    response = provider.ValidateResourceConfig(pb.ValidateResourceConfig.Request(type_name=kind, config=_dv(config, t)), None)
    found = {(d.summary, d.detail, tuple(s.attribute_name or s.element_key_int for s in d.attribute.steps)) for d in response.diagnostics}
    assert found == {
        ("Missing required argument", f'The argument "{name}" is required, but no definition was found.', path)
        for name, path in [
            ("job_resources", ("job_resources",)),
            ("model_quality_app_specification", ("model_quality_app_specification",)),
            ("model_quality_job_input", ("model_quality_job_input",)),
            ("s3_output", ("model_quality_job_output_config", "monitoring_outputs", 0, "s3_output")),
        ]
    }


def _tf(tree: Path, env: dict, *args: str, ok=(0,)):
    from tests.support.terraform_cycle import run, terraform_binary

    return run(terraform_binary(), env, tree, args[0], *args, "-no-color", ok=ok)


@pytest.mark.terraform
def test_awscc_round_trip_through_terraform(tmp_path: Path, standin_env: dict) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text(AWSCC_TREE)
    _tf(tree, standin_env, "init", "-input=false")
    _tf(tree, standin_env, "validate")
    _tf(tree, standin_env, "plan", "-input=false", "-out=tfplan")
    _tf(tree, standin_env, "apply", "-input=false", "-auto-approve", "tfplan")
    state = {r["type"]: r["instances"][0]["attributes"] for r in json.loads((tree / "terraform.tfstate").read_text())["resources"]}
    assert set(state) == {"awscc_sagemaker_model_quality_job_definition", "awscc_sagemaker_monitoring_schedule"}
    # awscc has no default_tags: each resource carries its tags itself.
    assert all(attributes["tags"] == [{"key": "team", "value": "ml"}] for attributes in state.values())
    job = state["awscc_sagemaker_model_quality_job_definition"]
    assert job["job_definition_arn"] == "arn:aws:sagemaker:eu-west-1:123456789012:model-quality-job-definition/churn-model-quality"
    assert isinstance(job["model_quality_job_input"]["endpoint_input"]["s3_input_mode"], str)  # computed inside a nested attribute
    assert state["awscc_sagemaker_monitoring_schedule"]["monitoring_schedule_config"]["monitoring_job_definition_name"] == "churn-model-quality"
    # The second plan is empty although 1.0.3 proposes the nested computed values as null.
    _tf(tree, standin_env, "plan", "-input=false", "-detailed-exitcode")
    # A change inside a nested attribute is an in-place update of that value only.
    (tree / "main.tf").write_text(AWSCC_TREE.replace('schedule_expression = "cron(0 * ? * * *)"', 'schedule_expression = "cron(0 0 ? * * *)"'))
    changed = _tf(tree, standin_env, "plan", "-input=false", "-detailed-exitcode", "-out=tfplan", ok=(2,))
    assert "0 to add, 1 to change, 0 to destroy" in changed.stdout
    assert '~ schedule_expression      = "cron(0 * ? * * *)" -> "cron(0 0 ? * * *)"' in changed.stdout
    _tf(tree, standin_env, "apply", "-input=false", "-auto-approve", "tfplan")
    _tf(tree, standin_env, "plan", "-input=false", "-detailed-exitcode")
    _tf(tree, standin_env, "destroy", "-input=false", "-auto-approve")
    assert json.loads((tree / "terraform.tfstate").read_text())["resources"] == []


@pytest.mark.terraform
def test_awscc_missing_required_nested_attribute_fails_validate(tmp_path: Path, standin_env: dict) -> None:
    from tests.support.terraform_cycle import CycleError

    tree = tmp_path / "tree"
    tree.mkdir()
    # Core checks required primitive fields itself; a required nested attribute is the stand-in's check.
    outputs = """    monitoring_outputs = [{
      s3_output = {
        local_path = "/opt/ml/processing/output"
        s3_uri     = "s3://bucket/reports/"
      }
    }]"""
    assert outputs in AWSCC_TREE
    text = AWSCC_TREE.replace(outputs, "    monitoring_outputs = [{}]")
    (tree / "main.tf").write_text(text)
    _tf(tree, standin_env, "init", "-input=false")
    with pytest.raises(CycleError) as failed:
        _tf(tree, standin_env, "validate")
    message = " ".join(str(failed.value).split())
    assert "Error: Missing required argument with awscc_sagemaker_model_quality_job_definition.this" in message
    assert 'The argument "s3_output" is required, but no definition was found.' in message
