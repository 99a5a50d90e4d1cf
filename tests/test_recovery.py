"""`vnet2vnet recover`'s decisions (issue 24), offline: which lock is stale, where a pending create is looked up in
Azure and put into the state, what is dropped, and what the user is told. The lifecycle itself (kills, Ctrl-C,
recover, up) runs on the real engine in tests/engine/test_interrupted.py."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vnet2vnet.operations import RecoveryReport
from vnet2vnet.recovery import (
    InFlight,
    Lock,
    Outcome,
    Pending,
    Planned,
    azure_id,
    lock_is_stale,
    outcomes,
    parse_lock,
    plan_recovery,
    restore_inputs,
    subscription_for,
    unsettled,
    waiting_line,
)

GATEWAY = "azure-native:network:VirtualNetworkGateway"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
PASSWORD = "random:index/randomPassword:RandomPassword"
STACK = "urn:pulumi:dev::vnet2vnet::pulumi:pulumi:Stack::vnet2vnet-dev"
PROVIDER = "urn:pulumi:dev::vnet2vnet::pulumi:providers:azure-native::default_3_29_0"
SUB = "6d6b3f6e-0000-4000-8000-00000e000001"
NOW = datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc)


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:dev::vnet2vnet::vnet2vnet:index:VnetToVnetPair${type_token}::{name}"


RG = {
    "urn": urn("azure-native:resources:ResourceGroup", "vnet2vnet-east-rg"),
    "custom": True,
    "type": "azure-native:resources:ResourceGroup",
    "id": f"/subscriptions/{SUB}/resourceGroups/vnet2vnet-east-rg1a2b3c4d",
    "provider": f"{PROVIDER}::p1",
    "parent": STACK,
}
GW_INPUTS = {
    "resourceGroupName": "vnet2vnet-east-rg1a2b3c4d",
    "virtualNetworkGatewayName": "vnet2vnet-east-gw5e6f7a8b",
    "location": "eastus",
    "sku": {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"},
}
GW = {
    "urn": urn(GATEWAY, "vnet2vnet-east-gw"),
    "custom": True,
    "type": GATEWAY,
    "inputs": GW_INPUTS,
    "parent": STACK,
    "provider": f"{PROVIDER}::p1",
    "dependencies": [RG["urn"]],
}
GW_ID = (
    f"/subscriptions/{SUB}/resourceGroups/vnet2vnet-east-rg1a2b3c4d/providers/Microsoft.Network/virtualNetworkGateways/"
    "vnet2vnet-east-gw5e6f7a8b"
)


def deployment(resources: list[dict[str, Any]], pending: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    return {
        "manifest": {},
        "resources": resources,
        "pending_operations": [{"type": kind, "resource": resource} for kind, resource in pending],
    }


class TestWhatTheFirstCtrlCSays:
    @pytest.mark.parametrize(
        ("running", "line"),
        [
            ([GATEWAY, GATEWAY], "waiting for 2 gateways, up to 45 min; Ctrl-C again stops now"),
            ([CONNECTION, GATEWAY, CONNECTION], "waiting for 1 gateway and 2 connections, up to 45 min; Ctrl-C again stops now"),
            ([CONNECTION], "waiting for 1 connection, up to 2 min; Ctrl-C again stops now"),
            ([], "cancelling: waiting for the Pulumi CLI to stop; Ctrl-C again stops now"),
        ],
    )  # fmt: skip
    def test_it_names_what_is_in_flight_and_the_longest_wait(self, running: list[str], line: str) -> None:
        assert waiting_line(running) == line

    def test_the_engines_events_tell_what_has_begun_and_not_ended(self) -> None:
        def event(kind: str, urn_: str, type_token: str, op: str = "create") -> Any:
            metadata = SimpleNamespace(urn=urn_, type=type_token, op=op)
            return SimpleNamespace(**{kind: SimpleNamespace(metadata=metadata)})

        tracker = InFlight()
        for begun in (urn(GATEWAY, "a"), urn(GATEWAY, "b"), urn(CONNECTION, "c")):
            tracker(event("resource_pre_event", begun, GATEWAY if "Gateway::" in begun else CONNECTION))
        tracker(event("resource_pre_event", urn(GATEWAY, "same"), GATEWAY, "same"))
        tracker(event("res_outputs_event", urn(CONNECTION, "c"), CONNECTION))
        tracker(event("resource_pre_event", STACK, "pulumi:pulumi:Stack"))
        assert tracker.line() == "waiting for 2 gateways, up to 45 min; Ctrl-C again stops now", tracker.running


class TestLocks:
    @pytest.mark.parametrize(
        ("hostname", "pid", "running", "stale"),
        [
            ("vm", 4242, False, True),  # this machine, the process is gone: the CLI was killed
            ("vm", 4242, True, False),  # this machine, still running: an update in progress
            ("other", 4242, False, False),  # another machine: its process cannot be seen from here
            ("vm", None, False, False),  # no pid: nobody can tell
            ("", 4242, False, False),
        ],
    )
    def test_a_lock_is_stale_only_when_its_process_here_is_gone(
        self, hostname: str, pid: int | None, running: bool, stale: bool
    ) -> None:
        lock = Lock("/b/.pulumi/locks/x.json", pid, hostname, "root", "2026-12-06T02:00:00Z")
        assert lock_is_stale(lock, "vm", lambda _: running) is stale

    def test_a_lock_file_as_pulumi_writes_it(self) -> None:
        text = '{"pid":19915,"username":"root","hostname":"vm","timestamp":"2026-12-06T02:03:23.98Z"}'
        lock = parse_lock("x.json", text)
        assert (lock.pid, lock.hostname, lock.username) == (19915, "vm", "root")
        assert lock.describe() == "root@vm (pid 19915) since 2026-12-06T02:03:23.98Z"

    @given(st.text(max_size=200))
    def test_any_lock_file_text_is_a_lock_nobody_can_call_stale_unless_it_says_so(self, text: str) -> None:
        lock = parse_lock("x.json", text)
        assert isinstance(lock, Lock)
        if lock.pid is None or not lock.hostname:
            assert not lock_is_stale(lock, lock.hostname or "vm", lambda _: False), lock


class TestAzureIds:
    @pytest.mark.parametrize(
        ("type_token", "inputs", "expected"),
        [
            (GATEWAY, GW_INPUTS, GW_ID),
            ("azure-native:resources:ResourceGroup", {"resourceGroupName": "rg"}, f"/subscriptions/{SUB}/resourceGroups/rg"),
            ("azure-native:network:Subnet", {"resourceGroupName": "rg", "virtualNetworkName": "v", "subnetName": "GatewaySubnet"},
             f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/GatewaySubnet"),
            ("azure-native:monitor:DiagnosticSetting", {"resourceUri": GW_ID, "name": "d"},
             f"{GW_ID}/providers/Microsoft.Insights/diagnosticSettings/d"),
            (GATEWAY, {"resourceGroupName": "rg"}, None),  # no name: cannot be looked up
            (PASSWORD, {"length": 32}, None),  # nothing of it in Azure
        ],
    )  # fmt: skip
    def test_the_id_comes_from_the_inputs_the_engine_sent(
        self, type_token: str, inputs: dict[str, Any], expected: str | None
    ) -> None:
        assert azure_id(type_token, inputs, SUB) == expected

    def test_without_a_subscription_there_is_no_id(self) -> None:
        assert azure_id(GATEWAY, GW_INPUTS, None) is None

    def test_the_subscription_comes_from_the_provider_or_what_it_made(self) -> None:
        explicit = {
            "urn": "urn:pulumi:dev::vnet2vnet::pulumi:providers:azure-native::hub",
            "id": "p2",
            "custom": True,
            "type": "pulumi:providers:azure-native",
            "inputs": {"subscriptionId": "hub-sub"},
        }
        made = deployment([explicit, RG], [])
        on_hub = {**GW, "provider": f"{explicit['urn']}::p2"}
        assert subscription_for(made, on_hub, "default-sub") == "hub-sub", "an explicit provider's subscription"
        assert subscription_for(made, GW, "default-sub") == SUB, "the default provider's, from what it built"
        assert subscription_for(deployment([], []), GW, "default-sub") == "default-sub", "else the default"


class TestTheStateEdit:
    def test_a_pending_create_goes_into_the_state_at_its_urn_with_its_id(self) -> None:
        edited, decided = plan_recovery(deployment([RG], [("creating", GW)]), lambda _: SUB, NOW)
        assert [(p.action, p.id) for p in decided] == [("look-up", GW_ID)]
        (entry,) = [r for r in edited["resources"] if r["urn"] == GW["urn"]]
        assert entry["id"] == GW_ID and entry["inputs"] == GW_INPUTS
        assert entry["outputs"] == {"location": "eastus", "sku": GW_INPUTS["sku"], "provisioningState": "Accepted"}, (
            "what Azure was sent, no path parameter, and a state that is not final until Azure is read"
        )
        assert "pending_operations" not in edited and entry["created"] == "2026-12-06T03:00:00Z"

    def test_a_look_up_whose_refresh_failed_is_read_again_by_the_next_recover(self) -> None:
        """The edited state is written before the refresh: if the refresh fails, no pending operation is left, and
        only the entry's unfinished state makes the next `recover` read it rather than say "nothing to do"."""
        edited, _ = plan_recovery(deployment([RG], [("creating", GW)]), lambda _: SUB, NOW)
        assert unsettled(edited) == [GW["urn"]], "an entry Azure was not yet read for is not settled"
        again, decided = plan_recovery(edited, lambda _: SUB, NOW)
        assert decided == [] and unsettled(again) == [GW["urn"]], "the second recover reads it again"

    def test_it_goes_right_after_what_it_depends_on_before_what_depends_on_it(self) -> None:
        dependent = {"urn": urn(CONNECTION, "c"), "custom": True, "type": CONNECTION, "dependencies": [GW["urn"]]}
        old = {**GW, "id": "old", "pendingReplacement": True}
        edited, _ = plan_recovery(deployment([RG, old, dependent], [("creating", GW)]), lambda _: SUB, NOW)
        order = [(r["urn"].rsplit("::", 1)[-1], r.get("id")) for r in edited["resources"]]
        assert order == [("vnet2vnet-east-rg", RG["id"]), ("vnet2vnet-east-gw", GW_ID), ("c", None)], order

    def test_a_replacement_in_flight_leaves_the_old_resource_to_the_next_up(self) -> None:
        old = {**GW, "id": "old-gateway"}
        edited, _ = plan_recovery(deployment([RG, old], [("creating", GW)]), lambda _: SUB, NOW)
        flags = [(r.get("id"), bool(r.get("delete"))) for r in edited["resources"] if r["urn"] == GW["urn"]]
        assert sorted(flags, key=str) == sorted([("old-gateway", True), (GW_ID, False)], key=str), flags

    @pytest.mark.parametrize(
        ("kind", "resource", "action"),
        [
            ("creating", {"urn": urn(PASSWORD, "k"), "custom": True, "type": PASSWORD, "inputs": {"length": 64}}, "drop"),
            ("creating", {**GW, "inputs": {"location": "eastus"}}, "unknown-id"),
            ("updating", {**GW, "id": GW_ID}, "read"),
            ("deleting", {**GW, "id": GW_ID}, "read"),
        ],
        ids=["a random password", "a create without its name", "an update", "a delete"],
    )  # fmt: skip
    def test_what_is_not_looked_up(self, kind: str, resource: dict[str, Any], action: str) -> None:
        in_state = [RG, {**GW, "id": GW_ID}] if kind != "creating" else [RG]
        edited, (decided,) = plan_recovery(deployment(in_state, [(kind, resource)]), lambda _: SUB, NOW)
        assert decided.action == action and edited["resources"] == in_state, decided

    def test_after_the_refresh_the_inputs_are_what_the_program_sent(self) -> None:
        _, decided = plan_recovery(deployment([RG], [("creating", GW)]), lambda _: SUB, NOW)
        read_back = {**GW, "id": GW_ID, "inputs": {**GW_INPUTS, "bgpSettings": {"asn": 65515}}, "outputs": {"x": 1}}
        restored = restore_inputs(deployment([RG, read_back], []), decided)
        assert restored is not None
        (entry,) = [r for r in restored["resources"] if r["urn"] == GW["urn"]]
        assert entry["inputs"] == GW_INPUTS and entry["outputs"] == {"x": 1}, entry
        assert restore_inputs(restored, decided) is None, "nothing more to restore"


class TestWhatIsSaid:
    def plan(self, action: str = "look-up") -> list[Planned]:
        return [Planned(Pending("creating", GW), action, GW_ID)]

    @pytest.mark.parametrize(
        ("state", "action", "code"),
        [("Succeeded", "imported", 0), ("Updating", "building", 1), ("Failed", "failed", 1)],
    )
    def test_each_look_up_ends_in_one_line(self, state: str, action: str, code: int) -> None:
        refreshed = deployment([RG, {**GW, "id": GW_ID, "outputs": {"provisioningState": state}}], [])
        (outcome,) = outcomes(self.plan(), [], refreshed)
        assert outcome.action == action and "\n" not in outcome.message, outcome
        if action == "building":
            assert outcome.wait_minutes == 45 and "45 min" in outcome.message, outcome
        assert RecoveryReport("dev", outcomes=[outcome]).exit_code == code

    def test_what_azure_does_not_have_is_dropped_for_up_to_create(self) -> None:
        (outcome,) = outcomes(self.plan(), [], deployment([RG], []))
        assert outcome.action == "dropped" and "up creates it" in outcome.message, outcome

    def test_a_healthy_stack_reports_nothing_and_exits_0(self) -> None:
        report = RecoveryReport("dev", outcomes=outcomes([], [], deployment([RG], [])))
        assert report.exit_code == 0 and report.as_json()["resources"] == [] and report.as_json()["ok"]

    def test_a_lock_kept_or_an_operation_left_pending_is_not_settled(self) -> None:
        assert RecoveryReport("dev", still_locked=True).exit_code == 1
        assert RecoveryReport("dev", pending_left=1).exit_code == 1

    def test_the_json_document(self) -> None:
        outcome = Outcome(
            urn(GATEWAY, "vnet2vnet-east-gw"), GATEWAY, "creating", "imported", GW_ID, "Succeeded", "imported"
        )
        document = RecoveryReport("dev", outcomes=[outcome]).as_json()
        assert set(document) == {"stack", "locks", "resources", "notes", "locked", "pending_operations", "ok"}
        assert set(document["resources"][0]) == {
            "urn", "type", "operation", "action", "id", "provisioningState", "waitMinutes", "message"
        }  # fmt: skip
