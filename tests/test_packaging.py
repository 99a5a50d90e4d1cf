"""Reuse: the package, the multi-language schema and the component host."""

from __future__ import annotations

import select
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.component import ComponentProvider

import vnet2vnet
from tests.support import PROJECT_DIR, pair_args, plain, plan_components
from vnet2vnet.components import args as component_args
from vnet2vnet.findings import camel_case

ARG_TYPES = {
    "VnetArgs": component_args.VnetArgs,
    "SubnetArgs": component_args.SubnetArgs,
    "GatewayArgs": component_args.GatewayArgs,
    "ConnectionArgs": component_args.ConnectionArgs,
    "IpsecPolicyArgs": component_args.IpsecPolicyArgs,
    "LinkArgs": component_args.LinkArgs,
    "DiagnosticsArgs": component_args.DiagnosticsArgs,
    "AlertsArgs": component_args.AlertsArgs,
}
OUTPUTS = {
    "vnetIds",
    "gatewayIds",
    "gatewayPublicIps",
    "gatewayBgpPeeringAddresses",
    "connectionIds",
    "connectionStatuses",
    "sharedKey",
}


@pytest.fixture(scope="module")
def analyzed() -> Any:
    return Analyzer("vnet2vnet").analyze(vnet2vnet.PROVIDED_COMPONENTS)


class TestSchema:
    def test_every_input_and_output_with_its_description(self, analyzed: Any) -> None:
        pair = analyzed["component_definitions"]["VnetToVnetPair"]
        expected_inputs = {camel_case(name) for name in component_args.VnetToVnetPairArgs.__annotations__}
        assert set(pair.inputs) == expected_inputs
        assert set(pair.outputs) == OUTPUTS
        for name, prop in {**pair.inputs, **pair.outputs}.items():
            assert prop.description, f"{name} needs a description"
        assert pair.description, "the component itself is described"

    def test_nested_types_keep_every_option(self, analyzed: Any) -> None:
        types = analyzed["type_definitions"]
        assert set(ARG_TYPES) <= set(types)
        for name, typed_dict in ARG_TYPES.items():
            properties = types[name].properties
            assert set(properties) == {camel_case(k) for k in typed_dict.__annotations__}, f"{name} lost options"
            for key, prop in properties.items():
                assert prop.description, f"{name}.{key} needs a description"
        pair = analyzed["component_definitions"]["VnetToVnetPair"]
        assert pair.inputs["gateway"].ref.endswith(":GatewayArgs")
        assert pair.inputs["connection"].ref.endswith(":ConnectionArgs")
        assert types["ConnectionArgs"].properties["ipsecPolicy"].ref.endswith(":IpsecPolicyArgs")
        # A VNet's own gateway block and a link's own connection block reuse the shared blocks' types.
        assert types["VnetArgs"].properties["gateway"].ref.endswith(":GatewayArgs")
        assert types["LinkArgs"].properties["connection"].ref.endswith(":ConnectionArgs")
        assert pair.inputs["links"].items.ref.endswith(":LinkArgs"), "per-link settings in other languages too"
        assert pair.inputs["diagnostics"].ref.endswith(":DiagnosticsArgs")
        assert pair.inputs["alerts"].ref.endswith(":AlertsArgs"), "diagnostics and alerts in other languages too"

    def test_a_side_provider_is_a_reference_to_an_azure_native_provider(self, analyzed: Any) -> None:
        provider = analyzed["type_definitions"]["VnetArgs"].properties["provider"]
        assert provider.ref.endswith("#/resources/pulumi:providers:azure-native")
        assert {d.name for d in analyzed["dependencies"]} == {"azure-native"}

    def test_the_public_api_is_what_the_package_exports(self) -> None:
        public = {
            "VnetToVnetPair", "VnetToVnetPairArgs", "VnetMesh", "VnetMeshArgs", "VnetArgs", "SubnetArgs",
            "GatewayArgs", "ConnectionArgs", "IpsecPolicyArgs", "ValidationError", "PROVIDED_COMPONENTS",
        }  # fmt: skip
        assert set(vnet2vnet.__all__) == public, "the import path users depend on: from vnet2vnet import ..."
        assert all(hasattr(vnet2vnet, name) for name in public)
        assert issubclass(vnet2vnet.ValidationError, ValueError)


class TestPluginDirectory:
    """provider/ is what `pulumi package add <repo>/provider` loads: a directory of its own, because the CLI
    refuses one holding both PulumiPlugin.yaml and Pulumi.yaml and ignores a `main:` field (loaders.go,
    project.go `PluginProject`)."""

    def test_it_is_self_contained_and_apart_from_the_stack_program(self) -> None:
        plugin_dir = PROJECT_DIR / "provider"
        assert (plugin_dir / "PulumiPlugin.yaml").is_file()
        assert not (PROJECT_DIR / "PulumiPlugin.yaml").exists(), "the root holds Pulumi.yaml: no plugin manifest there"
        assert not (plugin_dir / "Pulumi.yaml").exists()
        manifest = yaml.safe_load((plugin_dir / "PulumiPlugin.yaml").read_text())
        assert manifest["runtime"]["name"] == "python"
        assert "main" not in manifest, "CLIs up to v3.260 have no `main` field: the directory's __main__.py runs"
        requirements = (plugin_dir / "requirements.txt").read_text().split()
        assert ".." in requirements, "the plugin's virtualenv installs the vnet2vnet package from this repository"
        pins = {line.split("==")[0] for line in requirements if "==" in line}
        assert {"pulumi", "pulumi-azure-native", "pulumi-random"} <= pins

    def test_its_pins_are_the_repository_pins(self) -> None:
        def pins(path: Path) -> dict[str, str]:
            lines = [line.strip() for line in path.read_text().splitlines()]
            return dict(line.split("==", 1) for line in lines if "==" in line and not line.startswith("#"))

        plugin = pins(PROJECT_DIR / "provider" / "requirements.txt")
        repository = pins(PROJECT_DIR / "requirements.txt") | pins(PROJECT_DIR / "requirements-dev.txt")
        assert {name: repository.get(name) for name in plugin} == plugin, "one version of each package"

    def test_the_language_host_command_prints_a_port(self) -> None:
        # What the Python language host runs for a plugin: `python <plugin dir> <engine address>`; the engine
        # reads the port from the first line of stdout.
        process = subprocess.Popen(
            [sys.executable, str(PROJECT_DIR / "provider"), "127.0.0.1:1"],
            cwd=tempfile.gettempdir(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], 60)
            first_line = process.stdout.readline().strip() if ready else ""
        finally:
            process.kill()
            _, errors = process.communicate(timeout=30)
        assert first_line.isdigit() and 0 < int(first_line) < 65536, f"no port on stdout; stderr: {errors[-2000:]}"


def _camel_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {camel_case(k): _camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel_keys(v) for v in value]
    return value


def test_the_component_host_builds_the_same_pair_from_a_plain_dict() -> None:
    args = pair_args(connection={"shared_key_length": 64, "dpd_timeout_seconds": 45})
    args["vnets"][0]["bgp_asn"] = 65010
    provider = ComponentProvider(vnet2vnet.PROVIDED_COMPONENTS, "vnet2vnet")
    # What another language sends: camelCase keys, every number a double.
    sent = _camel_keys(args)
    sent["connection"]["sharedKeyLength"] = 64.0
    sent["vnets"][0]["bgpAsn"] = 65010.0

    hosted = plan_components(
        lambda: provider.construct("corp", "vnet2vnet:index:VnetToVnetPair", sent, pulumi.ResourceOptions())
    )
    native = plan_components(lambda: vnet2vnet.VnetToVnetPair("corp", vnet2vnet.VnetToVnetPairArgs(**args)))  # type: ignore[typeddict-item]

    def shape(plan: Any) -> dict[tuple[str, str], Any]:
        return {(r.type, r.name): plain(r.inputs) for r in plan.custom_resources}

    assert shape(hosted) == shape(native), "the host must build exactly what the Python API builds"
    assert len(shape(hosted)) == 13


def test_every_pin_installs_on_the_python_the_quick_start_names() -> None:
    import importlib.metadata
    import re

    from packaging.specifiers import SpecifierSet

    readme = (PROJECT_DIR / "README.md").read_text()
    (minimum,) = set(re.findall(r"any machine with Python >= (3\.\d+)", readme))
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert f"sys.version_info >= ({minimum.replace('.', ', ')})" in makefile, "make checks the README's minimum"
    lines = [
        line
        for name in ("requirements.txt", "requirements-dev.txt")
        for line in (PROJECT_DIR / name).read_text().splitlines()
    ]
    pins = [line.split("==")[0] for line in lines if "==" in line]
    for name in pins:
        requires = importlib.metadata.metadata(name)["Requires-Python"] or ""
        assert SpecifierSet(requires).contains(f"{minimum}.0"), f"{name} needs Python {requires}, not {minimum}"
