"""What the real Pulumi engine and azure-native enforce, refused or honoured before anything is deployed:
unique URNs, inherited `protect`, timeouts that never shorten the provider's, Azure's name limits, a gateway
rebuilt with its connections, component args that are Outputs, and ARM's auxiliary-tenant limit.

The offline engine refuses a duplicate URN as the real one does; the rest is what the program sends.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pulumi
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import (
    CONNECTION,
    GATEWAY,
    PROJECT_DIR,
    PUBLIC_IP,
    pair_args,
    plain,
    plan_components,
    plan_stack,
)
from vnet2vnet import ValidationError, VnetMesh, VnetMeshArgs, VnetToVnetPair, VnetToVnetPairArgs, azure_facts, naming
from vnet2vnet.engine import ProgramError
from vnet2vnet.network import resolve
from vnet2vnet.plan_model import Plan
from vnet2vnet.schema import MESH, TOPOLOGY, VNET, parse_component_args
from vnet2vnet.spec import TopologySpec
from vnet2vnet.validation import check_resource_names, validate


def pair(name: str, args: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> VnetToVnetPair:
    return VnetToVnetPair(name, VnetToVnetPairArgs(**args), opts=opts)  # type: ignore[typeddict-item]


def mesh_of(names: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "vnets": [
            {
                "name": name,
                "location": "swedencentral",
                "address_spaces": [f"10.{i}.0.0/16"],
                "gateway_subnet_prefix": f"10.{i}.255.0/27",
            }
            for i, name in enumerate(names)
        ],
        "gateway": {"sku": "VpnGw2AZ"},
        **extra,
    }


def spec_of(args: dict[str, Any], schema: Any = MESH) -> TopologySpec:
    topology, findings = parse_component_args(args, schema=schema)
    assert topology is not None, findings
    return topology


class TestDuplicateUrns:
    def test_the_offline_engine_refuses_a_duplicate_urn_as_the_engine_does(self) -> None:
        def program() -> None:
            pulumi.ComponentResource("test:index:Thing", "same")
            pulumi.ComponentResource("test:index:Thing", "same")

        with pytest.raises(ProgramError, match="Duplicate resource URN"):
            plan_components(program)

    def test_a_mesh_whose_vnet_names_join_alike_is_refused_naming_both_links(self) -> None:
        # Links a + b-c and a-b + c both derive `<mesh>-a-b-c`.
        with pytest.raises(ValidationError) as caught:
            VnetMesh("net", VnetMeshArgs(**mesh_of(["a", "b-c", "a-b", "c"])))  # type: ignore[typeddict-item]
        (finding,) = [f for f in caught.value.findings if f.severity == "error"]
        assert finding.path == "vnets[3].name", "the second of the two links, at a VNet to rename"
        assert "'net-a-b-c'" in finding.message, finding.message
        assert "'a' and 'b-c'" in finding.message and "'a-b' and 'c'" in finding.message, "both links are named"

    def test_a_side_and_another_vnets_subnet_that_join_alike_are_refused(self) -> None:
        # VNet `a-subnet`'s GatewaySubnet and VNet `a`'s workload subnet `gateway-subnet` derive one name.
        args = mesh_of(["a", "a-subnet"])
        args["vnets"][0]["subnets"] = [{"name": "gateway-subnet", "prefix": "10.0.1.0/24"}]
        findings = [f for f in validate(spec_of(args)) if f.severity == "error"]
        assert [f.path for f in findings] == [("vnets", 1, "name")], findings
        assert "VNet 'a-subnet'" in findings[0].message, findings[0].message
        assert "subnet 'gateway-subnet' of VNet 'a'" in findings[0].message, findings[0].message

    def test_two_components_whose_names_join_alike_are_refused_naming_both(self) -> None:
        # corp + VNet hq-x and corp-hq + VNet x both derive the side `corp-hq-x`.
        first, second = pair_args(), pair_args()
        first["vnets"][0]["name"] = "hq-x"
        second["vnets"][0]["name"] = "x"

        def program() -> None:
            pair("corp", first)
            pair("corp-hq", second)

        with pytest.raises(ProgramError, match=r"component 'corp-hq'.*'corp-hq-x'.*component 'corp'"):
            plan_components(program)

    def test_two_components_under_different_parents_may_share_names(self) -> None:
        def program() -> None:
            for team in ("red", "blue"):
                parent = pulumi.ComponentResource(f"test:index:Team{team.title()}", team)
                pair("corp", pair_args(), pulumi.ResourceOptions(parent=parent))

        plan = plan_components(program)
        assert len(plan.of_type(GATEWAY)) == 4, "different type chains: different URNs"

    @pytest.mark.parametrize("stack", ["dev", "prod", "mesh"])
    def test_the_naming_module_lists_exactly_the_names_the_components_register(self, stack: str) -> None:
        plan = plan_stack(stack)
        component = plan.resources[1]  # the pair or mesh, right after the stack
        from vnet2vnet.checks import stack_findings
        from vnet2vnet.engine import load_stack_config

        _, config = load_stack_config(PROJECT_DIR, stack)
        raw = {k.split(":", 1)[1]: v for k, v in config.values.items() if k.startswith("vnet2vnet:")}
        topology, _ = stack_findings(raw, "vnet2vnet")
        assert topology is not None
        listed = {(d.type_token, d.name) for d in naming.derived_names(component.name, component.type, topology)}
        registered = {(r.type, r.name) for r in plan.resources if r.parent and r.type != "pulumi:pulumi:Stack"}
        registered -= {(component.type, component.name)}
        assert listed == registered, "naming.py must mirror the components, or collisions go unseen"

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.from_regex(r"[ab](-?[ab]){0,3}", fullmatch=True), min_size=2, max_size=5, unique=True))
    def test_valid_names_never_derive_one_urn_twice(self, names: list[str]) -> None:
        topology = resolve(spec_of(mesh_of(names)))
        refused = any("Pulumi refuses two resources" in f.message for f in check_resource_names(topology))
        derived = list(naming.derived_names("net", naming.MESH_TYPE, topology))
        keys = [(d.type_token, d.parent_type, d.name) for d in derived]
        assert refused == (len(keys) != len(set(keys))), f"{names}: refused iff two names collide"


class TestProtect:
    def test_a_consumers_protect_reaches_every_child(self) -> None:
        plan = plan_components(lambda: pair("corp", pair_args(), pulumi.ResourceOptions(protect=True)))
        unprotected = [r.name for r in plan.custom_resources if not r.options["protect"]]
        assert unprotected == [], f"protect=True on the component must protect these too: {unprotected}"

    def test_gateway_protect_off_leaves_children_unprotected_unless_the_consumer_asks(self) -> None:
        plan = plan_components(lambda: pair("corp", pair_args()))
        assert not any(r.options["protect"] for r in plan.custom_resources)

    def test_gateway_protect_protects_gateways_and_their_ips(self) -> None:
        plan = plan_components(lambda: pair("corp", pair_args(gateway={"sku": "VpnGw2AZ", "protect": True})))
        protected = {r.type for r in plan.custom_resources if r.options["protect"]}
        assert protected == {GATEWAY, PUBLIC_IP}


class TestAzureNameLimits:
    def test_a_connection_name_over_80_characters_is_refused_before_any_gateway(self) -> None:
        # 20-character component, two 24-character VNets: `<20>-<24>-to-<24>` is 73, plus 8 = 81 > 80.
        args = pair_args()
        args["vnets"][0]["name"] = "h" + "q" * 23
        args["vnets"][1]["name"] = "d" + "r" * 23
        with pytest.raises(ValidationError) as caught:
            pair("c" * 20, args)
        (finding,) = [f for f in caught.value.findings if f.severity == "error"]
        assert finding.path.startswith("vnets[") and finding.path.endswith("].name"), finding.path
        assert (
            "81 characters; Azure allows 80" in finding.message and "VirtualNetworkGatewayConnection" in finding.message
        )
        assert "by 1 or more" in finding.fix

    def test_the_limit_counts_azure_natives_suffix(self) -> None:
        args = pair_args()
        args["vnets"][0]["name"] = "h" + "q" * 23
        args["vnets"][1]["name"] = "d" + "r" * 23
        plan = plan_components(lambda: pair("c" * 19, args))  # 80 characters with the suffix: accepted
        longest = max(len(r.name) for r in plan.of_type(CONNECTION))
        assert longest + azure_facts.AUTONAME_SUFFIX_LENGTH == 80

    @pytest.mark.parametrize("stack", ["dev", "prod", "mesh"])
    def test_shipped_stacks_fit_every_limit(self, stack: str) -> None:
        for resource in plan_stack(stack).custom_resources:
            limit = azure_facts.NAME_LENGTH_LIMITS.get(resource.type)
            if limit and resource.type != "azure-native:network:Subnet":
                assert len(resource.name) + azure_facts.AUTONAME_SUFFIX_LENGTH <= limit, resource.name


class TestGatewayReplacement:
    def test_a_gateway_rebuilt_takes_its_connections_with_it(self) -> None:
        # Azure refuses to delete a gateway that still has connections; azure-native updates (not replaces) a
        # connection whose gateway ID changed, so the engine must be told.
        plan = plan_components(lambda: pair("corp", pair_args()))
        gateways = sorted(r.urn for r in plan.of_type(GATEWAY))
        for connection in plan.of_type(CONNECTION):
            assert set(gateways) <= set(connection.options["replaceWith"]), connection.name
            assert connection.options["deleteBeforeReplace"], f"{connection.name}: deleted before its gateway"


DEFERRABLE = [f.name for f in VNET.fields if f.deferrable] + [f.name for f in TOPOLOGY.fields if f.deferrable]


class TestArgsThatAreOutputs:
    @pytest.mark.parametrize("field", DEFERRABLE)
    def test_every_arg_that_may_be_an_output_builds_what_the_plain_value_builds(self, field: str) -> None:
        plain_args = pair_args(shared_key="PlainKey0123456789", tags={"owner": "net"})
        plain_args["vnets"][0]["resource_group_name"] = "rg-hq"

        def with_output(args: dict[str, Any]) -> dict[str, Any]:
            changed = copy.deepcopy(args)
            target = changed["vnets"][0] if field in {f.name for f in VNET.fields} else changed
            target[field] = pulumi.Output.from_input(target[field])
            return changed

        expected = plan_components(lambda: pair("corp", plain_args))
        actual = plan_components(lambda: pair("corp", with_output(plain_args)))

        def shape(plan: Plan) -> dict[tuple[str, str], Any]:
            return {(r.type, r.name): plain(r.inputs) for r in plan.custom_resources}

        assert shape(actual) == shape(expected), f"{field} as an Output must build the same resources"

    def test_tags_as_one_output_merge_with_the_managed_tags(self) -> None:
        plan = plan_components(lambda: pair("corp", pair_args(tags=pulumi.Output.from_input({"owner": "net"}))))
        for gateway in plan.of_type(GATEWAY):
            assert plain(gateway.inputs["tags"])["owner"] == "net"
            assert plain(gateway.inputs["tags"])["managed-by"] == "pulumi"

    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("output", "must be a plain value, not a Pulumi Output"),
            ("random", "expected an azure-native Provider"),
            ("text", "expected an azure-native Provider, got string"),
        ],
    )
    def test_a_side_provider_must_be_an_azure_native_provider_itself(self, given: str, expected: str) -> None:
        # An Output of a provider would be silently dropped: every resource would go to the default subscription.
        def program() -> None:
            import pulumi_azure_native as azure_native
            import pulumi_random as random

            values = {
                "output": pulumi.Output.from_input(azure_native.Provider("spoke")),
                "random": random.Provider("other"),
                "text": "11111111-1111-1111-1111-111111111111",
            }
            args = pair_args()
            args["vnets"][1]["provider"] = values[given]
            pair("corp", args)

        with pytest.raises(ProgramError, match=rf"vnets\[1\]\.provider: {expected}"):
            plan_components(program)


class TestAuxiliaryTenants:
    @staticmethod
    def tenant(index: int) -> str:
        return f"{index:08d}-0000-0000-0000-000000000000"

    def test_a_vnet_linked_to_more_than_three_other_tenants_is_refused(self) -> None:
        args = mesh_of(["a", "b", "c", "d", "e"])
        topology = spec_of(args)
        tenants = {vnet.name: self.tenant(i) for i, vnet in enumerate(topology.vnets)}
        spec = TopologySpec(
            vnets=tuple(type(vnet)(**{**vnet.__dict__, "tenant_id": tenants[vnet.name]}) for vnet in topology.vnets),
            gateway=topology.gateway,
            topology="mesh",
        )
        findings = [f for f in validate(spec) if f.path[-1] == "tenant_id"]
        assert len(findings) == 5, "each VNet reaches four other tenants"
        assert "at most 3 auxiliary tenants" in findings[0].message

    def test_hub_and_spoke_spokes_name_only_the_hubs_tenant(self) -> None:
        topology = spec_of(mesh_of(["hub", "s1", "s2", "s3"], topology="hub-and-spoke", hub="hub"))
        spec = TopologySpec(
            vnets=tuple(
                type(vnet)(**{**vnet.__dict__, "tenant_id": self.tenant(i)}) for i, vnet in enumerate(topology.vnets)
            ),
            gateway=topology.gateway,
            topology="hub-and-spoke",
            hub="hub",
        )
        auxiliary = spec.auxiliary_tenants()
        assert auxiliary["s1"] == [self.tenant(0)], "a spoke reaches only the hub"
        assert len(auxiliary["hub"]) == 3
        assert not [f for f in validate(spec) if f.path[-1] == "tenant_id"], "three other tenants are allowed"

    def test_the_azure_native_floor_sends_the_cross_tenant_header(self) -> None:
        # auxiliaryTenantIds sent no x-ms-authorization-auxiliary header before 3.20.0 (pulumi-azure-native #4726,
        # fixed by #4732).
        (floor,) = re.findall(r'"pulumi-azure-native>=([0-9.]+)', (PROJECT_DIR / "pyproject.toml").read_text())
        assert tuple(int(part) for part in floor.split(".")) >= (3, 20), f"pulumi-azure-native>={floor}"
