"""Azure's behaviour for the monitoring resources: a Log Analytics workspace, diagnostic settings, action groups,
metric alerts and log (scheduled query) alerts. Alerts never fire in the emulator: these are configuration only.

Sources are cited per rule. Where Azure's documentation or known responses give the error code, it is Azure's
(BadRequest "Category 'X' is not supported.", LocationNotAvailableForResourceType); elsewhere the code is the
emulator's own, named after the rule.
"""

from __future__ import annotations

import re
from typing import Any

from vnet2vnet.emulator.azure import (
    ACTION_GROUP,
    DIAGNOSTIC_SETTING,
    GATEWAY,
    METRIC_ALERT,
    PUBLIC_IP,
    RESOURCE_TYPES,
    RG,
    SCHEDULED_QUERY_RULE,
    VNET,
    WORKSPACE,
    AzureError,
    find,
    key,
    path_values,
    resource_group_id,
    scope_of,
    subscription_of,
)
from vnet2vnet.emulator.azure import _etag as etag
from vnet2vnet.emulator.azure import _resource_guid as guid

DIAGNOSTIC_SETTINGS_DOC = "https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings"
VPN_MONITOR_REFERENCE = "https://learn.microsoft.com/azure/vpn-gateway/monitor-vpn-gateway-reference"
SUPPORTED_LOGS_DOC = "https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/logs-index"
METRIC_ALERTS_DOC = "https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-metric-overview"
METRIC_ALERTS_REST = "https://learn.microsoft.com/rest/api/monitor/metric-alerts/create-or-update"
ACTION_GROUPS_REST = "https://learn.microsoft.com/rest/api/monitor/action-groups/create-or-update"
SCHEDULED_QUERY_RULES_REST = "https://learn.microsoft.com/rest/api/monitor/scheduled-query-rules/create-or-update"
NAME_RULES_DOC = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules"
RETENTION_DOC = "https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure"

# Resource log categories a diagnostic setting may name, per target type (Azure Monitor's "supported logs" tables;
# the VPN gateway's from its monitoring reference). Every type here also exports its platform metrics as
# `AllMetrics`. A type not listed is not checked: the emulator does not know its categories.
LOG_CATEGORIES: dict[str, frozenset[str]] = {
    GATEWAY: frozenset(
        {"GatewayDiagnosticLog", "TunnelDiagnosticLog", "RouteDiagnosticLog", "IKEDiagnosticLog", "P2SDiagnosticLog"}
    ),
    VNET: frozenset({"VMProtectionAlerts"}),
    PUBLIC_IP: frozenset({"DDoSProtectionNotifications", "DDoSMitigationFlowLogs", "DDoSMitigationReports"}),
}
METRIC_CATEGORIES = frozenset({"AllMetrics"})
CATEGORY_GROUPS = frozenset({"allLogs"})  # every resource with resource logs has allLogs (DIAGNOSTIC_SETTINGS_DOC)
MAX_DIAGNOSTIC_SETTINGS = 5  # "Each resource can have up to five diagnostic settings." (DIAGNOSTIC_SETTINGS_DOC)

# Metric alert windows and frequencies, in minutes (METRIC_ALERTS_REST; the portal offers the same lists).
WINDOW_SIZES = {1: "PT1M", 5: "PT5M", 15: "PT15M", 30: "PT30M", 60: "PT1H", 360: "PT6H", 720: "PT12H", 1440: "PT24H"}
EVALUATION_FREQUENCIES = {1: "PT1M", 5: "PT5M", 15: "PT15M", 30: "PT30M", 60: "PT1H"}
SEVERITIES = range(5)  # "Alert severity {0, 1, 2, 3, 4}" (METRIC_ALERTS_REST, SCHEDULED_QUERY_RULES_REST)
ACTION_GROUP_SHORT_NAME_MAX = 12  # groupShortName maxLength (ACTION_GROUPS_REST)
WORKSPACE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]")  # 4-63 (NAME_RULES_DOC)
RETENTION_DAYS = range(30, 731)  # 30 days to 2 years (RETENTION_DOC)


def _refuse(code: str, message: str, rid: str, status: int = 400) -> AzureError:
    return AzureError(status, code, message, "PUT", rid)


def _not_found(reference: str, rid: str, what: str) -> AzureError:
    return _refuse("ResourceNotFound", f"The Resource '{reference}' ({what}) was not found.", rid, 404)


def check_write(state: dict[str, Any], type_token: str, rid: str, inputs: dict[str, Any]) -> None:
    """Azure's refusals of a monitoring resource's PUT."""
    checks = {
        WORKSPACE: _check_workspace,
        DIAGNOSTIC_SETTING: _check_diagnostic_setting,
        ACTION_GROUP: _check_action_group,
        METRIC_ALERT: _check_metric_alert,
        SCHEDULED_QUERY_RULE: _check_scheduled_query_rule,
    }
    checks[type_token](state, rid, inputs)


def computed(record: dict[str, Any]) -> dict[str, Any]:
    """What Azure adds to a monitoring resource, beyond id, name and type (azure-native 3.29.0's output-only
    properties; defaults where the inputs leave them out)."""
    type_token, rid, inputs = record["type"], record["id"], record["inputs"]
    if type_token == WORKSPACE:
        return {
            "etag": etag(record),
            "provisioningState": record["provisioningState"],
            "customerId": guid(f"customerId:{key(rid)}"),  # the workspace ID agents and queries use
            # A new workspace is pay-as-you-go with 30 days' retention (RETENTION_DOC).
            "sku": inputs.get("sku") or {"name": "PerGB2018"},
            "retentionInDays": inputs.get("retentionInDays", 30.0),
        }
    if type_token == METRIC_ALERT:
        return {"isMigrated": False}
    if type_token == SCHEDULED_QUERY_RULE:
        return {"etag": etag(record), "isWorkspaceAlertsStorageConfigured": False, "isLegacyLogAnalyticsRule": False}
    return {}


# ------------------------------------------------------------------------------------------ shared rules


def _location(state: dict[str, Any], rid: str, inputs: dict[str, Any]) -> str:
    """The location Azure receives: the input, else the resource group's (azure-native's default)."""
    group = find(state, resource_group_id(rid))
    return str(
        inputs.get("location") or (group or {}).get("location") or (group or {}).get("inputs", {}).get("location") or ""
    )


def _location_not_available(location: str, type_token: str, allowed: str, rid: str) -> AzureError:
    # ARM's wording (e.g. MicrosoftDocs/azure-docs#5156 for action groups).
    arm_type = RESOURCE_TYPES[type_token].arm_type.lower()
    return _refuse(
        "LocationNotAvailableForResourceType",
        f"The provided location '{location}' is not available for resource type '{arm_type}'. "
        f"List of available regions for the resource type is '{allowed}'.",
        rid,
    )


def _global_only(state: dict[str, Any], type_token: str, rid: str, inputs: dict[str, Any]) -> None:
    location = _location(state, rid, inputs)
    if location.lower() != "global":
        raise _location_not_available(location, type_token, "global", rid)


def _regional_only(state: dict[str, Any], type_token: str, rid: str, inputs: dict[str, Any]) -> None:
    location = _location(state, rid, inputs)
    if not location:
        raise _refuse("LocationRequired", "The location property is required for this definition.", rid)
    if location.lower() == "global":
        raise _location_not_available(location, type_token, "a region (not global)", rid)


def _severity(inputs: dict[str, Any], rid: str, doc: str) -> None:
    severity = inputs.get("severity")
    if severity is not None and not (float(severity).is_integer() and int(severity) in SEVERITIES):
        raise _refuse("InvalidSeverity", f"Alert severity must be 0, 1, 2, 3 or 4, not {severity} ({doc}).", rid)


def _emulated_subscriptions(state: dict[str, Any], rid: str) -> set[str]:
    """The subscriptions the emulator stands in for: the writer's and every one that holds a resource."""
    found = {subscription_of(rid).lower()}
    for record in state["resources"].values():
        found.add(str(record.get("subscription") or subscription_of(record["id"])).lower())
    return found - {""}


def _exists(state: dict[str, Any], reference: str) -> bool:
    """A subscription ID exists when the emulator serves it; anything else when its record is in the state."""
    if re.fullmatch(r"/subscriptions/[^/]+/?", reference, re.IGNORECASE):
        return subscription_of(reference).lower() in _emulated_subscriptions(state, reference)
    return find(state, reference) is not None


def _action_groups_exist(state: dict[str, Any], rid: str, action_group_ids: list[Any], doc: str) -> None:
    """Each referenced action group must exist, when it is in a subscription the emulator serves (one elsewhere
    cannot be seen from here)."""
    served = _emulated_subscriptions(state, rid)
    for action_group_id in action_group_ids:
        reference = str(action_group_id or "")
        if path_values(ACTION_GROUP, reference) is None:
            raise _refuse("LinkedInvalidPropertyId", f"'{reference}' is not the ID of an action group ({doc}).", rid)
        if subscription_of(reference).lower() in served and find(state, reference) is None:
            raise _not_found(reference, rid, "an action group of this alert")


def _scopes_exist(state: dict[str, Any], rid: str, scopes: list[Any]) -> None:
    for scope in scopes:
        if not _exists(state, str(scope)):
            raise _not_found(str(scope), rid, "a scope of this alert rule")


def _minutes(duration: Any) -> float | None:
    """An ISO 8601 duration (PT5M, PT1H, P1D) in minutes; None when it is not one."""
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", str(duration or ""))
    if match is None or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return days * 1440 + hours * 60 + minutes + seconds / 60


# ------------------------------------------------------------------------------------------ per type


def _check_workspace(state: dict[str, Any], rid: str, inputs: dict[str, Any]) -> None:
    name = rid.rsplit("/", 1)[-1]
    if not WORKSPACE_NAME.fullmatch(name):
        raise _refuse(
            "InvalidWorkspaceName",
            f"Workspace name '{name}' must be 4 to 63 letters, digits or hyphens, starting and ending with a letter "
            f"or digit ({NAME_RULES_DOC}#microsoftoperationalinsights).",
            rid,
        )
    _regional_only(state, WORKSPACE, rid, inputs)
    retention = inputs.get("retentionInDays")
    sku = str((inputs.get("sku") or {}).get("name") or "PerGB2018")
    if retention is not None and sku.lower() != "free" and int(retention) not in RETENTION_DAYS:
        raise _refuse(
            "InvalidRetentionInDays",
            f"retentionInDays {retention} is out of range: 30 to 730 days ({RETENTION_DOC}).",
            rid,
        )


def _check_diagnostic_setting(state: dict[str, Any], rid: str, inputs: dict[str, Any]) -> None:
    target_id = scope_of(DIAGNOSTIC_SETTING, rid) or ""
    target = find(state, target_id)
    if target is None:
        raise _not_found(target_id, rid, "the resource this diagnostic setting is for")
    workspace_id = inputs.get("workspaceId")
    if workspace_id:
        # The destination workspace must be an existing Log Analytics workspace (DIAGNOSTIC_SETTINGS_DOC,
        # "Destinations").
        if path_values(WORKSPACE, str(workspace_id)) is None:
            raise _refuse(
                "LinkedInvalidPropertyId",
                f"Property id '{workspace_id}' at path 'properties.workspaceId' is invalid: expected the ID of a "
                "Log Analytics workspace (/subscriptions/{s}/resourceGroups/{rg}/providers/"
                "Microsoft.OperationalInsights/workspaces/{name}).",
                rid,
            )
        if find(state, str(workspace_id)) is None:
            raise _not_found(str(workspace_id), rid, "the workspaceId of this diagnostic setting")
    _check_categories(target["type"], rid, inputs)
    others = [
        r["id"]
        for r in state["resources"].values()
        if r["type"] == DIAGNOSTIC_SETTING
        and key(r["id"]) != key(rid)
        and key(scope_of(DIAGNOSTIC_SETTING, r["id"]) or "") == key(target_id)
    ]
    if len(others) >= MAX_DIAGNOSTIC_SETTINGS:
        raise _refuse(
            "DiagnosticSettingsLimitReached",
            f"Resource {target_id} already has {len(others)} diagnostic settings; each resource can have up to "
            f"{MAX_DIAGNOSTIC_SETTINGS} ({DIAGNOSTIC_SETTINGS_DOC}).",
            rid,
        )


def _check_categories(target_type: str, rid: str, inputs: dict[str, Any]) -> None:
    categories = LOG_CATEGORIES.get(target_type)
    if categories is None:
        return
    for log in inputs.get("logs") or []:
        category, group = log.get("category"), log.get("categoryGroup")
        if category is not None and category not in categories:
            # Azure's answer (hashicorp/terraform-provider-azurerm#2985); the target type's categories from
            # VPN_MONITOR_REFERENCE and SUPPORTED_LOGS_DOC.
            raise _refuse(
                "BadRequest",
                f"Category '{category}' is not supported. Supported for {RESOURCE_TYPES[target_type].arm_type}: "
                f"{', '.join(sorted(categories))} ({VPN_MONITOR_REFERENCE}).",
                rid,
            )
        if group is not None and group not in CATEGORY_GROUPS:
            raise _refuse("BadRequest", f"Category group '{group}' is not supported.", rid)
    for metric in inputs.get("metrics") or []:
        category = metric.get("category")
        if category is not None and category not in METRIC_CATEGORIES:
            raise _refuse(
                "BadRequest",
                f"Metric category '{category}' is not supported, supported categories are: 'AllMetrics'",
                rid,
            )


def _check_action_group(state: dict[str, Any], rid: str, inputs: dict[str, Any]) -> None:
    # Action groups are global resources: location "Global" (ACTION_GROUPS_REST; MicrosoftDocs/azure-docs#5156).
    _global_only(state, ACTION_GROUP, rid, inputs)
    short_name = str(inputs.get("groupShortName") or "")
    if len(short_name) > ACTION_GROUP_SHORT_NAME_MAX:
        raise _refuse(
            "InvalidGroupShortName",
            f"groupShortName '{short_name}' is {len(short_name)} characters; at most "
            f"{ACTION_GROUP_SHORT_NAME_MAX} ({ACTION_GROUPS_REST}).",
            rid,
        )


def _check_metric_alert(state: dict[str, Any], rid: str, inputs: dict[str, Any]) -> None:
    # Metric alert rules are global resources: location "global" (METRIC_ALERTS_REST).
    _global_only(state, METRIC_ALERT, rid, inputs)
    _severity(inputs, rid, METRIC_ALERTS_REST)
    window, frequency = _minutes(inputs.get("windowSize")), _minutes(inputs.get("evaluationFrequency"))
    if window not in WINDOW_SIZES:
        raise _refuse(
            "InvalidWindowSize",
            f"windowSize {inputs.get('windowSize')} is not supported; one of {', '.join(WINDOW_SIZES.values())} "
            f"({METRIC_ALERTS_DOC}).",
            rid,
        )
    if frequency not in EVALUATION_FREQUENCIES:
        raise _refuse(
            "InvalidEvaluationFrequency",
            f"evaluationFrequency {inputs.get('evaluationFrequency')} is not supported; one of "
            f"{', '.join(EVALUATION_FREQUENCIES.values())} ({METRIC_ALERTS_DOC}).",
            rid,
        )
    if frequency > window:
        raise _refuse(
            "InvalidEvaluationFrequency",
            f"evaluationFrequency {inputs.get('evaluationFrequency')} is longer than windowSize "
            f"{inputs.get('windowSize')}: a rule is evaluated at least once per window ({METRIC_ALERTS_DOC}).",
            rid,
        )
    scopes = list(inputs.get("scopes") or [])
    _scopes_exist(state, rid, scopes)
    # "Mandatory if the scope contains a subscription, resource group, or more than one resource."
    # (METRIC_ALERTS_REST, targetResourceType and targetResourceRegion)
    records = [find(state, str(scope)) for scope in scopes]
    broad = len(scopes) > 1 or any(record is None or record["type"] == RG for record in records)
    if broad:
        for field in ("targetResourceType", "targetResourceRegion"):
            if not inputs.get(field):
                raise _refuse(
                    "MissingTargetResource",
                    f"{field} is required when the scopes are a subscription, a resource group or several "
                    f"resources ({METRIC_ALERTS_REST}).",
                    rid,
                )
    actions = [action.get("actionGroupId") for action in inputs.get("actions") or [] if isinstance(action, dict)]
    _action_groups_exist(state, rid, actions, METRIC_ALERTS_REST)


# The windows and frequencies a log search alert takes (https://learn.microsoft.com/azure/azure-monitor/alerts/
# resource-manager-alerts-log: windowSize and evaluationFrequency allowed values; Azure's own refusal lists the same,
# hashicorp/terraform-provider-azurerm #18886).
LOG_ALERT_WINDOWS = frozenset(
    {"PT1M", "PT5M", "PT10M", "PT15M", "PT30M", "PT45M", "PT1H", "PT2H", "PT3H", "PT4H", "PT5H", "PT6H", "P1D", "P2D"}
)
LOG_ALERT_FREQUENCIES = frozenset({"PT1M", "PT5M", "PT10M", "PT15M", "PT30M", "PT45M", "PT1H", "PT2H", "PT3H", "PT4H",
                                   "PT5H", "PT6H", "P1D"})  # fmt: skip


def _check_scheduled_query_rule(state: dict[str, Any], rid: str, inputs: dict[str, Any]) -> None:
    # A log search alert rule runs in a region: its location is a region, not "global"
    # (SCHEDULED_QUERY_RULES_REST).
    _regional_only(state, SCHEDULED_QUERY_RULE, rid, inputs)
    for name, allowed in (("windowSize", LOG_ALERT_WINDOWS), ("evaluationFrequency", LOG_ALERT_FREQUENCIES)):
        value = inputs.get(name)
        if value is not None and str(value).upper() not in allowed:
            raise _refuse(
                "BadRequest",
                f"{name} {value} is not supported for a log search alert; one of {', '.join(sorted(allowed))}.",
                rid,
            )
    _severity(inputs, rid, SCHEDULED_QUERY_RULES_REST)
    _scopes_exist(state, rid, list(inputs.get("scopes") or []))
    actions = inputs.get("actions") or {}
    _action_groups_exist(state, rid, list(actions.get("actionGroups") or []), SCHEDULED_QUERY_RULES_REST)
