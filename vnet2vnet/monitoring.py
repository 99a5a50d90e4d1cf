"""What the diagnostics and alerts say, as plain values: the tunnel-down query, alert windows, short names. Pure.

The components (`components/_monitoring.py`) only map these to azure-native's Monitor and Log Analytics resources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from vnet2vnet import azure_facts as facts


def iso_minutes(minutes: int) -> str:
    """An alert window or frequency as ARM wants it: `PT5M`, `PT1H`, `PT24H` (ISO 8601 durations)."""
    return f"PT{minutes // 60}H" if minutes >= 60 and minutes % 60 == 0 else f"PT{minutes}M"


def _kql_string(text: str) -> str:
    # A KQL string literal: quotes and backslashes escaped as JSON escapes them, which KQL reads the same
    # (https://learn.microsoft.com/kusto/query/scalar-data-types/string); other characters as they are (a resource
    # group may be named in any script, and KQL has no \u escape).
    return json.dumps(text, ensure_ascii=False)


def tunnel_down_query(gateway_id: str, remote_tunnel_ips: Sequence[str]) -> str:
    """The log search that finds `gateway_id`'s tunnels to `remote_tunnel_ips` disconnecting: Microsoft's documented
    query (facts.TUNNEL_DOWN_ALERT_DOC), which compares ResourceId in upper case, with the time filter left to
    the rule's window."""
    ips = ", ".join(_kql_string(ip) for ip in remote_tunnel_ips)
    # Without the remote's addresses (Azure reported none), every tunnel of the gateway is watched rather than none.
    remote = f"| where remoteIP_s in ({ips})\n" if ips else ""
    return (
        "AzureDiagnostics\n"
        f"| where Category == {_kql_string(facts.TUNNEL_DIAGNOSTIC_LOG)}\n"
        f"| where ResourceId == toupper({_kql_string(gateway_id)})\n"
        f"{remote}"
        f"| where status_s == {_kql_string(facts.TUNNEL_DISCONNECTED_STATUS)}"
    )


def action_group_short_name(component: str) -> str:
    """The short name an action group's emails and SMS show: letters and digits of the component's name, at most
    12 characters (facts.ACTION_GROUP_SHORT_NAME_LENGTH)."""
    letters = re.sub(r"[^A-Za-z0-9]", "", component) or "vnet2vnet"
    return letters[: facts.ACTION_GROUP_SHORT_NAME_LENGTH]
