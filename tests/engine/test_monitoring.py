"""Diagnostics and alerts on the real engine: what reaches the Azure emulator, where the values come from Azure
(an existing hub's tunnel and BGP addresses, read with getVirtualNetworkGateway)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vnet2vnet.emulator import azure

from .conftest import PROJECT_DIR, EngineStack

MakeStack = Callable[..., EngineStack]


def test_a_spoke_watches_its_tunnel_to_an_existing_hub_with_the_hubs_addresses_from_azure(
    engine_stack: MakeStack,
) -> None:
    stack = engine_stack("brownfield", seed=PROJECT_DIR / "examples" / "brownfield" / "existing.yaml")

    def operated(config: dict[str, Any]) -> None:
        config["vnet2vnet:diagnostics"] = {"createWorkspace": True}
        config["vnet2vnet:alerts"] = {"emails": ["netops@example.com"]}

    stack.edit_config(operated)
    stack.ok("up")
    state = stack.azure()
    hub = next(r for r in azure.of_type(state, azure.GATEWAY) if r.get("seeded"))
    hub_bgp = azure.computed(state, hub, reading=True)["bgpSettings"]
    hub_ips = [ip for peering in hub_bgp["bgpPeeringAddresses"] for ip in peering["tunnelIpAddresses"]]
    hub_peers = [ip for peering in hub_bgp["bgpPeeringAddresses"] for ip in peering["defaultBgpIpAddresses"]]
    rules = {r["name"]: r["inputs"] for r in state["resources"].values() if r["type"] == azure.SCHEDULED_QUERY_RULE}
    assert sorted(name.rstrip("0123456789abcdef") for name in rules) == [
        "vnet2vnet-spoke-a-to-hub-tunnel-down",
        "vnet2vnet-spoke-b-to-hub-tunnel-down",
    ], sorted(rules)
    for rule in rules.values():
        query = rule["criteria"]["allOf"][0]["query"]
        assert f'remoteIP_s in ("{hub_ips[0]}")' in query, f"the hub's tunnel IP as Azure reports it: {query}"
    metric_alerts = [r["inputs"] for r in state["resources"].values() if r["type"] == azure.METRIC_ALERT]
    assert len(metric_alerts) == 2
    for rule in metric_alerts:
        assert rule["criteria"]["allOf"][0]["dimensions"][0]["values"] == hub_peers, "the hub's BGP peer addresses"
    settings = [r for r in state["resources"].values() if r["type"] == azure.DIAGNOSTIC_SETTING]
    assert len(settings) == 2 and all("/hub-vpngw/" not in r["id"] for r in settings), (
        "the hub's gateway is not ours: no diagnostic setting on it"
    )
