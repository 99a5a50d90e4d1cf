"""`python -m vnet2vnet` (or `vnet2vnet` once installed): offline planning of the project's stacks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from vnet2vnet.engine import ConfigFileError, ProgramError, run_stack
from vnet2vnet.render import render_text

EXIT_OK = 0
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


def plan_command(args: argparse.Namespace) -> int:
    try:
        plan = run_stack(args.project_dir, args.stack)
    except ConfigFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProgramError as exc:
        print(f"error: the program failed for stack '{args.stack}':\n{exc}", file=sys.stderr)
        return EXIT_PROGRAM_FAILED
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(render_text(plan))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "plan":
        return plan_command(args)
    return EXIT_USAGE  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
