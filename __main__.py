"""The vnet2vnet Pulumi program: reads the stack config, checks it once, builds the pair (or the mesh) from the
checked spec, exports its outputs.

Every config read happens in `vnet2vnet.stack_config`; every rule in `vnet2vnet.validation`.
"""

from __future__ import annotations

import pulumi

from components import side_providers
from vnet2vnet import ValidationError, VnetMesh, VnetToVnetPair
from vnet2vnet.checks import CheckedSpec, checked_stack_spec
from vnet2vnet.components._reads import read_with_invokes
from vnet2vnet.engine_interrupts import end_quietly_when_the_engine_stops_the_program
from vnet2vnet.stack_config import read_raw_stack_config, with_providers

# Stopped at once (a second Ctrl-C), the CLI interrupts the program too: no KeyboardInterrupt traceback after it.
end_quietly_when_the_engine_stops_the_program()

try:
    # Existing VNets and gateways are read from Azure (azure-native invokes) and checked with Azure's values.
    resolved = checked_stack_spec(
        read_raw_stack_config(),
        pulumi.get_project(),
        read=read_with_invokes,
        attach=lambda parsed: with_providers(parsed, side_providers(parsed)),
    )
except ValidationError as invalid:
    # RunError ends `pulumi preview`/`up` with the findings alone, without a stack trace.
    raise pulumi.RunError(str(invalid)) from None
# Checked and resolved once, above, with the stack config's paths: the component builds it without a second pass.
checked = CheckedSpec(resolved)
network: VnetToVnetPair | VnetMesh
if resolved.spec.topology == "pair":
    # A pair stays a VnetToVnetPair: existing pair stacks keep their resources.
    network = VnetToVnetPair.from_checked(pulumi.get_project(), checked)
    pulumi.export("sharedKey", network.shared_key)
else:
    network = VnetMesh.from_checked(pulumi.get_project(), checked)
    pulumi.export("sharedKeys", network.shared_keys)

pulumi.export("vnetIds", network.vnet_ids)
pulumi.export("gatewayIds", network.gateway_ids)
pulumi.export("gatewayPublicIps", network.gateway_public_ips)
pulumi.export("gatewayBgpPeeringAddresses", network.gateway_bgp_peering_addresses)
pulumi.export("connectionIds", network.connection_ids)
pulumi.export("connectionStatuses", network.connection_statuses)
