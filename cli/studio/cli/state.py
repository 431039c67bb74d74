"""Options given before the command (`studio --server URL --key KEY <command>`)."""

from __future__ import annotations

from dataclasses import dataclass

import typer


@dataclass
class CliState:
    #: Gateway URL; empty = embedded mode (services in-process, no servers).
    server: str = ""
    key: str = ""


def cli_state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
