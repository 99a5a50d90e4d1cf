"""`python -m vnet2vnet` (or `vnet2vnet` once installed): offline planning of the project's stacks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from vnet2vnet.checks import stack_findings
from vnet2vnet.engine import ConfigFileError, ProgramError, load_stack_config, run_stack
from vnet2vnet.findings import RenderedFinding, format_findings
from vnet2vnet.render import render_text

EXIT_OK = 0
EXIT_INVALID_CONFIG = 1
EXIT_PROGRAM_FAILED = 1
EXIT_USAGE = 2


def _project_dir(value: str) -> Path:
    path = Path(value).resolve()
    if not (path / "Pulumi.yaml").exists():
        raise argparse.ArgumentTypeError(f"{path} has no Pulumi.yaml")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vnet2vnet", description="Plan Azure VNet-to-VNet stacks offline, before a 45-minute deployment."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("plan", help="show what a stack would build, without any cloud account")
    plan.add_argument("--stack", "-s", default="dev", help="stack name (reads Pulumi.<stack>.yaml); default dev")
    plan.add_argument(
        "--project-dir",
        type=_project_dir,
        default=Path.cwd(),
        help="directory holding Pulumi.yaml (default: the current directory)",
    )
    return parser


def stack_config_findings(project_dir: Path, stack: str) -> list[RenderedFinding]:
    """The validation pass over the stack config, as `pulumi up` would run it, without running the program."""
    project, config = load_stack_config(project_dir, stack)
    prefix = f"{project}:"
    raw = {key[len(prefix) :]: value for key, value in config.values.items() if key.startswith(prefix)}
    _, findings = stack_findings(raw)
    return [finding.rendered("config") for finding in findings]


def plan_command(args: argparse.Namespace) -> int:
    try:
        findings = stack_config_findings(args.project_dir, args.stack)
        if any(finding.severity == "error" for finding in findings):
            errors = sum(finding.severity == "error" for finding in findings)
            print(
                f"Stack '{args.stack}': {errors} error(s) in the configuration; nothing was planned.\n", file=sys.stderr
            )
            print(format_findings(findings), file=sys.stderr)
            return EXIT_INVALID_CONFIG
        plan = run_stack(args.project_dir, args.stack)
    except ConfigFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProgramError as exc:
        print(f"error: the program failed for stack '{args.stack}':\n{exc}", file=sys.stderr)
        return EXIT_PROGRAM_FAILED
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    shown = {str(finding) for finding in findings}
    for message in plan.diagnostics:
        if message not in shown:
            print(f"program: {message}", file=sys.stderr)
    print(render_text(plan, findings))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "plan":
            return plan_command(args)
    except BrokenPipeError:  # `plan | head`: the reader left, nothing more to say
        sys.stderr.close()
        return EXIT_OK
    return EXIT_USAGE  # argparse rejects unknown commands before this


if __name__ == "__main__":
    sys.exit(main())
