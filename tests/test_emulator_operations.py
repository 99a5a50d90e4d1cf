"""The Azure emulator's monitoring resources and operating reads (offline): Log Analytics workspaces, diagnostic
settings, action groups and alert rules with Azure's refusals and azure-native's SDK input types; a link's IKE SAs,
BGP peers, learned routes and byte counters; the faults that shape them."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.provider.experimental.provider import CreateRequest, InvokeRequest, ReadRequest

from tests.test_emulator import GW_A, GW_B, NET, RG_ID, SUB, azure_with, connection, gateway_inputs, record
from vnet2vnet import sdk_types
from vnet2vnet.emulator import azure, monitor, operating
from vnet2vnet.emulator import store as store_module
from vnet2vnet.emulator.provider import (
    BGP_PEER_STATUS_FUNCTION,
    IKE_SAS_FUNCTION,
    LEARNED_ROUTES_FUNCTION,
    AzureNativeEmulator,
    InvokeRequestError,
    plain,
    wrap_map,
)
from vnet2vnet.emulator.seed import SeedError, load_seed
from vnet2vnet.emulator.store import Store, default_state, emulated_minutes, real_seconds

INSIGHTS = f"{RG_ID}/providers/Microsoft.Insights"
WORKSPACE_ID = f"{RG_ID}/providers/Microsoft.OperationalInsights/workspaces/corp-logs"
ACTION_GROUP_ID = f"{INSIGHTS}/actionGroups/corp-alerts"
OTHER_SUBSCRIPTION = "00000000-0000-4000-8000-0000000000ff"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def setting_id(target: str, name: str = "gw-diagnostics") -> str:
    return f"{target}/providers/Microsoft.Insights/diagnosticSettings/{name}"


def workspace() -> dict[str, Any]:
    return record(WORKSPACE_ID, azure.WORKSPACE, {"location": "eastus", "sku": {"name": "PerGB2018"}})


def action_group() -> dict[str, Any]:
    return record(ACTION_GROUP_ID, azure.ACTION_GROUP, {"location": "Global", "groupShortName": "corp"})


def monitoring_azure(*records: dict[str, Any]) -> dict[str, Any]:
    return azure_with(GW_A, GW_B, workspace(), action_group(), *records)


# What vnet2vnet's program sends (azure-native's flattened inputs, path parameters included).
GOOD_BODIES: dict[str, dict[str, Any]] = {
    azure.WORKSPACE: {
        "resourceGroupName": "rg", "workspaceName": "corp-logs", "location": "eastus",
        "sku": {"name": "PerGB2018"}, "retentionInDays": 30.0, "tags": {"owner": "net"},
    },
    azure.DIAGNOSTIC_SETTING: {
        "resourceUri": GW_A["id"], "name": "gw-diagnostics", "workspaceId": WORKSPACE_ID,
        "logs": [{"category": c, "enabled": True} for c in monitor.LOG_CATEGORIES[azure.GATEWAY]],
        "metrics": [{"category": "AllMetrics", "enabled": True}],
    },
    azure.ACTION_GROUP: {
        "resourceGroupName": "rg", "actionGroupName": "corp-alerts", "location": "global",
        "groupShortName": "corp", "enabled": True,
        "emailReceivers": [{"name": "email1", "emailAddress": "ops@example.com", "useCommonAlertSchema": True}],
    },
    azure.METRIC_ALERT: {
        "resourceGroupName": "rg", "ruleName": "a-to-b-bgp-peer-down", "location": "global", "enabled": True,
        "severity": 2.0, "scopes": [GW_A["id"]], "windowSize": "PT15M", "evaluationFrequency": "PT5M",
        "autoMitigate": True,
        "criteria": {
            "odataType": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
            "allOf": [{
                "criterionType": "StaticThresholdCriterion", "name": "BgpPeerDown", "metricName": "BgpPeerStatus",
                "metricNamespace": "Microsoft.Network/virtualNetworkGateways", "operator": "LessThan",
                "threshold": 1.0, "timeAggregation": "Average",
                "dimensions": [{"name": "BgpPeerAddress", "operator": "Include", "values": ["10.2.255.30"]}],
            }],
        },
        "actions": [{"actionGroupId": ACTION_GROUP_ID}],
    },
    azure.SCHEDULED_QUERY_RULE: {
        "resourceGroupName": "rg", "ruleName": "a-to-b-tunnel-down", "location": "eastus", "kind": "LogAlert",
        "enabled": True, "severity": 2.0, "scopes": [WORKSPACE_ID], "windowSize": "PT15M",
        "evaluationFrequency": "PT5M", "autoMitigate": True,
        "criteria": {"allOf": [{
            "query": "AzureDiagnostics | where Category == 'TunnelDiagnosticLog'", "timeAggregation": "Count",
            "operator": "GreaterThan", "threshold": 0.0,
            "failingPeriods": {"numberOfEvaluationPeriods": 1.0, "minFailingPeriodsToAlert": 1.0},
        }]},
        "actions": {"actionGroups": [ACTION_GROUP_ID]},
    },
}  # fmt: skip

PATH_PARAMETERS = {"resourceGroupName", "workspaceName", "resourceUri", "name", "actionGroupName", "ruleName"}


def body(type_token: str, **changes: Any) -> dict[str, Any]:
    """A good body without its path parameters (as azure.check_write gets it), with `changes`."""
    sent = {k: v for k, v in copy.deepcopy(GOOD_BODIES[type_token]).items() if k not in PATH_PARAMETERS}
    return {**sent, **changes}


def rid_of(type_token: str, **path: str) -> str:
    values = {k: v for k, v in GOOD_BODIES[type_token].items() if k in PATH_PARAMETERS}
    return azure.resource_id(type_token, SUB, {**values, **path})


def refusal(state: dict[str, Any], type_token: str, inputs: dict[str, Any], rid: str = "") -> azure.AzureError:
    with pytest.raises(azure.AzureError) as refused:
        azure.check_write(state, type_token, rid or rid_of(type_token), inputs)
    return refused.value


class Clock:
    """The wall clock the emulated one runs on, still unless a test moves it."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(store_module, "time", fake)  # the emulated clock reads store.time.time()
    return fake


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: Clock) -> AzureNativeEmulator:
    store = Store(tmp_path / "azure.json")
    # A fast scale: a 5-minute connection write holds its lock for 5 ms here.
    store.create(default_state(clock_scale=1 / 60000))
    monkeypatch.delenv("VNET2VNET_EMULATOR_SPEC_DIR", raising=False)
    return AzureNativeEmulator(store)


def load(emulator: AzureNativeEmulator, state: dict[str, Any]) -> None:
    with emulator.store.locked() as stored:
        stored["resources"] = state["resources"]
        stored["faults"] = state.get("faults", [])


def advance(emulator: AzureNativeEmulator, clock: Clock, minutes: float) -> None:
    """Let `minutes` of emulated time pass."""
    clock.now += real_seconds(emulator.store.read(), minutes)


def invoke(emulator: AzureNativeEmulator, token: str, **args: Any) -> dict[str, Any]:
    response = run(emulator.invoke(InvokeRequest(token, wrap_map(args))))
    return {k: plain(v) for k, v in response.return_value.items()}


# ------------------------------------------------------------------------------------------ resource IDs


class TestExtensionResourceIds:
    def test_a_diagnostic_setting_s_id_is_its_target_s_id_plus_its_own(self) -> None:
        rid = azure.resource_id(azure.DIAGNOSTIC_SETTING, SUB, {"resourceUri": GW_A["id"] + "/", "name": "d"})
        assert rid == setting_id(GW_A["id"], "d"), rid
        assert azure.path_values(azure.DIAGNOSTIC_SETTING, rid) == {"resourceUri": GW_A["id"], "name": "d"}, (
            "an import gets the whole target ID back as resourceUri"
        )
        assert azure.scope_of(azure.DIAGNOSTIC_SETTING, rid) == GW_A["id"]
        assert azure.path_values(azure.DIAGNOSTIC_SETTING, GW_A["id"]) is None, "a gateway ID is not a setting's"

    def test_the_new_resource_group_scoped_ids(self) -> None:
        assert rid_of(azure.WORKSPACE) == WORKSPACE_ID
        assert rid_of(azure.ACTION_GROUP) == ACTION_GROUP_ID
        assert azure.path_values(azure.METRIC_ALERT, f"{INSIGHTS}/metricAlerts/r") == {
            "resourceGroupName": "rg",
            "ruleName": "r",
        }

    def test_a_resource_group_delete_takes_the_settings_of_what_is_in_it(self) -> None:
        state = monitoring_azure(
            record(setting_id(GW_A["id"]), azure.DIAGNOSTIC_SETTING, body(azure.DIAGNOSTIC_SETTING))
        )
        azure.delete(state, state["resources"][azure.key(RG_ID)])
        assert state["resources"] == {}, "ARM deletes a group's resources, extension resources included"

    def test_a_gateway_with_a_diagnostic_setting_can_be_deleted_and_the_setting_stays(self) -> None:
        setting = record(setting_id(GW_A["id"]), azure.DIAGNOSTIC_SETTING, body(azure.DIAGNOSTIC_SETTING))
        state = monitoring_azure(setting)
        azure.check_delete(state, GW_A)
        azure.delete(state, GW_A)
        assert azure.find(state, setting["id"]) is not None, "Azure keeps a deleted resource's diagnostic settings"

    def test_the_monitoring_types_never_take_a_gateway_s_lock(self) -> None:
        for type_token in azure.MONITOR_TYPES:
            locks = azure.lock_keys({}, type_token, rid_of(type_token), body(type_token))
            assert not any(lock.startswith("gateway:") for lock in locks), (type_token, locks)
            assert azure.duration_minutes(type_token) == 0, f"{type_token} takes no emulated time"


# ------------------------------------------------------------------------------------------ Azure's rules


class TestMonitoringResourcesAccepted:
    @pytest.mark.parametrize("type_token", sorted(GOOD_BODIES))
    def test_what_the_program_sends_is_accepted(self, type_token: str) -> None:
        azure.check_write(monitoring_azure(), type_token, rid_of(type_token), body(type_token))

    def test_a_workspace_has_a_customer_id_and_its_defaults(self, emulator: AzureNativeEmulator) -> None:
        load(emulator, azure_with())
        urn = "urn:pulumi:dev::p::azure-native:operationalinsights:Workspace::corp-logs"
        sent = {"resourceGroupName": "rg", "workspaceName": "corp-logs", "location": "eastus"}
        created = run(emulator.create(CreateRequest(urn, wrap_map(sent), 60, False)))
        outputs = {k: plain(v) for k, v in created.properties.items()}
        assert created.resource_id == WORKSPACE_ID
        assert GUID.fullmatch(outputs["customerId"]), outputs["customerId"]
        assert (outputs["sku"], outputs["retentionInDays"]) == ({"name": "PerGB2018"}, 30), "Azure's defaults"
        assert outputs["provisioningState"] == "Succeeded"

    def test_a_diagnostic_setting_is_created_through_the_provider(self, emulator: AzureNativeEmulator) -> None:
        load(emulator, monitoring_azure())
        urn = "urn:pulumi:dev::p::azure-native:monitor:DiagnosticSetting::a-diagnostics"
        created = run(emulator.create(CreateRequest(urn, wrap_map(GOOD_BODIES[azure.DIAGNOSTIC_SETTING]), 60, False)))
        assert created.resource_id == setting_id(GW_A["id"]), created.resource_id
        assert plain(created.properties["type"]) == "Microsoft.Insights/diagnosticSettings"


REFUSALS = [
    ("setting for a missing gateway", azure.DIAGNOSTIC_SETTING, body(azure.DIAGNOSTIC_SETTING),
     setting_id(f"{NET}/virtualNetworkGateways/gone"), 404, "ResourceNotFound", "virtualNetworkGateways/gone"),
    ("setting to a missing workspace", azure.DIAGNOSTIC_SETTING,
     body(azure.DIAGNOSTIC_SETTING, workspaceId=WORKSPACE_ID.replace("corp-logs", "nope")), "", 404,
     "ResourceNotFound", "workspaceId"),
    ("setting to something not a workspace", azure.DIAGNOSTIC_SETTING,
     body(azure.DIAGNOSTIC_SETTING, workspaceId=GW_B["id"]), "", 400, "LinkedInvalidPropertyId",
     "Log Analytics workspace"),
    ("a log category gateways do not have", azure.DIAGNOSTIC_SETTING,
     body(azure.DIAGNOSTIC_SETTING, logs=[{"category": "AuditEvent", "enabled": True}]), "", 400,
     "BadRequest", "Category 'AuditEvent' is not supported"),
    ("a metric category other than AllMetrics", azure.DIAGNOSTIC_SETTING,
     body(azure.DIAGNOSTIC_SETTING, metrics=[{"category": "TunnelEgressBytes", "enabled": True}]), "", 400,
     "BadRequest", "Metric category 'TunnelEgressBytes' is not supported"),
    ("an action group outside Global", azure.ACTION_GROUP, body(azure.ACTION_GROUP, location="eastus"), "",
     400, "LocationNotAvailableForResourceType", "'eastus' is not available"),
    ("a 13-character short name", azure.ACTION_GROUP, body(azure.ACTION_GROUP, groupShortName="a" * 13), "",
     400, "InvalidGroupShortName", "at most 12"),
    ("a metric alert in a region", azure.METRIC_ALERT, body(azure.METRIC_ALERT, location="eastus"), "", 400,
     "LocationNotAvailableForResourceType", "microsoft.insights/metricalerts"),
    ("a 2-minute window", azure.METRIC_ALERT, body(azure.METRIC_ALERT, windowSize="PT2M"), "", 400,
     "InvalidWindowSize", "PT2M"),
    ("a 6-hour frequency", azure.METRIC_ALERT,
     body(azure.METRIC_ALERT, evaluationFrequency="PT6H", windowSize="PT12H"), "", 400,
     "InvalidEvaluationFrequency", "PT6H is not supported"),
    ("a frequency longer than the window", azure.METRIC_ALERT,
     body(azure.METRIC_ALERT, evaluationFrequency="PT15M", windowSize="PT5M"), "", 400,
     "InvalidEvaluationFrequency", "longer than windowSize"),
    ("severity 5", azure.METRIC_ALERT, body(azure.METRIC_ALERT, severity=5.0), "", 400, "InvalidSeverity",
     "0, 1, 2, 3 or 4"),
    ("a missing scope", azure.METRIC_ALERT,
     body(azure.METRIC_ALERT, scopes=[f"{NET}/virtualNetworkGateways/gone"]), "", 404, "ResourceNotFound",
     "virtualNetworkGateways/gone"),
    ("a missing action group", azure.METRIC_ALERT,
     body(azure.METRIC_ALERT, actions=[{"actionGroupId": f"{INSIGHTS}/actionGroups/gone"}]), "", 404,
     "ResourceNotFound", "actionGroups/gone"),
    ("two scopes without a target type", azure.METRIC_ALERT,
     body(azure.METRIC_ALERT, scopes=[GW_A["id"], GW_B["id"]]), "", 400, "MissingTargetResource",
     "targetResourceType"),
    ("a log alert in global", azure.SCHEDULED_QUERY_RULE, body(azure.SCHEDULED_QUERY_RULE, location="global"),
     "", 400, "LocationNotAvailableForResourceType", "not global"),
    ("a log alert on a missing workspace", azure.SCHEDULED_QUERY_RULE,
     body(azure.SCHEDULED_QUERY_RULE, scopes=[WORKSPACE_ID + "x"]), "", 404, "ResourceNotFound", "logsx"),
    ("a log alert's missing action group", azure.SCHEDULED_QUERY_RULE,
     body(azure.SCHEDULED_QUERY_RULE, actions={"actionGroups": [f"{INSIGHTS}/actionGroups/gone"]}), "",
     404, "ResourceNotFound", "actionGroups/gone"),
    ("a log alert of severity -1", azure.SCHEDULED_QUERY_RULE, body(azure.SCHEDULED_QUERY_RULE, severity=-1.0),
     "", 400, "InvalidSeverity", "not -1"),
    ("a 3-character workspace name", azure.WORKSPACE, body(azure.WORKSPACE), rid_of(azure.WORKSPACE,
     workspaceName="abc"), 400, "InvalidWorkspaceName", "4 to 63"),
    ("a workspace in global", azure.WORKSPACE, body(azure.WORKSPACE, location="global"), "", 400,
     "LocationNotAvailableForResourceType", "global"),
    ("a workspace keeping logs 3 years", azure.WORKSPACE, body(azure.WORKSPACE, retentionInDays=1095.0), "",
     400, "InvalidRetentionInDays", "30 to 730"),
]  # fmt: skip


class TestMonitoringRefusals:
    @pytest.mark.parametrize(
        ("case", "type_token", "inputs", "rid", "status", "code", "says"), REFUSALS, ids=[case[0] for case in REFUSALS]
    )
    def test_azure_refuses(
        self, case: str, type_token: str, inputs: dict[str, Any], rid: str, status: int, code: str, says: str
    ) -> None:
        refused = refusal(monitoring_azure(), type_token, inputs, rid)
        assert (refused.status, refused.code) == (status, code), f"{case}: {refused}"
        message = str(refused).split("\n", 1)[1]  # past the request line, which names the resource anyway
        assert says in message, f"{case}: {refused}"

    def test_a_sixth_diagnostic_setting_on_one_resource_is_refused(self) -> None:
        settings = [
            record(setting_id(GW_A["id"], f"s{i}"), azure.DIAGNOSTIC_SETTING, body(azure.DIAGNOSTIC_SETTING))
            for i in range(5)
        ]
        state = monitoring_azure(*settings)
        refused = refusal(state, azure.DIAGNOSTIC_SETTING, body(azure.DIAGNOSTIC_SETTING), setting_id(GW_A["id"], "s5"))
        assert refused.code == "DiagnosticSettingsLimitReached" and "up to 5" in str(refused), str(refused)
        azure.check_write(state, azure.DIAGNOSTIC_SETTING, settings[0]["id"], body(azure.DIAGNOSTIC_SETTING))
        azure.check_write(state, azure.DIAGNOSTIC_SETTING, setting_id(GW_B["id"]), body(azure.DIAGNOSTIC_SETTING))

    def test_locations_are_compared_case_insensitively(self) -> None:
        state = monitoring_azure()
        azure.check_write(state, azure.ACTION_GROUP, ACTION_GROUP_ID, body(azure.ACTION_GROUP, location="Global"))
        azure.check_write(
            state, azure.METRIC_ALERT, rid_of(azure.METRIC_ALERT), body(azure.METRIC_ALERT, location="Global")
        )

    def test_the_window_may_be_written_as_a_day(self) -> None:
        state = monitoring_azure()
        azure.check_write(
            state, azure.METRIC_ALERT, rid_of(azure.METRIC_ALERT), body(azure.METRIC_ALERT, windowSize="P1D")
        )

    def test_an_action_group_in_another_subscription_is_not_looked_for(self) -> None:
        elsewhere = ACTION_GROUP_ID.replace(SUB, OTHER_SUBSCRIPTION)
        state = monitoring_azure()
        azure.check_write(
            state, azure.METRIC_ALERT, rid_of(azure.METRIC_ALERT),
            body(azure.METRIC_ALERT, actions=[{"actionGroupId": elsewhere}]),
        )  # fmt: skip
        azure.check_write(
            state, azure.SCHEDULED_QUERY_RULE, rid_of(azure.SCHEDULED_QUERY_RULE),
            body(azure.SCHEDULED_QUERY_RULE, actions={"actionGroups": [elsewhere]}),
        )  # fmt: skip

    def test_a_workspace_without_a_location_takes_its_resource_group_s(self) -> None:
        state = monitoring_azure()
        azure.check_write(state, azure.WORKSPACE, WORKSPACE_ID, body(azure.WORKSPACE, location=None))
        state["resources"][azure.key(RG_ID)]["inputs"]["location"] = "global"
        refused = refusal(state, azure.WORKSPACE, body(azure.WORKSPACE, location=None))
        assert refused.code == "LocationNotAvailableForResourceType", str(refused)


# ------------------------------------------------------------------------------------------ SDK types


def _set(document: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


_DELETE = object()

BAD_BODIES = [
    # (type, where, value, reported path, problem)
    (azure.WORKSPACE, ["sku", "capacityReservation"], 100.0, "$.sku.capacityReservation", "unknown property"),
    (azure.WORKSPACE, ["sku", "name"], _DELETE, "$.sku.name", "missing required property"),
    (azure.WORKSPACE, ["retentionInDays"], "30", "$.retentionInDays", "expected whole number, got string"),
    (azure.DIAGNOSTIC_SETTING, ["logs", 0, "retention"], True, "$.logs[0].retention", "unknown property"),
    (azure.DIAGNOSTIC_SETTING, ["metrics", 0, "enabled"], _DELETE, "$.metrics[0].enabled", "missing required"),
    (azure.DIAGNOSTIC_SETTING, ["logs"], {"category": "x"}, "$.logs", "expected list, got object"),
    (azure.ACTION_GROUP, ["emailReceivers", 0, "address"], "a@b.c", "$.emailReceivers[0].address", "unknown"),
    (azure.ACTION_GROUP, ["groupShortName"], _DELETE, "$.groupShortName", "missing required property"),
    (azure.ACTION_GROUP, ["enabled"], "yes", "$.enabled", "expected boolean, got string"),
    (azure.METRIC_ALERT, ["criteria", "allOf", 0, "dimensions", 0, "value"], ["x"],
     "$.criteria.allOf[0].dimensions[0].value", "unknown property"),
    (azure.METRIC_ALERT, ["criteria", "allOf", 0, "threshold"], _DELETE, "$.criteria.allOf[0].threshold",
     "missing required property (azure-native's MetricCriteriaArgs)"),
    (azure.METRIC_ALERT, ["severity"], 2.5, "$.severity", "expected whole number, got number"),
    (azure.METRIC_ALERT, ["criteria", "odataType"], "Microsoft.Azure.Monitor.Nothing", "$.criteria",
     "fits none of"),
    (azure.SCHEDULED_QUERY_RULE, ["criteria", "allOf", 0, "failingPeriods", "periods"], 1.0,
     "$.criteria.allOf[0].failingPeriods.periods", "unknown property"),
    (azure.SCHEDULED_QUERY_RULE, ["scopes"], WORKSPACE_ID, "$.scopes", "expected list, got string"),
    (azure.SCHEDULED_QUERY_RULE, ["actions", "actionGroups"], [1.0], "$.actions.actionGroups[0]",
     "expected string, got number"),
]  # fmt: skip


class TestSdkTypeBodies:
    @pytest.mark.parametrize("type_token", sorted(GOOD_BODIES))
    def test_what_the_program_sends_fits_azure_native_s_types(self, type_token: str) -> None:
        assert sdk_types.violations(type_token, GOOD_BODIES[type_token]) == [], type_token

    @pytest.mark.parametrize(
        ("type_token", "where", "value", "path", "problem"),
        BAD_BODIES,
        ids=[f"{case[0].rsplit(':', 1)[-1]}{case[3].removeprefix('$')}" for case in BAD_BODIES],
    )
    def test_a_body_that_does_not_fit_names_the_path_and_the_problem(
        self, type_token: str, where: list[Any], value: Any, path: str, problem: str
    ) -> None:
        found = sdk_types.violations(type_token, _set(GOOD_BODIES[type_token], where, value))
        assert any(p == path and problem in message for p, message in found), found

    def test_the_discriminator_picks_the_criteria_class(self) -> None:
        dynamic = {
            "criterionType": "DynamicThresholdCriterion", "name": "n", "metricName": "BgpPeerStatus",
            "operator": "LessThan", "timeAggregation": "Average", "alertSensitivity": "Medium",
            "failingPeriods": {"numberOfEvaluationPeriods": 4.0, "minFailingPeriodsToAlert": 4.0},
        }  # fmt: skip
        single = _set(GOOD_BODIES[azure.METRIC_ALERT], ["criteria", "allOf", 0], dynamic)
        found = sdk_types.violations(azure.METRIC_ALERT, single)
        assert (
            "$.criteria.allOf[0].alertSensitivity",
            "unknown property (not in azure-native's MetricCriteriaArgs)",
        ) in found, ("a single-resource rule takes static thresholds only", found)
        sent = _set(single, ["criteria", "odataType"], "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria")
        assert sdk_types.violations(azure.METRIC_ALERT, sent) == [], "a multi-resource rule takes a dynamic one"
        sent["criteria"]["allOf"][0]["threshold"] = 1.0  # a static criterion's field on a dynamic one
        found = sdk_types.violations(azure.METRIC_ALERT, sent)
        assert found == [("$.criteria.allOf[0].threshold", "unknown property (not in azure-native's "
                          "DynamicMetricCriteriaArgs)")], found  # fmt: skip

    def test_required_keys_and_discriminators_come_from_the_sdk(self) -> None:
        fields = sdk_types.fields(sdk_types.args_class(azure.METRIC_ALERT))
        required = {name for name, field in fields.items() if field.required}
        assert required == {"criteria", "enabled", "evaluationFrequency", "resourceGroupName", "scopes", "severity",
                            "windowSize"}, required  # fmt: skip
        assert sdk_types.args_class(azure.ACTION_GROUP).__name__ == "ActionGroupInitArgs", (
            "the resource's own Args, not monitor.ActionGroupArgs (an alert's action reference)"
        )

    def test_the_emulator_refuses_such_a_put_with_invalid_request_content(self, emulator: AzureNativeEmulator) -> None:
        load(emulator, monitoring_azure())
        sent = _set(GOOD_BODIES[azure.ACTION_GROUP], ["emailReceivers", 0, "address"], "a@b.c")
        urn = "urn:pulumi:dev::p::azure-native:monitor:ActionGroup::corp-alerts"
        with pytest.raises(azure.AzureError) as refused:
            run(emulator.create(CreateRequest(urn, wrap_map(sent), 60, False)))
        assert refused.value.status == 400 and refused.value.code == "InvalidRequestContent", str(refused.value)
        assert "$.emailReceivers[0].address: unknown property" in str(refused.value), str(refused.value)
        assert emulator.store.read()["refusals"][-1]["code"] == "InvalidRequestContent", "recorded as a refusal"


# ------------------------------------------------------------------------------------------ operating reads

CUSTOM_POLICY = {
    "ikeEncryption": "GCMAES256", "ikeIntegrity": "SHA384", "dhGroup": "DHGroup24", "ipsecEncryption": "GCMAES256",
    "ipsecIntegrity": "GCMAES256", "pfsGroup": "PFS24", "saLifeTimeSeconds": 3600.0, "saDataSizeKilobytes": 0.0,
}  # fmt: skip
A_TO_B = connection("a-to-b", "gw-a", "gw-b", enableBgp=True)
B_TO_A = connection("b-to-a", "gw-b", "gw-a", enableBgp=True)
CONNECTION_ARGS = {"resourceGroupName": "rg", "virtualNetworkGatewayConnectionName": "a-to-b"}


def bgp_gateway(template: dict[str, Any], asn: float, enabled: bool = True) -> dict[str, Any]:
    gateway = copy.deepcopy(template)
    gateway["inputs"].update(enableBgp=enabled, bgpSettings={"asn": asn})
    return gateway


def linked(*faults: dict[str, Any], policy: dict[str, Any] | None = None, bgp: bool = True) -> dict[str, Any]:
    """Two gateways (ASN 65010 and 65020) and both directions of their link, Connected unless a fault says."""
    extra = {"ipsecPolicies": [policy]} if policy else {}
    mine, theirs = copy.deepcopy(A_TO_B), copy.deepcopy(B_TO_A)
    mine["inputs"].update(extra)
    theirs["inputs"].update(extra)
    state = azure_with(bgp_gateway(GW_A, 65010), bgp_gateway(GW_B, 65020, enabled=bgp), mine, theirs)
    state["faults"] = list(faults)
    return state


def model_read(
    emulator: AzureNativeEmulator, read: Callable[[dict[str, Any], dict[str, Any], float], Any], rid: str
) -> Any:
    """A long-running read's answer as the emulator's ARM server computes it when Azure accepts the POST
    (vnet2vnet.emulator.arm_http, tests/test_arm_http.py): the model, at the emulated minute, under the lock.
    azure-native's invoke cannot read these (`test_azure_native_s_invokes_fail_on_azure_s_202`)."""
    with emulator.store.locked() as state:
        found = azure.find(state, rid)
        assert found is not None, f"{rid} is in the emulated Azure"
        return read(state, found, emulated_minutes(state))


class TestIkeSecurityAssociations:
    def ike(self, emulator: AzureNativeEmulator, state: dict[str, Any]) -> Any:
        """a-to-b's main mode SAs (the envelope's Data)."""
        load(emulator, state)
        value = model_read(emulator, operating.ike_sas, A_TO_B["id"])
        assert isinstance(value, str), f"the REST answer is a string, not {type(value).__name__}"
        document = json.loads(value)
        assert list(document) == ["Status", "Data"] and document["Status"] == "Successful", (
            "the envelope of the 2024-05-01 example VirtualNetworkGatewayConnectionGetIkeSas.json"
        )
        return document["Data"]

    def test_without_a_custom_policy_azure_s_default_offers(self, emulator: AzureNativeEmulator) -> None:
        (main,) = self.ike(emulator, linked())
        quick = main["QuickModeSAs"][0]
        assert (main["Encryption"], main["Integrity"], main["DhGroup"], main["LifeTimeSeconds"]) == (
            "AES256", "SHA256", "DHGroup2", 28800,
        ), main  # fmt: skip
        assert (quick["Encryption"], quick["Integrity"], quick["PfsGroupId"], quick["LifetimeSeconds"]) == (
            "GCMAES256", "GCMAES256", "None", 27000,
        ), quick  # fmt: skip
        assert quick["LifetimeKilobytes"] == 102_400_000, "Azure's default quick mode lifetime in KB"
        ips = azure.computed(azure_with(), record(f"{NET}/publicIPAddresses/ip-a", azure.PUBLIC_IP, {}))
        remote = azure.computed(azure_with(), record(f"{NET}/publicIPAddresses/ip-b", azure.PUBLIC_IP, {}))
        assert (main["LocalEndpoint"], main["RemoteEndpoint"]) == (ips["ipAddress"], remote["ipAddress"]), main
        assert quick["LocalTrafficSelectors"] == ["0.0.0.0/0"], "route-based: any-to-any selectors"

    def test_every_field_azure_reports(self, emulator: AzureNativeEmulator) -> None:
        (main,) = self.ike(emulator, linked())
        assert set(main) == {
            "LocalEndpoint", "RemoteEndpoint", "InitiatorCookie", "ResponderCookie", "LocalUdpEncapsulationPort",
            "RemoteUdpEncapsulationPort", "Encryption", "Integrity", "DhGroup", "LifeTimeSeconds", "IsSaInitiator",
            "ElapsedTimeInseconds", "QuickModeSAs",
        }, sorted(main)  # fmt: skip
        assert set(main["QuickModeSAs"][0]) == {
            "LocalEndpoint", "RemoteEndpoint", "Encryption", "Integrity", "PfsGroupId", "InboundSPI", "OutboundSPI",
            "LocalTrafficSelectors", "RemoteTrafficSelectors", "LifetimeKilobytes", "LifetimeSeconds", "IsSaInitiator",
            "ElapsedTimeInseconds", "InboundPacketsCount", "OutboundPacketsCount",
        }, sorted(main["QuickModeSAs"][0])  # fmt: skip

    def test_both_ends_agree_on_cookies_and_mirror_their_spis(self) -> None:
        state = linked()
        mine, other = azure.find(state, A_TO_B["id"]), azure.find(state, B_TO_A["id"])
        assert mine is not None and other is not None
        ours = json.loads(operating.ike_sas(state, mine, 10.0))["Data"][0]
        theirs = json.loads(operating.ike_sas(state, other, 10.0))["Data"][0]
        assert ours["InitiatorCookie"] == theirs["InitiatorCookie"], "one IKE SA, seen from both ends"
        assert ours["QuickModeSAs"][0]["OutboundSPI"] == theirs["QuickModeSAs"][0]["InboundSPI"]
        assert ours["IsSaInitiator"] != theirs["IsSaInitiator"], "one end initiates"

    def test_a_custom_policy_is_what_is_negotiated(self, emulator: AzureNativeEmulator) -> None:
        (main,) = self.ike(emulator, linked(policy=CUSTOM_POLICY))
        quick = main["QuickModeSAs"][0]
        assert (main["Encryption"], main["Integrity"], main["DhGroup"], main["LifeTimeSeconds"]) == (
            "GCMAES256", "SHA384", "DHGroup24", 28800,
        ), main  # fmt: skip
        assert (quick["Encryption"], quick["Integrity"], quick["PfsGroupId"], quick["LifetimeSeconds"]) == (
            "GCMAES256", "GCMAES256", "PFS24", 3600,
        ), quick  # fmt: skip

    def test_a_negotiated_policy_fault_overrides_part_of_it(self, emulator: AzureNativeEmulator) -> None:
        fault = {
            "kind": "negotiatedPolicy",
            "resource": "a-to-b",
            "policy": {"ikeEncryption": "AES128", "pfsGroup": "PFS2"},
        }
        (main,) = self.ike(emulator, linked(fault, policy=CUSTOM_POLICY))
        assert (main["Encryption"], main["Integrity"]) == ("AES128", "SHA384"), "only the named keys change"
        assert main["QuickModeSAs"][0]["PfsGroupId"] == "PFS2"

    def test_a_raw_fault_is_returned_verbatim(self, emulator: AzureNativeEmulator) -> None:
        load(emulator, linked({"kind": "negotiatedPolicy", "resource": "a-to-b", "raw": "{not json"}))
        assert model_read(emulator, operating.ike_sas, A_TO_B["id"]) == "{not json"

    def test_a_dropped_tunnel_has_no_security_associations(self, emulator: AzureNativeEmulator) -> None:
        assert self.ike(emulator, linked({"kind": "tunnelDown", "resource": "a-to-b"})) == []

    def test_a_missing_connection_is_azure_s_404(self, emulator: AzureNativeEmulator) -> None:
        load(emulator, linked())
        with pytest.raises(azure.AzureError, match="ResourceNotFound"):
            invoke(emulator, IKE_SAS_FUNCTION, resourceGroupName="rg", virtualNetworkGatewayConnectionName="nope")


GATEWAY_ARGS = {"resourceGroupName": "rg", "virtualNetworkGatewayName": "gw-a"}


class TestBgpReads:
    """The model's BgpPeerStatus and GatewayRoute (the `peer` filter is the ARM server's: tests/test_arm_http.py)."""

    def test_the_remote_gateway_is_a_connected_peer(self, emulator: AzureNativeEmulator) -> None:
        load(emulator, linked())
        (peer,) = model_read(emulator, operating.bgp_peers, GW_A["id"])
        assert peer["localAddress"] == "10.1.255.30" and peer["neighbor"] == "10.2.255.30", peer
        assert (peer["asn"], peer["state"], peer["routesReceived"]) == (65020, "Connected", 1), peer
        assert set(peer) == {"localAddress", "neighbor", "asn", "state", "connectedDuration", "routesReceived",
                             "messagesSent", "messagesReceived"}, sorted(peer)  # fmt: skip

    def test_a_dropped_tunnel_leaves_the_peer_connecting(self, emulator: AzureNativeEmulator) -> None:
        load(emulator, linked({"kind": "tunnelDown", "resource": "a-to-b"}))
        (peer,) = model_read(emulator, operating.bgp_peers, GW_A["id"])
        assert (peer["state"], peer["routesReceived"]) == ("Connecting", 0), peer

    def test_no_peer_when_the_remote_gateway_runs_no_bgp(self, emulator: AzureNativeEmulator) -> None:
        load(emulator, linked(bgp=False))
        assert model_read(emulator, operating.bgp_peers, GW_A["id"]) == []

    def test_the_remote_vnet_s_prefixes_are_learned_over_bgp(self, emulator: AzureNativeEmulator) -> None:
        load(emulator, linked())
        routes = model_read(emulator, operating.learned_routes, GW_A["id"])
        found = {(r["network"], r["origin"], r["nextHop"], r["asPath"]) for r in routes}
        assert found == {("10.1.0.0/16", "Network", "", ""), ("10.2.0.0/16", "EBgp", "10.2.255.30", "65020")}, found

    def test_without_bgp_only_the_gateway_s_own_vnet(self, emulator: AzureNativeEmulator) -> None:
        load(emulator, linked(bgp=False))
        routes = model_read(emulator, operating.learned_routes, GW_A["id"])
        assert [(r["network"], r["origin"]) for r in routes] == [("10.1.0.0/16", "Network")], routes

    def test_a_missing_gateway_is_azure_s_404(self, emulator: AzureNativeEmulator) -> None:
        load(emulator, linked())
        with pytest.raises(azure.AzureError, match="ResourceNotFound"):
            invoke(emulator, LEARNED_ROUTES_FUNCTION, resourceGroupName="rg", virtualNetworkGatewayName="gw-x")


@pytest.mark.parametrize(
    ("token", "args", "path"),
    [
        (IKE_SAS_FUNCTION, CONNECTION_ARGS, f"{A_TO_B['id']}/getikesas"),
        (BGP_PEER_STATUS_FUNCTION, {**GATEWAY_ARGS, "peer": "10.2.255.30"}, f"{GW_A['id']}/getBgpPeerStatus"),
        (LEARNED_ROUTES_FUNCTION, GATEWAY_ARGS, f"{GW_A['id']}/getLearnedRoutes"),
    ],
    ids=["getikesas", "getBgpPeerStatus", "getLearnedRoutes"],
)
def test_azure_native_s_invokes_fail_on_azure_s_202(
    emulator: AzureNativeEmulator, token: str, args: dict[str, Any], path: str
) -> None:
    """Azure answers these POSTs 202 Accepted; azure-native's invoke accepts only 200/201 and never polls
    (client_azcore.go@006a62af; pulumi/pulumi-azure-native#1735): the stand-in fails as it does."""
    load(emulator, linked())
    with pytest.raises(InvokeRequestError) as failed:
        invoke(emulator, token, **args)
    text = str(failed.value)
    assert text.startswith(f"request failed {path}: POST https://management.azure.com{path}\n"), text
    assert "RESPONSE 202: 202 Accepted\nERROR CODE UNAVAILABLE" in text, "azcore's text for a 202 without a body"


# ------------------------------------------------------------------------------------------ byte counters


def counters(emulator: AzureNativeEmulator) -> tuple[float, float]:
    read = invoke(emulator, "azure-native:network:getVirtualNetworkGatewayConnection", **CONNECTION_ARGS)
    assert read["connectionStatus"] in ("Connected", "NotConnected"), read
    return read["ingressBytesTransferred"], read["egressBytesTransferred"]


def set_faults(emulator: AzureNativeEmulator, *faults: dict[str, Any]) -> None:
    with emulator.store.locked() as stored:
        stored["faults"] = list(faults)


def rates() -> tuple[float, float]:
    """A-to-B's ingress and egress bytes per emulated minute."""
    return azure.traffic_rate(GW_B["id"], GW_A["id"]), azure.traffic_rate(GW_A["id"], GW_B["id"])


def after(minutes: float) -> Any:
    """The counters `minutes` of traffic after the link came up (to the byte: the clock is a float)."""
    ingress, egress = rates()
    return pytest.approx((ingress * minutes, egress * minutes), abs=1.0)


class TestByteCounters:
    def test_they_grow_with_the_emulated_clock_a_few_kb_a_minute(
        self, emulator: AzureNativeEmulator, clock: Clock
    ) -> None:
        load(emulator, linked())
        assert counters(emulator) == (0.0, 0.0), "a link up since minute 0, read at minute 0"
        advance(emulator, clock, 10)
        assert counters(emulator) == after(10)
        advance(emulator, clock, 5)
        assert counters(emulator) == after(15), "steady"
        assert all(4096 <= rate < 6144 for rate in rates()), rates()

    def test_a_refresh_reads_them_too(self, emulator: AzureNativeEmulator, clock: Clock) -> None:
        load(emulator, linked())
        urn = "urn:pulumi:dev::p::azure-native:network:VirtualNetworkGatewayConnection::a-to-b"
        advance(emulator, clock, 5)
        first = run(emulator.read(ReadRequest(urn, A_TO_B["id"], {}, {})))
        advance(emulator, clock, 5)
        second = run(emulator.read(ReadRequest(urn, A_TO_B["id"], {}, {})))
        found = [plain(read.properties["ingressBytesTransferred"]) for read in (first, second)]
        ingress = rates()[0]
        assert found == [pytest.approx(ingress * 5, abs=1.0), pytest.approx(ingress * 10, abs=1.0)], found

    def test_the_first_read_counts_from_when_the_link_came_up(
        self, emulator: AzureNativeEmulator, clock: Clock
    ) -> None:
        state = linked()
        state["resources"][azure.key(B_TO_A["id"])]["succeededAt"] = 4.0  # the second direction, at minute 4
        load(emulator, state)
        advance(emulator, clock, 10)
        assert counters(emulator) == after(10 - 4 - azure.CONNECTING_MINUTES), "up from minute 4 + Connecting"

    def test_they_stop_while_the_tunnel_is_down_and_go_on_after(
        self, emulator: AzureNativeEmulator, clock: Clock
    ) -> None:
        load(emulator, linked())
        advance(emulator, clock, 10)
        assert counters(emulator) == after(10)
        set_faults(emulator, {"kind": "tunnelDown", "resource": "a-to-b"})
        advance(emulator, clock, 10)
        assert counters(emulator) == after(10), "no traffic on a dropped tunnel"
        set_faults(emulator)
        advance(emulator, clock, 10)
        assert counters(emulator) == after(20), "on again, from where they stopped"

    def test_no_traffic_keeps_a_connected_link_s_counters_still(
        self, emulator: AzureNativeEmulator, clock: Clock
    ) -> None:
        load(emulator, linked())
        advance(emulator, clock, 10)
        before = counters(emulator)
        set_faults(emulator, {"kind": "noTraffic", "resource": "a-to-b"})
        advance(emulator, clock, 10)
        read = invoke(emulator, "azure-native:network:getVirtualNetworkGatewayConnection", **CONNECTION_ARGS)
        assert read["connectionStatus"] == "Connected", "a quiet link is still up"
        assert (read["ingressBytesTransferred"], read["egressBytesTransferred"]) == before
        assert before == after(10)

    def test_one_direction_s_egress_rate_is_the_other_s_ingress_rate(self) -> None:
        state = linked()
        mine, other = azure.find(state, A_TO_B["id"]), azure.find(state, B_TO_A["id"])
        assert mine is not None and other is not None
        ours, theirs = azure.transferred(state, mine, 60.0), azure.transferred(state, other, 60.0)
        assert ours == (theirs[1], theirs[0]), (ours, theirs)
        assert ours[0] != ours[1], "each direction has its own rate"

    def test_an_update_of_the_connection_keeps_them(self, emulator: AzureNativeEmulator, clock: Clock) -> None:
        load(emulator, linked())
        advance(emulator, clock, 10)
        before = counters(emulator)
        sent = {**CONNECTION_ARGS, **A_TO_B["inputs"], "tags": {"rotated": "yes"}}
        run(emulator._write("update", azure.CONNECTION, wrap_map(sent), preview=False))
        assert counters(emulator) == before, "never back to zero"
        assert before == after(10)

    def test_a_put_response_echoes_zero(self) -> None:
        state = linked()
        out = azure.computed(state, state["resources"][azure.key(A_TO_B["id"])])
        assert (out["ingressBytesTransferred"], out["egressBytesTransferred"]) == (0.0, 0.0)


# ------------------------------------------------------------------------------------------ the fault file


class TestFaultFile:
    def test_the_new_faults_load(self, tmp_path: Path) -> None:
        seed = tmp_path / "seed.yaml"
        faults = [
            {"kind": "noTraffic", "resource": "a-to-b"},
            {
                "kind": "negotiatedPolicy",
                "resource": "a-to-b",
                "policy": {"dhGroup": "DHGroup2", "saLifeTimeSeconds": 3600},
            },
            {"kind": "negotiatedPolicy", "resource": "b-to-a", "raw": ""},
        ]
        seed.write_text(yaml.safe_dump({"faults": faults}))
        assert load_seed(seed)["faults"] == faults

    @pytest.mark.parametrize(
        ("fault", "names"),
        [
            ({"kind": "negotiatedPolicy", "resource": "x"}, "faults[0]: a negotiatedPolicy fault has either policy"),
            ({"kind": "negotiatedPolicy", "resource": "x", "policy": {"dhGroup": "DHGroup2"}, "raw": "[]"},
             "faults[0]: a negotiatedPolicy fault has either policy"),
            ({"kind": "negotiatedPolicy", "resource": "x", "policy": ["AES256"]}, "faults[0].policy must be a mapping"),
            ({"kind": "negotiatedPolicy", "resource": "x", "policy": {"encryption": "AES256"}},
             "faults[0].policy.encryption is unknown"),
            ({"kind": "negotiatedPolicy", "resource": "x", "policy": {"saLifeTimeSeconds": "long"}},
             "faults[0].policy.saLifeTimeSeconds must be a positive number"),
            ({"kind": "negotiatedPolicy", "resource": "x", "policy": {"ikeEncryption": 256}},
             "faults[0].policy.ikeEncryption must be an algorithm name"),
            ({"kind": "negotiatedPolicy", "resource": "x", "raw": ["[]"]}, "faults[0].raw must be a string"),
            ({"kind": "noTraffic"}, "faults[0].resource"),
        ],
    )  # fmt: skip
    def test_a_bad_fault_names_its_key(self, fault: dict[str, Any], names: str, tmp_path: Path) -> None:
        seed = tmp_path / "seed.yaml"
        seed.write_text(yaml.safe_dump({"faults": [fault]}))
        with pytest.raises(SeedError) as refused:
            load_seed(seed)
        assert names in str(refused.value), str(refused.value)

    def test_a_seeded_workspace_and_setting_are_found_by_their_ids(self, tmp_path: Path) -> None:
        from vnet2vnet.emulator.seed import apply_seed

        seed = tmp_path / "seed.yaml"
        seed.write_text(
            yaml.safe_dump({
                "resources": [
                    {"id": WORKSPACE_ID, "type": azure.WORKSPACE, "location": "eastus"},
                    {"id": setting_id(GW_A["id"]), "type": azure.DIAGNOSTIC_SETTING,
                     "inputs": {"workspaceId": WORKSPACE_ID}},
                ]
            })
        )  # fmt: skip
        state = default_state()
        apply_seed(state, load_seed(seed))
        found = azure.find(state, setting_id(GW_A["id"]).replace("diagnosticSettings", "DIAGNOSTICSETTINGS"))
        assert found is not None and found["name"] == "gw-diagnostics", "IDs are case-insensitive"
        assert azure.find(state, WORKSPACE_ID)["location"] == "eastus"  # type: ignore[index]


def test_program_gateway_inputs_still_build_an_accepted_gateway() -> None:
    # The generalised IDs leave the network types as they were.
    assert (
        azure.resource_id(azure.GATEWAY, SUB, {"resourceGroupName": "rg", "virtualNetworkGatewayName": "gw-a"})
        == (GW_A["id"])
    )
    azure.check_write(azure_with(), azure.GATEWAY, GW_A["id"], gateway_inputs())
