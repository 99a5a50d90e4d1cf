"""Deploy, verify and operate stacks through the Pulumi Automation API (LocalWorkspace on this project).

Every command checks the stack config first and stops on errors without touching the cloud. `up` and `preview`
create the stack if needed; the others only select it, so a mistyped name cannot create an empty stack. The Automation
API drives a `pulumi` CLI binary (`vnet2vnet.pulumi_cli` says which); when no Python language host
(pulumi-language-python) comes with it, as with the CLI `make engine` builds, the program runs inline in this
process, exactly as the project's `__main__.py`. Azure credentials are whatever the azure-native provider accepts
(az login, service principal, OIDC); nothing secret is printed.
"""

from __future__ import annotations

import difflib
import json
import os
import runpy
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from vnet2vnet import naming, recovery
from vnet2vnet.adopt import LinkKey
from vnet2vnet.disruption import key_ages, resource_key_ages
from vnet2vnet.evidence import CONNECTED
from vnet2vnet.interrupts import InterruptibleCommand
from vnet2vnet.network import ResolvedNetwork, resolved
from vnet2vnet.pulumi_cli import PulumiCli, find_cli, set_secret_config
from vnet2vnet.recovery import InFlight
from vnet2vnet.safe_write import write_atomically
from vnet2vnet.spec import TopologySpec, link_key
from vnet2vnet.tokens import CONNECTION_TYPE, GATEWAY_TYPE

if TYPE_CHECKING:
    from pulumi.automation import LocalWorkspace, Stack

    from vnet2vnet.azure_reads import AzureReads
    from vnet2vnet.disruption import OneUpdateProblem


def _project_name(project_dir: Path) -> str:
    from vnet2vnet.stack_files import read_yaml_file

    # The one strict reader: the commands checked this file before any operation runs.
    return str(read_yaml_file(project_dir / "Pulumi.yaml").document.get("name") or project_dir.name)


def _one_line(error: Exception) -> str:
    """An SDK error in one line: its last non-empty line (Azure's code and message), never a traceback."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


class MissingStackError(LookupError):
    """The stack named on the command line does not exist; the message names the ones that do."""


def inline_program(project_dir: Path) -> Callable[[], None]:
    """The project's `__main__.py` as an Automation API inline program, run as `pulumi up` would run it."""

    def program() -> None:
        if str(project_dir) not in sys.path:
            sys.path.insert(0, str(project_dir))
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

    return program


# ------------------------------------------------------------------------------------ pure: summaries, state


def change_summary(changes: Mapping[Any, int] | None, seconds: float) -> str:
    """`created 13, updated 0, deleted 0 (unchanged 2) in 47m12s`. Keys are op names ("create"): plain str or
    the SDK's OpType, a str enum."""
    changes = dict(changes or {})
    parts = [
        f"{verb} {changes.get(key, 0)}"
        for verb, key in (("created", "create"), ("updated", "update"), ("deleted", "delete"))
    ]
    replaced = changes.get("replace", 0)
    if replaced:
        parts.append(f"replaced {replaced}")
    unchanged = changes.get("same", 0)
    tail = f" (unchanged {unchanged})" if unchanged else ""
    return f"{', '.join(parts)}{tail} in {format_duration(seconds)}"


def format_duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


def _resource_name(resource: Mapping[str, Any]) -> str:
    return str(resource.get("urn", "")).rsplit("::", 1)[-1]


def protected_resources(deployment: Mapping[str, Any]) -> list[str]:
    """URN names of the protected resources in an exported stack."""
    return [_resource_name(r) for r in deployment.get("resources") or [] if r.get("protect")]


@dataclass(frozen=True)
class ConnectionState:
    name: str
    status: str
    ingress_bytes: int
    egress_bytes: int

    @property
    def connected(self) -> bool:
        return self.status == CONNECTED


def _link_name(connection: str, local_gateway: str | None, remote_gateway: str | None) -> str:
    """The "<a>-to-<b>" key of the stack outputs, from resource names `<pair>-<a>-to-<b>` (connection) and
    `<pair>-<a>-gw`, `<pair>-<b>-gw` (its gateways); the connection's own name when they do not fit."""
    if not (local_gateway and remote_gateway):
        return connection
    local_side, remote_side = local_gateway.removesuffix("-gw"), remote_gateway.removesuffix("-gw")
    if not connection.startswith(f"{local_side}-to-"):
        return connection
    remote = connection[len(local_side) + len("-to-") :]
    prefix = remote_side[: -len(remote)] if remote_side.endswith(remote) else None
    if not prefix or not local_side.startswith(prefix):
        return connection
    return link_key(local_side[len(prefix) :], remote)


@dataclass(frozen=True)
class StateConnection:
    """A connection resource of the stack's state, under its "<a>-to-<b>" key."""

    link: str
    id: str
    outputs: Mapping[str, Any]

    @property
    def local_gateway_id(self) -> str:
        return str((self.outputs.get("virtualNetworkGateway1") or {}).get("id") or "")

    @property
    def remote_gateway_id(self) -> str:
        return str((self.outputs.get("virtualNetworkGateway2") or {}).get("id") or "")


def link_names(component: str, topology: TopologySpec) -> dict[str, str]:
    """Each connection's Pulumi name -> its "<a>-to-<b>" key, as the components name them (exact, where the
    gateways' names cannot tell: a gateway that exists already is not in the state)."""
    return {
        naming.connection_name(component, local, remote): link_key(local, remote)
        for local, remote in topology.directions()
    }


def state_connections(deployment: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[StateConnection]:
    """The stack's connections, by link key (from `names` when given, else from their gateways' names), sorted."""
    gateways = {
        str(r.get("id")): _resource_name(r) for r in deployment.get("resources") or [] if r.get("type") == GATEWAY_TYPE
    }
    found = []
    for resource in deployment.get("resources") or []:
        if resource.get("type") != CONNECTION_TYPE:
            continue
        outputs = resource.get("outputs") or {}
        local = gateways.get(str((outputs.get("virtualNetworkGateway1") or {}).get("id")))
        remote = gateways.get(str((outputs.get("virtualNetworkGateway2") or {}).get("id")))
        name = _resource_name(resource)
        link = (names or {}).get(name) or _link_name(name, local, remote)
        found.append(StateConnection(link, str(resource.get("id") or outputs.get("id") or ""), outputs))
    return sorted(found, key=lambda connection: connection.link)


def connection_states(deployment: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[ConnectionState]:
    """Each connection's status and byte counters, from the refreshed state (not from stack outputs, which a
    refresh does not recompute)."""
    return [
        ConnectionState(
            name=connection.link,
            status=str(connection.outputs.get("connectionStatus") or "Unknown"),
            ingress_bytes=int(connection.outputs.get("ingressBytesTransferred") or 0),
            egress_bytes=int(connection.outputs.get("egressBytesTransferred") or 0),
        )
        for connection in state_connections(deployment, names)
    ]


def status_table(states: Sequence[ConnectionState]) -> str:
    rows = [("connection", "status", "ingress bytes", "egress bytes")]
    rows += [(s.name, s.status, str(s.ingress_bytes), str(s.egress_bytes)) for s in states]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def troubleshooting(states: Sequence[ConnectionState]) -> list[str]:
    """The steps that fit what verify saw."""
    steps = [
        "The pre-shared key cannot mismatch: both connections get the same key from one RandomPassword (or your "
        "sharedKey), so look elsewhere.",
    ]
    if not states:
        return ["No connection resources in the stack: run `vnet2vnet up --stack <stack>` first."]
    if any(s.status in ("Unknown", "Connecting") for s in states):
        steps.append(
            "Unknown/Connecting right after creation is normal: connections usually show Connected about five "
            "minutes after both exist. Re-run verify with a longer --timeout."
        )
    if any(s.status == "NotConnected" for s in states):
        steps.append(
            "NotConnected: check that both gateways finished provisioning (az network vnet-gateway show "
            "--query provisioningState), that both directions exist, and that nothing was changed in the portal "
            "(`pulumi refresh` then `pulumi preview` shows drift)."
        )
    if any(s.connected and not (s.ingress_bytes or s.egress_bytes) for s in states):
        steps.append(
            "Connected but no bytes yet: traffic only counts once workloads talk; check NSGs and route tables on "
            "the workload subnets (never on GatewaySubnet)."
        )
    steps += [
        "Check the SKU supports what you configured (plan's capacity summary) and that the two address spaces "
        "do not overlap (plan's checks).",
        "Check NSGs and UDRs on workload subnets: a 0.0.0.0/0 route or an NSG on GatewaySubnet breaks the gateway.",
    ]
    return steps


def missing_stack_message(stack: str, existing: Sequence[str]) -> str:
    """`stack 'dve' does not exist; stacks here: dev, prod (did you mean 'dev'?). Create it with ...`."""
    known = ", ".join(sorted(existing)) or "none"
    close = difflib.get_close_matches(stack, existing, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (
        f"stack '{stack}' does not exist; stacks here: {known}{hint}. "
        f"Create it with `vnet2vnet up --stack {stack}` (or `pulumi stack init {stack}`)."
    )


def cli_error_lines(error: BaseException, limit: int = 20) -> list[str]:
    """The Pulumi CLI's own words from an Automation API CommandError: its stderr, where the CLI writes
    `error: ...` (login, passphrase, missing plugin), else the tail of its stdout.

    CommandError has no stdout/stderr attributes: its message is str(CommandResult), the lines
    ` code: N`, ` stdout: ...` and ` stderr: ...`, so the parts are cut out of that text.
    """
    text = str(error)
    _, found_stdout, rest = text.partition("\n stdout: ")
    stdout, found_stderr, stderr = rest.partition("\n stderr: ")
    if not (found_stdout and found_stderr):  # not the CommandResult shape: show the message as it is
        stdout, stderr = "", text
    lines = [line.rstrip() for line in stderr.splitlines() if line.strip()]
    lines = lines or [line.rstrip() for line in stdout.splitlines() if line.strip()]
    return lines[-limit:] or [f"the Pulumi CLI failed without a message ({type(error).__name__})"]


def connection_urns(deployment: Mapping[str, Any]) -> list[str]:
    """URNs of the connection resources in an exported stack: the only ones verify needs to refresh."""
    return sorted(str(r["urn"]) for r in deployment.get("resources") or [] if r.get("type") == CONNECTION_TYPE)


# ------------------------------------------------------------------------------------------ the imperative shell


@dataclass
class Operator:
    """Runs stack operations for one stack of the project, writing progress and results to `out`."""

    project_dir: Path
    stack_name: str
    out: TextIO = field(default_factory=lambda: sys.stdout)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    env: Mapping[str, str] = field(default_factory=dict)  # extra environment of the CLI (a rehearsal's sandbox)
    cli: PulumiCli | None = None  # default: find_cli()
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    err: TextIO = field(default_factory=lambda: sys.stderr)  # where a Ctrl-C is answered
    in_flight: InFlight = field(default_factory=InFlight)  # the steps the engine has begun and not ended

    def _command(self) -> InterruptibleCommand:
        """The CLI, run so that Ctrl-C reaches it once per press (vnet2vnet.interrupts)."""
        return InterruptibleCommand((self.cli or find_cli()).root, on_interrupt=self._interrupted)

    def _interrupted(self, presses: int) -> None:
        if presses == 1:
            print(self.in_flight.line(), file=self.err, flush=True)
        elif presses == 2:
            print("stopping now", file=self.err, flush=True)

    def _workspace(self) -> LocalWorkspace:
        from pulumi import automation as auto

        cli = self.cli or find_cli()
        return auto.LocalWorkspace(
            work_dir=str(self.project_dir),
            program=None if cli.language_host() else inline_program(self.project_dir),
            env_vars=dict(self.env) or None,
            pulumi_home=self.env.get("PULUMI_HOME"),
            pulumi_command=self._command(),
        )

    def _stack(self) -> Stack:
        """The stack, created if missing: only for `up` and `preview`, which may start a new stack."""
        from pulumi import automation as auto

        return auto.Stack.create_or_select(self.stack_name, self._workspace())

    def _existing_stack(self) -> Stack:
        """The stack, which must exist: a mistyped name must not create an empty stack."""
        from pulumi import automation as auto

        workspace = self._workspace()
        try:
            return auto.Stack.select(self.stack_name, workspace)
        except auto.StackNotFoundError as error:
            existing = [summary.name for summary in workspace.list_stacks()]
            raise MissingStackError(missing_stack_message(self.stack_name, existing)) from error

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _stream(self, line: str) -> None:
        self.out.write(line if line.endswith("\n") else f"{line}\n")
        self.out.flush()

    def preview(self) -> int:
        started = self.clock()
        result = self._stack().preview(on_output=self._stream, on_event=self.in_flight)
        summary = change_summary(result.change_summary, self.clock() - started)
        self._say(f"Preview of '{self.stack_name}': would have {summary}")
        return 0

    def _run(self, verb: str, stack: Stack, action: Callable[[Stack], Any]) -> int:
        started = self.clock()
        result = action(stack)
        changes = result.summary.resource_changes if result.summary else None
        outcome = result.summary.result if result.summary else "unknown"
        self._say(f"{verb} of '{self.stack_name}' {outcome}: {change_summary(changes, self.clock() - started)}")
        return 0 if outcome == "succeeded" else 1

    def up(self) -> int:
        stack = self._stack()
        problems = self._one_update_problems(stack)
        if problems:
            for problem in problems:
                self._say(f"error: {problem.resource.rsplit('::', 1)[-1]}: {problem.message}\n  fix: {problem.fix}")
            self._say(f"Update of '{self.stack_name}' not started: one `pulumi up` cannot apply this change.")
            return 1
        return self._run(
            "Update",
            stack,
            lambda stack: stack.up(on_output=self._stream, on_event=self.in_flight, show_secrets=False),
        )

    def _one_update_problems(self, stack: Stack) -> list[OneUpdateProblem]:
        """What of the change from the deployed state one `up` cannot apply (disruption.one_update_problems), from
        the offline plan of the stack config against `pulumi stack export`. A deployment that cannot be planned
        offline (existing resources only Azure can describe) is not checked, with a note: `up` itself decides."""
        from vnet2vnet.disruption import forecast, one_update_problems
        from vnet2vnet.engine import run_stack

        deployment = stack.export_stack().deployment or {}
        if not deployment.get("resources"):
            return []
        try:
            plan = run_stack(self.project_dir, self.stack_name)
        except Exception as error:  # the offline plan is a check before up, never a reason to stop it
            self._say(f"note: the change was not checked against the deployed state ({_one_line(error)})")
            return []
        return one_update_problems(plan, forecast(plan, {"deployment": deployment}))

    def refresh(self) -> int:
        return self._run(
            "Refresh",
            self._existing_stack(),
            lambda stack: stack.refresh(on_output=self._stream, on_event=self.in_flight, show_secrets=False),
        )

    def destroy(self, confirmed: bool, ask: Callable[[str], str]) -> int:
        stack = self._existing_stack()
        protected = protected_resources(stack.export_stack().deployment or {})
        if protected:
            self._say(
                f"Stack '{self.stack_name}' has {len(protected)} protected resource(s): "
                f"{', '.join(sorted(protected))}.\n"
                "Pulumi will not delete them. To destroy the stack:\n"
                f"  1. set `gateway.protect: false` in Pulumi.{self.stack_name}.yaml and run "
                f"`vnet2vnet up --stack {self.stack_name}` (removes protection only), or\n"
                f"     `pulumi state unprotect --all --stack {self.stack_name}`;\n"
                f"  2. run `vnet2vnet destroy --stack {self.stack_name}` again."
            )
            return 1
        if not confirmed:
            answer = ask(f"Destroy every resource of stack '{self.stack_name}'? Type the stack name to confirm: ")
            if answer.strip() != self.stack_name:
                self._say("Not confirmed; nothing was destroyed (pass --yes to skip this question).")
                return 1
        started = self.clock()
        result = stack.destroy(on_output=self._stream, on_event=self.in_flight, show_secrets=False)
        changes = result.summary.resource_changes if result.summary else None
        self._say(
            f"Destroy of '{self.stack_name}' {result.summary.result}: {change_summary(changes, self.clock() - started)}"
        )
        return 0 if result.summary.result == "succeeded" else 1

    def outputs(self) -> dict[str, Any]:
        return {
            name: "[secret]" if value.secret else value.value
            for name, value in self._existing_stack().outputs().items()
        }

    def verify(
        self,
        timeout: float,
        interval: float,
        max_key_age_days: int | None = None,
        topology: TopologySpec | ResolvedNetwork | None = None,
    ) -> int:
        """Wait until every connection is Connected; then, with `max_key_age_days`, warn about older keys. With
        the stack's `topology`, connections are named by their link keys exactly, and each link's key is held to
        that link's own limit (its `links` entry's `maxKeyAgeDays`, else the shared one); without it, every key
        to `max_key_age_days`."""
        network = resolved(topology) if topology is not None else None
        names = link_names(_project_name(self.project_dir), network.spec) if network is not None else None
        status, deployment = self._verify(timeout, interval, names)
        if max_key_age_days is not None:
            # With the topology each link's key is held to its own limit (its `links` entry's, else the shared one).
            ages = (
                key_ages({"deployment": deployment}, self.now(), network, _project_name(self.project_dir))
                if network is not None
                else resource_key_ages({"deployment": deployment}, self.now(), max_key_age_days)
            )
            for age in ages:
                if age.too_old:
                    self._say(
                        f"warning: the key of {age.link.rsplit('::', 1)[-1]} is {age.age_days:.0f} days old (created "
                        f"{age.created:%Y-%m-%d}); {age.limit_key} is {age.max_age_days}: rotate it: "
                        f"{age.rotation} (both connections of the link are replaced, about 5 minutes of tunnel "
                        "downtime)"
                    )
        return status

    def _verify(
        self, timeout: float, interval: float, names: Mapping[str, str] | None
    ) -> tuple[int, Mapping[str, Any]]:
        """The verdict and the state it read last (one export per poll, none more)."""
        stack = self._existing_stack()
        deadline = self.clock() + timeout
        deployment = stack.export_stack().deployment or {}
        attempt = 0
        while True:
            attempt += 1
            # Only the connections: a whole-stack refresh reads every gateway and VNet on each poll. The URNs
            # come from the latest export, so a connection the refresh found deleted is not targeted again.
            targets = connection_urns(deployment)
            if not targets:
                self._say(
                    f"verify: stack '{self.stack_name}' has no connection resources ({CONNECTION_TYPE}); nothing was "
                    f"refreshed. Run `vnet2vnet up --stack {self.stack_name}` first."
                )
                return 1, deployment
            stack.refresh(target=targets, on_output=None, show_secrets=False)
            deployment = stack.export_stack().deployment or {}
            states = connection_states(deployment, names)
            connected = sum(s.connected for s in states)
            self._say(f"verify: attempt {attempt}: {connected}/{len(states)} connections Connected")
            if states and connected == len(states):
                self._say(status_table(states))
                self._say(f"All {len(states)} connections of '{self.stack_name}' are Connected.")
                return 0, deployment
            if self.clock() + interval > deadline:
                self._say(status_table(states) if states else "(no connections found)")
                self._say(f"Not every connection is Connected after {format_duration(timeout)}. What to check:")
                for step in troubleshooting(states):
                    self._say(f"  - {step}")
                return 1, deployment
            self.sleep(interval)

    # --------------------------------------------------------------------------------------------- evidence

    def evidence(
        self,
        directory: Path,
        interval: float,
        topology: TopologySpec | ResolvedNetwork,
        azure: AzureReads | None = None,
        deployment: Mapping[str, Any] | None = None,
    ) -> int:
        """Read from Azure what each connection negotiated and carries, check it against `topology`, and write
        `directory/evidence.json` and `directory/evidence.md` (vnet2vnet.evidence). 0 only when every check of
        every connection passes. `azure`: the reads (default: the Azure SDK with the stack's credentials);
        `deployment`: the stack's state, when the caller has it (then, with `azure`, no CLI runs)."""
        from vnet2vnet import evidence, evidence_reads

        network = resolved(topology)
        topology = network.spec

        if deployment is None or azure is None:
            stack = self._existing_stack()
            deployment = deployment if deployment is not None else (stack.export_stack().deployment or {})
            azure = azure or self._sdk_reads(stack, topology)
            if azure is None:
                return 2
        connections = state_connections(deployment, link_names(_project_name(self.project_dir), topology))
        # Each direction's key -> (its local VNet, its remote VNet).
        directions = {link_key(local, remote): (local, remote) for local, remote in topology.directions()}
        collected = evidence_reads.Collected()
        self._say(f"evidence: reading {len(connections)} connection(s) of '{self.stack_name}' from Azure")
        evidence_reads.sample(connections, azure, collected, self.now)
        evidence_reads.read_security(connections, azure, collected)
        self._say(f"evidence: reading the byte counters again in {format_duration(interval)}")
        self.sleep(interval)
        evidence_reads.sample(connections, azure, collected, self.now)
        reads = evidence_reads.connection_reads(connections, collected, directions)
        policies = {link: network.link(*ends).connection.ipsec_policy for link, ends in directions.items()}
        document = evidence.evidence_document(
            project=_project_name(self.project_dir),
            stack=self.stack_name,
            generated_at=self.now(),
            reads=reads,
            policies=policies,
        )
        try:
            directory.mkdir(parents=True, exist_ok=True)
            # Each file replaced whole or not at all, never written through a link planted there since the check.
            write_atomically(directory / evidence.REPORT_JSON, json.dumps(document, indent=2) + "\n")
            write_atomically(directory / evidence.REPORT_MARKDOWN, evidence.evidence_markdown(document))
        except OSError as error:
            self._say(f"evidence: the report could not be written to {directory}: {error.strerror or error}")
            return 1
        for connection in document["connections"]:
            failing = [c["check"] for c in connection["checks"] if c["result"] != "pass"]
            self._say(
                f"  {connection['link']}: {connection['verdict']}" + (f" ({', '.join(failing)})" if failing else "")
            )
        self._say(
            f"evidence: {document['verdict']}; wrote {directory / evidence.REPORT_JSON} and "
            f"{directory / evidence.REPORT_MARKDOWN}"
        )
        return 0 if document["verdict"] == "pass" else 1

    def _reading_workspace(self, program: Callable[[], None]) -> LocalWorkspace:
        """A workspace on this project whose program only reads (invokes): its preview registers nothing."""
        from pulumi import automation as auto

        return auto.LocalWorkspace(
            work_dir=str(self.project_dir),
            program=program,
            env_vars=dict(self.env) or None,
            pulumi_home=self.env.get("PULUMI_HOME"),
            pulumi_command=self._command(),
        )

    def _sdk_reads(self, stack: Stack, topology: TopologySpec) -> AzureReads | None:
        """The Azure SDK reads with the credentials the stack's azure-native providers use (its `azure-native:*`
        config, decrypted by the engine, then ARM_*), or None after saying which setting is missing."""
        from vnet2vnet import azure_reads
        from vnet2vnet.azure_auth import AuthConfigError

        config = {k: v.value for k, v in stack.get_all_config().items() if k.startswith("azure-native:")}
        try:
            return azure_reads.sdk_reads(config, topology, {**os.environ, **self.env})
        except AuthConfigError as error:
            self._say(f"no Azure credentials: {error}")
            return None

    # ------------------------------------------------------------------------------------------------ adopt

    def adopt_keys(self, keys: Sequence[LinkKey], topology: TopologySpec, azure: AzureReads | None = None) -> int:
        """Read each link's key from its two existing connections (Azure's GetSharedKey, through the Azure SDK with
        the stack's credentials, or `azure`) and set it as the stack's secret config, so that the adopted
        connections keep their key. Never printed, never in a file in clear."""
        from pulumi import automation as auto

        stack = auto.Stack.create_or_select(self.stack_name, self._workspace())
        if azure is None:
            azure = self._sdk_reads(stack, topology)
            if azure is None:
                return 2
        read: dict[str, str | None] = {}
        for link in keys:
            for connection_id in link.connection_ids:
                try:
                    read[connection_id] = azure.shared_key(connection_id)
                except Exception as error:
                    self._say(f"adopt: reading the key of {connection_id} failed: {_one_line(error)}")
                    read[connection_id] = None
        problems = 0
        for link in keys:
            found = {read.get(connection_id) for connection_id in link.connection_ids}
            if None in found:
                self._say(f"adopt: the key of link {link.link} could not be read from its connections")
                problems += 1
            elif len(found) != 1:
                # Compared, never shown: the two directions of a working tunnel share one key.
                self._say(
                    f"adopt: the two connections of link {link.link} have different keys: the tunnel cannot be up"
                )
                problems += 1
            else:
                if link.new_entry is not None:
                    for position, vnet in enumerate(link.new_entry):
                        entry = link.config_key.rsplit(".", 1)[0]
                        stack.set_config(f"{entry}.vnets[{position}]", auto.ConfigValue(vnet), path=True)
                # On the CLI's standard input: a key in a process argument is visible to every local user.
                set_secret_config(
                    self.cli or find_cli(),
                    work_dir=self.project_dir,
                    stack=self.stack_name,
                    key=link.config_key,
                    value=found.pop() or "",
                    path=link.path,
                    env=self.env,
                )
                self._say(f"adopt: link {link.link}: its existing key is now the stack's secret {link.config_key}")
        return 1 if problems else 0

    # ---------------------------------------------------------------------------------------------- recover

    def recover(self, *, yes: bool, ask: Callable[[str], str]) -> RecoveryReport:
        """Unlock the stack and resolve its pending operations from what Azure holds (vnet2vnet.recovery): stale
        locks go, any other only with `yes` or the user's confirmation; pending creates are looked up by the ID their
        inputs give and imported at their URN, or dropped when Azure has none; what Azure is still building is
        reported. The report's `exit_code`: 0 settled, 1 something still building (or locked, or Failed)."""
        from pulumi import automation as auto

        stack = self._existing_stack()
        report = RecoveryReport(self.stack_name)
        if not self._unlock(stack, report, yes=yes, ask=ask):
            return report
        exported = stack.export_stack()
        deployment = dict(exported.deployment or {})
        default = self._default_subscription()
        edited, decided = recovery.plan_recovery(
            deployment, lambda resource: recovery.subscription_for(deployment, resource, default), self.now()
        )
        checked = recovery.unsettled(edited)
        if decided:
            stack.import_stack(auto.Deployment(version=exported.version or 3, deployment=edited))
        targets = sorted({plan.pending.urn for plan in decided if plan.action in ("look-up", "read")} | set(checked))
        if targets:
            self._say(f"recover: reading {len(targets)} resource(s) from Azure")
            stack.refresh(target=targets, on_output=None, show_secrets=False)
        after = stack.export_stack()
        refreshed = dict(after.deployment or {})
        restored = recovery.restore_inputs(refreshed, decided)
        if restored is not None:
            stack.import_stack(auto.Deployment(version=after.version or 3, deployment=restored))
            refreshed = restored
        report.outcomes = recovery.outcomes(decided, checked, refreshed)
        report.pending_left = len(recovery.pending_operations(refreshed))
        for outcome in report.outcomes:
            self._say(f"recover: {outcome.name} ({recovery.noun(outcome.type)}): {outcome.message}")
        if not report.outcomes and not report.locks:
            self._say(f"recover: stack '{self.stack_name}' is unlocked and has no pending operation; nothing to do")
        return report

    def _unlock(self, stack: Stack, report: RecoveryReport, *, yes: bool, ask: Callable[[str], str]) -> bool:
        """Remove the stack's stale locks; any other only when told to (`pulumi cancel`). False when a lock stays."""
        import socket

        url = stack.workspace.who_am_i().url or ""
        locks, where = _lock_files(url, _project_name(self.project_dir), self.stack_name)
        if where == "cloud" and _cloud_update_running(stack):
            locks = [recovery.Lock("Pulumi Cloud", None, "Pulumi Cloud", "", "an update in progress")]
        elif where == "unknown":
            report.notes.append(f"the locks of a {url.split(':', 1)[0]} backend cannot be listed here")
        others = []
        for lock in locks:
            if where == "file" and recovery.lock_is_stale(lock, socket.gethostname(), _running):
                for path in (Path(lock.path), Path(f"{lock.path}.attrs")):
                    path.unlink(missing_ok=True)
                report.locks.append({**_lock_json(lock), "stale": True, "action": "removed"})
                self._say(f"recover: removed the stale lock of {lock.describe()}: that process no longer runs")
            else:
                others.append(lock)
        if not others:
            return True
        shown = "; ".join(lock.describe() for lock in others)
        question = (
            f"Stack '{self.stack_name}' is locked by {shown}, which may still be running an update (on another "
            "machine, a live process, or Pulumi Deployments). Remove the lock? Type the stack name to confirm: "
        )
        if yes or ask(question).strip() == self.stack_name:
            stack.cancel()
            report.locks += [{**_lock_json(lock), "stale": False, "action": "removed"} for lock in others]
            self._say(f"recover: removed the lock of {shown} (pulumi cancel)")
            return True
        report.locks += [{**_lock_json(lock), "stale": False, "action": "kept"} for lock in others]
        report.still_locked = True
        self._say(
            f"recover: stack '{self.stack_name}' stays locked by {shown}: wait for that update to end, or run "
            f"`vnet2vnet recover --stack {self.stack_name} --yes` if you know it is gone"
        )
        return False

    def _default_subscription(self) -> str | None:
        """The default provider's subscription, as azure-native finds it: stack config, then ARM_SUBSCRIPTION_ID,
        then the Azure CLI's current one."""
        import os
        import shutil
        import subprocess

        from vnet2vnet.stack_files import ConfigFileError, read_yaml_file

        try:
            config = read_yaml_file(self.project_dir / f"Pulumi.{self.stack_name}.yaml").document.get("config") or {}
        except (ConfigFileError, OSError):
            config = {}
        given = config.get("azure-native:subscriptionId") if isinstance(config, dict) else None
        if isinstance(given, str) and given:
            return given
        environment = {**os.environ, **self.env}
        for name in ("ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"):
            if environment.get(name):
                return environment[name]
        az = shutil.which("az")
        if az is None:
            return None
        shown = subprocess.run(
            [az, "account", "show", "--query", "id", "-o", "tsv"], capture_output=True, text=True, check=False
        )
        return shown.stdout.strip() or None if shown.returncode == 0 else None


@dataclass
class RecoveryReport:
    """What `recover` found and did; `--json` prints `as_json()`."""

    stack: str
    locks: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[recovery.Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    still_locked: bool = False
    pending_left: int = 0

    @property
    def exit_code(self) -> int:
        waiting = any(outcome.action in ("building", "failed") for outcome in self.outcomes)
        return 1 if self.still_locked or waiting or self.pending_left else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "locks": self.locks,
            "resources": [outcome.as_json() for outcome in self.outcomes],
            "notes": self.notes,
            "locked": self.still_locked,
            "pending_operations": self.pending_left,
            "ok": self.exit_code == 0,
        }


def _lock_json(lock: recovery.Lock) -> dict[str, Any]:
    return {"path": lock.path, "pid": lock.pid, "hostname": lock.hostname, "timestamp": lock.timestamp}


def _lock_files(url: str, project: str, stack: str) -> tuple[list[recovery.Lock], str]:
    """The stack's lock files on a local file backend (Pulumi's DIY layout: .pulumi/locks/organization/<project>/
    <stack>/<uuid>.json, or .pulumi/locks/<stack>/ in the legacy layout), and what kind of backend it is."""
    if url.startswith(("https://", "http://")):
        return [], "cloud"
    if not url.startswith("file://"):
        return [], "unknown"
    path = url[len("file://") :].split("?", 1)[0]
    root = Path(path).expanduser()
    folders = [root / ".pulumi" / "locks" / "organization" / project / stack, root / ".pulumi" / "locks" / stack]
    found = []
    for folder in folders:
        for lock in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                found.append(recovery.parse_lock(str(lock), lock.read_text(errors="replace")))
            except OSError:
                continue
    return found, "file"


def _cloud_update_running(stack: Stack) -> bool:
    """An update in progress on Pulumi Cloud (possibly a Pulumi Deployments run): its latest update has no result."""
    history = stack.history(page_size=1)
    return bool(history) and str(history[0].result) == "in-progress"


def _running(pid: int) -> bool:
    """Whether a process runs (a zombie does not: it has ended and waits only to be reaped)."""
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True
