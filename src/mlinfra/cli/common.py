"""What the command modules share: the common options, and the library seams (config loading with its
warnings printed, the endpoint a command acts on, AWS clients, the clock).

Library modules are imported inside the functions, so ``mlinfra --help`` stays fast, and only commands
that talk to AWS ever import boto3. Tests replace :func:`clients` and :func:`clock`: commands call them
through this module (``common.clients(...)``).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_CONFIG = Path("mlinfra.yaml")
# Every command that reads a config names it the same way: CONFIG, the positional argument (after the
# command's own, as in `models approve VERSION [CONFIG]`), or its alias -c/--config; neither means
# mlinfra.yaml in the current folder. `config_file` merges the pair.
ConfigArg = Annotated[
    Path | None,
    typer.Argument(help="Platform config file [default: mlinfra.yaml in the current folder].", show_default=False),
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="The config file, as an option (as CONFIG).")]
DEFAULT_OUT = Path("build/terraform")
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="AWS profile (default: AWS_PROFILE).")]
RegionOpt = Annotated[
    str | None,
    typer.Option("--region", help="AWS region (default: the config's region; without a config, AWS_REGION)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def config_file(config: Path | None, config_opt: Path | None) -> Path:
    """CONFIG or -c/--config, else mlinfra.yaml in the current folder."""
    return _given(config, config_opt) or DEFAULT_CONFIG


def optional_config_file(config: Path | None, config_opt: Path | None, endpoint: str | None) -> Path | None:
    """For commands that can also act on an endpoint by its SageMaker name alone: CONFIG or -c/--config;
    neither, and no --endpoint, means mlinfra.yaml when the current folder has one; --endpoint without a
    config names the SageMaker endpoint, as before."""
    given = _given(config, config_opt)
    if given is not None or endpoint:
        return given
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def _given(config: Path | None, config_opt: Path | None) -> Path | None:
    if config is not None and config_opt is not None and config != config_opt:
        from ..errors import UsageError

        raise UsageError(f"two config files given, {config} and --config {config_opt}: name one")
    return config or config_opt


def load_config(config: Path):  # -> PlatformConfig, imported lazily
    """Load a config; print what was read in a forgiving way (yellow, on stderr), also when it fails."""
    from ..pipeline import load_config

    return warning(load_config, config)


def resolve(config: Path | None, *args, **kwargs):  # -> ops.target.Target
    """The endpoint a command acts on (ops.target.resolve), with the config's warnings printed."""
    from ..ops.target import resolve

    return warning(resolve, config, *args, **kwargs)


def warning(load, *args, **kwargs):
    """``load(*args, warnings=sink, **kwargs)``, then every warning of the sink printed (also when it raised)."""
    warnings: list = []
    try:
        return load(*args, warnings=warnings, **kwargs)
    finally:
        for w in warnings:
            typer.secho(f"warning: {w}", fg=typer.colors.YELLOW, err=True)


def clients(profile: str | None, region: str | None):  # -> Clients, imported lazily
    from ..ops.aws import AwsOptions, Clients

    return Clients(AwsOptions(profile=profile, region=region))


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that a command stops the same way (ops.guarded.signal_of reads signum)."""

    signum = 15


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise in the command, whose library code says what it left live (ops.guarded.Interrupted);
    SIGTERM would otherwise end the process with no word."""
    import signal

    def terminated(signum, frame):
        raise Terminated()

    old_term = signal.signal(signal.SIGTERM, terminated)
    old_int = signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int)


def terraform_runner(emit=None):  # -> ops.terraform.Runner
    """The subprocess runner terraform runs through; ``emit`` (stacks deployed side by side): its shown
    output goes there line by line instead of the terminal."""
    import functools

    from ..ops.terraform import stream_runner

    return stream_runner if emit is None else functools.partial(stream_runner, emit=emit)


def clock():
    from ..ops.endpoint import SystemClock

    return SystemClock()


def num(value: object) -> str:
    return "-" if value is None else f"{value:g}"


def count(value: object) -> str:
    """An instance or copy count; SageMaker leaves CurrentInstanceCount/DesiredInstanceCount out while a
    variant is being created or updated (and for serverless variants): that reads "unknown", not "None"."""
    return "unknown" if value is None else str(value)
