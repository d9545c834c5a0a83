"""Split stacks (issue #22): the config's ``stacks`` section, the partition of the modules into stacks, and
the cross-stack wiring (outputs of the producer, ``terraform_remote_state`` in the consumer)."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pytest

from tests.support.configs import edited, refused

GROUPS = """stacks:
  groups:
    - name: fraud
      endpoints: [fraud-scoring, fraud-review]
    - name: pricing
      endpoints: [pricing-quote, pricing-renewal]
    - name: search
      endpoints: [search-rank, search-embed]
"""


def _rendered(config: Path):
    from mlinfra.pipeline import load_config, render_project

    return render_project(load_config(config), config.parent)


@pytest.fixture(scope="module")
def fleet():
    return _rendered(Path(__file__).resolve().parents[1] / "examples" / "fleet-stacks.yaml")


def _groups(tmp_path: Path, section: str) -> Path:
    return edited("fleet-stacks", tmp_path, (GROUPS, section))


# --- the partition ------------------------------------------------------------------------------------


def test_the_example_splits_into_shared_three_groups_and_front(fleet) -> None:
    stacks = {s.name: s for s in fleet.stacks}
    assert [s.name for s in fleet.stacks] == ["shared", "fraud", "pricing", "search", "front"]
    assert all(s.directory == PurePosixPath(s.name) for s in fleet.stacks)
    assert stacks["shared"].needs == () and stacks["shared"].endpoints == ()
    assert set(stacks["shared"].modules) >= {"kms", "sagemaker_role", "registry", "alerts", "capture_bucket"}
    assert stacks["fraud"].endpoints == ("fraud-scoring", "fraud-review")
    assert stacks["fraud"].modules == ("endpoint_fraud_scoring", "endpoint_fraud_review")
    assert stacks["fraud"].needs == ("shared",)
    # The routes' Lambdas invoke endpoints of two groups (by name) and Model Monitor watches endpoints of
    # two groups (by reference): the front door and the monitoring module come after both.
    assert stacks["front"].modules == ("api", "preprocessing", "monitoring")
    assert stacks["front"].needs == ("shared", "fraud", "pricing")
    # Every module in exactly one stack.
    keys = [k for s in fleet.stacks for k in s.modules]
    assert len(keys) == len(set(keys)) == fleet.modules


def test_a_module_reading_one_group_joins_it(tmp_path: Path) -> None:
    """endpoints_per_stack: 4 puts fraud-scoring and pricing-quote in one group: the monitoring module, which
    reads only those two, goes with them (a change there plans that stack alone), and there is no front."""
    rendered = _rendered(_groups(tmp_path, "stacks:\n  endpoints_per_stack: 4\n"))
    stacks = {s.name: s for s in rendered.stacks}
    assert list(stacks) == ["shared", "endpoints-1", "endpoints-2"]
    assert stacks["endpoints-1"].endpoints == ("fraud-scoring", "fraud-review", "pricing-quote", "pricing-renewal")
    assert stacks["endpoints-2"].endpoints == ("search-rank", "search-embed")
    assert "monitoring" in stacks["endpoints-1"].modules
    assert stacks["endpoints-2"].needs == ("shared",)


ROUTES = """routes:
  - path: /fraud/score
    preprocessor: passthrough   # the JSON body sent on as it comes
    endpoint: fraud-scoring
  - path: /pricing/quote
    preprocessor: passthrough
    endpoint: pricing-quote
"""
MONITORING = "  endpoints:\n    - endpoint: fraud-scoring\n"


def test_calls_by_name_order_the_stacks_without_reading_their_state(tmp_path: Path) -> None:
    """Without Model Monitor, nothing in front references an endpoint module: the routes' Lambdas invoke the
    endpoints by name. front still comes after both groups (an API must not go live before its endpoints,
    nor outlive them on destroy), and reads only shared's state."""
    config = edited("fleet-stacks", tmp_path / "front", lambda t: t[: t.index(MONITORING)] + "\n" + t[t.index("\napi:") :])
    rendered = _rendered(config)
    stacks = {s.name: s for s in rendered.stacks}
    # The dashboards alone (no monitor) name endpoints in their metrics, and call nothing: shared.
    assert "monitoring" in stacks["shared"].modules
    assert stacks["front"].modules == ("api", "preprocessing")
    assert stacks["front"].needs == ("shared", "fraud", "pricing")
    front = rendered.files[PurePosixPath("front/main.tf")]
    assert _REMOTE.findall(front) == ["shared"]
    readme = rendered.files[PurePosixPath("front/README.md")]
    assert "Applied after: `shared`, `fraud`, `pricing`" in readme and "Reads the outputs of: `shared`" in readme


def test_the_front_door_of_one_group_joins_it(tmp_path: Path) -> None:
    """Routes to one group's endpoints only: the API and its Lambdas go with that group."""
    config = edited(
        "fleet-stacks",
        tmp_path / "one",
        (ROUTES, ROUTES.split("  - path: /pricing")[0]),
        lambda t: t[: t.index(MONITORING)] + "\n" + t[t.index("\napi:") :],
    )
    stacks = {s.name: s for s in _rendered(config).stacks}
    assert "front" not in stacks
    assert set(stacks["fraud"].modules) >= {"api", "preprocessing"}
    assert stacks["pricing"].modules == ("endpoint_pricing_quote", "endpoint_pricing_renewal")


def test_no_stacks_section_renders_the_single_root_with_the_same_modules(tmp_path: Path, fleet) -> None:
    single = _rendered(_groups(tmp_path, ""))
    assert single.stacks == ()
    assert PurePosixPath("main.tf") in single.files and PurePosixPath("shared/main.tf") not in single.files
    # The modules' folders are the same text either way: the split changes only the roots.
    modules = {p: t for p, t in fleet.files.items() if p.parts[0] == "modules"}
    assert modules == {p: t for p, t in single.files.items() if p.parts[0] == "modules"}
    assert single.resources == fleet.resources and single.modules == fleet.modules


def test_two_renders_are_identical(fleet) -> None:
    again = _rendered(Path(__file__).resolve().parents[1] / "examples" / "fleet-stacks.yaml")
    assert again == fleet


# --- the wiring ---------------------------------------------------------------------------------------

_MODULE = re.compile(r'^module "([a-z0-9_]+)" \{', re.M)
_MODULE_REF = re.compile(r"\bmodule\.([a-z0-9_]+)\.")
_REMOTE = re.compile(r'^data "terraform_remote_state" "([a-z0-9_]+)" \{', re.M)
_REMOTE_REF = re.compile(r"\bdata\.terraform_remote_state\.([a-z0-9_]+)\.outputs\.([a-z0-9_]+)")
_OUTPUT = re.compile(r'^output "([a-z0-9_]+)" \{', re.M)


def test_every_reference_resolves_in_its_own_root(fleet) -> None:
    """No root names a module it does not call; every remote output it reads is declared by its producer,
    and it declares a remote state exactly for the stacks it needs."""
    files = fleet.files
    outputs = {s.name: set(_OUTPUT.findall(files[s.directory / "outputs.tf"])) for s in fleet.stacks}
    read = 0
    for stack in fleet.stacks:
        root = "\n".join(files[stack.directory / n] for n in ("main.tf", "outputs.tf"))
        declared = set(_MODULE.findall(files[stack.directory / "main.tf"]))
        assert declared == set(stack.modules)
        assert set(_MODULE_REF.findall(root)) <= declared, stack.name
        remotes = set(_REMOTE.findall(root))
        assert remotes == {n.replace("-", "_") for n in stack.needs}, stack.name
        for label, output in _REMOTE_REF.findall(root):
            producer = next(n for n in stack.needs if n.replace("-", "_") == label)
            assert output in outputs[producer], (stack.name, producer, output)
            read += 1
        for rel in (stack.directory / "main.tf", stack.directory / "outputs.tf"):
            assert "./modules/" not in files[rel].replace("../modules/", ""), rel
    assert read >= 10


def test_cross_stack_outputs_keep_description_and_sensitivity(fleet) -> None:
    shared = fleet.files[PurePosixPath("shared/outputs.tf")]
    block = re.search(r'output "sagemaker_role_arn" \{\n(.*?)\n\}', shared, re.S)
    assert block is not None, shared
    assert 'value       = module.sagemaker_role.arn' in block[1] and "description" in block[1]
    # api_keys (a root output of the platform) stays sensitive in the stack that holds the api module.
    front = fleet.files[PurePosixPath("front/outputs.tf")]
    api = re.search(r'output "api_keys" \{\n(.*?)\n\}', front, re.S)
    assert api is not None and "sensitive   = true" in api[1]


def test_remote_state_reads_the_producers_key_beside_the_configured_one(fleet) -> None:
    main = fleet.files[PurePosixPath("front/main.tf")]
    assert 'key     = "fleet/prod/shared.tfstate"' in main
    assert 'key     = "fleet/prod/fraud.tfstate"' in main
    assert "workspace = terraform.workspace" in main
    assert re.search(r'key +?= "fleet/prod/front.tfstate"', fleet.files[PurePosixPath("front/backend.tf")])


def test_without_a_backend_stacks_read_each_others_local_state(tmp_path: Path) -> None:
    rendered = _rendered(
        edited("fleet-stacks", tmp_path, ("state:\n  bucket: acme-terraform-state\n  key: fleet/prod/terraform.tfstate   # each stack's state beside it: fleet/prod/<stack>.tfstate\n", ""))
    )
    assert not any(p.name == "backend.tf" for p in rendered.files)
    main = rendered.files[PurePosixPath("fraud/main.tf")]
    assert 'backend = "local"' in main and 'path          = "../shared/terraform.tfstate"' in main


def test_state_key() -> None:
    from mlinfra.stacks.layout import state_key

    assert state_key("platform/terraform.tfstate", "shared") == "platform/shared.tfstate"
    assert state_key("fleet/prod/terraform.tfstate", "endpoints-2") == "fleet/prod/endpoints-2.tfstate"
    assert state_key("terraform.tfstate", "front") == "front.tfstate"


def test_the_top_readme_lists_the_stacks_in_apply_order(fleet) -> None:
    readme = fleet.files[PurePosixPath("README.md")]
    order = [readme.index(f"| {i} | `{s.name}` |") for i, s in enumerate(fleet.stacks, 1)]
    assert order == sorted(order)
    for stack in fleet.stacks:
        assert f"stack {stack.name}" in fleet.files[stack.directory / "README.md"]


def test_the_changes_description_stays_at_the_top(fleet) -> None:
    from mlinfra.changes import DESCRIPTION

    assert PurePosixPath(DESCRIPTION) in fleet.files


# --- the config ---------------------------------------------------------------------------------------

CONFIG_ERRORS = {
    "unknown-endpoint": (
        GROUPS.replace("[search-rank, search-embed]", "[search-rank, search-embed, serach-rank]"),
        ["stacks.groups[2].endpoints[2]", "no endpoint is named 'serach-rank'", "stacks-unknown-endpoint"],
    ),
    "endpoint-twice": (
        GROUPS.replace("[search-rank, search-embed]", "[search-rank, search-embed, fraud-review]"),
        ["stacks.groups[2].endpoints[2]", "'fraud-review' is already in group 'fraud'", "stacks-endpoint-twice"],
    ),
    "ungrouped": (
        GROUPS.replace("[search-rank, search-embed]", "[search-rank]"),
        ["endpoints[5].name", "'search-embed' is in no group", "stacks-endpoint-ungrouped"],
    ),
    "reserved-name": (GROUPS.replace("name: search", "name: shared"), ["stacks.groups[2].name", "stacks-reserved-name"]),
    "duplicate-group": (GROUPS.replace("name: search", "name: fraud"), ["stacks.groups[2].name", "stacks-duplicate-group"]),
    "bad-name": (GROUPS.replace("name: search", "name: Search_1"), ["stacks.groups[2].name", "lowercase letters"]),
    "both-forms": (GROUPS.replace("stacks:\n", "stacks:\n  endpoints_per_stack: 2\n"), ["stacks", "give either endpoints_per_stack or groups", "stacks-form"]),
    "neither-form": ("stacks: {}\n", ["stacks", "given: none", "stacks-form"]),
    "zero-per-stack": ("stacks:\n  endpoints_per_stack: 0\n", ["stacks.endpoints_per_stack"]),
}


@pytest.mark.parametrize("case", sorted(CONFIG_ERRORS))
def test_config_errors_name_the_field(case: str, tmp_path: Path) -> None:
    section, words = CONFIG_ERRORS[case]
    message = str(refused(_groups(tmp_path, section)))
    for w in words:
        assert w in message, message


def test_the_example_validates_without_warnings() -> None:
    from mlinfra.errors import ConfigWarning
    from mlinfra.pipeline import load_config

    warnings: list[ConfigWarning] = []
    notes: list[ConfigWarning] = []
    load_config(Path(__file__).resolve().parents[1] / "examples" / "fleet-stacks.yaml", warnings=warnings, notes=notes)
    assert warnings == [] and notes == []


def test_each_root_configures_only_the_providers_its_modules_use(fleet) -> None:
    """awscc (Model Monitor's model quality and the like) is the monitoring module's: only front pins and
    configures it; every root has the aws provider and its own partition and account data sources."""
    for stack in fleet.stacks:
        versions = fleet.files[stack.directory / "versions.tf"]
        providers = fleet.files[stack.directory / "providers.tf"]
        assert ("awscc" in versions) == (stack.name == "front") == ('provider "awscc"' in providers), stack.name
        assert 'provider "aws"' in providers
        assert 'data "aws_partition" "current"' in fleet.files[stack.directory / "main.tf"]


def test_render_names_the_stacks(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mlinfra.cli import app

    example = Path(__file__).resolve().parents[1] / "examples" / "fleet-stacks.yaml"
    result = CliRunner().invoke(app, ["render", str(example), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "5 stacks (shared, fraud, pricing, search, front), 16 modules" in result.output
    assert (tmp_path / "out" / "front" / "main.tf").is_file() and not (tmp_path / "out" / "main.tf").exists()
