"""The one place where the library's typed errors become messages and exit codes.

Every command runs inside :func:`library_errors` (the root group's ``invoke`` is wrapped by :class:`Group`):
a :class:`~mlinfra.errors.MlinfraError` prints ``error: ...`` on stderr (a :class:`~mlinfra.errors.ConfigError`
one line per problem) and exits with the error's ``exit_code``, without a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from ..errors import MlinfraError


def fail(exc: MlinfraError) -> NoReturn:
    """Print a library error (every problem on its own line) and exit with its code."""
    from ..errors import ConfigError

    lines = [str(p) for p in exc.problems] if isinstance(exc, ConfigError) else [str(exc)]
    for line in lines:
        typer.secho(f"error: {line}", fg=typer.colors.RED, err=True)
    raise typer.Exit(exc.exit_code)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn a :class:`~mlinfra.errors.MlinfraError` raised inside into its message and exit code."""
    from ..errors import MlinfraError  # here, not at import: `mlinfra --help` runs no command

    try:
        yield
    except MlinfraError as exc:
        fail(exc)


class Group(TyperGroup):
    """The ``mlinfra`` command group: every command (and every command of its sub-groups) runs inside
    :func:`library_errors`."""

    def invoke(self, ctx: Any) -> Any:
        with library_errors():
            return super().invoke(ctx)
