"""`vnet2vnet adopt`: the import file and where each link's existing key goes (pure parts; the real-engine test in
tests/engine/test_adopt.py imports a hand-built pair with it)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.support import PROJECT_DIR
from vnet2vnet import naming
from vnet2vnet.adopt import AZURE_NATIVE_VERSION, adoption, connection_arguments, parse_ids
from vnet2vnet.checks import stack_findings
from vnet2vnet.engine import load_stack_config
from vnet2vnet.spec import TopologySpec

SUB = "/subscriptions/s/resourceGroups"


def topology_of(stack: str) -> TopologySpec:
    _, config = load_stack_config(PROJECT_DIR, stack)
    raw = {k.split(":", 1)[1]: v for k, v in config.values.items() if k.startswith("vnet2vnet:")}
    topology, findings = stack_findings(raw, "vnet2vnet")
    assert topology is not None and not [f for f in findings if f.severity == "error"], findings
    return topology


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
        assert (
            problem.startswith("'vnet2vnet-east-gw' is a VirtualNetworkGateway, but")
            and "virtualnetworkgateways" in problem
        )

    def test_a_side_with_its_own_provider_is_not_adopted(self) -> None:
        dev = topology_of("dev")
        east = dataclasses.replace(dev.vnets[0], subscription_id="00000000-0000-0000-0000-0000000000b2")
        problems = adoption(
            "vnet2vnet", naming.PAIR_TYPE, dataclasses.replace(dev, vnets=(east, dev.vnets[1])), DEV_IDS
        )
        (problem,) = problems.problems
        assert problem.startswith("vnets[0] ('east'): adopt brings in what the default provider reaches"), problem

    @given(st.text(max_size=200))
    def test_any_ids_file_text_gives_a_map_or_a_problem_never_an_exception(self, text: str) -> None:
        ids, problems = parse_ids(text)
        assert isinstance(ids, dict) and (problems or all(isinstance(v, str) for v in ids.values()))

    def test_a_non_object_is_explained(self) -> None:
        ids, problems = parse_ids(json.dumps(["not", "a", "map"]))
        assert ids == {} and problems and "JSON object" in problems[0], problems


def test_an_out_path_that_cannot_be_written_is_a_usage_error(tmp_path: Any) -> None:
    from tests.test_cli import run_cli

    ids = tmp_path / "ids.json"
    ids.write_text(json.dumps(DEV_IDS))
    result = run_cli("adopt", "--stack", "dev", "--ids", str(ids), "--out", str(tmp_path / "missing" / "x.json"))
    assert result.returncode == 2 and "cannot write the import file" in result.stderr, result.stderr
