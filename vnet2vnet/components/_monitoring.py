"""Diagnostic settings, the Log Analytics workspace, the action group and the alerts: azure-native resources from
the spec's `diagnostics` and `alerts` and the plain values of `vnet2vnet.monitoring`. Decides nothing on its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from vnet2vnet import azure_facts as facts
from vnet2vnet import naming
from vnet2vnet.monitoring import action_group_short_name, iso_minutes, tunnel_down_query
from vnet2vnet.spec import AlertsSpec, DiagnosticsSpec

Tags = pulumi.Input[Mapping[str, pulumi.Input[str]]]


@dataclass(frozen=True)
class Monitoring:
    """What a side or a link needs to know of the stack's diagnostics and alerts. `workspace_id` and
    `action_group_id` are the given ones, or, once the hosting side (`hosts_shared`) has created them, the created
    ones, with its `region`."""

    component: str
    diagnostics: DiagnosticsSpec | None = None
    alerts: AlertsSpec | None = None
    workspace_id: pulumi.Input[str] | None = None
    action_group_id: pulumi.Input[str] | None = None
    hosts_shared: bool = False
    # Whether the stack creates its workspace and action group: only when something uses them
    # (`naming.creates_workspace`, `naming.creates_action_group`); with every gateway existing, nothing does.
    creates_workspace: bool = False
    creates_action_group: bool = False
    region: pulumi.Input[str] | None = None  # the host's: where the workspace and the log search alerts live


def shared_resources(
    destinations: Monitoring,
    *,
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    tags: Tags,
    opts: pulumi.ResourceOptions,
) -> Monitoring:
    """The workspace and the action group the stack creates (on the side that hosts them): `destinations` with
    their IDs."""
    workspace_id, action_group_id = destinations.workspace_id, destinations.action_group_id
    if destinations.creates_workspace:
        workspace = operationalinsights.Workspace(
            naming.workspace_name(destinations.component),
            resource_group_name=resource_group_name,
            location=location,
            sku=operationalinsights.WorkspaceSkuArgs(name=facts.LOG_ANALYTICS_SKU),
            retention_in_days=facts.LOG_ANALYTICS_RETENTION_DAYS,
            tags=tags,
            opts=opts,
        )
        workspace_id = workspace.id
    if destinations.alerts is not None and destinations.creates_action_group:
        group = monitor.ActionGroup(
            naming.action_group_name(destinations.component),
            resource_group_name=resource_group_name,
            location=facts.GLOBAL_LOCATION,
            group_short_name=action_group_short_name(destinations.component),
            enabled=True,
            email_receivers=[
                monitor.MicrosoftCommonEmailReceiverArgs(
                    name=f"email{index}", email_address=address, use_common_alert_schema=True
                )
                for index, address in enumerate(destinations.alerts.emails, start=1)
            ],
            tags=tags,
            opts=opts,
        )
        action_group_id = group.id
    return Monitoring(
        destinations.component,
        destinations.diagnostics,
        destinations.alerts,
        workspace_id,
        action_group_id,
        hosts_shared=False,
        region=location,
    )


def gateway_diagnostics(
    side: str, gateway_id: pulumi.Input[str], workspace_id: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> monitor.DiagnosticSetting:
    """Every VPN gateway log category and all metrics to the workspace."""
    return monitor.DiagnosticSetting(
        naming.diagnostic_setting_name(side),
        resource_uri=gateway_id,
        workspace_id=workspace_id,
        logs=[
            monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True)
            for category in facts.GATEWAY_LOG_CATEGORIES
        ],
        metrics=[monitor.DiagnosticsMetricSettingsArgs(category=facts.ALL_METRICS_CATEGORY, enabled=True)],
        opts=opts,
    )


@dataclass(frozen=True)
class WatchedConnection:
    """One connection the alerts watch: its Pulumi name, its local gateway, the remote gateway's addresses."""

    name: str
    key: str  # "<local>-to-<remote>"
    resource_group_name: pulumi.Input[str]
    gateway_id: pulumi.Input[str]
    remote_tunnel_ips: pulumi.Input[Sequence[str]]
    remote_bgp_addresses: pulumi.Input[Sequence[str]] | None  # None: no BGP on this link


def connection_alerts(
    watched: WatchedConnection, destinations: Monitoring, tags: Tags, opts: pulumi.ResourceOptions
) -> list[pulumi.CustomResource]:
    """A log search alert when the tunnel disconnects and, with BGP, a metric alert when the BGP peer drops."""
    alerts, workspace_id, action_group_id = destinations.alerts, destinations.workspace_id, destinations.action_group_id
    if alerts is None or workspace_id is None or action_group_id is None or destinations.region is None:
        # Validation requires diagnostics with alerts, and one destination each; the hosting side sets the region.
        raise ValueError(f"alerts on {watched.key} need a workspace, an action group and the host's region")
    window = iso_minutes(alerts.window_minutes)
    every = iso_minutes(facts.ALERT_EVALUATION_MINUTES)
    query = pulumi.Output.all(watched.gateway_id, watched.remote_tunnel_ips).apply(
        lambda parts: tunnel_down_query(str(parts[0]), [str(ip) for ip in parts[1]])
    )
    created: list[pulumi.CustomResource] = [
        monitor.ScheduledQueryRule(
            naming.tunnel_alert_name(watched.name),
            resource_group_name=watched.resource_group_name,
            location=destinations.region,
            kind="LogAlert",
            description=f"The VPN tunnel {watched.key} disconnected ({facts.TUNNEL_DOWN_ALERT_DOC}).",
            display_name=f"{watched.key}: tunnel down",
            enabled=True,
            severity=alerts.severity,
            scopes=[workspace_id],
            window_size=window,
            evaluation_frequency=every,
            criteria=monitor.ScheduledQueryRuleCriteriaArgs(
                all_of=[
                    monitor.ConditionArgs(
                        query=query,
                        time_aggregation="Count",
                        operator="GreaterThan",
                        threshold=0,
                        failing_periods=monitor.ConditionFailingPeriodsArgs(
                            number_of_evaluation_periods=1, min_failing_periods_to_alert=1
                        ),
                    )
                ]
            ),
            auto_mitigate=True,
            actions=monitor.ActionsArgs(action_groups=[action_group_id]),
            tags=tags,
            opts=opts,
        )
    ]
    if watched.remote_bgp_addresses is not None:
        created.append(
            monitor.MetricAlert(
                naming.bgp_alert_name(watched.name),
                resource_group_name=watched.resource_group_name,
                location=facts.GLOBAL_LOCATION,
                description=f"The BGP peer of {watched.key} dropped ({facts.BGP_PEER_ALERT_DOC}).",
                enabled=True,
                severity=alerts.severity,
                scopes=[watched.gateway_id],
                window_size=window,
                evaluation_frequency=every,
                criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                    odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                    all_of=[
                        monitor.MetricCriteriaArgs(
                            criterion_type="StaticThresholdCriterion",
                            name="BgpPeerDown",
                            metric_name=facts.BGP_PEER_STATUS_METRIC,
                            metric_namespace=facts.GATEWAY_METRIC_NAMESPACE,
                            operator="LessThan",
                            threshold=1,
                            time_aggregation="Average",
                            dimensions=[
                                monitor.MetricDimensionArgs(
                                    name=facts.BGP_PEER_ADDRESS_DIMENSION,
                                    operator="Include",
                                    values=watched.remote_bgp_addresses,
                                )
                            ],
                        )
                    ],
                ),
                auto_mitigate=True,
                actions=[monitor.MetricAlertActionArgs(action_group_id=action_group_id)],
                tags=tags,
                opts=opts,
            )
        )
    return created
