"""The disruption forecast (`plan --against STATE.json`): for each change from a deployed stack, replace or update
(from Azure's create-only properties) and what it interrupts (one table with sources), for the cases users ask
about: a key rotation or protocol change, a zone change, a SKU resize and a tag change. The "deployed" state here
is the offline plan of the current config, exported the way `pulumi stack export` shapes it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml

from tests.support import PROJECT_DIR, plain_vnets_from_dev, plan_stack
from tests.test_cli import project_copy, run_cli
from vnet2vnet.checks import stack_findings
from vnet2vnet.disruption import Disruption, forecast, key_ages, one_update_problems
from vnet2vnet.findings import errors_in
from vnet2vnet.network import ResolvedNetwork
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
    manifest = {"time": created, "magic": "", "version": "v3.274.1"}  # as `pulumi stack export` writes it
    return {"version": 3, "deployment": {"manifest": manifest, "resources": resources}}


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

    def test_an_asn_change_is_seen_through_the_gateways_ignored_bgp_fields(self) -> None:
        # The gateway ignores Azure's bgpSettings.bgpPeeringAddress(es) and peerWeight, never the ASN beside them.
        prod = plan_stack("prod")
        vnets = yaml.safe_load((PROJECT_DIR / "Pulumi.prod.yaml").read_text())["config"]["vnet2vnet:vnets"]
        renumbered = [{**vnets[0], "bgpAsn": 65011}, vnets[1]]
        found = by_name(forecast(plan_stack("prod", vnets=renumbered), exported(prod)))
        gateways = {name: d for name, d in found.items() if name.endswith("-gw")}
        assert list(gateways) == ["vnet2vnet-neu-gw"], found
        assert gateways["vnet2vnet-neu-gw"].why == "bgpSettings changed", gateways

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


class TestWhatAzureRefusesToChangeInPlace:
    """azure-native would send these changes as updates, which Azure refuses (emulator.rules.changes): the program
    makes the engine replace instead (replaceOnChanges, replaceWith), and the forecast says replace."""

    @pytest.mark.parametrize(
        ("type_suffix", "expected"),
        [
            ("PublicIPAddress", ["location", "publicIPAddressVersion", "zones"]),
            ("VirtualNetworkGateway", ["gatewayType", "location", "vpnGatewayGeneration", "vpnType"]),
            ("VirtualNetworkGatewayConnection", ["connectionType", "location"]),
        ],
    )
    def test_each_create_only_property_replaces(self, type_suffix: str, expected: list[str]) -> None:
        for resource in plan_stack("prod").custom_resources:
            if resource.type == f"azure-native:network:{type_suffix}":
                assert resource.options["replaceOnChanges"] == expected, f"{resource.name}: {resource.options}"

    def test_a_gateway_is_replaced_with_its_public_ips(self) -> None:
        plan = plan_stack("prod")
        for gateway in plan.of_type("azure-native:network:VirtualNetworkGateway"):
            ips = [r.urn for r in plan.of_type("azure-native:network:PublicIPAddress") if r.parent == gateway.parent]
            assert sorted(gateway.options["replaceWith"]) == sorted(ips) and len(ips) == 2, gateway.options

    def test_a_generation_change_replaces_the_gateways_and_their_connections(self) -> None:
        found = by_name(forecast(plan_stack("dev", gateway={"sku": "VpnGw2AZ", "generation": "Generation2"}), DEV))
        assert found["vnet2vnet-east-gw"].change == "replace", found["vnet2vnet-east-gw"]
        assert "vpnGatewayGeneration" in found["vnet2vnet-east-gw"].why, found["vnet2vnet-east-gw"].why
        assert found["vnet2vnet-east-to-west"].change == "replace", "a connection goes with its gateway"

    def test_writing_out_azures_default_protocol_replaces_nothing(self) -> None:
        found = by_name(forecast(plan_stack("dev", connection={"connectionProtocol": "IKEv2"}), DEV))
        assert {d.change for d in found.values()} <= {"update"}, f"IKEv2 is what Azure already has: {found}"


class TestWhatOneUpdateCannotApply:
    """Pulumi's engine cannot apply these in one `pulumi up` without Azure refusing a delete halfway
    (disruption.ENGINE_SOURCE; proven on the real engine in tests/engine/test_changes.py): `plan --against` stops
    them with what to do instead."""

    def test_both_gateways_of_a_link_rebuilt_at_once(self) -> None:
        plan = plan_stack("dev", gateway={"sku": "VpnGw1AZ", "generation": "Generation1", "zones": ["1"]})
        (problem,) = one_update_problems(plan, forecast(plan, DEV))
        assert "vnet2vnet-east-gw and vnet2vnet-west-gw are both rebuilt" in problem.message, problem
        assert "vnets[i].gateway" in problem.fix, problem.fix

    def test_one_side_at_a_time_is_fine(self) -> None:
        vnets = plain_vnets_from_dev()
        vnets[0]["gateway"] = {"zones": ["1"]}
        plan = plan_stack("dev", vnets=vnets)
        disruptions = forecast(plan, DEV)
        assert any(d.change == "replace" for d in disruptions), "the east side is rebuilt"
        assert one_update_problems(plan, disruptions) == [], "one gateway rebuilt: one update applies it"

    def test_a_region_move_in_place(self) -> None:
        vnets = plain_vnets_from_dev()
        vnets[0]["location"] = "eastus2"
        plan = plan_stack("dev", vnets=vnets)
        problems = one_update_problems(plan, forecast(plan, DEV))
        assert [p.resource.rsplit("::", 1)[-1] for p in problems] == ["vnet2vnet-east-gateway-subnet"], problems
        assert "new name (vnets[i].name)" in problems[0].fix, problems[0].fix

    def test_plan_against_stops_with_the_fix(self, tmp_path: Any) -> None:
        project = project_copy(tmp_path)
        config = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]
        config["vnet2vnet:gateway"]["zones"] = ["1"]
        (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
        state = tmp_path / "state.json"
        state.write_text(json.dumps(DEV))
        result = run_cli("plan", "--stack", "dev", "--json", "--against", str(state), cwd=project)
        assert result.returncode == 1, f"a change one update cannot apply is an error: {result.stderr}"
        errors = [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
        assert errors and "both rebuilt in one update" in errors[0]["message"], errors


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


NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
OWN_KEY = "Link0wnKey42"


def days_ago(days: int, now: datetime = NOW) -> str:
    return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def aged(document: dict[str, Any], default: int, **days_by_name: int) -> dict[str, Any]:
    """`document` with every resource created `default` days before NOW, those named otherwise."""
    for resource in document["deployment"]["resources"]:
        name = resource["urn"].rsplit("::", 1)[-1]
        resource["created"] = days_ago(days_by_name.get(name, default))
    return document


def topology_of(stack: str, **overrides: Any) -> ResolvedNetwork:
    """A shipped stack's checked, resolved network, with `overrides` (config keys without the namespace)."""
    config = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    raw = {key.split(":", 1)[1]: value for key, value in config.items()}
    raw.update(overrides)
    topology, findings = stack_findings(
        {key: value if isinstance(value, str) else json.dumps(value) for key, value in raw.items()}, "vnet2vnet"
    )
    assert topology is not None and not errors_in(findings), findings
    return topology


OWN_KEY_LINK = [{"vnets": ["use", "usw"], "sharedKey": OWN_KEY}]


def own_limit(days: int) -> list[dict[str, Any]]:
    return [{"vnets": ["use", "usw"], "connection": {"maxKeyAgeDays": days}}]


class TestKeyAge:
    def test_the_generated_key_is_as_old_as_its_random_password(self) -> None:
        (age,) = key_ages(DEV, NOW, topology_of("dev"), "vnet2vnet")
        assert age.link.endswith("vnet2vnet-east-west-psk") and round(age.age_days) == 334, age
        assert (age.ends, age.max_age_days, age.limit_path) == (
            ("east", "west"),
            180,
            ("connection", "max_key_age_days"),
        ), "a pair's one link, with the shared limit"
        assert age.too_old and age.rotation == "set connection.sharedKeyVersion to 2", age

    def test_a_pairs_own_key_is_as_old_as_its_oldest_connection(self) -> None:
        state = aged(
            exported(plan_stack("dev", sharedKey=OWN_KEY)),
            10,
            **{"vnet2vnet-east-to-west": 200, "vnet2vnet-west-to-east": 20},
        )
        (age,) = key_ages(state, NOW, topology_of("dev", sharedKey=OWN_KEY), "vnet2vnet")
        assert age.link.endswith("::vnet2vnet-east-to-west") and round(age.age_days) == 200, age
        assert age.rotation == "set a new sharedKey", age

    def test_in_a_mesh_a_links_own_key_is_checked_beside_the_generated_ones(self) -> None:
        state = aged(
            exported(plan_stack("mesh", links=OWN_KEY_LINK)),
            10,
            **{"vnet2vnet-use-to-usw": 300, "vnet2vnet-usw-to-use": 250},
        )
        ages = {age.ends: age for age in key_ages(state, NOW, topology_of("mesh", links=OWN_KEY_LINK), "vnet2vnet")}
        assert len(ages) == 10, f"every link's key, the own one too: {sorted(ages)}"
        own = ages[("use", "usw")]
        assert own.link.endswith("::vnet2vnet-use-to-usw") and round(own.age_days) == 300, "its oldest connection"
        assert own.rotation == "set a new links[0].sharedKey", own
        assert [ends for ends, age in ages.items() if age.too_old] == [("use", "usw")], "only the own key is old"
        generated = [age for ends, age in ages.items() if ends != ("use", "usw")]
        assert all(age.link.endswith("-psk") and round(age.age_days) == 10 for age in generated), generated

    @pytest.mark.parametrize(
        ("limit", "days", "too_old", "others_too_old"),
        [(30, 60, True, False), (400, 200, False, True)],
        ids=["lower-than-the-shared-limit", "higher-than-the-shared-limit"],
    )
    def test_a_links_own_limit_applies_to_that_link_only(
        self, limit: int, days: int, too_old: bool, others_too_old: bool
    ) -> None:
        links = own_limit(limit)
        state = aged(exported(plan_stack("mesh", links=links)), days)
        ages = {age.ends: age for age in key_ages(state, NOW, topology_of("mesh", links=links), "vnet2vnet")}
        own = ages.pop(("use", "usw"))
        assert (own.max_age_days, own.limit_path, own.too_old) == (
            limit,
            ("links", 0, "connection", "max_key_age_days"),
            too_old,
        ), own
        assert own.rotation == "set links[0].connection.sharedKeyVersion to 2", own
        assert {(a.max_age_days, a.limit_path, a.too_old) for a in ages.values()} == {
            (180, ("connection", "max_key_age_days"), others_too_old)
        }, "every other link keeps the shared limit"

    def test_plan_against_names_the_limit_of_the_link_it_warns_about(self, tmp_path: Any) -> None:
        project = project_copy(tmp_path)
        config = yaml.safe_load((PROJECT_DIR / "Pulumi.mesh.yaml").read_text())
        config["config"]["vnet2vnet:links"] = own_limit(30)
        (project / "Pulumi.mesh.yaml").write_text(yaml.safe_dump(config))
        state = project / "state.json"
        now = datetime.now(timezone.utc)
        document = exported(plan_stack("mesh", links=own_limit(30)), created=days_ago(60, now))
        state.write_text(json.dumps(document))
        result = run_cli("plan", "--stack", "mesh", "--json", "--against", str(state), "--project-dir", str(project))
        assert result.returncode == 0, result.stderr
        warnings = [f for f in json.loads(result.stdout)["findings"] if "days old" in f["message"]]
        assert [w["path"] for w in warnings] == ["vnet2vnet:links[0].connection.maxKeyAgeDays"], warnings
        assert "vnet2vnet-use-usw-psk is 60 days old" in warnings[0]["message"], warnings
        assert "the limit is 30" in warnings[0]["message"], warnings
        assert "links[0].connection.sharedKeyVersion to 2" in warnings[0]["fix"], warnings

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
