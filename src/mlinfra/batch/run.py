"""Submit runs of the batch pipeline and follow them: Step Functions through injected boto3 clients.

The state machine is ``<project>-<environment>-batch`` (the batch component's name, which is also its
transform jobs' name prefix), found by name in the region, or given by ARN. An execution's input is
``{"inputS3Uri", "outputS3Uri"}``; its name is ``YYYYMMDD-HHMMSS-<6 hex>`` (UTC), short enough for the
transform job name ``<state machine>-<execution>`` to stay within SageMaker's 63 characters.
Waiting goes through an injected clock; nothing here prints (progress goes to a ``report`` callback).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, field
from datetime import UTC, datetime
from typing import Any

from ..errors import MlinfraError, UsageError
from ..ops.aws import Clients, aws_errors
from ..records import record
from .definition import execution_name_limit

Report = Callable[[str], None]
S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/\S*)?$")
# Step Functions allows more, but the name also ends the transform job's name: SageMaker's alphabet only.
EXECUTION_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


class BatchError(MlinfraError):
    """The batch pipeline is missing, or a run failed (the message says how)."""


class BatchRunFailed(BatchError):
    """A waited-for run ended in FAILED, TIMED_OUT or ABORTED."""

    def __init__(self, run: Run):
        reason = f": {run.error}" + (f": {run.cause}" if run.cause else "") if run.error else ""
        super().__init__(f"execution {run.name} {run.status}{reason}")
        self.run = run


@record
class StateVisit:
    name: str
    entered: str  # ISO-8601 UTC
    exited: str | None


@record
class Run:
    """One execution of the batch pipeline, as Step Functions reports it."""

    arn: str
    name: str
    status: str
    job_name: str
    started: str | None
    stopped: str | None
    input_uri: str | None
    output_uri: str | None
    error: str | None = None
    cause: str | None = None
    states: tuple[StateVisit, ...] = field(default=())

    @property
    def current_state(self) -> str | None:
        """The state it is in (running) or stopped in."""
        return self.states[-1].name if self.states else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["current_state"] = self.current_state
        return data


def state_machine_name(project: str, environment: str) -> str:
    return f"{project}-{environment}-batch"


def new_execution_name(now: datetime, token: str | None = None) -> str:
    """``20261201-220000-1a2b3c``: sortable, unique, and valid inside a SageMaker job name."""
    return f"{now.astimezone(UTC):%Y%m%d-%H%M%S}-{token or secrets.token_hex(3)}"


def check_s3_uri(uri: str, option: str) -> str:
    if not S3_URI.match(uri):
        raise UsageError(f"{option}: {uri!r} is not an S3 URI such as s3://bucket/prefix/")
    return uri


def find_state_machine(clients: Clients, name: str) -> str:
    """The ARN of the state machine called ``name`` in the clients' region."""
    with aws_errors():
        for page in clients.stepfunctions.get_paginator("list_state_machines").paginate():
            for sm in page.get("stateMachines", []):
                if sm["name"] == name:
                    return sm["stateMachineArn"]
    raise BatchError(
        f"no state machine {name!r} in this region: deploy the batch pipeline first, or pass --state-machine ARN"
    )


def _name_of(state_machine_arn: str) -> str:
    return state_machine_arn.rsplit(":", 1)[-1]


def execution_arn(state_machine_arn: str, execution: str) -> str:
    """An execution ARN from its name (``arn:…:stateMachine:M`` → ``arn:…:execution:M:NAME``) or as given."""
    if execution.startswith("arn:"):
        return execution
    if ":stateMachine:" not in state_machine_arn:
        raise UsageError(f"{state_machine_arn!r} is not a state machine ARN")
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + execution


def submit(clients: Clients, state_machine_arn: str, input_uri: str, output_uri: str, name: str) -> str:
    """Start one run; returns the execution ARN."""
    check_s3_uri(input_uri, "--input")
    check_s3_uri(output_uri, "--output")
    limit = execution_name_limit(_name_of(state_machine_arn))
    if not EXECUTION_NAME.match(name) or len(name) > limit:
        raise UsageError(
            f"--name {name!r}: at most {limit} letters, digits and dashes (it ends the transform job's name)"
        )
    payload = json.dumps({"inputS3Uri": input_uri, "outputS3Uri": output_uri}, sort_keys=True)
    with aws_errors():
        return clients.stepfunctions.start_execution(stateMachineArn=state_machine_arn, name=name, input=payload)[
            "executionArn"
        ]


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return None


def describe(clients: Clients, arn: str) -> Run:
    """The execution and the states it went through (from its history)."""
    sfn = clients.stepfunctions
    with aws_errors():
        d = sfn.describe_execution(executionArn=arn)
        events: list[dict[str, Any]] = []
        for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn, includeExecutionData=False):
            events += page.get("events", [])
    visits: list[StateVisit] = []
    for e in events:
        if e["type"].endswith("StateEntered"):
            visits.append(StateVisit(e["stateEnteredEventDetails"]["name"], _iso(e["timestamp"]) or "", None))
        elif e["type"].endswith("StateExited") and visits:
            name = e["stateExitedEventDetails"]["name"]
            for i in range(len(visits) - 1, -1, -1):
                if visits[i].name == name and visits[i].exited is None:
                    visits[i] = StateVisit(name, visits[i].entered, _iso(e["timestamp"]))
                    break
    try:
        given = json.loads(d.get("input") or "{}")
    except ValueError:
        given = {}
    given = given if isinstance(given, dict) else {}
    machine = _name_of(d["stateMachineArn"])
    return Run(
        arn=d["executionArn"],
        name=d["name"],
        status=d["status"],
        job_name=f"{machine}-{d['name']}",
        started=_iso(d.get("startDate")),
        stopped=_iso(d.get("stopDate")),
        input_uri=given.get("inputS3Uri"),
        output_uri=given.get("outputS3Uri"),
        error=d.get("error"),
        cause=d.get("cause"),
        states=tuple(visits),
    )


def recent(clients: Clients, state_machine_arn: str, limit: int = 10) -> list[dict[str, Any]]:
    """The latest runs, newest first: name, status, start and stop."""
    with aws_errors():
        page = clients.stepfunctions.list_executions(stateMachineArn=state_machine_arn, maxResults=limit)
    runs = [
        {
            "name": e["name"],
            "arn": e["executionArn"],
            "status": e["status"],
            "started": _iso(e.get("startDate")),
            "stopped": _iso(e.get("stopDate")),
        }
        for e in page.get("executions", [])
    ]
    return sorted(runs, key=lambda r: r["started"] or "", reverse=True)[:limit]


def elapsed(seconds: float) -> str:
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def wait(
    clients: Clients,
    clock,
    arn: str,
    *,
    poll_seconds: float,
    timeout_seconds: float | None = None,
    heartbeat_seconds: float = 300,
    report: Report,
) -> Run:
    """Poll until the run finishes, reporting each state it enters (and a heartbeat while one lasts).

    Returns the finished run when it SUCCEEDED; raises :class:`BatchRunFailed` otherwise.
    """
    start = clock.now()
    seen = 0
    last_line = start
    while True:
        run = describe(clients, arn)
        now = clock.now()
        for visit in run.states[seen:]:
            report(f"[{elapsed(now - start)}] {visit.name}")
            last_line = now
        seen = len(run.states)
        if run.status in FINISHED:
            report(f"[{elapsed(now - start)}] {run.status}")
            if run.status != "SUCCEEDED":
                raise BatchRunFailed(run)
            return run
        if timeout_seconds is not None and now - start >= timeout_seconds:
            raise BatchError(
                f"execution {run.name} still {run.status} in {run.current_state} after {elapsed(now - start)}; follow it with: mlinfra batch status {run.name}"
            )
        if now - last_line >= heartbeat_seconds:
            report(f"[{elapsed(now - start)}] still in {run.current_state or 'the pipeline'}")
            last_line = now
        clock.sleep(poll_seconds)


@record
class Pipeline:
    """Which state machine a command acts on: by ARN (``--state-machine``) or by the config's naming."""

    name: str
    arn: str | None = None
    region: str | None = None  # the config's region (only --region overrides it)

    def resolve(self, clients: Clients) -> str:
        return self.arn or find_state_machine(clients, self.name)


def pipeline(config, state_machine: str | None, *, warnings: list | None = None) -> Pipeline:
    """``--state-machine ARN`` wins; otherwise the config names it (``<project>-<environment>-batch``)."""
    if state_machine:
        if not re.match(r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$", state_machine):
            raise UsageError(
                f"--state-machine {state_machine!r} is not a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)"
            )
        region = state_machine.split(":")[3]
        return Pipeline(_name_of(state_machine), state_machine, region)
    if config is None:
        raise UsageError("give the config file (--config) or --state-machine ARN")
    from ..pipeline import load_config

    cfg = load_config(config, warnings=warnings)  # warnings: see load_config
    return Pipeline(state_machine_name(cfg.project.name, cfg.project.environment), None, cfg.project.region)
