"""Resource names: their length and characters, per type, as ARM and the network provider check them on create.

Source: Azure's naming rules (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules),
where "alphanumeric" means a-z, A-Z and 0-9, while a resource group's "letters or digits" are Unicode ones
(Char.IsLetterOrDigit). The emulator's own table, not vnet2vnet's naming policy."""

from __future__ import annotations

import re

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.azure import CONNECTION, GATEWAY, PUBLIC_IP, RG, SUBNET, VNET
from vnet2vnet.emulator.rules import Refused, Request, rule

NAMES_DOC = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules"
# The codes as ARM answered them: azure-cli #14481 (a resource group), rh-mobb/documentation #204 (a network
# resource: "The name can be up to 80 characters long. It must begin with a word character, and it must end with a
# word character or with '_'. The name may contain word characters or '.', '-', '_'.").
RG_NAME_SOURCE = f"{NAMES_DOC}; https://github.com/Azure/azure-cli/issues/14481"
NETWORK_NAME_SOURCE = f"{NAMES_DOC}; https://github.com/rh-mobb/documentation/pull/204"

RG_MAX_LENGTH = 90
RG_PUNCTUATION = frozenset("_-.()")

# Microsoft.Network (NAMES_DOC, "Microsoft.Network" table): (shortest, longest) per type; every one of them takes
# "Alphanumerics, underscores, periods, and hyphens. Start with alphanumeric. End alphanumeric or underscore."
NETWORK_NAME_LENGTHS: dict[str, tuple[int, int]] = {
    VNET: (2, 64),
    SUBNET: (1, 80),
    PUBLIC_IP: (1, 80),
    GATEWAY: (1, 80),
    CONNECTION: (1, 80),
}
NETWORK_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?")


def name_of(request: Request) -> str:
    return request.rid.rstrip("/").rsplit("/", 1)[-1]


@rule(
    "resource-group-name",
    (RG,),
    "InvalidResourceGroup",
    "a resource group name of 0 or more than 90 characters, with characters other than letters, digits, "
    "`_ - . ( )`, or ending with `.`",
    RG_NAME_SOURCE,
    verbs=("create",),
    validated_by="names: resourceGroupName (1-90 letters, digits, _ ( ) - ., not ending with .)",
)
def _resource_group_name(request: Request) -> None:
    name = name_of(request)
    invalid = sorted({c for c in name if not (c.isalnum() or c in RG_PUNCTUATION)})
    if invalid:
        raise Refused(
            f"The provided resource group name '{name}' has these invalid characters: '{''.join(invalid)}'. "
            "The name can only be a letter, digit, '-', '.', '(', ')' or '_'."
        )
    if not 1 <= len(name) <= RG_MAX_LENGTH or name.endswith("."):
        raise Refused(
            f"Resource group name '{name}' is invalid: it must be 1-{RG_MAX_LENGTH} characters long and must not "
            f"end with a period ({NAMES_DOC})."
        )


@rule(
    "network-resource-name",
    tuple(NETWORK_NAME_LENGTHS),
    "InvalidResourceName",
    "a VNet name outside 2-64 characters, a subnet, public IP, gateway or connection name outside 1-80; any of "
    "them with characters other than letters, digits, `_ . -`, not starting with a letter or digit, or not ending "
    "with a letter, digit or `_` (the code observed for a network resource, assumed for a VNet)",
    NETWORK_NAME_SOURCE,
    verbs=("create",),
    validated_by="names: subnet names, and each derived Azure name within Azure's limit",
)
def _network_resource_name(request: Request) -> None:
    name = name_of(request)
    shortest, longest = NETWORK_NAME_LENGTHS[request.type_token]
    if not shortest <= len(name) <= longest or NETWORK_NAME.fullmatch(name) is None:
        raise Refused(
            f"Resource name {name} is invalid. The name can be {shortest}-{longest} characters long. It must begin "
            "with a letter or digit, and it must end with a letter, digit or with '_'. The name may contain "
            f"letters, digits or '.', '-', '_' ({azure.RESOURCE_TYPES[request.type_token].arm_type}, {NAMES_DOC})."
        )
