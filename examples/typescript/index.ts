import * as vnet2vnet from "@pulumi/vnet2vnet";

// The same component as the Python API, with the schema's camelCase names.
const pair = new vnet2vnet.VnetToVnetPair("corp", {
    vnets: [
        { name: "hq", location: "northeurope", addressSpaces: ["172.16.0.0/20"], gatewaySubnetPrefix: "172.16.15.0/27" },
        { name: "dr", location: "swedencentral", addressSpaces: ["172.16.16.0/20"], gatewaySubnetPrefix: "172.16.31.224/27" },
    ],
    gateway: { sku: "VpnGw2AZ", generation: "Generation2" },
    connection: { sharedKeyLength: 64 },
});

export const connectionIds = pair.connectionIds;
export const gatewayPublicIps = pair.gatewayPublicIps;
