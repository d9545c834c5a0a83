#!/usr/bin/env python3
"""Derive an offline schema of a hashicorp provider from its cdktf bindings.

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

The output is ``tests/schema/<name>-provider-<version>.json``.

How blocks are told apart (see ``_build_block``):

* ``isBlock: true`` marks a nested block; ``isBlock: false`` an attribute (a ``tags``
  map, a list of strings, ...).  Computed-only values (``arn``) appear only as
  getters, never in the HCL table; they are attributes with ``computed: true``.
* A block whose value is passed straight to ``fooToHclTerraform(...)`` (getter
  ``new FooOutputReference(this, "x")``) holds at most one element: nesting
  ``single`` (SDKv2 ``MaxItems: 1`` lists, framework single blocks, ``timeouts``).
  A block whose value goes through ``cdktf.listMapperHcl(fooToHclTerraform, ...)``
  (getter ``new FooList(...)``) repeats: nesting ``list`` (lists and sets alike).
* ``cdktf.listMapperHcl(fooToHclTerraform, false)`` -- second argument ``false`` --
  is an SDKv2 "attributes as blocks" value (``ConfigMode: SchemaConfigModeAttr``,
  e.g. ``aws_security_group.ingress``).  Terraform accepts it both as repeated
  blocks and as ``ingress = [ {...} ]``; it is recorded as a ``list`` block with
  ``"attribute_syntax": true``.  Terraform core sees its fields as optional, so
  the provider's own ``Required`` fields are restored from ``field_overrides``.
* A block is required when its getter says ``required: true``; it then gets
  ``min_items: 1`` (Terraform core drops MinItems of optional SDKv2 blocks).

What the bindings do NOT carry: ``MaxItems``/``MinItems`` other than the implied
1 above.  The few limits we care about are listed in ``AWS_BLOCK_LIMIT_OVERRIDES``,
taken from the provider's Go source; the script fails if one no longer matches a
list block, so a provider bump cannot silently drop them.

Usage::

    python tools/provider_schema/extract.py [--provider aws|archive|random]
        [PATH_TO_UNPACKED_NPM_PACKAGE] [-o OUT]

Without a path it runs ``npm pack <package>`` into a temporary directory.
Standard library only.
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


@dataclass(frozen=True)
class ProviderSpec:
    """One provider: its cdktf package, the bound version and the types we keep."""

    name: str  # local name and type prefix: "aws" -> aws_*
    version: str  # hashicorp/<name> version the package is generated from
    npm_package: str
    resource_types: tuple[str, ...]
    data_source_types: tuple[str, ...] = ()
    block_limit_overrides: dict = field(default_factory=dict)
    field_overrides: dict = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"hashicorp/{self.name}"

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
    ),
}


class ExtractError(RuntimeError):
    """The bindings do not look the way this script expects."""


# --------------------------------------------------------------------------
# Obtaining the package and the TypeScript sources
# --------------------------------------------------------------------------


def fetch_package(spec: ProviderSpec, dest: Path) -> Path:
    """`npm pack` the bindings into dest and unpack them; return the package dir."""
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
        # Only the resource/data-source folders we need plus package.json.
        wanted = {"package/package.json"}
        for types, is_data in ((spec.resource_types, False), (spec.data_source_types, True)):
            for tf_type in types:
                wanted |= {f"package/lib/{d}/index.js" for d in type_dirs(spec, tf_type, is_data)}
        members = [m for m in tar.getmembers() if m.name in wanted]
        try:
            tar.extractall(dest, members=members, filter="data")
        except TypeError:  # Python < 3.11.4 has no extraction filters
            tar.extractall(dest, members=members)
    return dest / "package"


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
    bound = (meta.get("cdktf") or {}).get("provider") or {}
    expected = ("registry.terraform.io/" + spec.source, spec.version)
    if (bound.get("name"), bound.get("version")) != expected:
        raise ExtractError(
            f"{meta.get('name')}@{meta.get('version')} binds {bound.get('name')} "
            f"{bound.get('version')}, expected {expected[0]} {expected[1]} (update PROVIDERS)"
        )


_SOURCEMAP_RE = re.compile(r"sourceMappingURL=data:application/json;base64,([A-Za-z0-9+/=]+)")


def typescript_source(
    spec: ProviderSpec, package: Path, tf_type: str, is_data: bool
) -> tuple[str, str] | None:
    """(folder, generated TypeScript) for one type, or None if the package lacks it."""
    marker = f'tfResourceType = "{tf_type}";'
    for folder in type_dirs(spec, tf_type, is_data):
        js = package / "lib" / folder / "index.js"
        if not js.is_file():
            continue
        match = _SOURCEMAP_RE.search(js.read_text(encoding="utf-8"))
        if not match:
            raise ExtractError(f"{js}: no inline sourcemap")
        sourcemap = json.loads(base64.b64decode(match.group(1)))
        sources = sourcemap.get("sourcesContent") or []
        if len(sources) != 1:
            raise ExtractError(f"{js}: expected one embedded source, found {len(sources)}")
        if marker in sources[0]:
            return folder, sources[0]
    return None


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

# `// name - computed: x, optional: y, required: z`, plus the line after it,
# which for a nested block instantiates its OutputReference or List class.
_FLAGS_RE = re.compile(
    r"^\s*// (?P<name>\w+) - computed: (?P<computed>true|false), "
    r"optional: (?P<optional>true|false), required: (?P<required>true|false)\s*\n"
    r"(?P<next>.*)$",
    re.MULTILINE,
)
_GETTER_CLASS_RE = re.compile(r"= new (\w+)\(this, \"(\w+)\"")

# The mapper function used for a nested block's value.
_MAPPER_RE = re.compile(r"\b(\w+)ToHclTerraform\b")


class Source:
    """Index of one generated TypeScript file."""

    def __init__(self, text: str, origin: str):
        self.origin = origin
        self.classes: dict[str, str] = {}
        self.functions: dict[str, str] = {}
        matches = list(_TOPLEVEL_RE.finditer(text))
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            body = text[m.start() : end]
            kind, name = m.groups()
            if kind == "class":
                self.classes[name] = body
            elif kind == "function":
                self.functions[name] = body

    def main_class(self, tf_type: str, is_data: bool) -> str:
        base = "cdktf.TerraformDataSource" if is_data else "cdktf.TerraformResource"
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
            raise ExtractError(
                f"{self.origin}: {where}: parsed {len(entries)} of {expected} HCL entries"
            )
        return entries

    @staticmethod
    def flags(class_body: str) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for m in _FLAGS_RE.finditer(class_body):
            getter = _GETTER_CLASS_RE.search(m.group("next"))
            out[m.group("name")] = {
                "computed": m.group("computed") == "true",
                "optional": m.group("optional") == "true",
                "required": m.group("required") == "true",
                "getter_class": getter.group(1) if getter else None,
            }
        return out


def _attribute(flags: dict) -> dict[str, bool]:
    return {k: flags[k] for k in ("computed", "optional", "required")}


def _build_block(
    src: Source,
    entries: list[dict[str, str]],
    flags: dict[str, dict],
    where: str,
    path: str,
    context: tuple[str, str],
    field_overrides: dict,
) -> dict:
    """Schema of one block body (resource top level or a nested block).

    `entries` are the configurable arguments (from the HCL table), `flags` the
    getter comments of the class that exposes this block's values.
    """
    attributes: dict[str, dict] = {}
    blocks: dict[str, dict] = {}
    for entry in entries:
        name = entry["name"]
        if name not in flags:
            raise ExtractError(f"{src.origin}: {where}.{name}: no flags comment")
        f = flags[name]
        if entry["is_block"] == "false":
            # Plain values, including maps (`tags`) and lists/sets of scalars.
            # (Plugin-framework "nested attributes" would also land here: they
            # are assigned with `=`, so they are attributes, not blocks.)
            attributes[name] = _attribute(f)
            continue

        value = entry["value"]
        mapper = _MAPPER_RE.search(value)
        if not mapper:
            raise ExtractError(f"{src.origin}: {where}.{name}: no mapper in {value!r}")
        mapper_fn = mapper.group(1) + "ToHclTerraform"
        struct = mapper.group(1)[0].upper() + mapper.group(1)[1:]

        repeated = value.startswith("cdktf.listMapperHcl(")
        # Cross-check against the getter: single blocks are exposed through an
        # OutputReference, repeated ones through a List class.
        getter_class = f["getter_class"] or ""
        if repeated != getter_class.endswith("List") or (
            not repeated and not getter_class.endswith("OutputReference")
        ):
            raise ExtractError(
                f"{src.origin}: {where}.{name}: value {value!r} disagrees with getter {getter_class!r}"
            )

        child_path = f"{path}.{name}" if path else name
        child_entries = src.hcl_entries(src.functions.get(mapper_fn, ""), f"{where}.{name}")
        child_flags = src.flags(src.classes.get(struct + "OutputReference", ""))
        child = _build_block(
            src, child_entries, child_flags, f"{where}.{name}", child_path, context, field_overrides
        )
        block: dict = {"nesting": "list" if repeated else "single", "block": child}
        if not repeated:
            block["max_items"] = 1
        if f["required"]:
            block["min_items"] = 1
        if repeated and value.startswith(f"cdktf.listMapperHcl({mapper_fn}, false)"):
            # SDKv2 attribute-as-blocks (ConfigModeAttr): see module docstring.
            block["attribute_syntax"] = True
            for attr, override in field_overrides.get((*context, child_path), {}).items():
                if attr not in child["attributes"]:
                    raise ExtractError(f"field_overrides: {context} {child_path}.{attr} unknown")
                child["attributes"][attr] = dict(override)
        block["required"] = f["required"]
        blocks[name] = block

    # Computed-only values have a getter but are not configurable.
    configurable = {e["name"] for e in entries}
    for name, f in flags.items():
        if name in configurable:
            continue
        if f["optional"] or f["required"] or not f["computed"]:
            raise ExtractError(f"{src.origin}: {where}.{name}: settable but not in HCL table")
        attributes[name] = _attribute(f)

    return {"attributes": attributes, "blocks": blocks}


def extract_type(spec: ProviderSpec, package: Path, tf_type: str, is_data: bool) -> dict | None:
    found = typescript_source(spec, package, tf_type, is_data)
    if found is None:
        return None
    folder, text = found
    if f"{spec.source}/{spec.version}/" not in text:
        raise ExtractError(f"{tf_type}: bindings are not for {spec.source} {spec.version}")
    src = Source(text, folder)
    main = src.main_class(tf_type, is_data)
    synth = main.split("synthesizeHclAttributes()", 1)
    if len(synth) != 2:
        raise ExtractError(f"{src.origin}: no synthesizeHclAttributes()")
    entries = src.hcl_entries(synth[1], tf_type)
    kind = "data" if is_data else "resource"
    return _build_block(
        src, entries, src.flags(main), tf_type, "", (kind, tf_type), spec.field_overrides
    )


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
        if block["nesting"] != "list":
            raise ExtractError(f"block_limit_overrides: {tf_type} {path} is not a list block")
        for key, value in limits.items():
            if key == "min_items" and not block["required"]:
                raise ExtractError(f"block_limit_overrides: min_items on optional {path}")
            block[key] = value


def build_schema(spec: ProviderSpec, package: Path) -> tuple[dict, list[str]]:
    """Return (schema, missing types)."""
    check_package_version(spec, package)
    schema: dict = {
        "provider": spec.source,
        "version": spec.version,
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
    return schema, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", type=Path, help="unpacked npm package dir")
    parser.add_argument("--provider", choices=sorted(PROVIDERS), default="aws")
    parser.add_argument(
        "-o", "--output", type=Path, help="default: tests/schema/<name>-provider-<version>.json"
    )
    args = parser.parse_args(argv)
    spec = PROVIDERS[args.provider]
    output = args.output or spec.output

    with tempfile.TemporaryDirectory() as tmp:
        package = args.package or fetch_package(spec, Path(tmp))
        if (package / "package" / "lib").is_dir():  # given the tarball's parent dir
            package = package / "package"
        schema, missing = build_schema(spec, package)

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(
        f"wrote {output}: {len(schema['resources'])} resources, "
        f"{len(schema['data_sources'])} data sources"
    )
    for name in missing:
        print(f"not in {spec.source} {spec.version}: {name}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
