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
import signal
import sys
from pathlib import Path
from typing import Any


def _program(program_dir: str, entry: str):  # type: ignore[no-untyped-def]
    def run() -> None:
        runpy.run_path(str(Path(program_dir) / entry), run_name="__main__")

    return run


def _changes(summary: Any) -> dict[str, int]:
    return {str(getattr(k, "value", k)): int(v) for k, v in (summary or {}).items()}


# The steps the summary counts (a replacement's create-replacement and delete-replaced steps are one "replace").
_COUNTED_STEPS = ("create", "update", "replace", "delete", "same")
_REPLACEMENT_STEPS = {"create-replacement": "replace", "delete-replaced": "replace", "discard": "delete"}


class Seen:
    """What the engine reported as it went, for an operation that fails before its result: its summary event
    (`seen_summary`, sent even when it fails), each finished step's op (`seen_changes`) and each error diagnostic on
    a resource (`diagnostics`: its URN and the provider's words)."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result
        result["seen_changes"] = {}
        result["diagnostics"] = []
        result["steps"] = {}  # URN -> the engine's step for it (a replacement's three steps are one "replace")

    def __call__(self, event: Any) -> None:
        finished = getattr(event, "res_outputs_event", None)
        if finished is not None and finished.metadata is not None:
            op = str(getattr(finished.metadata.op, "value", finished.metadata.op))
            if op in _COUNTED_STEPS:
                self.result["seen_changes"][op] = self.result["seen_changes"].get(op, 0) + 1
            step = _REPLACEMENT_STEPS.get(op, op)
            if self.result["steps"].get(finished.metadata.urn) != "replace":
                self.result["steps"][finished.metadata.urn] = step
        summary = getattr(event, "summary_event", None)
        if summary is not None:  # the engine's own count, sent at the end even of a failed operation
            self.result["seen_summary"] = _changes(summary.resource_changes)
        diagnostic = getattr(event, "diagnostic_event", None)
        if diagnostic is not None and diagnostic.severity == "error" and diagnostic.urn:
            self.result["diagnostics"].append({"urn": diagnostic.urn, "message": diagnostic.message})


def _set_secret(command: str, request: dict[str, Any], key: str, value: str, path: bool) -> None:
    """`pulumi config set --secret` with the value on standard input, never in a process argument (which every local
    user can read); the CLI reads the value from a non-terminal standard input when none is given."""
    import subprocess

    completed = subprocess.run(
        [command, "config", "set", "--secret", "--non-interactive", "--stack", request["stack"],
         *(["--path"] if path else []), key],
        input=value, cwd=request["work_dir"], env={**os.environ, **request["env"]},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"pulumi config set --secret {key} failed: {completed.stderr.strip()}")


def run(request: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """request: work_dir, stack, operation (up|preview|refresh|destroy|outputs|export|set_config), env,
    cli_root, program_dir, entry, config ({key: {value, secret, path}}), target and replace ([urn]),
    continue_on_error (bool). `result` is
    filled as the operation goes, so that a failure keeps what was seen before it."""
    from pulumi import automation as auto

    program_dir = request.get("program_dir") or request["work_dir"]
    sys.path.insert(0, program_dir)
    os.chdir(program_dir)
    command = auto.PulumiCommand(root=request["cli_root"]) if request.get("cli_root") else None
    workspace = auto.LocalWorkspace(
        work_dir=request["work_dir"],
        # Through the language host, the CLI runs the project's program as `pulumi up` does; else inline, here.
        program=None if request.get("through_host") else _program(program_dir, request.get("entry") or "__main__.py"),
        env_vars=request["env"],
        pulumi_home=request["env"].get("PULUMI_HOME"),
        pulumi_command=command,
    )
    operation = request["operation"]
    stack = auto.Stack.create_or_select(request["stack"], workspace)
    for key, setting in (request.get("config") or {}).items():
        if setting.get("secret"):
            _set_secret(
                workspace.pulumi_command.command, request, key, str(setting["value"]), bool(setting.get("path"))
            )
        else:
            stack.set_config(key, auto.ConfigValue(setting["value"]), path=bool(setting.get("path")))
    echo = sys.stderr.write
    seen = Seen(result)
    if operation == "up":
        up = stack.up(
            on_output=echo, on_event=seen, target=request.get("target"), replace=request.get("replace"),
            show_secrets=False, continue_on_error=bool(request.get("continue_on_error")) or None,
        )  # fmt: skip
        result.update(changes=_changes(up.summary.resource_changes), outcome=up.summary.result)
    elif operation == "preview":
        preview = stack.preview(on_output=echo, on_event=seen, diff=True)
        result.update(changes=_changes(preview.change_summary), outcome="succeeded", stdout=preview.stdout)
    elif operation == "refresh":
        refresh = stack.refresh(on_output=echo, on_event=seen, target=request.get("target"), show_secrets=False)
        result.update(changes=_changes(refresh.summary.resource_changes), outcome=refresh.summary.result)
    elif operation == "destroy":
        destroy = stack.destroy(on_output=echo, on_event=seen)
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
    # Which vnet2vnet the program imported (an older release's program must run its own checkout's).
    imported = sys.modules.get("vnet2vnet")
    result["vnet2vnet_imported_from"] = str(getattr(imported, "__file__", "") or "") if imported else ""
    return result


def main(argv: list[str]) -> int:
    # Ctrl-C reaches this process and its CLI together (the rehearsal signals their process group): the CLI cancels
    # gracefully, or stops on the second; this process only waits for it (a KeyboardInterrupt here would close the
    # CLI's pipes and kill it mid-update). A handler, not SIG_IGN, which the CLI and its plugins would inherit.
    signal.signal(signal.SIGINT, lambda *_: None)
    request = json.loads(Path(argv[0]).read_text())
    result: dict[str, Any] = {"operation": request.get("operation")}
    try:
        run(request, result)
    except Exception as error:
        result.update(error=str(error), error_type=type(error).__name__)
    Path(request["result_file"]).write_text(json.dumps(result, default=str))
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
