"""Production-variant settings (routing, timeouts, volume size, inference AMI) from the config to the
rendered HCL: literals at the endpoint module call, attributes and a routing_config block in the module,
part of the endpoint configuration's content-hashed name; and the combinations SageMaker accepts pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlinfra.pipeline import load_config
from tests.support.configs import edit, edited, render, write_config
from tests.support.hcl_checks import load_tree, module_call
from tests.test_config_invalid import BASE
from tests.test_render import blocks, s

SETTINGS = {
    "routing_strategy": "routing",
    "model_data_download_timeout_in_seconds": "model_data_download_timeout_seconds",
    "container_startup_health_check_timeout_in_seconds": "container_startup_health_check_timeout_seconds",
    "volume_size_in_gb": "volume_size_gb",
    "inference_ami_version": "inference_ami_version",
}


@pytest.fixture(scope="module")
def shadow(rendered_examples: dict[str, Path]) -> dict:
    return load_tree(rendered_examples["shadow"])


def test_settings_reach_the_module_call_as_literals(shadow: dict) -> None:
    call = module_call(shadow, "endpoint_churn")
    (production,) = call["production_variants"]
    assert s(production["routing_strategy"]) == "LEAST_OUTSTANDING_REQUESTS"
    assert production["model_data_download_timeout_in_seconds"] == 1200
    assert production["container_startup_health_check_timeout_in_seconds"] == 600
    assert production["volume_size_in_gb"] == 64
    assert production["inference_ami_version"] is None  # unset: SageMaker's default AMI
    (shadow_variant,) = call["shadow_variants"]
    assert s(shadow_variant["routing_strategy"]) == "RANDOM"
    assert shadow_variant["model_data_download_timeout_in_seconds"] is None
    assert shadow_variant["container_startup_health_check_timeout_in_seconds"] == 300
    assert shadow_variant["volume_size_in_gb"] == 32


def test_ami_version_on_the_gpu_canary(rendered_examples: dict[str, Path]) -> None:
    call = module_call(load_tree(rendered_examples["platform"]), "endpoint_inference")
    by_name = {s(v["variant_name"]): v for v in call["production_variants"]}
    assert s(by_name["canary"]["inference_ami_version"]) == "al2-ami-sagemaker-inference-gpu-3-1"
    assert by_name["production"]["inference_ami_version"] is None
    # ml.g4dn has local NVMe storage: no volume size there.
    assert all(v["volume_size_in_gb"] is None for v in call["production_variants"])
    # Serverless variants pass null for every setting.
    (serverless,) = module_call(load_tree(rendered_examples["platform"]), "endpoint_serverless")["production_variants"]
    assert all(serverless[attr] is None for attr in SETTINGS)


@pytest.mark.parametrize("kind", ["production_variants", "shadow_production_variants"])
def test_module_renders_each_setting(shadow: dict, kind: str) -> None:
    config = blocks(shadow["modules/endpoint"]["main.tf"], "resource")["aws_sagemaker_endpoint_configuration.this"]
    (block,) = [d[f'"{kind}"'] for d in config["dynamic"] if f'"{kind}"' in d]
    content = block["content"][0]
    for attr in ("model_data_download_timeout_in_seconds", "container_startup_health_check_timeout_in_seconds", "volume_size_in_gb", "inference_ami_version"):
        assert content[attr] == f"${{v.value.{attr}}}"
    (routing,) = [d['"routing_config"'] for d in content["dynamic"] if '"routing_config"' in d]
    assert routing["for_each"] == "${v.value.routing_strategy == null ? [] : [v.value.routing_strategy]}"
    assert routing["content"][0]["routing_strategy"] == "${routing_config.value}"
    # The module's typed input carries every setting (Terraform 1.0 has no optional()).
    variables = {k.strip('"'): v for entry in shadow["modules/endpoint"]["variables.tf"]["variable"] for k, v in entry.items()}
    for name in ("production_variants", "shadow_variants"):
        for attr in SETTINGS:
            assert attr in variables[name]["type"], (name, attr)


def _config_name(tmp_path: Path, text: str) -> str:
    root = render(write_config(tmp_path, text), tmp_path / "out")
    return s(module_call(load_tree(root), "endpoint_inference")["config_name"])


def test_a_setting_is_a_new_endpoint_configuration(tmp_path: Path) -> None:
    """Endpoint configurations are immutable: a changed setting renders a new content-hashed name."""
    canary = "        instance_type: ml.g4dn.2xlarge\n"
    names = {
        "none": _config_name(tmp_path / "a", BASE),
        "routing": _config_name(tmp_path / "b", edit(BASE, (canary, canary + "        routing: LEAST_OUTSTANDING_REQUESTS\n"))),
        "timeout": _config_name(tmp_path / "c", edit(BASE, (canary, canary + "        model_data_download_timeout_seconds: 900\n"))),
        "timeout-2": _config_name(tmp_path / "d", edit(BASE, (canary, canary + "        model_data_download_timeout_seconds: 901\n"))),
    }
    assert len(set(names.values())) == len(names), names


@pytest.mark.parametrize(
    "instance_type, settings",
    [
        pytest.param("ml.inf2.xlarge", "inference_ami_version: al2-ami-sagemaker-inference-neuron-2\n        volume_size_gb: 100", id="neuron-ami-on-inf2"),
        pytest.param("ml.trn1.2xlarge", "inference_ami_version: al2-ami-sagemaker-inference-neuron-2", id="neuron-ami-on-trn1"),
        pytest.param("ml.g5.2xlarge", "inference_ami_version: al2023-ami-sagemaker-inference-gpu-4-1", id="gpu-ami-on-g5"),
        pytest.param("ml.p3.2xlarge", "inference_ami_version: al2-ami-sagemaker-inference-gpu-2\n        volume_size_gb: 512", id="ebs-gpu-with-volume"),
        pytest.param("ml.c5.xlarge", "volume_size_gb: 1\n        routing: RANDOM\n        container_startup_health_check_timeout_seconds: 3600", id="cpu-bounds"),
    ],
)
def test_settings_sagemaker_accepts(instance_type: str, settings: str, tmp_path: Path) -> None:
    text = edit(BASE, ("        instance_type: ml.g4dn.2xlarge\n", f"        instance_type: {instance_type}\n        {settings}\n"))
    load_config(write_config(tmp_path, text))  # raises on any refusal


@pytest.mark.parametrize(
    "instance_type",
    ["ml.m5.large", "ml.c5.xlarge", "ml.p3.2xlarge", "ml.inf2.xlarge", "ml.g5g.xlarge", "ml.t2.medium", "ml.c6i.large",
     "ml.g4dn.xlarge", "ml.m5d.large", "ml.p3dn.24xlarge", "ml.p4de.24xlarge", "ml.g5.xlarge", "ml.g6.xlarge", "ml.g6e.xlarge",
     "ml.gr6.4xlarge", "ml.p5.48xlarge", "ml.p5en.48xlarge", "ml.trn1.2xlarge", "ml.trn1n.32xlarge", "ml.trn2.48xlarge", "ml.c6id.large"],
)
def test_local_storage_agrees_with_the_checker(instance_type: str) -> None:
    """One family list decides the KMS key and the volume size (config rules, planner); the independent
    checker keeps its own: they must not drift apart."""
    from mlinfra.config.shapes import LOCAL_STORAGE
    from tests.support.sagemaker_checks import _local_nvme

    assert bool(LOCAL_STORAGE.match(instance_type)) is _local_nvme(instance_type)


# --- the fleet of an endpoint with inference components ----------------------------------------------------

IC_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "inference-components.yaml"
IC_FLEET_TYPE = "      instance_type: ml.g4dn.xlarge     # 4 vCPU, 16 GiB, 1 NVIDIA T4\n"


#: The Terraform cycle's variant inference-components-ebs-volume (tests/test_terraform_cycle.py) is this.
EBS_FLEET = "      instance_type: ml.p3.2xlarge\n      volume_size_gb: 100\n      inference_ami_version: al2-ami-sagemaker-inference-gpu-3-1\n"


def _render_fleet(tmp_path: Path, fleet_type: str) -> Path:
    return render(edited("inference-components", tmp_path, (IC_FLEET_TYPE, fleet_type)), tmp_path / "out")


def test_fleet_settings_reach_the_endpoint_configuration(tmp_path: Path) -> None:
    from tests.support.components_checks import components_errors

    root = _render_fleet(tmp_path, EBS_FLEET)
    tree = load_tree(root)
    endpoint = module_call(tree, "inference_components_vision")["endpoint"]
    assert endpoint["volume_size_in_gb"] == 100 and s(endpoint["instance_type"]) == "ml.p3.2xlarge"
    assert s(endpoint["inference_ami_version"]) == "al2-ami-sagemaker-inference-gpu-3-1"
    (config,) = [b for k, b in blocks(tree["modules/inference_components"]["main.tf"], "resource").items() if k.startswith("aws_sagemaker_endpoint_configuration.")]
    (variant,) = config["production_variants"]
    assert variant["inference_ami_version"] == "${var.endpoint.inference_ami_version}"
    assert variant["volume_size_in_gb"] == "${var.endpoint.volume_size_in_gb}"
    assert components_errors(root) == []
    # A changed setting is a new endpoint configuration (content-hashed name).
    other = module_call(load_tree(_render_fleet(tmp_path / "b", EBS_FLEET.replace("100", "200"))), "inference_components_vision")["endpoint"]
    assert other["config_name"] != endpoint["config_name"]


def test_the_example_fleet_passes_null(rendered_examples: dict[str, Path]) -> None:
    endpoint = module_call(load_tree(rendered_examples["inference-components"]), "inference_components_vision")["endpoint"]
    assert endpoint["volume_size_in_gb"] is None and endpoint["inference_ami_version"] is None


@pytest.mark.parametrize(
    "old, new, tag",
    [
        pytest.param('inference_ami_version  = "al2-ami-sagemaker-inference-gpu-3-1"', 'inference_ami_version  = "al2-ami-sagemaker-inference-neuron-2"', "[ic-settings] inference_ami_version al2-ami-sagemaker-inference-neuron-2 is for Inferentia2", id="neuron-ami-on-p3"),
        pytest.param('instance_type          = "ml.p3.2xlarge"', 'instance_type          = "ml.p3dn.24xlarge"', "[ic-settings] volume_size_in_gb on ml.p3dn.24xlarge, which has local NVMe storage", id="volume-on-nvme"),
        pytest.param("volume_size_in_gb      = 100", "volume_size_in_gb      = 600", "[ic-settings] volume_size_in_gb 600 (1..512)", id="volume-too-large"),
        pytest.param("    inference_ami_version = var.endpoint.inference_ami_version\n", "", "does not render var.endpoint.inference_ami_version", id="module-drops-the-ami"),
    ],
)
def test_components_checks_see_fleet_settings(old: str, new: str, tag: str, tmp_path: Path) -> None:
    from tests.support.components_checks import components_errors

    root = _render_fleet(tmp_path, EBS_FLEET)
    for path in (root / "main.tf", root / "modules" / "inference_components" / "main.tf"):
        text = path.read_text()
        if old in text:
            assert text.count(old) == 1, old
            path.write_text(text.replace(old, new))
            break
    else:
        raise AssertionError(f"{old!r} is in neither file")
    assert any(tag in e for e in components_errors(root)), components_errors(root)


@pytest.mark.parametrize(
    "new, anchor, field, code",
    [
        pytest.param(IC_FLEET_TYPE + "      volume_size_gb: 100\n", "volume_size_gb: 100", "volume_size_gb", "volume-size-local-storage", id="volume-on-g4dn-fleet"),
        pytest.param("      instance_type: ml.inf2.xlarge\n      inference_ami_version: al2-ami-sagemaker-inference-gpu-2\n", "inference_ami_version:", "inference_ami_version", "inference-ami-instance", id="gpu-ami-on-inf2-fleet"),
    ],
)
def test_fleet_settings_refused(new: str, anchor: str, field: str, code: str, tmp_path: Path) -> None:
    from tests.test_config_invalid import first_problem

    problem = first_problem(IC_EXAMPLE, (IC_FLEET_TYPE, new), anchor, f"endpoints[0].fleet.{field}", tmp_path)
    assert problem.code == code, problem


def test_component_startup_timeouts(rendered_examples: dict[str, Path]) -> None:
    """On an endpoint with inference components the start-up timeouts are each component's
    (CreateInferenceComponent's StartupParameters), rendered into its specification."""
    tree = load_tree(rendered_examples["inference-components"])
    components = module_call(tree, "inference_components_vision")["components"]
    detection, classification = components["object_detection"], components["classification"]
    assert detection["model_data_download_timeout_in_seconds"] == 1200
    assert detection["container_startup_health_check_timeout_in_seconds"] == 900
    assert classification["model_data_download_timeout_in_seconds"] is None and classification["container_startup_health_check_timeout_in_seconds"] is None
    ic = blocks(tree["modules/inference_components"]["main.tf"], "resource")["awscc_sagemaker_inference_component.this"]
    startup = ic["specification"]["startup_parameters"]
    assert startup == {
        "model_data_download_timeout_in_seconds": "${each.value.model_data_download_timeout_in_seconds}",
        "container_startup_health_check_timeout_in_seconds": "${each.value.container_startup_health_check_timeout_in_seconds}",
    }


def test_component_timeout_range(tmp_path: Path) -> None:
    from tests.test_config_invalid import first_problem

    problem = first_problem(
        IC_EXAMPLE, ("        model_data_download_timeout_seconds: 1200\n", "        model_data_download_timeout_seconds: 5000\n"),
        "model_data_download_timeout_seconds: 5000", "endpoints[0].components[1].model_data_download_timeout_seconds", tmp_path,
    )
    assert problem.code == "less-than-equal" and "3600" in problem.message


@pytest.mark.parametrize(
    "file, old, new, tag",
    [
        pytest.param("main.tf", "model_data_download_timeout_in_seconds            = 1200", "model_data_download_timeout_in_seconds            = 30",
                     "[ic-settings] components[object_detection]: model_data_download_timeout_in_seconds 30 (60..3600)", id="timeout-below-range"),
        pytest.param("modules/inference_components/main.tf", "      container_startup_health_check_timeout_in_seconds = each.value.container_startup_health_check_timeout_in_seconds\n", "",
                     "[ic-settings] a component sets container_startup_health_check_timeout_in_seconds but specification.startup_parameters does not render it", id="module-drops-a-timeout"),
    ],
)
def test_components_checks_see_startup_timeouts(file: str, old: str, new: str, tag: str, rendered_examples: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    from tests.support.components_checks import components_errors

    root = tmp_path / "copy"
    shutil.copytree(rendered_examples["inference-components"], root)
    assert components_errors(root) == []
    path = root / file
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    assert any(tag in e for e in components_errors(root)), components_errors(root)
