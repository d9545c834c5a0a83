"""Rules of the ``api`` section (with the routes it serves: the preprocessing component's ``routes``) and
the names its resources, request models, usage plans and keys get."""

from __future__ import annotations

from collections.abc import Iterator

from ... import naming
from ...config.names import Named
from ...config.rules import Loc, Violation
from ...config.shapes import PlatformConfig
from ..preprocessing.section import ROUTES
from .section import SECTION


def api_and_routes(config: PlatformConfig) -> Iterator[Violation]:
    api, routes = SECTION.of(config), ROUTES.of(config)
    if routes and api is None:
        yield Violation(
            ("routes",),
            'routes are served by the API: add an "api" section (`api: {usage_plans: [{name: default, keys: [my-app]}]}` serves them on its execute-api URL to callers with that key; domain and hosted_zone give it a name)',
            "routes-need-api",
        )
    if api is not None and not routes:
        yield Violation(("api",), "the API has no routes: add at least one under routes", "api-without-routes")
    if api is None:
        return
    domain, zone = api.domain, api.hosted_zone
    if domain is not None and zone is not None:
        if not (domain == zone or domain.endswith("." + zone)):
            yield Violation(("api", "domain"), f"{domain} is not inside the hosted zone {zone}", "domain-outside-zone")
    elif domain is not None:
        yield Violation(
            ("api", "domain"),
            "a custom domain needs the DNS hosted zone it is in (its certificate is validated and its record "
            "written there): add api.hosted_zone, or remove domain to serve the API on its execute-api URL",
            "domain-without-zone",
        )
    elif zone is not None:
        yield Violation(
            ("api", "hosted_zone"),
            "a hosted zone without a domain names nothing: add api.domain (a name inside the zone), or remove hosted_zone",
            "zone-without-domain",
        )
    elif "cloudfront" in api.model_fields_set:
        yield Violation(
            ("api", "cloudfront"),
            "cloudfront chooses how the custom domain is served; without api.domain the API is served on its "
            "execute-api URL: add domain and hosted_zone, or remove cloudfront",
            "cloudfront-without-domain",
        )


def usage_plans(config: PlatformConfig) -> Iterator[Violation]:
    api = SECTION.of(config)
    if api is None:
        return
    plans: set[str] = set()
    keys: dict[str, str] = {}
    for i, plan in enumerate(api.usage_plans):
        if plan.name in plans:
            yield Violation(
                ("api", "usage_plans", i, "name"), f'usage plan "{plan.name}" is defined twice', "duplicate-usage-plan"
            )
        plans.add(plan.name)
        for j, key in enumerate(plan.keys):
            if key in keys:
                # API Gateway: a key may belong to one usage plan per API stage.
                yield Violation(
                    ("api", "usage_plans", i, "keys", j),
                    f'API key "{key}" is already in usage plan "{keys[key]}"',
                    "duplicate-api-key",
                )
            keys.setdefault(key, plan.name)


def names(config: PlatformConfig) -> Iterator[Named]:
    """Each route's request model and path resources, each usage plan's and API key's Terraform name."""
    for r, route in enumerate(ROUTES.of(config)):
        loc: Loc = ("routes", r, "path")
        label = f"POST {route.path}"
        if route.schema_file is not None:
            key = naming.route_key(route.path)
            yield Named("the API Gateway request model", naming.request_model_name(key), route.path, loc, label)
        for rkey, _, so_far in naming.api_resource_keys(route.path):
            yield Named("the API Gateway resource", rkey, so_far, loc, label)
    api = SECTION.of(config)
    if api is None:
        return
    for i, plan in enumerate(api.usage_plans):
        yield Named(
            "the Terraform name of a usage plan",
            naming.usage_plan_key(plan.name),
            plan.name,
            ("api", "usage_plans", i, "name"),
            f'usage plan "{plan.name}"',
        )
        for j, k in enumerate(plan.keys):
            yield Named(
                "the Terraform name of an API key",
                naming.api_key_key(k),
                k,
                ("api", "usage_plans", i, "keys", j),
                f'API key "{k}"',
            )


def api_keys_exist(config: PlatformConfig) -> Iterator[Violation]:
    """Routes that require an API key when the config gives out none: API Gateway answers every call 403."""
    api = SECTION.of(config)
    if api is None or not api.require_api_key or any(plan.keys for plan in api.usage_plans):
        return
    if not ROUTES.of(config):
        return  # no method to call
    yield Violation(
        ("api",),
        "every route requires an API key (API Gateway answers 403 without one) and no usage plan gives one out: "
        "add a usage plan with a key (usage_plans: [{name: default, keys: [my-app]}]), or take calls without "
        "keys (require_api_key: false)",
        "api-keys-missing",
    )


RULES = (api_and_routes, usage_plans, api_keys_exist)
