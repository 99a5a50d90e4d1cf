"""Two opinions on every config: our validation (what `plan` refuses) against the strict emulator's Azure (what Azure,
as emulated from its documents, refuses or never connects), over random stack configs.

A generated config is a stack's `vnet2vnet:*` keys (with, for brownfield, a seed of what already exists). Each one
runs once on the mock runtime through the stack program's own validation (`checks.stack_findings`, reads of
existing resources included), then, valid or not, the components build the parsed spec as it is (validation
bypassed) and every request goes, in the plan's order, to the emulator's Azure (`engine.AzureMocks`), which records
the first rule refusing each request; last, each link's two connections are checked for what makes Azure accept
them and never connect (`emulator.azure.link_rule`). The verdicts:

- agree: both accept, or both refuse;
- wrong accept: validation accepts, Azure refuses (a user would lose a deployment): must never happen;
- over-strict: validation refuses, Azure accepts: allowed only where our rule follows an Azure document
  (`CITED_OVER_STRICT`), otherwise a finding;
- unexpressed: validation refuses a config the program cannot even send (parse errors: a string where a number
  goes), so Azure has no opinion.

The generator (`generate`) builds valid pairs, meshes, hub-and-spokes and brownfield hubs with every option the
config has, and with probability `MUTATION_RATE` applies one of the mistakes users make (`MUTATIONS`), each aimed at
one of Azure's rules. `bench/differential.py` runs it and prints the counts; a seeded sample also runs `up` on the
real engine against the emulator (`engine_verdict`).
"""

from __future__ import annotations

import json
import random
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vnet2vnet import azure_facts
from vnet2vnet.emulator.rules import PUT, STATUS, Rule, all_rules
from vnet2vnet.findings import CONFIG_NAMESPACE, Finding, errors_in

KINDS = ("pair", "mesh", "hub-and-spoke", "brownfield")
MUTATION_RATE = 0.85
PROJECT = CONFIG_NAMESPACE

# Regions the generator picks: with zones, and without (azure_facts.region_has_zones agrees).
ZONED_REGIONS = ("westeurope", "northeurope", "swedencentral", "eastus", "eastus2", "westus2", "japaneast", "uksouth")
UNZONED_REGIONS = ("westus", "northcentralus", "ukwest", "canadaeast")
AZ_SKUS = ("VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ")
# Valid custom policies (GCM pairs and the SHA family), and the protocols.
POLICIES = (
    {
        "saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000, "ipsecEncryption": "GCMAES256",
        "ipsecIntegrity": "GCMAES256", "ikeEncryption": "GCMAES256", "ikeIntegrity": "SHA384", "dhGroup": "DHGroup24",
        "pfsGroup": "PFS24",
    },
    {
        "saLifeTimeSeconds": 3600, "saDataSizeKilobytes": 0, "ipsecEncryption": "AES256", "ipsecIntegrity": "SHA256",
        "ikeEncryption": "AES256", "ikeIntegrity": "SHA256", "dhGroup": "DHGroup14", "pfsGroup": "PFS2048",
    },
)  # fmt: skip
BROWNFIELD_SUBSCRIPTION = "2f0c3a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
BROWNFIELD_GROUP = f"/subscriptions/{BROWNFIELD_SUBSCRIPTION}/resourceGroups/hub-network-rg"
BROWNFIELD_HUB_SPACE = "10.60.0.0/16"  # the existing hub VNet's address space


@dataclass
class GeneratedConfig:
    """One random stack: `config` is its `vnet2vnet:*` keys without the namespace, `seed` what exists already."""

    index: int
    kind: str
    config: dict[str, Any]
    seed: list[dict[str, Any]] = field(default_factory=list)
    mutation: str = ""  # the mistake applied (MUTATIONS), or "" for a config built valid

    def raw(self) -> dict[str, str]:
        """The config as the engine passes it to the program: each key a string (objects as JSON)."""
        return {
            f"{CONFIG_NAMESPACE}:{key}": value if isinstance(value, str) else json.dumps(value)
            for key, value in self.config.items()
        }

    def stack_document(self) -> dict[str, Any]:
        """A Pulumi.<stack>.yaml document with this config."""
        return {"config": {f"{CONFIG_NAMESPACE}:{key}": value for key, value in self.config.items()}}


# ---------------------------------------------------------------------------------------------- the generator


def _vnet(index: int, location: str, rng: random.Random) -> dict[str, Any]:
    vnet: dict[str, Any] = {
        "name": f"v{index}",
        "location": location,
        "addressSpaces": [f"10.{index + 1}.0.0/16"],
        "gatewaySubnetPrefix": f"10.{index + 1}.255.0/27",
    }
    if rng.random() < 0.4:
        vnet["subnets"] = [{"name": "workload", "prefix": f"10.{index + 1}.0.0/24"}]
    return vnet


def _valid_gateway(rng: random.Random, zoned: bool) -> dict[str, Any]:
    sku = rng.choice(AZ_SKUS)
    gateway: dict[str, Any] = {"sku": sku}
    if rng.random() < 0.5:
        gateway["generation"] = rng.choice(azure_facts.GATEWAY_SKUS[sku].generations)
    if rng.random() < 0.4:
        gateway["activeActive"] = True
    if zoned and rng.random() < 0.3:
        gateway["zones"] = rng.choice((["1", "2", "3"], ["2"]))
    if rng.random() < 0.2:
        gateway["protect"] = True
    return gateway


def _valid_connection(rng: random.Random) -> dict[str, Any]:
    connection: dict[str, Any] = {}
    if rng.random() < 0.3:
        connection["dpdTimeoutSeconds"] = rng.choice((9, 45, 3600))
    if rng.random() < 0.3:
        connection["ipsecPolicy"] = dict(rng.choice(POLICIES))
    if rng.random() < 0.2:
        connection["sharedKeyLength"] = rng.choice((32, 96, 128))
    if rng.random() < 0.2:
        connection["connectionProtocol"] = "IKEv2"
    return connection


def _links(names: list[str], topology: str, hub: str) -> list[tuple[str, str]]:
    if topology == "hub-and-spoke":
        return [(hub, name) for name in names if name != hub]
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]


def _brownfield_seed(location: str, sku: str, asn: int | None) -> list[dict[str, Any]]:
    """An existing hub VNet with its GatewaySubnet and a route-based gateway, as examples/brownfield/existing.yaml."""
    vnet = f"{BROWNFIELD_GROUP}/providers/Microsoft.Network/virtualNetworks/hub-vnet"
    ip = f"{BROWNFIELD_GROUP}/providers/Microsoft.Network/publicIPAddresses/hub-vpngw-ip"
    gateway_inputs: dict[str, Any] = {
        "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": sku, "tier": sku},
        "vpnGatewayGeneration": "Generation1" if sku == "VpnGw1AZ" else "Generation2", "activeActive": False,
        "enableBgp": asn is not None,
        "ipConfigurations": [{
            "name": "default", "privateIPAllocationMethod": "Dynamic",
            "subnet": {"id": f"{vnet}/subnets/GatewaySubnet"}, "publicIPAddress": {"id": ip},
        }],
    }  # fmt: skip
    if asn is not None:
        gateway_inputs["bgpSettings"] = {"asn": asn}
    return [
        {"id": BROWNFIELD_GROUP, "type": "azure-native:resources:ResourceGroup", "location": location},
        {
            "id": vnet, "type": "azure-native:network:VirtualNetwork", "location": location,
            "inputs": {"addressSpace": {"addressPrefixes": [BROWNFIELD_HUB_SPACE]}},
        },
        {"id": f"{vnet}/subnets/GatewaySubnet", "type": "azure-native:network:Subnet",
         "inputs": {"addressPrefix": "10.60.255.0/27"}},
        {
            "id": ip, "type": "azure-native:network:PublicIPAddress", "location": location,
            "inputs": {"sku": {"name": "Standard", "tier": "Regional"}, "publicIPAllocationMethod": "Static"},
        },
        {
            "id": f"{BROWNFIELD_GROUP}/providers/Microsoft.Network/virtualNetworkGateways/hub-vpngw",
            "type": "azure-native:network:VirtualNetworkGateway", "location": location, "inputs": gateway_inputs,
        },
    ]  # fmt: skip


def valid_config(index: int, kind: str, rng: random.Random) -> GeneratedConfig:
    """A config of `kind` that every rule accepts: random sizes, regions and options."""
    count = {"pair": 2, "mesh": rng.randint(3, 5), "hub-and-spoke": rng.randint(3, 6), "brownfield": rng.randint(3, 4)}
    zoned = rng.random() < 0.8
    regions = ZONED_REGIONS if zoned else UNZONED_REGIONS
    vnets = [_vnet(i, rng.choice(regions), rng) for i in range(count[kind])]
    config: dict[str, Any] = {"vnets": vnets}
    names = [vnet["name"] for vnet in vnets]
    topology = {"pair": "pair", "mesh": "mesh"}.get(kind, "hub-and-spoke")
    if topology != "pair":
        config["topology"] = topology
    hub = names[0]
    if topology == "hub-and-spoke":
        config["hub"] = hub
    gateway = _valid_gateway(rng, zoned)
    config["gateway"] = gateway
    bgp = rng.random() < 0.35
    seed: list[dict[str, Any]] = []
    if kind == "brownfield":
        hub_asn = 65060 if bgp else None
        seed = _brownfield_seed(vnets[0]["location"], "VpnGw3AZ", hub_asn)
        vnets[0] = {
            "name": hub,
            "subscriptionId": BROWNFIELD_SUBSCRIPTION,
            "existingGatewayId": seed[-1]["id"],
            "existingConnections": rng.randint(0, 4),
        }
    if bgp:
        gateway["enableBgp"] = True
        for number, vnet in enumerate(vnets):
            if "existingGatewayId" not in vnet:
                vnet["bgpAsn"] = 65001 + number
    if rng.random() < 0.25 and kind != "brownfield":
        # A per-VNet gateway over the shared block: the hub (or first VNet) on a bigger SKU.
        vnets[0]["gateway"] = {"sku": "VpnGw3AZ", "generation": "Generation2"}
    connection = _valid_connection(rng)
    if connection:
        config["connection"] = connection
    if rng.random() < 0.3:
        first = _links(names, topology, hub)[0]
        link: dict[str, Any] = {"vnets": list(first), "connection": _valid_connection(rng) or {"dpdTimeoutSeconds": 30}}
        config["links"] = [link]
    if rng.random() < 0.2:
        config["diagnostics"] = {"createWorkspace": True}
        if rng.random() < 0.5:
            config["alerts"] = {"emails": ["netops@example.com"], "windowMinutes": 15}
    if rng.random() < 0.3:
        config["tags"] = {"environment": f"e{index}"}
    return GeneratedConfig(index, kind, config, seed)


# ---------------------------------------------------------------------------------------------- mistakes


Mutation = Callable[[dict[str, Any]], dict[str, Any]]


def _new_vnets(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [vnet for vnet in config["vnets"] if "existingGatewayId" not in vnet and "existingVnetId" not in vnet]


def _first_new(config: dict[str, Any]) -> dict[str, Any]:
    return _new_vnets(config)[0]


def _set_gateway(config: dict[str, Any], **values: Any) -> dict[str, Any]:
    config.setdefault("gateway", {}).update(values)
    for vnet in config["vnets"]:
        vnet.pop("gateway", None)  # the shared block decides
    return config


def _set_connection(config: dict[str, Any], **values: Any) -> dict[str, Any]:
    config.setdefault("connection", {}).update(values)
    config.pop("links", None)
    return config


def _with_policy(config: dict[str, Any], **values: Any) -> dict[str, Any]:
    return _set_connection(config, ipsecPolicy={**POLICIES[1], **values})


def _overlap(config: dict[str, Any]) -> dict[str, Any]:
    """Two VNets a connection joins on one range: the first new VNet and the hub (existing or new), else the next."""
    new = _new_vnets(config)
    if len(new) < len(config["vnets"]):  # an existing hub: a spoke takes its range
        new[0]["addressSpaces"] = [BROWNFIELD_HUB_SPACE]
        new[0]["gatewaySubnetPrefix"] = f"10.{_second_octet(BROWNFIELD_HUB_SPACE)}.255.0/27"
        new[0].pop("subnets", None)
        return config
    new[1]["addressSpaces"] = list(new[0]["addressSpaces"])
    new[1]["gatewaySubnetPrefix"] = new[0]["gatewaySubnetPrefix"]
    new[1].pop("subnets", None)
    return config


def _basic(config: dict[str, Any], **values: Any) -> dict[str, Any]:
    config.pop("diagnostics", None)
    config.pop("alerts", None)
    for vnet in config["vnets"]:
        vnet.pop("bgpAsn", None)
    gateway = {"sku": "Basic", **values}
    config["gateway"] = gateway
    for vnet in config["vnets"]:
        vnet.pop("gateway", None)
    config.pop("connection", None)
    config.pop("links", None)
    return config


def _enable_bgp(config: dict[str, Any], asns: Sequence[int]) -> dict[str, Any]:
    _set_gateway(config, enableBgp=True)
    for vnet, asn in zip(_new_vnets(config), asns, strict=False):
        vnet["bgpAsn"] = asn
    for vnet in _new_vnets(config)[len(asns) :]:
        vnet["bgpAsn"] = 65100 + len(vnet["name"]) + int(vnet["name"][1:])
    return config


def _gateway_subnet(prefix_of: Callable[[str], str]) -> Mutation:
    def mutate(config: dict[str, Any]) -> dict[str, Any]:
        vnet = _first_new(config)
        vnet["gatewaySubnetPrefix"] = prefix_of(vnet["addressSpaces"][0])
        return config

    return mutate


def _second_octet(space: str) -> str:
    return space.split(".")[1]


def _workload(prefix_of: Callable[[str], str]) -> Mutation:
    def mutate(config: dict[str, Any]) -> dict[str, Any]:
        vnet = _first_new(config)
        vnet["subnets"] = [{"name": "workload", "prefix": prefix_of(vnet["addressSpaces"][0])}]
        return config

    return mutate


def _space(space: str) -> Mutation:
    def mutate(config: dict[str, Any]) -> dict[str, Any]:
        vnet = _first_new(config)
        vnet["addressSpaces"] = [*vnet["addressSpaces"], space]
        return config

    return mutate


def _many_spokes(config: dict[str, Any], spokes: int, sku: str) -> dict[str, Any]:
    """A hub with more spokes than its SKU has tunnels for."""
    location = _first_new(config)["location"]
    vnets = [_vnet(i, location, random.Random(i)) for i in range(spokes + 1)]
    for number, vnet in enumerate(vnets):
        vnet["addressSpaces"] = [f"10.{number + 1}.0.0/16"]
        vnet.pop("subnets", None)
    return {"topology": "hub-and-spoke", "hub": "v0", "vnets": vnets, "gateway": {"sku": sku}}


def _location(location: str) -> Mutation:
    def mutate(config: dict[str, Any]) -> dict[str, Any]:
        _first_new(config)["location"] = location
        return config

    return mutate


def _zones_in_unzoned(config: dict[str, Any]) -> dict[str, Any]:
    for vnet in _new_vnets(config):
        vnet["location"] = "westus"
    return _set_gateway(config, sku="VpnGw2AZ", zones=["1", "2", "3"])


def _bgp_without_asns(config: dict[str, Any]) -> dict[str, Any]:
    for vnet in _new_vnets(config):
        vnet.pop("bgpAsn", None)
    return _set_gateway(config, enableBgp=True)


def _subnet_named(name: str) -> Mutation:
    def mutate(config: dict[str, Any]) -> dict[str, Any]:
        vnet = _first_new(config)
        vnet["subnets"] = [{"name": name, "prefix": f"10.{_second_octet(vnet['addressSpaces'][0])}.0.0/24"}]
        return config

    return mutate


def _ipv6_subnet(prefix: str) -> Mutation:
    """A dual-stack VNet (an IPv6 space besides the IPv4 one) with an IPv6 workload subnet of `prefix`."""

    def mutate(config: dict[str, Any]) -> dict[str, Any]:
        vnet = _first_new(config)
        vnet["addressSpaces"] = [*vnet["addressSpaces"], "fd00:db8::/48"]
        vnet["subnets"] = [{"name": "workload6", "prefix": prefix}]
        return config

    return mutate


def _vnet_value(**values: Any) -> Mutation:
    def mutate(config: dict[str, Any]) -> dict[str, Any]:
        _first_new(config).update(values)
        return config

    return mutate


# The mistakes users make, each named after what it breaks (the emulator's rule it aims at, where there is one).
MUTATIONS: dict[str, Mutation] = {
    "overlapping address spaces": _overlap,
    "gateway subnet /28": _gateway_subnet(lambda s: f"10.{_second_octet(s)}.255.0/28"),
    "gateway subnet /29 on an AZ SKU": _gateway_subnet(lambda s: f"10.{_second_octet(s)}.255.0/29"),
    "gateway subnet outside the VNet": _gateway_subnet(lambda s: "192.168.255.0/27"),
    "gateway subnet not canonical": _gateway_subnet(lambda s: f"10.{_second_octet(s)}.255.1/27"),
    "gateway subnet not a CIDR": _gateway_subnet(lambda s: f"10.{_second_octet(s)}.256.0/27"),
    "workload subnet /30": _workload(lambda s: f"10.{_second_octet(s)}.0.0/30"),
    "workload subnet overlaps the gateway subnet": _workload(lambda s: f"10.{_second_octet(s)}.255.0/24"),
    "workload subnet outside the VNet": _workload(lambda s: "192.168.0.0/24"),
    "IPv6 workload subnet outside the VNet": _workload(lambda s: "fd00:db8::/64"),
    "IPv6 workload subnet of /80": _ipv6_subnet("fd00:db8::/80"),
    "multicast address space": _space("224.0.0.0/24"),
    "loopback address space": _space("127.0.0.0/24"),
    "link-local address space": _space("169.254.0.0/24"),
    "Azure's platform address space": _space("168.63.129.16/32"),
    "address spaces overlap within a VNet": lambda c: _space(_first_new(c)["addressSpaces"][0])(c),
    "address space not canonical": _vnet_value(addressSpaces=["10.200.0.1/16"]),
    "unknown region": _location("westeurope2"),
    "zones where the region has none": _zones_in_unzoned,
    "two zones": lambda c: _set_gateway(c, zones=["1", "2"]),
    "zones on a non-AZ SKU": lambda c: _set_gateway(c, sku="VpnGw2", zones=["1"]),
    "non-AZ SKU": lambda c: _set_gateway(c, sku="VpnGw2", zones=[]),
    "legacy SKU": lambda c: _set_gateway(c, sku="HighPerformance"),
    "Generation2 on VpnGw1AZ": lambda c: _set_gateway(c, sku="VpnGw1AZ", generation="Generation2"),
    "Generation1 on VpnGw4AZ": lambda c: _set_gateway(c, sku="VpnGw4AZ", generation="Generation1"),
    "Basic active-active": lambda c: _basic(c, activeActive=True),
    "Basic with BGP": lambda c: _enable_bgp(_basic(c), (65001, 65002)),
    "Basic with a custom policy": lambda c: _with_policy(_basic(c)),
    "Basic with IKEv1": lambda c: _set_connection(_basic(c), connectionProtocol="IKEv1"),
    "Basic gateway subnet /29": lambda c: _gateway_subnet(lambda s: f"10.{_second_octet(s)}.255.0/29")(_basic(c)),
    "reserved ASN 65515": lambda c: _enable_bgp(c, (65515,)),
    "reserved ASN 23456": lambda c: _enable_bgp(c, (23456,)),
    "reserved ASN 65535": lambda c: _enable_bgp(c, (65535,)),
    "equal ASNs": lambda c: _enable_bgp(c, (65010, 65010)),
    "BGP without an ASN": _bgp_without_asns,
    "DPD 8 s": lambda c: _set_connection(c, dpdTimeoutSeconds=8),
    "DPD 3601 s": lambda c: _set_connection(c, dpdTimeoutSeconds=3601),
    "SA lifetime 299 s": lambda c: _with_policy(c, saLifeTimeSeconds=299),
    "SA lifetime 172800 s": lambda c: _with_policy(c, saLifeTimeSeconds=172800),
    "SA data size 1000 KB": lambda c: _with_policy(c, saDataSizeKilobytes=1000),
    "GCM encryption with SHA256 integrity": lambda c: _with_policy(
        c, ipsecEncryption="GCMAES256", ipsecIntegrity="SHA256"
    ),
    "GCM pair of different sizes": lambda c: _with_policy(c, ipsecEncryption="GCMAES128", ipsecIntegrity="GCMAES256"),
    "IKEv1": lambda c: _set_connection(c, connectionProtocol="IKEv1"),
    "eleven spokes on Basic": lambda c: _many_spokes(c, 11, "Basic"),
    "thirty-one spokes on VpnGw1AZ": lambda c: _many_spokes(c, 31, "VpnGw1AZ"),
    "resource group name ending in a dot": _vnet_value(resourceGroupName="network-rg."),
    "subnet name with a slash": _subnet_named("a/b"),
    "VNet name of 70 characters": _vnet_value(name="v" * 70),
}


def generate(count: int, seed: int) -> list[GeneratedConfig]:
    """`count` configs from `seed`, the kinds in turn, a mistake in about MUTATION_RATE of them (each mistake in
    turn, so that every one is made once every len(MUTATIONS) mutated configs)."""
    rng = random.Random(seed)
    mistakes = list(MUTATIONS)
    rng.shuffle(mistakes)
    configs: list[GeneratedConfig] = []
    made = 0
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        generated = valid_config(index, kind, rng)
        if rng.random() < MUTATION_RATE:
            name = mistakes[made % len(mistakes)]
            made += 1
            generated.config = MUTATIONS[name](json.loads(json.dumps(generated.config)))
            generated.mutation = name
        configs.append(generated)
    return configs


# ---------------------------------------------------------------------------------------------- the judges


@dataclass
class Verdict:
    """What each opinion said of one config."""

    config: GeneratedConfig
    findings: list[Finding]  # validation's errors (empty: accepted)
    refusals: list[dict[str, str]]  # Azure's, in the plan's order: {resource, type, id, code, rule, message}
    never_connected: list[dict[str, str]]  # links Azure accepts but never connects: {connection, rule, reason}
    parsed: bool  # the config parsed into a spec the program could send (else: unexpressed)
    program_error: str = ""  # the program failed building a spec it was given (a bug when validation accepted)

    @property
    def validation_refuses(self) -> bool:
        return bool(self.findings)

    @property
    def azure_refuses(self) -> bool:
        return bool(self.refusals or self.never_connected)

    @property
    def rules(self) -> set[str]:
        return {r["rule"] for r in self.refusals} | {c["rule"] for c in self.never_connected}

    @property
    def outcome(self) -> str:
        """agree, wrong accept, over-strict, unexpressed or program error."""
        if self.program_error and not self.validation_refuses:
            return "program error"
        if not self.parsed or (self.program_error and self.validation_refuses):
            return "unexpressed"
        if self.validation_refuses == self.azure_refuses:
            return "agree"
        return "wrong accept" if self.azure_refuses else "over-strict"

    @property
    def refused_by(self) -> str | None:
        """Who stops a deployment of this config first: `vnet2vnet` (our findings), `azure` or None."""
        if self.validation_refuses:
            return "vnet2vnet"
        return "azure" if self.azure_refuses else None


# The stack program's explicit providers for a parsed spec (this repository's `components.side_providers`).
Providers = Callable[[Any], Mapping[str, Any]]


def judge(generated: GeneratedConfig, providers: Providers) -> Verdict:
    """Both opinions on one config, in one run of the mock runtime (see the module's docstring), each VNet given
    the provider the stack program would give it (`providers`)."""
    import pulumi

    from vnet2vnet import VnetMesh, VnetToVnetPair
    from vnet2vnet.checks import CheckedSpec, stack_findings
    from vnet2vnet.components._reads import read_with_invokes
    from vnet2vnet.engine import AzureMocks, ProgramError, run_program
    from vnet2vnet.stack_config import read_raw_stack_config, with_providers

    seen: dict[str, Any] = {"findings": [], "parsed": False, "error": ""}

    def attach(parsed: Any) -> Any:
        return with_providers(parsed, providers(parsed))

    def program() -> None:
        network, findings = stack_findings(read_raw_stack_config(), PROJECT, read=read_with_invokes, attach=attach)
        seen["findings"] = errors_in(findings)
        if network is None:
            return
        seen["parsed"] = True
        if seen["findings"] and not any(vnet.provider is not None for vnet in network.spec.vnets):
            network = network.with_vnets(attach(network.spec).vnets)  # validation attaches them to a valid spec only
        try:
            # Valid or not, the spec as it is: what the program would send if validation let it through.
            if network.spec.topology == "pair":
                VnetToVnetPair.from_checked(PROJECT, CheckedSpec(network))
            else:
                VnetMesh.from_checked(PROJECT, CheckedSpec(network))
        except Exception as failed:  # an invalid spec the components cannot build: reported, not raised
            seen["error"] = f"{type(failed).__name__}: {failed}"
        pulumi.export("done", True)

    mocks = AzureMocks(generated.seed)
    try:
        plan = run_program(program, project=PROJECT, stack="differential", config=generated.raw(), mocks=mocks)
    except ProgramError as failed:
        return Verdict(generated, seen["findings"], [], [], seen["parsed"], program_error=str(failed))
    return Verdict(
        generated,
        seen["findings"],
        list(plan.refusals),
        never_connected(mocks.azure),
        seen["parsed"],
        seen["error"],
    )


def never_connected(state: dict[str, Any]) -> list[dict[str, str]]:
    """Each connection the emulated Azure accepted whose link never connects, with the rule that says why."""
    from vnet2vnet.emulator import azure as emulated

    found = []
    for connection in emulated.of_type(state, emulated.CONNECTION):
        if connection.get("seeded"):
            continue
        reason = emulated.link_rule(state, connection)
        if reason is not None:
            found.append({"connection": connection["id"], "rule": reason[0], "reason": reason[1]})
    return found


# ---------------------------------------------------------------------------------------------- the counts


def reachable_rules() -> list[Rule]:
    """The emulator's rules a config can reach: what Azure refuses of a create (or never connects) that a user's
    config decides. Not: rules of deletes and of changes to what exists (a change, not a config: `rehearse
    --change`), and rules the program meets by construction whatever the config (it always builds RouteBased
    gateways in their VNet's region, one public IP per instance, the same key on both directions ...), which no
    config can break and the component tests prove."""
    return [
        candidate
        for candidate in all_rules()
        if candidate.enforced
        and candidate.when in (PUT, STATUS)
        and "create" in candidate.verbs
        and candidate.validated_by
        and not candidate.validated_by.startswith("by construction")
    ]


# Over-strict refusals we keep on purpose: validation refuses what the emulated Azure accepts because an Azure
# document says the config will not work (or is deprecated), though no API call refuses it. Each: a pattern of the
# finding's key path, one of its message, and the document.
@dataclass(frozen=True)
class CitedRefusal:
    path: str  # a regular expression over the rendered key path
    message: str  # a regular expression over the message
    source: str


CITED_OVER_STRICT: tuple[CitedRefusal, ...] = (
    CitedRefusal(
        r"bgpAsn$",
        r"^ASN 65515 is reserved by Azure",
        # The FAQ lists 65515 among the private ASNs reserved by Azure; it is also every gateway's default ASN, so a
        # VNet-to-VNet peer given it equals any gateway left on the default, and connected gateways need different
        # ASNs (BGP how-to). The emulator accepts it on a gateway, as Azure does.
        "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#bgp",
    ),
    CitedRefusal(
        r"bgpAsn$",
        r"^BGP is enabled but VNet .* has no ASN",
        # Every gateway has ASN 65515 by default, and connected gateways must have different ASNs: a VNet without
        # one could only ever peer with gateways that have one. Asking for every ASN keeps the plan readable.
        "https://learn.microsoft.com/azure/vpn-gateway/bgp-howto",
    ),
    CitedRefusal(
        r"bgpAsn$",
        r"AS path holds its own ASN",
        # Two spokes of a hub on one ASN: Azure accepts both, but BGP transit through the hub drops each one's
        # routes at the other (eBGP loop prevention; the FAQ: Azure gateways advertise learned routes to their
        # other BGP peers, and each VNet needs its own ASN).
        "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#bgp; "
        "https://learn.microsoft.com/azure/vpn-gateway/bgp-howto",
    ),
    CitedRefusal(
        r"addressSpaces\[\d+\]$",
        r"both are linked to '.*', whose gateway would route one range to two VNets",
        # Two spokes of one hub with the same range: Azure accepts both links (the spokes are not linked to each
        # other), but the hub's gateway learns the range from two connections; the FAQ forbids overlapping spaces
        # between VNets a gateway connects.
        "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq#vnet-to-vnet",
    ),
    CitedRefusal(
        r"zones$",
        r"zones: a public IP is in one zone or in all of the region's zones",
        # A public IP is zonal or zone-redundant; Azure makes a two-zone request zone-redundant, and the next
        # refresh wants to replace it (hashicorp/terraform-provider-azurerm#16470). The emulator accepts the request.
        "https://learn.microsoft.com/azure/virtual-network/ip-services/public-ip-addresses#availability-zone; "
        "https://github.com/hashicorp/terraform-provider-azurerm/issues/16470",
    ),
)


def citation(finding: Finding) -> str | None:
    rendered = finding.rendered("config")
    for cited in CITED_OVER_STRICT:
        if re.search(cited.path, rendered.path) and re.search(cited.message, rendered.message):
            return cited.source
    return None


@dataclass
class Summary:
    verdicts: list[Verdict]
    seconds: float = 0.0

    def kinds(self) -> Counter[str]:
        return Counter(v.config.kind for v in self.verdicts)

    def outcomes(self) -> Counter[str]:
        return Counter(v.outcome for v in self.verdicts)

    def of(self, outcome: str) -> list[Verdict]:
        return [v for v in self.verdicts if v.outcome == outcome]

    @property
    def uncited_over_strict(self) -> list[Verdict]:
        return [v for v in self.of("over-strict") if not all(citation(f) for f in v.findings)]

    def refusals_by_rule(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for verdict in self.verdicts:
            counts.update(verdict.rules)
        return {candidate.id: counts[candidate.id] for candidate in reachable_rules()}

    @property
    def unreached(self) -> list[str]:
        return [rule_id for rule_id, count in self.refusals_by_rule().items() if count == 0]

    @property
    def ok(self) -> bool:
        return not (self.of("wrong accept") or self.of("program error") or self.uncited_over_strict or self.unreached)

    def last_line(self) -> str:
        return (
            f"differential: {len(self.verdicts)} configs, {len(self.of('wrong accept'))} wrong accepts, "
            f"{len(self.uncited_over_strict)} over-strict, {len(self.unreached)} rules unreached"
        )


def describe(verdict: Verdict) -> str:
    """One line: the config, what each side said."""
    generated = verdict.config
    said = [f"#{generated.index} {generated.kind}" + (f" ({generated.mutation})" if generated.mutation else "")]
    if verdict.findings:
        first = verdict.findings[0].rendered("config")
        said.append(f"validation: {first.path}: {first.message}")
    if verdict.refusals:
        said.append(f"azure: {verdict.refusals[0]['rule']}: {verdict.refusals[0]['message']}")
    if verdict.never_connected:
        said.append(f"azure: never connects: {verdict.never_connected[0]['rule']}")
    if verdict.program_error:
        said.append(f"program: {verdict.program_error[:200]}")
    return "; ".join(said)


# ---------------------------------------------------------------------------------------------- the real engine

# The files the stack program runs with (the project's own, copied; the package is imported from beside it).
PROGRAM_FILES = ("Pulumi.yaml", "__main__.py", "requirements.txt", "components", "vnet2vnet")
ENGINE_CLOCK_SCALE = 1 / 1200  # a 45-minute gateway in 2.25 s: the verdict does not depend on the clock


def program_copy(project_dir: Path, destination: Path) -> Path:
    """A new project folder with this repository's stack program (PROGRAM_FILES) and no stack file."""
    destination.mkdir(parents=True)
    for name in PROGRAM_FILES:
        source = project_dir / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, destination / name)
    return destination


def engine_sample(verdicts: Sequence[Verdict], share: float) -> list[Verdict]:
    """A seeded share of the configs (at least 3, every kind, both verdicts), the same for the same verdicts: every
    kind's first accepted and first refused config, then every n-th."""
    wanted = max(3, round(len(verdicts) * share))
    expressed = [v for v in verdicts if v.outcome in ("agree", "wrong accept", "over-strict")]
    chosen: list[Verdict] = []
    for kind in KINDS:
        for refused in (False, True):
            first = next((v for v in expressed if v.config.kind == kind and v.validation_refuses == refused), None)
            if first is not None and first not in chosen:
                chosen.append(first)
    step = max(1, len(expressed) // max(1, wanted - len(chosen)))
    chosen += [v for v in expressed[::step] if v not in chosen]
    return sorted(chosen[: max(wanted, min(len(chosen), 2 * len(KINDS)))], key=lambda v: v.config.index)


def engine_verdicts(
    sample: Sequence[Verdict], *, say: Callable[[str], None], project_dir: Path | None = None
) -> list[tuple[Verdict, str | None]]:
    """`up` of each sampled config on the real engine against the emulator: who stopped it (`vnet2vnet`, `azure`)
    or None when it deployed and every link connects."""
    from vnet2vnet.pulumi_cli import find_cli

    cli = find_cli(say=say)
    root = project_dir or Path(__file__).resolve().parent.parent
    return [(verdict, engine_verdict(verdict.config, cli, root, say)) for verdict in sample]


def engine_verdict(generated: GeneratedConfig, cli: Any, project_dir: Path, say: Callable[[str], None]) -> str | None:
    from vnet2vnet.rehearse import Rehearsal, azure_errors
    from vnet2vnet.spec_check import find_spec_dir

    with tempfile.TemporaryDirectory(prefix="vnet2vnet-differential-") as scratch:
        project = program_copy(project_dir, Path(scratch) / "source")
        stack = f"diff{generated.index}"
        (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(generated.stack_document(), sort_keys=False))
        seed_file = None
        if generated.seed:
            seed_file = Path(scratch) / "seed.yaml"
            seed_file.write_text(yaml.safe_dump({"resources": generated.seed}, sort_keys=False))
        rehearsal = Rehearsal(
            project, stack, cli, Path(scratch) / "run", ENGINE_CLOCK_SCALE, seed_file, find_spec_dir(project_dir),
            say=say,
        )  # fmt: skip
        rehearsal.prepare()
        result = rehearsal.step("up", "up", lambda result: [])
        if "error" in result:
            if azure_errors(result.get("diagnostics") or []):
                return "azure"
            if "invalid stack configuration" in str(result["error"]):
                return "vnet2vnet"
            return f"error: {str(result['error']).strip().splitlines()[-1][:200]}"
        return "azure" if never_connected(rehearsal.store.read()) else None
