"""Real networks: per-VNet gateways, per-link settings, existing VNets and gateways (issue 16).

Rules are table-driven over the stack config (a config that breaks one rule gives exactly that finding, at the key
the user wrote); what exists in Azure comes from a seed file, read the way the program's invokes read it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import (
    CONNECTION,
    GATEWAY,
    PASSWORD,
    PROJECT_DIR,
    PUBLIC_IP,
    RESOURCE_GROUP,
    SUBNET,
    VNET,
    is_secret,
    plain,
    plain_vnets_from_dev,
    plan_stack,
)
from tests.test_validation import VALID, Config, findings_for
from vnet2vnet.checks import stack_findings
from vnet2vnet.emulator.seed import load_seed
from vnet2vnet.engine import ProgramError, run_stack
from vnet2vnet.existing import (
    Existing,
    ExistingGateway,
    ExistingSubnet,
    ExistingVnet,
    ReadError,
    complete,
    free_prefix,
    seed_reader,
)
from vnet2vnet.findings import RenderedFinding
from vnet2vnet.network import resolve
from vnet2vnet.plan_model import Secret
from vnet2vnet.schema import parse_stack_config

SEED = PROJECT_DIR / "examples" / "brownfield" / "existing.yaml"
SUB = "2f0c3a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
HUB_RG = f"/subscriptions/{SUB}/resourceGroups/hub-network-rg/providers/Microsoft.Network"
HUB_GATEWAY = f"{HUB_RG}/virtualNetworkGateways/hub-vpngw"
HUB_VNET = f"{HUB_RG}/virtualNetworks/hub-vnet"


def mesh(**top: Any) -> Config:
    """Three VNets in a mesh: the dev pair plus one."""
    config = copy.deepcopy(VALID)
    config["vnets"].append(
        {
            "name": "north",
            "location": "northeurope",
            "addressSpaces": ["10.30.0.0/16"],
            "gatewaySubnetPrefix": "10.30.255.0/27",
        }
    )
    return {**config, "topology": "mesh", **top}


def seeded_findings(config: Config) -> list[RenderedFinding]:
    raw = {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
    _, findings = stack_findings(raw, "vnet2vnet", seed_reader(load_seed(SEED)["resources"]))
    return [finding.rendered("config") for finding in findings]


def paths(findings: list[RenderedFinding], severity: str = "error") -> list[str]:
    return [f.path for f in findings if f.severity == severity]


class TestPerVnetGateway:
    def test_a_vnet_sets_its_own_sku_and_the_rest_comes_from_the_shared_block(self) -> None:
        config = mesh()
        config["vnets"][0]["gateway"] = {"sku": "VpnGw4AZ"}
        assert findings_for(config) == [], "a hub on VpnGw4AZ beside VpnGw2AZ spokes is valid"
        topology, _ = parse_stack_config({k: json.dumps(v) if not isinstance(v, str) else v for k, v in config.items()})
        assert topology is not None
        network = resolve(topology)
        own = network.sides[0].gateway
        assert (own.sku, own.generation) == ("VpnGw4AZ", "Generation2"), "the generation comes from the shared block"
        assert network.sides[1].gateway.sku == "VpnGw2AZ", "the others keep the shared SKU"

    def test_the_plan_gives_each_gateway_its_own_sku(self) -> None:
        vnets = _stack_config("mesh")["vnets"]
        vnets[0]["gateway"] = {"sku": "VpnGw4AZ"}
        plan = plan_stack("mesh", vnets=vnets)
        skus = {plain(g.inputs["sku"])["name"] for g in plan.of_type(GATEWAY)}
        assert skus == {"VpnGw4AZ", "VpnGw2AZ"}, skus

    @pytest.mark.parametrize(
        ("own", "expected_path", "phrase"),
        [
            ({"sku": "VpnGw9AZ"}, "vnet2vnet:vnets[0].gateway.sku", "not a VPN gateway SKU"),
            ({"sku": "VpnGw1"}, "vnet2vnet:vnets[0].gateway.sku", "non-AZ SKU"),
            ({"zones": ["1", "2"]}, "vnet2vnet:vnets[0].gateway.zones", "one zone or in all"),
            ({"generation": "Generation3"}, "vnet2vnet:vnets[0].gateway.generation", "not a generation"),
        ],
        ids=["unknown-sku", "retired-sku", "two-zones", "bad-generation"],
    )
    def test_a_bad_own_setting_is_reported_where_the_vnet_sets_it(
        self, own: dict[str, Any], expected_path: str, phrase: str
    ) -> None:
        config = mesh()
        config["vnets"][0]["gateway"] = own
        findings = findings_for(config)
        assert paths(findings) == [expected_path], findings
        assert phrase in findings[0].message, findings[0]

    def test_a_vnet_sku_that_cannot_do_what_the_shared_block_asks_names_the_vnet(self) -> None:
        config = mesh(gateway={"sku": "VpnGw2AZ", "enableBgp": True})
        for index, asn in enumerate((65010, 65020, 65030)):
            config["vnets"][index]["bgpAsn"] = asn
        config["vnets"][2]["gateway"] = {"sku": "Basic", "generation": "Generation1"}
        config["vnets"][2]["gatewaySubnetPrefix"] = "10.30.255.0/27"
        errors = [f for f in findings_for(config) if f.severity == "error"]
        assert [(f.path, f.message) for f in errors] == [
            ("vnet2vnet:gateway.enableBgp", "VNet 'north': Basic gateways do not support BGP")
        ], errors

    def test_capacity_names_the_vnet_that_needs_a_bigger_gateway(self) -> None:
        config = mesh(topology="hub-and-spoke", hub="west", gateway={"sku": "Basic", "generation": "Generation1"})
        for index in range(3, 13):  # 12 spokes: the hub needs 12 tunnels, Basic takes 10
            config["vnets"].append(
                {
                    "name": f"s{index}",
                    "location": "westeurope",
                    "addressSpaces": [f"10.{100 + index}.0.0/16"],
                    "gatewaySubnetPrefix": f"10.{100 + index}.255.0/27",
                }
            )
        (error,) = [f for f in findings_for(config) if f.severity == "error"]
        assert error.path == "vnet2vnet:gateway.sku" and "west (12)" in error.message, error
        assert "vnets[1].gateway.sku: VpnGw1AZ" in error.fix, f"the fix gives only the hub a bigger SKU: {error.fix}"
        config["vnets"][1]["gateway"] = {"sku": "VpnGw1AZ"}
        assert paths(findings_for(config)) == [], "with its own VpnGw1AZ the hub has room"


def _stack_config(stack: str) -> dict[str, Any]:
    """A shipped stack's vnet2vnet config, keys without the namespace."""
    document = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())
    return {key.split(":", 1)[1]: value for key, value in document["config"].items()}


class TestLinks:
    @pytest.mark.parametrize(
        ("links", "expected_path", "phrase"),
        [
            ([{"vnets": ["west", "nowhere"]}], "vnet2vnet:links[0].vnets", "'nowhere' is not one of the VNets"),
            (
                [{"vnets": ["west", "east"], "sharedKey": "abc"}],
                "vnet2vnet:links[0].vnets",
                "is written ['east', 'west']",
            ),
            ([{"vnets": ["west"]}], "vnet2vnet:links[0].vnets", "a link joins two VNets"),
            (
                [{"vnets": ["east", "west"], "sharedKey": "a"}, {"vnets": ["east", "west"], "sharedKey": "b"}],
                "vnet2vnet:links[1].vnets",
                "also links[0]",
            ),
            (
                [{"vnets": ["east", "west"], "connection": {"dpdTimeoutSeconds": 5}}],
                "vnet2vnet:links[0].connection.dpdTimeoutSeconds",
                "outside 9..3600",
            ),
            ([{"vnets": ["east", "west"], "sharedKey": "has space"}], "vnet2vnet:links[0].sharedKey", "space"),
        ],
        ids=["unknown-vnet", "reversed", "one-vnet", "duplicate", "bad-dpd", "bad-key"],
    )
    def test_a_bad_entry_is_named_with_its_fix(self, links: list[Any], expected_path: str, phrase: str) -> None:
        findings = findings_for(mesh(links=links))
        assert expected_path in paths(findings), findings
        (finding,) = [f for f in findings if f.path == expected_path]
        assert phrase in finding.message, finding

    def test_a_link_outside_a_hub_and_spoke_is_refused(self) -> None:
        findings = findings_for(
            mesh(topology="hub-and-spoke", hub="west", links=[{"vnets": ["east", "north"], "sharedKey": "k"}])
        )
        (finding,) = [f for f in findings if f.severity == "error"]
        assert "not a link of this hub-and-spoke" in finding.message and "['west', 'east']" in finding.fix, finding

    def test_a_pair_takes_one_entry(self) -> None:
        config = copy.deepcopy(VALID)
        config["links"] = [{"vnets": ["west", "east"], "sharedKey": "a"}, {"vnets": ["west", "east"], "sharedKey": "b"}]
        assert "vnet2vnet:links" in paths(findings_for(config)), "a pair has one link"

    def test_the_key_is_never_echoed(self) -> None:
        findings = findings_for(mesh(links=[{"vnets": ["east", "west"], "sharedKey": "s3cret~value"}]))
        assert findings and all("s3cret" not in f.message + f.fix for f in findings), findings

    def test_one_link_gets_its_own_policy_and_key_both_directions_alike(self) -> None:
        own_key = "Link0wnKey42"
        plan = plan_stack(
            "mesh",
            links=[{"vnets": ["use", "usw"], "sharedKey": own_key, "connection": {"dpdTimeoutSeconds": 30}}],
        )
        by_name = {c.name: c for c in plan.of_type(CONNECTION)}
        own = [by_name["vnet2vnet-use-to-usw"], by_name["vnet2vnet-usw-to-use"]]
        assert all(c.inputs.get("dpdTimeoutSeconds") == 30 for c in own), "both directions get the link's DPD"
        assert all(plain(c.inputs["sharedKey"]) == own_key for c in own), "both directions get the link's key"
        others = [c for name, c in by_name.items() if c not in own]
        assert others and all("dpdTimeoutSeconds" not in c.inputs for c in others), "other links keep the shared block"
        passwords = {p.name for p in plan.of_type(PASSWORD)}
        assert "vnet2vnet-use-usw-psk" not in passwords and len(passwords) == 9, "only that link's key is not generated"


def _vnet(
    location: str = "westeurope",
    spaces: tuple[str, ...] = ("10.60.0.0/16",),
    gateway_subnet: str | None = "10.60.255.0/27",
    subnets: tuple[ExistingSubnet, ...] = (),
) -> ExistingVnet:
    every = ((ExistingSubnet("GatewaySubnet", (gateway_subnet,)),) if gateway_subnet else ()) + subnets
    return ExistingVnet(HUB_VNET, location, spaces, gateway_subnet, tuple(s.name for s in every), every)


def _gateway(**values: Any) -> ExistingGateway:
    fields: dict[str, Any] = {
        "id": HUB_GATEWAY,
        "location": "westeurope",
        "gateway_type": "Vpn",
        "vpn_type": "RouteBased",
        "sku": "VpnGw3AZ",
        "generation": "Generation2",
        "active_active": False,
        "enable_bgp": True,
        "asn": 65060,
        "vnet_id": HUB_VNET,
    }
    return ExistingGateway(**{**fields, **values})


def _completed(vnet: dict[str, Any], existing: Existing) -> tuple[Any, list[str]]:
    config = mesh()
    config["vnets"][0] = {"name": "hub", **vnet}
    topology, findings = parse_stack_config(
        {k: json.dumps(v) if not isinstance(v, str) else v for k, v in config.items()}
    )
    assert topology is not None and findings == [], findings
    existing = Existing({"hub": existing.vnets["hub"]} if "hub" in existing.vnets else {}, existing.gateways)
    completed, found = complete(topology, existing)
    return completed.vnets[0], [f"{f.rendered('config').path}: {f.message}" for f in found]


class TestExistingVnet:
    def test_location_spaces_and_group_come_from_azure(self) -> None:
        hub, problems = _completed({"existingVnetId": HUB_VNET}, Existing({"hub": _vnet()}))
        assert problems == [], problems
        assert (hub.location, hub.address_spaces, hub.resource_group_name) == (
            "westeurope",
            ("10.60.0.0/16",),
            "hub-network-rg",
        )
        assert hub.existing_gateway_subnet and hub.gateway_subnet_prefix == "10.60.255.0/27", (
            "its GatewaySubnet is used"
        )

    @pytest.mark.parametrize(
        ("given", "existing", "problem"),
        [
            (
                {"location": "eastus"},
                _vnet(),
                "vnet2vnet:vnets[0].location: is eastus, but the existing VNet is in westeurope",
            ),
            ({"addressSpaces": ["10.61.0.0/16"]}, _vnet(), "vnet2vnet:vnets[0].addressSpaces: are 10.61.0.0/16, but"),
            (
                {},
                _vnet(gateway_subnet=None),
                "vnet2vnet:vnets[0].gatewaySubnetPrefix: the existing VNet 'hub-vnet' has no GatewaySubnet",
            ),
            (
                {"gatewaySubnetPrefix": "10.60.254.0/27"},
                _vnet(),
                "vnet2vnet:vnets[0].gatewaySubnetPrefix: is 10.60.254.0/27, but",
            ),
            ({"subnets": [{"name": "GatewaySubnet", "prefix": "10.60.1.0/24"}]}, _vnet(), "already has a subnet named"),
        ],
        ids=["location", "spaces", "no-gateway-subnet", "other-gateway-subnet", "subnet-taken"],
    )
    def test_what_the_config_says_is_checked_against_azure(
        self, given: dict[str, Any], existing: ExistingVnet, problem: str
    ) -> None:
        _, problems = _completed({"existingVnetId": HUB_VNET, **given}, Existing({"hub": existing}))
        assert len(problems) == 1 and problem in problems[0], problems

    def test_a_vnet_without_a_gateway_subnet_gets_one_from_the_prefix(self) -> None:
        hub, problems = _completed(
            {"existingVnetId": HUB_VNET, "gatewaySubnetPrefix": "10.60.255.0/27"},
            Existing({"hub": _vnet(gateway_subnet=None)}),
        )
        assert problems == [] and not hub.existing_gateway_subnet and hub.creates_gateway, "created from the prefix"


class TestExistingGateway:
    def test_its_settings_become_the_vnets_own_gateway(self) -> None:
        hub, problems = _completed({"existingGatewayId": HUB_GATEWAY}, Existing({"hub": _vnet()}, {"hub": _gateway()}))
        assert problems == [], problems
        assert hub.gateway is not None and dict(hub.gateway.values) == {
            "sku": "VpnGw3AZ",
            "generation": "Generation2",
            "active_active": False,
            "enable_bgp": True,
        }
        assert hub.bgp_asn == 65060 and hub.existing_vnet_id == HUB_VNET and not hub.creates_gateway

    @pytest.mark.parametrize(
        ("gateway", "given", "problem"),
        [
            (_gateway(vpn_type="PolicyBased"), {}, "PolicyBased VPN gateway: VNet-to-VNet needs route-based"),
            (_gateway(gateway_type="ExpressRoute"), {}, "is a ExpressRoute gateway, not a VPN gateway"),
            (_gateway(), {"bgpAsn": 65099}, "vnets[0].bgpAsn: is 65099, but the existing gateway's ASN is 65060"),
            (
                _gateway(),
                {"gateway": {"sku": "VpnGw1AZ"}},
                "vnets[0].gateway.sku: is 'VpnGw1AZ', but the existing gateway has 'VpnGw3AZ'",
            ),
        ],
        ids=["policy-based", "expressroute", "asn", "sku"],
    )
    def test_what_the_links_need_is_checked_against_it(
        self, gateway: ExistingGateway, given: dict[str, Any], problem: str
    ) -> None:
        _, problems = _completed(
            {"existingGatewayId": HUB_GATEWAY, **given}, Existing({"hub": _vnet()}, {"hub": gateway})
        )
        assert len(problems) == 1 and problem in problems[0], problems

    def test_its_existing_connections_count_against_its_sku(self) -> None:
        config = mesh()
        config["vnets"][0] = {
            "name": "hub",
            "existingGatewayId": HUB_GATEWAY,
            "subscriptionId": SUB,
            "existingConnections": 29,
        }
        (error,) = [f for f in seeded_findings(config) if f.severity == "error"]
        assert error.path == "vnet2vnet:vnets[0].existingGatewayId" and "hub (31)" in error.message, error
        assert "resize VNet 'hub''s existing gateway to VpnGw4AZ" in error.fix, error


@pytest.fixture(scope="module")
def plan() -> Any:
    return run_stack(PROJECT_DIR, "brownfield", seeded=load_seed(SEED)["resources"])


class TestBrownfieldStack:
    """Pulumi.brownfield.yaml: an existing hub VNet and gateway, two new spokes on a smaller SKU, one link with its
    own IPsec policy; the seed file stands for what exists."""

    def test_nothing_of_the_hub_is_created(self, plan: Any) -> None:
        hub_side = [r for r in plan.custom_resources if r.parent and r.parent.endswith("GatewayVnet::vnet2vnet-hub")]
        assert hub_side == [], f"the hub's VNet and gateway exist: {[r.name for r in hub_side]}"
        assert len(plan.of_type(GATEWAY)) == 2 and len(plan.of_type(VNET)) == 2, "only the spokes' are built"
        assert len(plan.of_type(SUBNET)) == 2 and len(plan.of_type(PUBLIC_IP)) == 2

    def test_spokes_are_on_the_smaller_sku_and_the_hub_connects_through_its_id(self, plan: Any) -> None:
        assert {plain(g.inputs["sku"])["name"] for g in plan.of_type(GATEWAY)} == {"VpnGw1AZ"}
        from_hub = [c for c in plan.of_type(CONNECTION) if c.name.startswith("vnet2vnet-hub-to-")]
        assert {plain(c.inputs["virtualNetworkGateway1"])["id"] for c in from_hub} == {HUB_GATEWAY}
        assert {c.inputs["resourceGroupName"] for c in from_hub} == {"hub-network-rg"}, "in the hub gateway's group"

    def test_only_the_hub_to_spoke_a_link_has_its_own_policy(self, plan: Any) -> None:
        with_policy = sorted(c.name for c in plan.of_type(CONNECTION) if c.inputs.get("ipsecPolicies"))
        assert with_policy == ["vnet2vnet-hub-to-spoke-a", "vnet2vnet-spoke-a-to-hub"], with_policy
        assert all(c.inputs.get("enableBgp") for c in plan.of_type(CONNECTION)), "BGP on both ends of every link"

    def test_without_the_seed_the_plan_says_what_it_cannot_read(self) -> None:
        with pytest.raises(Exception, match=r"vnets\[0\]\.existingGatewayId: cannot be read from Azure"):
            run_stack(PROJECT_DIR, "brownfield")

    def test_the_stack_file_plans_with_no_findings_from_the_seed(self) -> None:
        assert seeded_findings(_stack_config("brownfield")) == [], "the brownfield example is valid against what exists"


class TestKeysFromSecretConfig:
    """A key from a Pulumi ESC environment reaches the program as secret stack config (ESC's `pulumiConfig`):
    tested as exactly that, since there is no Pulumi Cloud here."""

    def test_a_links_list_that_carries_a_key_is_secret_config_and_the_key_stays_secret(self) -> None:
        key = "EscKeyFor-use-usw".replace("-", "")
        links = [{"vnets": ["use", "usw"], "sharedKey": key}]
        plan = plan_stack("mesh", links=Secret(links))  # a secret nested value makes the whole key secret
        for name in ("vnet2vnet-use-to-usw", "vnet2vnet-usw-to-use"):
            (connection,) = [c for c in plan.of_type(CONNECTION) if c.name == name]
            assert connection.inputs["sharedKey"] == Secret(key), f"{name} carries the environment's key, secret"
        assert is_secret(plan.outputs["sharedKeys"]), "the exported keys stay secret"
        assert key not in json.dumps([plain_inputs for plain_inputs in _non_secret_values(plan)]), "never in clear"


def _non_secret_values(plan: Any) -> list[Any]:
    """Every input and output value that is not marked secret."""
    found: list[Any] = []

    def walk(value: Any) -> None:
        if is_secret(value):
            return
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            found.append(value)

    for resource in plan.resources:
        walk(resource.inputs)
    walk(plan.outputs)
    return found


class TestComponentArgs:
    """The same keys in snake_case through `VnetMesh` args: existing resources are read by the component."""

    def test_a_mesh_from_args_with_an_existing_hub_gateway_and_a_link_of_its_own(self) -> None:
        from vnet2vnet import VnetMesh, VnetMeshArgs
        from vnet2vnet.engine import run_program

        def program() -> None:
            import pulumi_azure_native as azure_native

            hub_provider = azure_native.Provider("hub", subscription_id=SUB)
            VnetMesh(
                "corp",
                VnetMeshArgs(
                    topology="hub-and-spoke",
                    hub="hub",
                    vnets=[
                        {"name": "hub", "existing_gateway_id": HUB_GATEWAY, "provider": hub_provider},
                        {
                            "name": "a",
                            "location": "westeurope",
                            "address_spaces": ["10.71.0.0/16"],
                            "gateway_subnet_prefix": "10.71.255.0/27",
                            "bgp_asn": 65071,
                            "gateway": {"sku": "VpnGw2AZ"},
                        },
                    ],
                    gateway={"enable_bgp": True},
                    links=[{"vnets": ["hub", "a"], "connection": {"dpd_timeout_seconds": 30}}],
                ),
            )

        plan = run_program(program, seeded=load_seed(SEED)["resources"])
        assert [plain(g.inputs["sku"])["name"] for g in plan.of_type(GATEWAY)] == ["VpnGw2AZ"], "only a's gateway"
        connections = plan.of_type(CONNECTION)
        assert {c.inputs.get("dpdTimeoutSeconds") for c in connections} == {30}, "the link's own DPD, both ways"
        assert all(c.inputs.get("enableBgp") for c in connections), "BGP: the hub's is read from Azure (on)"


def test_without_reads_the_rules_that_need_azure_values_wait_for_the_program() -> None:
    """`vnet2vnet up` checks the config before the engine runs: an existing hub's BGP, ASN and SKU are not known
    yet, so no rule guesses them (the program reads them and checks again)."""
    assert findings_for(_stack_config("brownfield")) == [], "no finding about what only Azure can tell"
    config = _stack_config("brownfield")
    config["vnets"][1]["bgpAsn"] = 65515  # reserved by Azure
    assert paths(findings_for(config)) == ["vnet2vnet:vnets[1].bgpAsn"], "the new spokes are still checked"


def test_a_malformed_seed_entry_is_named_not_a_traceback() -> None:
    read = seed_reader(
        [{"id": HUB_VNET, "type": "azure-native:network:VirtualNetwork", "inputs": {"addressSpace": ["x"]}}]
    )
    with pytest.raises(ReadError, match=r"the seed file's entry for .* is malformed"):
        read("vnet", HUB_VNET, None)


# ------------------------------------------------------------------------ new subnets beside existing ones

APP = ExistingSubnet("app", ("10.60.255.0/24",))
DUAL_STACK = ExistingSubnet("web", ("10.60.254.0/24", "fd00:60:0:1::/64"))


class TestNewSubnetsInAnExistingVnet:
    """An existing VNet gets a GatewaySubnet from gatewaySubnetPrefix when it has none, and the workload `subnets`
    (`GatewayVnet` creates both on it): neither may overlap a subnet the VNet already has, which Azure refuses
    (NetcfgSubnetRangesOverlap; VNet FAQ: "Subnet address spaces cannot overlap one another")."""

    @pytest.mark.parametrize(
        ("given", "existing", "problem", "fix"),
        [
            (
                {"gatewaySubnetPrefix": "10.60.255.0/27"},
                (APP,),
                "vnet2vnet:vnets[0].gatewaySubnetPrefix: 10.60.255.0/27 overlaps the existing subnet 'app' "
                "(10.60.255.0/24) of VNet 'hub-vnet'",
                "10.60.254.224/27",
            ),
            (
                {"gatewaySubnetPrefix": "10.60.254.0/26"},
                (DUAL_STACK,),
                "vnet2vnet:vnets[0].gatewaySubnetPrefix: 10.60.254.0/26 overlaps the existing subnet 'web' "
                "(10.60.254.0/24)",
                "10.60.255.192/26",
            ),
            (
                {"gatewaySubnetPrefix": "10.60.0.0/27", "subnets": [{"name": "db", "prefix": "10.60.255.128/25"}]},
                (APP,),
                "vnet2vnet:vnets[0].subnets[0].prefix: 10.60.255.128/25 overlaps the existing subnet 'app' "
                "(10.60.255.0/24)",
                "10.60.254.128/25",
            ),
        ],
        ids=["gateway-subnet", "gateway-subnet-dual-stack-existing", "workload-subnet"],
    )
    def test_an_overlap_with_an_existing_subnet_is_named_with_a_free_range(
        self, given: dict[str, Any], existing: tuple[ExistingSubnet, ...], problem: str, fix: str
    ) -> None:
        found = _completed_findings(
            {"existingVnetId": HUB_VNET, **given}, Existing({"hub": _vnet(gateway_subnet=None, subnets=existing)})
        )
        assert len(found) == 1, f"exactly the overlap: {found}"
        (finding,) = found
        assert problem in f"{finding.path}: {finding.message}", finding
        assert f"use a free range, e.g. {fix}" in finding.fix, finding

    def test_a_free_range_avoids_the_other_subnets_planned_there(self) -> None:
        (finding,) = _completed_findings(
            {
                "existingVnetId": HUB_VNET,
                "gatewaySubnetPrefix": "10.60.255.0/27",
                "subnets": [{"name": "db", "prefix": "10.60.254.0/24"}],
            },
            Existing({"hub": _vnet(gateway_subnet=None, subnets=(APP,))}),
        )
        assert "e.g. 10.60.253.224/27" in finding.fix, f"neither app's nor db's range: {finding.fix}"

    def test_disjoint_new_subnets_pass(self) -> None:
        found = _completed_findings(
            {
                "existingVnetId": HUB_VNET,
                "gatewaySubnetPrefix": "10.60.253.0/27",
                "subnets": [{"name": "db", "prefix": "10.60.252.0/24"}],
            },
            Existing({"hub": _vnet(gateway_subnet=None, subnets=(APP, DUAL_STACK))}),
        )
        assert found == [], found

    def test_an_existing_gateway_subnet_is_not_reported_twice(self) -> None:
        found = [
            f"{f.path}: {f.message}"
            for f in _completed_and_validated(
                {"existingVnetId": HUB_VNET, "subnets": [{"name": "db", "prefix": "10.60.255.0/24"}]},
                Existing({"hub": _vnet()}),
            )
        ]
        assert found == [
            "vnet2vnet:vnets[0].subnets[0].prefix: 10.60.255.0/24 overlaps the GatewaySubnet (10.60.255.0/27)"
        ], f"validation's GatewaySubnet rule says it once: {found}"

    def test_a_subnet_of_the_same_name_is_reported_as_taken_not_as_an_overlap(self) -> None:
        found = _completed_findings(
            {"existingVnetId": HUB_VNET, "subnets": [{"name": "app", "prefix": "10.60.255.0/24"}]},
            Existing({"hub": _vnet(subnets=(APP,))}),
        )
        assert [f.message for f in found] == ["the existing VNet already has a subnet named 'app'"], found

    def test_the_no_gateway_subnet_fix_names_a_free_27(self) -> None:
        (finding,) = _completed_findings(
            {"existingVnetId": HUB_VNET}, Existing({"hub": _vnet(gateway_subnet=None, subnets=(APP,))})
        )
        assert "has no GatewaySubnet" in finding.message and "e.g. 10.60.254.224/27" in finding.fix, finding

    @pytest.mark.parametrize(
        ("spaces", "taken", "length", "free"),
        [
            (["10.60.0.0/16"], [], 27, "10.60.255.224/27"),
            (["10.60.0.0/16"], ["10.60.255.0/24"], 27, "10.60.254.224/27"),
            (["10.60.0.0/24"], ["10.60.0.0/25", "10.60.0.192/26"], 27, "10.60.0.160/27"),
            (["10.60.0.0/24"], ["10.60.0.0/24"], 27, None),
            (["10.60.0.0/24", "10.61.0.0/24"], ["10.60.0.0/24"], 27, "10.61.0.224/27"),
            (["fd00:60::/48", "10.60.0.0/24"], ["10.60.0.224/27"], 27, "10.60.0.192/27"),
            (["10.0.0.0/8"], ["10.128.0.0/9", "10.127.255.0/24"], 27, "10.127.254.224/27"),
            (["10.60.0.0/28"], [], 27, None),
        ],
        ids=["empty", "below-taken", "between", "full", "next-space", "ipv4-only", "large-space", "space-too-small"],
    )
    def test_free_prefix_is_the_highest_free_range_of_that_size(
        self, spaces: list[str], taken: list[str], length: int, free: str | None
    ) -> None:
        import ipaddress

        found = free_prefix([ipaddress.ip_network(s) for s in spaces], [ipaddress.ip_network(t) for t in taken], length)
        assert (str(found) if found else None) == free, f"{spaces} less {taken}: {found}"


def _completed_findings(vnet: dict[str, Any], existing: Existing) -> list[RenderedFinding]:
    config = mesh()
    config["vnets"][0] = {"name": "hub", **vnet}
    topology, findings = parse_stack_config(
        {k: json.dumps(v) if not isinstance(v, str) else v for k, v in config.items()}
    )
    assert topology is not None and findings == [], findings
    _, found = complete(topology, existing)
    return [f.rendered("config") for f in found]


def _completed_and_validated(vnet: dict[str, Any], existing: Existing) -> list[RenderedFinding]:
    """What `plan` says of the VNet against what exists: Azure's answer in, then every rule."""
    config = mesh()
    config["vnets"][0] = {"name": "hub", **vnet}

    def read(kind: str, resource_id: str, provider: Any) -> ExistingVnet | ExistingGateway:
        return existing.vnets["hub"] if kind == "vnet" else existing.gateways["hub"]

    raw = {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
    _, found = stack_findings(raw, "vnet2vnet", read)
    return [f.rendered("config") for f in found]


APP_VNET = f"/subscriptions/{SUB}/resourceGroups/app-rg/providers/Microsoft.Network/virtualNetworks/app-vnet"


def _app_seed(inline: list[dict[str, Any]] | None = None, **subnets: dict[str, Any]) -> list[dict[str, Any]]:
    """An existing VNet without a GatewaySubnet: subnets as Subnet resources (`subnets`) and/or inline."""
    vnet_inputs: dict[str, Any] = {"addressSpace": {"addressPrefixes": ["10.60.0.0/16"]}}
    if inline is not None:
        vnet_inputs["subnets"] = inline
    return [
        {"id": f"/subscriptions/{SUB}/resourceGroups/app-rg", "type": RESOURCE_GROUP, "location": "westeurope"},
        {"id": APP_VNET, "type": VNET, "location": "westeurope", "inputs": vnet_inputs},
        *({"id": f"{APP_VNET}/subnets/{name}", "type": SUBNET, "inputs": inputs} for name, inputs in subnets.items()),
    ]


class TestExistingSubnetsAreRead:
    @pytest.mark.parametrize(
        ("seed", "subnets"),
        [
            (_app_seed(app={"addressPrefix": "10.60.255.0/24"}), (ExistingSubnet("app", ("10.60.255.0/24",)),)),
            (
                _app_seed(web={"addressPrefixes": ["10.60.254.0/24", "fd00:60:0:1::/64"]}),
                (ExistingSubnet("web", ("10.60.254.0/24", "fd00:60:0:1::/64")),),
            ),
            (
                _app_seed(inline=[{"name": "db", "addressPrefix": "10.60.1.0/24"}]),
                (ExistingSubnet("db", ("10.60.1.0/24",)),),
            ),
        ],
        ids=["subnet-resource", "dual-stack-prefixes", "inline-subnet"],
    )
    def test_the_seed_reader_reads_each_subnets_prefixes(
        self, seed: list[dict[str, Any]], subnets: tuple[ExistingSubnet, ...]
    ) -> None:
        read = seed_reader(seed)("vnet", APP_VNET, None)
        assert isinstance(read, ExistingVnet) and read.subnets == subnets, read

    def test_the_program_reads_them_through_azure_natives_invoke_and_refuses_the_overlap(self) -> None:
        vnets = plain_vnets_from_dev()
        vnets[0] = {
            "name": "east",
            "existingVnetId": APP_VNET,
            "subscriptionId": SUB,
            "gatewaySubnetPrefix": "10.60.255.0/27",
        }
        with pytest.raises(ProgramError) as raised:
            run_stack(
                PROJECT_DIR,
                "dev",
                config_overrides={"vnet2vnet:vnets": vnets},
                seeded=_app_seed(app={"addressPrefix": "10.60.255.0/24"}),
            )
        text = str(raised.value)
        assert "vnets[0].gatewaySubnetPrefix: 10.60.255.0/27 overlaps the existing subnet 'app'" in text, text
        assert "NetcfgSubnetRangesOverlap" in text, "Azure's error code, to search for"

    def test_the_offline_plan_refuses_it_from_the_seed(self) -> None:
        config = copy.deepcopy(VALID)
        config["vnets"][0] = {"name": "east", "existingVnetId": APP_VNET, "gatewaySubnetPrefix": "10.60.255.0/27"}
        raw = {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
        _, findings = stack_findings(raw, "vnet2vnet", seed_reader(_app_seed(app={"addressPrefix": "10.60.255.0/24"})))
        errors = [f.rendered("config") for f in findings if f.severity == "error"]
        assert [f.path for f in errors] == ["vnet2vnet:vnets[0].gatewaySubnetPrefix"], errors

    def test_a_free_prefix_plans_cleanly(self) -> None:
        vnets = plain_vnets_from_dev()
        vnets[0] = {
            "name": "east",
            "existingVnetId": APP_VNET,
            "subscriptionId": SUB,
            "gatewaySubnetPrefix": "10.60.254.224/27",
        }
        plan = run_stack(
            PROJECT_DIR,
            "dev",
            config_overrides={"vnet2vnet:vnets": vnets},
            seeded=_app_seed(app={"addressPrefix": "10.60.255.0/24"}),
        )
        (subnet,) = [s for s in plan.of_type(SUBNET) if s.name.startswith("vnet2vnet-east")]
        assert subnet.inputs["addressPrefix"] == "10.60.254.224/27", "the GatewaySubnet beside the existing one"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(min_value=20, max_value=29), st.integers(min_value=0, max_value=2**12 - 1))),
    st.integers(min_value=24, max_value=29),
)
def test_free_prefix_is_free_inside_and_found_whenever_one_exists(taken_at: list[tuple[int, int]], length: int) -> None:
    """Against every range of the size in a /20, one by one: what free_prefix finds is free, and it is the highest
    one whenever there is one."""
    import ipaddress

    space = ipaddress.IPv4Network("10.60.0.0/20")
    base = int(space.network_address)
    taken = [ipaddress.IPv4Network((base + offset, size), strict=False) for size, offset in taken_at]
    candidates = [c for c in space.subnets(new_prefix=length) if not any(c.overlaps(t) for t in taken)]
    found = free_prefix([space], taken, length)
    assert found == (candidates[-1] if candidates else None), f"{taken}: {found} vs {candidates[-1:]}"
