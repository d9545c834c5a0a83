"""``deploy`` and ``destroy``: render, then terraform init, plan, confirm and apply."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..records import record
from . import common
from .common import DEFAULT_OUT, ConfigArg, ConfigOpt

TerraformOpt = Annotated[
    str | None, typer.Option("--terraform", help="terraform or tofu binary (default: terraform, then tofu, on PATH).")
]
AutoApprove = Annotated[
    bool, typer.Option("--auto-approve", help="Apply without asking (required without a terminal).")
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Rendered Terraform folder (the working directory).")]

ParallelismOpt = Annotated[
    int,
    typer.Option(
        "--parallelism",
        min=1,
        help="Split stacks: how many stacks terraform runs on at once (those that need nothing of each other).",
    ),
]

app = typer.Typer()  # merged into mlinfra's own commands


@record
class StacksOptions:
    only: tuple[str, ...] = ()
    all_stacks: bool = False
    parallelism: int = 4
    plan_only: bool = False
    auto_approve: bool = False
    from_plan: bool = False


def _stacks_workflow(
    rendered, out: Path, binary: str, clients, opts: StacksOptions, *, destroy: bool, workspace
) -> None:
    """A split tree: every stack's workflow, in dependency order, side by side where they can (ops.stacks)."""
    import threading

    from ..ops import stacks as ops_stacks
    from ..ops.rollout import Rollout, describe_kept
    from ..ops.terraform import interrupt_running
    from ..pipeline import applied_record, record_applied

    only = ops_stacks.select(rendered.stacks, opts.only)
    rollouts: list[Rollout] = []
    lock = threading.Lock()
    verb = "Destroy" if destroy else "Apply"

    def confirm(stack):
        if not sys.stdin.isatty():
            return None
        return lambda summary: typer.confirm(f"{verb} stack {stack.name}'s plan ({summary})?", default=False)

    def watch(stack, emit):
        # One Rollout per stack: it keeps the plan it saw between before() and after().
        rollout = Rollout(clients, common.clock(), report=emit)
        with lock:
            rollouts.append(rollout)
        return rollout

    options = ops_stacks.Options(
        destroy=destroy,
        plan_only=opts.plan_only,
        auto_approve=opts.auto_approve,
        workspace=workspace,
        saved=opts.from_plan,
        only=only,
        all_stacks=opts.all_stacks,
        parallelism=opts.parallelism,
    )
    with common.interruptible():
        outcome = ops_stacks.run_stacks(
            out,
            rendered.stacks,
            rendered.files,
            binary=binary,
            runner=common.terraform_runner,
            options=options,
            report=typer.echo,
            confirm=confirm,
            watch=watch,
            interrupt=interrupt_running,
        )
    typer.echo("")
    for line in ops_stacks.table(outcome):
        typer.echo(line)
    for line in describe_kept(k for r in rollouts for k in r.kept):
        typer.echo(line)
    for r in outcome.results:
        for name, value in r.outputs.items():
            typer.echo(f"  {r.name}.{name} = {value}")
    if destroy:
        if outcome.ok:
            (out / applied_record(workspace)).unlink(missing_ok=True)
    elif outcome.complete:  # every stack runs what was rendered: the record of the platform follows
        record_applied(out, rendered, workspace)
    error = outcome.error("destroy" if destroy else "deploy")
    if error is not None:
        raise error


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
    stacks: StacksOptions | None = None,
) -> None:
    from ..ops.rollout import Rollout, describe_kept
    from ..ops.terraform import PLAN_FILE, Terraform, find_terraform, run_workflow
    from ..pipeline import applied_record, changes_since, record_applied, render_project
    from ..write import write_tree

    stacks = stacks or StacksOptions()
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
        split = f"{len(rendered.stacks)} stacks, " if rendered.stacks else ""
        typer.echo(f"rendered {out}: {split}{rendered.modules} modules, {rendered.resources} resources")
    for change in changes:
        typer.echo(f"  {change}")
    if rendered.stacks:
        _stacks_workflow(rendered, out, binary, clients, stacks, destroy=destroy, workspace=workspace)
        return
    if stacks.only or stacks.all_stacks:
        from ..errors import UsageError

        raise UsageError(f"{config} renders one root module, not stacks: --stack and --all-stacks do not apply")
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
    stack: Annotated[
        list[str] | None,
        typer.Option(
            "--stack",
            help="Split stacks: plan only this stack (repeatable), changed or not; the others are left alone.",
        ),
    ] = None,
    all_stacks: Annotated[
        bool,
        typer.Option(
            "--all-stacks",
            help="Split stacks: plan every stack, also those unchanged since their last apply (a drift check).",
        ),
    ] = False,
    parallelism: ParallelismOpt = 4,
) -> None:
    """Render, then terraform init, plan, confirm and apply that plan.

    A config rendered as split stacks (one root module per stack, OUT/<stack>/) is deployed stack by
    stack: a stack after every stack it needs, independent stacks side by side (--parallelism), only the
    stacks changed since their last apply (or those named by --stack, or all with --all-stacks); a failed
    stack's dependents are not run, and the others finish.

    Exit codes: 0 applied (or nothing to apply, or --plan-only); 1 refused or failed (terraform's own
    exit code when it fails); 2 bad config or options; 4 SageMaker rolled an endpoint update back;
    130/143 interrupted (SIGINT/SIGTERM).
    """
    from ..errors import UsageError

    if from_plan and plan_only:
        raise UsageError("--from-plan applies a saved plan and --plan-only only makes one: pass one of them")
    if stack and all_stacks:
        raise UsageError("--stack plans the stacks named and --all-stacks every stack: pass one of them")
    _terraform_workflow(
        common.config_file(config, config_opt),
        out,
        terraform,
        destroy=False,
        auto_approve=auto_approve,
        plan_only=plan_only,
        workspace=workspace,
        from_plan=from_plan,
        stacks=StacksOptions(
            only=tuple(stack or ()),
            all_stacks=all_stacks,
            parallelism=parallelism,
            plan_only=plan_only,
            auto_approve=auto_approve,
            from_plan=from_plan,
        ),
    )


@app.command()
def destroy(
    config: ConfigArg = None,
    config_opt: ConfigOpt = None,
    out: OutOpt = DEFAULT_OUT,
    auto_approve: AutoApprove = False,
    workspace: Annotated[str | None, typer.Option("--workspace", help="Terraform workspace.")] = None,
    terraform: TerraformOpt = None,
    parallelism: ParallelismOpt = 4,
) -> None:
    """Render, then plan the destruction of everything, confirm, and apply it.

    Split stacks are destroyed in reverse order: a stack once every stack that needs it is gone."""
    _terraform_workflow(
        common.config_file(config, config_opt),
        out,
        terraform,
        destroy=True,
        auto_approve=auto_approve,
        plan_only=False,
        workspace=workspace,
        stacks=StacksOptions(parallelism=parallelism, auto_approve=auto_approve),
    )
