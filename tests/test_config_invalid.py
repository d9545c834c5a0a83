"""Bad input through the real CLI: every invalid config fails cleanly, precisely and without side effects.

Each case starts from ``BASE`` (a trimmed, valid copy of examples/platform.yaml) and applies a small textual
edit, so the offending field sits on a line we can find again (``anchor``). For every case, ``mlinfra validate``
and ``mlinfra render -o OUT`` must

* exit with 2 (a config error),
* print ``error: FILE:LINE: dotted.path: message [code]`` on stderr with the expected file, line, path and code,
* never print a traceback (nor crash inside the CliRunner),
* and ``render`` must write nothing: OUT does not exist and its parent folder gained no entry (no temp dirs).

A library bug found here is first written as an ``xfail(strict=True)`` test of the behaviour we want,
which turns into a failure (XPASS) as soon as the library is fixed; then the mark goes.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlinfra.cli import app
from tests.support.configs import Edit, edit, refused, write_config

REPO = Path(__file__).resolve().parents[1]
_VENV_BIN = REPO / ".venv" / "bin" / "mlinfra"
MLINFRA_BIN = _VENV_BIN if _VENV_BIN.exists() else Path(sys.executable).parent / "mlinfra"

CONFIG_NAME = "platform.yaml"
OUT_NAME = "out"

# --- the valid starting point ---------------------------------------------------------------------------

BASE = """\
# mlinfra platform: a trimmed copy of examples/platform.yaml (the valid starting point of every case).
project:
  name: mlinfra
  environment: prod
  region: us-east-1
  tags:
    team: ml-platform

models:
  - version: 1.0.0
    status: deprecated
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.0.0
    model_data: s3://acme-ml-models/models/v1.0.0/model.tar.gz
  - version: 1.1.0
    status: production
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.1.0
    model_data: s3://acme-ml-models/models/v1.1.0/model.tar.gz
    environment:
      SAGEMAKER_PROGRAM: inference.py
  - version: 1.2.0
    status: canary
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.2.0
    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz

endpoints:
  - name: inference
    kind: realtime
    variants:
      - name: production
        model: 1.1.0
        instance_type: ml.g4dn.xlarge
        instance_count: 2
        weight: 80
        autoscaling:
          min: 2
          max: 20
          target_invocations: 1000
      - name: canary
        model: 1.2.0
        instance_type: ml.g4dn.2xlarge
        instance_count: 4
        weight: 20
    data_capture:
      sampling_percentage: 100
      modes: [input, output]
    alarms:
      latency_p99_ms: 100
      error_rate_percent: 5
    deployment:
      strategy: canary
      step_instances: 1
      wait_seconds: 300
      termination_wait_seconds: 120

  - name: scoring
    kind: serverless
    variants:
      - name: serverless
        model: 1.1.0
        serverless:
          memory_mb: 4096
          max_concurrency: 50
"""

# Snippets appended to the serverless endpoint (it is the last block of BASE) or inserted into the first one.
SHADOW_ON_INFERENCE = """\
    shadow:
      name: challenger
      model: 1.2.0
      instance_type: ml.g4dn.xlarge
      instance_count: 1
"""


def line_of(text: str, anchor: str, after: str | None = None) -> int:
    """1-based number of the one line containing ``anchor`` (searched below the one line containing ``after``)."""
    lines = text.splitlines()
    start = 0
    if after is not None:
        starts = [i for i, line in enumerate(lines) if after in line]
        assert len(starts) == 1, f"'after' text {after!r} is on {len(starts)} lines, expected one"
        start = starts[0] + 1
    hits = [i for i, line in enumerate(lines) if i >= start and anchor in line]
    if after is not None:
        hits = hits[:1]
    assert len(hits) == 1, f"anchor {anchor!r} is on {len(hits)} lines, expected one"
    return hits[0] + 1


# --- running the CLI ------------------------------------------------------------------------------------


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    crash: str = ""  # formatted traceback of an exception that escaped the command (CliRunner only)

    @property
    def everything(self) -> str:
        return self.stdout + self.stderr + self.crash

    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")]


def cli(*args: str) -> Run:
    """Invoke ``mlinfra ARGS`` in-process through typer's CliRunner (the current directory is tmp_path)."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=True)
    crash = ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else repr(result.exception)
    return Run(result.exit_code, result.stdout, result.stderr, crash)


def proc(*args: str, cwd: Path) -> Run:
    """Run the installed ``mlinfra`` console script as a real process."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    p = subprocess.run([str(MLINFRA_BIN), *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=120, env=env)
    return Run(p.returncode, p.stdout, p.stderr)


def first_problem(example: Path, change: Edit, anchor: str, path: str, tmp_path: Path):
    """Load ``example`` with ``change`` applied: the first problem reported at ``path``, asserted to be on
    the one line containing ``anchor``."""
    text = edit(example.read_text(), change)
    error = refused(write_config(tmp_path, text, example.name))
    problems = [p for p in error.problems if p.path == path]
    assert problems, str(error)
    assert problems[0].line == line_of(text, anchor), str(error)
    return problems[0]


def snapshot(root: Path) -> list[str]:
    """Every path under ``root``, hidden ones included (a leftover ``.out.XXXX.tmp`` must show)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def assert_no_traceback(run: Run) -> None:
    assert not run.crash, f"the command crashed:\n{run.crash}"
    assert "Traceback" not in run.stdout and "Traceback" not in run.stderr, f"traceback printed:\n{run.everything}"


def assert_error_line(run: Run, file: str, line: int | None, path: str, code: str | None, message: str = "") -> str:
    """The one stderr line ``error: FILE:LINE: PATH: message [CODE]`` (``code=None``: any code)."""
    where = f"{file}:{line}" if line is not None else file
    prefix = f"error: {where}: {path}: " if path else f"error: {where}: "
    candidates = [ln for ln in run.error_lines() if ln.startswith(prefix)]
    if code is not None:
        candidates = [ln for ln in candidates if ln.endswith(f" [{code}]")]
    else:
        candidates = [ln for ln in candidates if re.search(r" \[[a-z0-9-]+\]$", ln)]
    if message:
        candidates = [ln for ln in candidates if message in ln]
    expected = f"{prefix}...{message}...[{code or '*'}]"
    assert candidates, f"no stderr line like {expected!r}; stderr was:\n{run.stderr}"
    return candidates[0]


@dataclass(frozen=True)
class EditCase:
    """A bad config made from an example's text by ``edits`` (old → new, each once): the error is reported
    on the one line with ``anchor`` (the first below the one line with ``after``, when given), at ``path``,
    with ``code`` (and ``message`` in it)."""

    id: str
    edits: tuple[tuple[str, str], ...]
    anchor: str  # text on the reported line (after `after`, when given)
    path: str
    code: str
    message: str = ""
    after: str | None = None


def run_edited(base: str, edits: tuple[tuple[str, str], ...], command: str, workdir: Path) -> tuple[Run, str, list[str]]:
    """Write ``base`` with ``edits`` applied as the config in ``workdir`` and run ``mlinfra COMMAND`` on it
    (render: into OUT_NAME). Returns the run, the edited text and what ``workdir`` held before the run."""
    text = edit(base, *edits)
    write_config(workdir, text, CONFIG_NAME)
    before = snapshot(workdir)
    return cli(command, CONFIG_NAME, *(["-o", OUT_NAME] if command == "render" else [])), text, before


ERROR_LINE = re.compile(r"^error: (?P<file>[^:\s]+)(:(?P<line>\d+))?: (?:(?P<path>\S+): )?(?P<message>.+) \[(?P<code>[a-z0-9-]+)\]$")


def assert_well_formed(run: Run) -> None:
    """Every line of stderr is one complete ``error: FILE[:LINE]: [path: ]message [code]`` problem."""
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert lines, "nothing on stderr"
    bad = [ln for ln in lines if not ERROR_LINE.match(ln)]
    assert not bad, "stderr lines not in the FILE:LINE: path: message [code] format:\n" + "\n".join(bad)




# --- the invalid configs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    edits: tuple[tuple[str, str], ...]
    anchor: str  # text on the line the error must name
    path: str  # expected dotted field path
    code: str | None  # expected rule code (None: any code; only for xfail cases whose fix may choose one)
    message: str = ""  # a substring the message must contain
    after: str | None = None  # find ``anchor`` below the line holding this text
    xfail: str | None = None

    def text(self) -> str:
        return edit(BASE, *self.edits)

    def line(self) -> int:
        return line_of(self.text(), self.anchor, self.after)


def C(id: str, *edits: tuple[str, str], **kw) -> Case:
    return Case(id, tuple(edits), **kw)


SCORING_TAIL = "          max_concurrency: 50\n"

RULE_CASES = [
    C("reserved-tag-key", ("    team: ml-platform\n", "    team: ml-platform\n    aws:owner: ml-platform\n"),
      anchor="aws:owner:", path="project.tags.aws:owner", code="reserved-tag-key", message="aws: prefix is reserved"),
    C("duplicate-model-version",
      ("  - version: 1.2.0\n", "  - version: 1.1.0   # copied from above, not bumped\n"),
      ("        model: 1.2.0\n", "        model: 1.1.0\n"),
      anchor="# copied from above", path="models[2].version", code="duplicate-model-version", message="first as models[1]"),
    C("unknown-region", ("  region: us-east-1\n", "  region: us-east-7   # matches the pattern, is no region\n"),
      anchor="region: us-east-7", path="project.region", code="unknown-region", message='no AWS region "us-east-7"'),
    C("unknown-image-region", ("dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.2.0", "dkr.ecr.eu-north-9.amazonaws.com/ml-inference:1.2.0"),
      anchor="eu-north-9", path="models[2].image", code="unknown-region", message='no AWS region "eu-north-9"'),
    C("image-partition",
      ("dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.2.0", "dkr.ecr.cn-north-1.amazonaws.com.cn/ml-inference:1.2.0"),
      anchor="cn-north-1", path="models[2].image", code="image-partition", message="partition aws-cn"),
    C("image-region",
      ("dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.2.0", "dkr.ecr.eu-west-1.amazonaws.com/ml-inference:1.2.0"),
      anchor="eu-west-1.amazonaws.com", path="models[2].image", code="image-region", message="only from ECR in the model's own Region"),
    C("image-host",
      ("dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.2.0", "dkr.ecr.us-east-1.amazonaws.com.cn/ml-inference:1.2.0"),
      anchor="amazonaws.com.cn", path="models[2].image", code="image-host", message="us-east-1.amazonaws.com, not .amazonaws.com.cn"),
    C("alarm-error-rate-100", ("      error_rate_percent: 5\n", "      error_rate_percent: 100\n"),
      anchor="error_rate_percent: 100", path="endpoints[0].alarms.error_rate_percent", code="alarm-never-fires", message="below 100"),
    C("alarm-error-rate-over-100", ("      error_rate_percent: 5\n", "      error_rate_percent: 150\n"),
      anchor="error_rate_percent: 150", path="endpoints[0].alarms.error_rate_percent", code="alarm-never-fires", message="could never fire"),
    C("alarm-error-rate-zero", ("      error_rate_percent: 5\n", "      error_rate_percent: 0\n"),
      anchor="error_rate_percent: 0", path="endpoints[0].alarms.error_rate_percent", code="alarm-always-fires", message="above 0"),
    C("alarm-latency-zero", ("      latency_p99_ms: 100\n", "      latency_p99_ms: 0\n"),
      anchor="latency_p99_ms: 0", path="endpoints[0].alarms.latency_p99_ms", code="alarm-always-fires", message="above 0 ms"),
    C("alarm-latency-negative", ("      latency_p99_ms: 100\n", "      latency_p99_ms: -5\n"),
      anchor="latency_p99_ms: -5", path="endpoints[0].alarms.latency_p99_ms", code="alarm-always-fires"),
    C("alarm-drift-without-threshold", ("      error_rate_percent: 5\n", "      error_rate_percent: 5\n      drift_features: [age]\n"),
      anchor="drift_features: [age]", path="endpoints[0].alarms.drift_features", code="drift-alarm-incomplete", message="needs both drift_threshold and drift_features"),
    C("alarm-client-error-rate-100", ("      error_rate_percent: 5\n", "      error_rate_percent: 5\n      client_error_rate_percent: 100\n"),
      anchor="client_error_rate_percent: 100", path="endpoints[0].alarms.client_error_rate_percent", code="alarm-never-fires", message="never happens"),
    C("alarm-metric-not-published", ("      error_rate_percent: 5\n", "      error_rate_percent: 5\n      metrics:\n        - {metric: InvocationsProcessed, statistic: Sum, threshold: 1}\n"),
      anchor="metric: InvocationsProcessed", path="endpoints[0].alarms.metrics[0].metric", code="metric-not-published", message="async endpoints only"),
    C("alarm-metric-twice", ("      error_rate_percent: 5\n", "      error_rate_percent: 5\n      metrics:\n        - {metric: Invocations, statistic: Sum, threshold: 1, comparison: \"<\"}\n        - {metric: Invocations, statistic: Sum, threshold: 5, comparison: \"<\"}\n"),
      anchor="threshold: 5", path="endpoints[0].alarms.metrics[1].statistic", code="metric-alarm-duplicate", message="watched twice"),
    C("alarm-latency-beyond-timeout", ("      latency_p99_ms: 100\n", "      latency_p99_ms: 90000\n"),
      anchor="latency_p99_ms: 90000", path="endpoints[0].alarms.latency_p99_ms", code="alarm-never-fires", message="60 s"),
    C("alarm-period-sub-minute", ("      error_rate_percent: 5\n", "      error_rate_percent: 5\n      period_seconds: 10\n"),
      anchor="period_seconds: 10", path="endpoints[0].alarms.period_seconds", code="alarm-period", message="once a minute"),
    C("alarm-window", ("      error_rate_percent: 5\n", "      error_rate_percent: 5\n      period_seconds: 900\n      evaluation_periods: 100\n"),
      anchor="evaluation_periods: 100", path="endpoints[0].alarms.evaluation_periods", code="alarm-window", message="one day"),
    C("model-data-prefix", ("s3://acme-ml-models/models/v1.2.0/model.tar.gz", "s3://acme-ml-models/models/v1.2.0/"),
      anchor="models/v1.2.0/", path="models[2].model_data", code="model-data-not-archive", message="model.tar.gz"),
    C("model-data-twice", ('    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n', '    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n    model_data_prefix: s3://acme-ml-models/models/v1.2.0/\n'),
      anchor="model_data_prefix:", path="models[2].model_data_prefix", code="model-data-twice", message="not both"),
    C("model-data-prefix-without-slash", ('    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n', "    model_data_prefix: s3://acme-ml-models/models/v1.2.0\n"),
      anchor="model_data_prefix:", path="models[2].model_data_prefix", code="model-data-prefix-slash", message="write s3://acme-ml-models/models/v1.2.0/"),
    # ModelDataSource is not for serverless endpoints (CreateModel's note, quoted in the message).
    C("model-data-prefix-serverless", ('    model_data: s3://acme-ml-models/models/v1.1.0/model.tar.gz\n', "    model_data_prefix: s3://acme-ml-models/models/v1.1.0/\n"),
      anchor="model: 1.1.0", after="- name: serverless", path="endpoints[1].variants[0].model", code="model-data-prefix-unsupported", message="cannot use ModelDataSource in conjunction with"),
    C("model-data-prefix-is-archive", ('    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n', "    model_data_prefix: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n"),
      anchor="model_data_prefix:", path="models[2].model_data_prefix", code="model-data-prefix-archive", message="give the archive as model_data"),
    C("model-data-not-tar-gz", ("s3://acme-ml-models/models/v1.2.0/model.tar.gz", "s3://acme-ml-models/models/v1.2.0/model.pkl"),
      anchor="model.pkl", path="models[2].model_data", code="model-data-not-archive", message=".tar.gz"),
    C("multi-model-prefix-is-archive",
      ("    kind: serverless\n", "    kind: multi-model\n"),
      ("        serverless:\n          memory_mb: 4096\n" + SCORING_TAIL, "        instance_type: ml.m5.large\n        instance_count: 1\n    multi_model:\n      model_data_prefix: s3://acme-ml-models/mme/model.tar.gz\n"),
      anchor="model_data_prefix:", path="endpoints[1].multi_model.model_data_prefix", code="multi-model-prefix", message="s3://acme-ml-models/mme/"),
    C("too-many-tags", ("    environment:\n      SAGEMAKER_PROGRAM: inference.py\n",
                        "    environment:\n      SAGEMAKER_PROGRAM: inference.py\n    metrics: {" + ", ".join(f"m{i}: 0.5" for i in range(46)) + "}\n"),
      anchor="metrics: {m0", path="models[1].metrics", code="too-many-tags", message="keep at most 44 metrics"),
    C("metric-name-too-long", ("    environment:\n      SAGEMAKER_PROGRAM: inference.py\n",
                               "    environment:\n      SAGEMAKER_PROGRAM: inference.py\n    metrics:\n      " + "a" * 122 + ": 0.5\n"),
      anchor="a" * 122, path="models[1].metrics." + "a" * 122, code="metric-name-too-long", message="at most 121"),
    C("several-production-versions", ("    status: canary\n", "    status: production   # promoted by hand\n"),
      anchor="# promoted by hand", path="models[2].status", code="several-production-versions", message="1.1.0 and 1.2.0 are both production"),
    C("unknown-model-version", ("        model: 1.2.0\n", "        model: 1.3.0\n"),
      anchor="model: 1.3.0", path="endpoints[0].variants[1].model", code="unknown-model-version", message="1.3.0 is not in models"),
    C("deprecated-model-deployed", ("        model: 1.2.0\n", "        model: 1.0.0\n"),
      anchor="model: 1.0.0", path="endpoints[0].variants[1].model", code="deprecated-model-deployed", message="deprecated"),
    C("duplicate-endpoint-name", ("  - name: scoring\n", "  - name: inference   # same name as the first endpoint\n"),
      anchor="# same name as the first endpoint", path="endpoints[1].name", code="duplicate-endpoint-name", message='"inference" is used twice'),
    C("endpoint-name-too-long",
      ("  name: mlinfra\n", "  name: acme-ml-platform-xyz\n"),
      ("  environment: prod\n", "  environment: production\n"),
      ("  - name: inference\n", "  - name: realtime-inference-for-customers\n"),
      anchor="- name: realtime-inference-for-customers", path="endpoints[0].name", code="endpoint-name-too-long", message="is 64 characters"),
    C("traffic-unknown-endpoint", ("endpoints:\n", "traffic:\n  endpoints:\n    scorer: {requests_per_hour: 10}   # no such endpoint\nendpoints:\n"),
      anchor="scorer: {requests_per_hour: 10}", path="traffic.endpoints.scorer", code="traffic-unknown-endpoint", message="no endpoint is named scorer"),
    C("duplicate-variant-name", ("      - name: canary\n", "      - name: production   # was canary\n"),
      anchor="# was canary", path="endpoints[0].variants[1].name", code="duplicate-variant-name", message='"production" is used twice'),
    C("duplicate-variant-name-shadow", ("    data_capture:\n", SHADOW_ON_INFERENCE.replace("challenger", "production") + "    data_capture:\n"),
      anchor="name: production", after="    shadow:", path="endpoints[0].shadow.name", code="duplicate-variant-name"),
    C("instance-and-serverless", (SCORING_TAIL, SCORING_TAIL + "        instance_type: ml.m5.large\n"),
      anchor="instance_type: ml.m5.large", path="endpoints[1].variants[0].instance_type", code="instance-and-serverless"),
    C("missing-compute", ("        instance_type: ml.g4dn.2xlarge\n        instance_count: 4\n", ""),
      anchor="- name: canary", path="endpoints[0].variants[1]", code="missing-compute", message="needs instance_type and instance_count, or serverless"),
    C("missing-compute-count", ("        instance_count: 4\n", ""),
      anchor="- name: canary", path="endpoints[0].variants[1].instance_count", code="missing-compute", message="instance_count is required"),
    C("all-weights-zero", ("        weight: 80\n", "        weight: 0\n"), ("        weight: 20\n", "        weight: 0\n"),
      anchor="variants:", after="- name: inference", path="endpoints[0].variants", code="all-weights-zero"),
    C("serverless-with-instances",
      ("        serverless:\n          memory_mb: 4096\n" + SCORING_TAIL, "        instance_type: ml.g5.xlarge\n        instance_count: 1\n"),
      anchor="instance_type: ml.g5.xlarge", path="endpoints[1].variants[0].instance_type", code="serverless-with-instances", message="no GPUs"),
    C("serverless-kind-mismatch-realtime", ("    kind: serverless\n", "    kind: realtime\n"),
      anchor="        serverless:", path="endpoints[1].variants[0].serverless", code="serverless-kind-mismatch", message="set kind: serverless on this endpoint"),
    # Beside instance variants, kind: serverless cannot work (one variant only): the advice says what can.
    C("serverless-kind-mismatch-mixed",
      ("        instance_type: ml.g4dn.2xlarge\n        instance_count: 4\n", "        serverless: {memory_mb: 2048, max_concurrency: 10}\n"),
      anchor="serverless: {memory_mb: 2048", path="endpoints[0].variants[1].serverless", code="serverless-kind-mismatch",
      message="give this one instance_type and instance_count, or move it to an endpoint of its own with kind: serverless"),
    C("network-cidr", ("models:\n", "network:\n  create:\n    cidr: 10.0.0.0/16\n    private_subnets: [10.0.1.5/24, 10.0.2.0/24]\n\nmodels:\n"),
      anchor="10.0.1.5/24", path="network.create.private_subnets[0]", code="network-cidr", message='write the network address, e.g. "10.0.1.0/24"'),
    C("network-mode", ("models:\n", "network:\n  vpc_id: vpc-0a1b2c3d4e5f60718\n  create:\n    cidr: 10.0.0.0/16\n    private_subnets: [10.0.1.0/24, 10.0.2.0/24]\n\nmodels:\n"),
      anchor="  create:", path="network.create", code="network-mode", message="keep one of them"),
    C("serverless-network-isolation", ("    model_data: s3://acme-ml-models/models/v1.1.0/model.tar.gz\n", "    model_data: s3://acme-ml-models/models/v1.1.0/model.tar.gz\n    network_isolation: true\n"),
      anchor="network_isolation: true", path="models[1].network_isolation", code="serverless-network-isolation", message='serverless endpoint "scoring"'),
    # production-variant settings (rules.variant_settings)
    C("routing-on-serverless", (SCORING_TAIL, SCORING_TAIL + "        routing: LEAST_OUTSTANDING_REQUESTS\n"),
      anchor="routing: LEAST_OUTSTANDING_REQUESTS", path="endpoints[1].variants[0].routing", code="variant-settings-serverless", message="a serverless variant has no instances"),
    C("volume-size-on-serverless", (SCORING_TAIL, SCORING_TAIL + "        volume_size_gb: 20\n"),
      anchor="volume_size_gb: 20", path="endpoints[1].variants[0].volume_size_gb", code="variant-settings-serverless", message="instance_type and instance_count instead of serverless"),
    C("startup-timeout-on-serverless", (SCORING_TAIL, SCORING_TAIL + "        container_startup_health_check_timeout_seconds: 600\n"),
      anchor="container_startup_health_check_timeout_seconds: 600", path="endpoints[1].variants[0].container_startup_health_check_timeout_seconds", code="variant-settings-serverless"),
    C("volume-size-on-local-nvme", ("        instance_type: ml.g4dn.2xlarge\n", "        instance_type: ml.g4dn.2xlarge\n        volume_size_gb: 100\n"),
      anchor="volume_size_gb: 100", path="endpoints[0].variants[1].volume_size_gb", code="volume-size-local-storage", message="ml.g4dn.2xlarge has local NVMe instance storage"),
    C("gpu-ami-on-cpu", ("        instance_type: ml.g4dn.2xlarge\n", "        instance_type: ml.m5.xlarge\n        inference_ami_version: al2-ami-sagemaker-inference-gpu-3-1\n"),
      anchor="inference_ami_version:", path="endpoints[0].variants[1].inference_ami_version", code="inference-ami-instance", message="for NVIDIA GPU instances"),
    C("gpu-ami-on-inferentia", ("        instance_type: ml.g4dn.2xlarge\n", "        instance_type: ml.inf2.xlarge\n        inference_ami_version: al2-ami-sagemaker-inference-gpu-2\n"),
      anchor="inference_ami_version:", path="endpoints[0].variants[1].inference_ami_version", code="inference-ami-instance", message="al2-ami-sagemaker-inference-neuron-2 is the one for Inferentia2"),
    C("neuron-ami-on-gpu", ("        instance_type: ml.g4dn.2xlarge\n", "        instance_type: ml.g4dn.2xlarge\n        inference_ami_version: al2-ami-sagemaker-inference-neuron-2\n"),
      anchor="inference_ami_version:", path="endpoints[0].variants[1].inference_ami_version", code="inference-ami-instance", message="for Inferentia2 and Trainium instances"),
    C("managed-scaling-on-variant", ("        weight: 80\n", "        weight: 80\n        managed_instance_scaling: {min: 1, max: 4}\n"),
      anchor="managed_instance_scaling:", path="endpoints[0].variants[0].managed_instance_scaling", code="managed-instance-scaling-variant", message="kind: components, whose fleet.scaling"),
    # Any shape (here a boolean) gets the reason, not a type error that would only lead to it.
    C("managed-scaling-on-variant-as-bool", ("        weight: 80\n", "        weight: 80\n        managed_instance_scaling: true\n"),
      anchor="managed_instance_scaling:", path="endpoints[0].variants[0].managed_instance_scaling", code="managed-instance-scaling-variant", message="kind: components, whose fleet.scaling"),
    C("shadow-one-production-variant", ("    data_capture:\n", SHADOW_ON_INFERENCE + "    data_capture:\n"),
      anchor="variants:", after="- name: inference", path="endpoints[0].variants", code="shadow-one-production-variant", message="exactly one production variant"),
    C("shadow-kind",
      ("    kind: serverless\n", "    kind: async\n    async: {input_path: s3://acme-ml-async/in/, output_path: s3://acme-ml-async/out/}\n"),
      ("        serverless:\n          memory_mb: 4096\n" + SCORING_TAIL,
       "        instance_type: ml.m5.large\n        instance_count: 1\n    shadow:\n      name: shadow\n      model: 1.2.0\n      instance_type: ml.m5.large\n      instance_count: 1\n"),
      anchor="    shadow:", after="- name: scoring", path="endpoints[1].shadow", code="shadow-kind", message="not supported on async endpoints"),
    C("multi-model-instance",
      ("    kind: serverless\n", "    kind: multi-model\n"),
      ("        serverless:\n          memory_mb: 4096\n" + SCORING_TAIL, "        instance_type: ml.g6.xlarge\n        instance_count: 1\n    multi_model:\n      model_data_prefix: s3://acme-ml-models/mme/\n"),
      anchor="instance_type: ml.g6.xlarge", path="endpoints[1].variants[0].instance_type", code="multi-model-instance", message="ml.g5.xlarge"),
    C("multi-model-instance-inferentia",
      ("    kind: serverless\n", "    kind: multi-model\n"),
      ("        serverless:\n          memory_mb: 4096\n" + SCORING_TAIL, "        instance_type: ml.inf2.xlarge\n        instance_count: 1\n    multi_model:\n      model_data_prefix: s3://acme-ml-models/mme/\n"),
      anchor="instance_type: ml.inf2.xlarge", path="endpoints[1].variants[0].instance_type", code="multi-model-instance", message="Inferentia"),
    C("deployment-inf1", ("        instance_type: ml.g4dn.2xlarge\n", "        instance_type: ml.inf1.xlarge\n"),
      anchor="strategy: canary", path="endpoints[0].deployment.strategy", code="deployment-inf1", message="all at once without baking"),
    C("deployment-timeout", ("      termination_wait_seconds: 120\n", "      termination_wait_seconds: 600\n      max_execution_timeout_seconds: 900\n"),
      anchor="max_execution_timeout_seconds: 900", path="endpoints[0].deployment.max_execution_timeout_seconds", code="deployment-timeout", message="more than 900"),
    C("serverless-kind-mismatch-multi-model",
      ("    kind: serverless\n", "    kind: multi-model\n"),
      (SCORING_TAIL, SCORING_TAIL + "    multi_model:\n      model_data_prefix: s3://acme-ml-models/mme/\n"),
      anchor="        serverless:", path="endpoints[1].variants[0].serverless", code="serverless-kind-mismatch", message="multi-model endpoints cannot run on serverless"),
    C("serverless-data-capture", (SCORING_TAIL, SCORING_TAIL + "    data_capture:\n      sampling_percentage: 50\n"),
      anchor="data_capture:", after="- name: scoring", path="endpoints[1].data_capture", code="serverless-data-capture"),
    C("serverless-multiple-variants",
      (SCORING_TAIL, SCORING_TAIL + "      - name: serverless-b\n        model: 1.2.0\n        serverless:\n          memory_mb: 2048\n          max_concurrency: 10\n"),
      anchor="variants:", after="- name: scoring", path="endpoints[1].variants", code="serverless-multiple-variants"),
    C("serverless-shadow",
      (SCORING_TAIL, SCORING_TAIL + "    shadow:\n      name: shadow\n      model: 1.2.0\n      serverless:\n        memory_mb: 2048\n        max_concurrency: 10\n"),
      anchor="    shadow:", path="endpoints[1].shadow", code="serverless-shadow"),
    C("provisioned-exceeds-max", (SCORING_TAIL, SCORING_TAIL + "          provisioned_concurrency: 60\n"),
      anchor="provisioned_concurrency: 60", path="endpoints[1].variants[0].serverless.provisioned_concurrency", code="provisioned-exceeds-max",
      message="provisioned concurrency 60 exceeds max_concurrency 50"),
    C("async-section-missing", ("    kind: realtime\n", "    kind: async\n"),
      anchor="- name: inference", path="endpoints[0]", code="async-section-missing"),
    C("async-section-unexpected",
      ("    kind: realtime\n", "    kind: realtime\n    async:\n      input_path: s3://acme-ml-async/in/\n      output_path: s3://acme-ml-async/out/\n"),
      anchor="    async:", path="endpoints[0].async", code="async-section-unexpected", message="not realtime"),
    C("multi-model-section-missing", ("    kind: realtime\n", "    kind: multi-model\n"),
      anchor="- name: inference", path="endpoints[0]", code="multi-model-section-missing"),
    C("multi-model-section-unexpected",
      ("    kind: realtime\n", "    kind: realtime\n    multi_model:\n      model_data_prefix: s3://acme-ml-models/mme/\n"),
      anchor="multi_model:", path="endpoints[0].multi_model", code="multi-model-section-unexpected"),
    C("autoscaling-serverless",
      (SCORING_TAIL, SCORING_TAIL + "        autoscaling:\n          min: 1\n          max: 4\n          target_invocations: 100\n"),
      anchor="autoscaling:", after="- name: scoring", path="endpoints[1].variants[0].autoscaling", code="autoscaling-serverless"),
    C("autoscaling-shadow",
      ("    data_capture:\n", SHADOW_ON_INFERENCE + "      autoscaling:\n        min: 1\n        max: 2\n        target_invocations: 500\n    data_capture:\n"),
      anchor="autoscaling:", after="    shadow:", path="endpoints[0].shadow.autoscaling", code="autoscaling-shadow"),
    C("autoscaling-burstable", ("        instance_type: ml.g4dn.xlarge\n", "        instance_type: ml.t2.medium\n"),
      anchor="instance_type: ml.t2.medium", path="endpoints[0].variants[0].instance_type", code="autoscaling-burstable", message="burstable"),
    C("autoscaling-min-zero", ("          min: 2\n", "          min: 0\n"),
      anchor="min: 0", path="endpoints[0].variants[0].autoscaling.min", code="autoscaling-min-zero"),
    C("autoscaling-range-count", ("          min: 2\n", "          min: 3\n"),
      anchor="instance_count: 2", path="endpoints[0].variants[0].instance_count", code="autoscaling-range",
      message="instance_count 2 must lie within autoscaling min 3 and max 20"),
    C("autoscaling-range-min-above-max",
      ("          min: 2\n          max: 20\n", "          min: 5\n          max: 3\n"),
      ("        instance_count: 2\n", "        instance_count: 4\n"),
      anchor="min: 5", path="endpoints[0].variants[0].autoscaling.min", code="autoscaling-range", message="min 5 exceeds max 3"),
    C("autoscaling-target-missing", ("          target_invocations: 1000\n", ""),
      anchor="        autoscaling:", path="endpoints[0].variants[0].autoscaling", code="autoscaling-target", message="set target_invocations"),
    C("autoscaling-target-backlog-on-realtime",
      ("          target_invocations: 1000\n", "          target_invocations: 1000\n          target_backlog_per_instance: 5\n"),
      anchor="target_backlog_per_instance: 5", path="endpoints[0].variants[0].autoscaling.target_backlog_per_instance", code="autoscaling-target"),
    C("deployment-step-two-sizes", ("      step_instances: 1\n", "      step_instances: 1\n      step_percent: 10\n"),
      anchor="    deployment:", path="endpoints[0].deployment", code="deployment-step", message="exactly one of step_instances or step_percent"),
    C("deployment-step-all-at-once", ("      strategy: canary\n", "      strategy: all_at_once\n"),
      anchor="step_instances: 1", path="endpoints[0].deployment.step_instances", code="deployment-step", message="remove the step size"),
    C("deployment-serverless",
      (SCORING_TAIL, SCORING_TAIL + "    deployment:\n      strategy: linear\n      step_percent: 20\n      rollback_on_alarms: false\n"),
      anchor="strategy: linear", path="endpoints[1].deployment.strategy", code="deployment-serverless", message="serverless endpoints deploy all_at_once"),
    C("canary-step-size", ("      step_instances: 1\n", "      step_instances: 2\n"),
      anchor="step_instances: 2", path="endpoints[0].deployment.step_instances", code="canary-step-size", message='2 of variant "production"\'s 2 instances (100 %)'),
    # AWS: "at most 50 % of the variant's total instance count": 1 of the canary's 1 is 100 %, though it
    # is only a third of the fleet (the whole-fleet reading accepted it).
    C("canary-step-size-per-variant", ("        instance_count: 4\n", "        instance_count: 1\n"),
      anchor="step_instances: 1", path="endpoints[0].deployment.step_instances", code="canary-step-size",
      message='1 of variant "canary"\'s 1 instances (100 %) is outside at most 50 % of each variant\'s instances: give variant canary more instances'),
    C("linear-step-size", ("      strategy: canary\n      step_instances: 1\n", "      strategy: linear\n      step_percent: 5\n"),
      anchor="step_percent: 5", path="endpoints[0].deployment.step_percent", code="linear-step-size", message="a linear step of 5 %"),
    C("rolling-serverless",
      (SCORING_TAIL, SCORING_TAIL + "    deployment:\n      strategy: rolling\n      step_percent: 50\n      rollback_on_alarms: false\n"),
      anchor="strategy: rolling", path="endpoints[1].deployment.strategy", code="rolling-serverless"),
    C("rolling-multi-variant",
      ("      strategy: canary\n", "      strategy: rolling\n"), ("      termination_wait_seconds: 120\n", ""),
      anchor="strategy: rolling", path="endpoints[0].deployment.strategy", code="rolling-multi-variant"),
    C("rolling-termination-wait", ("      strategy: canary\n", "      strategy: rolling\n"),
      anchor="termination_wait_seconds: 120", path="endpoints[0].deployment.termination_wait_seconds", code="rolling-termination-wait"),
    C("rollback-needs-alarms-explicit",
      ("    alarms:\n      latency_p99_ms: 100\n      error_rate_percent: 5\n", ""),
      ("      termination_wait_seconds: 120\n", "      termination_wait_seconds: 120\n      rollback_on_alarms: true\n"),
      anchor="rollback_on_alarms: true", path="endpoints[0].deployment.rollback_on_alarms", code="rollback-needs-alarms", message='add an "alarms" section'),
    C("rollback-needs-alarms-default", ("    alarms:\n      latency_p99_ms: 100\n      error_rate_percent: 5\n", ""),
      anchor="    deployment:", path="endpoints[0].deployment.rollback_on_alarms", code="rollback-needs-alarms"),
    # AWS rules the validator gets wrong or misses
    C("rolling-step-size-whole-fleet",
      ("      - name: canary\n        model: 1.2.0\n        instance_type: ml.g4dn.2xlarge\n        instance_count: 4\n        weight: 20\n", ""),
      ("      strategy: canary\n      step_instances: 1\n", "      strategy: rolling\n      step_instances: 2\n"),
      ("      termination_wait_seconds: 120\n", ""),
      anchor="step_instances: 2", path="endpoints[0].deployment.step_instances", code="rolling-step-size"),
    C("rolling-step-size-percent",
      ("      - name: canary\n        model: 1.2.0\n        instance_type: ml.g4dn.2xlarge\n        instance_count: 4\n        weight: 20\n", ""),
      ("      strategy: canary\n      step_instances: 1\n", "      strategy: rolling\n      step_percent: 80\n"),
      ("      termination_wait_seconds: 120\n", ""),
      anchor="step_percent: 80", path="endpoints[0].deployment.step_percent", code="rolling-step-size"),
]

SHAPE_CASES = [
    C("unknown-key-typo", ("        instance_type: ml.g4dn.2xlarge\n", "        instance_typ: ml.g4dn.2xlarge\n"),
      anchor="instance_typ:", path="endpoints[0].variants[1].instance_typ", code="unknown-key", message='did you mean "instance_type"?'),
    C("unknown-top-level-section", ("endpoints:\n", "endpoint:\n"),
      anchor="endpoint:", path="endpoint", code="unknown-key", message='did you mean "endpoints"?'),
    C("missing-required-field", ("    status: canary\n", ""),
      anchor="- version: 1.2.0", path="models[2].status", code="missing-field", message="required field is missing"),
    C("missing-required-section",
      ("project:\n  name: mlinfra\n  environment: prod\n  region: us-east-1\n  tags:\n    team: ml-platform\n\n", ""),
      anchor="models:", path="project", code="missing-field"),  # a missing top-level section: the document's first key
    C("negative-weight", ("        weight: 20\n", "        weight: -20\n"),
      anchor="weight: -20", path="endpoints[0].variants[1].weight", code="greater-than-equal", message="must be at least 0, got the number -20"),
    # production-variant settings: botocore's ranges (60..3600 s, 1..512 GB) and AMI names
    C("download-timeout-below-range", ("        instance_type: ml.g4dn.2xlarge\n", "        instance_type: ml.g4dn.2xlarge\n        model_data_download_timeout_seconds: 30\n"),
      anchor="model_data_download_timeout_seconds: 30", path="endpoints[0].variants[1].model_data_download_timeout_seconds", code="greater-than-equal", message="at least 60"),
    C("startup-timeout-above-range", ("        instance_type: ml.g4dn.2xlarge\n", "        instance_type: ml.g4dn.2xlarge\n        container_startup_health_check_timeout_seconds: 7200\n"),
      anchor="container_startup_health_check_timeout_seconds: 7200", path="endpoints[0].variants[1].container_startup_health_check_timeout_seconds", code="less-than-equal", message="3600"),
    C("volume-size-above-range", ("        instance_type: ml.g4dn.2xlarge\n", "        instance_type: ml.m5.2xlarge\n        volume_size_gb: 1024\n"),
      anchor="volume_size_gb: 1024", path="endpoints[0].variants[1].volume_size_gb", code="less-than-equal", message="512"),
    C("unknown-ami-version", ("        instance_type: ml.g4dn.2xlarge\n", "        instance_type: ml.g4dn.2xlarge\n        inference_ami_version: al2-ami-sagemaker-inference-gpu-9\n"),
      anchor="inference_ami_version:", path="endpoints[0].variants[1].inference_ami_version", code="literal-error", message='did you mean "al2-ami-sagemaker-inference-gpu-2"'),
    C("unknown-routing-strategy", ("        instance_type: ml.g4dn.2xlarge\n", "        instance_type: ml.g4dn.2xlarge\n        routing: least\n"),
      anchor="routing: least", path="endpoints[0].variants[1].routing", code="literal-error", message="LEAST_OUTSTANDING_REQUESTS, RANDOM"),
    C("serverless-memory-not-a-step", ("          memory_mb: 4096\n", "          memory_mb: 1000\n"),
      anchor="memory_mb: 1000", path="endpoints[1].variants[0].serverless.memory_mb", code="literal-error", message="1024"),
    C("max-concurrency-201", (SCORING_TAIL, "          max_concurrency: 201\n"),
      anchor="max_concurrency: 201", path="endpoints[1].variants[0].serverless.max_concurrency", code="less-than-equal", message="200"),
    C("version-not-semver", ("  - version: 1.2.0\n", "  - version: v1.2.0\n"),
      anchor="- version: v1.2.0", path="models[2].version", code="string-pattern-mismatch", message="semantic version"),
    C("model-reference-not-semver", ("        model: 1.2.0\n", "        model: latest\n"),
      anchor="model: latest", path="endpoints[0].variants[1].model", code="string-pattern-mismatch", message="a semantic version"),
    C("model-data-not-s3",
      ("    model_data: s3://acme-ml-models/models/v1.0.0/model.tar.gz\n", "    model_data: gs://acme-ml-models/v1.0.0/model.tar.gz\n"),
      anchor="model_data: gs://", path="models[0].model_data", code="string-pattern-mismatch", message="an S3 URI"),
    # An S3 object URL is read as its s3:// URI (tests/test_forgiving_input.py); any other https URL is not.
    C("model-data-https-not-s3",
      ("    model_data: s3://acme-ml-models/models/v1.0.0/model.tar.gz\n", "    model_data: https://storage.googleapis.com/acme-ml-models/v1.0.0/model.tar.gz\n"),
      anchor="model_data: https://", path="models[0].model_data", code="s3-url-unknown", message="'storage.googleapis.com' is not an S3 endpoint"),
    C("image-not-ecr",
      ("    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.1.0\n", "    image: docker.io/acme/ml-inference:1.1.0\n"),
      anchor="image: docker.io", path="models[1].image", code="string-pattern-mismatch", message="an ECR image"),
    C("image-without-tag",
      ("    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.1.0\n", "    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference\n"),
      anchor="image:", after="- version: 1.1.0", path="models[1].image", code="string-pattern-mismatch", message="with a tag or digest"),
    C("variant-name-underscore", ("      - name: canary\n", "      - name: canary_v2\n"),
      anchor="- name: canary_v2", path="endpoints[0].variants[1].name", code="string-pattern-mismatch", message="letters, digits and dashes"),
    C("variant-name-64-chars", ("      - name: canary\n", "      - name: " + "canary-" + "x" * 57 + "\n"),
      anchor="- name: canary-xxx", path="endpoints[0].variants[1].name", code="string-too-long", message="63"),
    C("endpoint-name-upper-case", ("  - name: scoring\n", "  - name: Scoring\n"),
      anchor="- name: Scoring", path="endpoints[1].name", code="string-pattern-mismatch", message="lower-case"),
    C("bad-region", ("  region: us-east-1\n", "  region: us-east1\n"),
      anchor="region: us-east1", path="project.region", code="unknown-region", message='did you mean "us-east-1"?'),
    C("string-for-number", ("        instance_count: 4\n", "        instance_count: one\n"),
      anchor="instance_count: one", path="endpoints[0].variants[1].instance_count", code="int-type", message="'one'"),
    C("fraction-for-integer", ("        instance_count: 4\n", "        instance_count: 1.5\n"),
      anchor="instance_count: 1.5", path="endpoints[0].variants[1].instance_count", code="int-type"),
    C("mapping-for-list",
      ("      - name: serverless\n        model: 1.1.0\n        serverless:\n          memory_mb: 4096\n" + SCORING_TAIL,
       "      name: serverless\n      model: 1.1.0\n      serverless:\n        memory_mb: 4096\n        max_concurrency: 50\n"),
      anchor="variants:", after="- name: scoring", path="endpoints[1].variants", code="list-type", message="got a mapping"),
    C("list-for-mapping", ("  tags:\n    team: ml-platform\n", "  tags: [ml-platform]\n"),
      anchor="tags: [ml-platform]", path="project.tags", code="dict-type", message="got a list"),
    C("unknown-strategy", ("      strategy: canary\n", "      strategy: blue-green\n"),
      anchor="strategy: blue-green", path="endpoints[0].deployment.strategy", code="literal-error", message="'blue-green'"),
    C("unknown-kind", ("    kind: realtime\n", "    kind: batch\n"),
      anchor="kind: batch", path="endpoints[0].kind", code="literal-error"),
    C("too-few-variants",
      ("    variants:\n      - name: serverless\n        model: 1.1.0\n        serverless:\n          memory_mb: 4096\n" + SCORING_TAIL,
       "    variants: []\n"),
      anchor="variants: []", path="endpoints[1].variants", code="too-short"),
    # shapes the model admits although they are clearly wrong
    C("infinite-weight", ("        weight: 20\n", "        weight: .inf\n"),
      anchor="weight: .inf", path="endpoints[0].variants[1].weight", code="finite-number"),
    C("boolean-for-count", ("        instance_count: 4\n", "        instance_count: true\n"),
      anchor="instance_count: true", path="endpoints[0].variants[1].instance_count", code="int-type"),
]

CASES = RULE_CASES + SHAPE_CASES


def _params(cases: list[Case]) -> list:
    return [
        pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
        for c in cases
    ]


def test_base_config_is_valid(workdir: Path) -> None:
    """Every case is one edit away from a config that passes; otherwise the cases would prove nothing."""
    (workdir / CONFIG_NAME).write_text(BASE)
    run = cli("validate", CONFIG_NAME)
    assert run.exit_code == 0, run.everything
    assert "valid" in run.stdout


def test_cases_cover_every_rule_code() -> None:
    """Each rule code in rules.py and the real-time slices' rules.py has at least one (non-xfail) case above
    (or in test_config_realtime)."""
    import mlinfra.config.rules as rules_mod
    from mlinfra.components.api import rules as api_rules
    from mlinfra.components.preprocessing import rules as preprocessing_rules

    source = "".join(Path(m.__file__).read_text() for m in (rules_mod, api_rules, preprocessing_rules))
    # The code is a Violation's last argument: `..., "code")` or, on a line of its own, `"code",\n)`.
    codes = set(re.findall(r'"([a-z]+(?:-[a-z]+)+)",?\s*\)', source))
    codes |= {f"{s}-step-size" for s in ("canary", "linear")}
    from tests.components.inference_components.test_rules import COVERED as COMPONENTS_COVERED
    from tests.test_config_async import COVERED as ASYNC_COVERED
    from tests.test_config_models import COVERED as MODELS_COVERED
    from tests.test_config_realtime import COVERED as REALTIME_COVERED

    covered = (
        {c.code for c in CASES if not c.xfail} | REALTIME_COVERED | COMPONENTS_COVERED | ASYNC_COVERED | MODELS_COVERED
    )
    missing = sorted(code for code in codes if code not in covered)
    assert not missing, f"rule codes without a case: {missing}"


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", _params(CASES))
@pytest.mark.parametrize("command", ["validate", "render"])
def test_invalid_config(case: Case, command: str, workdir: Path) -> None:
    text = case.text()
    (workdir / CONFIG_NAME).write_text(text)
    expected_line = case.line()
    before = snapshot(workdir)

    args = [command, CONFIG_NAME] + (["-o", OUT_NAME] if command == "render" else [])
    run = cli(*args)

    assert_no_traceback(run)
    assert run.exit_code == 2, f"exit {run.exit_code}, expected 2:\n{run.everything}"
    assert_error_line(run, CONFIG_NAME, expected_line, case.path, case.code, case.message)
    assert_well_formed(run)
    assert "valid —" not in run.stdout and "rendered" not in run.stdout
    assert not (workdir / OUT_NAME).exists()
    assert snapshot(workdir) == before, "the command left files behind"


SUBPROCESS_CASES = ["unknown-key-typo", "canary-step-size", "negative-weight"]


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_invalid_config_real_process(case_id: str, tmp_path: Path) -> None:
    """The installed console script behaves like the in-process CLI: exit 2, exact line, stderr only, nothing written."""
    case = next(c for c in CASES if c.id == case_id)
    (tmp_path / CONFIG_NAME).write_text(case.text())
    before = snapshot(tmp_path)
    for args in (["validate", CONFIG_NAME], ["render", CONFIG_NAME, "-o", OUT_NAME]):
        run = proc(*args, cwd=tmp_path)
        assert_no_traceback(run)
        assert run.exit_code == 2, f"{args}: exit {run.exit_code}\n{run.everything}"
        assert_error_line(run, CONFIG_NAME, case.line(), case.path, case.code, case.message)
        assert_well_formed(run)
        assert run.stdout == "", f"{args}: a failing command printed on stdout: {run.stdout!r}"
        assert "\x1b[" not in run.stderr, "colour codes on a pipe"
        assert not (tmp_path / OUT_NAME).exists()
        assert snapshot(tmp_path) == before


def test_render_into_missing_parent_creates_nothing(workdir: Path) -> None:
    """An invalid config must not even create OUT's parent folders."""
    case = next(c for c in CASES if c.id == "canary-step-size")
    (workdir / CONFIG_NAME).write_text(case.text())
    run = cli("render", CONFIG_NAME, "-o", "build/terraform")
    assert_no_traceback(run)
    assert run.exit_code == 2
    assert not (workdir / "build").exists()
    assert snapshot(workdir) == [CONFIG_NAME]


def test_render_into_existing_output_keeps_it(workdir: Path) -> None:
    """An invalid config leaves an earlier render (and the user's files next to it) untouched."""
    out = workdir / OUT_NAME
    (out / "modules").mkdir(parents=True)
    (out / "main.tf").write_text("# earlier render\n")
    (out / "terraform.tfstate").write_text("{}\n")
    case = next(c for c in CASES if c.id == "negative-weight")
    (workdir / CONFIG_NAME).write_text(case.text())
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    listing = snapshot(workdir)

    run = cli("render", CONFIG_NAME, "-o", OUT_NAME)

    assert_no_traceback(run)
    assert run.exit_code == 2
    assert snapshot(workdir) == listing
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


# --- the acceptance list for bad input ------------------------------------------------------------------


@dataclass
class Bad:
    """A bad input: how to make it, what the message must say, and optionally the LINE it must name."""

    make: object  # Callable[[Path], str]: writes the input under the folder, returns the CONFIG argument
    says: tuple[str, ...]
    line: int | None = None
    code: str | None = None
    extra: tuple[str, ...] = field(default_factory=tuple)  # more substrings of the same error line


def _write(name: str, data: bytes | str):
    def make(root: Path) -> str:
        path = root / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data)
        return name

    return make


def _junk() -> bytes:
    rng = random.Random(20240607)
    # random bytes, with NUL and bytes that are never valid UTF-8 (0xff, 0xfe, a lone continuation byte)
    return b"project:\n" + bytes(rng.randrange(256) for _ in range(512)) + b"\x00\xff\xfe\x80models:\n"


def _mkdir(name: str):
    def make(root: Path) -> str:
        (root / name).mkdir()
        return name

    return make


SYNTAX_ERROR = edit(BASE, ("    kind: realtime\n", "    kind: realtime: yes\n"))
DUPLICATED_KEY = edit(BASE, ("        weight: 20\n", "        weight: 20\n        instance_count: 3\n"))
UNKNOWN_KEY = edit(BASE, ("  region: us-east-1\n", "  region: us-east-1\n  owner: ml-platform\n"))
NEGATIVE_WEIGHT = edit(BASE, ("        weight: 80\n", "        weight: -80\n"))

ACCEPTANCE = {
    "missing-file": Bad(lambda root: "does-not-exist.yaml", says=("does-not-exist.yaml", "no such file"), code="file-not-found"),
    "empty-file": Bad(_write("empty.yaml", ""), says=("empty.yaml", "empty"), code="empty-file"),
    "whitespace-only": Bad(_write("blank.yaml", "\n   \n\n"), says=("blank.yaml", "empty"), code="empty-file"),
    "only-comments": Bad(_write("comments.yaml", "# mlinfra platform\n# TODO: fill in\n"), says=("comments.yaml", "empty"), code="empty-file"),
    "yaml-syntax-error": Bad(_write(CONFIG_NAME, SYNTAX_ERROR), says=("YAML syntax error", "mapping values are not allowed"),
                             line=line_of(SYNTAX_ERROR, "kind: realtime: yes"), code="yaml-syntax"),
    "top-level-list": Bad(_write("list.yaml", "- project: {name: mlinfra}\n- models: []\n"), says=("expected a mapping", "found a list"), line=1, code="not-a-mapping"),
    "top-level-scalar": Bad(_write("scalar.yaml", "mlinfra\n"), says=("expected a mapping",), line=1, code="not-a-mapping"),
    "binary-junk": Bad(_write("junk.bin", _junk()), says=("junk.bin", "not UTF-8"), code="not-text"),
    "utf8-with-nul": Bad(_write("nul.yaml", "project:\n  name: ml\x00infra\n"), says=("nul.yaml", "NUL"), line=2, code="not-text"),
    "directory": Bad(_mkdir("conf.d"), says=("conf.d", "directory"), code="not-a-file"),
    "unknown-key": Bad(_write(CONFIG_NAME, UNKNOWN_KEY), says=("project.owner", 'unknown key "owner"'),
                       line=line_of(UNKNOWN_KEY, "owner: ml-platform"), code="unknown-key"),
    "duplicated-key": Bad(_write(CONFIG_NAME, DUPLICATED_KEY), says=('duplicated key "instance_count"',),
                          line=line_of(DUPLICATED_KEY, "instance_count: 3"), code="duplicate-key"),
    "negative-weight": Bad(_write(CONFIG_NAME, NEGATIVE_WEIGHT), says=("endpoints[0].variants[0].weight", "must be at least 0"),
                           line=line_of(NEGATIVE_WEIGHT, "weight: -80"), code="greater-than-equal"),
}


@pytest.mark.parametrize("command", ["validate", "render"])
@pytest.mark.parametrize("name", list(ACCEPTANCE))
def test_bad_input(name: str, command: str, workdir: Path) -> None:
    bad = ACCEPTANCE[name]
    config = bad.make(workdir)  # type: ignore[operator]
    before = snapshot(workdir)

    run = cli(command, config, *(["-o", OUT_NAME] if command == "render" else []))

    assert_no_traceback(run)
    assert run.exit_code != 0
    assert run.exit_code == 2, f"a config problem exits 2, got {run.exit_code}:\n{run.everything}"
    assert_well_formed(run)
    lines = run.error_lines()
    matching = [ln for ln in lines if all(s in ln for s in bad.says + bad.extra)]
    assert matching, f"no error line says {bad.says + bad.extra}:\n{run.stderr}"
    if bad.line is not None:
        assert any(ln.startswith(f"error: {config}:{bad.line}: ") for ln in matching), f"expected line {bad.line}:\n{run.stderr}"
    if bad.code is not None:
        assert any(ln.endswith(f"[{bad.code}]") for ln in matching), f"expected [{bad.code}]:\n{run.stderr}"
    assert not (workdir / OUT_NAME).exists()
    assert snapshot(workdir) == before


@pytest.mark.parametrize("command", ["validate", "render"])
def test_duplicated_key_names_both_lines(command: str, workdir: Path) -> None:
    (workdir / CONFIG_NAME).write_text(DUPLICATED_KEY)
    run = cli(command, CONFIG_NAME, *(["-o", OUT_NAME] if command == "render" else []))
    assert_no_traceback(run)
    assert run.exit_code == 2
    duplicate, first = line_of(DUPLICATED_KEY, "instance_count: 3"), line_of(DUPLICATED_KEY, "instance_count: 4")
    line = assert_error_line(run, CONFIG_NAME, duplicate, "", "duplicate-key", 'duplicated key "instance_count"')
    assert f"first at line {first}" in line


@pytest.mark.parametrize("name", ["binary-junk", "directory", "duplicated-key"])
def test_bad_input_real_process(name: str, tmp_path: Path) -> None:
    bad = ACCEPTANCE[name]
    config = bad.make(tmp_path)  # type: ignore[operator]
    before = snapshot(tmp_path)
    run = proc("render", config, "-o", OUT_NAME, cwd=tmp_path)
    assert_no_traceback(run)
    assert run.exit_code == 2, run.everything
    assert_well_formed(run)
    assert any(all(s in ln for s in bad.says + bad.extra) for ln in run.error_lines()), run.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", ["validate", "render"])
def test_control_characters(command: str, workdir: Path) -> None:
    """Valid UTF-8 without NUL but with other control bytes (e.g. a truncated binary) is one well-formed error line."""
    text = BASE.replace("  region: us-east-1\n", "  region: us-east-1\x01\x02\x1b\n")
    (workdir / CONFIG_NAME).write_text(text)
    before = snapshot(workdir)
    run = cli(command, CONFIG_NAME, *(["-o", OUT_NAME] if command == "render" else []))
    assert_no_traceback(run)
    assert run.exit_code == 2
    assert_well_formed(run)
    assert_error_line(run, CONFIG_NAME, line_of(text, "region: us-east-1"), "", None)
    assert "<unicode string>" not in run.stderr
    assert snapshot(workdir) == before


def test_unclosed_quote_names_where_it_starts(workdir: Path) -> None:
    text = edit(BASE, ("  name: mlinfra\n", '  name: "mlinfra\n'))
    (workdir / CONFIG_NAME).write_text(text)
    run = cli("validate", CONFIG_NAME)
    assert_no_traceback(run)
    assert run.exit_code == 2
    [line] = run.error_lines()
    start = line_of(text, 'name: "mlinfra')
    assert f"{CONFIG_NAME}:{start}:" in line or f"line {start}" in line, line


# --- several problems at once ---------------------------------------------------------------------------

# (edits, expected problems as (anchor, path, code))
MANY_RULE_PROBLEMS = (
    (
        ("    team: ml-platform\n", "    team: ml-platform\n    aws:created-by: me\n"),
        ("        model: 1.2.0\n", "        model: 1.0.0\n"),
        ("      step_instances: 1\n", "      step_instances: 2\n"),
        (SCORING_TAIL, SCORING_TAIL + "          provisioned_concurrency: 99\n"),
    ),
    (
        ("aws:created-by", "project.tags.aws:created-by", "reserved-tag-key"),
        ("model: 1.0.0", "endpoints[0].variants[1].model", "deprecated-model-deployed"),
        ("step_instances: 2", "endpoints[0].deployment.step_instances", "canary-step-size"),
        ("provisioned_concurrency: 99", "endpoints[1].variants[0].serverless.provisioned_concurrency", "provisioned-exceeds-max"),
    ),
)

MANY_SHAPE_PROBLEMS = (
    (
        ("  region: us-east-1\n", "  regoin: us-east-1\n"),
        ("    model_data: s3://acme-ml-models/models/v1.2.0/model.tar.gz\n", "    model_data: /models/v1.2.0/model.tar.gz\n"),
        ("        weight: 20\n", "        weight: -1\n"),
        ("          memory_mb: 4096\n", "          memory_mb: 1000\n"),
    ),
    (
        ("regoin:", "project.regoin", "unknown-key"),
        # a missing key has no line of its own: it is reported on the line of the mapping that lacks it
        ("project:", "project.region", "missing-field"),
        ("model_data: /models", "models[2].model_data", "string-pattern-mismatch"),
        ("weight: -1", "endpoints[0].variants[1].weight", "greater-than-equal"),
        ("memory_mb: 1000", "endpoints[1].variants[0].serverless.memory_mb", "literal-error"),
    ),
)


@pytest.mark.parametrize("command", ["validate", "render"])
@pytest.mark.parametrize("problems", [MANY_RULE_PROBLEMS, MANY_SHAPE_PROBLEMS], ids=["rule-violations", "shape-errors"])
def test_all_problems_are_reported(problems, command: str, workdir: Path) -> None:
    edits, expected = problems
    text = edit(BASE, *edits)
    write_config(workdir, text, CONFIG_NAME)
    before = snapshot(workdir)
    run = cli(command, CONFIG_NAME, *(["-o", OUT_NAME] if command == "render" else []))
    assert_no_traceback(run)
    assert run.exit_code == 2
    assert_well_formed(run)
    found = [assert_error_line(run, CONFIG_NAME, line_of(text, anchor), path, code) for anchor, path, code in expected]
    assert len(set(found)) == len(expected), "two problems share one line of output"
    assert len(run.error_lines()) == len(expected), "unexpected extra problems:\n" + run.stderr
    assert not (workdir / OUT_NAME).exists()
    assert snapshot(workdir) == before


# --- "did you mean" at every level ----------------------------------------------------------------------

ASYNC_BLOCK = "    async:\n      input_path: s3://acme-ml-async/in/\n      output_pth: s3://acme-ml-async/out/\n"

NESTED_TYPOS = [
    ("top-level", ("models:\n", "modles:\n"), "modles:", "modles", "models"),
    ("project", ("  region: us-east-1\n", "  regoin: us-east-1\n"), "regoin:", "project.regoin", "region"),
    ("state", ("models:\n", "state:\n  buckt: acme-tf-state\n\nmodels:\n"), "buckt:", "state.buckt", "bucket"),
    ("model-version", ("    model_data: s3://acme-ml-models/models/v1.1.0/model.tar.gz\n", "    model_dat: s3://acme-ml-models/models/v1.1.0/model.tar.gz\n"),
     "model_dat:", "models[1].model_dat", "model_data"),
    ("endpoint", ("    kind: realtime\n", "    knd: realtime\n"), "knd:", "endpoints[0].knd", "kind"),
    ("deployment", ("      wait_seconds: 300\n", "      wait_second: 300\n"), "wait_second:", "endpoints[0].deployment.wait_second", "wait_seconds"),
    ("alarms", ("      latency_p99_ms: 100\n", "      latency_p99: 100\n"), "latency_p99:", "endpoints[0].alarms.latency_p99", "latency_p99_ms"),
    ("data-capture", ("      sampling_percentage: 100\n", "      sampling_percent: 100\n"), "sampling_percent:",
     "endpoints[0].data_capture.sampling_percent", "sampling_percentage"),
    ("autoscaling", ("          target_invocations: 1000\n", "          target_invocation: 1000\n"), "target_invocation:",
     "endpoints[0].variants[0].autoscaling.target_invocation", "target_invocations"),
    ("serverless", (SCORING_TAIL, "          max_concurency: 50\n"), "max_concurency:",
     "endpoints[1].variants[0].serverless.max_concurency", "max_concurrency"),
    ("shadow", ("    data_capture:\n", SHADOW_ON_INFERENCE.replace("instance_count", "instance_cont") + "    data_capture:\n"), "instance_cont:",
     "endpoints[0].shadow.instance_cont", "instance_count"),
    ("async-alias", ("    kind: realtime\n", "    kind: async\n" + ASYNC_BLOCK), "output_pth:", "endpoints[0].async.output_pth", "output_path"),
]


@pytest.mark.parametrize(("level", "change", "anchor", "path", "suggestion"), NESTED_TYPOS, ids=[t[0] for t in NESTED_TYPOS])
def test_did_you_mean_at_every_level(level, change, anchor, path, suggestion, workdir: Path) -> None:
    text = edit(BASE, change)
    (workdir / CONFIG_NAME).write_text(text)
    run = cli("validate", CONFIG_NAME)
    assert_no_traceback(run)
    assert run.exit_code == 2
    assert_error_line(run, CONFIG_NAME, line_of(text, anchor), path, "unknown-key", f'did you mean "{suggestion}"?')


def test_unknown_key_without_close_match_lists_the_keys(workdir: Path) -> None:
    text = edit(BASE, ("      wait_seconds: 300\n", "      wait_seconds: 300\n      colour: blue\n"))
    (workdir / CONFIG_NAME).write_text(text)
    run = cli("validate", CONFIG_NAME)
    assert_no_traceback(run)
    line = assert_error_line(run, CONFIG_NAME, line_of(text, "colour: blue"), "endpoints[0].deployment.colour", "unknown-key")
    assert "expected one of:" in line
    for key in ("strategy", "step_instances", "step_percent", "wait_seconds", "rollback_on_alarms"):
        assert key in line


# --- further library bugs -------------------------------------------------------------------------------

MERGED_VARIANTS = edit(
    BASE,
    ("      - name: production\n", "      - &base-variant\n        name: production\n"),
    (
        "      - name: canary\n        model: 1.2.0\n        instance_type: ml.g4dn.2xlarge\n        instance_count: 4\n        weight: 20\n",
        "      - <<: *base-variant\n        name: canary\n        model: 1.2.0\n        weight: 20\n",
    ),
)


def test_merge_key_base_is_valid(workdir: Path) -> None:
    """YAML merge keys are legal in a config (the failing case below differs by one value)."""
    text = edit(MERGED_VARIANTS, ("        autoscaling:\n          min: 2\n          max: 20\n          target_invocations: 1000\n", ""))
    (workdir / CONFIG_NAME).write_text(text)
    run = cli("validate", CONFIG_NAME)
    assert run.exit_code == 0, run.everything


@pytest.mark.parametrize("command", ["validate", "render"])
def test_error_in_merged_field(command: str, workdir: Path) -> None:
    text = edit(MERGED_VARIANTS, ("        instance_count: 2\n", "        instance_count: two\n"), ("        autoscaling:\n          min: 2\n          max: 20\n          target_invocations: 1000\n", ""))
    (workdir / CONFIG_NAME).write_text(text)
    before = snapshot(workdir)
    run = cli(command, CONFIG_NAME, *(["-o", OUT_NAME] if command == "render" else []))
    assert_no_traceback(run)
    assert run.exit_code == 2
    assert_well_formed(run)
    # the inherited field is reported where its value is written, or at the merge key that brought it in
    where = {line_of(text, "instance_count: two"), line_of(text, "<<: *base-variant")}
    lines = [ln for ln in run.error_lines() if "endpoints[0].variants[1].instance_count:" in ln and ln.endswith("[int-type]")]
    assert lines and any(ln.startswith(f"error: {CONFIG_NAME}:{n}: ") for ln in lines for n in where), run.stderr
    assert snapshot(workdir) == before


def test_unquoted_float_version_gets_semver_guidance(workdir: Path) -> None:
    text = edit(BASE, ("  - version: 1.2.0\n", "  - version: 1.2\n"))
    (workdir / CONFIG_NAME).write_text(text)
    run = cli("validate", CONFIG_NAME)
    assert_no_traceback(run)
    assert run.exit_code == 2
    line = assert_error_line(run, CONFIG_NAME, line_of(text, "- version: 1.2"), "models[2].version", None)
    assert "ScalarFloat" not in line
    assert "semantic version" in line


def test_trainium_is_not_burstable(workdir: Path) -> None:
    """A false positive: this config is valid on AWS and must pass."""
    text = edit(BASE, ("        instance_type: ml.g4dn.xlarge\n", "        instance_type: ml.trn1.2xlarge\n"))
    (workdir / CONFIG_NAME).write_text(text)
    run = cli("validate", CONFIG_NAME)
    assert_no_traceback(run)
    assert run.exit_code == 0, run.stderr
