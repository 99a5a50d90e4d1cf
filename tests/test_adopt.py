"""`vnet2vnet adopt`: the import file and where each link's existing key goes (pure parts; the real-engine tests in
tests/engine/test_adopt.py and tests/engine/test_adopt_topologies.py import hand-built networks with it)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import PROJECT_DIR, plain_vnets_from_dev, plan_stack
from vnet2vnet import naming
from vnet2vnet.adopt import AZURE_NATIVE_VERSION, adoption, connection_arguments
from vnet2vnet.checks import stack_findings
from vnet2vnet.cli import read_ids
from vnet2vnet.engine import load_stack_config
from vnet2vnet.spec import TopologySpec
from vnet2vnet.stack_files import ConfigFileError

SUB = "/subscriptions/s/resourceGroups"
MONITORING_TYPES = frozenset(
    {
        naming.WORKSPACE_TYPE,
        naming.DIAGNOSTIC_SETTING_TYPE,
        naming.ACTION_GROUP_TYPE,
        naming.METRIC_ALERT_TYPE,
        naming.LOG_ALERT_TYPE,
    }
)
# Issue 23: a hub-and-spoke whose third VNet is called `hub-spoke`: its side and the link hub+spoke are both
# `vnet2vnet-hub-spoke` (a GatewayVnet and a VnetLink: two URNs, one name). Overrides of the mesh stack's config.
HUB_AND_SPOKE: dict[str, Any] = {
    "topology": "hub-and-spoke",
    "hub": "hub",
    "vnets": [
        {"name": name, "location": "eastus", "addressSpaces": [f"10.4{i}.0.0/16"],
         "gatewaySubnetPrefix": f"10.4{i}.255.0/27"}
        for i, name in enumerate(("hub", "spoke", "hub-spoke"))
    ],
}  # fmt: skip


def topology_of(stack: str, **overrides: Any) -> TopologySpec:
    """The checked spec of a stack of this project; `overrides` are config keys (no namespace) and values."""
    _, config = load_stack_config(PROJECT_DIR, stack)
    raw = {k.split(":", 1)[1]: v for k, v in config.values.items() if k.startswith("vnet2vnet:")}
    raw.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in overrides.items()})
    network, findings = stack_findings(raw, "vnet2vnet")
    assert network is not None and not [f for f in findings if f.severity == "error"], findings
    return network.spec


def component_type_of(topology: TopologySpec) -> str:
    return naming.PAIR_TYPE if topology.topology == "pair" else naming.MESH_TYPE


def arm_ids(topology: TopologySpec, *, monitoring: bool) -> dict[str, str]:
    """An ID of the right ARM shape for every resource the stack would create (monitoring ones if asked): what a
    user writes for a network built by hand. Written from the ARM paths, not from adopt's own table."""
    shapes = {
        naming.RESOURCE_GROUP_TYPE: "",
        naming.VNET_TYPE: "Microsoft.Network/virtualNetworks",
        naming.PUBLIC_IP_TYPE: "Microsoft.Network/publicIPAddresses",
        naming.GATEWAY_TYPE: "Microsoft.Network/virtualNetworkGateways",
        naming.CONNECTION_TYPE: "Microsoft.Network/connections",
        naming.WORKSPACE_TYPE: "Microsoft.OperationalInsights/workspaces",
        naming.ACTION_GROUP_TYPE: "Microsoft.Insights/actionGroups",
        naming.METRIC_ALERT_TYPE: "Microsoft.Insights/metricAlerts",
        naming.LOG_ALERT_TYPE: "Microsoft.Insights/scheduledQueryRules",
    }
    ids: dict[str, str] = {}
    for d in naming.derived_names("vnet2vnet", component_type_of(topology), topology):
        hand_made = d.name.replace("vnet2vnet-", "hand-")  # Azure's names are the hand-built network's own
        if d.type_token == naming.SUBNET_TYPE:
            ids[d.name] = f"{ids[naming.vnet_name(d.parent)]}/subnets/{hand_made}"
        elif d.type_token == naming.DIAGNOSTIC_SETTING_TYPE and monitoring:
            ids[d.name] = f"{ids[naming.gateway_name(d.parent)]}/providers/Microsoft.Insights/diagnosticSettings/x"
        elif d.type_token in shapes and (monitoring or d.type_token not in MONITORING_TYPES):
            shape = shapes[d.type_token]
            ids[d.name] = f"{SUB}/{hand_made}" if not shape else f"{SUB}/g/providers/{shape}/{hand_made}"
    return ids


def import_urns(import_file: dict[str, Any], stack: str, project: str = "vnet2vnet") -> list[str]:
    """The URN `pulumi import --file` gives each entry, by the rules of the CLI's own reader (v3.274.1,
    pkg/cmd/pulumi/operations/import.go, parseImportFile): a `parent` names another entry's `name`, and a name two
    entries share is ambiguous as a parent; an entry's URN is its parent's type chain, its type and its
    `logicalName` (its `name` when it has none); two entries may not give one URN."""
    entries = import_file["resources"]
    names = [entry["name"] for entry in entries]
    by_name = {entry["name"]: entry for entry in entries}

    def type_chain(entry: dict[str, Any]) -> str:
        parent = entry.get("parent")
        if not parent:
            return str(entry["type"])
        assert names.count(parent) == 1, f"resource '{entry['name']}' has an ambiguous parent ('{parent}')"
        return f"{type_chain(by_name[parent])}${entry['type']}"

    urns = [
        f"urn:pulumi:{stack}::{project}::{type_chain(entry)}::{entry.get('logicalName') or entry['name']}"
        for entry in entries
    ]
    assert len(set(urns)) == len(urns), f"two entries give one URN: {sorted(urns)}"
    return urns


def program_urns(stack: str, **overrides: Any) -> set[str]:
    """Every URN the program registers for the stack (offline plan), but the stack, providers and keys."""
    plan = plan_stack(stack, **overrides)
    return {r.urn for r in plan.resources if not r.type.startswith("pulumi:") and r.type != naming.PASSWORD_TYPE}


DEV_IDS = {
    "vnet2vnet-east-rg": f"{SUB}/east-rg",
    "vnet2vnet-east-vnet": f"{SUB}/east-rg/providers/Microsoft.Network/virtualNetworks/east",
    "vnet2vnet-east-gateway-subnet": f"{SUB}/east-rg/providers/Microsoft.Network/virtualNetworks/east/subnets/GatewaySubnet",
    "vnet2vnet-east-gw-ip1": f"{SUB}/east-rg/providers/Microsoft.Network/publicIPAddresses/east-ip",
    "vnet2vnet-east-gw": f"{SUB}/east-rg/providers/Microsoft.Network/virtualNetworkGateways/east-gw",
    "vnet2vnet-west-rg": f"{SUB}/west-rg",
    "vnet2vnet-west-vnet": f"{SUB}/west-rg/providers/Microsoft.Network/virtualNetworks/west",
    "vnet2vnet-west-gateway-subnet": f"{SUB}/west-rg/providers/Microsoft.Network/virtualNetworks/west/subnets/GatewaySubnet",
    "vnet2vnet-west-gw-ip1": f"{SUB}/west-rg/providers/Microsoft.Network/publicIPAddresses/west-ip",
    "vnet2vnet-west-gw": f"{SUB}/west-rg/providers/Microsoft.Network/virtualNetworkGateways/west-gw",
    "vnet2vnet-east-to-west": f"{SUB}/east-rg/providers/Microsoft.Network/connections/e2w",
    "vnet2vnet-west-to-east": f"{SUB}/west-rg/providers/Microsoft.Network/connections/w2e",
}


class TestImportFile:
    def test_a_complete_map_gives_every_resource_under_the_urn_the_program_gives_it(self) -> None:
        plan = adoption("vnet2vnet", naming.PAIR_TYPE, topology_of("dev"), DEV_IDS)
        assert plan.problems == ()
        resources = plan.import_file["resources"]
        components = {r["name"]: r for r in resources if r.get("component")}
        assert set(components) == {"vnet2vnet", "vnet2vnet-east", "vnet2vnet-west", "vnet2vnet-east-west"}
        assert components["vnet2vnet"]["type"] == naming.PAIR_TYPE and "parent" not in components["vnet2vnet"]
        assert components["vnet2vnet-east-west"]["parent"] == "vnet2vnet", "links hang off the pair"
        imported = {r["name"]: r for r in resources if not r.get("component")}
        assert {name: r["id"] for name, r in imported.items()} == DEV_IDS, "every resource with its ID, nothing else"
        assert imported["vnet2vnet-east-gw"]["parent"] == "vnet2vnet-east", "side resources under their side"
        assert imported["vnet2vnet-west-to-east"]["parent"] == "vnet2vnet-east-west", "connections under the link"
        assert {r["version"] for r in imported.values()} == {AZURE_NATIVE_VERSION}, "the plugin the program uses"
        assert not any("RandomPassword" in r["type"] for r in resources), "the key comes from the connections"

    def test_the_pair_key_becomes_the_stacks_shared_key(self) -> None:
        (key,) = adoption("vnet2vnet", naming.PAIR_TYPE, topology_of("dev"), DEV_IDS).keys
        assert (key.config_key, key.path, key.new_entry) == ("vnet2vnet:sharedKey", False, None)
        assert key.connection_ids == (DEV_IDS["vnet2vnet-east-to-west"], DEV_IDS["vnet2vnet-west-to-east"])
        assert connection_arguments(key.connection_ids[0]) == {
            "resourceGroupName": "east-rg", "virtualNetworkGatewayConnectionName": "e2w"
        }  # fmt: skip

    def test_a_mesh_keeps_one_key_per_link_in_links(self) -> None:
        keys = adoption("vnet2vnet", naming.MESH_TYPE, topology_of("mesh"), {}).keys
        assert len(keys) == 10 and [k.config_key for k in keys[:2]] == [
            "vnet2vnet:links[0].sharedKey",
            "vnet2vnet:links[1].sharedKey",
        ], keys
        assert all(k.path and k.new_entry for k in keys), "each link gets its own `links` entry, written by path"


class TestNamesTwoResourcesShare:
    """Issue 23: the engine takes two resources of one name and different types, the import file must not: its
    `name`s are how a child designates its parent."""

    def test_a_side_and_a_link_of_one_name_get_an_entry_each_and_every_child_finds_its_own(self) -> None:
        topology = topology_of("mesh", **HUB_AND_SPOKE)
        plan = adoption("vnet2vnet", naming.MESH_TYPE, topology, arm_ids(topology, monitoring=True))
        assert plan.problems == (), plan.problems
        entries = plan.import_file["resources"]
        names = [entry["name"] for entry in entries]
        assert len(set(names)) == len(names), f"every entry's name is its own: {sorted(names)}"
        both = {entry["name"]: entry["type"] for entry in entries if entry["logicalName"] == "vnet2vnet-hub-spoke"}
        assert both == {
            "vnet2vnet-hub-spoke (GatewayVnet)": naming.SIDE_TYPE,
            "vnet2vnet-hub-spoke (VnetLink)": naming.LINK_TYPE,
        }, "each is told apart by its type, and keeps (as logicalName, its URN's) the name the program gives it"
        registered = {(d.type_token, d.name): d for d in naming.derived_names("vnet2vnet", naming.MESH_TYPE, topology)}
        for entry in (entry for entry in entries if entry.get("parent")):
            (parent,) = [other for other in entries if other["name"] == entry["parent"]]
            derived = registered[entry["type"], entry["logicalName"]]
            assert (parent["type"], parent["logicalName"]) == (derived.parent_type, derived.parent), (
                f"{entry['logicalName']} ({entry['type']}) hangs off {parent}, not its own parent"
            )

    def test_pulumi_import_gives_every_entry_the_urn_the_program_gives_it(self) -> None:
        topology = topology_of("mesh", **HUB_AND_SPOKE)
        plan = adoption("vnet2vnet", naming.MESH_TYPE, topology, arm_ids(topology, monitoring=True))
        assert set(import_urns(plan.import_file, "mesh")) == program_urns("mesh", **HUB_AND_SPOKE)


@pytest.mark.parametrize("stack", ["dev", "prod", "mesh"])
def test_every_stack_imports_under_the_urns_its_program_gives(stack: str) -> None:
    topology = topology_of(stack)
    plan = adoption("vnet2vnet", component_type_of(topology), topology, arm_ids(topology, monitoring=True))
    assert plan.problems == (), plan.problems
    assert set(import_urns(plan.import_file, stack)) == program_urns(stack), "the next preview is a no-op for URNs"


class TestMonitoring:
    """Issue 23: diagnostics and alerts are Azure resources like the others (prod has a workspace, an action group,
    a diagnostic setting per gateway, a tunnel and a BGP alert per connection): imported when the map gives their
    IDs, else left to the next `up` to create. Never components: a component entry of an Azure type is replaced."""

    PROD_MONITORING = (
        "vnet2vnet-logs",
        "vnet2vnet-alerts",
        "vnet2vnet-neu-diagnostics",
        "vnet2vnet-sdc-diagnostics",
        "vnet2vnet-neu-to-sdc-tunnel-down",
        "vnet2vnet-neu-to-sdc-bgp-peer-down",
        "vnet2vnet-sdc-to-neu-tunnel-down",
        "vnet2vnet-sdc-to-neu-bgp-peer-down",
    )

    def test_without_their_ids_they_are_left_out_for_up_to_create(self) -> None:
        prod = topology_of("prod")
        plan = adoption("vnet2vnet", naming.PAIR_TYPE, prod, arm_ids(prod, monitoring=False))
        assert plan.problems == (), "only the network must exist to be adopted"
        entries = plan.import_file["resources"]
        assert {entry["type"] for entry in entries if entry.get("component")} == {
            naming.PAIR_TYPE, naming.SIDE_TYPE, naming.LINK_TYPE
        }, "components are the vnet2vnet ones only"  # fmt: skip
        assert not [entry for entry in entries if entry["type"] in MONITORING_TYPES], "nothing to replace next"
        assert sorted(plan.created_by_up) == sorted(self.PROD_MONITORING), "what the next up creates is said"
        left_out = program_urns("prod") - set(import_urns(plan.import_file, "prod"))
        assert sorted(urn.rsplit("::", 1)[-1] for urn in left_out) == sorted(self.PROD_MONITORING), left_out

    def test_with_their_ids_they_are_imported_like_the_network(self) -> None:
        prod = topology_of("prod")
        ids = arm_ids(prod, monitoring=True)
        plan = adoption("vnet2vnet", naming.PAIR_TYPE, prod, ids)
        assert plan.problems == () and plan.created_by_up == (), plan
        monitoring = {e["logicalName"]: e for e in plan.import_file["resources"] if e["type"] in MONITORING_TYPES}
        assert sorted(monitoring) == sorted(self.PROD_MONITORING)
        assert all(not e.get("component") and e["version"] == AZURE_NATIVE_VERSION for e in monitoring.values())
        assert {name: e["id"] for name, e in monitoring.items()} == {name: ids[name] for name in monitoring}

    def test_some_given_some_created(self) -> None:
        prod = topology_of("prod")
        ids = arm_ids(prod, monitoring=True)
        del ids["vnet2vnet-alerts"], ids["vnet2vnet-sdc-to-neu-bgp-peer-down"]
        plan = adoption("vnet2vnet", naming.PAIR_TYPE, prod, ids)
        assert plan.problems == () and plan.created_by_up == ("vnet2vnet-alerts", "vnet2vnet-sdc-to-neu-bgp-peer-down")

    @pytest.mark.parametrize(
        ("name", "kind", "wrong_id", "expected"),
        [
            ("vnet2vnet-alerts", "an ActionGroup", f"{SUB}/g/providers/Microsoft.Insights/metricAlerts/a",
             "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Insights/actionGroups/<name>"),
            ("vnet2vnet-logs", "a Workspace", f"{SUB}/g/providers/Microsoft.Databricks/workspaces/w",
             "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/"
             "workspaces/<name>"),
            ("vnet2vnet-neu-to-sdc-tunnel-down", "a ScheduledQueryRule",
             f"{SUB}/g/providers/Microsoft.Insights/metricAlerts/t",
             "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Insights/"
             "scheduledQueryRules/<name>"),
            ("vnet2vnet-neu-diagnostics", "a DiagnosticSetting",
             f"{SUB}/g/providers/Microsoft.Insights/diagnosticSettings/d",
             "<gateway ID>/providers/Microsoft.Insights/diagnosticSettings/<name>"),
        ],
    )  # fmt: skip
    def test_an_id_of_another_kind_is_refused_with_the_shape_expected(
        self, name: str, kind: str, wrong_id: str, expected: str
    ) -> None:
        prod = topology_of("prod")
        ids = {**arm_ids(prod, monitoring=True), name: wrong_id}
        (problem,) = adoption("vnet2vnet", naming.PAIR_TYPE, prod, ids).problems
        assert problem == f"'{name}' is {kind}, but {wrong_id} is not one (expected {expected})", problem

    def test_a_diagnostic_setting_is_the_one_on_its_sides_gateway(self) -> None:
        prod = topology_of("prod")
        ids = arm_ids(prod, monitoring=True)
        ids["vnet2vnet-neu-diagnostics"] = ids["vnet2vnet-sdc-diagnostics"]
        (problem,) = adoption("vnet2vnet", naming.PAIR_TYPE, prod, ids).problems
        assert problem == (
            f"'vnet2vnet-neu-diagnostics' is the diagnostic setting of 'vnet2vnet-neu-gw', but "
            f"{ids['vnet2vnet-sdc-diagnostics']} is not under its ID {ids['vnet2vnet-neu-gw']}"
        ), problem


class TestRefusals:
    def test_names_that_are_not_the_stacks_are_named_with_a_suggestion(self) -> None:
        ids = {**DEV_IDS, "vnet2vnet-east-vnett": DEV_IDS["vnet2vnet-east-vnet"]}
        del ids["vnet2vnet-east-vnet"]
        problems = adoption("vnet2vnet", naming.PAIR_TYPE, topology_of("dev"), ids).problems
        assert problems == (
            "'vnet2vnet-east-vnett' is not a resource of this stack; did you mean 'vnet2vnet-east-vnet'?",
            "no ID for: vnet2vnet-east-vnet (every resource of the stack must exist to be adopted)",
        ), problems

    def test_an_id_of_the_wrong_kind_is_refused(self) -> None:
        ids = {**DEV_IDS, "vnet2vnet-east-gw": DEV_IDS["vnet2vnet-east-gw-ip1"]}
        (problem,) = adoption("vnet2vnet", naming.PAIR_TYPE, topology_of("dev"), ids).problems
        assert problem == (
            f"'vnet2vnet-east-gw' is a VirtualNetworkGateway, but {DEV_IDS['vnet2vnet-east-gw-ip1']} is not one "
            "(expected /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Network/"
            "virtualNetworkGateways/<name>)"
        ), problem

    def test_a_side_with_its_own_provider_is_not_adopted(self) -> None:
        dev = topology_of("dev")
        east = dataclasses.replace(dev.vnets[0], subscription_id="00000000-0000-0000-0000-0000000000b2")
        problems = adoption(
            "vnet2vnet", naming.PAIR_TYPE, dataclasses.replace(dev, vnets=(east, dev.vnets[1])), DEV_IDS
        )
        (problem,) = problems.problems
        assert problem.startswith("vnets[0] ('east'): adopt brings in what the default provider reaches"), problem

    def test_a_name_two_azure_resources_share_cannot_be_given_one_id(self) -> None:
        """The subnet `vnet` of VNet `a` and the VNet of VNet `a-subnet` are both `vnet2vnet-a-subnet-vnet`."""
        vnets = [
            {
                **vnet,
                "name": name,
                "subnets": [{"name": "vnet", "prefix": vnet["addressSpaces"][0].replace("/16", "/24")}],
            }
            for vnet, name in zip(plain_vnets_from_dev(), ("a", "a-subnet"), strict=True)
        ]
        dev = topology_of("dev", vnets=vnets)
        problems = adoption("vnet2vnet", naming.PAIR_TYPE, dev, arm_ids(dev, monitoring=True)).problems
        assert problems == (
            "'vnet2vnet-a-subnet-vnet' names both a Subnet and a VirtualNetwork of this stack: an ID map cannot tell "
            "them apart (rename a VNet or subnet, or adopt them by hand)",
        ), problems

    @settings(deadline=None)
    @given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
    def test_any_ids_file_gives_a_map_or_a_refusal_naming_it_never_an_exception(self, content: bytes) -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ids.json"
            path.write_bytes(content)
            try:
                ids = read_ids(path)
            except ConfigFileError as refused:
                assert str(path) in str(refused), str(refused)
                return
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in ids.items()), ids

    def test_a_non_object_is_explained(self, tmp_path: Path) -> None:
        path = tmp_path / "ids.json"
        path.write_text(json.dumps(["not", "a", "map"]))
        with pytest.raises(ConfigFileError, match="JSON object"):
            read_ids(path)


def test_an_out_path_that_cannot_be_written_is_a_usage_error(tmp_path: Any) -> None:
    from tests.test_cli import run_cli

    ids = tmp_path / "ids.json"
    ids.write_text(json.dumps(DEV_IDS))
    out = tmp_path / "missing" / "x.json"
    result = run_cli("adopt", "--stack", "dev", "--ids", str(ids), "--out", str(out))
    assert result.returncode == 2 and f"--out {out}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not out.parent.exists(), "one line naming the path, nothing written"
