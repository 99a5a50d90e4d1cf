"""Every Azure rule, table-driven: a config that breaks exactly one rule gives exactly that finding."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import STRONG_POLICY_CONFIG as STRONG_POLICY
from tests.support import plain_vnets_from_dev
from vnet2vnet.checks import stack_findings
from vnet2vnet.findings import RenderedFinding

Config = dict[str, Any]

# A valid stack config (camelCase, as in Pulumi.<stack>.yaml): every case changes one thing.
VALID: Config = {
    "vnets": plain_vnets_from_dev(),
    "gateway": {"sku": "VpnGw2AZ", "generation": "Generation2"},
    "connection": {"sharedKeyLength": 64},
}


def findings_for(config: Config) -> list[RenderedFinding]:
    raw = {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
    _, findings = stack_findings(raw, "vnet2vnet")
    return [finding.rendered("config") for finding in findings]


def changed(change: Callable[[Config], None]) -> Config:
    config = copy.deepcopy(VALID)
    change(config)
    return config


def vnet(index: int, **values: Any) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        config["vnets"][index].update(values)

    return change


def section(name: str, **values: Any) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        config[name] = {**config.get(name, {}), **values}

    return change


def policy(**values: Any) -> Callable[[Config], None]:
    return section("connection", ipsecPolicy={**STRONG_POLICY, **values})


def both(*changes: Callable[[Config], None]) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        for one in changes:
            one(config)

    return change


def top(**values: Any) -> Callable[[Config], None]:
    return lambda config: config.update(values)


BGP_ON = both(section("gateway", enableBgp=True), vnet(0, bgpAsn=65010), vnet(1, bgpAsn=65020))
BASIC = section("gateway", sku="Basic", generation="Generation1")
BASIC_WARNING = ("warning", "vnet2vnet:gateway.sku", "Basic is for dev/test")

# (id, change, expected findings as (severity, path, phrase of the message))
RULES: list[tuple[str, Callable[[Config], None], list[tuple[str, str, str]]]] = [
    # address plan
    (
        "cidr-invalid",
        vnet(0, addressSpaces=["10.10.0.0/33"]),
        [("error", "vnet2vnet:vnets[0].addressSpaces[0]", "not a valid CIDR")],
    ),
    (
        "cidr-no-length",
        vnet(0, addressSpaces=["10.10.0.0"]),
        [("error", "vnet2vnet:vnets[0].addressSpaces[0]", "not a CIDR prefix")],
    ),
    (
        "cidr-host-bits",
        vnet(1, addressSpaces=["10.20.0.1/16"]),
        [("error", "vnet2vnet:vnets[1].addressSpaces[0]", "use '10.20.0.0/16'")],
    ),
    (
        "forbidden-range",
        vnet(0, addressSpaces=["169.254.0.0/16"], gatewaySubnetPrefix="169.254.255.0/27"),
        [("error", "vnet2vnet:vnets[0].addressSpaces[0]", "Azure refuses")],
    ),
    (
        "multicast-range",
        vnet(0, addressSpaces=["224.1.0.0/16"], gatewaySubnetPrefix="224.1.255.0/27"),
        [("error", "vnet2vnet:vnets[0].addressSpaces[0]", "224.0.0.0/4")],
    ),
    (
        "public-range-warning",
        vnet(0, addressSpaces=["20.10.0.0/16"], gatewaySubnetPrefix="20.10.255.0/27"),
        [("warning", "vnet2vnet:vnets[0].addressSpaces[0]", "outside RFC 1918")],
    ),
    (
        "no-address-space",
        vnet(0, addressSpaces=[]),
        [("error", "vnet2vnet:vnets[0].addressSpaces", "at least one address space")],
    ),
    (
        "vnets-overlap",
        vnet(1, addressSpaces=["10.10.128.0/17"], gatewaySubnetPrefix="10.10.255.0/27"),
        [("error", "vnet2vnet:vnets[1].addressSpaces[0]", "overlaps 10.10.0.0/16 of VNet 'east'")],
    ),
    (
        "spaces-overlap-within-vnet",
        vnet(0, addressSpaces=["10.10.0.0/16", "10.10.1.0/24"]),
        [("error", "vnet2vnet:vnets[0].addressSpaces[1]", "of the same VNet")],
    ),
    (
        "gateway-subnet-outside",
        vnet(0, gatewaySubnetPrefix="10.30.255.0/27"),
        [("error", "vnet2vnet:vnets[0].gatewaySubnetPrefix", "not inside the VNet's address spaces")],
    ),
    (
        "gateway-subnet-too-small",
        vnet(1, gatewaySubnetPrefix="10.20.255.0/28"),
        [("error", "vnet2vnet:vnets[1].gatewaySubnetPrefix", "must be /27 or larger")],
    ),
    (
        "gateway-subnet-basic-too-small",
        both(BASIC, vnet(0, gatewaySubnetPrefix="10.10.255.0/30")),
        [BASIC_WARNING, ("error", "vnet2vnet:vnets[0].gatewaySubnetPrefix", "must be /29 or larger")],
    ),
    (
        "subnet-outside",
        vnet(0, subnets=[{"name": "app", "prefix": "10.99.0.0/24"}]),
        [("error", "vnet2vnet:vnets[0].subnets[0].prefix", "not inside the VNet's address spaces")],
    ),
    (
        "subnet-overlaps-gateway-subnet",
        vnet(0, subnets=[{"name": "app", "prefix": "10.10.255.0/24"}]),
        [("error", "vnet2vnet:vnets[0].subnets[0].prefix", "overlaps the GatewaySubnet")],
    ),
    (
        "subnets-overlap",
        vnet(0, subnets=[{"name": "a", "prefix": "10.10.0.0/24"}, {"name": "b", "prefix": "10.10.0.128/25"}]),
        [("error", "vnet2vnet:vnets[0].subnets[1].prefix", "overlaps subnets[0]")],
    ),
    (
        "subnet-named-gateway-subnet",
        vnet(0, subnets=[{"name": "GatewaySubnet", "prefix": "10.10.0.0/24"}]),
        [("error", "vnet2vnet:vnets[0].subnets[0].name", "created by the program")],
    ),
    (
        "subnet-name-twice",
        vnet(0, subnets=[{"name": "a", "prefix": "10.10.0.0/24"}, {"name": "a", "prefix": "10.10.1.0/24"}]),
        [("error", "vnet2vnet:vnets[0].subnets[1].name", "used twice")],
    ),
    # gateway
    (
        "sku-non-az-retired",
        section("gateway", sku="VpnGw2"),
        [("error", "vnet2vnet:gateway.sku", "was retired on 30 September 2026")],
    ),
    ("sku-legacy", section("gateway", sku="Standard"), [("error", "vnet2vnet:gateway.sku", "legacy SKU")]),
    ("sku-typo", section("gateway", sku="VpnGw2Az"), [("error", "vnet2vnet:gateway.sku", "not a VPN gateway SKU")]),
    (
        "generation-vpngw1az-gen2",
        section("gateway", sku="VpnGw1AZ", generation="Generation2"),
        [("error", "vnet2vnet:gateway.generation", "only as Generation1")],
    ),
    (
        "generation-vpngw4az-gen1",
        section("gateway", sku="VpnGw4AZ", generation="Generation1"),
        [("error", "vnet2vnet:gateway.generation", "only as Generation2")],
    ),
    (
        "generation-unknown",
        section("gateway", generation="Generation3"),
        [("error", "vnet2vnet:gateway.generation", "not a generation")],
    ),
    ("basic-warning", BASIC, [BASIC_WARNING]),
    (
        "basic-active-active",
        both(BASIC, section("gateway", activeActive=True)),
        [BASIC_WARNING, ("error", "vnet2vnet:gateway.activeActive", "cannot be active-active")],
    ),
    (
        "basic-bgp",
        both(BASIC, section("gateway", enableBgp=True), vnet(0, bgpAsn=65010), vnet(1, bgpAsn=65020)),
        [BASIC_WARNING, ("error", "vnet2vnet:gateway.enableBgp", "do not support BGP")],
    ),
    (
        "basic-ipsec-policy",
        both(BASIC, policy()),
        [BASIC_WARNING, ("error", "vnet2vnet:connection.ipsecPolicy", "custom IPsec/IKE policy")],
    ),
    (
        "zone-invalid",
        section("gateway", zones=["1", "4"]),
        [("error", "vnet2vnet:gateway.zones[1]", "not an availability zone")],
    ),
    (
        "zones-with-basic",
        both(BASIC, section("gateway", zones=["1"])),
        [BASIC_WARNING, ("warning", "vnet2vnet:gateway.zones", "not zone-redundant")],
    ),
    (
        "zones-in-region-without-zones",
        both(section("gateway", zones=["1", "2", "3"]), vnet(1, location="westus")),
        [("warning", "vnet2vnet:vnets[1].location", "no availability zones")],
    ),
    # BGP
    (
        "bgp-without-asn",
        both(section("gateway", enableBgp=True), vnet(0, bgpAsn=65010)),
        [("error", "vnet2vnet:vnets[1].bgpAsn", "no ASN")],
    ),
    (
        "asn-reserved-azure",
        both(BGP_ON, vnet(0, bgpAsn=65515)),
        [("error", "vnet2vnet:vnets[0].bgpAsn", "reserved by Azure")],
    ),
    (
        "asn-reserved-azure-public",
        both(BGP_ON, vnet(0, bgpAsn=12076)),
        [("error", "vnet2vnet:vnets[0].bgpAsn", "reserved by Azure")],
    ),
    (
        "asn-reserved-iana",
        both(BGP_ON, vnet(1, bgpAsn=23456)),
        [("error", "vnet2vnet:vnets[1].bgpAsn", "reserved by IANA")],
    ),
    (
        "asn-reserved-iana-range",
        both(BGP_ON, vnet(1, bgpAsn=65540)),
        [("error", "vnet2vnet:vnets[1].bgpAsn", "reserved by IANA")],
    ),
    (
        "asn-out-of-range",
        both(BGP_ON, vnet(1, bgpAsn=4294967295)),
        [("error", "vnet2vnet:vnets[1].bgpAsn", "outside 1..4294967294")],
    ),
    ("asn-zero", both(BGP_ON, vnet(1, bgpAsn=0)), [("error", "vnet2vnet:vnets[1].bgpAsn", "outside")]),
    ("asns-equal", both(BGP_ON, vnet(1, bgpAsn=65010)), [("error", "vnet2vnet:vnets[1].bgpAsn", "different ASNs")]),
    ("asn-without-bgp", vnet(0, bgpAsn=65010), [("warning", "vnet2vnet:vnets[0].bgpAsn", "BGP is not enabled")]),
    # connection
    (
        "dpd-too-low",
        section("connection", dpdTimeoutSeconds=8),
        [("error", "vnet2vnet:connection.dpdTimeoutSeconds", "9..3600")],
    ),
    (
        "dpd-too-high",
        section("connection", dpdTimeoutSeconds=3601),
        [("error", "vnet2vnet:connection.dpdTimeoutSeconds", "9..3600")],
    ),
    (
        "protocol-unknown",
        section("connection", connectionProtocol="IKEv3"),
        [("error", "vnet2vnet:connection.connectionProtocol", "not a connection protocol")],
    ),
    (
        "protocol-ikev1-warning",
        section("connection", connectionProtocol="IKEv1"),
        [("warning", "vnet2vnet:connection.connectionProtocol", "legacy")],
    ),
    (
        "protocol-ikev1-basic",
        both(BASIC, section("connection", connectionProtocol="IKEv1")),
        [BASIC_WARNING, ("error", "vnet2vnet:connection.connectionProtocol", "IKEv2 only")],
    ),
    (
        "key-length-short",
        section("connection", sharedKeyLength=31),
        [("error", "vnet2vnet:connection.sharedKeyLength", "32..128")],
    ),
    (
        "key-length-long",
        section("connection", sharedKeyLength=129),
        [("error", "vnet2vnet:connection.sharedKeyLength", "32..128")],
    ),
    (
        "key-version-zero",
        section("connection", sharedKeyVersion=0),
        [("error", "vnet2vnet:connection.sharedKeyVersion", "1 or more")],
    ),
    ("shared-key-hyphen", top(sharedKey="abc-def"), [("error", "vnet2vnet:sharedKey", "'-'")]),
    ("shared-key-space-tilde", top(sharedKey="abc def~"), [("error", "vnet2vnet:sharedKey", "space, '~'")]),
    ("shared-key-non-ascii", top(sharedKey="schlüssel"), [("error", "vnet2vnet:sharedKey", "rejects")]),
    ("shared-key-too-long", top(sharedKey="a" * 129), [("error", "vnet2vnet:sharedKey", "129 characters")]),
    ("shared-key-empty", top(sharedKey=""), [("error", "vnet2vnet:sharedKey", "0 characters")]),
    (
        "ipsec-missing-field",
        section("connection", ipsecPolicy={k: v for k, v in STRONG_POLICY.items() if k != "pfsGroup"}),
        [("error", "vnet2vnet:connection.ipsecPolicy.pfsGroup", "is required")],
    ),
    (
        "ipsec-unknown-value",
        policy(dhGroup="DHGroup99"),
        [("error", "vnet2vnet:connection.ipsecPolicy.dhGroup", "not a valid dhGroup")],
    ),
    (
        "ipsec-spec-only-value",
        policy(pfsGroup="PFSMM"),
        [("error", "vnet2vnet:connection.ipsecPolicy.pfsGroup", "only in the API spec")],
    ),
    (
        "ipsec-spec-only-ike-des",
        policy(ikeEncryption="DES3"),
        [("error", "vnet2vnet:connection.ipsecPolicy.ikeEncryption", "only in the API spec")],
    ),
    (
        "ipsec-weak-value",
        policy(ikeIntegrity="SHA1"),
        [("warning", "vnet2vnet:connection.ipsecPolicy.ikeIntegrity", "weak")],
    ),
    ("ipsec-weak-dh", policy(dhGroup="DHGroup2"), [("warning", "vnet2vnet:connection.ipsecPolicy.dhGroup", "weak")]),
    (
        "ipsec-gcm-mismatch",
        policy(ipsecIntegrity="SHA256"),
        [("error", "vnet2vnet:connection.ipsecPolicy.ipsecIntegrity", "GCM needs the same")],
    ),
    (
        "ipsec-lifetime-low",
        policy(saLifeTimeSeconds=299),
        [("error", "vnet2vnet:connection.ipsecPolicy.saLifeTimeSeconds", "300..172799")],
    ),
    (
        "ipsec-lifetime-high",
        policy(saLifeTimeSeconds=172800),
        [("error", "vnet2vnet:connection.ipsecPolicy.saLifeTimeSeconds", "300..172799")],
    ),
    (
        "ipsec-size",
        policy(saDataSizeKilobytes=1023),
        [("error", "vnet2vnet:connection.ipsecPolicy.saDataSizeKilobytes", "neither 0 nor")],
    ),
    # topology and names
    (
        "three-vnets",
        lambda c: c["vnets"].append(
            {**c["vnets"][1], "name": "x", "addressSpaces": ["10.30.0.0/16"], "gatewaySubnetPrefix": "10.30.255.0/27"}
        ),
        [("error", "vnet2vnet:vnets", "exactly two VNets")],
    ),
    ("duplicate-names", vnet(1, name="east"), [("error", "vnet2vnet:vnets[1].name", "also vnets[0]")]),
    ("invalid-name", vnet(0, name="east_1"), [("error", "vnet2vnet:vnets[0].name", "not a valid short name")]),
    ("name-too-long", vnet(0, name="e" * 25), [("error", "vnet2vnet:vnets[0].name", "not a valid short name")]),
    (
        "unknown-region",
        vnet(0, location="east-us"),
        [("error", "vnet2vnet:vnets[0].location", "did you mean 'eastus'")],
    ),
    ("unknown-region-typo", vnet(1, location="westeurop"), [("error", "vnet2vnet:vnets[1].location", "'westeurope'")]),
    ("region-denmarkeast-has-zones", vnet(0, location="denmarkeast"), []),
    ("region-indiasouthcentral-has-zones", vnet(0, location="indiasouthcentral"), []),
    ("region-jio-is-known", vnet(1, location="jioindiawest"), []),
    (
        "region-unknown-is-a-warning",
        vnet(0, location="marsnorth"),
        [("warning", "vnet2vnet:vnets[0].location", "not in this program's list")],
    ),
    (
        "region-near-miss-is-an-error",
        vnet(0, location="East US"),
        [("error", "vnet2vnet:vnets[0].location", "did you mean 'eastus'")],
    ),
    (
        "region-preview-zones-are-not-used",
        both(vnet(0, location="northcentralus"), section("gateway", zones=["1", "2", "3"])),
        [("warning", "vnet2vnet:vnets[0].location", "in preview (no SLA): zones are not sent")],
    ),
    (
        "zones-two-of-three",
        section("gateway", zones=["1", "2"]),
        [("error", "vnet2vnet:gateway.zones", "one zone or in all")],
    ),
    ("zones-repeated", section("gateway", zones=["1", "1"]), [("error", "vnet2vnet:gateway.zones", "listed twice")]),
    ("zones-one", section("gateway", zones=["2"]), []),
    # what the user names and types (resource-name-rules, tag-resources); never a "defect of the program"
    (
        "subscription-not-guid",
        vnet(0, subscriptionId="my-subscription"),
        [("error", "vnet2vnet:vnets[0].subscriptionId", "not a GUID")],
    ),
    (
        "tenant-not-guid",
        vnet(1, tenantId="contoso.onmicrosoft.com"),
        [("error", "vnet2vnet:vnets[1].tenantId", "not a GUID")],
    ),
    (
        "resource-group-slash",
        vnet(0, resourceGroupName="rg/net"),
        [("error", "vnet2vnet:vnets[0].resourceGroupName", "'/'")],
    ),
    (
        "resource-group-final-period",
        vnet(0, resourceGroupName="rg-net."),
        [("error", "vnet2vnet:vnets[0].resourceGroupName", "final '.'")],
    ),
    (
        "resource-group-too-long",
        vnet(0, resourceGroupName="r" * 91),
        [("error", "vnet2vnet:vnets[0].resourceGroupName", "91 characters")],
    ),
    ("resource-group-unicode-ok", vnet(0, resourceGroupName="rg-réseau_(prod).1"), []),
    (
        "subnet-name-invalid",
        vnet(0, subnets=[{"name": "app tier", "prefix": "10.10.1.0/24"}]),
        [("error", "vnet2vnet:vnets[0].subnets[0].name", "not a valid subnet name")],
    ),
    (
        "subnet-name-ends-with-period",
        vnet(0, subnets=[{"name": "app.", "prefix": "10.10.1.0/24"}]),
        [("error", "vnet2vnet:vnets[0].subnets[0].name", "not a valid subnet name")],
    ),
    (
        "subnet-smaller-than-29",
        vnet(0, subnets=[{"name": "app", "prefix": "10.10.1.0/30"}]),
        [("error", "vnet2vnet:vnets[0].subnets[0].prefix", "smallest IPv4 subnet, /29")],
    ),
    (
        "ipv6-only-vnet",
        vnet(0, addressSpaces=["fd00:10::/48"], gatewaySubnetPrefix="fd00:10:0:ff::/64"),
        [
            ("error", "vnet2vnet:vnets[0].addressSpaces", "only IPv6"),
            ("error", "vnet2vnet:vnets[0].gatewaySubnetPrefix", "must be IPv4"),
        ],
    ),
    (
        "ipv6-gateway-subnet-in-dual-stack",
        vnet(0, addressSpaces=["10.10.0.0/16", "fd00:10::/48"], gatewaySubnetPrefix="fd00:10:0:ff::/64"),
        [("error", "vnet2vnet:vnets[0].gatewaySubnetPrefix", "must be IPv4")],
    ),
    # A subnet here has one prefix: an IPv6 one is a subnet without IPv4, which Azure refuses (IPv6 is dual-stack
    # only), and an IPv6 subnet is /64 (ipv6-overview; VNet FAQ).
    (
        "ipv6-subnet-64-in-dual-stack",
        vnet(
            0, addressSpaces=["10.10.0.0/16", "fd00:10::/48"], subnets=[{"name": "app", "prefix": "fd00:10:0:1::/64"}]
        ),
        [("error", "vnet2vnet:vnets[0].subnets[0].prefix", "Azure needs an IPv4 prefix in every subnet")],
    ),
    (
        "ipv6-subnet-64-names-the-64-rule",
        vnet(
            0, addressSpaces=["10.10.0.0/16", "fd00:10::/48"], subnets=[{"name": "app", "prefix": "fd00:10:0:1::/64"}]
        ),
        [("error", "vnet2vnet:vnets[0].subnets[0].prefix", "IPv6 subnets are exactly /64")],
    ),
    (
        "ipv6-subnet-56",
        vnet(
            0, addressSpaces=["10.10.0.0/16", "fd00:10::/48"], subnets=[{"name": "app", "prefix": "fd00:10:0:100::/56"}]
        ),
        [("error", "vnet2vnet:vnets[0].subnets[0].prefix", "this one is /56")],
    ),
    (
        "ipv6-subnet-80",
        vnet(
            0, addressSpaces=["10.10.0.0/16", "fd00:10::/48"], subnets=[{"name": "app", "prefix": "fd00:10:0:1::/80"}]
        ),
        [("error", "vnet2vnet:vnets[0].subnets[0].prefix", "this one is /80")],
    ),
    (
        "ipv6-subnet-in-an-ipv4-vnet-one-finding",
        vnet(0, subnets=[{"name": "app", "prefix": "fd00:10:0:1::/64"}]),
        [("error", "vnet2vnet:vnets[0].subnets[0].prefix", "IPv6 is dual-stack only")],
    ),
    (
        "ipv6-subnet-fix-names-an-ipv4-range",
        vnet(
            0, addressSpaces=["10.10.0.0/16", "fd00:10::/48"], subnets=[{"name": "app", "prefix": "fd00:10:0:1::/64"}]
        ),
        [("error", "vnet2vnet:vnets[0].subnets[0].prefix", "fix: use an IPv4 prefix inside 10.10.0.0/16")],
    ),
    (
        "tags-over-fifty-with-ours",
        top(tags={f"t{i}": "x" for i in range(48)}),
        [("error", "vnet2vnet:tags", "plus the 3 the program adds make 51")],
    ),
    ("tags-fifty-with-ours", top(tags={f"t{i}": "x" for i in range(47)}), []),
    (
        "tag-name-forbidden-characters",
        top(tags={"cost/center": "x"}),
        [("error", 'vnet2vnet:tags["cost/center"]', "'/'")],
    ),
    (
        "tag-name-too-long",
        top(tags={"n" * 513: "x"}),
        [("error", f'vnet2vnet:tags["{"n" * 513}"]', "1..512 characters")],
    ),
    ("tag-value-too-long", top(tags={"owner": "v" * 257}), [("error", 'vnet2vnet:tags["owner"]', "at most 256")]),
    (
        "tag-names-differ-only-by-case",
        top(tags={"Owner": "a", "owner": "b"}),
        [("error", 'vnet2vnet:tags["owner"]', "case-insensitive")],
    ),
]


@pytest.mark.parametrize(("change", "expected"), [(c, e) for _, c, e in RULES], ids=[i for i, _, _ in RULES])
def test_rule_gives_exactly_its_finding(change: Callable[[Config], None], expected: list[tuple[str, str, str]]) -> None:
    findings = findings_for(changed(change))
    got = [(f.severity, f.path) for f in findings]
    assert sorted(got) == sorted((severity, path) for severity, path, _ in expected), "\n".join(map(str, findings))
    for severity, path, phrase in expected:
        finding = next(f for f in findings if (f.severity, f.path) == (severity, path))
        said = f"{finding.message} / fix: {finding.fix}"
        assert phrase in said, f"{path}: expected {phrase!r} in {said!r}"
        assert finding.fix, f"{path}: every finding says how to fix it"


def test_the_valid_base_has_no_findings() -> None:
    assert findings_for(VALID) == []


# Valid variants that must pass with no errors (warnings allowed where the table says why).
VALID_VARIANTS: list[tuple[str, Callable[[Config], None]]] = [
    ("prod-like", both(section("gateway", activeActive=True, zones=["1", "2", "3"], protect=True), BGP_ON, policy())),
    (
        "basic-with-29",
        both(BASIC, vnet(0, gatewaySubnetPrefix="10.10.255.0/29"), vnet(1, gatewaySubnetPrefix="10.20.255.248/29")),
    ),
    (
        "multiple-spaces-and-subnets",
        vnet(
            0,
            addressSpaces=["10.10.0.0/16", "10.11.0.0/16"],
            gatewaySubnetPrefix="10.11.255.0/27",
            subnets=[{"name": "app", "prefix": "10.10.0.0/24"}, {"name": "data", "prefix": "10.11.0.0/24"}],
        ),
    ),
    ("same-region", vnet(1, location="eastus")),
    ("region-without-zones", vnet(1, location="westus")),
    (
        "vpngw5az-26",
        both(
            section("gateway", sku="VpnGw5AZ", generation="Generation2"), vnet(0, gatewaySubnetPrefix="10.10.255.0/26")
        ),
    ),
    ("cgnat-space", vnet(0, addressSpaces=["100.64.0.0/16"], gatewaySubnetPrefix="100.64.255.0/27")),
    ("asn-32-bit", both(section("gateway", enableBgp=True), vnet(0, bgpAsn=4200000000), vnet(1, bgpAsn=4200000001))),
    ("generation-defaulted", section("gateway", sku="VpnGw4AZ", generation=None)),
    ("own-key", top(sharedKey="Abc123!#$%&()*+,./:;<=>?@[]^_{|}")),
]


@pytest.mark.parametrize("change", [c for _, c in VALID_VARIANTS], ids=[i for i, _ in VALID_VARIANTS])
def test_valid_variant_has_no_errors(change: Callable[[Config], None]) -> None:
    config = changed(change)
    if config["gateway"].get("generation") is None:
        config["gateway"].pop("generation", None)
    errors = [f for f in findings_for(config) if f.severity == "error"]
    assert errors == [], "\n".join(map(str, errors))


def test_rule_paths_use_snake_case_for_component_args() -> None:
    from vnet2vnet.schema import parse_component_args
    from vnet2vnet.validation import validate

    args = {
        "vnets": [
            {
                "name": "a",
                "location": "eastus",
                "address_spaces": ["10.0.0.0/16"],
                "gateway_subnet_prefix": "10.0.255.0/28",
            },
            {
                "name": "b",
                "location": "westus2",
                "address_spaces": ["10.1.0.0/16"],
                "gateway_subnet_prefix": "10.1.255.0/27",
            },
        ]
    }
    topology, findings = parse_component_args(args)
    assert topology is not None and not findings
    paths = [f.rendered("args").path for f in validate(topology)]
    assert paths == ["vnets[0].gateway_subnet_prefix"]


class TestWhereFindingsSurface:
    """The same findings reach users through every entry point, before anything is registered."""

    def test_stack_run_fails_before_registering_any_resource(self) -> None:
        from tests.support import PROJECT_DIR
        from vnet2vnet.engine import ProgramError, run_stack
        from vnet2vnet.plan_model import STACK_TYPE, RecordedResource

        registered: list[RecordedResource] = []
        vnets = copy.deepcopy(VALID["vnets"])
        vnets[1]["addressSpaces"] = ["10.10.0.0/16"]
        vnets[0]["location"] = "east-us"
        with pytest.raises(ProgramError) as caught:
            run_stack(PROJECT_DIR, "dev", config_overrides={"vnet2vnet:vnets": vnets}, on_register=registered.append)
        message = str(caught.value)
        assert "vnet2vnet:vnets[0].location" in message and "vnet2vnet:vnets[1].addressSpaces[0]" in message, message
        assert [r.type for r in registered] == [STACK_TYPE], "nothing but the stack itself may be registered"

    def test_component_checks_output_values_once_they_resolve(self) -> None:
        import pulumi

        from tests.support import pair_args, plan_components
        from vnet2vnet import VnetToVnetPair, VnetToVnetPairArgs
        from vnet2vnet.engine import ProgramError

        def program() -> None:
            args = pair_args()
            args["vnets"][1]["gateway_subnet_prefix"] = pulumi.Output.from_input("172.16.31.224/28")
            VnetToVnetPair("corp", VnetToVnetPairArgs(**args))  # type: ignore[typeddict-item]

        with pytest.raises(ProgramError, match=r"vnets\[1\]\.gateway_subnet_prefix: /28 is too small"):
            plan_components(program)

    def test_component_output_values_that_pass_reach_the_resources(self) -> None:
        import pulumi

        from tests.support import GATEWAY, SUBNET, pair_args, plan_components
        from vnet2vnet import VnetToVnetPair, VnetToVnetPairArgs

        def program() -> None:
            args = pair_args()
            args["vnets"][0]["location"] = pulumi.Output.from_input("northeurope")
            args["vnets"][0]["gateway_subnet_prefix"] = pulumi.Output.from_input("172.16.15.0/27")
            VnetToVnetPair("corp", VnetToVnetPairArgs(**args))  # type: ignore[typeddict-item]

        plan = plan_components(program)
        gateway = next(r for r in plan.of_type(GATEWAY) if r.name == "corp-hq-gw")
        assert gateway.inputs["location"] == "northeurope"
        subnet = next(r for r in plan.of_type(SUBNET) if r.name == "corp-hq-gateway-subnet")
        assert subnet.inputs["addressPrefix"] == "172.16.15.0/27"

    def test_cli_prints_every_finding_and_exits_non_zero_without_traceback(self, tmp_path: Any) -> None:
        import yaml

        from tests.support import PROJECT_DIR
        from tests.test_cli import run_cli

        (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
        (tmp_path / "__main__.py").write_text((PROJECT_DIR / "__main__.py").read_text())
        stack = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())
        stack["config"]["vnet2vnet:gateway"] = {"sku": "VpnGw1", "skuu": 1}
        stack["config"]["vnet2vnet:vnets"][1]["gatewaySubnetPrefix"] = "10.20.255.1/27"
        (tmp_path / "Pulumi.bad.yaml").write_text(yaml.safe_dump(stack))
        result = run_cli("plan", "--stack", "bad", "--project-dir", str(tmp_path))
        assert result.returncode == 1
        for expected in (
            "vnet2vnet:gateway.skuu",
            "did you mean 'sku'",
            "vnet2vnet:vnets[1].gatewaySubnetPrefix",
            "fix:",
        ):
            assert expected in result.stderr, f"{expected!r} missing from:\n{result.stderr}"
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_shipped_stacks_have_no_findings(stack: str) -> None:
    from tests.support import PROJECT_DIR
    from vnet2vnet.engine import load_stack_config

    _, config = load_stack_config(PROJECT_DIR, stack)
    raw = {k.split(":", 1)[1]: v for k, v in config.values.items() if k.startswith("vnet2vnet:")}
    _, findings = stack_findings(raw, "vnet2vnet")
    assert findings == [], [str(f.rendered("config")) for f in findings]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=48, max_value=128), st.booleans())
def test_any_ipv6_subnet_prefix_is_one_error_naming_the_64_rule(length: int, dual_stack: bool) -> None:
    """Whatever its length, and whether or not the VNet has an IPv6 space: one error at the prefix, which says
    Azure needs IPv4 in every subnet and IPv6 subnets are /64, and names the length when it is not /64."""
    import ipaddress

    prefix = str(ipaddress.ip_network(("fd00:10::", length)))
    spaces = ["10.10.0.0/16", "fd00:10::/48"] if dual_stack else ["10.10.0.0/16"]
    findings = findings_for(changed(vnet(0, addressSpaces=spaces, subnets=[{"name": "app", "prefix": prefix}])))
    assert [(f.severity, f.path) for f in findings] == [("error", "vnet2vnet:vnets[0].subnets[0].prefix")], findings
    (finding,) = findings
    assert "Azure needs an IPv4 prefix in every subnet" in finding.message, finding
    assert "IPv6 subnets are exactly /64" in finding.message, finding
    assert (f"this one is /{length}" in finding.message) == (length != 64), finding
