"""The tfplugin6 Provider service of the stand-in: schema replay, plan, apply, read, import, upgrade.

Terraform core already checks a configuration against the schema (argument names and types,
required arguments, block counts, references); what the stand-in adds is what a real provider
decides: which computed values are unknown at plan time, what they become at apply, what data
sources return.  Plan and apply follow the SDK's rules, so Terraform's own consistency checks
("Provider produced inconsistent final plan / result after apply") hold:

* create: every computed attribute that is null in the proposed state becomes unknown (inside
  nested attributes too, as the plugin framework does);
* update: the proposed state is the plan (core has already carried prior computed values over),
  except inside nested attributes, see :func:`_carry_prior`;
* apply: every unknown is filled with a deterministic fake of its type (see fakes.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import traceback
import zipfile
from pathlib import Path
from typing import Any

from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc

from . import fakes, moto_backing, sagemaker_rules, world
from .cty import UNKNOWN, Dyn, decode_json, decode_msgpack, encode_msgpack, has_unknown, plain
from .schema import Attr, Block, Nested, ProviderSchema, load, missing_required, to_proto

# Attributes whose change the real provider cannot apply in place (ForceNew), per resource type; the
# obvious ones only (names, identities, immutable SageMaker objects), enough for a plan that replaces.
NAME_UPDATABLE = {"aws_api_gateway_rest_api", "aws_api_gateway_usage_plan", "aws_api_gateway_api_key", "aws_cloudfront_distribution"}
FORCE_NEW = {
    "*": ("name", "name_prefix"),
    "aws_sagemaker_model": ("execution_role_arn", "primary_container", "container", "vpc_config"),
    "aws_sagemaker_endpoint_configuration": ("production_variants", "shadow_production_variants", "data_capture_config", "async_inference_config", "kms_key_arn"),
    "aws_s3_bucket": ("bucket", "bucket_prefix"),
    "aws_lambda_function": ("function_name",),
    "aws_dynamodb_table": ("name",),
    "aws_elasticache_replication_group": ("replication_group_id",),
    "aws_cloudwatch_log_group": ("name",),
    "aws_kms_alias": ("name",),
    # SageMaker has no Update API for these: the real provider marks every argument but the tags
    # ForceNew (awscc: every property but Tags is createOnly); see IMMUTABLE.
    "random_password": ("length", "keepers", "special", "upper", "lower", "numeric", "override_special"),
    "random_id": ("byte_length", "keepers", "prefix"),
    "random_string": ("length", "keepers", "special", "upper", "lower", "numeric", "override_special"),
}

IMMUTABLE = {
    "aws_sagemaker_model",
    "aws_sagemaker_endpoint_configuration",
    "aws_sagemaker_data_quality_job_definition",
    "awscc_sagemaker_model_quality_job_definition",
    "awscc_sagemaker_model_bias_job_definition",
    "awscc_sagemaker_model_explainability_job_definition",
}
UPDATABLE_TAGS = ("tags", "tags_all")


def _diag(summary: str, detail: str = "") -> Any:
    return pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)


def _decode(dv: Any, t: Any) -> Any:
    if dv.msgpack:
        return decode_msgpack(dv.msgpack, t)
    if dv.json:
        return decode_json(dv.json, t)
    return None


def _encode(value: Any, t: Any) -> Any:
    return pb.DynamicValue(msgpack=encode_msgpack(value, t))


def _guarded(method):
    """An exception becomes an error diagnostic with its traceback (Terraform shows it)."""

    def wrapper(self, request, context):
        try:
            return method(self, request, context)
        except Exception as exc:  # noqa: BLE001 - reported to Terraform, not swallowed
            response = getattr(pb, method.__name__).Response
            print(traceback.format_exc(), file=sys.stderr)
            return response(diagnostics=[_diag(f"stand-in provider: {type(exc).__name__}: {exc}", traceback.format_exc())])

    wrapper.__name__ = method.__name__
    return wrapper


def _unknown_computed(block: Block, obj: dict) -> dict:
    """Computed attributes left null by the configuration become unknown (recursively)."""
    out = _unknown_attrs(block.attributes, obj)
    for name, nb in block.blocks.items():
        v = out.get(name)
        if v is None or v is UNKNOWN:
            continue
        if isinstance(v, Dyn):
            out[name] = Dyn(v.type, [_unknown_computed(nb.block, e) for e in v.value])
            continue
        out[name] = _unknown_computed(nb.block, v) if nb.nesting == "single" else [_unknown_computed(nb.block, e) for e in v]
    return out


def _unknown_attrs(attrs: dict[str, Attr], obj: dict) -> dict:
    out = dict(obj)
    for name, a in attrs.items():
        v = out.get(name)
        if a.computed and v is None:
            out[name] = UNKNOWN
        elif a.nested is not None and v is not None and v is not UNKNOWN:
            out[name] = _each_nested(a.nested, v, lambda e, attrs=a.nested.attributes: _unknown_attrs(attrs, e))
    return out


def _each_nested(nested: Nested, v: Any, fn) -> Any:
    if nested.nesting == "single":
        return fn(v)
    if nested.nesting == "map":
        return {k: fn(e) for k, e in v.items()}
    return [fn(e) for e in v]


def _carry_prior(attrs: dict[str, Attr], prior: dict | None, proposed: dict) -> dict:
    """What Terraform >= 1.0.7 proposes for nested attributes, done here for 1.0.3.

    1.0.3's ProposedNew (plans/objchange) takes an optional+computed nested attribute's configured
    value as it stands, so the computed values inside it (planned unknown at create, filled at apply)
    arrive as null at the next plan: planned as given, every apply would "change" them back and
    forth.  1.0.7 (#29559, #29580) descends into nested attributes and keeps the prior value of each
    computed attribute the configuration leaves null, as it always did for blocks; the provider may
    return that (AssertPlanValid: a computed attribute that is null in the configuration may take any
    value), so the stand-in plans what 1.0.7 would have proposed.  Elements are matched by index
    (list), key (map), or as the configured values of a set element agree with a prior element.
    """
    if not isinstance(prior, dict):
        return proposed
    out = dict(proposed)
    for name, a in attrs.items():
        p, v = prior.get(name), out.get(name)
        if a.computed and v is None:
            out[name] = p
        elif a.nested is not None and v is not None and v is not UNKNOWN and p is not None and p is not UNKNOWN:
            out[name] = _carry_nested(a.nested, p, v)
    return out


def _carry_nested(nested: Nested, prior: Any, proposed: Any) -> Any:
    attrs = nested.attributes
    match nested.nesting:
        case "single":
            return _carry_prior(attrs, prior, proposed)
        case "list":
            return [_carry_prior(attrs, prior[i] if i < len(prior) else None, e) for i, e in enumerate(proposed)]
        case "map":
            return {k: _carry_prior(attrs, prior.get(k), e) for k, e in proposed.items()}
    unused = list(prior)
    out = []
    for e in proposed:
        match = next((p for p in unused if _agrees(attrs, p, e)), None)
        if match is not None:
            unused.remove(match)
        out.append(_carry_prior(attrs, match, e))
    return out


def _agrees(attrs: dict[str, Attr], prior: Any, config: Any) -> bool:
    """Every value the configuration gives equals the prior one (computed values left null aside)."""
    if not isinstance(prior, dict) or not isinstance(config, dict):
        return False
    for name, a in attrs.items():
        c, p = config.get(name), prior.get(name)
        if c is None and a.computed:
            continue
        if a.nested is not None and a.nested.nesting == "single" and isinstance(c, dict):
            if not _agrees(a.nested.attributes, p, c):
                return False
        elif plain(c) != plain(p):
            return False
    return True


class StandinProvider(rpc.ProviderServicer):
    def __init__(self, name: str):
        self.schema: ProviderSchema = load(name)
        self.region = ""
        self.account = fakes.ACCOUNT
        self.default_tags: dict[str, str] = {}
        self.on_stop = lambda: None

    # -- schema and configuration -------------------------------------------------------------------

    @_guarded
    def GetProviderSchema(self, request, context):
        return pb.GetProviderSchema.Response(
            provider=pb.Schema(block=to_proto(self.schema.provider, pb)),
            resource_schemas={k: pb.Schema(block=to_proto(b, pb, planned=True)) for k, b in self.schema.resources.items()},
            data_source_schemas={k: pb.Schema(block=to_proto(b, pb)) for k, b in self.schema.data_sources.items()},
        )

    @_guarded
    def ValidateProviderConfig(self, request, context):
        return pb.ValidateProviderConfig.Response()

    @_guarded
    def ValidateResourceConfig(self, request, context):
        block = self._resource(request.type_name)
        config = _decode(request.config, block.type())
        # Terraform's own words for what it checks itself on every other required argument.
        diagnostics = [
            pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary="Missing required argument",
                          detail=f'The argument "{path[-1]}" is required, but no definition was found.', attribute=_attribute_path(path))
            for path in missing_required(block, config)
        ]
        rules = os.environ.get("STANDIN_SAGEMAKER_RULES")
        if rules and request.type_name in sagemaker_rules.ROOTS:
            diagnostics += [
                pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail, attribute=_attribute_path(path))
                for path, summary, detail in sagemaker_rules.errors(rules, request.type_name, config)
            ]
        return pb.ValidateResourceConfig.Response(diagnostics=diagnostics)

    @_guarded
    def ValidateDataResourceConfig(self, request, context):
        return pb.ValidateDataResourceConfig.Response()

    @_guarded
    def ConfigureProvider(self, request, context):
        config = _decode(request.config, self.schema.provider.type()) or {}
        self.region = config.get("region") or os.environ.get("AWS_REGION") or "us-east-1"
        self.account = world.account_of(config, fakes.ACCOUNT)
        tags_blocks = config.get("default_tags") or []
        if isinstance(tags_blocks, dict):
            tags_blocks = [tags_blocks]
        for block in tags_blocks:
            self.default_tags.update(block.get("tags") or {})
        return pb.ConfigureProvider.Response()

    @_guarded
    def StopProvider(self, request, context):
        return pb.StopProvider.Response()

    # -- managed resources ----------------------------------------------------------------------------

    def _resource(self, type_name: str) -> Block:
        return self.schema.resources[type_name]

    @_guarded
    def UpgradeResourceState(self, request, context):
        block = self._resource(request.type_name)
        t = block.type()
        raw = json.loads(request.raw_state.json or b"null")
        if isinstance(raw, dict):  # attributes the schema no longer has are dropped, as the SDK does
            raw = _prune(raw, t)
        value = decode_json(json.dumps(raw), t)
        return pb.UpgradeResourceState.Response(upgraded_state=_encode(value, t))

    @_guarded
    def ReadResource(self, request, context):
        # Nothing drifts: the state is what apply wrote.
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    @_guarded
    def ImportResourceState(self, request, context):
        block = self._resource(request.type_name)
        state = {name: None for name in block.type()[1]}
        state["id"] = request.id
        return pb.ImportResourceState.Response(
            imported_resources=[pb.ImportResourceState.ImportedResource(type_name=request.type_name, state=_encode(state, block.type()))]
        )

    @_guarded
    def PlanResourceChange(self, request, context):
        block = self._resource(request.type_name)
        t = block.type()
        prior = _decode(request.prior_state, t)
        proposed = _decode(request.proposed_new_state, t)
        if proposed is None:  # destroy
            return pb.PlanResourceChange.Response(planned_state=request.proposed_new_state)
        replace = []
        if prior is None:
            planned = _unknown_computed(block, proposed)
            planned = self._plan_hook(request.type_name, planned)
        else:
            planned = _carry_prior({n: a for n, a in block.attributes.items() if a.nested is not None}, prior, proposed)
            force = (() if request.type_name in NAME_UPDATABLE else FORCE_NEW["*"]) + FORCE_NEW.get(request.type_name, ())
            if request.type_name in IMMUTABLE:
                force = tuple(a for a in t[1] if a not in UPDATABLE_TAGS and a not in _computed_only(block))
            for attr in force:
                if attr in t[1] and plain(prior.get(attr)) != plain(planned.get(attr)):
                    replace.append(pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=attr)]))
            if replace:  # a replacement is a create: its computed values are unknown again
                planned = self._plan_hook(request.type_name, _unknown_computed(block, {k: (None if k in _computed_only(block) else v) for k, v in proposed.items()}))
        if "tags_all" in block.attributes:
            tags = planned.get("tags")
            planned["tags_all"] = UNKNOWN if has_unknown(tags) else {**self.default_tags, **(tags or {})}
        return pb.PlanResourceChange.Response(planned_state=_encode(planned, t), requires_replace=replace)

    @_guarded
    def ApplyResourceChange(self, request, context):
        block = self._resource(request.type_name)
        t = block.type()
        planned = _decode(request.planned_state, t)
        prior = _decode(request.prior_state, t)
        shared = self.world()
        if planned is None:  # destroy
            shared.delete(request.type_name, plain(prior))
            if moto_backing.enabled(request.type_name):
                try:
                    moto_backing.apply(request.type_name, prior, None, self.region)
                except moto_backing.BackingError as exc:
                    return pb.ApplyResourceChange.Response(diagnostics=[_diag(f"deleting {request.type_name}: {exc}")])
            return pb.ApplyResourceChange.Response(new_state=request.planned_state)
        if prior is not None and request.type_name in IMMUTABLE:
            changed = sorted(a for a in t[1] if a not in UPDATABLE_TAGS and plain(prior.get(a)) != plain(planned.get(a)) and planned.get(a) is not UNKNOWN)
            if changed:  # the plan should have replaced it: there is no API that could do this
                return pb.ApplyResourceChange.Response(diagnostics=[_diag(
                    f"updating {request.type_name} in place: SageMaker has no Update API for it", f"changed: {', '.join(changed)}")])
        state = self._apply_hook(request.type_name, planned)
        state = self.faker().fill(request.type_name, state, block)
        if prior is None:
            try:
                shared.create(request.type_name, plain(state))
            except world.AwsError as exc:
                return pb.ApplyResourceChange.Response(diagnostics=[_diag(str(exc))])
        if moto_backing.enabled(request.type_name):  # STANDIN_MOTO: the object in a moto server too
            try:
                # What the configuration gave (the planned values), not the stand-in's fakes of what AWS computes.
                moto_backing.apply(request.type_name, prior, planned, self.region)
            except moto_backing.BackingError as exc:
                return pb.ApplyResourceChange.Response(diagnostics=[_diag(f"{'creating' if prior is None else 'updating'} {request.type_name}: {exc}")])
        return pb.ApplyResourceChange.Response(new_state=_encode(state, t))

    def faker(self) -> fakes.Faker:
        return fakes.Faker(self.region, self.account)

    def world(self) -> world.World:
        return world.World(os.environ.get(world.WORLD_ENV), self.account, self.region, fakes.partition_of(self.region))

    def _plan_hook(self, type_name: str, planned: dict) -> dict:
        """Values the real provider knows at plan time."""
        if type_name == "aws_acm_certificate":
            # One validation record per distinct domain; the domain is known at plan time, the record
            # only after the certificate exists (the edge module for_eaches over this).
            sans = planned.get("subject_alternative_names")
            names = [planned.get("domain_name")] + ([] if sans is UNKNOWN else list(sans or []))
            if not has_unknown(names):
                planned["domain_validation_options"] = [
                    {"domain_name": n, "resource_record_name": UNKNOWN, "resource_record_type": UNKNOWN, "resource_record_value": UNKNOWN}
                    for n in sorted(set(names))
                ]
        if type_name in ("random_password", "random_string"):
            for attr in ("lower", "upper", "numeric", "number", "special"):
                if planned.get(attr) is UNKNOWN:
                    planned[attr] = True
            for attr in ("min_lower", "min_upper", "min_numeric", "min_special"):
                if planned.get(attr) is UNKNOWN:
                    planned[attr] = 0
        return planned

    def _apply_hook(self, type_name: str, state: dict) -> dict:
        """Values with a shape the generic fakes do not know."""
        state = dict(state)
        if type_name == "aws_acm_certificate" and isinstance(state.get("domain_validation_options"), list):
            state["domain_validation_options"] = [
                {
                    "domain_name": o["domain_name"],
                    "resource_record_name": f"_{fakes.token(o['domain_name'], length=32)}.{o['domain_name']}.",
                    "resource_record_type": "CNAME",
                    "resource_record_value": f"_{fakes.token('value', o['domain_name'], length=32)}.acm-validations.aws.",
                }
                for o in state["domain_validation_options"]
            ]
        if type_name in ("random_password", "random_string"):
            seed = {k: v for k, v in state.items() if v is not UNKNOWN}
            result = fakes.random_string(seed, int(state["length"]), special=bool(state.get("special")))
            state["result"] = result
            if type_name == "random_password":
                state["id"] = "none"
                if "bcrypt_hash" in state:
                    state["bcrypt_hash"] = "$2a$10$" + fakes.token("bcrypt", result, length=53)
            else:
                state["id"] = result
        if type_name == "random_id":
            raw = hashlib.sha256(json.dumps(plain(state), sort_keys=True).encode()).digest()[: int(state["byte_length"])]
            prefix = state.get("prefix") or ""
            state.update(
                b64_url=prefix + base64.urlsafe_b64encode(raw).decode().rstrip("="),
                b64_std=prefix + base64.b64encode(raw).decode(),
                hex=prefix + raw.hex(),
                dec=prefix + str(int.from_bytes(raw, "big")),
            )
            state["id"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return state

    # -- data sources -----------------------------------------------------------------------------------

    @_guarded
    def ReadDataSource(self, request, context):
        block = self.schema.data_sources[request.type_name]
        t = block.type()
        config = _decode(request.config, t)
        state = self._read(request.type_name, config)
        state = self.faker().fill(request.type_name, _unknown_computed(block, state), block)
        return pb.ReadDataSource.Response(state=_encode(state, t))

    def _read(self, type_name: str, config: dict) -> dict:
        state = dict(config)
        region = config.get("region") or self.region
        partition = fakes.partition_of(region)
        suffix = fakes.dns_suffix(partition)
        match type_name:
            case "aws_caller_identity":
                state.update(account_id=self.account, arn=f"arn:{partition}:iam::{self.account}:user/standin", user_id="AIDASTANDINUSER", id=self.account)
            case "aws_partition":
                state.update(partition=partition, dns_suffix=suffix, reverse_dns_prefix=".".join(reversed(suffix.split("."))), id=partition)
            case "aws_region":
                state.update({k: v for k, v in dict(name=region, region=region, endpoint=f"ec2.{region}.{suffix}", description=region, id=region).items() if k in state})
            case "aws_availability_zones":
                state.update(
                    names=[f"{region}{z}" for z in "abc"],
                    zone_ids=[f"{region[:2]}{region.split('-')[1][0]}{region[-1]}-az{i}" for i in (1, 2, 3)],
                    group_names=[region],
                    id=region,
                )
            case "aws_iam_policy_document":
                doc = fakes.policy_document(plain(config))
                state.update(json=doc, minified_json=json.dumps(json.loads(doc), separators=(",", ":")), id=str(int(hashlib.sha256(doc.encode()).hexdigest()[:8], 16)))
            case "aws_route53_zone":
                name = (config.get("name") or "example.com").rstrip(".")
                zone_id = config.get("zone_id") or "Z" + fakes.token(name, length=20).upper()
                state.update(name=name, zone_id=zone_id, id=zone_id, arn=f"arn:{partition}:route53:::hostedzone/{zone_id}",
                             name_servers=[f"ns-{i}.awsdns-{i}.org" for i in (1, 2)], private_zone=bool(config.get("private_zone")))
            case "aws_cloudfront_cache_policy" | "aws_cloudfront_origin_request_policy":
                state["id"] = config.get("id") or fakes.fake_uuid(type_name, config.get("name"))
            case "archive_file":
                state.update(build_archive(config))
        return {k: v for k, v in state.items() if k in config}


def _attribute_path(path: list) -> Any:
    steps = []
    for step in path:
        if isinstance(step, tuple):  # ("key", map key)
            steps.append(pb.AttributePath.Step(element_key_string=step[1]))
        elif isinstance(step, int):
            steps.append(pb.AttributePath.Step(element_key_int=step))
        else:
            steps.append(pb.AttributePath.Step(attribute_name=step))
    return pb.AttributePath(steps=steps)


def _computed_only(block: Block) -> set[str]:
    return {n for n, a in block.attributes.items() if a.computed and not a.optional and not a.required}


def _prune(raw: Any, t: Any) -> Any:
    if raw is None or isinstance(t, str):
        return raw
    kind = t[0]
    if kind == "object" and isinstance(raw, dict):
        return {k: _prune(v, t[1][k]) for k, v in raw.items() if k in t[1]}
    if kind in ("list", "set") and isinstance(raw, list):
        return [_prune(e, t[1]) for e in raw]
    if kind == "map" and isinstance(raw, dict):
        return {k: _prune(v, t[1]) for k, v in raw.items()}
    return raw


# -- archive_file -------------------------------------------------------------------------------------

# Fixed entry times keep the archive (and so source_code_hash) identical across runs.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def build_archive(config: dict) -> dict:
    """Really write the zip archive_file describes (source_dir / source_file / source_content / source
    blocks) and return the attributes the real data source computes from it."""
    if config.get("type") != "zip":
        raise ValueError(f"archive type {config.get('type')!r}: the stand-in builds zip only")
    out = Path(config["output_path"])
    mode = int(config["output_file_mode"], 8) if config.get("output_file_mode") else None
    excludes = set(config.get("excludes") or [])
    entries: list[tuple[str, bytes, int]] = []
    if config.get("source_dir"):
        root = Path(config["source_dir"])
        if not root.is_dir():
            raise ValueError(f"could not archive missing directory: {root}")
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and rel not in excludes:
                entries.append((rel, path.read_bytes(), path.stat().st_mode & 0o777))
    elif config.get("source_file"):
        path = Path(config["source_file"])
        entries.append((path.name, path.read_bytes(), path.stat().st_mode & 0o777))
    elif config.get("source_content_filename"):
        entries.append((config["source_content_filename"], (config.get("source_content") or "").encode(), 0o644))
    for block in config.get("source") or []:
        entries.append((block["filename"], block["content"].encode(), 0o644))
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, perm in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = ((mode if mode is not None else perm) | 0o100000) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    data = out.read_bytes()
    sha1 = hashlib.sha1(data).hexdigest()
    return {
        "output_size": len(data),
        "output_md5": hashlib.md5(data).hexdigest(),
        "output_sha": sha1,
        "output_sha256": hashlib.sha256(data).hexdigest(),
        "output_sha512": hashlib.sha512(data).hexdigest(),
        "output_base64sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
        "output_base64sha512": base64.b64encode(hashlib.sha512(data).digest()).decode(),
        "id": sha1,
    }
