"""`python -m vnet2vnet` (or `vnet2vnet` once installed): offline planning of the project's stacks, and the
Pulumi operations on them.

Only argparse and the findings module are imported up front: `--help` and `--version` must not pay for the
Pulumi SDKs, so each command imports what it needs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import re
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnet2vnet import __version__
from vnet2vnet.distributions import EXIT_NOT_INSTALLED, REHEARSE, missing_line
from vnet2vnet.findings import CONFIG_NAMESPACE, RenderedFinding, format_findings

if TYPE_CHECKING:
    from vnet2vnet.network import ResolvedNetwork
    from vnet2vnet.plan_model import RecordedResource

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INVALID_CONFIG = EXIT_FINDINGS
EXIT_PROGRAM_FAILED = EXIT_FINDINGS
EXIT_USAGE = 2
EXIT_NO_CLI = EXIT_NOT_INSTALLED
EXIT_INTERRUPTED = 130

EXIT_CODES = """\
exit codes:
  0    success; warnings alone do not fail (verify: every connection is Connected; with
       --evidence, every evidence check passed; recover: unlocked, nothing pending)
  1    findings: errors in the stack config or in the planned requests; or an operation failed
       (program error, Pulumi CLI error, verify timed out, an evidence check failed or could not
       be verified, destroy not confirmed or blocked, a rehearsal check failed; recover:
       something is still being built, or the stack stays locked)
  2    usage or file error: bad arguments, not a vnet2vnet project, stack file missing or
       malformed, stack not found in the backend
  3    a prerequisite is missing: no Pulumi CLI found (preview, up, refresh, destroy, outputs,
       verify, rehearse, adopt, recover), or rehearse without vnet2vnet-rehearse installed
  130  interrupted (Ctrl-C): once, the CLI cancels and what was in flight finishes; twice, it
       stops at once (then run `vnet2vnet recover`)
"""

_IMPORTS_VNET2VNET = re.compile(r"^\s*(?:from|import)\s+vnet2vnet\b", re.MULTILINE)


class NotAProjectError(Exception):
    """The project directory is not a vnet2vnet project; the message says why and what to do instead."""

    fix = "run it from the project directory or pass --project-dir"

    def __init__(self, project_dir: Path, reason: str, project: str = "") -> None:
        self.project_dir, self.project = project_dir, project
        self.problem = f"{project_dir} is not a vnet2vnet project ({reason})"
        super().__init__(f"{self.problem}; {self.fix}")


def _declares_vnet2vnet(manifest: dict[str, Any]) -> bool:
    name = manifest.get("name")
    config = manifest.get("config")
    keys = [str(key) for key in config] if isinstance(config, dict) else []
    return name == CONFIG_NAMESPACE or any(key.startswith(f"{CONFIG_NAMESPACE}:") for key in keys)


def require_project(project_dir: Path) -> None:
    """Raise NotAProjectError unless `project_dir` holds a Python Pulumi project that uses vnet2vnet: named
    vnet2vnet, or declaring `vnet2vnet:` config keys, or with a `__main__.py` that imports vnet2vnet. Without this,
    another project's directory would only get "vnet2vnet:vnets: is required"."""
    from vnet2vnet.stack_files import ConfigFileError, read_yaml_file

    manifest_file = project_dir / "Pulumi.yaml"
    if not manifest_file.is_file():
        raise NotAProjectError(project_dir, "no Pulumi.yaml")
    try:
        # The one strict reader the config loader uses too: another parser would disagree with it (and crash).
        manifest = read_yaml_file(manifest_file).document
    except (OSError, ConfigFileError):
        return  # a broken Pulumi.yaml is a file error, which the config loader reports with its own message
    if not isinstance(manifest, dict):
        return
    runtime = manifest.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    project = str(manifest.get("name", ""))
    if runtime_name != "python":
        raise NotAProjectError(
            project_dir, f"its Pulumi.yaml is project {project!r} with runtime {runtime_name!r}", project
        )
    if _declares_vnet2vnet(manifest):
        return
    program = project_dir / "__main__.py"
    if program.is_file() and _IMPORTS_VNET2VNET.search(program.read_text(errors="replace")):
        return
    raise NotAProjectError(
        project_dir,
        f"its Pulumi.yaml is project {project!r}, declares no {CONFIG_NAMESPACE}: config keys, and "
        f"{'its __main__.py does not import vnet2vnet' if program.is_file() else 'there is no __main__.py'}",
        project,
    )


# What the Pulumi CLI accepts as a stack name (sdk/go/common/tokens/stack_name.go ParseStackName, v3.274.1).
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def _stack_name(value: str) -> str:
    if STACK_NAME.fullmatch(value):
        return value
    if len(value) > 100:
        raise argparse.ArgumentTypeError(f"a stack name cannot exceed 100 characters ({len(value)} given)")
    wrong = next((c for c in value if not re.fullmatch(r"[A-Za-z0-9_.-]", c)), "")
    raise argparse.ArgumentTypeError(
        f"{value[:40]!r} is not a stack name: letters, digits, '-', '_' and '.' only"
        + (f" ({wrong!r} is not one; give the stack's name alone, without organization/project)" if wrong else "")
    )


def _seconds(value: str) -> float:
    """A duration in seconds: finite and not negative (nan and inf would never end a wait, or end it at once)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds (finite, 0 or more)")
    return number


def _clock_scale(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not math.isfinite(number) or not 0 < number <= 1:
        raise argparse.ArgumentTypeError("must be above 0 and at most 1 (real seconds per emulated second)")
    return number


def _directory(value: str) -> Path:
    return Path(value).resolve()


def _report_directory(value: str) -> Path:
    """A directory for a report: an empty argument would write into the current directory unasked."""
    if not value.strip():
        raise argparse.ArgumentTypeError("give the directory to write the report in, e.g. --evidence evidence/")
    return Path(value)


def build_parser() -> argparse.ArgumentParser:
    from vnet2vnet.project_copy import MAX_COPY_BYTES, MAX_COPY_FILES

    parser = argparse.ArgumentParser(
        prog="vnet2vnet",
        description="Plan, deploy and verify Azure VNet-to-VNet stacks; every command checks the stack config first.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vnet2vnet {__version__}")
    stack_args = argparse.ArgumentParser(add_help=False)
    stack_args.add_argument(
        "--stack",
        "-s",
        default="dev",
        type=_stack_name,
        help="stack name (reads Pulumi.<stack>.yaml): letters, digits, '-', '_', '.', at most 100; default dev",
    )
    stack_args.add_argument(
        "--project-dir",
        metavar="DIR",
        type=_directory,
        default=".",
        help="the vnet2vnet project directory, holding Pulumi.yaml (default: the current directory)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            parents=[stack_args],
            help=summary,
            description=textwrap.fill(description, 88),  # the raw formatter keeps the epilog's table as written
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    plan = command(
        "plan",
        "show what a stack would build, offline",
        "Check the stack config, then run the program on Pulumi's mock runtime (no cloud account, nothing "
        "deployed) and print the findings, the resource tree, the outputs, the deployment schedule, the gateway "
        "capacity and the check against Azure's API spec. In --json mode stdout is always one JSON document, "
        "errors included.",
    )
    plan.add_argument(
        "--format",
        choices=("text", "json", "mermaid"),
        default="text",
        help="text (default): tree, findings, schedule, capacity; json: one document; mermaid: topology diagram "
        "(findings on stderr)",
    )
    plan.add_argument("--json", action="store_const", const="json", dest="format", help="same as --format json")
    plan.add_argument(
        "--against",
        metavar="STATE.json",
        type=Path,
        help="the deployed stack's state (`pulumi stack export`): forecast what each change interrupts (--json "
        "`disruptions`) and warn about keys older than connection.maxKeyAgeDays",
    )
    plan.add_argument(
        "--seed",
        metavar="FILE",
        type=Path,
        help="what already exists (a seed file's resources, the emulator's format): existing VNets and gateways "
        "are read from it",
    )
    command(
        "preview",
        "pulumi preview through the Automation API",
        "Check the stack config, then run `pulumi preview` (creating the stack if needed) and print the change "
        "summary. Needs the Pulumi CLI.",
    )
    command(
        "up",
        "deploy the stack (pulumi up)",
        "Check the stack config, then run `pulumi up` (creating the stack if needed) and print what was created, "
        "updated and deleted. Needs the Pulumi CLI and Azure credentials.",
    )
    command(
        "refresh",
        "read the stack's real state from Azure",
        "Check the stack config, then run `pulumi refresh` on an existing stack.",
    )
    destroy = command(
        "destroy",
        "delete every resource of the stack",
        "Delete every resource of an existing stack, after you type its name (or with --yes). Protected gateways "
        "stop it with the steps to unprotect them.",
    )
    destroy.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    command(
        "outputs",
        "print the stack outputs as JSON (secrets masked)",
        'Print the outputs of an existing stack as one JSON object; secrets are shown as "[secret]".',
    )
    verify = command(
        "verify",
        "refresh and wait until every connection is Connected",
        "Refresh the stack's connections until every one reports Connected or the timeout passes; print their "
        "status and, if some are not Connected, what to check.",
    )
    verify.add_argument("--timeout", type=_seconds, default=900, help="seconds to wait for Connected (default 900)")
    verify.add_argument(
        "--interval",
        type=_seconds,
        default=30,
        help="seconds between checks, and between the two reads of the byte counters with --evidence (default 30)",
    )
    verify.add_argument(
        "--evidence",
        type=_report_directory,
        metavar="DIR",
        help="then read what each connection negotiated (IKE/IPsec SAs), its byte counters, key match and, with "
        "BGP, peers and learned routes, check them against the config, and write DIR/evidence.json and "
        "DIR/evidence.md",
    )
    adopt = command(
        "adopt",
        "bring a hand-built pair or mesh under the stack, without rebuilding it",
        "Write a Pulumi import file (for `pulumi import --file FILE --generate-code=false`) that brings the "
        "existing resources named in --ids under the stack with the URNs the program gives them, and set the key "
        "the existing connections share as the stack's secret key, so that the first `pulumi up` after the "
        "import rebuilds nothing. Needs the Pulumi CLI and read access to the connections.",
    )
    adopt.add_argument(
        "--ids",
        metavar="FILE",
        type=Path,
        required=True,
        help='JSON object from this stack\'s resource names to Azure resource IDs: {"vnet2vnet-east-vnet": '
        '"/subscriptions/.../virtualNetworks/east", ...}',
    )
    adopt.add_argument(
        "--out", metavar="FILE", type=Path, help="where to write the import file (default adopt-<stack>.json)"
    )
    recover = command(
        "recover",
        "unlock a stack and resolve what an interrupted up left pending",
        "After `up` was interrupted (killed, a CI timeout, a second Ctrl-C): remove the stack's stale lock (taken on "
        "this machine by a process that no longer runs; any other lock only after you confirm, or with --yes), then "
        "resolve each pending operation from what Azure holds: a resource Azure has is imported at its URN, one it "
        "does not have is dropped (up creates it), and one Azure is still building is reported with how long it "
        "typically takes. Then `vnet2vnet up` completes the stack without duplicates or replacements. Exit 0 when "
        "the stack is unlocked with nothing pending, 1 when something is still being built (or stays locked).",
    )
    recover.add_argument("--yes", action="store_true", help="remove a lock that is not stale without asking")
    recover.add_argument(
        "--json", action="store_true", help="print what was found and done as one JSON document on stdout"
    )
    rehearse = command(
        "rehearse",
        "run the stack's whole lifecycle on the real engine against an Azure emulator",
        "Run the stack's real program through the real Pulumi engine against vnet2vnet's Azure emulator, in a "
        "throwaway local backend: up (no 409 conflicts), verify --evidence over HTTPS (as the seed file's faults say), "
        "preview (no changes), refresh then preview (no changes), "
        "key rotation (only the keys and their connections replaced), destroy (nothing left), and no plaintext "
        "secret in the state file. Nothing reaches Azure or your Pulumi backend, and no credential of yours reaches "
        "its processes. It runs on a copy of the project's own files (git's tracked and untracked, unignored files; "
        f"outside git, all but .git, virtualenvs, node_modules and caches), at most {MAX_COPY_FILES:,} files and "
        f"{MAX_COPY_BYTES // (1024 * 1024)} MiB, never following a link out of the project. Needs a Pulumi CLI "
        "(VNET2VNET_PULUMI, `make engine`, or `pulumi` on PATH).",
    )
    rehearse.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    rehearse.add_argument(
        "--keep",
        metavar="DIR",
        type=Path,
        help="keep the copy, the backend and the emulator state in DIR, a new or empty folder outside the project "
        "(never reused, nothing in it deleted: for inspection only)",
    )
    rehearse.add_argument("--seed", metavar="FILE", type=Path, help="start the emulator from a seed and fault file")
    rehearse.add_argument(
        "--change",
        metavar="T",
        type=_stack_name,
        help="after the key rotation, apply stack T's config (Pulumi.T.yaml) to the deployed stack as a step named "
        "`change`: `plan --against` on its state, then up; the forecast must equal the engine's steps and up must "
        "succeed or be stopped by our own findings (--json `change`; exit 1 otherwise)",
    )
    rehearse.add_argument(
        "--clock-scale",
        type=_clock_scale,
        default=None,
        help="real seconds per emulated second (default 1/120: a 45-minute gateway takes 22.5 s)",
    )
    return parser


_VNETS_PATH = f"{CONFIG_NAMESPACE}:vnets"


def _explain_unset_stack(
    project_dir: Path, stack: str, project: str, findings: list[RenderedFinding]
) -> list[RenderedFinding]:
    """When the stack file sets no vnet2vnet key at all, the vnets finding says so and lists the keys to set: the
    cause is then a new or foreign stack file, not a typo."""
    if not any(finding.severity == "error" and finding.path == _VNETS_PATH for finding in findings):
        return findings
    from vnet2vnet.schema import MESH
    from vnet2vnet.stack_files import read_yaml_file

    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    document = read_yaml_file(stack_file).document  # the config loader has just read it without error
    config = document.get("config") if isinstance(document, dict) else None
    keys = sorted(key if ":" in key else f"{project}:{key}" for key in map(str, config or {}))
    if any(key.startswith(f"{CONFIG_NAMESPACE}:") for key in keys):
        return findings
    shown = ", ".join(keys[:5]) + (", ..." if len(keys) > 5 else "")
    unset = f"{stack_file.name} sets no {CONFIG_NAMESPACE}: keys" + (f" (only {shown})" if keys else "")
    optional = ", ".join(f"{CONFIG_NAMESPACE}:{key}" for key in sorted(set(MESH.fields_for("config")) - {"vnets"}))
    fix = (
        f"set {_VNETS_PATH} in {stack_file.name}: the VNets, each with name, location, addressSpaces and "
        f"gatewaySubnetPrefix (docs/config-reference.md); optional: {optional}"
    )
    return [
        RenderedFinding(finding.severity, finding.path, f"{finding.message}; {unset}", fix)
        if finding.severity == "error" and finding.path == _VNETS_PATH
        else finding
        for finding in findings
    ]


def stack_config_findings(
    project_dir: Path, stack: str, seeded: list[dict[str, Any]] | None = None
) -> tuple[str, ResolvedNetwork | None, list[RenderedFinding]]:
    """The validation pass over the stack config, as `pulumi up` would run it, without running the program: the
    project name, the resolved network (None when the config does not parse) and the findings. Existing VNets and
    gateways are read from `seeded` (a seed file's resources) when given."""
    from vnet2vnet.checks import stack_findings
    from vnet2vnet.engine import load_stack_config
    from vnet2vnet.existing import seed_reader

    project, config = load_stack_config(project_dir, stack)
    # The program reads the vnet2vnet: namespace whatever the project is called (read_raw_stack_config).
    prefix = f"{CONFIG_NAMESPACE}:"
    raw = {key[len(prefix) :]: value for key, value in config.values.items() if key.startswith(prefix)}
    network, findings = stack_findings(raw, project, seed_reader(seeded) if seeded is not None else None)
    rendered = [finding.rendered("config") for finding in findings]
    return project, network, _explain_unset_stack(project_dir, stack, project, rendered)


class Progress:
    """A resource counter on stderr, shown only once a plan takes longer than `after` seconds; with the expected
    number of resources, also how far it is and an estimate of the time left (registration time is linear in the
    number of resources: bench/mesh_scale.py)."""

    def __init__(self, after: float = 1.5, every: float = 1.0, expected: int | None = None) -> None:
        self.expected = expected
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
        elapsed = now - self.started
        message = f"plan: {self.count} resource(s) registered ({elapsed:.0f}s)"
        if self.expected and self.count < self.expected:
            left = elapsed / self.count * (self.expected - self.count)
            message = (
                f"plan: {self.count} of about {self.expected} resources registered "
                f"({100 * self.count // self.expected}%, {elapsed:.0f}s, about {left:.0f}s left)"
            )
        print(f"\r{message}" if self.interactive else message, end="" if self.interactive else "\n", file=sys.stderr)

    def done(self) -> None:
        if self.shown:
            total = f"plan: {self.count} resource(s) registered ({time.monotonic() - self.started:.0f}s)"
            print(f"\r{total}" if self.interactive else total, file=sys.stderr)


def _print_json(document: dict[str, Any]) -> None:
    print(json.dumps(document, indent=2))


def _unplanned(args: argparse.Namespace, project: str, findings: list[RenderedFinding], code: int) -> int:
    """End a plan that produced nothing. In --json mode stdout still gets a document (the plan's keys, empty, with
    the findings) so that CI can read why; in the other modes the findings are already on stderr."""
    if args.format == "json":
        from vnet2vnet.render import unplanned_document
        from vnet2vnet.spec_check import SpecCheck

        document = unplanned_document(args.stack, project, findings)
        document["spec_check"] = SpecCheck(skipped="nothing was planned").as_dict()
        _print_json(document)
    return code


def _file_error_finding(project_dir: Path, stack: str, error: Exception) -> RenderedFinding:
    """A missing or malformed project or stack file as a finding whose path is that file."""
    text = str(error)
    stack_file = f"Pulumi.{stack}.yaml"
    # The loader's message names the file it is about: the stack file unless only Pulumi.yaml is named.
    name = "Pulumi.yaml" if "Pulumi.yaml" in text and stack_file not in text else stack_file
    path = project_dir / name
    if path.exists():
        fix = f"correct {name}: a YAML mapping whose `config:` maps keys to values"
    else:
        fix = f"create {name} (docs/config-reference.md), or pass --stack with one of the stacks here"
    return RenderedFinding("error", str(path), text, fix)


def expected_resources(project: str, network: ResolvedNetwork) -> int:
    """How many registrations the stack program makes: the stack, its component, every derived resource and the
    explicit providers (default providers are the engine's, not the program's)."""
    from vnet2vnet import naming

    derived = naming.derived_names(project, naming.component_type_for(network.spec), network)
    explicit_providers = sum(1 for vnet in network.spec.vnets if vnet.subscription_id or vnet.tenant_id)
    return 2 + len(derived) + explicit_providers


def plan_command(args: argparse.Namespace) -> int:
    from vnet2vnet.documents import STATE_EXPORT, one_line
    from vnet2vnet.emulator.seed import SeedError
    from vnet2vnet.engine import ConfigFileError, ProgramError, run_stack
    from vnet2vnet.stack_files import display_name
    from vnet2vnet.state_export import read_state_export

    progress = Progress()
    project = ""
    findings: list[RenderedFinding] = []
    try:
        require_project(args.project_dir)
        # Offline, existing resources are known only from the seed file (none without one).
        seeded = _seeded_resources(args.seed) or []
        project, network, findings = stack_config_findings(args.project_dir, args.stack, seeded)
        errors = sum(finding.severity == "error" for finding in findings)
        if errors:
            print(
                f"Stack '{args.stack}': {errors} error(s) in the configuration; nothing was planned.\n", file=sys.stderr
            )
            print(format_findings(findings), file=sys.stderr)
            return _unplanned(args, project, findings, EXIT_FINDINGS)
        # Before the plan: a file that is not this stack's export is refused before any work.
        against = read_state_export(args.against, args.stack, project) if args.against is not None else None
        if network is not None:
            progress.expected = expected_resources(project, network)
        plan = run_stack(args.project_dir, args.stack, on_register=progress, seeded=seeded)
    except NotAProjectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        finding = RenderedFinding("error", str(exc.project_dir / "Pulumi.yaml"), exc.problem, exc.fix)
        return _unplanned(args, exc.project, [finding], EXIT_USAGE)
    except ConfigFileError as exc:
        if args.against is not None and exc.file == display_name(args.against, STATE_EXPORT):
            print(f"error: {one_line(exc)}", file=sys.stderr)
            finding = RenderedFinding("error", str(args.against), one_line(exc), exc.fix or _AGAINST_FIX)
            return _unplanned(args, project, [finding], EXIT_USAGE)
        print(f"error: {exc}", file=sys.stderr)
        return _unplanned(args, project, [_file_error_finding(args.project_dir, args.stack, exc)], EXIT_USAGE)
    except SeedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        finding = RenderedFinding(
            "error", str(args.seed), str(exc), "fix the seed file (docs/rehearsal.md, 'The seed and fault file')"
        )
        return _unplanned(args, project, [finding], EXIT_USAGE)
    except ProgramError as exc:
        print(f"error: the program failed for stack '{args.stack}':\n{exc}", file=sys.stderr)
        failure = RenderedFinding(
            "error",
            str(args.project_dir / "__main__.py"),
            f"the program failed: {exc}",
            "fix the error the message quotes (docs/troubleshooting.md)",
        )
        return _unplanned(args, project, [*findings, failure], EXIT_PROGRAM_FAILED)
    finally:
        progress.done()
    assert network is not None
    if args.format == "mermaid":
        # stdout is the diagram alone, ready to paste; the findings a text plan shows go to stderr.
        for finding in findings:
            print(str(finding), file=sys.stderr)
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    shown = {str(finding) for finding in findings}
    for message in plan.diagnostics:
        if message not in shown:
            print(f"program: {message}", file=sys.stderr)
    if args.format == "mermaid":
        from vnet2vnet.diagram import render_mermaid

        print(render_mermaid(plan))
        return EXIT_OK
    from vnet2vnet.render import plan_document, render_text
    from vnet2vnet.report import connection_rounds_of, gateway_capacity, plan_schedule
    from vnet2vnet.spec_check import check_plan, defect_findings

    schedule = plan_schedule(plan)
    capacity = gateway_capacity(network)
    rounds = connection_rounds_of(plan)
    spec_check = check_plan(plan.resources, args.project_dir)
    findings = [*findings, *defect_findings(spec_check)]
    disruptions = _against(against, plan, network) if against is not None else None
    findings = [*findings, *(disruptions[1] if disruptions else [])]
    if args.format == "json":
        document = plan_document(plan, findings, schedule, capacity, rounds)
        document["spec_check"] = spec_check.as_dict()
        if disruptions is not None:
            document["disruptions"] = [d.as_json() for d in disruptions[0]]
        _print_json(document)
    else:
        print(render_text(plan, findings, schedule, capacity, rounds))
        print(spec_check.summary())
        if disruptions is not None:
            print(_disruption_text(disruptions[0], args.against))
    blocked = any(finding.severity == "error" for finding in (disruptions[1] if disruptions else []))
    return EXIT_FINDINGS if spec_check.violations or blocked else EXIT_OK


_AGAINST_FIX = "pass the output of `pulumi stack export --stack <stack>`"


def _against(document: dict[str, Any], plan: Any, network: ResolvedNetwork) -> tuple[list[Any], list[RenderedFinding]]:
    """With --against (the export, already read and checked): the disruption forecast and the key-age warnings."""
    from datetime import datetime, timezone

    from vnet2vnet.disruption import forecast, key_ages, one_update_problems
    from vnet2vnet.naming import MESH_TYPE, PAIR_TYPE

    # The component the program registered: its name prefixes the names of the links' keys and connections.
    components = [r.name for r in plan.resources if r.type in (PAIR_TYPE, MESH_TYPE)]
    ages = key_ages(document, datetime.now(timezone.utc), network, components[0]) if components else []
    warnings = [
        RenderedFinding(
            "warning",
            f"{CONFIG_NAMESPACE}:{age.limit_key}",
            f"the key of {age.link.rsplit('::', 1)[-1]} is {age.age_days:.0f} days old (created "
            f"{age.created:%Y-%m-%d}); the limit is {age.max_age_days}",
            f"rotate it: {age.rotation} (both connections of the link are replaced, about 5 minutes of tunnel "
            "downtime)",
        )
        for age in ages
        if age.too_old
    ]
    disruptions = forecast(plan, document)
    blocked = [
        RenderedFinding("error", _name_of(problem.resource), problem.message, problem.fix)
        for problem in one_update_problems(plan, disruptions)
    ]
    return disruptions, [*blocked, *warnings]


def _name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _disruption_text(disruptions: list[Any], against: Path) -> str:
    if not disruptions:
        return f"Disruptions against {against}: none (no change interrupts what exists)"
    lines = [
        f"Disruptions against {against} (what each change interrupts; 'estimated' where Microsoft gives no figure):"
    ]
    for d in disruptions:
        mark = " (estimated)" if d.estimated else ""
        lines.append(
            f"  {d.change:<7} {d.resource.rsplit('::', 1)[-1]}: {d.interruption}, down {d.downtime_minutes:g} min "
            f"of {d.duration_minutes:g} min{mark}; {d.why}. Source: {d.source}"
        )
    return "\n".join(lines)


def _ask(prompt: str) -> str:
    if not sys.stdin or not sys.stdin.isatty():
        return ""  # unattended: never assume a yes
    # The question goes to standard error: with --json, standard output holds only the JSON document.
    print(prompt, end="", file=sys.stderr, flush=True)
    try:
        return sys.stdin.readline().rstrip("\n")
    except (EOFError, OSError):
        return ""


def _seeded_resources(seed: Path | None) -> list[dict[str, Any]] | None:
    """A seed file's resources (SeedError names the problem), or None without a seed file."""
    from vnet2vnet.emulator.seed import load_seed

    return list(load_seed(seed).get("resources") or []) if seed is not None else None


def _config_check(args: argparse.Namespace, consequence: str) -> int | None:
    """Check the project and the stack config before any CLI work: the exit code to stop with, or None (warnings
    printed) to go on."""
    from vnet2vnet.emulator.seed import SeedError
    from vnet2vnet.engine import ConfigFileError

    try:
        require_project(args.project_dir)
        seeded = _seeded_resources(getattr(args, "seed", None))
        _, _, findings = stack_config_findings(args.project_dir, args.stack, seeded)
    except (NotAProjectError, ConfigFileError, SeedError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if any(finding.severity == "error" for finding in findings):
        print(f"Stack '{args.stack}': errors in the configuration; {consequence}.\n", file=sys.stderr)
        print(format_findings(findings), file=sys.stderr)
        return EXIT_FINDINGS
    for finding in findings:
        print(str(finding), file=sys.stderr)
    return None


def operation_command(args: argparse.Namespace) -> int:
    """preview, up, refresh, destroy, outputs and verify: check the config, then drive the Pulumi CLI."""
    stopped = _config_check(args, "nothing was sent to Azure")
    if stopped is not None:
        return stopped
    from pulumi.automation import errors as auto_errors

    from vnet2vnet.operations import MissingStackError, Operator
    from vnet2vnet.pulumi_cli import PulumiCliMissingError

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
        _, network, _ = stack_config_findings(args.project_dir, args.stack)
        limit = network.spec.connection.max_key_age_days if network is not None else None
        evidence_dir: Path | None = args.evidence
        if evidence_dir is not None:
            from vnet2vnet.evidence import REPORT_FILES
            from vnet2vnet.safe_write import OutputRefusedError, check_report_directory

            try:  # before the reads: a directory that cannot be written is a usage error, not a lost report
                evidence_dir = check_report_directory(evidence_dir, "--evidence", REPORT_FILES)
            except OutputRefusedError as refused:
                print(f"error: {refused}", file=sys.stderr)
                return EXIT_USAGE
        status = operator.verify(timeout=args.timeout, interval=args.interval, max_key_age_days=limit, topology=network)
        if evidence_dir is None:
            return status
        if network is None:  # the config check above stops on errors: a stack file without a topology is one
            print(
                "error: --evidence: the stack config gives no VNets to check the connections against", file=sys.stderr
            )
            return EXIT_USAGE
        return max(status, operator.evidence(evidence_dir, interval=args.interval, topology=network))
    except (PulumiCliMissingError, MissingStackError, auto_errors.CommandError) as exc:
        return _cli_failure(exc, args)


def _cli_failure(exc: Exception, args: argparse.Namespace) -> int:
    """A command that drives the CLI ended in the CLI's failure: what to tell, and the exit code."""
    from vnet2vnet.operations import MissingStackError, cli_error_lines
    from vnet2vnet.pulumi_cli import PulumiCliMissingError

    if isinstance(exc, (PulumiCliMissingError, MissingStackError)):
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_CLI if isinstance(exc, PulumiCliMissingError) else EXIT_USAGE
    # The CLI's own text (login, passphrase, missing plugin) is the useful part; a traceback is not.
    print(f"error: the Pulumi CLI failed during `vnet2vnet {args.command} --stack {args.stack}`:", file=sys.stderr)
    for line in cli_error_lines(exc):
        print(f"  {line}", file=sys.stderr)
    return EXIT_PROGRAM_FAILED


def _pulumi_python_project(project_dir: Path) -> bool:
    from vnet2vnet.stack_files import ConfigFileError, read_yaml_file

    try:
        manifest = read_yaml_file(project_dir / "Pulumi.yaml").document
    except (ConfigFileError, OSError):
        return False
    runtime = manifest.get("runtime")
    return (runtime.get("name") if isinstance(runtime, dict) else runtime) == "python"


def _rehearsal_input_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with a rehearsal's own inputs (the seed file, the project's size, the --keep folder), in one
    line, or None. A vnet2vnet project's seed was read with its config already; any other project's is read here."""
    from vnet2vnet.emulator.seed import SeedError
    from vnet2vnet.project_copy import ProjectCopyError, project_files
    from vnet2vnet.rehearse import keep_problem

    try:
        _seeded_resources(args.seed)
        project_files(args.project_dir)
    except (SeedError, ProjectCopyError) as refused:
        return str(refused)
    # Before anything runs: nothing in it is deleted or written.
    return keep_problem(args.keep, args.project_dir) if args.keep is not None else None


def rehearse_command(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("vnet2vnet.rehearse") is None:  # vnet2vnet-rehearse is not installed
        print(missing_line(REHEARSE), file=sys.stderr)
        return EXIT_NO_CLI
    from vnet2vnet.emulator.store import DEFAULT_CLOCK_SCALE
    from vnet2vnet.interrupts import CommandInterruptedError
    from vnet2vnet.pulumi_cli import PulumiCliMissingError, find_cli
    from vnet2vnet.rehearse import RehearsalError, rehearse

    # Any Pulumi Python project of the types the emulator serves may be rehearsed; a vnet2vnet project is checked
    # first, as every command checks it, and gets the vnet2vnet steps (config check, key rotation, critical path).
    try:
        require_project(args.project_dir)
        ours = True
    except NotAProjectError as exc:
        if not _pulumi_python_project(args.project_dir):
            print(
                f"error: {exc.problem}: rehearse needs a Pulumi Python project (Pulumi.yaml, runtime python)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        ours = False
    if args.change is not None and not ours:
        print(
            "error: --change compares vnet2vnet's forecast with the engine: it needs a vnet2vnet project",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if ours:
        stopped = _config_check(args, "nothing was rehearsed")
        if stopped is not None:
            return stopped
    scale = args.clock_scale if args.clock_scale is not None else DEFAULT_CLOCK_SCALE
    # Every refusal of the user's input before the CLI is looked for (or built, minutes): exit 2, nothing written.
    problem = _rehearsal_input_problem(args)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        cli = find_cli(build=True)
        document = rehearse(
            args.project_dir,
            args.stack,
            cli,
            keep=args.keep,
            seed=args.seed,
            clock_scale=scale,
            ours=ours,
            change=args.change,
        )
    except CommandInterruptedError as interrupted:
        kept = f"; kept in {args.keep}" if args.keep is not None else "; its sandbox is removed"
        how = "after what was in flight finished" if interrupted.graceful else "at once"
        print(f"interrupted: the rehearsal stopped {how}{kept}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (PulumiCliMissingError, RehearsalError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_CLI if isinstance(exc, PulumiCliMissingError) else EXIT_USAGE
    except (OSError, RuntimeError) as exc:
        # A sandbox that cannot be written, a plugin the CLI refused to install: the rehearsal never started.
        print(f"error: the rehearsal could not be set up: {exc}", file=sys.stderr)
        return EXIT_PROGRAM_FAILED
    if args.json:
        _print_json(document)
    else:
        print(render_rehearsal(document))
    return EXIT_OK if document["ok"] else EXIT_FINDINGS


def render_rehearsal(document: dict[str, Any]) -> str:
    how = {"language host": ", program through the language host", "inline": ", program inline (see the notes)"}
    lines = [
        f"Rehearsal of '{document['stack']}' on {document['cli_version']} (clock scale {document['clock_scale']:.5g}"
        f"{how.get(document.get('program_run', ''), '')})"
    ]
    for step in document["steps"]:
        changes = ", ".join(f"{kind} {count}" for kind, count in step["changes"].items() if count) or "no changes"
        if step.get("checks") is not None:
            checks = step["checks"]
            changes = f"{sum(c['result'] == 'pass' for c in checks)}/{len(checks)} checks pass"
        lines.append(f"  {step['name']:<22} {changes:<40} {step['seconds']:>7.1f}s")
    built = document.get("built") or {}
    if built:
        kinds = ", ".join(f"{count} {token.rsplit(':', 1)[-1]}" for token, count in built.items())
        lines.append(f"built in Azure by up: {kinds}")
    span = document["makespan"]
    lines.append(
        f"makespan: {span['emulated_minutes']} emulated minutes for up, planned critical path "
        f"{span['planned_critical_path_minutes']} (ratio {span['ratio']})"
    )
    lines.append(
        f"409 conflicts: {document['conflicts']}; plaintext secrets in state: {document['state_plaintext_secrets']} "
        f"(of {document['state_secret_values_searched']} values searched for)"
    )
    change = document.get("change")
    if change is not None:
        forecast = "the forecast matches the engine" if change["forecast_matches"] else "the forecast differs"
        outcome = "up succeeded" if change["up_ok"] else f"up refused by {change['refused_by'] or 'the engine'}"
        lines.append(f"change to '{change['stack']}': {forecast}; {outcome}")
        lines += [
            f"  forecast {m['forecast']}, engine {m['engine']}: {m['urn']}" for m in change.get("mismatches") or []
        ]
    lines += [f"note: {note}" for note in document["notes"]]
    lines += [f"problem: {problem}" for problem in document["problems"]]
    lines.append("OK: every check holds" if document["ok"] else "FAILED: see the problems above")
    return "\n".join(lines)


def read_ids(path: Path) -> dict[str, str]:
    """The `--ids` file through the one reader (`vnet2vnet.documents`): a JSON object from our resource names to
    Azure resource IDs, each ID once. ConfigFileError names the file and the key."""
    from vnet2vnet.documents import ID_MAP, Shape, read_json

    shape = Shape(path, ID_MAP)
    ids = shape.mapping(read_json(path, ID_MAP), (), 'a JSON object {"<our resource name>": "<Azure resource ID>"}')
    named: dict[str, str] = {}
    for name, resource_id in ids.items():
        shape.string(resource_id, (name,), "an Azure resource ID")
        first = named.setdefault(resource_id.strip().rstrip("/").lower(), name)  # ARM IDs are case-insensitive
        if first != name:
            raise shape.error(
                (name,),
                f"names the same Azure resource as {first!r} ({resource_id}): one resource cannot be two of ours",
                "give each resource of the stack its own Azure resource ID",
            )
    return ids


def adopt_command(args: argparse.Namespace) -> int:
    """Check the config, the ID map and the output path; read and set the existing keys; then write the import
    file (only when everything before succeeded)."""
    from pulumi.automation import errors as auto_errors

    from vnet2vnet import naming
    from vnet2vnet.adopt import adoption
    from vnet2vnet.documents import one_line
    from vnet2vnet.engine import ConfigFileError
    from vnet2vnet.operations import Operator, cli_error_lines
    from vnet2vnet.pulumi_cli import CliCommandError, PulumiCliMissingError
    from vnet2vnet.safe_write import OutputRefusedError, check_output, write_atomically

    try:
        require_project(args.project_dir)
        project, network, findings = stack_config_findings(args.project_dir, args.stack)
    except (NotAProjectError, ConfigFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if network is None or any(finding.severity == "error" for finding in findings):
        print(f"Stack '{args.stack}': errors in the configuration; nothing was adopted.\n", file=sys.stderr)
        print(format_findings(findings), file=sys.stderr)
        return EXIT_FINDINGS
    try:
        ids = read_ids(args.ids)
    except ConfigFileError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    default_out = args.project_dir / f"adopt-{args.stack}.json"
    try:
        out = check_output(args.out or default_out, "--out", project_dir=args.project_dir, inputs=[args.ids])
    except OutputRefusedError as refused:
        print(f"error: {refused}", file=sys.stderr)
        return EXIT_USAGE
    plan = adoption(project, naming.component_type_for(network.spec), network.spec, ids)
    if plan.problems:
        print(f"error: {args.ids}: nothing was adopted:", file=sys.stderr)
        for problem in plan.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        status = Operator(args.project_dir, args.stack, out=sys.stderr).adopt_keys(plan.keys, network.spec)
    except PulumiCliMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_CLI
    except (auto_errors.CommandError, CliCommandError) as exc:
        print(
            f"error: the Pulumi CLI failed while reading the existing keys for stack '{args.stack}':", file=sys.stderr
        )
        for line in exc.lines if isinstance(exc, CliCommandError) else cli_error_lines(exc):
            print(f"  {line}", file=sys.stderr)
        return EXIT_FINDINGS
    if status != 0:
        print(f"adopt: nothing was written to {out}: the keys could not be adopted", file=sys.stderr)
        return status
    try:
        write_atomically(out, json.dumps(plan.import_file, indent=2) + "\n")
    except OSError as exc:
        print(f"error: --out {out}: cannot write the import file: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"adopt: wrote {out} ({len(plan.import_file['resources'])} resources and components)", file=sys.stderr)
    print(
        f"next: pulumi import --stack {args.stack} --file {out} --generate-code=false --yes\n"
        f"then: vnet2vnet preview --stack {args.stack}   (it should show no changes)",
        file=sys.stderr,
    )
    return EXIT_OK


def recover_command(args: argparse.Namespace) -> int:
    from pulumi.automation import errors as auto_errors

    from vnet2vnet.operations import MissingStackError, Operator
    from vnet2vnet.pulumi_cli import PulumiCliMissingError

    try:
        require_project(args.project_dir)
    except NotAProjectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    operator = Operator(args.project_dir, args.stack, out=sys.stderr if args.json else sys.stdout)
    try:
        report = operator.recover(yes=args.yes, ask=_ask)
    except (PulumiCliMissingError, MissingStackError, auto_errors.CommandError) as exc:
        return _cli_failure(exc, args)
    if args.json:
        _print_json(report.as_json())
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # usage errors exit 2 here, --help and --version 0
    try:
        from vnet2vnet.interrupts import CommandInterruptedError  # after --help and --version: it loads the SDK
    except KeyboardInterrupt:  # pressed while the SDK loads: nothing has started
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    try:
        if args.command == "plan":
            return plan_command(args)
        if args.command == "rehearse":
            return rehearse_command(args)
        if args.command == "adopt":
            return adopt_command(args)
        if args.command == "recover":
            return recover_command(args)
        return operation_command(args)
    except BrokenPipeError:  # `plan | head`: the reader left, nothing more to say
        sys.stderr.close()
        return EXIT_OK
    except CommandInterruptedError as interrupted:
        stack = getattr(args, "stack", "<stack>")
        if interrupted.graceful:
            # What goes on from a graceful stop: the same command (never `up` after a destroy, which would rebuild).
            again = args.command
            print(
                "interrupted: the Pulumi CLI cancelled; what was in flight finished and is recorded "
                f"(`vnet2vnet {again} --stack {stack}` goes on from there)",
                file=sys.stderr,
            )
        else:
            print(f"stopped: run `vnet2vnet recover --stack {stack}`", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
