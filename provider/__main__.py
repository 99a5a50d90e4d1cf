"""Entry point of the vnet2vnet component provider: what `pulumi package add` runs to serve VnetToVnetPair to
TypeScript, Go, C#, Java and YAML programs (PulumiPlugin.yaml, `main: provider`). The schema is inferred from
the components' type annotations and docstrings."""

import sys
from pathlib import Path

# The language host runs this directory; the components live at the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider.experimental import component_provider_host

from components import PROVIDED_COMPONENTS
from vnet2vnet import __version__

if __name__ == "__main__":
    component_provider_host(name="vnet2vnet", components=PROVIDED_COMPONENTS, version=__version__)
