"""Two pairs from the installed package: a hub in West Europe linked to North Europe and to Sweden Central."""

import pulumi

from vnet2vnet import VnetToVnetPair, VnetToVnetPairArgs

hub = {
    "name": "hub",
    "location": "westeurope",
    "address_spaces": ["10.0.0.0/16"],
    "gateway_subnet_prefix": "10.0.255.0/27",
}

north = VnetToVnetPair(
    "hub-north",
    VnetToVnetPairArgs(
        vnets=[
            hub,
            {
                "name": "north",
                "location": "northeurope",
                "address_spaces": ["10.1.0.0/16"],
                "gateway_subnet_prefix": "10.1.255.0/27",
            },
        ],
        gateway={"sku": "VpnGw2AZ"},
    ),
)
sweden = VnetToVnetPair(
    "hub-sweden",
    VnetToVnetPairArgs(
        vnets=[
            {**hub, "address_spaces": ["10.2.0.0/16"], "gateway_subnet_prefix": "10.2.255.0/27"},
            {
                "name": "sweden",
                "location": "swedencentral",
                "address_spaces": ["10.3.0.0/16"],
                "gateway_subnet_prefix": "10.3.255.0/27",
            },
        ],
        gateway={"sku": "VpnGw2AZ"},
    ),
)

pulumi.export("connectionIds", {"north": north.connection_ids, "sweden": sweden.connection_ids})
