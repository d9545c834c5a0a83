"""Rules of the ``routes`` and ``preprocessing`` sections, of the files they name (request schemas,
vocabularies) and the names the routes' functions get."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from ... import naming
from ...config.names import Named
from ...config.rules import Loc, Violation
from ...config.shapes import PlatformConfig
from ...regions import REGIONS
from .section import ROUTES, SECTION, settings_for

_LAYER_ARN = re.compile(r"^arn:(?P<partition>[a-z-]+):lambda:(?P<region>[a-z0-9-]+):")


def routes_need_preprocessing(config: PlatformConfig) -> Iterator[Violation]:
    if ROUTES.of(config) and SECTION.of(config) is None:
        yield Violation(
            ("routes",),
            'routes run through preprocessing Lambdas: add a "preprocessing" section (`preprocessing: {}` takes the defaults)',
            "routes-need-preprocessing",
        )


def routes(config: PlatformConfig) -> Iterator[Violation]:
    endpoints = {ep.name: ep for ep in config.endpoints}
    seen: set[str] = set()
    pre = SECTION.of(config)
    for i, route in enumerate(ROUTES.of(config)):
        loc = ("routes", i)
        if route.path in seen:
            yield Violation((*loc, "path"), f"POST {route.path} is routed twice", "duplicate-route")
        seen.add(route.path)
        ep = endpoints.get(route.endpoint)
        if ep is None:
            known = ", ".join(sorted(endpoints)) or "none"
            yield Violation(
                (*loc, "endpoint"), f'no endpoint "{route.endpoint}" (endpoints: {known})', "unknown-route-endpoint"
            )
        elif ep.kind == "async":
            yield Violation(
                (*loc, "endpoint"),
                f'"{ep.name}" is asynchronous: it answers through S3, not to an API request',
                "route-async-endpoint",
            )
        elif ep.kind == "multi-model":
            yield Violation(
                (*loc, "endpoint"),
                f'"{ep.name}" is multi-model: each call needs a target model, which routes do not choose yet',
                "route-multi-model-endpoint",
            )
        elif ep.kind == "components":
            yield Violation(
                (*loc, "endpoint"),
                f'"{ep.name}" hosts inference components: each call names a component, which routes do not choose yet',
                "route-components-endpoint",
            )
        elif route.variant is not None and route.variant not in {v.name for v in ep.variants}:
            yield Violation(
                (*loc, "variant"),
                f'endpoint "{ep.name}" has no production variant "{route.variant}"',
                "unknown-route-variant",
            )
        for kind in ("tabular", "image", "text"):
            if kind != route.preprocessor and getattr(route, kind) is not None:
                yield Violation(
                    (*loc, kind),
                    f"this route's preprocessor is {route.preprocessor}: {kind} settings do not apply",
                    "route-settings-kind",
                )
        if pre is not None and route.preprocessor != "passthrough" and settings_for(config, route) is None:
            yield Violation(
                (*loc, "preprocessor"),
                f"the {route.preprocessor} preprocessor needs settings: preprocessing.{route.preprocessor}, or {route.preprocessor} on the route",
                "preprocessing-settings-missing",
            )


def layer_regions(config: PlatformConfig) -> Iterator[Violation]:
    """A layer is in the functions' region and partition (an unknown region is the core's message)."""
    pre, region = SECTION.of(config), config.project.region
    if pre is None or region not in REGIONS:
        return
    home = REGIONS[region][0]
    for j, arn in enumerate(pre.layers):
        a = _LAYER_ARN.match(arn)
        if a is not None and (a["region"], a["partition"]) != (region, home):
            yield Violation(
                ("preprocessing", "layers", j),
                f"a Lambda layer must be in the function's region: {region} (arn:{home}:lambda:{region}:...), not arn:{a['partition']}:lambda:{a['region']}",
                "layer-region",
            )


def schema_files(config: PlatformConfig, base_dir: Path) -> Iterator[Violation]:
    for i, route in enumerate(ROUTES.of(config)):
        if route.schema_file is None:
            continue
        loc = ("routes", i, "schema")
        path = base_dir / route.schema_file
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            yield Violation(loc, f"cannot read {route.schema_file}: {exc.strerror}", "schema-file")
            continue
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            yield Violation(loc, f"{route.schema_file} is not JSON: {exc}", "schema-file")
            continue
        if not isinstance(doc, dict):
            yield Violation(loc, f"{route.schema_file} must hold a JSON Schema object", "schema-file")
        elif len(json.dumps(doc)) > 32768:
            yield Violation(loc, f"{route.schema_file} is over API Gateway's 32 KB model limit", "schema-file")


def vocabulary_file(config: PlatformConfig, base_dir: Path) -> Iterator[Violation]:
    places: list[tuple[Loc, str]] = []
    pre = SECTION.of(config)
    if pre is not None and pre.text is not None:
        places.append((("preprocessing", "text", "vocabulary_file"), pre.text.vocabulary_file))
    places += [
        (("routes", i, "text", "vocabulary_file"), r.text.vocabulary_file)
        for i, r in enumerate(ROUTES.of(config))
        if r.text is not None
    ]
    for loc, name in places:
        try:
            words = (base_dir / name).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            yield Violation(loc, f"cannot read {name}: {exc.strerror}", "vocabulary-file")
            continue
        except UnicodeDecodeError:
            yield Violation(loc, f"{name} is not UTF-8 text", "vocabulary-file")
            continue
        if not [w for w in words if w.strip()]:
            yield Violation(loc, f"{name} is empty: one token per line", "vocabulary-file")


def names(config: PlatformConfig) -> Iterator[Named]:
    """Each route's function key (its Terraform name), Lambda function and role."""
    p = config.project
    prefix = f"{p.name}-{p.environment}"
    for r, route in enumerate(ROUTES.of(config)):
        loc: Loc = ("routes", r, "path")
        label = f"POST {route.path}"
        key = naming.route_key(route.path)
        function = naming.function_name(prefix, key)
        yield Named("the Terraform name", key, route.path, loc, label)
        yield Named("the Lambda function", function, route.path, loc, label)
        yield Named("the Lambda role", naming.lambda_role_name(function, p.region), route.path, loc, label)


RULES = (routes_need_preprocessing, routes, layer_regions)
FILE_RULES = (schema_files, vocabulary_file)
