"""`python -m vnet2vnet` (or `vnet2vnet` once installed): offline planning of the project's stacks."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from vnet2vnet.checks import stack_findings
from vnet2vnet.diagram import render_mermaid
from vnet2vnet.engine import ConfigFileError, ProgramError, RecordedResource, load_stack_config, run_stack
from vnet2vnet.findings import RenderedFinding, format_findings
from vnet2vnet.operations import Operator, PulumiCliMissingError
from vnet2vnet.render import plan_document, render_text
from vnet2vnet.report import connection_rounds_of, gateway_capacity, plan_schedule
from vnet2vnet.spec import TopologySpec
from vnet2vnet.spec_check import check_plan, defect_findings

EXIT_OK = 0
EXIT_INVALID_CONFIG = 1
EXIT_PROGRAM_FAILED = 1
EXIT_USAGE = 2
EXIT_NO_CLI = 3


def _project_dir(value: str) -> Path:
    path = Path(value).resolve()
    if not (path / "Pulumi.yaml").exists():
        raise argparse.ArgumentTypeError(f"{path} has no Pulumi.yaml")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vnet2vnet", description="Plan, deploy and verify Azure VNet-to-VNet stacks; every command checks first."
    )
    stack_args = argparse.ArgumentParser(add_help=False)
    stack_args.add_argument("--stack", "-s", default="dev", help="stack name (reads Pulumi.<stack>.yaml); default dev")
    stack_args.add_argument(
        "--project-dir",
        type=_project_dir,
        default=Path.cwd(),
        help="directory holding Pulumi.yaml (default: the current directory)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("plan", parents=[stack_args], help="show what a stack would build, offline")
    plan.add_argument(
        "--format",
        choices=("text", "json", "mermaid"),
        default="text",
        help="text (default): tree, findings, schedule, capacity; json: one document; mermaid: topology diagram",
    )
    plan.add_argument("--json", action="store_const", const="json", dest="format", help="same as --format json")
    commands.add_parser("preview", parents=[stack_args], help="pulumi preview through the Automation API")
    commands.add_parser("up", parents=[stack_args], help="deploy the stack (pulumi up)")
    commands.add_parser("refresh", parents=[stack_args], help="read the stack's real state from Azure")
    destroy = commands.add_parser("destroy", parents=[stack_args], help="delete every resource of the stack")
    destroy.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    commands.add_parser("outputs", parents=[stack_args], help="print the stack outputs as JSON (secrets masked)")
    verify = commands.add_parser(
        "verify", parents=[stack_args], help="refresh and wait until every connection is Connected"
    )
    verify.add_argument("--timeout", type=float, default=900, help="seconds to wait for Connected (default 900)")
    verify.add_argument("--interval", type=float, default=30, help="seconds between checks (default 30)")
    return parser


def stack_config_findings(project_dir: Path, stack: str) -> tuple[TopologySpec | None, list[RenderedFinding]]:
    """The validation pass over the stack config, as `pulumi up` would run it, without running the program."""
    project, config = load_stack_config(project_dir, stack)
    prefix = f"{project}:"
    raw = {key[len(prefix) :]: value for key, value in config.values.items() if key.startswith(prefix)}
    topology, findings = stack_findings(raw, project)
    return topology, [finding.rendered("config") for finding in findings]


class Progress:
    """A resource counter on stderr, shown only once a plan takes longer than `after` seconds."""

    def __init__(self, after: float = 1.5, every: float = 1.0) -> None:
        self.started = time.monotonic()
        self.after, self.every = after, every
        self.last_shown = 0.0
        self.count = 0
        self.shown = False
        self.interactive = sys.stderr.isatty()

    def __call__(self, _: RecordedResource) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.started < self.after or now - self.last_shown < self.every:
            return
        self.last_shown, self.shown = now, True
        message = f"plan: {self.count} resource(s) registered ({now - self.started:.0f}s)"
        print(f"\r{message}" if self.interactive else message, end="" if self.interactive else "\n", file=sys.stderr)

    def done(self) -> None:
        if self.shown:
            total = f"plan: {self.count} resource(s) registered ({time.monotonic() - self.started:.0f}s)"
            print(f"\r{total}" if self.interactive else total, file=sys.stderr)


def plan_command(args: argparse.Namespace) -> int:
    progress = Progress()
    try:
        topology, findings = stack_config_findings(args.project_dir, args.stack)
        if any(finding.severity == "error" for finding in findings):
            errors = sum(finding.severity == "error" for finding in findings)
            print(
                f"Stack '{args.stack}': {errors} error(s) in the configuration; nothing was planned.\n", file=sys.stderr
            )
            print(format_findings(findings), file=sys.stderr)
            return EXIT_INVALID_CONFIG
        plan = run_stack(args.project_dir, args.stack, on_register=progress)
    except ConfigFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProgramError as exc:
        print(f"error: the program failed for stack '{args.stack}':\n{exc}", file=sys.stderr)
        return EXIT_PROGRAM_FAILED
    finally:
        progress.done()
    assert topology is not None
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    shown = {str(finding) for finding in findings}
    for message in plan.diagnostics:
        if message not in shown:
            print(f"program: {message}", file=sys.stderr)
    if args.format == "mermaid":
        print(render_mermaid(plan))
        return EXIT_OK
    schedule = plan_schedule(plan)
    capacity = gateway_capacity(topology)
    rounds = connection_rounds_of(plan)
    spec_check = check_plan(plan.resources, args.project_dir)
    findings = [*findings, *defect_findings(spec_check)]
    if args.format == "json":
        document = plan_document(plan, findings, schedule, capacity, rounds)
        document["spec_check"] = spec_check.as_dict()
        print(json.dumps(document, indent=2))
    else:
        print(render_text(plan, findings, schedule, capacity, rounds))
        print(spec_check.summary())
    return EXIT_PROGRAM_FAILED if spec_check.violations else EXIT_OK


def _ask(prompt: str) -> str:
    if not sys.stdin or not sys.stdin.isatty():
        return ""  # unattended: never assume a yes
    try:
        return input(prompt)
    except EOFError:
        return ""


def operation_command(args: argparse.Namespace) -> int:
    """preview, up, refresh, destroy, outputs and verify: check the config, then drive the Pulumi CLI."""
    try:
        _, findings = stack_config_findings(args.project_dir, args.stack)
    except ConfigFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if any(finding.severity == "error" for finding in findings):
        print(f"Stack '{args.stack}': errors in the configuration; nothing was sent to Azure.\n", file=sys.stderr)
        print(format_findings(findings), file=sys.stderr)
        return EXIT_INVALID_CONFIG
    for finding in findings:
        print(str(finding), file=sys.stderr)
    from pulumi.automation import errors as auto_errors

    from vnet2vnet.operations import MissingStackError, cli_error_lines

    operator = Operator(args.project_dir, args.stack)
    try:
        if args.command == "preview":
            return operator.preview()
        if args.command == "up":
            return operator.up()
        if args.command == "refresh":
            return operator.refresh()
        if args.command == "destroy":
            return operator.destroy(confirmed=args.yes, ask=_ask)
        if args.command == "outputs":
            print(json.dumps(operator.outputs(), indent=2, sort_keys=True))
            return EXIT_OK
        return operator.verify(timeout=args.timeout, interval=args.interval)
    except PulumiCliMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_CLI
    except MissingStackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except auto_errors.CommandError as exc:
        # The CLI's own text (login, passphrase, missing plugin) is the useful part; a traceback is not.
        print(f"error: the Pulumi CLI failed during `vnet2vnet {args.command} --stack {args.stack}`:", file=sys.stderr)
        for line in cli_error_lines(exc):
            print(f"  {line}", file=sys.stderr)
        return EXIT_PROGRAM_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "plan":
            return plan_command(args)
        return operation_command(args)
    except BrokenPipeError:  # `plan | head`: the reader left, nothing more to say
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
