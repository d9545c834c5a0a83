"""The ``pipeline`` section: the model deployment pipeline (CodePipeline V2) from a GitHub repository to a
canary, through an approved Terraform plan.

    pipeline:
      source:
        github: {repository: acme/churn-platform, branch: main}
        # connection_arn: arn:aws:codeconnections:eu-west-1:123456789012:connection/...   (else one is created, PENDING)
      dockerfile: docker/Dockerfile      # built and pushed to the registry's ECR repository, tagged by commit
      approvers:
        emails: [ml-leads@example.com]   # or alert_topic: true (the monitoring section's alerts topic)
      canary: {endpoint: scoring, percent: 20, bake_minutes: 10}
      trigger_on_model_approval: true    # a package Approved in the registry's group starts the pipeline

Why this form: the repository and branch are needed whether or not the connection exists (the source
action names both), so ``github`` is always there and ``connection_arn`` only says the connection is not
mlinfra's to create. A connection mlinfra creates stays PENDING until a person completes the handshake in
the console, as AWS requires.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from ...config.section import Section
from ...config.shapes import ComponentName, Strict, VariantName

# GitHub's owner/name: letters, digits, '-', '_' and '.'.
Repository = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")]
Branch = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]+$", max_length=255)]
# CodeConnections (and its former name, CodeStar Connections) connection ARNs.
ConnectionArn = Annotated[
    str,
    StringConstraints(
        pattern=r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$"
    ),
]
# A path inside the repository: relative, no segment starting with "." (so no "..").
RepoPath = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$", max_length=1024)
]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]

#: The patterns above in the words a refused value is told (the loader never prints a regular expression).
PATTERN_WORDS = {
    r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$": "a GitHub repository as owner/name, such as acme/fraud-platform",
    r"^[A-Za-z0-9._/-]+$": "a branch name of letters, digits and . _ / -, such as main",
    r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$": (
        "a CodeConnections connection ARN such as "
        "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    ),
    r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$": (
        "a path inside the repository, relative, such as docker/Dockerfile (no segment starting with .)"
    ),
}


class GitHub(Strict):
    repository: Repository
    branch: Branch = "main"


class Source(Strict):
    """The repository the pipeline runs on, and the connection to it (created PENDING when not given)."""

    github: GitHub
    connection_arn: ConnectionArn | None = None


class Approvers(Strict):
    """Who the manual approval notifies: these addresses (a topic of the pipeline's own), or the
    platform's alerts topic (the monitoring section's)."""

    emails: list[Email] = Field(default_factory=list)
    alert_topic: bool = False


class Canary(Strict):
    """``mlinfra promote --variant VARIANT --canary PERCENT --bake BAKE_MINUTES`` on this endpoint, gated on
    its alarms."""

    endpoint: ComponentName | None = None  # default: the config's only endpoint
    variant: VariantName = "canary"  # the endpoint's variant that serves the new version
    percent: Annotated[float, Field(gt=0, lt=100)] = 20
    bake_minutes: Annotated[int, Field(ge=1, le=360)] = 10
    # After the bake: a second manual approval, then all traffic to the variant (mlinfra promote --full);
    # false: the pipeline ends with the canary at its percentage (promote by hand, or roll back).
    full_promotion: bool = True


class Pipeline(Strict):
    """The model deployment pipeline: Source → Build → Plan → Approval → Apply → Canary (→ second approval → Promote)."""

    source: Source
    dockerfile: RepoPath = "Dockerfile"
    # The folder of the repository that holds mlinfra.yaml (the pipeline runs mlinfra there).
    config_path: RepoPath = "mlinfra.yaml"
    approvers: Approvers
    canary: Canary = Canary()
    trigger_on_model_approval: bool = False


SECTION = Section("pipeline", Pipeline)
