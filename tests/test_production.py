"""The production shape: active-active, BGP, custom IPsec policy, zones, rotation, protection, tags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    CONNECTION,
    GATEWAY,
    PASSWORD,
    PROJECT_DIR,
    PUBLIC_IP,
    RESOURCE_GROUP,
    STRONG_POLICY,
    SUBNET,
    VNET,
    is_secret,
    pair_args,
    plain,
    plan_components,
    plan_stack,
)
from vnet2vnet import VnetToVnetPair, VnetToVnetPairArgs
from vnet2vnet.azure_facts import AZURE_FILLED_FIELDS
from vnet2vnet.plan_model import Plan, Secret


@pytest.fixture(scope="module")
def prod() -> Plan:
    return plan_stack("prod")


class TestProdStack:
    def test_four_zonal_public_ips(self, prod: Plan) -> None:
        ips = prod.of_type(PUBLIC_IP)
        assert len(ips) == 4, "active-active: two public IPs per gateway"
        for ip in ips:
            assert ip.inputs["zones"] == ["1", "2", "3"], f"{ip.name} must be zone-redundant"

    def test_gateways_are_active_active_with_two_ip_configurations(self, prod: Plan) -> None:
        for gateway in prod.of_type(GATEWAY):
            assert gateway.inputs["activeActive"] is True, gateway.name
            configs = gateway.inputs["ipConfigurations"]
            assert len(configs) == 2, f"{gateway.name}: Azure needs exactly two IP configurations"
            assert len({c["publicIPAddress"]["id"] for c in configs}) == 2, f"{gateway.name}: two distinct IPs"
            assert len({c["name"] for c in configs}) == 2

    def test_bgp_on_with_each_sides_asn(self, prod: Plan) -> None:
        asns = {g.name: g.inputs["bgpSettings"] for g in prod.of_type(GATEWAY)}
        assert asns == {"vnet2vnet-neu-gw": {"asn": 65010}, "vnet2vnet-sdc-gw": {"asn": 65020}}
        for gateway in prod.of_type(GATEWAY):
            assert gateway.inputs["enableBgp"] is True, gateway.name
        for connection in prod.of_type(CONNECTION):
            assert connection.inputs["enableBgp"] is True, f"{connection.name}: BGP on the connection too"

    def test_identical_strong_ipsec_policy_on_both_connections(self, prod: Plan) -> None:
        policies = [c.inputs["ipsecPolicies"] for c in prod.of_type(CONNECTION)]
        assert len(policies) == 2 and policies[0] == policies[1], "the tunnel needs the same policy both ways"
        (policy,) = policies[0]
        assert policy == {
            "ikeEncryption": "GCMAES256",
            "ikeIntegrity": "SHA384",
            "dhGroup": "DHGroup24",
            "ipsecEncryption": "GCMAES256",
            "ipsecIntegrity": "GCMAES256",
            "pfsGroup": "PFS24",
            "saLifeTimeSeconds": 27000,
            "saDataSizeKilobytes": 102400000,
        }

    def test_dpd_and_protocol_are_sent_on_both_connections(self, prod: Plan) -> None:
        for connection in prod.of_type(CONNECTION):
            assert connection.inputs["dpdTimeoutSeconds"] == 45, connection.name
            assert connection.inputs["connectionProtocol"] == "IKEv2", connection.name

    def test_gateways_and_their_public_ips_are_protected(self, prod: Plan) -> None:
        for resource in prod.of_type(GATEWAY) + prod.of_type(PUBLIC_IP):
            assert resource.options["protect"] is True, f"{resource.name} must be protected"
        for resource in prod.of_type(VNET) + prod.of_type(CONNECTION):
            assert resource.options["protect"] is False, f"{resource.name}: only gateways and their IPs"

    def test_bgp_peering_addresses_are_exported(self, prod: Plan) -> None:
        addresses = prod.outputs["gatewayBgpPeeringAddresses"]
        assert set(addresses) == {"neu", "sdc"}
        assert addresses["neu"] == ["172.16.15.30", "172.16.15.29"], "one per instance, from the GatewaySubnet"

    def test_prod_has_no_findings_and_uses_two_az_regions(self, prod: Plan) -> None:
        from vnet2vnet.azure_facts import AZ_REGIONS
        from vnet2vnet.checks import stack_findings
        from vnet2vnet.engine import load_stack_config

        locations = {v.inputs["location"] for v in prod.of_type(VNET)}
        assert len(locations) == 2 and locations <= AZ_REGIONS, f"two regions with availability zones: {locations}"
        _, config = load_stack_config(PROJECT_DIR, "prod")
        raw = {k.split(":", 1)[1]: v for k, v in config.values.items() if k.startswith("vnet2vnet:")}
        assert stack_findings(raw, "vnet2vnet")[1] == [], "prod plans the production shape with no findings"


# Each type's properties in the 2024-05-01 spec: its file and definition.
PROPERTIES_BY_TYPE = [
    (GATEWAY, "virtualNetworkGateway.json", "VirtualNetworkGatewayPropertiesFormat"),
    (CONNECTION, "virtualNetworkGateway.json", "VirtualNetworkGatewayConnectionPropertiesFormat"),
    (PUBLIC_IP, "publicIpAddress.json", "PublicIPAddressPropertiesFormat"),
    (VNET, "virtualNetwork.json", "VirtualNetworkPropertiesFormat"),
    (SUBNET, "virtualNetwork.json", "SubnetPropertiesFormat"),
]


class TestAzureOwnedFields:
    def _read_only_properties(self, spec_dir: Path, file: str, definition: str) -> set[str]:
        spec = json.loads((spec_dir / file).read_text())
        properties = spec["definitions"][definition]["properties"]
        return {name for name, schema in properties.items() if schema.get("readOnly")}

    @pytest.mark.parametrize(("type_token", "file", "definition"), PROPERTIES_BY_TYPE)
    def test_no_read_only_property_is_sent(
        self, spec_dir: Path, prod: Plan, type_token: str, file: str, definition: str
    ) -> None:
        read_only = self._read_only_properties(spec_dir, file, definition)
        assert read_only, f"{definition} has read-only properties to check against"
        for resource in prod.of_type(type_token):
            sent = read_only & set(resource.inputs)
            assert not sent, f"{resource.name} sends Azure-computed {sorted(sent)}"

    # A subnet: Azure fills in nothing the program leaves out (the SDK sends its network policies).
    @pytest.mark.parametrize(("type_token", "file", "definition"), PROPERTIES_BY_TYPE[:-1])
    def test_what_azure_fills_in_is_a_writable_property_the_program_never_sends(
        self, spec_dir: Path, prod: Plan, type_token: str, file: str, definition: str
    ) -> None:
        # Ignored so that an imported resource is not rewritten to remove them; ignoring one the program sends
        # would hide a real change, and one the spec lacks would be a typo that ignores nothing.
        spec = json.loads((spec_dir / file).read_text())
        writable = {
            name for name, schema in spec["definitions"][definition]["properties"].items() if not schema.get("readOnly")
        }
        filled = {path.split(".", 1)[0] for path in AZURE_FILLED_FIELDS[type_token]} - {"sku"}
        assert filled <= writable, f"not writable properties of {definition}: {sorted(filled - writable)}"
        for resource in prod.of_type(type_token):
            assert not filled & set(resource.inputs), f"{resource.name} sends {sorted(filled & set(resource.inputs))}"

    def test_gateway_sends_only_the_asn_of_bgp_settings(self, prod: Plan) -> None:
        for gateway in prod.of_type(GATEWAY):
            assert set(gateway.inputs["bgpSettings"]) == {"asn"}, gateway.name

    def test_with_bgp_ignore_changes_lists_exactly_the_fields_azure_owns(self, spec_dir: Path, prod: Plan) -> None:
        # Every BgpSettings property but the ASN, the only one the program sends (the test above).
        spec = json.loads((spec_dir / "virtualNetworkGateway.json").read_text())
        owned = {f"bgpSettings.{name}" for name in spec["definitions"]["BgpSettings"]["properties"]} - {
            "bgpSettings.asn"
        }
        # And each IP configuration's ID, which Azure derives from the gateway's (an import brings it in).
        owned.add("ipConfigurations[*].id")
        # And what Azure fills in that the program never sends (an import brings those in too).
        owned |= set(AZURE_FILLED_FIELDS[GATEWAY])
        for gateway in prod.of_type(GATEWAY):
            assert set(gateway.options["ignoreChanges"]) == owned, gateway.name

    def test_without_bgp_the_whole_bgp_settings_object_is_azures(self) -> None:
        # A refresh may copy Azure's bgpSettings (ASN 65515, peering addresses) into the state's inputs; the
        # program sends none, and the engine cannot ignore nested paths of an object the program lacks.
        for gateway in plan_stack("dev").of_type(GATEWAY):
            expected = ["bgpSettings", "ipConfigurations[*].id", *AZURE_FILLED_FIELDS[GATEWAY]]
            assert gateway.options["ignoreChanges"] == expected, gateway.name

    def test_bgp_off_sends_no_bgp_settings(self) -> None:
        for gateway in plan_stack("dev").of_type(GATEWAY):
            assert "bgpSettings" not in gateway.inputs and gateway.inputs["enableBgp"] is False, gateway.name


class TestKeyRotation:
    def _keys(self, plan: Plan) -> list[Any]:
        return [c.inputs["sharedKey"] for c in plan.of_type(CONNECTION)]

    def test_changing_the_version_changes_the_key_of_both_connections(self) -> None:
        before = self._keys(plan_stack("dev"))
        after = self._keys(plan_stack("dev", connection={"sharedKeyLength": 64, "sharedKeyVersion": 2}))
        assert all(is_secret(k) for k in before + after), "the key stays secret"
        assert plain(before[0]) == plain(before[1]) and plain(after[0]) == plain(after[1])
        assert plain(before[0]) != plain(after[0]), "a new version is a new key"

    def test_version_one_is_the_default(self) -> None:
        default = self._keys(plan_stack("dev"))
        explicit = self._keys(plan_stack("dev", connection={"sharedKeyLength": 64, "sharedKeyVersion": 1}))
        assert plain(default) == plain(explicit), "setting version 1 explicitly must not rotate the key"
        (password,) = plan_stack("dev").of_type(PASSWORD)
        assert password.inputs["keepers"] == {"shared_key_version": "1"}

    def test_a_key_change_replaces_both_connections_delete_first(self) -> None:
        before, after = plan_stack("dev"), plan_stack("dev", connection={"sharedKeyLength": 64, "sharedKeyVersion": 2})
        (password,) = before.of_type(PASSWORD)
        for old, new in zip(before.of_type(CONNECTION), after.of_type(CONNECTION), strict=True):
            assert old.options["deleteBeforeReplace"] is True, old.name
            assert password.urn in old.options["replaceWith"], f"{old.name}: a new key (password replaced) replaces it"
            assert is_secret(old.options["replacementTrigger"]), "the trigger lives in the state: a secret"
            assert plain(old.options["replacementTrigger"]) != plain(new.options["replacementTrigger"]), old.name

    def test_no_input_diff_alone_replaces_a_connection(self) -> None:
        # A refresh may drop or mask the write-only key in the state's inputs, and an unset protocol reads back as
        # Azure's IKEv2: neither the key nor the protocol is a replaceOnChanges input (the trigger and replace_with
        # replace). What is: what Azure refuses to change in place, and which the program sends unchanged.
        for connection in plan_stack("prod").of_type(CONNECTION):
            assert connection.options["replaceOnChanges"] == ["connectionType", "location"], connection.name

    def test_bring_your_own_key_rotates_the_same_way(self) -> None:
        first = plan_stack("dev", sharedKey=Secret("FirstKey0123456789")).of_type(CONNECTION)
        second = plan_stack("dev", sharedKey=Secret("SecondKey0123456789")).of_type(CONNECTION)
        for old, new in zip(first, second, strict=True):
            assert old.inputs["sharedKey"] == Secret("FirstKey0123456789")
            assert plain(old.options["replacementTrigger"]) != plain(new.options["replacementTrigger"]), old.name
            assert "FirstKey0123456789" not in json.dumps(plain(old.options["replacementTrigger"])), "a digest only"


class TestConnectionProtocol:
    @pytest.mark.parametrize("explicit", [None, "IKEv2"])
    def test_writing_the_default_protocol_is_no_replacement(self, explicit: str | None) -> None:
        connection = {"sharedKeyLength": 64, **({"connectionProtocol": explicit} if explicit else {})}
        triggers = [
            plain(c.options["replacementTrigger"]) for c in plan_stack("dev", connection=connection).of_type(CONNECTION)
        ]
        unset = [plain(c.options["replacementTrigger"]) for c in plan_stack("dev").of_type(CONNECTION)]
        assert triggers == unset, "unset and IKEv2 are the same effective protocol: same trigger, no replacement"

    def test_a_change_of_the_effective_protocol_replaces_both_connections(self) -> None:
        ikev1 = plan_stack("dev", connection={"sharedKeyLength": 64, "connectionProtocol": "IKEv1"}).of_type(CONNECTION)
        default = plan_stack("dev").of_type(CONNECTION)
        for old, new in zip(default, ikev1, strict=True):
            assert plain(old.options["replacementTrigger"])["connectionProtocol"] == "IKEv2"
            assert plain(new.options["replacementTrigger"])["connectionProtocol"] == "IKEv1", new.name


class TestZones:
    def test_no_zones_are_sent_in_a_region_without_availability_zones(self) -> None:
        args = pair_args()
        args["vnets"][1]["location"] = "westus"  # no availability zones
        plan = plan_components(lambda: VnetToVnetPair("corp", VnetToVnetPairArgs(**args)))  # type: ignore[typeddict-item]
        zones = {ip.name: ip.inputs.get("zones") for ip in plan.of_type(PUBLIC_IP)}
        assert zones == {"corp-hq-gw-ip1": ["1", "2", "3"], "corp-dr-gw-ip1": None}

    def test_basic_gets_no_default_zones(self) -> None:
        args = pair_args(gateway={"sku": "Basic"})
        args["vnets"][0]["gateway_subnet_prefix"] = "172.16.15.0/29"
        plan = plan_components(lambda: VnetToVnetPair("corp", VnetToVnetPairArgs(**args)))  # type: ignore[typeddict-item]
        assert all("zones" not in ip.inputs for ip in plan.of_type(PUBLIC_IP))

    def test_explicit_zones_are_used(self) -> None:
        args = pair_args(gateway={"sku": "VpnGw2AZ", "zones": ["1"]})
        plan = plan_components(lambda: VnetToVnetPair("corp", VnetToVnetPairArgs(**args)))  # type: ignore[typeddict-item]
        assert all(ip.inputs["zones"] == ["1"] for ip in plan.of_type(PUBLIC_IP))


class TestTags:
    def test_every_taggable_resource_is_tagged_and_the_user_wins(self) -> None:
        plan = plan_stack("dev", tags={"environment": "dev", "managed-by": "platform-team"})
        taggable = [RESOURCE_GROUP, VNET, PUBLIC_IP, GATEWAY, CONNECTION]
        for resource in [r for t in taggable for r in plan.of_type(t)]:
            assert resource.inputs["tags"] == {
                "managed-by": "platform-team",
                "pulumi-project": "vnet2vnet",
                "pulumi-stack": "dev",
                "environment": "dev",
            }, resource.name


def test_ipsec_policy_from_component_args() -> None:
    args = pair_args(connection={"ipsec_policy": STRONG_POLICY})
    plan = plan_components(lambda: VnetToVnetPair("corp", VnetToVnetPairArgs(**args)))  # type: ignore[typeddict-item]
    for connection in plan.of_type(CONNECTION):
        (policy,) = connection.inputs["ipsecPolicies"]
        assert policy["pfsGroup"] == "PFS24" and policy["ipsecIntegrity"] == "GCMAES256", connection.name
