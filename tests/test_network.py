"""One resolved network: the effective settings every consumer reads, worked out once (vnet2vnet.network)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from tests.support import pair_args, plan_components, plan_stack
from vnet2vnet import VnetMesh, VnetToVnetPair, VnetToVnetPairArgs, naming
from vnet2vnet.network import ResolvedNetwork, resolve
from vnet2vnet.schema import MESH, parse_stack_config

OWN_KEY = "Link-Own-Key_0123456789abcdefghijklmnop"


def network_of(config: dict[str, Any]) -> ResolvedNetwork:
    topology, findings = parse_stack_config({k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()})
    assert topology is not None, findings
    return resolve(topology)


def mesh(**changes: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "topology": "mesh",
        "gateway": {"sku": "VpnGw2AZ", "enableBgp": True},
        "vnets": [
            {"name": name, "location": "eastus", "addressSpaces": [f"10.{i}.0.0/16"],
             "gatewaySubnetPrefix": f"10.{i}.255.0/27", "bgpAsn": 65010 + i}
            for i, name in enumerate(("a", "b", "c"), start=1)
        ],
    }  # fmt: skip
    config.update(changes)
    return config


class TestWhatResolves:
    def test_a_vnets_own_gateway_keys_override_the_shared_block_and_the_rest_carry_over(self) -> None:
        config = mesh()
        config["vnets"][0]["gateway"] = {"sku": "VpnGw4AZ"}
        network = network_of(config)
        assert (network.sides[0].gateway.sku, network.sides[0].gateway.enable_bgp) == ("VpnGw4AZ", True), (
            "its own SKU, the shared BGP"
        )
        assert [side.gateway.sku for side in network.sides[1:]] == ["VpnGw2AZ", "VpnGw2AZ"], "the others: shared"

    def test_a_links_own_connection_and_key_apply_to_that_link_only(self) -> None:
        entry = {"vnets": ["a", "b"], "connection": {"dpdTimeoutSeconds": 30}, "sharedKey": OWN_KEY}
        network = network_of(mesh(links=[entry]))
        own, other = network.link("b", "a"), network.link("a", "c")
        assert (own.ends, own.entry_index, own.connection.dpd_timeout_seconds) == (("a", "b"), 0, 30), own
        assert own.shared_key == OWN_KEY and not own.generates_key, "the link's own key"
        assert other.entry is None and other.connection == network.spec.connection and other.generates_key, other

    @pytest.mark.parametrize(
        ("gateways", "bgp"),
        [((True, True), True), ((True, False), False), ((False, True), False), ((False, False), False)],
        ids=["both", "first only", "second only", "neither"],
    )
    def test_bgp_runs_on_a_link_only_when_both_gateways_run_it(self, gateways: tuple[bool, bool], bgp: bool) -> None:
        config = mesh()
        for vnet, enabled in zip(config["vnets"], gateways, strict=False):
            vnet["gateway"] = {"enableBgp": enabled}
        assert network_of(config).link("a", "b").bgp is bgp

    def test_a_second_entry_for_one_link_changes_nothing(self) -> None:
        """Validation refuses it (`links[1]` repeats a link); resolution takes the first, as the components do."""
        first = {"vnets": ["a", "b"], "connection": {"dpdTimeoutSeconds": 30}}
        second = {"vnets": ["a", "b"], "connection": {"dpdTimeoutSeconds": 40}}
        link = network_of(mesh(links=[first, second])).link("a", "b")
        assert (link.entry_index, link.connection.dpd_timeout_seconds) == (0, 30), link

    def test_an_entry_written_in_the_other_order_is_not_applied(self) -> None:
        """Validation refuses it and names the order to write; it must not silently apply meanwhile."""
        link = network_of(mesh(links=[{"vnets": ["b", "a"], "sharedKey": OWN_KEY}])).link("a", "b")
        assert link.entry is None and link.generates_key, link

    def test_every_link_of_the_topology_once_in_its_order(self) -> None:
        network = network_of(mesh(topology="hub-and-spoke", hub="b"))
        assert [link.ends for link in network.links] == network.spec.link_pairs(), "the topology's links, in order"


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[tuple[str, str]]]:
    """How many times the names of each (component, component type) are derived."""
    counted: Counter[tuple[str, str]] = Counter()
    derive = naming._derive

    def counting(component: str, component_type: str, network: ResolvedNetwork) -> Any:
        counted[(component, component_type)] += 1
        return derive(component, component_type, network)

    monkeypatch.setattr(naming, "_derive", counting)
    yield counted


class TestResolvedOnce:
    def test_a_component_derives_its_names_once_for_validation_and_registration(
        self, derivations: Counter[tuple[str, str]]
    ) -> None:
        plan_components(lambda: VnetToVnetPair("corp", VnetToVnetPairArgs(**pair_args())))  # type: ignore[typeddict-item]
        assert list(derivations.items()) == [(("corp", naming.PAIR_TYPE), 1)], (
            f"checked and claimed from one derivation: {derivations}"
        )

    def test_the_stack_program_derives_them_once_too(self, derivations: Counter[tuple[str, str]]) -> None:
        plan_stack("mesh")
        assert list(derivations.items()) == [(("vnet2vnet", naming.MESH_TYPE), 1)], f"{derivations}"

    def test_a_checked_network_builds_what_its_args_build(self) -> None:
        """`from_checked` (the stack program's entry) and the args entry register the same resources."""
        from vnet2vnet.checks import CheckedSpec, checked_component_spec

        def from_args() -> None:
            VnetMesh("m", {"vnets": pair_args()["vnets"], "gateway": {"sku": "VpnGw1AZ"}})

        def from_checked() -> None:
            args = {"vnets": pair_args()["vnets"], "gateway": {"sku": "VpnGw1AZ"}}
            checked = checked_component_spec(
                args, schema=MESH, component_name="m", defaults={"topology": "mesh"}, component_type=naming.MESH_TYPE
            )
            VnetMesh.from_checked("m", CheckedSpec(checked))

        built = [
            sorted((r.urn, json.dumps(r.inputs, sort_keys=True, default=str)) for r in plan.resources)
            for plan in (plan_components(from_args), plan_components(from_checked))
        ]
        assert built[0] == built[1], "same URNs and inputs either way"


class TestTheNamesMemo:
    def test_a_copy_with_another_spec_derives_its_own_names(self) -> None:
        network = network_of(mesh())
        names = naming.derived_names("m", naming.MESH_TYPE, network)
        fewer = replace(network, links=network.links[:1])  # any copy made with replace, not with_vnets
        assert fewer.derived == {} and len(naming.derived_names("m", naming.MESH_TYPE, fewer)) < len(names)

    def test_giving_vnets_their_providers_keeps_the_names_and_nothing_else_may_change(self) -> None:
        network = network_of(mesh())
        names = naming.derived_names("m", naming.MESH_TYPE, network)
        provided = network.with_vnets(tuple(replace(vnet, provider="p") for vnet in network.spec.vnets))
        assert provided.derived == {("m", naming.MESH_TYPE): names} and provided.sides[0].vnet.provider == "p"
        renamed = tuple(replace(vnet, resource_group_name="rg") for vnet in network.spec.vnets)
        with pytest.raises(ValueError, match="more than a provider"):
            network.with_vnets(renamed)
