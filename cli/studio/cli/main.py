"""Entry point of the `studio` console script."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated

import typer

from studio.cli import commands
from studio.cli.state import CliState

app = typer.Typer(
    name="studio",
    help="Media Studio: self-hosted AI media production.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    server: Annotated[
        str, typer.Option(envvar="STUDIO_SERVER", help="Gateway URL; without it commands run embedded")
    ] = "",
    key: Annotated[str, typer.Option(envvar="STUDIO_API_KEY", help="API key for --server")] = "",
) -> None:
    """Media Studio: self-hosted AI media production."""
    ctx.obj = CliState(server=server.rstrip("/"), key=key)


def _register_commands() -> None:
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands()


def run() -> None:
    app()


if __name__ == "__main__":
    run()
