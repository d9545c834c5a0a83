"""Rules that relate several fields of a config, each with a stable name and an exact field path.

They follow what SageMaker's API rejects at apply time (CreateEndpointConfig, CreateEndpoint,
Application Auto Scaling) and AWS CDK's ``aws-sagemaker-alpha`` validators, so that ``mlinfra validate``
fails where AWS would, minutes earlier and with the field named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .. import naming
from ..instance_types import HOSTING, closest
from ..records import record
from ..regions import PARTITIONS, REGIONS, closest_region
from .names import Named
from .section import FileRule, Names, Rule
from .shapes import (
    GPU_FAMILIES,
    LOCAL_STORAGE,
    Endpoint,
    InferenceComponentsEndpoint,
    NamedModel,
    PlatformConfig,
    Subscriber,
    Variant,
    split_ref,
    version_key,
)

Loc = tuple[str | int, ...]

#: Burstable families (ml.t2, ml.t3, ...; not ml.trn1, which is Trainium).
BURSTABLE = re.compile(r"^ml\.t\d")
#: SageMaker endpoint names are at most 63 characters; ours are ``{project}-{environment}-{endpoint}``.
MAX_ENDPOINT_NAME = 63


@record
class Violation:
    loc: Loc
    message: str
    code: str
    #: Another entity the message names; the loader replaces ``{related_line}`` in the message with its line.
    related: Loc | None = None
    #: A warning, not a problem: the config stays valid (the loader reports it as a ConfigWarning).
    warning: bool = False
    #: A warning that only ``mlinfra validate`` prints (the loader's ``notes``): advice on the config's form.
    note: bool = False


RULES: list[Rule] = []  # the core rules, in the order they are defined


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def check(config: PlatformConfig, rules: Iterable[Rule]) -> list[Violation]:
    """Every violation of every rule, in rule order then file order."""
    return [v for r in rules for v in r(config)]


def subscribers(section: str, subscribers: list[Subscriber], code: str) -> Iterator[Violation]:
    """A topic's subscribers (``<section>.subscribers``): each exactly one of email, https or sqs."""
    for i, s in enumerate(subscribers):
        given = [p for p, _ in s.given]
        if len(given) != 1:
            yield Violation(
                (section, "subscribers", i),
                f"a subscriber is exactly one of email, https or sqs (given: {', '.join(given) or 'none'})",
                code,
            )


def _variants(ep: Endpoint) -> Iterator[tuple[Loc, Variant]]:
    for j, v in enumerate(ep.variants):
        yield ("variants", j), v
    if ep.shadow is not None:
        yield ("shadow",), ep.shadow


def _endpoints(config: PlatformConfig) -> Iterator[tuple[Loc, Endpoint]]:
    """Endpoints with variants (``kind: components`` endpoints have the inference_components component's rules)."""
    for i, ep in enumerate(config.endpoints):
        if isinstance(ep, Endpoint):
            yield ("endpoints", i), ep


@rule
def reserved_tag_keys(config: PlatformConfig) -> Iterator[Violation]:
    for key in config.project.tags:
        if key.lower().startswith("aws:"):
            yield Violation(
                ("project", "tags", key), f'tag key "{key}": the aws: prefix is reserved for AWS', "reserved-tag-key"
            )


# --- regions and partitions ----------------------------------------------------------------------------

_ECR_HOST = re.compile(r"^\d{12}\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.(?P<suffix>amazonaws\.com(?:\.cn)?)/")


def _unknown_region(loc: Loc, region: str, what: str = "") -> Violation:
    close = closest_region(region)
    hint = f'; did you mean "{close}"?' if close else "; AWS regions are written like us-east-1 or eu-west-2"
    return Violation(loc, f'no AWS region "{region}"{what}{hint}', "unknown-region")


@rule
def regions(config: PlatformConfig) -> Iterator[Violation]:
    region = config.project.region
    if region not in REGIONS:
        yield _unknown_region(("project", "region"), region)
    if config.state is not None and config.state.region is not None and config.state.region not in REGIONS:
        yield _unknown_region(("state", "region"), config.state.region)
    home = REGIONS[region][0] if region in REGIONS else None
    for listed in config.versions():
        e = _ECR_HOST.match(listed.entry.image)
        if e is None:
            continue  # the image pattern already refused it
        loc = (*listed.at, "image")
        if e["region"] not in REGIONS:
            yield _unknown_region(loc, e["region"], " in the image's registry")
            continue
        partition = REGIONS[e["region"]][0]
        suffix = PARTITIONS[partition]
        if e["suffix"] != suffix:
            yield Violation(
                loc,
                f"ECR registries in {e['region']} are at ACCOUNT.dkr.ecr.{e['region']}.{suffix}, not .{e['suffix']}",
                "image-host",
            )
        elif home is not None and partition != home:
            yield Violation(
                loc,
                f"the image's registry is in {e['region']} (partition {partition}) and the platform in {region} (partition {home}): "
                f"SageMaker pulls images only within its partition; push the image to ECR in {home}",
                "image-partition",
            )
        elif home is not None and e["region"] != region:
            # CreateModel: "the Docker image for inference container in Amazon EC2 Container Registry must be in
            # the same region as the model or endpoint you are creating."
            yield Violation(
                loc,
                f"the image's registry is in {e['region']} and the platform in {region}: SageMaker pulls a model's image "
                f"only from ECR in the model's own Region; replicate the repository to {region} (ECR replication) "
                f"or push the image there, and name ACCOUNT.dkr.ecr.{region}.{suffix}",
                "image-region",
            )


#: AWS allows 50 user tags per resource; the provider's default_tags count, and mlinfra adds its own.
MAX_TAGS = 50
MLINFRA_TAGS = ("Environment", "ManagedBy", "Project")  # every resource, through default_tags
MODEL_TAGS = ("ModelVersion", "ModelStatus")  # each SageMaker model, plus one metric:<name> per metric


@rule
def tag_limits(config: PlatformConfig) -> Iterator[Violation]:
    common = set(MLINFRA_TAGS) | set(config.project.tags)
    if len(common) > MAX_TAGS:
        yield Violation(
            ("project", "tags"),
            f"every resource would carry {len(common)} tags ({len(config.project.tags)} here and mlinfra's {', '.join(MLINFRA_TAGS)}); AWS allows {MAX_TAGS}: drop some",
            "too-many-tags",
        )
        return
    for listed in config.versions():
        m = listed.entry
        total = len(common | set(MODEL_TAGS) | {f"metric:{k}" for k in m.metrics})
        if total > MAX_TAGS:
            room = MAX_TAGS - len(common | set(MODEL_TAGS))
            yield Violation(
                (*listed.at, "metrics"),
                f"model {m.version}'s SageMaker model would carry {total} tags (project tags, mlinfra's, {' and '.join(MODEL_TAGS)}, one per metric); AWS allows {MAX_TAGS}: keep at most {room} metrics",
                "too-many-tags",
            )
        long = [k for k in m.metrics if len(f"metric:{k}") > 128]
        for k in long:
            yield Violation(
                (*listed.at, "metrics", k),
                f'the tag key "metric:{k}" is {len(k) + 7} characters; AWS allows 128: shorten the metric name to at most 121',
                "metric-name-too-long",
            )


# --- the registry ---------------------------------------------------------------------------------------


def _dotted(loc: Loc) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if k else str(p)) for k, p in enumerate(loc))


@rule
def model_forms(config: PlatformConfig) -> Iterator[Violation]:
    """``models`` is either the versions of one unnamed model or named models with their versions, not both;
    a model's name is given once."""
    named = {i for i, m in enumerate(config.models) if isinstance(m, NamedModel)}
    if named and len(named) < len(config.models):
        first = min(named)
        for i, m in enumerate(config.models):
            if not isinstance(m, NamedModel):
                yield Violation(
                    ("models", i),
                    f"version {m.version} is listed without a model while models[{first}] names its model "
                    f"({config.models[first].name}, line {{related_line}}): move it under that model's versions, "  # type: ignore[union-attr]
                    "or under a model of its own (- name: <model>, versions: [...])",
                    "model-forms-mixed",
                    related=("models", first),
                )
    seen: dict[str, int] = {}
    for i, m in enumerate(config.models):
        if isinstance(m, NamedModel):
            if m.name in seen:
                yield Violation(
                    ("models", i, "name"),
                    f"model {m.name} is named twice (first as models[{seen[m.name]}]): list all its versions under one entry",
                    "duplicate-model-name",
                )
            seen.setdefault(m.name, i)


@rule
def duplicate_model_version(config: PlatformConfig) -> Iterator[Violation]:
    seen: dict[tuple[str | None, str], Loc] = {}
    for listed in config.versions():
        key = (listed.model, listed.entry.version)
        if key in seen:
            what = "model version" if listed.model is None else f"model {listed.model}'s version"
            yield Violation(
                (*listed.at, "version"),
                f"{what} {listed.entry.version} is listed twice (first as {_dotted(seen[key])})",
                "duplicate-model-version",
            )
        seen.setdefault(key, listed.at)


@rule
def single_production_version(config: PlatformConfig) -> Iterator[Violation]:
    first: dict[str | None, str] = {}
    for listed in config.versions():
        m = listed.entry
        if m.status != "production":
            continue
        if listed.model not in first:
            first[listed.model] = m.version
        elif listed.model is None:
            yield Violation(
                (*listed.at, "status"),
                f"model versions {first[None]} and {m.version} are both production: one version is production at a time; "
                "mark the older one previous (still deployed) or deprecated (no longer deployed)",
                "several-production-versions",
            )
        else:
            yield Violation(
                (*listed.at, "status"),
                f"versions {first[listed.model]} and {m.version} of model {listed.model} are both production: one version of "
                "each model is production at a time; mark the older one previous (still deployed) or deprecated (no longer deployed)",
                "several-production-versions",
            )


def model_reference(config: PlatformConfig, ref: str, loc: Loc, *, field: str = "model") -> Iterator[Violation]:
    """What is wrong with a reference to a model version (``detection@3.0.0``, or a bare version): unknown,
    ambiguous between models, deprecated. Variants, shadows, inference components and batch share it."""
    found = config.candidates(ref)
    if len(found) > 1:
        yield Violation(
            loc,
            f"models {', '.join(str(f.model) for f in found)} all have a version {ref}: write {field}: "
            f"{found[0].ref} (the model's name, @, the version) to say which",
            "ambiguous-model-version",
        )
    elif not found:
        listed = ", ".join(sorted(v.ref for v in config.versions())) or "none"
        yield Violation(loc, f"model version {ref} is not in models (listed: {listed})", "unknown-model-version")
    elif found[0].entry.status == "deprecated":
        yield Violation(loc, f"model version {ref} is deprecated and cannot be deployed", "deprecated-model-deployed")


@rule
def referenced_model_version(config: PlatformConfig) -> Iterator[Violation]:
    for eloc, ep in _endpoints(config):
        for vloc, v in _variants(ep):
            yield from model_reference(config, v.model, (*eloc, *vloc, "model"))


@rule
def canary_follows_production(config: PlatformConfig) -> Iterator[Violation]:
    """A canary variant serves a newer version of the model the endpoint's production variant serves (a
    canary of another model, or of an older version, says why in canary_reason)."""
    for eloc, ep in _endpoints(config):
        served = [(j, v, config.candidates(v.model)) for j, v in enumerate(ep.variants)]
        production = [(v, f[0]) for _, v, f in served if len(f) == 1 and f[0].entry.status == "production"]
        if len(production) != 1:
            continue
        pv, prod = production[0]
        for j, v, found in served:
            if len(found) != 1 or found[0].entry.status != "canary" or v.canary_reason is not None:
                continue
            canary, loc = found[0], (*eloc, "variants", j, "model")
            if canary.model != prod.model:
                yield Violation(
                    loc,
                    f"canary variant {v.name} serves {canary.ref}, a version of another model than production variant "
                    f"{pv.name} ({prod.ref}): a canary tries a newer version of the production model; serve one, or say "
                    "why it differs in canary_reason",
                    "canary-model-differs",
                )
            elif version_key(canary.entry.version) <= version_key(prod.entry.version):
                yield Violation(
                    loc,
                    f"canary variant {v.name} serves {canary.ref}, not newer than {prod.ref} of production variant "
                    f"{pv.name}: a canary tries a newer version; serve one, or say why in canary_reason",
                    "canary-not-newer",
                )


@rule
def model_reference_form(config: PlatformConfig) -> Iterator[Violation]:
    """Notes (``mlinfra validate`` prints them) showing the form that names the model: for a config in the
    one-model form, once; for a bare version among named models, at each reference."""
    refs = list(_model_references(config))
    if not config.named:
        name = config.project.name
        shown = f" ({_dotted(refs[0][0])}: {name}@{refs[0][1]})" if refs else ""
        yield Violation(
            ("models",),
            f"lists the versions of one unnamed model (a form that keeps working); to name it, and to "
            f"add other models beside it, write models: [{{name: {name}, versions: [<the versions as they are>]}}] "
            f"and refer to a version as {name}@<version>{shown}",
            "model-reference-form",
            warning=True,
            note=True,
        )
        return
    for loc, ref in refs:
        yield from bare_reference(config, ref, loc)


def bare_reference(config: PlatformConfig, ref: str, loc: Loc) -> Iterator[Violation]:
    """Among named models, a note on a reference that gives the version alone, showing the form with the name."""
    found = config.candidates(ref)
    if config.named and split_ref(ref)[0] is None and len(found) == 1:
        field = str(loc[-1])
        yield Violation(
            loc,
            f"{field}: {ref} gives the version alone; write {field}: {found[0].ref} (the model's name, @, the version)",
            "model-reference-form",
            warning=True,
            note=True,
        )


def _model_references(config: PlatformConfig) -> Iterator[tuple[Loc, str]]:
    """(location, reference) of every variant's, shadow's and inference component's model version."""
    for eloc, ep in _endpoints(config):
        for vloc, v in _variants(ep):
            yield (*eloc, *vloc, "model"), v.model
    for i, cep in enumerate(config.endpoints):
        if isinstance(cep, InferenceComponentsEndpoint):
            for j, c in enumerate(cep.components):
                yield ("endpoints", i, "components", j, "model"), c.model


# --- endpoints and variants -----------------------------------------------------------------------------


@rule
def unique_endpoint_names(config: PlatformConfig) -> Iterator[Violation]:
    seen: set[str] = set()
    prefix = f"{config.project.name}-{config.project.environment}-"
    for i, ep in enumerate(config.endpoints):  # every kind: one namespace of SageMaker endpoint names
        eloc: Loc = ("endpoints", i)
        if ep.name in seen:
            yield Violation((*eloc, "name"), f'endpoint name "{ep.name}" is used twice', "duplicate-endpoint-name")
        seen.add(ep.name)
        full = prefix + ep.name
        if len(full) > MAX_ENDPOINT_NAME:
            yield Violation(
                (*eloc, "name"),
                f'the SageMaker endpoint name "{full}" is {len(full)} characters; AWS allows {MAX_ENDPOINT_NAME}',
                "endpoint-name-too-long",
            )


@rule
def unique_variant_names(config: PlatformConfig) -> Iterator[Violation]:
    for eloc, ep in _endpoints(config):
        seen: set[str] = set()
        for vloc, v in _variants(ep):
            if v.name in seen:
                yield Violation(
                    (*eloc, *vloc, "name"),
                    f'variant name "{v.name}" is used twice in endpoint "{ep.name}"',
                    "duplicate-variant-name",
                )
            seen.add(v.name)


@rule
def variant_compute(config: PlatformConfig) -> Iterator[Violation]:
    for eloc, ep in _endpoints(config):
        for vloc, v in _variants(ep):
            loc = (*eloc, *vloc)
            has_instances = v.instance_type is not None or v.instance_count is not None
            if v.serverless is not None and has_instances:
                field = "instance_type" if v.instance_type is not None else "instance_count"
                yield Violation(
                    (*loc, field),
                    "a variant runs on instances or on serverless compute, not both: remove instance_type/instance_count or serverless",
                    "instance-and-serverless",
                )
            elif v.serverless is None and (v.instance_type is None or v.instance_count is None):
                missing = "instance_type" if v.instance_type is None else "instance_count"
                if not has_instances:
                    yield Violation(
                        loc, "a variant needs instance_type and instance_count, or serverless", "missing-compute"
                    )
                else:
                    yield Violation(
                        (*loc, missing), f"{missing} is required with instance-based compute", "missing-compute"
                    )


def unknown_instance_type(loc: Loc, value: str, offered: frozenset[str], api: str) -> Violation | None:
    """A violation when ``value`` is not among the instance types SageMaker's ``api`` takes (the bundled
    botocore enum, ``mlinfra.instance_types``), with the nearest offered type when one is close."""
    if value in offered:
        return None
    close = closest(value, offered)
    hint = f'; did you mean "{close}"?' if close else " (the list: aws.amazon.com/sagemaker/pricing)"
    return Violation(
        (*loc, "instance_type"),
        f"{value} is not an instance type SageMaker offers for {api}{hint}",
        "unknown-instance-type",
    )


@rule
def variant_instance_types(config: PlatformConfig) -> Iterator[Violation]:
    for eloc, ep in _endpoints(config):
        for vloc, v in _variants(ep):
            if v.instance_type is not None:
                found = unknown_instance_type((*eloc, *vloc), v.instance_type, HOSTING, "endpoints")
                if found is not None:
                    yield found


@rule
def variant_weights(config: PlatformConfig) -> Iterator[Violation]:
    for eloc, ep in _endpoints(config):
        if ep.variants and all(v.weight == 0 for v in ep.variants):
            yield Violation(
                (*eloc, "variants"),
                "all production variant weights are 0: no variant would receive traffic",
                "all-weights-zero",
            )


@rule
def kind_matches_compute(config: PlatformConfig) -> Iterator[Violation]:
    for eloc, ep in _endpoints(config):
        for vloc, v in _variants(ep):
            loc = (*eloc, *vloc)
            if ep.kind == "serverless" and v.serverless is None and v.instance_type is not None:
                gpu = " (and serverless inference has no GPUs)" if GPU_FAMILIES.match(v.instance_type) else ""
                yield Violation(
                    (*loc, "instance_type"),
                    f"a serverless endpoint's variants use serverless compute, not instances{gpu}",
                    "serverless-with-instances",
                )
            elif ep.kind != "serverless" and v.serverless is not None and v.instance_type is None:
                alone = len(ep.variants) == 1 and ep.shadow is None and ep.data_capture is None
                why = {
                    "multi-model": "multi-model endpoints cannot run on serverless compute",
                    "async": "asynchronous endpoints cannot run on serverless compute",
                    # kind serverless allows one variant, no shadow and no data capture: only suggest it
                    # when that would work.
                    "realtime": "set kind: serverless on this endpoint for serverless compute"
                    if alone
                    else "a realtime endpoint's variants run on instances: give this one instance_type and instance_count, "
                    "or move it to an endpoint of its own with kind: serverless (a serverless endpoint has one variant, no shadow and no data capture)",
                }[ep.kind]
                yield Violation((*loc, "serverless"), why, "serverless-kind-mismatch")


@rule
def serverless_exclusions(config: PlatformConfig) -> Iterator[Violation]:
    """Serverless inference supports no data capture, one variant and no shadow (SageMaker feature exclusions)."""
    for eloc, ep in _endpoints(config):
        if ep.kind != "serverless":
            continue
        if ep.data_capture is not None:
            yield Violation(
                (*eloc, "data_capture"), "serverless endpoints do not support data capture", "serverless-data-capture"
            )
        if len(ep.variants) > 1:
            yield Violation(
                (*eloc, "variants"),
                "serverless endpoints support a single production variant",
                "serverless-multiple-variants",
            )
        if ep.shadow is not None:
            yield Violation(
                (*eloc, "shadow"), "serverless endpoints do not support shadow variants", "serverless-shadow"
            )
        for vloc, v in _variants(ep):
            if (
                v.serverless
                and v.serverless.provisioned_concurrency is not None
                and v.serverless.provisioned_concurrency > v.serverless.max_concurrency
            ):
                yield Violation(
                    (*eloc, *vloc, "serverless", "provisioned_concurrency"),
                    f"provisioned concurrency {v.serverless.provisioned_concurrency} exceeds max_concurrency {v.serverless.max_concurrency}",
                    "provisioned-exceeds-max",
                )


@rule
def serverless_network_isolation(config: PlatformConfig) -> Iterator[Violation]:
    """Serverless endpoints support neither network isolation nor a VPC (SageMaker's feature exclusions).

    network_isolation defaults to true and the planner turns it off on serverless models; a version that
    asks for it explicitly cannot be served serverless.
    """
    serverless: dict[str, str] = {}
    for _eloc, ep in _endpoints(config):
        for _vloc, v in _variants(ep):
            if v.serverless is not None:
                serverless.setdefault(v.model, ep.name)
    for listed in config.versions():
        m = listed.entry
        served = next((ep for ref, ep in serverless.items() if listed in config.candidates(ref)), None)
        if served is not None and m.network_isolation and "network_isolation" in m.model_fields_set:
            yield Violation(
                (*listed.at, "network_isolation"),
                f'model {listed.ref} is served by the serverless endpoint "{served}", and serverless endpoints do not support network isolation: '
                "remove network_isolation: true (or serve this version from instances)",
                "serverless-network-isolation",
            )


@rule
def shadow_variants(config: PlatformConfig) -> Iterator[Violation]:
    """CreateEndpointConfig: with a shadow variant, exactly one production variant; no shadow on async or
    multi-model endpoints."""
    for eloc, ep in _endpoints(config):
        if ep.shadow is None:
            continue
        if ep.kind in {"async", "multi-model"}:
            yield Violation(
                (*eloc, "shadow"),
                f"shadow variants are not supported on {ep.kind} endpoints: remove the shadow, or test it on a realtime endpoint",
                "shadow-kind",
            )
        if len(ep.variants) != 1:
            yield Violation(
                (*eloc, "variants"),
                f"with a shadow variant SageMaker allows exactly one production variant beside it, not {len(ep.variants)}: keep one variant, or remove the shadow",
                "shadow-one-production-variant",
            )


#: GPU instance types SageMaker supports for multi-model endpoints (through Triton); CPU types all are.
MULTI_MODEL_GPU_TYPES = frozenset(
    {"ml.p2.xlarge", "ml.p3.2xlarge"}
    | {
        f"ml.{family}.{size}"
        for family in ("g4dn", "g5")
        for size in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")
    }
)
NEURON_FAMILIES = re.compile(r"^ml\.(?:inf|trn)\d")


@rule
def multi_model_instances(config: PlatformConfig) -> Iterator[Violation]:
    for eloc, ep in _endpoints(config):
        if ep.kind != "multi-model":
            continue
        for vloc, v in _variants(ep):
            t = v.instance_type
            if t is None:
                continue
            if NEURON_FAMILIES.match(t):
                yield Violation(
                    (*eloc, *vloc, "instance_type"),
                    f"multi-model endpoints run on CPU or GPU instances, not {t} (Inferentia/Trainium)",
                    "multi-model-instance",
                )
            elif GPU_FAMILIES.match(t) and t not in MULTI_MODEL_GPU_TYPES:
                listed = ", ".join(sorted(MULTI_MODEL_GPU_TYPES))
                yield Violation(
                    (*eloc, *vloc, "instance_type"),
                    f"{t} is not a GPU type SageMaker supports for multi-model endpoints; use one of {listed}, or a CPU type",
                    "multi-model-instance",
                )


@rule
def kind_sections(config: PlatformConfig) -> Iterator[Violation]:
    for eloc, ep in _endpoints(config):
        if ep.kind == "async" and ep.async_inference is None:
            yield Violation(
                eloc, 'an async endpoint needs an "async" section (output_path, ...)', "async-section-missing"
            )
        if ep.kind != "async" and ep.async_inference is not None:
            yield Violation(
                (*eloc, "async"), f'"async" applies to kind async, not {ep.kind}', "async-section-unexpected"
            )
        if ep.kind == "multi-model" and ep.multi_model is None:
            yield Violation(
                eloc,
                'a multi-model endpoint needs a "multi_model" section (model_data_prefix)',
                "multi-model-section-missing",
            )
        if ep.kind != "multi-model" and ep.multi_model is not None:
            yield Violation(
                (*eloc, "multi_model"),
                f'"multi_model" applies to kind multi-model, not {ep.kind}',
                "multi-model-section-unexpected",
            )


#: botocore AsyncInferenceOutputConfig.S3OutputPath / S3FailurePath (DestinationS3Uri): max 512; the
#: config's S3 URIs take up to 1024 (ModelDataUrl's limit).
MAX_ASYNC_PATH = 512
#: A KMS key ARN (a multi-Region key's id starts with mrk-): the one pattern of every rule that grants a key.
KMS_KEY_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):key/(?P<id>(mrk-)?[0-9a-fA-F-]{32,36})$"
)
_ARN_PARTITION = re.compile(r"^arn:(?P<partition>[a-z-]+):")


@rule
def async_outputs(config: PlatformConfig) -> Iterator[Violation]:
    """Existing SNS topics and the results' KMS key of async endpoints (AsyncInferenceNotificationConfig,
    AsyncInferenceOutputConfig): the execution role is granted exactly them, so they must be ARNs IAM can
    name, in the platform's partition (a role cannot use a topic or key of another partition)."""
    home = REGIONS[config.project.region][0] if config.project.region in REGIONS else None
    for eloc, ep in _endpoints(config):
        a = ep.async_inference
        if a is None:
            continue
        aloc = (*eloc, "async")
        for field, api in (("output_path", "S3OutputPath"), ("failure_path", "S3FailurePath")):
            path = getattr(a, field)
            if path is not None and len(path) > MAX_ASYNC_PATH:
                yield Violation(
                    (*aloc, field),
                    f"the {field} is {len(path)} characters; SageMaker's {api} takes at most {MAX_ASYNC_PATH}: choose a shorter prefix",
                    "async-path-too-long",
                )
        given: list[tuple[Loc, str, str]] = []
        if not isinstance(a.notifications, bool):
            n = a.notifications
            if n.success_topic is None and n.error_topic is None:
                yield Violation(
                    (*aloc, "notifications"),
                    "name at least one existing topic (success_topic, error_topic: SNS topic ARNs), "
                    "or write notifications: true for topics mlinfra creates, false for none",
                    "async-topics-empty",
                )
            given += [
                ((*aloc, "notifications", f), "the SNS topic", getattr(n, f))
                for f in ("success_topic", "error_topic")
                if getattr(n, f) is not None
            ]
        if a.kms_key_arn is not None:
            kloc = (*aloc, "kms_key_arn")
            key = KMS_KEY_ARN.match(a.kms_key_arn)
            if key is None:
                yield Violation(
                    kloc,
                    f'"{a.kms_key_arn}" is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID): SageMaker also takes key IDs and aliases, '
                    "but mlinfra grants the execution role kms:GenerateDataKey and kms:Decrypt on exactly this key, and IAM names keys by ARN; "
                    "write the key's ARN (aws kms describe-key --key-id ALIAS-OR-ID --query KeyMetadata.Arn)",
                    "async-kms-key-arn",
                )
            else:
                given.append((kloc, "the KMS key", a.kms_key_arn))
                if key["region"] != config.project.region and key["partition"] == home:
                    # The results go to buckets in the endpoint's Region (SageMaker writes no further), and
                    # SSE-KMS encrypts only with a key of the bucket's Region.
                    yield Violation(
                        kloc,
                        f"the key is in {key['region']}, the endpoint in {config.project.region}: S3 encrypts the results only with a key of the bucket's Region, "
                        f"and SageMaker writes them to buckets in the endpoint's Region; use a key in {config.project.region}",
                        "async-kms-key-region",
                    )
        for loc, what, arn in given:
            m = _ARN_PARTITION.match(arn)
            if home is not None and m is not None and m["partition"] != home:
                yield Violation(
                    loc,
                    f"{what} is in partition {m['partition']} and the platform in {config.project.region} (partition {home}): "
                    f"SageMaker and the execution role reach nothing across partitions; use one in arn:{home}",
                    "async-arn-partition",
                )


@rule
def autoscaling(config: PlatformConfig) -> Iterator[Violation]:
    for eloc, ep in _endpoints(config):
        for vloc, v in _variants(ep):
            a = v.autoscaling
            if a is None:
                continue
            loc = (*eloc, *vloc, "autoscaling")
            if v.serverless is not None:
                yield Violation(
                    loc,
                    "auto-scaling applies to instance variants; serverless scales by itself",
                    "autoscaling-serverless",
                )
                continue
            if vloc[0] == "shadow":
                yield Violation(loc, "shadow variants are not auto-scaled", "autoscaling-shadow")
                continue
            if v.instance_type and BURSTABLE.match(v.instance_type):
                yield Violation(
                    (*eloc, *vloc, "instance_type"),
                    f"{v.instance_type} is a burstable instance type, which SageMaker auto-scaling does not support",
                    "autoscaling-burstable",
                )
            if a.min == 0 and ep.kind != "async":
                yield Violation(
                    (*loc, "min"), "only async endpoints can scale to zero instances", "autoscaling-min-zero"
                )
            if a.min > a.max:
                yield Violation((*loc, "min"), f"min {a.min} exceeds max {a.max}", "autoscaling-range")
            elif v.instance_count is not None and not a.min <= v.instance_count <= a.max:
                yield Violation(
                    (*eloc, *vloc, "instance_count"),
                    f"instance_count {v.instance_count} must lie within autoscaling min {a.min} and max {a.max}",
                    "autoscaling-range",
                )
            if ep.kind == "async":
                if a.target_backlog_per_instance is None:
                    yield Violation(
                        loc,
                        "async endpoints scale on the backlog: set target_backlog_per_instance",
                        "autoscaling-target",
                    )
                if a.target_invocations is not None:
                    # AWS, "Alarms and logs for tracking metrics from asynchronous endpoints"
                    # (sagemaker/latest/dg/async-inference-monitor.html): "Any metric not listed below is not
                    # published if the endpoint is enabled for asynchronous inference. Such metrics include (but
                    # are not limited to): OverheadLatency, Invocations, InvocationsPerInstance". A policy on
                    # SageMakerVariantInvocationsPerInstance would never get a data point.
                    yield Violation(
                        (*loc, "target_invocations"),
                        "async endpoints publish no InvocationsPerInstance metric (AWS: any metric not on the asynchronous "
                        "endpoints' list is not published; Invocations and InvocationsPerInstance are named), so a target on it "
                        "never gets data: remove target_invocations and scale on the backlog with target_backlog_per_instance",
                        "async-invocations-metric",
                    )
            else:
                if a.target_invocations is None:
                    yield Violation(
                        loc, "set target_invocations (invocations per instance per minute)", "autoscaling-target"
                    )
                if a.target_backlog_per_instance is not None:
                    yield Violation(
                        (*loc, "target_backlog_per_instance"),
                        "target_backlog_per_instance applies to async endpoints",
                        "autoscaling-target",
                    )


@rule
def deployment(config: PlatformConfig) -> Iterator[Violation]:
    for eloc, ep in _endpoints(config):
        d = ep.deployment
        if d is None:
            continue
        loc = (*eloc, "deployment")
        steps = [f for f in ("step_instances", "step_percent") if getattr(d, f) is not None]
        counts = {v.name: v.instance_count for v in ep.variants if v.instance_count is not None}
        serverless = any(v.serverless is not None for v in ep.variants)
        if d.strategy == "all_at_once":
            for f in steps:
                yield Violation(
                    (*loc, f), "all_at_once shifts all traffic in one step: remove the step size", "deployment-step"
                )
        elif len(steps) != 1:
            yield Violation(loc, f"{d.strategy} needs exactly one of step_instances or step_percent", "deployment-step")
        elif serverless:
            if d.strategy != "rolling":  # rolling-serverless below says it once
                yield Violation(
                    (*loc, "strategy"),
                    f"{d.strategy} steps are measured in instances; serverless endpoints deploy all_at_once",
                    "deployment-serverless",
                )
        else:
            yield from _step_size(d.strategy, loc, steps[0], getattr(d, steps[0]), counts)
        if d.strategy == "rolling":
            if serverless:
                yield Violation(
                    (*loc, "strategy"), "rolling deployments do not support serverless endpoints", "rolling-serverless"
                )
            if len(ep.variants) + (ep.shadow is not None) > 1:
                yield Violation(
                    (*loc, "strategy"),
                    "rolling deployments do not support endpoints with several variants (shadow included)",
                    "rolling-multi-variant",
                )
            if d.termination_wait_seconds:
                yield Violation(
                    (*loc, "termination_wait_seconds"),
                    "termination_wait_seconds applies to blue/green deployments, not rolling",
                    "rolling-termination-wait",
                )
        inf1 = sorted(
            {v.instance_type for _, v in _variants(ep) if v.instance_type and v.instance_type.startswith("ml.inf1.")}
        )
        if inf1:
            # Deployment guardrails exclusions: SageMaker silently falls back to all at once, no baking.
            yield Violation(
                (*loc, "strategy"),
                f"SageMaker applies no deployment guardrails to Inf1 instances ({', '.join(inf1)}): it would deploy all at once without baking or rollback; "
                "remove the deployment section, or use another instance family (ml.inf2 has guardrails)",
                "deployment-inf1",
            )
        if d.max_execution_timeout_seconds is not None and d.strategy != "rolling":
            waits = d.wait_seconds + d.termination_wait_seconds
            if d.max_execution_timeout_seconds <= waits:
                yield Violation(
                    (*loc, "max_execution_timeout_seconds"),
                    f"the deployment waits {d.wait_seconds} + {d.termination_wait_seconds} s, so a timeout of {d.max_execution_timeout_seconds} s cannot be reached: "
                    f"SageMaker needs the timeout larger than the waits (more than {waits})",
                    "deployment-timeout",
                )
        if d.rollback_on_alarms and ep.alarms is None:
            yield Violation(
                (*loc, "rollback_on_alarms"),
                'auto-rollback watches alarms: add an "alarms" section to the endpoint or set rollback_on_alarms: false',
                "rollback-needs-alarms",
            )


def _step_size(strategy: str, loc: Loc, field: str, value: int, counts: dict[str, int]) -> Iterator[Violation]:
    # SageMaker (TrafficRoutingConfig, RollingUpdatePolicy): the canary is at most 50 %, a linear step
    # 10-50 % and a rolling batch 5-50 % "of the variant's total instance count" -- of each variant, not
    # of the whole fleet, so the smallest variant binds a step counted in instances.
    low, high = {"canary": (0, 50), "linear": (10, 50), "rolling": (5, 50)}[strategy]
    bound = f"at most {high} %" if low == 0 else f"{low}-{high} %"
    if field == "step_percent":
        if not low <= value <= high:
            yield Violation(
                (*loc, field),
                f"a {strategy} step of {value} % is outside {bound} of each variant's instances",
                f"{strategy}-step-size",
            )
        return
    for name, count in counts.items():
        pct = 100 * value / count
        if not low <= pct <= high:
            fit = [n for n in range(1, count + 1) if low <= 100 * n / count <= high]
            fix = (
                f"use step_instances {fit[0]}" + (f"-{fit[-1]}" if len(fit) > 1 else "")
                if fit
                else f"give variant {name} more instances, or use step_percent"
            )
            yield Violation(
                (*loc, field),
                f"a {strategy} step of {value} of variant \"{name}\"'s {count} instances ({pct:.0f} %) is outside {bound} of each variant's instances: {fix}",
                f"{strategy}-step-size",
            )
            return


#: SageMaker answers a real-time (and serverless) invocation within 60 s or fails it: a longer latency is
#: never reported. Asynchronous requests may run an hour.
REALTIME_TIMEOUT_MS = 60_000


@rule
def alarms(config: PlatformConfig) -> Iterator[Violation]:
    """Alarms that could never fire, or always would, or that CloudWatch refuses (endpoints with variants
    and ``kind: components`` endpoints alike)."""
    for eloc, ep in ((("endpoints", i), e) for i, e in enumerate(config.endpoints)):
        a = ep.alarms
        if a is None:
            continue
        loc = (*eloc, "alarms")
        # A rate reaches 100 % (every request failed): ">= 100" fires then, "> 100" never.
        if a.error_rate_percent > 100 or (a.error_rate_percent == 100 and a.comparison == ">"):
            yield Violation(
                (*loc, "error_rate_percent"),
                f'an error rate above {a.error_rate_percent:g} % never happens, so this alarm could never fire: use a percentage below 100, such as 5 (or comparison ">=" with 100)',
                "alarm-never-fires",
            )
        elif a.error_rate_percent <= 0:
            yield Violation(
                (*loc, "error_rate_percent"),
                "at 0 % the alarm fires on the first 5XX error: use a percentage above 0, such as 5",
                "alarm-always-fires",
            )
        if a.latency_p99_ms <= 0:
            yield Violation(
                (*loc, "latency_p99_ms"),
                f"a latency threshold of {a.latency_p99_ms:g} ms is exceeded by every request: use a number of milliseconds above 0 ms, such as 500",
                "alarm-always-fires",
            )
        elif ep.kind != "async" and a.latency_p99_ms >= REALTIME_TIMEOUT_MS:
            yield Violation(
                (*loc, "latency_p99_ms"),
                f"SageMaker fails a {ep.kind} invocation after 60 s, so a latency above {a.latency_p99_ms:g} ms is never reported and this alarm could never fire: use a value below 60000",
                "alarm-never-fires",
            )
        c = a.client_error_rate_percent
        if c is not None and (c <= 0 or c > 100 or (c == 100 and a.comparison == ">")):
            yield Violation(
                (*loc, "client_error_rate_percent"),
                f"a 4XX rate above {c:g} % {'never happens' if c >= 100 else 'is reached by the first 4XX response'}: use a percentage between 0 and 100, such as 10",
                "alarm-never-fires" if c >= 100 else "alarm-always-fires",
            )
        yield from _metric_alarms(ep, loc)
        if (a.drift_threshold is None) != (not a.drift_features):
            yield Violation(
                (*loc, "drift_features" if a.drift_threshold is None else "drift_threshold"),
                "a drift alarm needs both drift_threshold and drift_features (the features mlinfra monitor drift --publish reports)",
                "drift-alarm-incomplete",
            )
        if a.period_seconds < 60:
            yield Violation(
                (*loc, "period_seconds"),
                f"SageMaker publishes endpoint metrics once a minute: a {a.period_seconds} s period finds no data most of the time; use 60 or more",
                "alarm-period",
            )
        window = a.period_seconds * a.evaluation_periods
        limit, what = (86_400, "one day") if a.period_seconds < 3600 else (604_800, "seven days")
        if window > limit:
            yield Violation(
                (*loc, "evaluation_periods"),
                f"{a.evaluation_periods} periods of {a.period_seconds} s span {window} s; CloudWatch evaluates at most {what} ({limit} s) with this period: use at most {limit // a.period_seconds} evaluation periods",
                "alarm-window",
            )


#: AWS/SageMaker metrics an asynchronous endpoint does not publish (AWS, "Alarms and logs for tracking
#: metrics from asynchronous endpoints": OverheadLatency, Invocations, InvocationsPerInstance), and those
#: only one kind publishes.
_NOT_ASYNC = ("Invocations", "InvocationsPerInstance", "OverheadLatency")
_ONLY = {"InvocationsProcessed": ("async",), "InvocationsPerCopy": ("components",)}


def _metric_alarms(ep: Endpoint | InferenceComponentsEndpoint, loc: Loc) -> Iterator[Violation]:
    a, kind = ep.alarms, ep.kind
    assert a is not None
    seen: set[tuple[str, str]] = set()
    for j, m in enumerate(a.metrics):
        mloc = (*loc, "metrics", j)
        if (m.metric, m.statistic) in seen:
            yield Violation(
                (*mloc, "statistic"),
                f"the {m.statistic} of {m.metric} is watched twice: keep one alarm per metric and statistic",
                "metric-alarm-duplicate",
            )
        seen.add((m.metric, m.statistic))
        only = _ONLY.get(m.metric)
        if kind == "async" and m.metric in _NOT_ASYNC:
            yield Violation(
                (*mloc, "metric"),
                f"an asynchronous endpoint does not publish {m.metric}, so this alarm would never have data: "
                "watch InvocationsProcessed, Invocation5XXErrors, Invocation4XXErrors or ModelLatency",
                "metric-not-published",
            )
        elif only is not None and kind not in only:
            yield Violation(
                (*mloc, "metric"),
                f"{m.metric} is published for {' and '.join(only)} endpoints only, and this one is {kind}",
                "metric-not-published",
            )
        elif kind == "components" and m.metric == "InvocationsPerInstance":
            yield Violation(
                (*mloc, "metric"),
                "inference components publish InvocationsPerCopy, not InvocationsPerInstance",
                "metric-not-published",
            )
        if m.threshold < 0:
            # Every metric here is a count, a latency or a time: never negative.
            always = (m.comparison or a.comparison) in (">", ">=")
            yield Violation(
                (*mloc, "threshold"),
                f"{m.metric} is never negative, so this alarm would {'always' if always else 'never'} fire: use a threshold of 0 or more",
                "alarm-always-fires" if always else "alarm-never-fires",
            )


#: Names of a gzip-compressed tar archive: SageMaker's model.tar.gz, the short .tgz, and any .gz (CDK's
#: ModelData.fromAsset uploads the archive as <hash>.gz).
_GZIP_SUFFIXES = (".tar.gz", ".tgz", ".gz")
#: Suffixes of what is certainly not a gzip'd tar: other archive formats and single model files.
_NOT_ARCHIVES = {
    ".zip": "a zip archive",
    ".tar": "an uncompressed tar archive",
    ".tar.bz2": "a bzip2 tar archive",
    ".tbz2": "a bzip2 tar archive",
    ".bz2": "a bzip2 file",
    ".tar.xz": "an xz tar archive",
    ".txz": "an xz tar archive",
    ".xz": "an xz file",
    ".tar.zst": "a zstd tar archive",
    ".zst": "a zstd file",
    ".7z": "a 7-Zip archive",
    ".rar": "a RAR archive",
    ".pt": "a PyTorch model file",
    ".pth": "a PyTorch model file",
    ".safetensors": "a safetensors weights file",
    ".onnx": "an ONNX model file",
    ".pkl": "a pickle",
    ".pickle": "a pickle",
    ".joblib": "a joblib file",
    ".h5": "an HDF5 (Keras) file",
    ".keras": "a Keras model file",
    ".json": "a JSON file",
}


def _model_archive(loc: Loc, uri: str) -> Iterator[Violation]:
    """SageMaker takes any S3 object as model_data and unpacks it as a gzip'd tar when it starts the model:
    what is certainly something else is refused, a name that does not say is accepted with a warning."""
    name = uri.rsplit("/", 1)[-1].lower()
    if name.endswith(_GZIP_SUFFIXES):
        return
    what = next(
        (w for suffix, w in sorted(_NOT_ARCHIVES.items(), key=lambda kv: -len(kv[0])) if name.endswith(suffix)), None
    )
    if what is not None:
        yield Violation(
            loc,
            f"SageMaker unpacks model_data as a gzip-compressed tar archive, and {uri} is {what}: package the model "
            "(tar czf model.tar.gz -C <folder> .) and point model_data at the archive",
            "model-data-not-archive",
        )
    else:
        yield Violation(
            loc,
            f"{uri} does not end in .tar.gz, .tgz or .gz: SageMaker unpacks it as a gzip-compressed tar archive when the "
            "model starts, and fails the endpoint then if it is not one",
            "model-data-unnamed-archive",
            warning=True,
        )


@rule
def artifacts(config: PlatformConfig) -> Iterator[Violation]:
    """A single-model endpoint loads one archive; a multi-model endpoint loads the archives under a prefix."""
    for listed in config.versions():
        m, at = listed.entry, listed.at
        if m.model_data is not None and m.model_data_prefix is not None:
            yield Violation(
                (*at, "model_data_prefix"),
                "a model's files are either one archive (model_data) or uncompressed files under a prefix (model_data_prefix), not both: keep one",
                "model-data-twice",
            )
        if m.model_data_prefix is not None:
            p = m.model_data_prefix
            if p.endswith(".tar.gz"):
                yield Violation(
                    (*at, "model_data_prefix"),
                    f"{p} is an archive, and model_data_prefix is read as uncompressed files under a prefix (SageMaker would not unpack it): give the archive as model_data",
                    "model-data-prefix-archive",
                )
            elif not p.endswith("/"):
                yield Violation(
                    (*at, "model_data_prefix"),
                    f"an S3 prefix of uncompressed model files ends with /: write {p}/",
                    "model-data-prefix-slash",
                )
        if m.model_data is None:
            continue
        if m.model_data.endswith("/"):
            yield Violation(
                (*at, "model_data"),
                f"SageMaker reads a model from one gzip-compressed tar archive, not from a prefix: point model_data at the archive, such as {m.model_data}model.tar.gz "
                "(uncompressed files under a prefix go in model_data_prefix)",
                "model-data-not-archive",
            )
        else:
            yield from _model_archive((*at, "model_data"), m.model_data)
    # Inference components take every form (a component's model is a SageMaker model like an endpoint's);
    # batch transform and serverless endpoints take an archive or an image-only model, not a prefix.
    yield from _prefix_unsupported(config)
    for eloc, ep in _endpoints(config):
        if ep.multi_model is None:
            continue
        prefix = ep.multi_model.model_data_prefix
        if not prefix.endswith("/"):
            folder = prefix.rsplit("/", 1)[0] + "/" if prefix.endswith(".tar.gz") else prefix + "/"
            yield Violation(
                (*eloc, "multi_model", "model_data_prefix"),
                f"a multi-model endpoint loads the archives under an S3 prefix, which ends with /: use {folder}",
                "multi-model-prefix",
            )


# --- production-variant settings ---------------------------------------------------------------------------

#: Settings of a variant's instances: a serverless variant has no instances to route between, no volume,
#: no AMI, and its start-up is SageMaker's (AWS CDK's sagemaker-alpha offers them on instance variants only).
VARIANT_INSTANCE_SETTINGS = (
    "routing",
    "model_data_download_timeout_seconds",
    "container_startup_health_check_timeout_seconds",
    "volume_size_gb",
    "inference_ami_version",
)
#: ProductionVariant.InferenceAmiVersion (botocore): al2-ami-sagemaker-inference-neuron-2 is for
#: "Inferentia2 and Trainium", the gpu images for NVIDIA GPUs ("Accelerator: GPU").
NEURON_AMI_FAMILIES = re.compile(r"^ml\.(?:inf2|trn\d)")


@rule
def variant_settings(config: PlatformConfig) -> Iterator[Violation]:
    """ProductionVariant settings SageMaker accepts only where they mean something."""
    for eloc, ep in _endpoints(config):
        for vloc, v in _variants(ep):
            loc = (*eloc, *vloc)
            if v.managed_instance_scaling is not None:
                # CreateEndpointConfig answers "ManagedInstanceScaling is only supported for inference component
                # endpoints" (hashicorp/terraform-provider-aws#45926, #48767: the provider's acceptance tests
                # with a model_name fail so); an endpoint of variants scales through Application Auto Scaling.
                yield Violation(
                    (*loc, "managed_instance_scaling"),
                    "SageMaker takes managed instance scaling only on endpoints with inference components, not on a variant that serves a model: "
                    "scale this variant with autoscaling (min, max, target_invocations), or serve the model as an inference component "
                    "of an endpoint with kind: components, whose fleet.scaling is managed instance scaling",
                    "managed-instance-scaling-variant",
                )
            if v.serverless is not None:
                for field in VARIANT_INSTANCE_SETTINGS:
                    if getattr(v, field) is not None:
                        yield Violation(
                            (*loc, field),
                            f"{field} applies to variants on instances; a serverless variant has no instances, volume or AMI to set: "
                            "remove it, or run the variant on instances (instance_type and instance_count instead of serverless)",
                            "variant-settings-serverless",
                        )
                continue
            if v.instance_type is not None:  # else missing-compute says so
                yield from _instance_settings(loc, v.instance_type, v.volume_size_gb, v.inference_ami_version)
    for i, cep in enumerate(config.endpoints):
        if isinstance(cep, InferenceComponentsEndpoint):
            f = cep.fleet
            yield from _instance_settings(
                ("endpoints", i, "fleet"), f.instance_type, f.volume_size_gb, f.inference_ami_version
            )


def _instance_settings(loc: Loc, t: str, volume_size_gb: int | None, ami: str | None) -> Iterator[Violation]:
    """The volume size and the AMI of a variant's (or a fleet's) instances against their type."""
    if volume_size_gb is not None and LOCAL_STORAGE.match(t):
        yield Violation(
            (*loc, "volume_size_gb"),
            f"{t} has local NVMe instance storage and SageMaker attaches no EBS volume to it, so it refuses a volume size: "
            "remove volume_size_gb (the instance's own storage holds the model), or choose an instance type with EBS storage (ml.m5, ml.c5, ml.r5, ml.p3, ml.inf2, ...)",
            "volume-size-local-storage",
        )
    if ami is None:
        return
    if "-neuron-" in ami and not NEURON_AMI_FAMILIES.match(t):
        yield Violation(
            (*loc, "inference_ami_version"),
            f"{ami} is the inference AMI for Inferentia2 and Trainium instances (ml.inf2, ml.trn1, ml.trn2), not for {t}: "
            "remove inference_ami_version, or choose one of those instance types",
            "inference-ami-instance",
        )
    elif "-gpu-" in ami and not GPU_FAMILIES.match(t):
        yield Violation(
            (*loc, "inference_ami_version"),
            f"{ami} is an inference AMI for NVIDIA GPU instances (ml.g4dn, ml.g5, ml.g6, ml.p3, ml.p4d, ml.p5, ...), not for {t}: "
            "remove inference_ami_version (SageMaker picks the AMI of CPU and Inferentia instances itself), or choose a GPU instance type"
            + (
                " (al2-ami-sagemaker-inference-neuron-2 is the one for Inferentia2 and Trainium)"
                if NEURON_AMI_FAMILIES.match(t)
                else ""
            ),
            "inference-ami-instance",
        )


#: ContainerDefinition.ModelDataSource in botocore's SageMaker service model (CreateModel).
MODEL_DATA_SOURCE_EXCLUSIONS = (
    '"Currently you cannot use ModelDataSource in conjunction with SageMaker batch transform, SageMaker '
    'serverless endpoints, SageMaker multi-model endpoints, and SageMaker Marketplace" (CreateModel, ModelDataSource)'
)


PREFIX_FIX = "give the version its files as one model_data .tar.gz archive (tar czf model.tar.gz -C <folder> .), or build them into the image"


def _prefix_unsupported(config: PlatformConfig) -> Iterator[Violation]:
    """Uncompressed files under a prefix are a ModelDataSource, which serverless endpoints cannot use
    (batch transform neither: the batch component's rules) (a multi-model endpoint reads its own prefix of archives, not the version's)."""
    for eloc, ep in _endpoints(config):
        if ep.multi_model is not None:
            continue
        for vloc, v in _variants(ep):
            found = config.candidates(v.model)
            prefix = found[0].entry.model_data_prefix if len(found) == 1 else None
            if v.serverless is not None and prefix is not None:
                yield Violation(
                    (*eloc, *vloc, "model"),
                    f"model version {v.model} has its files under a prefix (model_data_prefix {prefix}), and SageMaker says {MODEL_DATA_SOURCE_EXCLUSIONS}: "
                    f"a serverless variant needs another form: {PREFIX_FIX}; or serve it from instances",
                    "model-data-prefix-unsupported",
                )


# --- names derived from config text (the planner's own functions, from mlinfra.naming) -------------------


def core_names(config: PlatformConfig) -> Iterator[Named]:
    """The names of the core's entities: the endpoints' modules, variants, models, alarms and scaling
    policies, and the inference components' models and alarms."""
    p = config.project
    prefix = f"{p.name}-{p.environment}"
    role = naming.execution_role_name(prefix, p.region)
    for (_, i), ep in _endpoints(config):
        name = naming.endpoint_name(prefix, ep.name)
        multi = ep.multi_model.model_data_prefix if ep.multi_model else None
        yield Named(
            "the Terraform module",
            f"endpoint_{naming.ident(ep.name)}",
            ep.name,
            ("endpoints", i, "name"),
            f'endpoint "{ep.name}"',
        )
        for vloc, v in _variants(ep):
            loc = ("endpoints", i, *vloc, "name")
            label = f'variant "{v.name}" of endpoint "{ep.name}"'
            who = (ep.name, v.name)
            key = naming.ident(v.name)
            yield Named(f'the Terraform name in endpoint "{ep.name}"', key, who, loc, label)
            try:
                mv = config.model(v.model)
            except KeyError:
                pass  # unknown-model-version says so
            else:
                content = naming.model_content(
                    image=mv.image,
                    data=multi or mv.model_data or mv.model_data_prefix,
                    env=mv.environment,
                    multi_model=multi is not None,
                    role=role,
                    isolated=mv.network_isolation,
                    uncompressed=multi is None and mv.model_data_prefix is not None,
                )
                yield Named("the SageMaker model", naming.sagemaker_model_name(name, v.name, content), who, loc, label)
            if vloc[0] == "shadow":
                continue
            if ep.alarms is not None:
                for alarm in naming.target_alarms(ep.alarms):
                    yield Named("the CloudWatch alarm", naming.alarm_name(name, v.name, alarm), who, loc, label)
                    yield Named(
                        f'the Terraform alarm name in endpoint "{ep.name}"',
                        naming.alarm_key(v.name, alarm),
                        who,
                        loc,
                        label,
                    )
            a = v.autoscaling
            if a is not None and v.serverless is None:
                yield Named(f'the Terraform scaling policy in endpoint "{ep.name}"', key, who, loc, label)
                if ep.kind == "async" and a.min == 0:
                    yield Named(
                        f'the Terraform scaling policy in endpoint "{ep.name}"',
                        naming.from_zero_policy_key(v.name),
                        who,
                        loc,
                        label,
                    )
                    yield Named(
                        "the CloudWatch alarm", naming.alarm_name(name, v.name, naming.BACKLOG_ALARM), who, loc, label
                    )
                    yield Named(
                        f'the Terraform alarm name in endpoint "{ep.name}"',
                        naming.alarm_key(v.name, naming.BACKLOG_ALARM),
                        who,
                        loc,
                        label,
                    )
    for i, cep in enumerate(config.endpoints):
        if not isinstance(cep, InferenceComponentsEndpoint):
            continue
        for j, c in enumerate(cep.components):
            found = config.candidates(c.model)
            cmv = found[0].entry if len(found) == 1 else None
            if cmv is not None:  # else unknown-model-version says so
                content = naming.component_model_content(cmv, role)
                name = naming.sagemaker_model_name(naming.endpoint_name(prefix, cep.name), c.name, content)
                yield Named(
                    "the SageMaker model",
                    name,
                    (cep.name, c.name),
                    ("endpoints", i, "components", j, "name"),
                    f'component "{c.name}" of endpoint "{cep.name}"',
                )
            if cep.alarms is not None:
                for alarm in naming.target_alarms(cep.alarms):
                    yield Named(
                        "the CloudWatch alarm",
                        naming.alarm_name(naming.endpoint_name(prefix, cep.name), c.name, alarm),
                        (cep.name, c.name),
                        ("endpoints", i, "components", j, "name"),
                        f'component "{c.name}" of endpoint "{cep.name}"',
                    )


def name_collisions(sources: Sequence[Names]) -> Rule:
    """The rule that finds two config entities which would get one Terraform address or one AWS name (one
    message per pair), among the names of every source, in order."""

    def name_collisions(config: PlatformConfig) -> Iterator[Violation]:
        first: dict[tuple[str, str], Named] = {}
        clashes: dict[tuple[Loc, Loc], list[Named]] = {}
        for n in (n for names in sources for n in names(config)):
            seen = first.setdefault((n.namespace, n.value), n)
            if seen.identity != n.identity and seen.loc != n.loc:
                clashes.setdefault((seen.loc, n.loc), []).append(n)
        reported: set[Loc] = set()
        for (loc1, loc2), names in clashes.items():
            if loc2 in reported:
                continue  # one message per entity
            reported.add(loc2)
            other = first[(names[0].namespace, names[0].value)]
            shared = "; ".join(f"{n.namespace} {n.value}" for n in names)
            yield Violation(
                loc2,
                f"{names[0].label} collides with {other.label} at line {{related_line}}: both would be {shared}. Rename one of them",
                "name-collision",
                related=loc1,
            )

    return name_collisions


#: The collision check among the core's names; :func:`mlinfra.config.schema.assemble` puts the one among
#: the core's and every component's names in its place in the rule order.
NAME_COLLISIONS = rule(name_collisions((core_names,)))

#: Rules about the files a config names, read relative to its folder (none of the core's reads a file:
#: the components' do, :attr:`mlinfra.config.section.Slice.file_rules`).
FILE_RULES: tuple[FileRule, ...] = ()


def check_files(config: PlatformConfig, base_dir: Path, rules: Iterable[FileRule]) -> list[Violation]:
    """Every violation of every file rule, in rule order then file order."""
    return [v for r in rules for v in r(config, base_dir)]


@rule
def traffic_endpoints(config: PlatformConfig) -> Iterator[Violation]:
    """``traffic.endpoints`` names endpoints of the config (a typo would silently keep the platform's figures)."""
    if config.traffic is None:
        return
    names = [ep.name for ep in config.endpoints]
    for name in config.traffic.endpoints:
        if name not in names:
            known = ", ".join(names) or "none"
            yield Violation(
                ("traffic", "endpoints", name),
                f"no endpoint is named {name} (the config's endpoints: {known})",
                "traffic-unknown-endpoint",
            )
