"""A Mermaid flowchart of the planned topology, drawn from the recorded resources.

One box per VNet (region, address spaces) holding its gateway (SKU, public IPs), and one encrypted link per
pair of gateways that have connections between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vnet2vnet.plan_model import Plan, RecordedResource, unwrap
from vnet2vnet.tokens import CONNECTION_TYPE, GATEWAY_TYPE, PUBLIC_IP_TYPE, VNET_TYPE

SIDE_TYPE = "vnet2vnet:index:GatewayVnet"


@dataclass(frozen=True)
class _Side:
    key: str
    label: str
    location: str
    spaces: list[str]
    sku: str
    generation: str
    public_ips: list[str]
    gateway_id: str


def _node_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _sides(plan: Plan) -> list[_Side]:
    by_urn = plan.by_urn()
    children: dict[str, list[RecordedResource]] = {}
    for resource in plan.resources:
        if resource.parent:
            children.setdefault(resource.parent, []).append(resource)
    sides = []
    for side in sorted(plan.of_type(SIDE_TYPE), key=lambda r: r.name):
        owned = children.get(side.urn, [])
        vnet = next((r for r in owned if r.type == VNET_TYPE), None)
        gateway = next((r for r in owned if r.type == GATEWAY_TYPE), None)
        if vnet is None or gateway is None:
            continue
        parent = by_urn.get(side.parent or "")
        prefix = f"{parent.name}-" if parent is not None else ""
        inputs = unwrap(vnet.inputs)
        sides.append(
            _Side(
                key=_node_id(side.name),
                label=side.name.removeprefix(prefix),
                location=str(inputs.get("location", "")),
                spaces=[str(s) for s in inputs.get("addressSpace", {}).get("addressPrefixes", [])],
                sku=str(unwrap(gateway.inputs).get("sku", {}).get("name", "")),
                generation=str(unwrap(gateway.inputs).get("vpnGatewayGeneration", "")),
                public_ips=sorted(
                    str(r.state.get("ipAddress"))
                    for r in owned
                    if r.type == PUBLIC_IP_TYPE and r.state.get("ipAddress")
                ),
                gateway_id=gateway.id,
            )
        )
    return sides


def render_mermaid(plan: Plan) -> str:
    sides = _sides(plan)
    by_gateway = {side.gateway_id: side for side in sides}
    lines = ["flowchart LR"]
    for side in sides:
        spaces = ", ".join(side.spaces)
        lines.append(f'  subgraph {side.key}["VNet {side.label} · {side.location} · {spaces}"]')
        ips = ", ".join(side.public_ips) or "public IP at deploy time"
        lines.append(f'    {side.key}_gw["VPN gateway {side.sku} {side.generation}<br/>{ips}"]')
        lines.append("  end")
    linked: set[tuple[str, str]] = set()
    for connection in plan.of_type(CONNECTION_TYPE):
        inputs = unwrap(connection.inputs)
        a = by_gateway.get(inputs.get("virtualNetworkGateway1", {}).get("id", ""))
        b = by_gateway.get(inputs.get("virtualNetworkGateway2", {}).get("id", ""))
        if a is None or b is None:
            continue
        linked.add((min(a.key, b.key), max(a.key, b.key)))
    for a_key, b_key in sorted(linked):
        lines.append(f'  {a_key}_gw <-->|"IPsec/IKE tunnel (Vnet2Vnet)"| {b_key}_gw')
    return "\n".join(lines)
