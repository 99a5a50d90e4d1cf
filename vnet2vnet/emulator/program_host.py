"""Runs one Automation API operation of a project's real program through the real CLI, in a process of its own.

The Python language host (pulumi-language-python) cannot be built from the Go module proxy, so the program runs
as an Automation API inline program: this process hosts the language runtime, the CLI loads the project's
`Pulumi.yaml` and `Pulumi.<stack>.yaml` from the work dir and validates them as `pulumi up` does. One process per
operation keeps every run of the program as fresh as `pulumi up` makes it (module state, name registries).

It imports nothing from vnet2vnet, so it also runs an older release's program (its checkout first on sys.path).
Usage: python program_host.py REQUEST.json  (the request and the result are JSON; see `run`).
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any


def _program(program_dir: str, entry: str):  # type: ignore[no-untyped-def]
    def run() -> None:
        runpy.run_path(str(Path(program_dir) / entry), run_name="__main__")

    return run


def _changes(summary: Any) -> dict[str, int]:
    return {str(getattr(k, "value", k)): int(v) for k, v in (summary or {}).items()}


def run(request: dict[str, Any]) -> dict[str, Any]:
    """request: work_dir, stack, operation (up|preview|refresh|destroy|outputs|export|set_config), env,
    cli_root, program_dir, entry, config ({key: {value, secret, path}}), target and replace ([urn])."""
    from pulumi import automation as auto

    program_dir = request.get("program_dir") or request["work_dir"]
    sys.path.insert(0, program_dir)
    os.chdir(program_dir)
    command = auto.PulumiCommand(root=request["cli_root"]) if request.get("cli_root") else None
    workspace = auto.LocalWorkspace(
        work_dir=request["work_dir"],
        program=_program(program_dir, request.get("entry") or "__main__.py"),
        env_vars=request["env"],
        pulumi_home=request["env"].get("PULUMI_HOME"),
        pulumi_command=command,
    )
    operation = request["operation"]
    stack = auto.Stack.create_or_select(request["stack"], workspace)
    for key, setting in (request.get("config") or {}).items():
        stack.set_config(
            key, auto.ConfigValue(setting["value"], secret=bool(setting.get("secret"))), path=bool(setting.get("path"))
        )
    echo = sys.stderr.write
    result: dict[str, Any] = {"operation": operation}
    if operation == "up":
        up = stack.up(on_output=echo, target=request.get("target"), replace=request.get("replace"), show_secrets=False)
        result.update(changes=_changes(up.summary.resource_changes), outcome=up.summary.result)
    elif operation == "preview":
        preview = stack.preview(on_output=echo, diff=True)
        result.update(changes=_changes(preview.change_summary), outcome="succeeded", stdout=preview.stdout)
    elif operation == "refresh":
        refresh = stack.refresh(on_output=echo, target=request.get("target"), show_secrets=False)
        result.update(changes=_changes(refresh.summary.resource_changes), outcome=refresh.summary.result)
    elif operation == "destroy":
        destroy = stack.destroy(on_output=echo)
        result.update(changes=_changes(destroy.summary.resource_changes), outcome=destroy.summary.result)
    elif operation == "outputs":
        result["outputs"] = {k: ("[secret]" if v.secret else v.value) for k, v in stack.outputs().items()}
    elif operation == "unprotect":
        workspace.pulumi_command.run(
            ["state", "unprotect", "--all", "--yes", "--stack", request["stack"]], request["work_dir"], request["env"]
        )
    elif operation != "select":
        raise SystemExit(f"unknown operation {operation}")
    result["deployment"] = stack.export_stack().deployment
    return result


def main(argv: list[str]) -> int:
    request = json.loads(Path(argv[0]).read_text())
    try:
        result = run(request)
    except Exception as error:
        result = {"operation": request.get("operation"), "error": str(error), "error_type": type(error).__name__}
    Path(request["result_file"]).write_text(json.dumps(result, default=str))
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
