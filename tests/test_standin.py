"""The stand-in provider's own logic, called in-process (the Terraform tests drive it through the protocol)."""

from __future__ import annotations

import zipfile
from pathlib import Path

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
