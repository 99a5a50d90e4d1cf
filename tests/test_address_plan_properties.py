"""Property-based tests of the address-plan rules: valid random plans pass, planted mistakes are always found."""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_validation import findings_for
from vnet2vnet.validation import overlapping_pairs, parse_prefix

REGIONS = ["eastus", "westus2", "northeurope", "swedencentral", "westus"]


@st.composite
def valid_plans(draw: st.DrawFn) -> dict[str, Any]:
    """Two VNets with disjoint /16s in 10.0.0.0/8, a GatewaySubnet of /27../24 at the top of each, and up to
    four workload /24s below it."""
    second_octets = draw(st.lists(st.integers(0, 255), min_size=2, max_size=2, unique=True))
    vnets = []
    for index, octet in enumerate(second_octets):
        space = ipaddress.ip_network(f"10.{octet}.0.0/16")
        gateway_length = draw(st.integers(24, 27))
        gateway = list(space.subnets(new_prefix=gateway_length))[-1]
        rows = draw(st.lists(st.integers(0, 200), max_size=4, unique=True))
        vnets.append(
            {
                "name": f"v{index}",
                "location": draw(st.sampled_from(REGIONS)),
                "addressSpaces": [str(space)],
                "gatewaySubnetPrefix": str(gateway),
                "subnets": [{"name": f"s{row}", "prefix": f"10.{octet}.{row}.0/24"} for row in rows],
            }
        )
    return {"vnets": vnets, "gateway": {"sku": "VpnGw2AZ"}}


@settings(max_examples=60, deadline=None)
@given(valid_plans())
def test_valid_random_plans_pass(config: dict[str, Any]) -> None:
    findings = findings_for(config)
    assert findings == [], "\n".join(map(str, findings))


@settings(max_examples=60, deadline=None)
@given(valid_plans(), st.integers(8, 24))
def test_planted_overlap_between_vnets_is_always_found(config: dict[str, Any], length: int) -> None:
    # Give the second VNet a space that shares addresses with the first VNet's.
    first = ipaddress.ip_network(config["vnets"][0]["addressSpaces"][0])
    overlapping = first.supernet(new_prefix=length) if length < 16 else next(first.subnets(new_prefix=length))
    config["vnets"][1]["addressSpaces"].append(str(overlapping))
    paths = {f.path for f in findings_for(config) if f.severity == "error" and "overlaps" in f.message}
    assert "vnet2vnet:vnets[1].addressSpaces[1]" in paths, paths


@settings(max_examples=60, deadline=None)
@given(valid_plans(), st.integers(0, 255))
def test_planted_out_of_range_subnet_is_always_found(config: dict[str, Any], octet: int) -> None:
    config["vnets"][0]["subnets"].append({"name": "stray", "prefix": f"192.168.{octet}.0/24"})
    index = len(config["vnets"][0]["subnets"]) - 1
    paths = {f.path for f in findings_for(config) if f.severity == "error" and "not inside" in f.message}
    assert f"vnet2vnet:vnets[0].subnets[{index}].prefix" in paths, paths


@settings(max_examples=60, deadline=None)
@given(valid_plans(), st.data())
def test_planted_subnet_overlap_is_always_found(config: dict[str, Any], data: st.DataObject) -> None:
    vnet = config["vnets"][1]
    taken = [vnet["gatewaySubnetPrefix"]] + [s["prefix"] for s in vnet["subnets"]]
    victim = ipaddress.ip_network(data.draw(st.sampled_from(taken)))
    planted = next(victim.subnets(new_prefix=min(victim.prefixlen + 1, 29)))
    vnet["subnets"].append({"name": "planted", "prefix": str(planted)})
    index = len(vnet["subnets"]) - 1
    paths = {f.path for f in findings_for(config) if f.severity == "error" and "overlaps" in f.message}
    assert f"vnet2vnet:vnets[1].subnets[{index}].prefix" in paths, paths


networks = st.builds(
    lambda address, length: ipaddress.ip_network((address, length), strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(20, 32),
)


@given(st.lists(networks, min_size=2, max_size=6))
def test_overlapping_pairs_agrees_with_address_sets(nets: list[ipaddress.IPv4Network]) -> None:
    found = {(a, b) for a, b, _, _ in overlapping_pairs([((i,), n) for i, n in enumerate(nets)])}
    expected = {
        ((i,), (j,))
        for i in range(len(nets))
        for j in range(i + 1, len(nets))
        if int(nets[i].network_address) <= int(nets[j].broadcast_address)
        and int(nets[j].network_address) <= int(nets[i].broadcast_address)
    }
    assert found == expected


@given(st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_parse_prefix_accepts_exactly_the_canonical_form(address: int, length: int) -> None:
    text = f"{ipaddress.IPv4Address(address)}/{length}"
    canonical = ipaddress.ip_network(text, strict=False)
    result = parse_prefix(text, ("x",))
    assert (result.finding is None) == (str(canonical) == text)
    assert result.network == canonical
