"""Diagnostics and alerts (issue 17): what the config may say, and what the components send for it.

Rules are table-driven over the stack config; the resources come from the offline plan of real stacks (prod has
both) and of variants of them."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.support import GATEWAY, PROJECT_DIR, pair_args, plain, plan_components, plan_stack
from tests.test_brownfield import SEED
from tests.test_input_properties import FAST, _paths, _replaced, json_values
from tests.test_validation import VALID, Config, changed, findings_for
from vnet2vnet import VnetToVnetPair, VnetToVnetPairArgs, monitoring
from vnet2vnet import azure_facts as facts
from vnet2vnet.emulator.seed import load_seed
from vnet2vnet.engine import ProgramError, run_stack
from vnet2vnet.plan_model import Plan
from vnet2vnet.spec_check import check_plan, defect_findings
from vnet2vnet.tokens import (
    ACTION_GROUP_TYPE,
    DIAGNOSTIC_SETTING_TYPE,
    LOG_ALERT_TYPE,
    METRIC_ALERT_TYPE,
    WORKSPACE_TYPE,
)

WORKSPACE_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops-rg/providers/"
    "Microsoft.OperationalInsights/workspaces/central-logs"
)
ACTION_GROUP_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops-rg/providers/"
    "microsoft.insights/actionGroups/netops"
)
CREATE = {"createWorkspace": True}
EMAILS = {"emails": ["netops@example.com"]}


def with_operating(diagnostics: dict[str, Any] | None, alerts: dict[str, Any] | None) -> Config:
    def change(config: Config) -> None:
        if diagnostics is not None:
            config["diagnostics"] = diagnostics
        if alerts is not None:
            config["alerts"] = alerts

    return changed(change)


# (id, diagnostics, alerts, expected findings as (severity, path, phrase of the message))
RULES: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None, list[tuple[str, str, str]]]] = [
    ("diagnostics-to-a-workspace", {"workspaceId": WORKSPACE_ID}, None, []),
    ("diagnostics-to-a-new-workspace", CREATE, None, []),
    ("alerts-by-email", CREATE, {**EMAILS, "windowMinutes": 15, "severity": 0}, []),
    ("alerts-to-an-action-group", CREATE, {"actionGroupId": ACTION_GROUP_ID}, []),
    ("diagnostics-empty", {}, None, [("error", "vnet2vnet:diagnostics", "names no destination")]),
    (
        "diagnostics-both",
        {"workspaceId": WORKSPACE_ID, "createWorkspace": True},
        None,
        [("error", "vnet2vnet:diagnostics", "sets both workspaceId and createWorkspace")],
    ),
    (
        "diagnostics-not-a-workspace-id",
        {"workspaceId": ACTION_GROUP_ID},
        None,
        [("error", "vnet2vnet:diagnostics.workspaceId", "not a Log Analytics workspace resource ID")],
    ),
    ("alerts-empty", CREATE, {}, [("error", "vnet2vnet:alerts", "names no destination")]),
    (
        "alerts-both",
        CREATE,
        {**EMAILS, "actionGroupId": ACTION_GROUP_ID},
        [("error", "vnet2vnet:alerts", "sets both actionGroupId and emails")],
    ),
    (
        "alerts-not-an-action-group-id",
        CREATE,
        {"actionGroupId": WORKSPACE_ID},
        [("error", "vnet2vnet:alerts.actionGroupId", "not an action group resource ID")],
    ),
    (
        "alerts-bad-email",
        CREATE,
        {"emails": ["netops@example.com", "on call"]},
        [("error", "vnet2vnet:alerts.emails[1]", "not an email address")],
    ),
    (
        "alerts-window-azure-refuses",
        CREATE,
        {**EMAILS, "windowMinutes": 10},
        [("error", "vnet2vnet:alerts.windowMinutes", "not a window Azure Monitor alerts take")],
    ),
    (
        "alerts-severity-out-of-range",
        CREATE,
        {**EMAILS, "severity": 5},
        [("error", "vnet2vnet:alerts.severity", "not an Azure Monitor severity")],
    ),
    (
        "alerts-without-diagnostics",
        None,
        EMAILS,
        [("error", "vnet2vnet:alerts", "TunnelDiagnosticLog")],
    ),
]


class TestRules:
    @pytest.mark.parametrize(
        ("diagnostics", "alerts", "expected"),
        [case[1:] for case in RULES],
        ids=[case[0] for case in RULES],
    )
    def test_each_rule_names_its_key(
        self, diagnostics: dict[str, Any] | None, alerts: dict[str, Any] | None, expected: list[tuple[str, str, str]]
    ) -> None:
        found = findings_for(with_operating(diagnostics, alerts))
        assert len(found) == len(expected), f"expected {expected}, got {[str(f) for f in found]}"
        for finding, (severity, path, phrase) in zip(found, expected, strict=True):
            assert (finding.severity, finding.path) == (severity, path), str(finding)
            assert phrase in finding.message, f"'{phrase}' not in: {finding}"
            assert finding.fix, f"a finding says how to fix it: {finding}"

    def test_a_wrong_type_names_the_key_instead_of_a_traceback(self) -> None:
        found = findings_for({**VALID, "alerts": {"emails": "netops@example.com"}, "diagnostics": CREATE})
        assert [(f.severity, f.path) for f in found] == [("error", "vnet2vnet:alerts.emails")], found

    def test_an_unknown_key_is_refused_with_the_known_ones(self) -> None:
        found = findings_for({**VALID, "diagnostics": {"createWorkspce": True}})
        paths = [f.path for f in found]
        assert "vnet2vnet:diagnostics.createWorkspce" in paths, found


@pytest.fixture(scope="module")
def prod() -> Plan:
    return plan_stack("prod")


def named(plan: Plan, type_token: str) -> dict[str, Any]:
    return {resource.name: plain(resource.inputs) for resource in plan.of_type(type_token)}


class TestDiagnostics:
    def test_every_gateway_sends_its_four_logs_and_all_metrics(self, prod: Plan) -> None:
        settings = named(prod, DIAGNOSTIC_SETTING_TYPE)
        assert sorted(settings) == ["vnet2vnet-neu-diagnostics", "vnet2vnet-sdc-diagnostics"], settings
        for name, inputs in settings.items():
            logs = {entry["category"]: entry["enabled"] for entry in inputs["logs"]}
            assert logs == dict.fromkeys(
                ("GatewayDiagnosticLog", "TunnelDiagnosticLog", "RouteDiagnosticLog", "IKEDiagnosticLog"), True
            ), f"{name}: the issue's four gateway logs"
            assert inputs["metrics"] == [{"category": "AllMetrics", "enabled": True}], name

    def test_each_setting_is_attached_to_its_own_gateway_and_sent_to_the_created_workspace(self, prod: Plan) -> None:
        gateways = {resource.name: resource for resource in prod.of_type(GATEWAY)}
        (workspace,) = prod.of_type(WORKSPACE_TYPE)
        for setting in prod.of_type(DIAGNOSTIC_SETTING_TYPE):
            gateway = gateways[setting.name.replace("-diagnostics", "-gw")]
            assert setting.inputs["resourceUri"] == gateway.id, f"{setting.name} attaches to {gateway.name}"
            assert setting.inputs["workspaceId"] == workspace.id, f"{setting.name} sends to the created workspace"

    def test_the_created_workspace_is_pay_as_you_go_in_the_first_vnets_group_and_region(self, prod: Plan) -> None:
        (workspace,) = prod.of_type(WORKSPACE_TYPE)
        assert workspace.name == "vnet2vnet-logs", "named after the component"
        assert workspace.inputs["location"] == "northeurope", "the first VNet's region"
        assert workspace.inputs["sku"] == {"name": "PerGB2018"}
        assert workspace.inputs["retentionInDays"] == 30
        assert (workspace.parent or "").endswith("::vnet2vnet-neu"), "a child of the first VNet's side"

    def test_a_given_workspace_is_used_and_none_created(self) -> None:
        plan = plan_stack("dev", diagnostics={"workspaceId": WORKSPACE_ID})
        assert plan.of_type(WORKSPACE_TYPE) == [], "no workspace created when one is given"
        settings = named(plan, DIAGNOSTIC_SETTING_TYPE)
        assert len(settings) == 2, settings
        assert {inputs["workspaceId"] for inputs in settings.values()} == {WORKSPACE_ID}

    def test_without_diagnostics_nothing_is_added(self) -> None:
        plan = plan_stack("dev")
        for token in (WORKSPACE_TYPE, DIAGNOSTIC_SETTING_TYPE, ACTION_GROUP_TYPE, LOG_ALERT_TYPE, METRIC_ALERT_TYPE):
            assert plan.of_type(token) == [], f"dev has no {token}"


class TestAlerts:
    def test_each_connection_gets_a_tunnel_alert_and_with_bgp_a_peer_alert_named_after_its_link_key(
        self, prod: Plan
    ) -> None:
        assert sorted(named(prod, LOG_ALERT_TYPE)) == [
            "vnet2vnet-neu-to-sdc-tunnel-down",
            "vnet2vnet-sdc-to-neu-tunnel-down",
        ]
        assert sorted(named(prod, METRIC_ALERT_TYPE)) == [
            "vnet2vnet-neu-to-sdc-bgp-peer-down",
            "vnet2vnet-sdc-to-neu-bgp-peer-down",
        ]

    def test_the_tunnel_alert_searches_the_local_gateways_disconnects_from_the_remote_tunnel_ips(
        self, prod: Plan
    ) -> None:
        gateways = {resource.name: resource for resource in prod.of_type(GATEWAY)}
        alert = named(prod, LOG_ALERT_TYPE)["vnet2vnet-neu-to-sdc-tunnel-down"]
        (condition,) = alert["criteria"]["allOf"]
        query = condition["query"]
        assert f'toupper("{gateways["vnet2vnet-neu-gw"].id}")' in query, query
        remote_ips = prod.outputs["gatewayPublicIps"]["sdc"]
        assert len(remote_ips) == 2, "active-active: two tunnel endpoints"
        for ip in remote_ips:
            assert f'"{ip}"' in query, f"the remote tunnel IP {ip} is searched for: {query}"
        assert 'status_s == "Disconnected"' in query and 'Category == "TunnelDiagnosticLog"' in query, query
        assert (condition["timeAggregation"], condition["operator"], condition["threshold"]) == (
            "Count",
            "GreaterThan",
            0,
        ), "one disconnect event in the window fires"
        (workspace,) = prod.of_type(WORKSPACE_TYPE)
        assert alert["scopes"] == [workspace.id], "the rule searches the workspace the gateways log to"
        assert (alert["windowSize"], alert["evaluationFrequency"], alert["severity"]) == ("PT15M", "PT5M", 1), (
            "windows overlap: a disconnect logged up to 3 minutes late is still seen"
        )

    def test_the_bgp_alert_watches_the_remote_peer_addresses_on_the_local_gateway(self, prod: Plan) -> None:
        gateways = {resource.name: resource for resource in prod.of_type(GATEWAY)}
        alert = named(prod, METRIC_ALERT_TYPE)["vnet2vnet-sdc-to-neu-bgp-peer-down"]
        assert alert["scopes"] == [gateways["vnet2vnet-sdc-gw"].id]
        assert alert["location"] == "global", "metric alerts are global"
        (criterion,) = alert["criteria"]["allOf"]
        assert (criterion["metricName"], criterion["operator"], criterion["threshold"]) == (
            "BgpPeerStatus",
            "LessThan",
            1,
        )
        (dimension,) = criterion["dimensions"]
        assert dimension["name"] == "BgpPeerAddress"
        assert dimension["values"] == prod.outputs["gatewayBgpPeeringAddresses"]["neu"], "the remote peers"

    def test_every_alert_notifies_the_created_email_action_group(self, prod: Plan) -> None:
        (group,) = prod.of_type(ACTION_GROUP_TYPE)
        inputs = plain(group.inputs)
        assert inputs["emailReceivers"] == [
            {"name": "email1", "emailAddress": "netops@example.com", "useCommonAlertSchema": True}
        ]
        assert len(inputs["groupShortName"]) <= facts.ACTION_GROUP_SHORT_NAME_LENGTH
        for alert in named(prod, LOG_ALERT_TYPE).values():
            assert alert["actions"]["actionGroups"] == [group.id]
        for alert in named(prod, METRIC_ALERT_TYPE).values():
            assert alert["actions"] == [{"actionGroupId": group.id}]

    def test_every_log_search_alert_lives_in_the_workspace_hosts_region(self, prod: Plan) -> None:
        (workspace,) = prod.of_type(WORKSPACE_TYPE)
        regions = {rule["location"] for rule in named(prod, LOG_ALERT_TYPE).values()}
        assert regions == {workspace.inputs["location"]}, "sdc-to-neu's rule too, not in sdc's region"

    @pytest.mark.parametrize("minutes", facts.ALERT_WINDOW_MINUTES)
    def test_every_window_the_config_takes_is_one_both_alert_kinds_take(self, minutes: int) -> None:
        # The emulator's lists come from Microsoft's alert references, separately from azure_facts.
        from vnet2vnet.emulator.monitor import LOG_ALERT_WINDOWS, WINDOW_SIZES

        assert monitoring.iso_minutes(minutes) in LOG_ALERT_WINDOWS, "a log search alert window"
        assert monitoring.iso_minutes(minutes) in WINDOW_SIZES.values(), "a metric alert window"

    def test_window_and_severity_reach_every_rule(self) -> None:
        plan = plan_stack("prod", alerts={"actionGroupId": ACTION_GROUP_ID, "windowMinutes": 60, "severity": 3})
        assert plan.of_type(ACTION_GROUP_TYPE) == [], "a given action group is used, none created"
        rules = [*named(plan, LOG_ALERT_TYPE).values(), *named(plan, METRIC_ALERT_TYPE).values()]
        assert len(rules) == 4
        for rule in rules:
            assert (rule["windowSize"], rule["severity"]) == ("PT1H", 3), rule

    def test_a_link_to_an_existing_hub_is_watched_from_the_spoke_with_the_hubs_addresses_from_azure(self) -> None:
        config = {"vnet2vnet:diagnostics": CREATE, "vnet2vnet:alerts": EMAILS}
        plan = run_stack(PROJECT_DIR, "brownfield", config_overrides=config, seeded=load_seed(SEED)["resources"])
        rules = named(plan, LOG_ALERT_TYPE)
        assert sorted(rules) == ["vnet2vnet-spoke-a-to-hub-tunnel-down", "vnet2vnet-spoke-b-to-hub-tunnel-down"], (
            "the spokes' gateways log here; the hub's do not"
        )
        spoke_ips = {ip for ips in plan.outputs["gatewayPublicIps"].values() for ip in ips}
        for rule in rules.values():
            (condition,) = rule["criteria"]["allOf"]
            (remote_filter,) = [line for line in condition["query"].splitlines() if "remoteIP_s" in line]
            (hub_ip,) = re.findall(r'"([0-9.]+)"', remote_filter)
            assert hub_ip not in spoke_ips, "the hub's tunnel IP, as Azure reports it for the existing gateway"
        bgp = named(plan, METRIC_ALERT_TYPE)
        assert sorted(bgp) == ["vnet2vnet-spoke-a-to-hub-bgp-peer-down", "vnet2vnet-spoke-b-to-hub-bgp-peer-down"]
        for rule in bgp.values():
            (criterion,) = rule["criteria"]["allOf"]
            assert criterion["dimensions"][0]["values"] == ["10.60.255.30"], "the hub's BGP address, read from Azure"
        settings = named(plan, DIAGNOSTIC_SETTING_TYPE)
        assert sorted(settings) == ["vnet2vnet-spoke-a-diagnostics", "vnet2vnet-spoke-b-diagnostics"], (
            "only the gateways created here get diagnostic settings"
        )
        (workspace,) = plan.of_type(WORKSPACE_TYPE)
        assert workspace.parent and workspace.parent.endswith("vnet2vnet-spoke-a"), (
            "the workspace goes with the first VNet whose gateway is created here, not the hub's group"
        )

    def test_the_plan_says_which_directions_of_hub_links_have_no_alerts(self) -> None:
        config = {"vnet2vnet:diagnostics": CREATE, "vnet2vnet:alerts": EMAILS}
        stack_file = yaml.safe_load((PROJECT_DIR / "Pulumi.brownfield.yaml").read_text())["config"]
        found = findings_for({key.removeprefix("vnet2vnet:"): value for key, value in {**stack_file, **config}.items()})
        (warning,) = [f for f in found if f.path == "vnet2vnet:alerts"]
        assert "no alerts on hub-to-spoke-a, hub-to-spoke-b" in warning.message, warning
        assert "the other direction of each of these links is watched" in warning.message


class TestQueries:
    def test_the_query_is_microsofts_documented_search(self) -> None:
        query = monitoring.tunnel_down_query("/subscriptions/s/resourceGroups/g/providers/x/gw", ["20.1.2.3"])
        assert query.splitlines() == [
            "AzureDiagnostics",
            '| where Category == "TunnelDiagnosticLog"',
            '| where ResourceId == toupper("/subscriptions/s/resourceGroups/g/providers/x/gw")',
            '| where remoteIP_s in ("20.1.2.3")',
            '| where status_s == "Disconnected"',
        ]

    def test_without_the_remotes_addresses_every_tunnel_of_the_gateway_is_watched(self) -> None:
        query = monitoring.tunnel_down_query("gw", [])
        assert "remoteIP_s" not in query and 'status_s == "Disconnected"' in query, query

    def test_values_are_quoted_as_kql_strings(self) -> None:
        query = monitoring.tunnel_down_query('gw"; drop', ["1.2.3.4"])
        assert 'toupper("gw\\"; drop")' in query, "a quote cannot end the string literal"

    def test_a_resource_group_in_any_script_is_written_as_it_is(self) -> None:
        query = monitoring.tunnel_down_query("/subscriptions/s/resourceGroups/rg-zürich/x", [])
        assert 'toupper("/subscriptions/s/resourceGroups/rg-zürich/x")' in query, "KQL has no \\u escape"

    @pytest.mark.parametrize(
        ("minutes", "iso"), [(5, "PT5M"), (15, "PT15M"), (30, "PT30M"), (60, "PT1H"), (360, "PT6H"), (1440, "PT24H")]
    )
    def test_windows_are_iso_8601_durations(self, minutes: int, iso: str) -> None:
        assert monitoring.iso_minutes(minutes) == iso

    @pytest.mark.parametrize(
        ("component", "short"), [("vnet2vnet", "vnet2vnet"), ("corp-network-prod", "corpnetworkp"), ("--", "vnet2vnet")]
    )
    def test_action_group_short_names_fit_twelve_characters(self, component: str, short: str) -> None:
        assert monitoring.action_group_short_name(component) == short


class TestMonitoringBodiesInThePlan:
    """No REST spec for Monitor or Log Analytics here: the plan checks their bodies against azure-native's SDK input
    types, and a body that breaks them is a defect finding, as a Microsoft.Network spec violation is."""

    def test_prods_bodies_fit_the_sdk_types(self, prod: Plan) -> None:
        result = check_plan(prod.resources, PROJECT_DIR)
        assert (result.sdk_checked, result.sdk_violations) == (8, []), result.as_dict()
        assert "8 Monitor/Log Analytics request bodies checked, 0 violations" in result.summary()

    def test_a_body_that_breaks_them_is_a_defect_naming_the_path(self, prod: Plan) -> None:
        broken = [
            dataclasses.replace(r, inputs={**r.inputs, "logz": []}) if r.type == DIAGNOSTIC_SETTING_TYPE else r
            for r in prod.resources
        ]
        result = check_plan(broken, PROJECT_DIR)
        assert {(v.resource.rsplit("::", 1)[-1], v.path) for v in result.sdk_violations} == {
            ("vnet2vnet-neu-diagnostics", "$.logz"),
            ("vnet2vnet-sdc-diagnostics", "$.logz"),
        }, result.as_dict()
        (finding, _) = defect_findings(result)
        assert "defect of the program" in finding.message, finding


OPERATED = with_operating(CREATE, {**EMAILS, "windowMinutes": 15, "severity": 2})


class TestNoInputEndsInATraceback:
    @FAST
    @given(st.sampled_from([p for p in _paths(OPERATED) if p[0] in ("diagnostics", "alerts")]), json_values)
    def test_any_value_in_diagnostics_or_alerts_gets_findings_naming_a_key(
        self, path: tuple[Any, ...], value: Any
    ) -> None:
        for finding in findings_for(_replaced(OPERATED, path, value)):
            assert finding.path.startswith("vnet2vnet:"), f"{finding} names a stack config key"
            assert finding.message and finding.fix, f"{finding} says what is wrong and how to fix it"

    @FAST
    @given(st.sampled_from(["diagnostics", "alerts"]), json_values)
    def test_any_value_for_the_whole_block(self, key: str, value: Any) -> None:
        for finding in findings_for({**OPERATED, key: value}):
            assert finding.message and finding.fix, f"{finding} says what is wrong and how to fix it"


class TestFromComponentArgs:
    def test_a_pair_in_your_own_program_gets_the_same_diagnostics_and_alerts(self) -> None:
        args = pair_args(
            diagnostics={"workspace_id": WORKSPACE_ID},
            alerts={"action_group_id": ACTION_GROUP_ID, "window_minutes": 15, "severity": 2},
        )
        plan = plan_components(lambda: VnetToVnetPair("corp", VnetToVnetPairArgs(**args)))  # type: ignore[typeddict-item]
        settings = named(plan, DIAGNOSTIC_SETTING_TYPE)
        assert sorted(settings) == ["corp-dr-diagnostics", "corp-hq-diagnostics"], settings
        assert {s["workspaceId"] for s in settings.values()} == {WORKSPACE_ID}
        rules = named(plan, LOG_ALERT_TYPE)
        assert sorted(rules) == ["corp-dr-to-hq-tunnel-down", "corp-hq-to-dr-tunnel-down"], rules
        assert {(r["windowSize"], r["severity"]) for r in rules.values()} == {("PT15M", 2)}
        assert {tuple(r["actions"]["actionGroups"]) for r in rules.values()} == {(ACTION_GROUP_ID,)}

    def test_a_mistake_in_the_args_names_the_snake_case_key(self) -> None:
        args = pair_args(diagnostics={"create_workspace": True}, alerts={"emails": ["ops@example.com"], "severity": 9})
        with pytest.raises(ProgramError) as raised:
            plan_components(lambda: VnetToVnetPair("corp", VnetToVnetPairArgs(**args)))  # type: ignore[typeddict-item]
        assert "alerts.severity" in str(raised.value) and "not an Azure Monitor severity" in str(raised.value)


class TestWorkspaceName:
    @pytest.mark.parametrize(
        ("component", "name"),
        [("vnet2vnet", "vnet2vnet-logs"), ("net_ops.prod", "net-ops-prod-logs"), ("_x", "x-logs")],
    )
    def test_only_letters_digits_and_hyphens_as_log_analytics_takes(self, component: str, name: str) -> None:
        from vnet2vnet.naming import workspace_name

        assert workspace_name(component) == name


# ------------------------------------------------------------------------- when no gateway is created here

SUB = "2f0c3a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
HUB_NETWORK = f"/subscriptions/{SUB}/resourceGroups/hub-network-rg/providers/Microsoft.Network"
SPOKE_GATEWAY = f"{HUB_NETWORK}/virtualNetworkGateways/spoke-vpngw"


def two_existing_gateways_seed() -> list[dict[str, Any]]:
    """The brownfield seed (the hub's VNet and gateway) and a second existing VNet with its own gateway."""
    spoke_subnet = f"{HUB_NETWORK}/virtualNetworks/spoke-vnet/subnets/GatewaySubnet"
    spoke_ip = f"{HUB_NETWORK}/publicIPAddresses/spoke-vpngw-ip"
    return [
        *load_seed(SEED)["resources"],
        {
            "id": f"{HUB_NETWORK}/virtualNetworks/spoke-vnet",
            "type": "azure-native:network:VirtualNetwork",
            "location": "westeurope",
            "inputs": {"addressSpace": {"addressPrefixes": ["10.61.0.0/16"]}},
        },
        {"id": spoke_subnet, "type": "azure-native:network:Subnet", "inputs": {"addressPrefix": "10.61.255.0/27"}},
        {
            "id": spoke_ip,
            "type": "azure-native:network:PublicIPAddress",
            "location": "westeurope",
            "inputs": {"sku": {"name": "Standard", "tier": "Regional"}, "publicIPAllocationMethod": "Static"},
        },
        {
            "id": SPOKE_GATEWAY,
            "type": "azure-native:network:VirtualNetworkGateway",
            "location": "westeurope",
            "inputs": {
                "gatewayType": "Vpn",
                "vpnType": "RouteBased",
                "sku": {"name": "VpnGw2AZ", "tier": "VpnGw2AZ"},
                "vpnGatewayGeneration": "Generation2",
                "activeActive": False,
                "enableBgp": True,
                "bgpSettings": {"asn": 65061},
                "ipConfigurations": [
                    {
                        "name": "default",
                        "privateIPAllocationMethod": "Dynamic",
                        "subnet": {"id": spoke_subnet},
                        "publicIPAddress": {"id": spoke_ip},
                    }
                ],
            },
        },
    ]


def brownfield_config(*, spoke_b_exists: bool) -> dict[str, Any]:
    """Pulumi.brownfield.yaml's config (keys without the namespace) with spoke-a's gateway existing too, and
    spoke-b's when asked; both destinations created here."""
    stack_file = yaml.safe_load((PROJECT_DIR / "Pulumi.brownfield.yaml").read_text())["config"]
    config = {key.removeprefix("vnet2vnet:"): value for key, value in stack_file.items()}
    hub, spoke_a, spoke_b = config["vnets"]
    spoke_a = {"name": "spoke-a", "subscriptionId": SUB, "existingGatewayId": SPOKE_GATEWAY}
    config["vnets"] = [hub, spoke_a] if spoke_b_exists else [hub, spoke_a, spoke_b]
    return {**config, "diagnostics": CREATE, "alerts": EMAILS}


def plan_brownfield(config: dict[str, Any]) -> Plan:
    overrides = {f"vnet2vnet:{key}": value for key, value in config.items()}
    return run_stack(PROJECT_DIR, "brownfield", config_overrides=overrides, seeded=two_existing_gateways_seed())


class TestWithEveryGatewayExisting:
    """Diagnostic settings and alerts go only on gateways created here: with every gateway existing, nothing uses a
    workspace or an action group, so none is created, and the plan says that no link is watched."""

    @pytest.fixture(scope="class")
    @classmethod
    def plan(cls) -> Plan:
        return plan_brownfield(brownfield_config(spoke_b_exists=True))

    @pytest.mark.parametrize(
        "token", [WORKSPACE_TYPE, ACTION_GROUP_TYPE, DIAGNOSTIC_SETTING_TYPE, LOG_ALERT_TYPE, METRIC_ALERT_TYPE]
    )
    def test_nothing_of_the_monitoring_is_created(self, plan: Plan, token: str) -> None:
        assert plan.of_type(token) == [], f"nothing would use a {token}: {[r.name for r in plan.of_type(token)]}"

    def test_the_links_connections_are_still_created(self, plan: Plan) -> None:
        assert len(plan.of_type("azure-native:network:VirtualNetworkGatewayConnection")) == 2, "the link itself"

    def test_the_naming_module_lists_exactly_what_is_registered(self, plan: Plan) -> None:
        from vnet2vnet import naming
        from vnet2vnet.checks import stack_findings
        from vnet2vnet.existing import seed_reader

        raw = {key: json.dumps(value) for key, value in brownfield_config(spoke_b_exists=True).items()}
        topology, _ = stack_findings(raw, "vnet2vnet", seed_reader(two_existing_gateways_seed()))
        assert topology is not None
        (component,) = plan.of_type(naming.MESH_TYPE)
        listed = {(d.type_token, d.name) for d in naming.derived_names(component.name, component.type, topology)}
        registered = {(r.type, r.name) for r in plan.resources if r.parent and r.parent != plan.resources[0].urn}
        assert listed == registered, "naming.py must mirror the components, the monitoring included"

    def test_the_plan_says_no_link_is_watched_and_names_the_keys(self) -> None:
        found = findings_for(brownfield_config(spoke_b_exists=True))
        (alerts,) = [f for f in found if f.path == "vnet2vnet:alerts"]
        assert "no link is watched: every gateway exists already" in alerts.message, alerts
        assert "vnets[0].existingGatewayId, vnets[1].existingGatewayId" in alerts.message, alerts
        assert "other direction" not in alerts.message, f"neither direction is watched: {alerts}"
        assert "no action group" in alerts.message, f"emails create nothing: {alerts}"
        (diagnostics,) = [f for f in found if f.path == "vnet2vnet:diagnostics"]
        assert "vnets[0].existingGatewayId, vnets[1].existingGatewayId" in diagnostics.message, diagnostics
        assert "no workspace" in diagnostics.message, f"createWorkspace creates nothing: {diagnostics}"


class TestWithOneLinkBetweenExistingGateways:
    """hub and spoke-a exist, spoke-b is created here: the hub-spoke-a link is watched in neither direction."""

    def test_the_warning_does_not_say_that_link_is_watched_the_other_way(self) -> None:
        found = findings_for(brownfield_config(spoke_b_exists=False))
        (alerts,) = [f for f in found if f.path == "vnet2vnet:alerts"]
        assert "no alerts on hub-to-spoke-b: its gateway exists already" in alerts.message, alerts
        assert "the other direction of its link is watched" in alerts.message, alerts
        assert "no alerts on either direction of the link between hub and spoke-a" in alerts.message, alerts
        assert [f.path for f in found if f.path == "vnet2vnet:diagnostics"] == [], "spoke-b's gateway logs here"

    def test_spoke_bs_gateway_still_gets_the_workspace_and_its_alerts(self) -> None:
        plan = plan_brownfield(brownfield_config(spoke_b_exists=False))
        (workspace,) = plan.of_type(WORKSPACE_TYPE)
        assert (workspace.parent or "").endswith("::vnet2vnet-spoke-b"), "with the first gateway created here"
        assert len(plan.of_type(ACTION_GROUP_TYPE)) == 1, "the spoke-b-to-hub alerts notify it"
        assert sorted(named(plan, LOG_ALERT_TYPE)) == ["vnet2vnet-spoke-b-to-hub-tunnel-down"], "the only watched one"
        assert sorted(named(plan, DIAGNOSTIC_SETTING_TYPE)) == ["vnet2vnet-spoke-b-diagnostics"]


def _gateway_id(name: str) -> str:
    return f"{HUB_NETWORK}/virtualNetworkGateways/{name}-vpngw"


def _mesh_with_existing(names: str, existing: str) -> dict[str, Any]:
    """A mesh of VNets named by the letters of `names`, the gateways of those in `existing` existing already."""
    vnets = [
        {"name": name, "existingGatewayId": _gateway_id(name)}
        if name in existing
        else {
            "name": name,
            "location": "westeurope",
            "addressSpaces": [f"10.{70 + index}.0.0/16"],
            "gatewaySubnetPrefix": f"10.{70 + index}.255.0/27",
        }
        for index, name in enumerate(names)
    ]
    return {**VALID, "topology": "mesh", "vnets": vnets, "diagnostics": CREATE, "alerts": EMAILS}


@pytest.mark.parametrize(
    ("names", "existing", "said"),
    [
        ("ab", "ab", "no link is watched: every gateway exists already (vnets[0].existingGatewayId, vnets[1]."),
        ("abc", "abc", "no link is watched: every gateway exists already"),
        ("ab", "a", "no alerts on a-to-b: its gateway exists already, so its logs are not sent here (the other "),
        ("abc", "ab", "no alerts on either direction of the link between a and b: both its gateways exist already"),
        ("abcd", "abc", "no alerts on either direction of the links ['a', 'b'], ['a', 'c'], ['b', 'c']: both"),
        ("abcd", "abc", "no alerts on a-to-d, b-to-d, c-to-d: their gateway exists already"),
    ],
    ids=["pair-both", "mesh-all", "pair-one", "mesh-one-link", "mesh-three-links", "mesh-one-way-links"],
)
def test_the_alerts_warning_says_which_links_are_watched_and_how(names: str, existing: str, said: str) -> None:
    (warning,) = [f for f in findings_for(_mesh_with_existing(names, existing)) if f.path == "vnet2vnet:alerts"]
    assert warning.severity == "warning" and said in warning.message, warning
    if existing != names:
        assert "no link is watched" not in warning.message, f"some direction is: {warning}"
