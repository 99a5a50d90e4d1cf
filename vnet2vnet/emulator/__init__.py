"""An emulator of the Azure behaviour the vnet2vnet program depends on, served to the real Pulumi engine as the
provider plugins `azure-native` (3.29.0) and `random` (4.21.4).

It is written from Azure's REST API spec and documentation and from azure-native's documented behaviour, not from
this project's rules: nothing here imports `vnet2vnet.validation` or the config schema, so that it can disagree
with them. Layout:

- `store`: "Azure" itself, one JSON file per rehearsal with a lock, shared by every plugin process; a scaled clock.
- `azure`: Azure's behaviour: IDs, computed outputs, refusals, 409 conflicts, connection status, byte counters
  (pure functions over the store's data).
- `monitor`: the same for the monitoring resources (Log Analytics workspace, diagnostic settings, action groups,
  metric and log alerts); `vnet2vnet.sdk_types` checks their request bodies against azure-native's SDK input types.
- `operating`: the operating reads of a link: IKE SAs, BGP peer status, learned routes.
- `provider`: azure-native's and random's behaviour over it (auto-naming, diff, read) as Pulumi providers.
- `plugins`: installs the two stand-ins into a throwaway PULUMI_HOME; they refuse to start anywhere else.
- `seed`: the seed and fault file format.

The Azure model (store, azure, monitor, operating, rules, seed) is vnet2vnet-tools', which the offline plan answers
from; the plugins (provider, plugins, arm_http, ...) are vnet2vnet-rehearse's, installed into this same package.
"""

from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
