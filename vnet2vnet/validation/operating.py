"""Operating: diagnostic settings and alerts. Pure: spec in, findings out."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vnet2vnet import azure_facts as facts
from vnet2vnet import naming
from vnet2vnet.existing import (
    ACTION_GROUP_ID,
    ACTION_GROUP_ID_EXAMPLE,
    WORKSPACE_ID,
    WORKSPACE_ID_EXAMPLE,
    parse_id,
)
from vnet2vnet.findings import Finding, KeyPath, camel_case, error, warning
from vnet2vnet.network import ResolvedNetwork
from vnet2vnet.spec import TopologySpec, link_key

# An address an action group can mail: one @, something on each side, no spaces (what the portal accepts; Azure
# validates the rest by sending). Azure gives no stricter rule for emailReceivers.emailAddress.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_operating(network: ResolvedNetwork) -> Iterator[Finding]:
    """Diagnostic settings and alerts: one destination each, well-formed IDs, windows and severities Azure
    accepts (azure_facts: ALERT_WINDOW_MINUTES, ALERT_SEVERITIES), and the logs a tunnel-down alert reads."""
    topology = network.spec
    diagnostics, alerts = topology.diagnostics, topology.alerts
    if diagnostics is not None:
        yield from _one_destination(
            ("diagnostics",),
            existing=("workspace_id", diagnostics.workspace_id),
            kind=("a Log Analytics workspace", WORKSPACE_ID, WORKSPACE_ID_EXAMPLE),
            created=("create_workspace", diagnostics.create_workspace),
            example="createWorkspace: true",
        )
        if not any(vnet.creates_gateway for vnet in topology.vnets):
            workspace = (
                ", and no workspace (createWorkspace makes one only for them)" if diagnostics.create_workspace else ""
            )
            yield warning(
                ("diagnostics",),
                f"every gateway exists already ({_existing_gateway_keys(topology)}): diagnostic settings go only on "
                f"gateways created here, so none is created{workspace}",
                "set the existing gateways' diagnostic settings where they are managed, or remove diagnostics",
            )
    if alerts is None:
        return
    yield from _one_destination(
        ("alerts",),
        existing=("action_group_id", alerts.action_group_id),
        kind=("an action group", ACTION_GROUP_ID, ACTION_GROUP_ID_EXAMPLE),
        created=("emails", bool(alerts.emails)),
        example="emails: [ops@example.com]",
    )
    for index, address in enumerate(alerts.emails):
        if not EMAIL_PATTERN.match(address):
            yield error(("alerts", "emails", index), f"'{address}' is not an email address", "write name@domain")
    if alerts.window_minutes not in facts.ALERT_WINDOW_MINUTES:
        allowed = ", ".join(str(minutes) for minutes in facts.ALERT_WINDOW_MINUTES)
        yield error(
            ("alerts", "window_minutes"),
            f"{alerts.window_minutes} is not a window Azure Monitor alerts take",
            f"use one of {allowed} (minutes)",
        )
    if alerts.severity not in facts.ALERT_SEVERITIES:
        yield error(
            ("alerts", "severity"),
            f"{alerts.severity} is not an Azure Monitor severity",
            "use 0 (Critical), 1 (Error), 2 (Warning), 3 (Informational) or 4 (Verbose)",
        )
    if diagnostics is None:
        yield error(
            ("alerts",),
            "a tunnel-down alert searches the gateways' TunnelDiagnosticLog, which only diagnostic settings send "
            f"to a workspace ({facts.TUNNEL_DOWN_ALERT_DOC})",
            "add diagnostics: {createWorkspace: true} (or workspaceId)",
        )
    yield from _unwatched(topology, alerts.emails)


def _existing_gateway_keys(topology: TopologySpec) -> str:
    return ", ".join(
        f"vnets[{i}].existingGatewayId" for i, vnet in enumerate(topology.vnets) if not vnet.creates_gateway
    )


def _unwatched(topology: TopologySpec, emails: tuple[str, ...]) -> Iterator[Finding]:
    """Connections from an existing gateway are not watched (`naming.watched`): its logs are not sent here. Said per
    link: watched the other way, or not at all, or (every gateway existing) no link is watched, and nothing is
    created for the alerts (`naming.creates_action_group`)."""
    directions = topology.directions()
    unwatched = [(local, remote) for local, remote in directions if not naming.watched(topology, local)]
    fix = "alert on those gateways where they are managed"
    if unwatched and len(unwatched) == len(directions):
        group = ", and no action group (emails makes one only for the alerts)" if emails else ""
        yield warning(
            ("alerts",),
            f"no link is watched: every gateway exists already ({_existing_gateway_keys(topology)}), and only "
            f"gateways created here send their logs to the workspace, so no alert is created{group}",
            f"{fix}, or remove alerts",
        )
        return
    one_way = [link_key(*ends) for ends in unwatched if naming.watched(topology, ends[1])]
    neither = [(a, b) for a, b in topology.link_pairs() if (a, b) in unwatched and (b, a) in unwatched]
    said = []
    if one_way:
        whose = "its gateway exists" if len(one_way) == 1 else "their gateway exists"
        other = "of its link is" if len(one_way) == 1 else "of each of these links is"
        said.append(
            f"no alerts on {', '.join(one_way)}: {whose} already, so its logs are not sent here (the other "
            f"direction {other} watched)"
        )
    if len(neither) == 1:
        said.append(
            f"no alerts on either direction of the link between {neither[0][0]} and {neither[0][1]}: both "
            "its gateways exist already"
        )
    elif neither:
        links = ", ".join(str(list(pair)) for pair in neither)
        said.append(f"no alerts on either direction of the links {links}: both gateways of each exist already")
    if said:
        yield warning(("alerts",), "; ".join(said), fix)


def _one_destination(
    path: KeyPath,
    *,
    existing: tuple[str, str | None],
    kind: tuple[str, re.Pattern[str], str],
    created: tuple[str, bool],
    example: str,
) -> Iterator[Finding]:
    """Exactly one of two ways to name a destination: a well-formed ID of an existing resource of `kind`
    (what, pattern, example), or one created here."""
    (existing_key, existing_id), (created_key, creates), (what, pattern, id_example) = existing, created, kind
    keys = f"{camel_case(existing_key)} or {camel_case(created_key)}"
    if existing_id is None and not creates:
        yield error(path, f"names no destination: set {keys}", f"e.g. {path[-1]}: {{{example}}}")
    elif existing_id is not None and creates:
        yield error(path, f"sets both {camel_case(existing_key)} and {camel_case(created_key)}", "keep one of them")
    if existing_id is not None and parse_id(existing_id, pattern) is None:
        yield error((*path, existing_key), f"'{existing_id}' is not {what} resource ID", f"write {id_example}")
