"""Entry point of the vnet2vnet component provider: what `pulumi package add <repo>/provider` runs to serve
VnetToVnetPair and VnetMesh to TypeScript, Go, C#, Java and YAML programs. The language host starts it as
`python <this directory> <engine address>`; it prints the port it serves on. The schema is inferred from the
components' type annotations and docstrings."""

from pulumi.provider.experimental import component_provider_host

from vnet2vnet import PROVIDED_COMPONENTS, __version__

if __name__ == "__main__":
    component_provider_host(name="vnet2vnet", components=PROVIDED_COMPONENTS, version=__version__)
