"""``deploy`` and ``destroy``: render, then terraform init, plan, confirm and apply."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from . import common
from .common import DEFAULT_OUT, ConfigArg, ConfigOpt

TerraformOpt = Annotated[
    str | None, typer.Option("--terraform", help="terraform or tofu binary (default: terraform, then tofu, on PATH).")
]
AutoApprove = Annotated[
    bool, typer.Option("--auto-approve", help="Apply without asking (required without a terminal).")
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Rendered Terraform folder (the working directory).")]

app = typer.Typer()  # merged into mlinfra's own commands


def _terraform_workflow(
    config: Path,
    out: Path,
    terraform: str | None,
    *,
    destroy: bool,
    auto_approve: bool,
    plan_only: bool,
    workspace: str | None,
    from_plan: bool = False,
) -> None:
    from ..ops.rollout import Rollout, describe_kept
    from ..ops.terraform import PLAN_FILE, Terraform, find_terraform, run_workflow
    from ..pipeline import applied_record, changes_since, record_applied, render_project
    from ..write import write_tree

    cfg = common.load_config(config)
    clients = common.clients(None, cfg.project.region)
    if not destroy:
        from ..model_registry.lifecycle import require_approved

        # registry.require_approval: no traffic for a version without an Approved package (no AWS call without it).
        require_approved(cfg, clients)
        from ..ops.preflight import require_api_logging_role

        # A fresh account's missing API Gateway logging role fails the apply half-way: refused before it.
        require_api_logging_role(cfg, clients, config, cfg.project.region)
    binary = find_terraform(terraform)
    rendered = render_project(cfg, config.parent)
    # Against what the last apply ran when deploy recorded it (a render in between must not hide a rollout),
    # else against the last render; read before the write replaces the description.
    applied = out / applied_record(workspace)
    changes = [] if destroy else changes_since(out, rendered, applied.name if applied.is_file() else None)
    if from_plan:
        # The saved plan was made from the folder as it is: the folder must be what this config renders
        # (the same files the approval was given for), and is not written.
        from ..write import diff_tree

        if diff_tree(rendered.files, out):
            from ..errors import UsageError

            raise UsageError(
                f"{out} is not what {config} renders: the saved plan was made from another config or mlinfra "
                "version; plan again (`mlinfra deploy --plan-only`) and apply that plan"
            )
        typer.echo(f"{out} is what {config} renders: applying its saved plan ({PLAN_FILE})")
    else:
        write_tree(rendered.files, out)
        typer.echo(f"rendered {out}: {rendered.modules} modules, {rendered.resources} resources")
    for change in changes:
        typer.echo(f"  {change}")
    confirm = None
    if sys.stdin.isatty():
        verb = "Destroy" if destroy else "Apply"
        confirm = lambda summary: typer.confirm(f"{verb} this plan ({summary})?", default=False)  # noqa: E731
    # Around the apply: a silent rollback of an endpoint update is caught (and the configuration it still
    # runs on kept), and the counts and weights changed outside terraform are set back (ops.rollout).
    rollout = Rollout(clients, common.clock(), report=typer.echo)
    with common.interruptible():
        outcome = run_workflow(
            Terraform(binary, out, common.terraform_runner()),
            destroy=destroy,
            plan_only=plan_only,
            auto_approve=auto_approve,
            confirm=confirm,
            workspace=workspace,
            watch=rollout,
            saved=from_plan,
        )
    typer.echo(f"plan: {outcome.summary}")
    if outcome.summary.empty:
        typer.echo("no changes")
        if not destroy:  # what runs is what was rendered (an apply outside deploy, or one before the record)
            record_applied(out, rendered, workspace)
    elif not outcome.applied:
        typer.echo(f"plan saved in {out}/mlinfra.tfplan; not applied (--plan-only)")
    else:
        typer.echo("destroyed" if destroy else "applied")
        if destroy:
            applied.unlink(missing_ok=True)
        else:
            record_applied(out, rendered, workspace)
        for line in describe_kept(rollout.kept):
            typer.echo(line)
        for name, value in outcome.outputs.items():
            typer.echo(f"  {name} = {value}")


@app.command()
def deploy(
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
    out: OutOpt = DEFAULT_OUT,
    auto_approve: AutoApprove = False,
    plan_only: Annotated[
        bool, typer.Option("--plan-only", help="Stop after the plan (saved to OUT/mlinfra.tfplan).")
    ] = False,
    workspace: Annotated[
        str | None, typer.Option("--workspace", help="Terraform workspace (created if missing).")
    ] = None,
    from_plan: Annotated[
        bool,
        typer.Option(
            "--from-plan",
            help="Apply the plan an earlier --plan-only saved in OUT (a pipeline's approved plan): nothing is "
            "rendered or planned again; refused when OUT is not what CONFIG renders.",
        ),
    ] = False,
    terraform: TerraformOpt = None,
) -> None:
    """Render, then terraform init, plan, confirm and apply that plan.

    Exit codes: 0 applied (or nothing to apply, or --plan-only); 1 refused or failed (terraform's own
    exit code when it fails); 2 bad config or options; 4 SageMaker rolled an endpoint update back;
    130/143 interrupted (SIGINT/SIGTERM).
    """
    if from_plan and plan_only:
        from ..errors import UsageError

        raise UsageError("--from-plan applies a saved plan and --plan-only only makes one: pass one of them")
    _terraform_workflow(
        common.config_file(config, config_opt),
        out,
        terraform,
        destroy=False,
        auto_approve=auto_approve,
        plan_only=plan_only,
        workspace=workspace,
        from_plan=from_plan,
    )


@app.command()
def destroy(
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
    out: OutOpt = DEFAULT_OUT,
    auto_approve: AutoApprove = False,
    workspace: Annotated[str | None, typer.Option("--workspace", help="Terraform workspace.")] = None,
    terraform: TerraformOpt = None,
) -> None:
    """Render, then plan the destruction of everything, confirm, and apply it."""
    _terraform_workflow(
        common.config_file(config, config_opt),
        out,
        terraform,
        destroy=True,
        auto_approve=auto_approve,
        plan_only=False,
        workspace=workspace,
    )
