"""Regions: a location Azure has, and the resources a gateway or a connection references in its own region.

A resource's location is its body's `location`, else its resource group's (azure-native fills the group's location in
when a resource leaves it unset); a record's is its inputs' `location`, else the record's own (a seeded one), else
its resource group's. ARM compares location names ignoring case and spaces ("westeurope", "West Europe")."""

from __future__ import annotations

from typing import Any

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.azure import CONNECTION, GATEWAY, PUBLIC_IP, RG, VNET
from vnet2vnet.emulator.rules import Refused, Request, rule

# Azure's public regions by programmatic name: the emulator's own list, from the regions list
# (https://learn.microsoft.com/azure/reliability/regions-list, MicrosoftDocs/reliability-docs
# articles/reliability/regions-list.md, ms.date 09/23/2025), access-restricted regions included (a subscription may
# be granted them). It goes stale as Azure opens regions: add a region here when Azure lists it.
REGIONS_DOC = "https://learn.microsoft.com/azure/reliability/regions-list"
REGIONS_LIST_DATE = "2025-09-23"
PUBLIC_REGIONS = frozenset(
    {
        "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast",
        "belgiumcentral", "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast", "centralindia",
        "centralus", "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral", "francesouth",
        "germanynorth", "germanywestcentral", "indonesiacentral", "israelcentral", "italynorth", "japaneast",
        "japanwest", "koreacentral", "koreasouth", "malaysiawest", "mexicocentral", "newzealandnorth",
        "northcentralus", "northeurope", "norwayeast", "norwaywest", "polandcentral", "qatarcentral",
        "southafricanorth", "southafricawest", "southcentralus", "southindia", "southeastasia", "spaincentral",
        "swedencentral", "switzerlandnorth", "switzerlandwest", "uaecentral", "uaenorth", "uksouth", "ukwest",
        "westcentralus", "westeurope", "westindia", "westus", "westus2", "westus3",
    }
)  # fmt: skip
# Regions ARM lists in its own errors but the regions list does not (executable-docs #74, 2024).
ARM_LISTED_REGIONS = frozenset({"jioindiawest", "centraluseuap", "eastus2euap"})
KNOWN_REGIONS = PUBLIC_REGIONS | ARM_LISTED_REGIONS

UNKNOWN_LOCATION_SOURCE = (
    f"{REGIONS_DOC} (list of {REGIONS_LIST_DATE}); https://github.com/MicrosoftDocs/azure-docs/pull/4981"
)
UNKNOWN_GROUP_LOCATION_SOURCE = (
    f"{REGIONS_DOC} (list of {REGIONS_LIST_DATE}); https://github.com/MicrosoftDocs/executable-docs/issues/74"
)
# NRP's answer to a reference across regions (microsoft/CromwellOnAzure #231, a NIC and its subnet; the gateway,
# public IP and connection cases: MicrosoftLearning/AZ-700 #301 and #307).
SAME_REGION_SOURCE = (
    "https://github.com/microsoft/CromwellOnAzure/issues/231; "
    "https://github.com/MicrosoftLearning/AZ-700-Designing-and-Implementing-Microsoft-Azure-Networking-Solutions/issues/301"
)
CONNECTION_REGION_SOURCE = "https://github.com/MicrosoftLearning/AZ-700-Designing-and-Implementing-Microsoft-Azure-Networking-Solutions/issues/307"
LOCATED_TYPES = (VNET, PUBLIC_IP, GATEWAY, CONNECTION)  # a subnet has no location (SPEC: Subnet is a SubResource)


def normal(location: Any) -> str:
    """A location as ARM compares it: lower case, without spaces."""
    return "".join(str(location or "").split()).lower()


def group_location(state: dict[str, Any], resource_id: str) -> str:
    group = azure.find(state, azure.resource_group_id(resource_id))
    if group is None:
        return ""
    return normal(group["inputs"].get("location") or group.get("location"))


def request_location(request: Request) -> str:
    """Where the resource of a request is: its body's location, else its resource group's."""
    return normal(request.body.get("location")) or group_location(request.state, request.rid)


def record_location(state: dict[str, Any], record: dict[str, Any] | None) -> str:
    """Where a resource Azure holds is ("" when unknown)."""
    if record is None:
        return ""
    if record["type"] == azure.SUBNET:
        return record_location(state, azure.find(state, azure.parent_id(record["id"])))
    return normal(record["inputs"].get("location") or record.get("location")) or group_location(state, record["id"])


def _available() -> str:
    return ",".join(sorted(KNOWN_REGIONS))


# ------------------------------------------------------------------------------------------ location changes
# ARM's own answer to a PUT over an existing resource in another location, given before the resource provider looks
# at the body (so before the same-region rules below).

LOCATION_SOURCE = (
    "https://github.com/MicrosoftDocs/azure-docs/issues/70422; "
    "https://github.com/fortinetsolutions/Azure-Templates/issues/8"
)
GROUP_LOCATION_SOURCE = (
    "https://github.com/Azure/azure-cli/issues/22242; https://github.com/trailofbits/algo/issues/1814"
)


@rule(
    "resource-group-location-unchanged",
    (RG,),
    "InvalidResourceGroupLocation",
    "a PUT of an existing resource group with another location",
    GROUP_LOCATION_SOURCE,
    status=409,
    verbs=("update",),
    validated_by="by construction: azure-native replaces a resource group whose location changes",
)
def _group_location_unchanged(request: Request) -> None:
    before, after = record_location(request.state, request.old), request_location(request)
    if before and after and before != after:
        raise Refused(
            f"Invalid resource group location '{request.body.get('location')}'. The Resource group already exists in "
            f"location '{before}'."
        )


@rule(
    "location-unchanged",
    LOCATED_TYPES,
    "InvalidResourceLocation",
    "a PUT of an existing VNet, public IP, gateway or connection with another location",
    LOCATION_SOURCE,
    verbs=("update",),
    validated_by="",  # azure-native replaces a VNet or public IP, but updates a gateway or connection in place
)
def _location_unchanged(request: Request) -> None:
    before, after = record_location(request.state, request.old), request_location(request)
    if before and after and before != after:
        group = request.rid.split("/")[4] if len(request.rid.split("/")) > 4 else ""
        raise Refused(
            f"The resource '{request.rid.rsplit('/', 1)[-1]}' already exists in location '{before}' in resource group "
            f"'{group}'. A resource with the same name cannot be created in location '{after}'. Please select a new "
            "resource name."
        )


# ------------------------------------------------------------------------------------------ known locations


@rule(
    "resource-group-location-known",
    (RG,),
    "LocationNotAvailableForResourceGroup",
    "a resource group in a location Azure does not have (`mars`)",
    UNKNOWN_GROUP_LOCATION_SOURCE,
    validated_by="topology: location is a known Azure region (a near miss: error; otherwise a warning)",
)
def _resource_group_location(request: Request) -> None:
    location = request.body.get("location")
    if location is not None and normal(location) not in KNOWN_REGIONS:
        raise Refused(
            f"The provided location '{location}' is not available for resource group. List of available regions "
            f"is '{_available()}'."
        )


@rule(
    "location-known",
    LOCATED_TYPES,
    "LocationNotAvailableForResourceType",
    "a VNet, public IP, gateway or connection in a location Azure does not have (`mars`)",
    UNKNOWN_LOCATION_SOURCE,
    validated_by="topology: location is a known Azure region (a near miss: error; otherwise a warning)",
)
def _location_known(request: Request) -> None:
    location = request.body.get("location")
    if location is not None and normal(location) not in KNOWN_REGIONS:
        arm_type = azure.RESOURCE_TYPES[request.type_token].arm_type
        raise Refused(
            f"The provided location '{location}' is not available for resource type '{arm_type}'. List of "
            f"available regions for the resource type is '{_available()}'."
        )


def _not_in_region(referenced: str, rid: str) -> Refused:
    return Refused(
        f"Resource {referenced} referenced by resource {rid} was not found. Please make sure that the referenced "
        "resource exists, and that both resources are in the same region."
    )


@rule(
    "gateway-in-vnet-region",
    (GATEWAY,),
    "InvalidResourceReference",
    "a gateway in another region than its VNet (the code observed for a NIC and its subnet, assumed for a gateway)",
    SAME_REGION_SOURCE,
    validated_by="by construction: a VNet's gateway is created in the VNet's location",
)
def _gateway_in_vnet_region(request: Request) -> None:
    _configurations_in_region(request, "subnet")


@rule(
    "public-ip-in-gateway-region",
    (GATEWAY,),
    "InvalidResourceReference",
    "a gateway whose public IP is in another region (checked on the gateway's PUT; code assumed, as for a subnet)",
    SAME_REGION_SOURCE,
    validated_by="by construction: a gateway's public IPs are created in its VNet's location",
)
def _public_ip_in_gateway_region(request: Request) -> None:
    _configurations_in_region(request, "publicIPAddress")


def _configurations_in_region(request: Request, reference: str) -> None:
    """Each IP configuration's `reference` (its subnet, its public IP) is in the gateway's region."""
    here = request_location(request)
    for config in request.body.get("ipConfigurations") or []:
        referenced = azure.ref(config.get(reference))
        there = record_location(request.state, azure.find(request.state, referenced))
        if here and there and here != there:
            raise _not_in_region(referenced, request.rid)


@rule(
    "connection-in-gateway1-region",
    (CONNECTION,),
    "InvalidResourceReference",
    "a connection in another region than its virtualNetworkGateway1 (virtualNetworkGateway2 may be anywhere; code "
    "assumed, as for a subnet)",
    f"{CONNECTION_REGION_SOURCE}; {SAME_REGION_SOURCE}",
    validated_by="by construction: a connection is created in its local VNet's location",
)
def _connection_in_gateway_region(request: Request) -> None:
    gateway_id = azure.ref(request.body.get("virtualNetworkGateway1"))
    here = request_location(request)
    there = record_location(request.state, azure.find(request.state, gateway_id))
    if here and there and here != there:
        raise _not_in_region(gateway_id, request.rid)
