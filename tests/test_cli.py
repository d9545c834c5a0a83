"""The CLI, driven through typer's CliRunner and as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlinfra.cli import app
from tests.conftest import ROOT, copy_examples

PLATFORM = ROOT / "examples" / "platform.yaml"
runner = CliRunner()


def test_validate_summary() -> None:
    result = runner.invoke(app, ["validate", str(PLATFORM)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert "mlinfra-prod in us-east-1: 4 model versions (1 deprecated), 2 endpoints, 3 variants" in result.output
    # The one-model form of models gets its note showing the form that names the model (#20).
    lines = result.output.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"note: {PLATFORM}:12: models: lists the versions of one unnamed model")


def test_validate_json_for_editors_and_ci(tmp_path: Path) -> None:
    import json

    ok = runner.invoke(app, ["validate", str(PLATFORM), "--json"])
    report = json.loads(ok.output)
    assert ok.exit_code == 0 and report["valid"] is True and report["problems"] == []
    assert report["counts"]["endpoints"] == 2 and report["summary"].startswith("mlinfra-prod in us-east-1")

    bad = tmp_path / "mlinfra.yaml"
    text = PLATFORM.read_text().replace("environment: prod", "enviroment: prod", 1)
    text = text.replace(
        "model_data: s3://acme-ml-models/models/v1.1.0/model.tar.gz",
        "model_data: https://acme-ml-models.s3.us-east-1.amazonaws.com/models/v1.1.0/model.tar.gz",
        1,
    )
    bad.write_text(text)
    failed = runner.invoke(app, ["validate", str(bad), "--json"])
    report = json.loads(failed.output)  # nothing but the JSON on stdout
    assert failed.exit_code == 2 and report["valid"] is False and report["summary"] is None
    typo = next(p for p in report["problems"] if p["rule"] == "unknown-key")
    assert typo["file"] == str(bad) and typo["path"] == "project.enviroment" and "did you mean" in typo["message"]
    assert typo["line"] == next(i for i, line in enumerate(text.splitlines(), 1) if "enviroment" in line)
    assert {"file", "line", "path", "message", "rule"} == set(report["warnings"][0])  # the https URL, read as s3://


def test_render_then_check(tmp_path: Path) -> None:
    out = tmp_path / "tf"
    result = runner.invoke(app, ["render", str(PLATFORM), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "16 modules, 181 resources, 2 endpoints" in result.output
    assert (out / "main.tf").is_file() and (out / "modules" / "endpoint" / "main.tf").is_file()
    # One endpoint module, called once per endpoint.
    assert sorted(p.name for p in (out / "modules").iterdir() if p.name.startswith("endpoint")) == ["endpoint"]

    check = runner.invoke(app, ["render", str(PLATFORM), "-o", str(out), "--check"])
    assert check.exit_code == 0 and "up to date" in check.output

    (out / "modules" / "kms" / "main.tf").write_text("# drift\n")
    before = (out / "modules" / "kms" / "main.tf").read_text()
    drift = runner.invoke(app, ["render", str(PLATFORM), "-o", str(out), "--check"])
    assert drift.exit_code == 1
    assert "differs:" in drift.output and "modules/kms/main.tf" in drift.output
    assert (out / "modules" / "kms" / "main.tf").read_text() == before  # --check writes nothing


def test_render_keeps_the_users_files_and_will_not_overwrite_them(tmp_path: Path) -> None:
    out = tmp_path / "tf"
    out.mkdir()
    (out / "main.tf").write_text("# a hand-written root module\n")
    result = runner.invoke(app, ["render", str(PLATFORM), "-o", str(out)])
    assert result.exit_code == 1
    assert "would overwrite main.tf, not written by mlinfra" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["main.tf"]  # nothing written

    (out / "main.tf").rename(out / "main_override.tf")
    (out / "extra.tf").write_text("# mine\n")
    assert runner.invoke(app, ["render", str(PLATFORM), "-o", str(out)]).exit_code == 0
    assert runner.invoke(app, ["render", str(PLATFORM), "-o", str(out)]).exit_code == 0
    assert (out / "main_override.tf").read_text() == "# a hand-written root module\n"
    assert (out / "extra.tf").read_text() == "# mine\n"
    assert "up to date" in runner.invoke(app, ["render", str(PLATFORM), "-o", str(out), "--check"]).output


def test_check_on_a_missing_folder_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "never"
    result = runner.invoke(app, ["render", str(PLATFORM), "-o", str(out), "--check"])
    assert result.exit_code == 1 and "missing:" in result.output
    assert not out.exists()


def test_default_config_and_out(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    copy_examples(tmp_path).rename(tmp_path / "mlinfra.yaml")
    result = runner.invoke(app, ["render"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "build" / "terraform" / "versions.tf").is_file()


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "render" in result.output and "validate" in result.output


def _imports(*args: str, cwd: Path) -> tuple[int, set[str]]:
    """Run the CLI in a fresh interpreter and return the exit code and every module it imported."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mlinfra", *args],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return proc.returncode, modules


def test_help_validate_render_and_diagram_never_import_boto3_or_numpy(tmp_path: Path) -> None:
    for args in (
        ["--help"],
        ["validate", str(PLATFORM)],
        ["render", str(PLATFORM), "-o", str(tmp_path / "o")],
        ["schema"],
        ["--version"],
        ["validate", str(PLATFORM), "--json"],
        ["init", "-o", str(tmp_path / "init.yaml")],
        ["diagram", str(PLATFORM)],
        ["diagram", str(PLATFORM), "--format", "dot"],
        ["diagram", "--help"],
    ):
        code, modules = _imports(*args, cwd=tmp_path)
        assert code == 0, args
        assert "typer" in modules  # the probe sees imports at all
        assert not {m for m in modules if m.split(".")[0] in ("boto3", "botocore", "numpy", "pyarrow")}, args
    _, help_modules = _imports("--help", cwd=tmp_path)
    assert "pydantic" not in help_modules and "jinja2" not in help_modules  # --help loads no library code


@pytest.mark.parametrize(
    ("region", "says"),
    [
        (["--region", "us-east-1"], "Unable to locate credentials: give the command --profile NAME"),
        ([], "You must specify a region: give the command --region"),
    ],
)
def test_missing_credentials_or_region_say_what_to_do(monkeypatch, region: list[str], says: str) -> None:
    # botocore raises both before sending anything: nothing here reaches AWS (the instance metadata
    # service, the last place it looks for credentials, is switched off).
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = runner.invoke(app, ["status", "--endpoint", "x", *region])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert says in result.output and "Traceback" not in result.output


COMPLETE = """import sys
try:
    from mlinfra.cli import main
    main()
finally:
    print(sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore")), file=sys.stderr)
"""


def test_shell_completion_is_offered_and_completes_commands(tmp_path: Path) -> None:
    """typer's --install-completion/--show-completion: the script calls mlinfra back with _MLINFRA_COMPLETE,
    which completes command names without loading boto3."""
    shown = runner.invoke(app, ["--show-completion", "bash"], prog_name="mlinfra")
    assert shown.exit_code == 0 and "_MLINFRA_COMPLETE=complete_bash" in shown.output
    env = {**os.environ, "_MLINFRA_COMPLETE": "complete_bash", "COMP_WORDS": "mlinfra val", "COMP_CWORD": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-c", COMPLETE], check=False, env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.stdout.split() == ["validate"], proc.stdout
    assert proc.stderr.strip() == "[]", proc.stderr


def test_every_config_command_reads_mlinfra_yaml_by_default_and_takes_c_as_alias(workdir: Path) -> None:
    """One convention: CONFIG positional, or -c/--config, or neither (./mlinfra.yaml)."""
    (workdir / "mlinfra.yaml").write_text(PLATFORM.read_text())
    (workdir / "schemas").mkdir()
    for schema in (ROOT / "examples" / "schemas").iterdir():
        (workdir / "schemas" / schema.name).write_text(schema.read_text())
    (workdir / "vocab.txt").write_text((ROOT / "examples" / "vocab.txt").read_text())
    (workdir / "other.yaml").write_text(PLATFORM.read_text().replace("environment: prod", "environment: qa", 1))
    for args in ([], ["mlinfra.yaml"], ["-c", "mlinfra.yaml"], ["--config", "mlinfra.yaml"]):
        result = runner.invoke(app, ["validate", *args])
        assert result.exit_code == 0 and result.output.startswith("mlinfra.yaml: valid"), (args, result.output)
    qa = runner.invoke(app, ["validate", "-c", "other.yaml"])
    assert qa.output.startswith("other.yaml: valid — mlinfra-qa"), qa.output
    assert runner.invoke(app, ["render", "-c", "other.yaml", "--out", "o"]).exit_code == 0
    assert '"mlinfra-qa-' in (workdir / "o" / "main.tf").read_text()
    both = runner.invoke(app, ["validate", "mlinfra.yaml", "-c", "other.yaml"])
    assert both.exit_code == 2 and "two config files given, mlinfra.yaml and --config other.yaml" in both.output
    # The model registry's commands: VERSION, then CONFIG (or -c), else ./mlinfra.yaml.
    gate = runner.invoke(app, ["models", "validate", "1.2.0"])
    assert "1.2.0" in gate.output and "No such file" not in gate.output, gate.output
    missing = runner.invoke(app, ["models", "validate", "1.2.0", "nope.yaml"])
    assert missing.exit_code == 2 and "nope.yaml" in missing.output


def test_ops_commands_default_to_mlinfra_yaml_only_without_endpoint(workdir: Path) -> None:
    from mlinfra.cli import common

    assert common.optional_config_file(None, None, None) is None  # no ./mlinfra.yaml: as before
    (workdir / "mlinfra.yaml").write_text("")
    assert common.optional_config_file(None, None, None) == Path("mlinfra.yaml")
    assert common.optional_config_file(None, None, "some-endpoint") is None  # a SageMaker name, as before
    assert common.optional_config_file(None, Path("x.yaml"), "e") == Path("x.yaml")
    assert common.config_file(None, None) == Path("mlinfra.yaml")
