"""Every Pulumi type token the program registers or reads, in one place (the URNs of existing stacks contain
them: never change one)."""

from typing import Final

PAIR_TYPE: Final = "vnet2vnet:index:VnetToVnetPair"
MESH_TYPE: Final = "vnet2vnet:index:VnetMesh"
SIDE_TYPE: Final = "vnet2vnet:index:GatewayVnet"
LINK_TYPE: Final = "vnet2vnet:index:VnetLink"
RESOURCE_GROUP_TYPE: Final = "azure-native:resources:ResourceGroup"
VNET_TYPE: Final = "azure-native:network:VirtualNetwork"
SUBNET_TYPE: Final = "azure-native:network:Subnet"
PUBLIC_IP_TYPE: Final = "azure-native:network:PublicIPAddress"
GATEWAY_TYPE: Final = "azure-native:network:VirtualNetworkGateway"
CONNECTION_TYPE: Final = "azure-native:network:VirtualNetworkGatewayConnection"
PASSWORD_TYPE: Final = "random:index/randomPassword:RandomPassword"
WORKSPACE_TYPE: Final = "azure-native:operationalinsights:Workspace"
DIAGNOSTIC_SETTING_TYPE: Final = "azure-native:monitor:DiagnosticSetting"
ACTION_GROUP_TYPE: Final = "azure-native:monitor:ActionGroup"
METRIC_ALERT_TYPE: Final = "azure-native:monitor:MetricAlert"
LOG_ALERT_TYPE: Final = "azure-native:monitor:ScheduledQueryRule"
