"""Diagnostic settings, the Log Analytics workspace, the action group and the alerts: azure-native resources from
the spec's `diagnostics` and `alerts` and the plain values of `vnet2vnet.monitoring`. Decides nothing on its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from vnet2vnet import azure_facts as facts
from vnet2vnet import monitoring, naming
from vnet2vnet.spec import AlertsSpec, DiagnosticsSpec

Tags = pulumi.Input[Mapping[str, pulumi.Input[str]]]


@dataclass(frozen=True)
class Monitoring:
    """What a side needs to know of the stack's diagnostics and alerts. `workspace_id` and `action_group_id` are
    the given ones, or, once the first side has created them, the created ones; `hosts_shared` marks that side."""

    component: str
    diagnostics: DiagnosticsSpec | None = None
    alerts: AlertsSpec | None = None
    workspace_id: pulumi.Input[str] | None = None
    action_group_id: pulumi.Input[str] | None = None
    hosts_shared: bool = False


def shared_resources(
    monitoring_: Monitoring,
    *,
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    tags: Tags,
    opts: pulumi.ResourceOptions,
) -> Monitoring:
    """The workspace and the action group the stack creates (on the side that hosts them): `monitoring_` with
    their IDs."""
    workspace_id, action_group_id = monitoring_.workspace_id, monitoring_.action_group_id
    if monitoring_.diagnostics is not None and monitoring_.diagnostics.create_workspace:
        workspace = operationalinsights.Workspace(
            naming.workspace_name(monitoring_.component),
            resource_group_name=resource_group_name,
            location=location,
            sku=operationalinsights.WorkspaceSkuArgs(name=facts.LOG_ANALYTICS_SKU),
            retention_in_days=facts.LOG_ANALYTICS_RETENTION_DAYS,
            tags=tags,
            opts=opts,
        )
        workspace_id = workspace.id
    if monitoring_.alerts is not None and monitoring_.alerts.emails:
        group = monitor.ActionGroup(
            naming.action_group_name(monitoring_.component),
            resource_group_name=resource_group_name,
            location=facts.GLOBAL_LOCATION,
            group_short_name=monitoring.action_group_short_name(monitoring_.component),
            enabled=True,
            email_receivers=[
                monitor.MicrosoftCommonEmailReceiverArgs(
                    name=f"email{index}", email_address=address, use_common_alert_schema=True
                )
                for index, address in enumerate(monitoring_.alerts.emails, start=1)
            ],
            tags=tags,
            opts=opts,
        )
        action_group_id = group.id
    return Monitoring(
        monitoring_.component, monitoring_.diagnostics, monitoring_.alerts, workspace_id, action_group_id, False
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
    location: pulumi.Input[str]
    gateway_id: pulumi.Input[str]
    remote_tunnel_ips: pulumi.Input[Sequence[str]]
    remote_bgp_addresses: pulumi.Input[Sequence[str]] | None  # None: no BGP on this link


def connection_alerts(
    watched: WatchedConnection, alerts: AlertsSpec, monitoring_: Monitoring, tags: Tags, opts: pulumi.ResourceOptions
) -> list[pulumi.CustomResource]:
    """A log search alert when the tunnel disconnects and, with BGP, a metric alert when the BGP peer drops."""
    assert monitoring_.workspace_id is not None and monitoring_.action_group_id is not None  # validation
    window = monitoring.iso_minutes(alerts.window_minutes)
    every = monitoring.iso_minutes(facts.ALERT_EVALUATION_MINUTES)
    query = pulumi.Output.all(watched.gateway_id, watched.remote_tunnel_ips).apply(
        lambda parts: monitoring.tunnel_down_query(str(parts[0]), [str(ip) for ip in parts[1]])
    )
    created: list[pulumi.CustomResource] = [
        monitor.ScheduledQueryRule(
            naming.tunnel_alert_name(watched.name),
            resource_group_name=watched.resource_group_name,
            location=watched.location,
            kind="LogAlert",
            description=f"The VPN tunnel {watched.key} disconnected ({facts.TUNNEL_DOWN_ALERT_DOC}).",
            display_name=f"{watched.key}: tunnel down",
            enabled=True,
            severity=alerts.severity,
            scopes=[monitoring_.workspace_id],
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
            actions=monitor.ActionsArgs(action_groups=[monitoring_.action_group_id]),
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
                actions=[monitor.MetricAlertActionArgs(action_group_id=monitoring_.action_group_id)],
                tags=tags,
                opts=opts,
            )
        )
    return created
