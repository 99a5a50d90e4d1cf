"""How long Azure takes, as the emulator models it: its own table, written from Microsoft's documents, separate from
vnet2vnet's schedule (`azure_facts.TYPICAL_DURATIONS`), so that a rehearsal's makespan ratio compares two models
instead of one model with itself.

Minutes per (resource type, verb). Where Microsoft gives a figure it is quoted; elsewhere the figure is the
emulator's estimate, marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass

from vnet2vnet.emulator.azure import (
    ACTION_GROUP,
    CONNECTION,
    DIAGNOSTIC_SETTING,
    GATEWAY,
    METRIC_ALERT,
    PUBLIC_IP,
    RG,
    SCHEDULED_QUERY_RULE,
    SUBNET,
    VNET,
    WORKSPACE,
)

GATEWAY_SETTINGS_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings"
VNET_TO_VNET_PS_DOC = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vnet-vnet-rm-ps"
FIREWALL_HYBRID_DOC = "https://learn.microsoft.com/azure/firewall/tutorial-hybrid-portal"


@dataclass(frozen=True)
class Duration:
    minutes: float
    source: str
    estimated: bool = False


_GATEWAY_BUILD = Duration(45, f"{GATEWAY_SETTINGS_DOC}: gateways 'often take 45 minutes or more'")
_GATEWAY_DELETE = Duration(15, "a gateway delete: not documented (estimated: a third of a build)", estimated=True)
_ARM_WRITE = Duration(1, "a plain ARM write: about a minute (estimated)", estimated=True)
_RESOURCE_GROUP = Duration(0.5, "a resource group: well under a minute (estimated)", estimated=True)
_MONITORING = Duration(0, "Azure Monitor and Log Analytics configuration: seconds (estimated)", estimated=True)

DURATIONS: dict[tuple[str, str], Duration] = {
    (GATEWAY, "create"): _GATEWAY_BUILD,
    (GATEWAY, "update"): _GATEWAY_BUILD,
    (GATEWAY, "delete"): _GATEWAY_DELETE,
    # "Creating a connection can take a short while to complete" (VNET_TO_VNET_PS_DOC); the link is Connected
    # "after about five minutes or so" (FIREWALL_HYBRID_DOC): the write, then Connecting for the rest
    # (azure.CONNECTING_MINUTES).
    (CONNECTION, "create"): Duration(2, f"{VNET_TO_VNET_PS_DOC}: 'a short while' (estimated: 2 min)", estimated=True),
    (CONNECTION, "update"): Duration(2, f"{VNET_TO_VNET_PS_DOC}: as a create (estimated)", estimated=True),
    (CONNECTION, "delete"): Duration(2, "a connection delete: not documented (estimated)", estimated=True),
    **{(kind, verb): _ARM_WRITE for kind in (VNET, SUBNET, PUBLIC_IP) for verb in ("create", "update", "delete")},
    **{(RG, verb): _RESOURCE_GROUP for verb in ("create", "update", "delete")},
    **{
        (kind, verb): _MONITORING
        for kind in (WORKSPACE, DIAGNOSTIC_SETTING, ACTION_GROUP, METRIC_ALERT, SCHEDULED_QUERY_RULE)
        for verb in ("create", "update", "delete")
    },
}


def minutes(type_token: str, verb: str) -> float:
    found = DURATIONS.get((type_token, verb))
    return found.minutes if found is not None else 0.0
