"""The evidence and adopt reads (vnet2vnet.azure_reads): the Azure SDK with the credentials the stack's providers
would use, per subscription; answers flattened as azure-native flattens them; and nothing shipped that needs this
repository's own `components/` (a consumer's project has none). Against the emulator's HTTPS endpoint with the
real client: tests/test_arm_http.py and the real-engine evidence tests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import PROJECT_DIR
from vnet2vnet import azure_auth
from vnet2vnet.azure_reads import API_VERSION, ArmId, FixedToken, flattened, sdk_reads, side_choices
from vnet2vnet.spec import TopologySpec, VnetSpec

HUB_SUBSCRIPTION = "2f0c3a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
SPOKE_SUBSCRIPTION = "11111111-2222-4333-8444-555555555555"
SECRET_ENV = {
    "ARM_CLIENT_ID": "client",
    "ARM_CLIENT_SECRET": "secret",
    "ARM_TENANT_ID": "tenant-a",
    "ARM_SUBSCRIPTION_ID": SPOKE_SUBSCRIPTION,
}


def topology(*vnets: VnetSpec) -> TopologySpec:
    return TopologySpec(vnets=tuple(vnets), topology="mesh")


def vnet(name: str, prefix: str, subscription: str | None = None, tenant: str | None = None) -> VnetSpec:
    return VnetSpec(
        name=name,
        location="westeurope",
        address_spaces=(prefix,),
        gateway_subnet_prefix=prefix.replace("0.0/16", "255.0/27"),
        subscription_id=subscription,
        tenant_id=tenant,
    )


class TestShapes:
    def test_properties_are_lifted_to_the_top_as_azure_native_flattens_them(self) -> None:
        wire = {"id": "i", "name": "n", "properties": {"connectionStatus": "Connected", "egressBytesTransferred": 5}}
        assert flattened(wire) == {"id": "i", "name": "n", "connectionStatus": "Connected", "egressBytesTransferred": 5}

    def test_sub_resources_are_flattened_too(self) -> None:
        subnet = {"id": "s"}
        wire = {"properties": {"ipConfigurations": [{"id": "c", "properties": {"subnet": subnet}}]}}
        assert flattened(wire) == {"ipConfigurations": [{"id": "c", "subnet": subnet}]}

    def test_an_arm_id_names_its_subscription_group_and_name(self) -> None:
        rid = f"/subscriptions/{HUB_SUBSCRIPTION}/resourceGroups/hub-rg/providers/Microsoft.Network/connections/c1"
        assert ArmId.parse(rid) == ArmId(HUB_SUBSCRIPTION, "hub-rg", "c1")

    @pytest.mark.parametrize("rid", ["", "/subscriptions/x", "not/an/id/at/all/really/no/x"])
    def test_anything_else_is_refused(self, rid: str) -> None:
        with pytest.raises(ValueError, match="not an Azure resource ID"):
            ArmId.parse(rid)

    def test_every_call_names_the_api_version_azure_native_uses(self) -> None:
        assert API_VERSION == "2024-05-01", "the spec in ../shared, and the only version the emulator accepts"

    def test_the_fixed_token_of_a_rehearsal_never_expires_during_a_run(self) -> None:
        assert FixedToken().get_token("scope").expires_on > 4_000_000_000


class TestCredentialsPerSubscription:
    def test_a_side_with_its_own_subscription_is_read_as_its_explicit_provider_authenticates(self) -> None:
        plan = topology(vnet("hub", "10.1.0.0/16", HUB_SUBSCRIPTION, "tenant-b"), vnet("spoke", "10.2.0.0/16"))
        default, sides = side_choices({}, SECRET_ENV, plan)
        assert default is not None and default.method == "secret" and default.subscription_id == SPOKE_SUBSCRIPTION
        hub = sides[HUB_SUBSCRIPTION]
        assert (hub.subscription_id, hub.tenant_id) == (HUB_SUBSCRIPTION, "tenant-b"), hub.describe()
        assert hub.auxiliary_tenant_ids == (), "the hub reaches no other tenant than the default's unset one"

    def test_stack_config_wins_over_the_environment_for_the_default_provider(self) -> None:
        config = {"azure-native:subscriptionId": HUB_SUBSCRIPTION, "azure-native:useMsi": "true"}
        default, _ = side_choices(config, SECRET_ENV, topology(vnet("a", "10.1.0.0/16"), vnet("b", "10.2.0.0/16")))
        assert default is not None and default.method == "secret", "a client secret comes before a managed identity"
        assert default.subscription_id == HUB_SUBSCRIPTION

    def test_an_incomplete_method_is_an_error_naming_the_setting(self) -> None:
        env = {"ARM_CLIENT_SECRET": "s", "ARM_SUBSCRIPTION_ID": SPOKE_SUBSCRIPTION}
        with pytest.raises(azure_auth.AuthConfigError, match="ARM_TENANT_ID"):
            sdk_reads({}, topology(vnet("a", "10.1.0.0/16"), vnet("b", "10.2.0.0/16")), env)

    def test_a_tenant_only_side_without_any_subscription_is_an_error_naming_the_setting(self) -> None:
        plan = topology(vnet("hub", "10.1.0.0/16", tenant="tenant-b"), vnet("spoke", "10.2.0.0/16"))
        with pytest.raises(azure_auth.AuthConfigError, match="subscriptionId"):
            sdk_reads({}, plan, {"ARM_CLIENT_SECRET": "s"})

    def test_the_endpoints_can_be_pointed_elsewhere(self) -> None:
        env = {**SECRET_ENV, "VNET2VNET_ARM_URL": "https://arm.example.test/"}
        reads = sdk_reads({}, topology(vnet("a", "10.1.0.0/16"), vnet("b", "10.2.0.0/16")), env)
        assert reads.base_url == "https://arm.example.test", "the override, without its trailing slash"
        assert reads.scope == "https://management.azure.com/.default", "the token is still for the cloud's ARM"

    def test_the_cloud_gives_the_endpoint_otherwise(self) -> None:
        env = {**SECRET_ENV, "ARM_ENVIRONMENT": "usgovernment"}
        reads = sdk_reads({}, topology(vnet("a", "10.1.0.0/16"), vnet("b", "10.2.0.0/16")), env)
        assert reads.base_url == "https://management.usgovcloudapi.net", reads.base_url


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_nothing_shipped_imports_this_repositorys_own_components_package() -> None:
    # `verify --evidence` used to import `components` from the project folder: a consumer's project has none.
    shipped = sorted((PROJECT_DIR / "vnet2vnet").rglob("*.py"))
    importing = [str(path.relative_to(PROJECT_DIR)) for path in shipped if "components" in _imports(path)]
    assert shipped and importing == [], f"shipped modules importing the repository's components/: {importing}"
