"""The disruption forecast (`plan --against STATE.json`): for each change from a deployed stack, replace or update
(from Azure's create-only properties) and what it interrupts (one table with sources), for the cases users ask
about: a key rotation or protocol change, a zone change, a SKU resize and a tag change. The "deployed" state here
is the offline plan of the current config, exported the way `pulumi stack export` shapes it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.support import plan_stack
from tests.test_cli import run_cli
from vnet2vnet.disruption import Disruption, forecast, key_ages
from vnet2vnet.plan_model import Plan, Secret, unwrap

SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"


def exported(plan: Plan, created: str = "2026-01-01T00:00:00Z") -> dict[str, Any]:
    """The plan as a stack export: inputs with secrets as ciphertext markers, `protect` from its options."""

    def state_value(value: Any) -> Any:
        if isinstance(value, Secret):
            return {SECRET_SIGNATURE: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:opaque"}
        if isinstance(value, dict):
            return {k: state_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [state_value(v) for v in value]
        return unwrap(value)

    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "custom": r.custom,
            "inputs": state_value(r.inputs),
            "protect": bool(r.options.get("protect")),
            "created": created,
        }
        for r in plan.resources
    ]
    return {"version": 3, "deployment": {"resources": resources}}


def by_name(disruptions: list[Disruption]) -> dict[str, Disruption]:
    return {d.resource.rsplit("::", 1)[-1]: d for d in disruptions}


DEV = exported(plan_stack("dev"))


class TestTheFourCases:
    def test_nothing_changed_forecasts_nothing(self) -> None:
        assert forecast(plan_stack("dev"), DEV) == [], "the same config against its own state"

    def test_a_key_rotation_replaces_both_connections_with_about_five_minutes_of_tunnel_down(self) -> None:
        found = by_name(forecast(plan_stack("dev", connection={"sharedKeyLength": 64, "sharedKeyVersion": 2}), DEV))
        assert set(found) == {"vnet2vnet-east-west-psk", "vnet2vnet-east-to-west", "vnet2vnet-west-to-east"}, found
        for name in ("vnet2vnet-east-to-west", "vnet2vnet-west-to-east"):
            assert (found[name].change, found[name].interruption, found[name].downtime_minutes) == (
                "replace",
                "tunnel",
                5,
            )
        assert found["vnet2vnet-east-west-psk"].interruption == "none", "the key itself interrupts nothing"

    def test_a_protocol_change_replaces_both_connections(self) -> None:
        found = by_name(forecast(plan_stack("dev", connection={"connectionProtocol": "IKEv1"}), DEV))
        assert {name for name, d in found.items() if d.change == "replace"} == {
            "vnet2vnet-east-to-west", "vnet2vnet-west-to-east"
        }, found  # fmt: skip
        assert found["vnet2vnet-east-to-west"].why == "connectionProtocol changed"

    def test_a_zone_change_rebuilds_the_gateway_for_over_an_hour_with_new_ips(self) -> None:
        found = by_name(
            forecast(plan_stack("dev", gateway={"sku": "VpnGw1AZ", "generation": "Generation1", "zones": ["1"]}), DEV)
        )
        assert (
            found["vnet2vnet-east-gw-ip1"].why == "zones changed" and found["vnet2vnet-east-gw-ip1"].change == "replace"
        )
        gateway = found["vnet2vnet-east-gw"]
        assert (gateway.change, gateway.interruption) == ("replace", "gateway") and gateway.downtime_minutes > 60, (
            gateway
        )
        assert found["vnet2vnet-east-to-west"].change == "replace", "its connections go with the gateway"

    def test_a_sku_resize_updates_the_gateway_in_place_for_about_45_minutes_marked_estimated(self) -> None:
        found = by_name(forecast(plan_stack("dev", gateway={"sku": "VpnGw2AZ", "generation": "Generation1"}), DEV))
        assert set(found) == {"vnet2vnet-east-gw", "vnet2vnet-west-gw"}, found
        resize = found["vnet2vnet-east-gw"]
        assert (resize.change, resize.duration_minutes, resize.estimated) == ("update", 45, True), resize
        assert "gateway-sku-upgrade" in resize.source

    def test_a_tag_change_interrupts_nothing(self) -> None:
        found = forecast(plan_stack("dev", tags={"environment": "dev", "owner": "network-team"}), DEV)
        assert found and {(d.change, d.interruption, d.downtime_minutes) for d in found} == {("update", "none", 0)}

    def test_a_protected_resource_that_would_be_replaced_is_blocked(self) -> None:
        prod = plan_stack("prod")
        gateway_options = {r.name: r.options.get("protect") for r in prod.resources if r.name.endswith("-gw")}
        assert all(gateway_options.values()), "prod protects its gateways"
        found = by_name(forecast(plan_stack("prod", gateway={**_prod_gateway(), "zones": ["1"]}), exported(prod)))
        blocked = {name for name, d in found.items() if d.interruption == "blocked"}
        assert any(name.endswith("-gw") for name in blocked), found
        assert all(found[name].downtime_minutes == 0 for name in blocked)


class TestMonitoringChanges:
    """Diagnostics and alerts are Azure Monitor resources, outside the data path: no change to them is a gateway
    rebuild, whatever replace or delete it takes."""

    def test_adding_diagnostics_and_alerts_to_a_deployed_stack_interrupts_nothing(self) -> None:
        planned = plan_stack("dev", diagnostics={"createWorkspace": True}, alerts={"emails": ["ops@example.com"]})
        assert forecast(planned, DEV) == [], "new resources are creates, not disruptions"

    def test_removing_them_deletes_them_without_a_tunnel_down_and_says_the_logs_go(self) -> None:
        prod = plan_stack("prod")
        found = forecast(plan_stack("prod", diagnostics=None, alerts=None), exported(prod))
        assert {d.change for d in found} == {"delete"}, found
        assert {d.interruption for d in found} == {"none"}, "monitoring is not in the data path"
        (workspace,) = [d for d in found if d.resource.endswith("::vnet2vnet-logs")]
        assert "logs are deleted" in workspace.source, workspace

    def test_a_window_change_updates_the_alerts_in_place(self) -> None:
        prod = plan_stack("prod")
        found = forecast(
            plan_stack("prod", alerts={"emails": ["netops@example.com"], "windowMinutes": 30}), exported(prod)
        )
        assert len(found) == 4 and {(d.change, d.interruption) for d in found} == {("update", "none")}, found


def _prod_gateway() -> dict[str, Any]:
    import yaml

    from tests.support import PROJECT_DIR

    return dict(yaml.safe_load((PROJECT_DIR / "Pulumi.prod.yaml").read_text())["config"]["vnet2vnet:gateway"])


class TestKeyAge:
    def test_the_generated_key_is_as_old_as_its_random_password(self) -> None:
        (age,) = key_ages(DEV, datetime(2026, 12, 1, tzinfo=timezone.utc))
        assert age.link.endswith("vnet2vnet-east-west-psk") and round(age.age_days) == 334, age

    def test_plan_against_warns_past_max_key_age_and_lists_disruptions_in_json(self, tmp_path: Any) -> None:
        old = (datetime.now(timezone.utc) - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
        state = tmp_path / "state.json"
        state.write_text(json.dumps(exported(plan_stack("dev"), created=old)))
        result = run_cli("plan", "--stack", "dev", "--json", "--against", str(state))
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        assert document["disruptions"] == [], "the same config: nothing to interrupt"
        (warning,) = [f for f in document["findings"] if f["path"] == "vnet2vnet:connection.maxKeyAgeDays"]
        assert "is 200 days old" in warning["message"] and "the limit is 180" in warning["message"], warning

    def test_a_file_that_is_not_a_stack_export_is_a_usage_error(self, tmp_path: Any) -> None:
        bad = tmp_path / "state.json"
        bad.write_text("[1, 2]")
        result = run_cli("plan", "--stack", "dev", "--against", str(bad))
        assert result.returncode == 2 and "a stack export is a JSON object" in result.stderr, result.stderr


@pytest.mark.parametrize("key", ["resource", "change", "interruption", "downtime_minutes", "duration_minutes"])
def test_each_disruption_in_json_has_the_contract_keys(key: str) -> None:
    (first, *_) = forecast(plan_stack("dev", tags={"owner": "x"}), DEV)
    assert key in first.as_json() and set(first.as_json()) == {
        "resource", "change", "interruption", "downtime_minutes", "duration_minutes"
    }  # fmt: skip
