"""Cross-tenant references: a connection to a gateway in a subscription of another Entra tenant needs a token of that
tenant (the `x-ms-authorization-auxiliary` header), or ARM refuses the linked access.

Source: Azure/azure-cli #31003 (Microsoft-filed, 2025: exactly this PUT, refused 403 LinkedAuthorizationFailed) and
ARM's multi-tenant authentication
(https://learn.microsoft.com/azure/azure-resource-manager/management/authenticate-multi-tenant)."""

from __future__ import annotations

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.azure import CONNECTION
from vnet2vnet.emulator.rules import Refused, Request, rule

MULTI_TENANT_DOC = "https://learn.microsoft.com/azure/azure-resource-manager/management/authenticate-multi-tenant"
LINKED_SOURCE = f"https://github.com/Azure/azure-cli/issues/31003; {MULTI_TENANT_DOC}"


def own_tenant(request: Request) -> str:
    """The tenant of the client's own token: the first of `auxiliary_tenants`, else its subscription's."""
    return request.auxiliary_tenants[0] if request.auxiliary_tenants else request.tenant_of(request.subscription)


@rule(
    "connection-cross-tenant-token",
    (CONNECTION,),
    "LinkedAuthorizationFailed",
    "a connection to a gateway in a subscription of another tenant, without a token of that tenant "
    "(`x-ms-authorization-auxiliary`)",
    LINKED_SOURCE,
    status=403,
    validated_by="by construction: each provider names the other sides' tenants as auxiliaryTenantIds",
)
def _cross_tenant(request: Request) -> None:
    mine = own_tenant(request)
    held = {azure.key(t) for t in request.auxiliary_tenants} | {azure.key(mine)}
    for field_name in ("virtualNetworkGateway1", "virtualNetworkGateway2"):
        gateway_id = azure.ref(request.body.get(field_name))
        subscription = azure.subscription_of(gateway_id)
        if not subscription:
            continue
        tenant = request.tenant_of(subscription)
        if azure.key(tenant) not in held:
            raise Refused(
                "The client has permission to perform action 'Microsoft.Network/virtualNetworkGateways/read' on scope "
                f"'{request.rid}', however the current tenant '{mine}' is not authorized to access linked "
                f"subscription '{subscription}'."
            )
